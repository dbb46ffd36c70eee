"""Population sampler: ANSUR II foot dimensions by sex plus arch and toe types.

The joint distribution of foot length, ball girth, ball width, heel width, ball length and
the ankle measures is a multivariate normal per sex whose means, SDs and correlations are
committed in ``footfit/data/population_ansur2.json`` (derived by ``tools/derive_population.py``);
arch types, arch indices, toe shapes, instep heights and hallux angles follow the design
choices recorded in the same file.

References
----------
.. [1] Gordon CC et al. (2014). 2012 Anthropometric Survey of U.S. Army Personnel (ANSUR II).
   NATICK/TR-15/007.
.. [2] Cavanagh PR, Rodgers MM (1987). The arch index: a useful measure from footprints.
   J Biomech 20(5):547-551 (arch-index classes, DOMAIN.md section 3).
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import numpy as np

from footfit._core.validation import check_choice
from footfit._data import model_path
from footfit.exceptions import InvalidParameterError
from footfit.synth.params import ARCH_TYPES, SEXES, SIDES, TOE_SHAPES, FootParams

__all__ = ["load_population", "sample_population", "sample_population_arrays"]

POPULATION_FILE = "population_ansur2.json"
_TRUNCATE_SD = 4.0


@lru_cache(maxsize=4)
def _load_cached(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def load_population() -> dict[str, Any]:
    """Return the population table ``footfit/data/population_ansur2.json`` (cached)."""
    return _load_cached(str(model_path(POPULATION_FILE)))


def _check_n(n: object) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise InvalidParameterError(f"`n` must be an int >= 0; got {n!r}")
    return int(n)


def _truncnorm(rng: np.random.Generator, mean: np.ndarray, sd: np.ndarray, low: np.ndarray,
               high: np.ndarray) -> np.ndarray:
    """Draw normals truncated to [low, high] by vectorized rejection (then clipping)."""
    mean, sd = np.broadcast_arrays(np.asarray(mean, float), np.asarray(sd, float))
    out = rng.normal(mean, sd)
    for _ in range(20):
        bad = (out < low) | (out > high)
        if not bad.any():
            break
        out[bad] = rng.normal(mean[bad], sd[bad])
    return np.clip(out, low, high)


def _mvn_truncated(rng: np.random.Generator, group: dict[str, Any], n: int) -> np.ndarray:
    mean = np.asarray(group["mean"], float)
    sd = np.asarray(group["sd"], float)
    cov = np.asarray(group["correlation"], float) * np.outer(sd, sd)
    chol = np.linalg.cholesky(cov)
    out = mean + rng.standard_normal((n, mean.size)) @ chol.T
    for _ in range(50):
        bad = (np.abs(out - mean) > _TRUNCATE_SD * sd).any(axis=1)
        if not bad.any():
            break
        out[bad] = mean + rng.standard_normal((int(bad.sum()), mean.size)) @ chol.T
    return np.clip(out, mean - _TRUNCATE_SD * sd, mean + _TRUNCATE_SD * sd)


def sample_population_arrays(
    n: int, *, sex: str | None = None, rng: np.random.Generator | int | None = None
) -> dict[str, np.ndarray]:
    """Draw ``n`` feet as arrays (fast, vectorized).

    Parameters
    ----------
    n : int
        Number of feet.
    sex : {None, 'male', 'female'}, default=None
        ``None`` draws the sex of each foot (50/50, see the population file).
    rng : numpy.random.Generator, int or None, default=None
        Seed or generator.

    Returns
    -------
    dict of str to (n,) ndarray
        ``foot_length_mm``, ``ball_girth_mm``, ``ball_width_mm``, ``heel_width_mm``,
        ``ball_length_mm``, ``long_heel_girth_mm``, ``ankle_girth_mm``,
        ``lateral_malleolus_height_mm``, ``bimalleolar_breadth_mm`` (ANSUR II joint normal by
        sex, truncated at 4 SD), ``instep_height_mm``, ``arch_index`` (drawn inside the class
        of ``arch_type``), ``hallux_angle_deg``, ``toe_offset_mm`` (float);
        ``arch_type``, ``toe_shape``, ``sex``, ``side`` (str).

    References
    ----------
    .. [1] Gordon CC et al. (2014). ANSUR II, NATICK/TR-15/007.

    Examples
    --------
    >>> feet = sample_population_arrays(1000, sex="female", rng=0)
    >>> bool(230 < feet["foot_length_mm"].mean() < 262)
    True
    >>> sorted(set(feet["arch_type"].tolist()))
    ['flat', 'high', 'normal']
    """
    n = _check_n(n)
    check_choice(sex, (None, *SEXES), name="sex")
    rng = np.random.default_rng(rng)
    pop = load_population()
    design = pop["design"]
    variables = pop["variables"]

    if sex is None:
        p_male = design["sex_frequencies"]["values"]["male"]
        sexes = np.where(rng.random(n) < p_male, "male", "female")
    else:
        sexes = np.full(n, sex)
    data = np.zeros((n, len(variables)))
    for s in SEXES:
        idx = np.flatnonzero(sexes == s)
        if idx.size:
            data[idx] = _mvn_truncated(rng, pop["groups"][s], idx.size)
    out: dict[str, np.ndarray] = {v: data[:, i] for i, v in enumerate(variables)}
    fl = out["foot_length_mm"]

    def choose(freqs: dict[str, float], names: tuple[str, ...]) -> np.ndarray:
        p = np.array([freqs[k] for k in names], float)
        return np.asarray(names)[rng.choice(len(names), size=n, p=p / p.sum())]

    arch = choose(design["arch_type_frequencies"]["values"], ARCH_TYPES)
    ai = np.zeros(n)
    for a in ARCH_TYPES:
        m = arch == a
        spec = design["arch_index_by_type"]["values"][a]
        ai[m] = _truncnorm(rng, np.full(m.sum(), spec["mean"]), np.full(m.sum(), spec["sd"]),
                           spec["low"], spec["high"])
    toe = choose(design["toe_shape_frequencies"]["values"], TOE_SHAPES)
    offset = np.zeros(n)
    for t in TOE_SHAPES:
        m = toe == t
        spec = design["toe_offset_mm"]["values"][t]
        offset[m] = _truncnorm(rng, np.full(m.sum(), spec["mean"]),
                               np.full(m.sum(), spec["sd"]), spec["low"], spec["high"])
    ih = design["instep_height"]["values"]
    shift = np.array([ih["arch_shift_mm"][a] for a in arch]) if n else np.zeros(0)
    instep = ih["ratio_to_length"] * fl + shift + rng.normal(0.0, ih["sd_mm"], n)
    instep = np.clip(instep, 0.19 * fl, 0.29 * fl)
    ha = design["hallux_angle_deg"]["values"]
    hallux = _truncnorm(rng, np.full(n, ha["mean"]), np.full(n, ha["sd"]), ha["low"],
                        ha["high"])
    side = np.asarray(SIDES)[rng.integers(0, 2, n)]
    out.update(instep_height_mm=instep, arch_index=ai, hallux_angle_deg=hallux,
               toe_offset_mm=offset, arch_type=arch, toe_shape=toe, sex=sexes, side=side)
    return out


def sample_population(
    n: int, *, sex: str | None = None, rng: np.random.Generator | int | None = None
) -> list[FootParams]:
    """Draw ``n`` feet as :class:`FootParams` (see :func:`sample_population_arrays`).

    Examples
    --------
    >>> feet = sample_population(3, rng=1)
    >>> len(feet), feet[0] == sample_population(3, rng=1)[0]
    (3, True)
    """
    arr = sample_population_arrays(n, sex=sex, rng=rng)
    keys = ("foot_length_mm", "ball_width_mm", "ball_girth_mm", "heel_width_mm",
            "instep_height_mm", "hallux_angle_deg", "arch_index", "toe_offset_mm",
            "ball_length_mm", "ankle_girth_mm", "lateral_malleolus_height_mm",
            "bimalleolar_breadth_mm")
    feet = []
    for i in range(_check_n(n)):
        kw = {k: round(float(arr[k][i]), 3) for k in keys}
        feet.append(FootParams(arch_type=str(arr["arch_type"][i]),
                               toe_shape=str(arr["toe_shape"][i]), side=str(arr["side"][i]),
                               sex=str(arr["sex"][i]), **kw))
    return feet
