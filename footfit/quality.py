"""Trust signals: how far to trust a scan and each number measured on it.

:func:`assess_scan_quality` looks at the measured feet of one scan and returns a
:class:`ScanQuality`: a 0-100 score, whether to scan again, and the reasons (coverage of
sole, top of the foot, heel and toes; surface noise; point density; left and right feet
differing more than real feet do; values a population almost never shows), the expected
error of each measurement at this scan's density (from the accuracy evaluation), and cautions
where a value rests on weak evidence (an arch index from a sole lying on the floor, a width
from a flared capture). Thresholds and the accuracy table are data:
``footfit/data/scan_quality.json``.

The report carries it as ``scan.quality``; reasons and cautions have a ``code`` and the
``values`` their sentence needs, so every language can say them (:mod:`footfit.words`).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from footfit._core.typing import ArrayLike
from footfit._core.validation import as_points
from footfit.exceptions import InvalidParameterError

__all__ = [
    "ScanQuality",
    "assess_scan_quality",
    "expected_errors",
    "foot_scan_metrics",
    "load_quality_table",
]

_PATH = Path(__file__).resolve().parent / "data" / "scan_quality.json"
_ORDER = {"minor": 0, "major": 1, "severe": 2}


@functools.lru_cache(maxsize=1)
def load_quality_table() -> dict[str, Any]:
    """Return the thresholds and the accuracy table (``footfit/data/scan_quality.json``)."""
    return json.loads(_PATH.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class ScanQuality:
    """How far to trust one scan.

    Attributes
    ----------
    score : int
        0 (useless) to 100 (no reservation).
    rescan_recommended : bool
        Whether the customer should be scanned again before shoes are made.
    reasons : tuple of dict
        ``{'code', 'severity' ('minor', 'major', 'severe'), 'side' (or None), 'values',
        'text'}``, worst first. ``text`` is the English sentence.
    cautions : tuple of dict
        Values resting on weak evidence: ``{'code', 'side', 'measure', 'values', 'text'}``.
    feet : mapping of str to dict
        Per side: ``points``, ``spacing_mm``, ``noise_mm``, ``coverage`` (``sole``,
        ``dorsum``, ``heel``, ``toes``, 0-1) and ``expected_error`` (measure -> ``{'mae',
        'p95' (or None), 'beyond_evaluation'}``) with ``accuracy_basis``.
    """

    score: int
    rescan_recommended: bool
    reasons: tuple[dict[str, Any], ...] = ()
    cautions: tuple[dict[str, Any], ...] = ()
    feet: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready ``scan.quality`` block."""
        return {
            "score": int(self.score),
            "rescan_recommended": bool(self.rescan_recommended),
            "reasons": [dict(r) for r in self.reasons],
            "cautions": [dict(c) for c in self.cautions],
            "feet": {k: dict(v) for k, v in self.feet.items()},
        }


# ----------------------------------------------------------------------------- metrics
def _angular_coverage(u: np.ndarray, v: np.ndarray, lo: float, hi: float, bins: int) -> float:
    if len(u) == 0:
        return 0.0
    a = np.degrees(np.arctan2(v, u)) % 360.0
    h, _ = np.histogram(a, np.linspace(lo, hi, bins + 1))
    return float(np.mean(h > 0))


