"""Which observation justifies which insole feature: posting, pads, cushioning, toe room.

The rules of LASTS.md section 7 and DOMAIN.md section 6, with every threshold read from
``footfit/data/insole_rules.json``:

- a **medial post** follows a pronated foot posture (FPI-6 at or above
  ``medial_post.min_fpi``), never the hallux angle; when the caller gives no measured
  FPI-6, an FPI-like proxy from the FPI items the scan can observe stands in
  (:func:`estimate_foot_posture`);
- a **lateral post** only for a highly supinated posture, never for a high arch by default;
- a **metatarsal pad** only with forefoot-overload evidence (a scan carries none);
- a **high (cavus) arch** gets a cushioned full-contact device;
- a **hallux-valgus angle** asks for toe-box room or a bunion accommodation in the shoe.

Each foot's rules become a *gate*: a few bits that say which devices are eligible
(:func:`eligible_rows`), applied as hard constraints before the nearest-neighbour search.

References
----------
.. [1] ../shared/LASTS.md section 7 (refs 45-50) and DOMAIN.md section 6.
.. [2] Redmond AC, Crosbie J, Ouvrier RA (2006). Development and validation of a novel rating
   system for scoring standing foot posture: the Foot Posture Index. Clin Biomech 21:89-98.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from footfit._core.typing import FloatArray, IntArray
from footfit._data import model_path
from footfit.classify import classify_hallux_valgus, load_foot_classes
from footfit.exceptions import InvalidMeasurementError, InvalidParameterError

__all__ = [
    "GATE_CAVUS",
    "GATE_LATERAL",
    "GATE_MEDIAL",
    "GATE_OVERLOAD",
    "FootPosture",
    "InsolePrescription",
    "eligible_rows",
    "estimate_foot_posture",
    "foot_gates",
    "load_insole_rules",
    "prescribe_insole",
]

#: Gate bits: the foot is pronated (medial posts eligible and preferred); highly supinated
#: (lateral posts eligible); forefoot overload given (pads eligible and preferred); cavus
#: (cushioned full-contact devices preferred).
GATE_MEDIAL, GATE_LATERAL, GATE_OVERLOAD, GATE_CAVUS = 1, 2, 4, 8
_FPI_ITEMS = 6


@lru_cache(maxsize=1)
def load_insole_rules() -> dict[str, Any]:
    """Return ``footfit/data/insole_rules.json`` (cached; do not mutate).

    Raises
    ------
    ValueError
        If a block the rules need is missing, naming the file.
    """
    path = str(model_path("insole_rules.json"))
    with open(path, encoding="utf-8") as fh:
        rules = json.load(fh)
    need = ("foot_posture_index", "medial_post", "lateral_post", "posture_proxy",
            "metatarsal_pad", "cavus", "hallux_valgus")
    missing = [k for k in need if k not in rules]
    if missing:
        raise InvalidParameterError(f"{path}: lacks block(s) {missing}")
    return rules


@dataclass(frozen=True)
class FootPosture:
    """A foot posture on the FPI-6 scale (-12..+12, positive = pronated).

    Attributes
    ----------
    fpi : int or None
        The measured FPI-6 (``source='measured'``) or the FPI-like proxy
        (``source='proxy'``); None when nothing observed bears on posture.
    band : str or None
        ``highly_supinated``, ``supinated``, ``neutral``, ``pronated`` or
        ``highly_pronated`` (``footfit/data/insole_rules.json`` ``foot_posture_index.bands``).
    source : {'measured', 'proxy', 'none'}
    items : tuple of (str, int)
        The FPI items the proxy rests on and their scores (empty when measured).
    reason : str
        One line: the value, its source and what it rests on.
    """

    fpi: int | None
    band: str | None
    source: str
    items: tuple[tuple[str, int], ...]
    reason: str


def _band(fpi: float) -> str:
    for name, (lo, hi) in load_insole_rules()["foot_posture_index"]["bands"].items():
        if lo <= fpi <= hi:
            return str(name)
    raise InvalidParameterError(
        f"footfit/data/insole_rules.json: no foot_posture_index band holds {fpi:g}"
    )


def _item_score(value: FloatArray, bands: list[Mapping[str, Any]]) -> FloatArray:
    """Vectorized band lookup: ``(n,)`` values -> item scores (NaN where value is NaN)."""
    out = np.full(value.shape, np.nan)
    done = ~np.isfinite(value)
    for b in bands:
        hit = ~done if b["below"] is None else (~done & (value < float(b["below"])))
        out[hit] = float(b["score"])
        done |= hit
    return out


def _proxy_fpi(features: Mapping[str, FloatArray]) -> tuple[FloatArray, dict[str, FloatArray]]:
    """FPI-like proxy ``(n,)`` (NaN = no item observed) and the per-item scores."""
    spec = load_insole_rules()["posture_proxy"]["items"]
    n = len(next(iter(features.values())))
    scores = {}
    for name, item in spec.items():
        v = np.asarray(features.get(item["feature"], np.full(n, np.nan)), dtype=np.float64)
        scores[name] = _item_score(v, item["bands"])
    stack = np.column_stack(list(scores.values()))
    seen = np.isfinite(stack).sum(axis=1)
    total = np.where(np.isfinite(stack), stack, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        fpi = np.where(seen > 0, np.round(_FPI_ITEMS * total / np.maximum(seen, 1)), np.nan)
    return fpi, scores


def check_fpi(value: Any, *, name: str = "foot_posture_index") -> float | None:
    """Validate a caller's FPI-6 (None = not given); returns a float in the scale's range."""
    if value is None:
        return None
    if isinstance(value, (bool, str)):
        raise TypeError(f"`{name}` must be a number or None; got {value!r}")
    v = float(value)
    if math.isnan(v):
        return None
    lo, hi = load_insole_rules()["foot_posture_index"]["caller_range"]
    if not lo <= v <= hi:
        raise InvalidMeasurementError(f"{name} must be within {lo}-{hi} (FPI-6); got {value!r}")
    return v


def estimate_foot_posture(
    *, arch_index: float | None = None, foot_posture_index: float | None = None
) -> FootPosture:
    """Return the foot posture: a measured FPI-6 if given, else the FPI-like scan proxy.

    Parameters
    ----------
    arch_index : float, optional
        Cavanagh-Rodgers arch index: the scan's view of FPI item 5 (congruence of the medial
        longitudinal arch), scored -2..+2 by the bands of ``footfit/data/insole_rules.json``.
    foot_posture_index : float, optional
        A measured FPI-6 (-12..+12), e.g. from a clinician; it replaces the proxy.

    Returns
    -------
    FootPosture

    Notes
    -----
    The proxy is the mean score of the observed FPI items x 6, rounded: an FPI-like value
    on the FPI-6 scale. footfit observes one of the six items (the arch), so the proxy is
    weak and is labelled with what it rests on [U].

    References
    ----------
    .. [1] LASTS.md section 7, ref 45 (FPI-6 bands) and ref 46 (research cut-off).

    Examples
    --------
    >>> estimate_foot_posture(foot_posture_index=4).band
    'neutral'
    >>> p = estimate_foot_posture(arch_index=0.28)
    >>> p.fpi, p.band, p.source
    (6, 'pronated', 'proxy')
    """
    measured = check_fpi(foot_posture_index)
    if measured is not None:
        fpi = int(round(measured))
        band = _band(fpi)
        return FootPosture(fpi=fpi, band=band, source="measured", items=(),
                           reason=f"FPI-6 {fpi:+d} (measured, given) -> {band.replace('_', ' ')}")
    ai = np.array([np.nan if arch_index is None else float(arch_index)])
    fpi_arr, scores = _proxy_fpi({"arch_index": ai})
    items = tuple((k, int(v[0])) for k, v in scores.items() if np.isfinite(v[0]))
    if not items:
        return FootPosture(fpi=None, band=None, source="none", items=(),
                           reason="foot posture unknown: no FPI-6 given and no arch index "
                                  "measured")
    fpi = int(fpi_arr[0])
    band = _band(fpi)
    spec = load_insole_rules()["posture_proxy"]["items"]
    parts = ", ".join(f"FPI item {spec[k]['fpi_item'].split(',')[0]} ({k.replace('_', ' ')}) "
                      f"{s:+d}" for k, s in items)
    return FootPosture(
        fpi=fpi, band=band, source="proxy", items=items,
        reason=(f"FPI-like {fpi:+d} -> {band.replace('_', ' ')} (scan proxy resting on "
                f"{len(items)} of 6 FPI items: {parts})"),
    )


@lru_cache(maxsize=1)
def _arch_high() -> tuple[float, bool]:
    hi = load_foot_classes()["arch_rules"]["cavanagh_rodgers"]["high"]
    return float(hi["max"]), bool(hi["inclusive"])


@lru_cache(maxsize=1)
def _hallux_grades() -> tuple[str, ...]:
    return tuple(str(g["name"]) for g in load_foot_classes()["hallux_valgus"]["grades"])


def _cavus(ai: FloatArray) -> np.ndarray:
    hi = dict(zip(("max", "inclusive"), _arch_high(), strict=True))
    with np.errstate(invalid="ignore"):
        return (ai <= hi["max"]) if hi["inclusive"] else (ai < hi["max"])


def foot_gates(
    arch_index: FloatArray,
    foot_posture_index: FloatArray | None = None,
    forefoot_overload: np.ndarray | None = None,
) -> tuple[IntArray, FloatArray, np.ndarray]:
    """Return each foot's gate bits, posture (FPI scale, NaN = unknown) and its source.

    Parameters
    ----------
    arch_index : (n,) float
        NaN = not measured.
    foot_posture_index : (n,) float, optional
        Measured FPI-6 (NaN = not given); replaces the proxy where given.
    forefoot_overload : (n,) bool, optional
        Forefoot-overload evidence given (False or absent: none).

    Returns
    -------
    gates : (n,) int
        ``GATE_*`` bits.
    fpi : (n,) float
    measured : (n,) bool
        The posture is a measured FPI-6 (else the proxy, or unknown).
    """
    rules = load_insole_rules()
    ai = np.asarray(arch_index, dtype=np.float64)
    n = ai.shape[0]
    proxy, _ = _proxy_fpi({"arch_index": ai})
    given = (np.full(n, np.nan) if foot_posture_index is None
             else np.asarray(foot_posture_index, dtype=np.float64))
    measured = np.isfinite(given)
    fpi = np.where(measured, np.round(given), proxy)
    over = np.zeros(n, dtype=bool) if forefoot_overload is None else np.asarray(
        forefoot_overload, dtype=bool)
    with np.errstate(invalid="ignore"):
        medial = fpi >= float(rules["medial_post"]["min_fpi"])
        lateral = fpi <= float(rules["lateral_post"]["max_fpi"])
    if rules["lateral_post"].get("requires_measured_fpi", True):
        lateral &= measured
    gates = (GATE_MEDIAL * medial + GATE_LATERAL * lateral + GATE_OVERLOAD * over
             + GATE_CAVUS * _cavus(ai)).astype(np.intp)
    return gates, fpi, measured


def eligible_rows(columns: Mapping[str, np.ndarray], rows: IntArray, gate: int) -> IntArray:
    """Filter candidate catalogue rows by one gate (order kept).

    Medially posted devices only for a pronated foot, and only they when any is on offer;
    laterally posted ones only for a highly supinated foot; pads and bars only with
    forefoot-overload evidence, and only they when so; for a cavus foot, only cushioned
    full-contact devices when any is on offer.
    """
    post = np.asarray(columns["rearfoot_post"])[rows]
    pad = np.asarray(columns["metatarsal_pad"])[rows] != "none"
    cushion = np.asarray(columns["cushion"])[rows] == "full_length"
    keep = np.ones(rows.shape, dtype=bool)
    if not gate & GATE_MEDIAL:
        keep &= post != "medial"
    if not gate & GATE_LATERAL:
        keep &= post != "lateral"
    if not gate & GATE_OVERLOAD:
        keep &= ~pad
    if gate & GATE_MEDIAL and (keep & (post == "medial")).any():
        keep &= post == "medial"
    if gate & GATE_OVERLOAD and (keep & pad).any():
        keep &= pad
    if gate & GATE_CAVUS and (keep & cushion).any():
        keep &= cushion
    return rows[keep]


@dataclass(frozen=True)
class InsolePrescription:
    """What one foot's observations ask of an insole, and why (words for the reasons).

    Attributes
    ----------
    posture : FootPosture
    medial_post : bool
        Pronated (FPI at or above the cut-off): a medial post is called for.
    lateral_post_allowed : bool
    forefoot_overload : bool or None
        The caller's evidence (None: not given; a scan carries none).
    cavus : bool
    hallux_grade : str or None
    gate : int
        ``GATE_*`` bits for :func:`eligible_rows`.
    reasons : tuple of str
        The rules applied, in words, with their sources.
    """

    posture: FootPosture
    medial_post: bool
    lateral_post_allowed: bool
    forefoot_overload: bool | None
    cavus: bool
    hallux_grade: str | None
    gate: int
    reasons: tuple[str, ...]


def prescribe_insole(
    *,
    arch_index: float | None = None,
    hallux_valgus_angle_deg: float | None = None,
    foot_posture_index: float | None = None,
    forefoot_overload: bool | None = None,
    gate: int | None = None,
) -> InsolePrescription:
    """Apply the insole rules to one foot.

    Parameters
    ----------
    arch_index : float, optional
    hallux_valgus_angle_deg : float, optional
        Surface proxy; only ever gives toe-box advice.
    foot_posture_index : float, optional
        A measured FPI-6; without it the scan proxy is used.
    forefoot_overload : bool, optional
        Forefoot (MTH2-4) overload evidence from outside the scan.
    gate : int, optional
        This foot's gate bits if already computed by :func:`foot_gates` from the same
        inputs (saves recomputing them in the matcher).

    Returns
    -------
    InsolePrescription

    Examples
    --------
    >>> prescribe_insole(foot_posture_index=4, hallux_valgus_angle_deg=30).medial_post
    False
    >>> prescribe_insole(foot_posture_index=10).medial_post
    True
    """
    rules = load_insole_rules()
    ai = None if arch_index is None or not math.isfinite(arch_index) else float(arch_index)
    posture = estimate_foot_posture(arch_index=ai, foot_posture_index=foot_posture_index)
    over = bool(forefoot_overload) if forefoot_overload is not None else None
    if gate is None:
        fpi_in = np.array([np.nan if posture.source != "measured" else float(posture.fpi)])
        gates, _, _ = foot_gates(np.array([np.nan if ai is None else ai]), fpi_in,
                                 np.array([bool(over)]))
        gate = int(gates[0])
    medial, lateral = bool(gate & GATE_MEDIAL), bool(gate & GATE_LATERAL)
    cavus = bool(gate & GATE_CAVUS)
    cut = rules["medial_post"]["min_fpi"]
    out = [posture.reason]
    if posture.fpi is None:
        out.append("no medial post: no evidence of pronation")
    elif medial:
        out.append(f"medial post: posture {posture.fpi:+d} >= +{cut} (pronated; LASTS.md 7, "
                   f"FPI-6 ref 45 [{rules['medial_post']['tag']}])")
    else:
        out.append(f"no medial post: posture {posture.fpi:+d} < +{cut} (LASTS.md 7)")
    if lateral:
        out.append(f"lateral post allowed: posture {posture.fpi:+d} <= "
                   f"{rules['lateral_post']['max_fpi']} (highly supinated)")
    if cavus:
        out.append("high arch: a cushioned full-contact device (full-length cushioned cover), "
                   "not a lateral post (LASTS.md 7, ref 50)")
    if over is None:
        out.append("no metatarsal pad: no forefoot-overload evidence given (a 3-D scan "
                   "carries no pressure)")
    elif over:
        out.append("metatarsal pad: forefoot (MTH2-4) overload given (LASTS.md 7, ref 49)")
    else:
        out.append("no metatarsal pad: no forefoot overload (as given)")
    grade = None
    if hallux_valgus_angle_deg is not None and math.isfinite(hallux_valgus_angle_deg):
        grade = classify_hallux_valgus(float(hallux_valgus_angle_deg))
        order = list(_hallux_grades())
        floor = rules["hallux_valgus"]["min_grade_for_advice"]
        if grade is not None and order.index(grade) >= order.index(floor):
            out.append(f"hallux angle {hallux_valgus_angle_deg:.0f} deg (surface proxy) -> "
                       f"{grade}: give toe-box room or a bunion accommodation in the shoe; "
                       "not a reason to post")
    return InsolePrescription(
        posture=posture, medial_post=medial, lateral_post_allowed=lateral,
        forefoot_overload=over, cavus=cavus, hallux_grade=grade, gate=gate,
        reasons=tuple(out),
    )
