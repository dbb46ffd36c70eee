"""A synthetic batch results folder: ANSUR II feet, classified and sized, no scans measured.

For trying ``footfit stats`` and testing it at population scale: 1,000 feet cost well under
a second instead of 1,000 scans through the whole line. Each record has the shape of a
``footfit batch`` record (``scan``, ``key``, ``status``, ``exit_code``, ``report`` with
``options``, ``scan``, ``feet`` [side, measurements, missing, classification] and
``sizes``), its values the population sample's own (exact, no measurement error).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from footfit.exceptions import InvalidParameterError
from footfit.files import RESULTS_NAME

__all__ = ["write_synthetic_results"]

# FootMeasurements field <- population sample column
_FIELDS = {
    "foot_length_mm": "foot_length_mm", "ball_width_mm": "ball_width_mm",
    "ball_girth_mm": "ball_girth_mm", "heel_width_mm": "heel_width_mm",
    "ball_length_mm": "ball_length_mm", "instep_height_mm": "instep_height_mm",
    "long_heel_girth_mm": "long_heel_girth_mm", "ankle_girth_mm": "ankle_girth_mm",
    "arch_index": "arch_index", "hallux_valgus_angle_deg": "hallux_angle_deg",
}
# the other foot of the same person: a few mm apart (as footfit.synth.scanner draws it)
_SIDE_SD = {"foot_length_mm": 2.0, "ball_width_mm": 1.0, "ball_girth_mm": 2.0,
            "heel_width_mm": 1.0, "instep_height_mm": 1.5, "ball_length_mm": 1.5,
            "long_heel_girth_mm": 2.0, "ankle_girth_mm": 2.0, "arch_index": 0.01,
            "hallux_valgus_angle_deg": 2.0}


def _foot(values: dict[str, float], side: str, sex: str) -> dict[str, Any]:
    from footfit.classify import classify_foot
    from footfit.measure.results import FootMeasurements

    m = {k: round(float(v), 4) for k, v in values.items()}
    fm = FootMeasurements.from_dict({"side": side, **m})
    cls = classify_foot(fm, sex=sex)
    return {"side": side, "measurements": m, "missing": dict(fm.missing),
            "classification": cls.to_dict()}


def write_synthetic_results(
    out_dir: str | os.PathLike[str],
    n_feet: int = 1000,
    *,
    two_feet_share: float = 0.6,
    rng: np.random.Generator | int | None = None,
    profile: str = "iso",
) -> Path:
    """Write ``OUT/results.jsonl`` for ``n_feet`` synthetic feet; return its path.

    Parameters
    ----------
    out_dir : str or path
        Folder (created); an existing ``results.jsonl`` there is replaced.
    n_feet : int, default=1000
        Feet in total (scans of one or both feet of a person).
    two_feet_share : float, default=0.6
        Chance that a scan holds both feet of its person.
    rng : numpy.random.Generator, int or None
        Seed or generator.
    profile : str, default='iso'
        Size conversion profile recorded and used (:func:`footfit.sizes.compute_sizes`).

    Returns
    -------
    Path
    """
    from footfit import __version__
    from footfit.sizes import sizes_for_feet
    from footfit.synth import sample_population_arrays

    if not isinstance(n_feet, int) or n_feet < 1:
        raise InvalidParameterError(f"`n_feet` must be an int >= 1; got {n_feet!r}")
    if not 0.0 <= two_feet_share <= 1.0:
        raise InvalidParameterError(f"`two_feet_share` must be in [0, 1]; got {two_feet_share!r}")
    rng = np.random.default_rng(rng)
    pop = sample_population_arrays(n_feet, rng=rng)  # at most one person per foot
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / RESULTS_NAME
    left = n_feet
    with open(path, "w", encoding="utf-8") as fh:
        i = 0
        while left > 0:
            sex = str(pop["sex"][i])
            side = str(pop["side"][i])
            values = {k: float(pop[src][i]) for k, src in _FIELDS.items()}
            feet = [_foot(values, side, sex)]
            if left >= 2 and rng.random() < two_feet_share:
                other = {k: v + rng.normal(0.0, _SIDE_SD[k]) for k, v in values.items()}
                feet.append(_foot(other, "left" if side == "right" else "right", sex))
            feet.sort(key=lambda f: f["side"])
            left -= len(feet)
            sizes = sizes_for_feet([{"side": f["side"], **f["measurements"]} for f in feet],
                                   profile=profile, sex=sex)
            name = f"synthetic/person_{i:06d}.ply"
            report = {
                "schema_version": "1.0", "footfit_version": __version__,
                "options": {"sex": sex, "profile": profile},
                "scan": {"source": name, "format": "synthetic", "feet_found": len(feet)},
                "feet": feet, "sizes": sizes.to_dict(), "timings_ms": {}, "warnings": [],
            }
            rec = {"scan": name, "key": f"{name}|0|{i}", "status": "ok", "exit_code": 0,
                   "report": report, "seconds": 0.0, "worker": None}
            fh.write(json.dumps(rec, ensure_ascii=False, allow_nan=False) + "\n")
            i += 1
    return path