def _cells(xy: np.ndarray, cell: float) -> tuple[np.ndarray, np.ndarray]:
    """Occupied square cells of ``xy``: their integer (i, j), and each point's cell."""
    ij = np.floor(xy / cell).astype(np.int64)
    lo = ij.min(axis=0)
    span = int(ij[:, 1].max() - lo[1]) + 1
    code = (ij[:, 0] - lo[0]) * span + (ij[:, 1] - lo[1])  # one int per cell: a fast unique
    codes, inverse = np.unique(code, return_inverse=True)
    keys = np.column_stack([codes // span + lo[0], codes % span + lo[1]])
    return keys, inverse.reshape(-1)


def _interior(keys: np.ndarray, margin: int) -> np.ndarray:
    """Cells more than ``margin`` cells inside their row's ends (the row is ``keys[:, 1]``)."""
    rows, r = np.unique(keys[:, 1], return_inverse=True)
    lo = np.full(len(rows), np.iinfo(np.int64).max)
    hi = np.full(len(rows), np.iinfo(np.int64).min)
    np.minimum.at(lo, r, keys[:, 0])
    np.maximum.at(hi, r, keys[:, 0])
    return (keys[:, 0] > lo[r] + margin) & (keys[:, 0] < hi[r] - margin)


def foot_scan_metrics(points: ArrayLike, *, foot_length_mm: float) -> dict[str, Any]:
    """Density, noise and coverage of one foot in the canonical frame.

    Parameters
    ----------
    points : (n, 3) array_like of float, mm
        The foot in footfit's canonical frame (pternion at the origin, +y to the toes, floor
        at z = 0), as :func:`footfit.align.align_foot` returns it.
    foot_length_mm : float, mm

    Returns
    -------
    dict
        ``points``; ``spacing_mm`` (median distance to the nearest point); ``noise_mm``
        (median RMS distance of 16 neighbours from their plane); ``coverage`` with ``sole``
        (share of cells under heel and ball holding a point at the floor), ``dorsum`` (share
        of cells over the midfoot whose highest point is above the sole), ``heel`` and
        ``toes`` (share of directions around the heel's back and the toes' front holding
        points), each 0-1.
    """
    p = as_points(points, name="points", min_points=20)
    fl = float(foot_length_mm)
    if not np.isfinite(fl) or fl <= 0:
        raise InvalidParameterError(f"`foot_length_mm` must be > 0; got {foot_length_mm!r}")
    t = load_quality_table()
    spacing, noise = _spacing_and_noise(p, t["noise"])
    c = t["coverage"]
    cell = float(c["cell_mm"])
    toes = _toe_coverage(p, fl, c)
    return {
        "points": int(len(p)),
        "spacing_mm": round(spacing, 2),
        "noise_mm": round(noise, 3),
        "coverage": {"sole": round(_sole_coverage(p, fl, c, cell), 2),
                     "dorsum": round(_dorsum_coverage(p, fl, c, cell), 2),
                     "heel": round(_heel_coverage(p, fl, c, cell), 2),
                     "toes": round(toes, 2)},
    }


def _spacing_and_noise(p: np.ndarray, cfg: Mapping[str, Any]) -> tuple[float, float]:
    """Return the median point spacing and the median RMS distance of neighbours to a plane."""
    from footfit._core.gridsearch import knn

    rng = np.random.default_rng(0)
    k = int(cfg["neighbours"])
    sample = p[rng.choice(len(p), min(len(p), int(cfg["sample_points"])), replace=False)]
    dist, idx = knn(p, sample, min(k + 1, len(p)))  # exact; no scipy import of its own
    spacing = float(np.median(dist[:, 1]))
    nb = p[idx]
    centred = nb - nb.mean(axis=1, keepdims=True)
    cov = np.matmul(centred.transpose(0, 2, 1), centred) / centred.shape[1]
    noise = float(np.median(np.sqrt(np.maximum(np.linalg.eigvalsh(cov)[:, 0], 0.0))))
    return spacing, noise


def _dorsum_coverage(p: np.ndarray, fl: float, c: Mapping[str, Any], cell: float) -> float:
    """Return the share of the midfoot's interior columns whose top is above the sole."""
    # top of the foot: over the midfoot, the columns of the outline (eroded by one cell)
    y = p[:, 1]
    lo, hi = c["dorsum_band"]
    band = p[(y >= lo * fl) & (y <= hi * fl)]
    if not len(band):
        return 0.0
    keys, inv = _cells(band[:, :2], cell)
    top = np.full(len(keys), -np.inf)
    np.maximum.at(top, inv, band[:, 2])
    # interior cells: not on the outline's edge in x (the sides of the foot are low)
    interior = _interior(keys, 1)
    if not interior.any():
        return 0.0
    return float(np.mean(top[interior] >= float(c["dorsum_min_height_mm"])))


def _sole_coverage(p: np.ndarray, fl: float, c: Mapping[str, Any], cell: float) -> float:
    """Return the share of columns under heel and ball with a point at the floor."""
    y = p[:, 1]
    sole_hits, sole_cells = 0, 0
    for lo, hi in c["sole_bands"]:
        b = p[(y >= lo * fl) & (y <= hi * fl)]
        if not len(b):
            continue
        keys, inv = _cells(b[:, :2], cell)
        low = np.full(len(keys), np.inf)
        np.minimum.at(low, inv, b[:, 2])
        interior = _interior(keys, 1)
        sole_cells += int(interior.sum())
        sole_hits += int(np.sum(low[interior] <= float(c["sole_contact_mm"])))
    return sole_hits / sole_cells if sole_cells else 0.0


def _heel_coverage(p: np.ndarray, fl: float, c: Mapping[str, Any], cell: float) -> float:
    """Return the share of the heel's silhouette, seen from behind, that the rear cap covers.

    The rear cap's cells against the silhouette of the section just in front of it (x-z
    cells, heights 8-40 mm).
    """
    y = p[:, 1]
    h_hi, s_hi = c["heel_band"]
    z_lo, z_hi = c["heel_height_mm"]
    in_z = (p[:, 2] >= z_lo) & (p[:, 2] <= z_hi)
    front = p[in_z & (y > h_hi * fl) & (y <= s_hi * fl)]
    if not len(front):
        return 0.0
    fz = np.floor(front[:, 2] / cell).astype(np.int64)
    rows, r = np.unique(fz, return_inverse=True)
    x_lo = np.full(len(rows), np.inf)
    x_hi = np.full(len(rows), -np.inf)
    np.minimum.at(x_lo, r, front[:, 0])
    np.maximum.at(x_hi, r, front[:, 0])
    c_lo = np.floor(x_lo / cell).astype(np.int64) + 1
    c_hi = np.floor(x_hi / cell).astype(np.int64)  # exclusive: the edge cells are out
    n_cols = np.maximum(c_hi - c_lo, 0)
    if not n_cols.sum():
        return 0.0
    # every silhouette cell as one int: (column + offset) * rows + row index
    row_of = np.repeat(np.arange(len(rows)), n_cols)
    col_of = np.concatenate([np.arange(a, b) for a, b in zip(c_lo, c_hi, strict=True)
                             if b > a])
    offset = 1 << 20
    silhouette = (col_of + offset) * len(rows) + row_of
    rear = p[in_z & (y <= h_hi * fl)]
    rz = np.floor(rear[:, 2] / cell).astype(np.int64)
    pos = np.searchsorted(rows, rz)
    known = (pos < len(rows)) & (rows[np.minimum(pos, len(rows) - 1)] == rz)
    seen = (np.floor(rear[known, 0] / cell).astype(np.int64) + offset) * len(rows) \
        + pos[known]
    return float(np.mean(np.isin(silhouette, seen)))


def _toe_coverage(p: np.ndarray, fl: float, c: Mapping[str, Any]) -> float:
    """Return the share of directions around the toes' front holding points."""
    t_lo, _ = c["toe_band"]
    toes_p = p[p[:, 1] >= t_lo * fl]
    return _angular_coverage(toes_p[:, 0] - np.median(toes_p[:, 0]) if len(toes_p)
                             else toes_p[:, 0], toes_p[:, 1] - t_lo * fl, 20.0, 160.0,
                             int(c["angle_bins"]))


def sole_gap_under_arch(points: ArrayLike, *, foot_length_mm: float) -> float | None:
    """How high the sole rises under the inner midfoot (mm), or None without enough sole.

    Over 35-60 % FL, cut into rows; in each row, the lowest point of every column inside the
    outline (two cells in from each edge); the highest of those on the medial half is the
    row's arch clearance. The median over rows is returned. A foot with an arch lifts it
    several mm (flat feet of the samples and the orbbec scans: 6-9 mm, normal arches 13-15,
    high 19); a sole pressed flat by the capture lies within 1-3 mm (Aetrex mesh: 3.0).
    """
    p = as_points(points, name="points", min_points=20)
    cfg = load_quality_table()["flat_sole"]
    fl = float(foot_length_mm)
    lo, hi = cfg["band"]
    band = p[(p[:, 1] >= lo * fl) & (p[:, 1] <= hi * fl)]
    if len(band) < 20:
        return None
    keys, inv = _cells(band[:, :2], float(cfg["cell_mm"]))
    low = np.full(len(keys), np.inf)
    np.minimum.at(low, inv, band[:, 2])
    inner = _interior(keys, int(cfg["edge_cells"]))
    if not inner.any():
        return None
    k, z = keys[inner], low[inner]
    rows, r = np.unique(k[:, 1], return_inverse=True)
    lo = np.full(len(rows), np.iinfo(np.int64).max)
    hi = np.full(len(rows), np.iinfo(np.int64).min)
    np.minimum.at(lo, r, k[:, 0])
    np.maximum.at(hi, r, k[:, 0])
    count = np.bincount(r, minlength=len(rows))
    # the inner (medial, -x) part of each row: the share of its span given in the table
    medial = k[:, 0] <= lo[r] + cfg["medial_share"] * (hi[r] - lo[r])
    top = np.full(len(rows), -np.inf)
    np.maximum.at(top, r[medial], z[medial])
    rows_ok = (count >= 3) & np.isfinite(top)
    if rows_ok.sum() < 3:
        return None
    rows = top[rows_ok]
    return float(np.median(rows))


# ----------------------------------------------------------------------------- errors
def expected_errors(points_on_foot: int, *, plantar_visible: bool = True,
                    noise_mm: float | None = None) -> dict[str, Any]:
    """Return the expected error of each measurement at this density.

    The accuracy evaluation's figures.

    Parameters
    ----------
    points_on_foot : int
        Points of the measured foot.
    plantar_visible : bool, default=True
        Without the sole, the girths take the evaluation's figures for such scans.
    noise_mm : float, optional
        Noise as :func:`foot_scan_metrics` measures it; above the evaluated noise the
        figures are marked ``beyond_evaluation`` (they are then a lower bound).

    Returns
    -------
    dict
        ``{'basis': tier description, 'beyond_evaluation': bool, 'measures': {key:
        {'mae': float, 'p95': float or None}}}``.

    Examples
    --------
    >>> e = expected_errors(50_000)
    >>> e["measures"]["ball_girth_mm"]["mae"], e["beyond_evaluation"]
    (0.87, False)
    >>> expected_errors(13_500)["measures"]["ball_girth_mm"]["mae"]
    2.05
    """
    t = load_quality_table()
    acc = t["accuracy"]
    tiers = acc["tiers"]
    dense = tiers[0]
    tier = next(tr for tr in tiers if points_on_foot >= tr["min_points"])
    scale = float(tier.get("scale_others", 1.0))
    out: dict[str, dict[str, Any]] = {}
    for key, mae in dense["mae"].items():
        if key in tier.get("mae", {}) and tier is not dense:
            out[key] = {"mae": tier["mae"][key], "p95": None}
        elif tier is dense:
            out[key] = {"mae": mae, "p95": dense["p95"].get(key)}
        else:
            digits = 4 if key == "arch_index" else 2
            out[key] = {"mae": round(mae * scale, digits), "p95": None}
    if not plantar_visible:
        for key, mae in acc["no_sole"]["mae"].items():
            if mae > out.get(key, {}).get("mae", 0.0):
                out[key] = {"mae": mae, "p95": None}
        out.pop("arch_index", None)
    beyond = points_on_foot < t["density"]["evaluated_from_points"]
    if noise_mm is not None and noise_mm > t["noise"]["evaluated_up_to_mm"]:
        beyond = True
    basis = tier["about"] + ("" if plantar_visible else "; " + acc["no_sole"]["about"])
    return {"basis": basis, "beyond_evaluation": bool(beyond), "measures": out}


# ----------------------------------------------------------------------------- assessment
def _reason(code: str, severity: str, side: str | None, **values: Any) -> dict[str, Any]:
    from footfit.words import load_vocabulary

    r = {"code": code, "severity": severity, "side": side, "values": values}
    r["text"] = _english(load_vocabulary()["quality"][code]["en"], side, values)
    return r


def _english(template: str, side: str | None, values: Mapping[str, Any]) -> str:
    from footfit.words import measure_name

    v = dict(values)
    if "measure" in v:
        v["measure"] = measure_name(str(v["measure"]), "en")
    if "arch" in v:
        from footfit.words import class_label

        v["arch"] = class_label("arch_type", v["arch"], "en")
    return template.format(side=side or "", **{k: x for k, x in v.items() if k != "side"})


def assess_scan_quality(feet: Sequence[Mapping[str, Any]], *, floor_found: bool = True
                        ) -> ScanQuality:
    """Score one scan and say whether to scan again, why, and what to trust less.

    Parameters
    ----------
    feet : sequence of mapping
        One per measured foot: ``side``, ``points`` ((n, 3) canonical frame, mm),
        ``measurements`` (mapping of measure key to value), ``plantar_visible`` (bool),
        ``width_z`` (the width class's z-score, or None), ``arch_type`` (or None).
    floor_found : bool, default=True
        Whether the floor plane was seen (a minor reason when not).

    Returns
    -------
    ScanQuality
    """
    from footfit.words import load_vocabulary

    t = load_quality_table()
    reasons: list[dict[str, Any]] = []
    cautions: list[dict[str, Any]] = []
    per_side: dict[str, Any] = {}
    for foot in feet:
        fl = (foot.get("measurements") or {}).get("foot_length_mm")
        if fl is None or not np.isfinite(fl):
            continue
        metrics = _foot_metrics(foot, float(fl))
        per_side[str(foot["side"])] = metrics
        reasons += _coverage_reasons(metrics, foot, t)
        reasons += _noise_density_reasons(metrics, str(foot["side"]), t)
        cautions += _cautions(foot, float(fl), t, reasons)
    if len(feet) == 2:
        reasons += _left_right_reasons(feet, t["left_right"])
    if not floor_found and not any(f.get("plantar_visible", True) for f in feet):
        reasons.append(_reason("no_floor", "minor", None))
    vocab = load_vocabulary()
    for c in cautions:
        c["text"] = _english(vocab["cautions"][c["code"]]["en"], c["side"], c["values"])
    sc = t["score"]
    score = float(sc["start"]) - sum(sc["penalty"][r["severity"]] for r in reasons)
    score = int(max(0, min(100, round(score))))
    reasons.sort(key=lambda r: -_ORDER[r["severity"]])
    rescan = score < sc["rescan_below"] or any(r["severity"] in sc["rescan_on"]
                                               for r in reasons)
    return ScanQuality(score=score, rescan_recommended=bool(rescan), reasons=tuple(reasons),
                       cautions=tuple(cautions), feet=per_side)


def _foot_metrics(foot: Mapping[str, Any], fl: float) -> dict[str, Any]:
    """Return one foot's scan metrics with the accuracy expected at its density."""
    metrics = foot_scan_metrics(foot["points"], foot_length_mm=fl)
    if foot.get("points_count"):  # the scan's points behind a thinned working set
        metrics["points"] = int(foot["points_count"])
    errors = expected_errors(metrics["points"],
                             plantar_visible=bool(foot.get("plantar_visible", True)),
                             noise_mm=metrics["noise_mm"])
    metrics["expected_error"] = errors["measures"]
    metrics["accuracy_basis"] = errors["basis"]
    metrics["beyond_evaluation"] = errors["beyond_evaluation"]
    return metrics


def _coverage_reasons(metrics: Mapping[str, Any], foot: Mapping[str, Any],
                      t: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Return the reasons a foot's coverage gives (sole, dorsum, heel, toes)."""
    side, cov, c = str(foot["side"]), t["coverage"], metrics["coverage"]
    reasons = []
    if (c["sole"] < cov["minor_below"] or c["sole"] < cov["sole_missing_below"]
            or not bool(foot.get("plantar_visible", True))):
        reasons.append(_reason("coverage_sole", "minor", side, pct=round(100 * c["sole"])))
    for region in ("dorsum", "heel", "toes"):
        if c[region] < cov["major_below"]:
            sev = "severe" if c[region] < cov["major_below"] / 2 else "major"
            reasons.append(_reason(f"coverage_{region}", sev, side,
                                   pct=round(100 * c[region])))
        elif c[region] < cov["minor_below"]:
            reasons.append(_reason(f"coverage_{region}", "minor", side,
                                   pct=round(100 * c[region])))
    return reasons


def _noise_density_reasons(metrics: Mapping[str, Any], side: str,
                           t: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Return the reasons a foot's noise and point count give."""
    reasons = []
    n = t["noise"]
    noise = metrics["noise_mm"]
    if noise > n["evaluated_up_to_mm"]:
        sev = ("severe" if noise > n["severe_above_mm"] else
               "major" if noise > n["major_above_mm"] else "minor")
        reasons.append(_reason("noise", sev, side, noise=f"{noise:.2f}",
                               limit=f"{n['evaluated_up_to_mm']:.1f}"))
    d = t["density"]
    if metrics["points"] < d["evaluated_from_points"]:
        sev = "major" if metrics["points"] < d["major_below_points"] else "minor"
        reasons.append(_reason("density", sev, side, points=metrics["points"],
                               limit=d["evaluated_from_points"]))
    return reasons


def _cautions(foot: Mapping[str, Any], fl: float, t: Mapping[str, Any],
              reasons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the cautions on a foot (weak evidence behind a value); add a major reason."""
    side, m = str(foot["side"]), foot.get("measurements") or {}
    plantar = bool(foot.get("plantar_visible", True))
    cautions: list[dict[str, Any]] = []
    pop = t["population"]
    z = foot.get("width_z")
    if z is not None and np.isfinite(z) and z > pop["width_z_caution"]:
        width = m.get("ball_width_mm")
        cautions.append({"code": "flared_width", "side": side, "measure": "ball_width_mm",
                         "values": {"width": f"{width:.1f}" if width else "–",
                                    "z": f"{z:.1f}"}})
        if z > pop["width_z_major"]:
            reasons.append(_reason("population", "major", side, measure="ball_width_mm",
                                   z=f"{z:.1f}"))
    if plantar and m.get("arch_index") is not None:
        gap = sole_gap_under_arch(foot["points"], foot_length_mm=fl)
        if gap is not None and gap < t["flat_sole"]["caution_below_mm"]:
            cautions.append({"code": "flat_sole", "side": side, "measure": "arch_index",
                             "values": {"gap": f"{max(gap, 0.0):.1f}", "contact": "3",
                                        "arch": foot.get("arch_type")}})
    elif not plantar:
        cautions.append({"code": "no_sole", "side": side, "measure": "arch_index",
                         "values": {}})
    return cautions


def _left_right_reasons(feet: Sequence[Mapping[str, Any]],
                        lr: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Return the reasons left and right differ beyond what real feet show."""
    a, b = (f.get("measurements") or {} for f in feet)
    over = []
    for key, limit in lr["limits_mm"].items():
        va, vb = a.get(key), b.get(key)
        if va is None or vb is None:
            continue
        diff = abs(float(va) - float(vb))
        if diff > limit:
            over.append((diff / limit, key, diff, limit))
    over.sort(reverse=True)
    sev = "severe" if len(over) >= lr["severe_measures"] else "major"
    return [_reason("left_right", sev, None, measure=key, diff=f"{diff:.1f}",
                    limit=f"{limit:.0f}") for _, key, diff, limit in over]


def assess_report_feet(feet: Sequence[Any], *, floor_found: bool = True,
                       points_count: Mapping[str, int] | None = None) -> ScanQuality:
    """Run :func:`assess_scan_quality` on the pipeline's foot reports.

    ``points_count`` gives each side's number of scan points when the feet's ``aligned``
    points are a thinned working set (density is judged on the scan, not the voxels).
    """
    items = []
    for f in feet:
        if getattr(f, "aligned", None) is None:
            continue
        m = f.measurements
        md = m.to_dict() if hasattr(m, "to_dict") else dict(m)
        c = f.classification
        items.append({"side": f.side, "points": f.aligned.points, "measurements": md,
                      "points_count": (points_count or {}).get(f.side),
                      "plantar_visible": bool(f.plantar_visible),
                      "width_z": getattr(c, "width_value", None),
                      "arch_type": getattr(c, "arch_type", None)})
    return assess_scan_quality(items, floor_found=floor_found)
