"""What the pictures show, computed once per foot: outlines, footprint, zones, lines, loops.

:class:`FootDrawing` turns one foot (a :class:`~footfit.report.FootReport`, or bare canonical
points) into drawing primitives in millimetres. The SVG, PNG and 3D renderers only draw them,
so every picture of a foot shows the same geometry.

Frames: the measurement stages work in the canonical frame, where a left foot is mirrored into
a right one (docs/measurement_conventions.md). The pictures show each foot as it is: a left
foot is mirrored back (x -> -x), so seen from above its big toe is on the right, as a person
looking down at their own feet sees it. Side views look at the medial side of either foot,
heel on the left.

The geometry follows the written conventions (footprint = contact at z <= 3 mm, toes excluded
beyond 80 % of the length; arch-index thirds between the heel tangent and 80 %; girth planes as
defined there). Numbers printed beside the geometry are the report's measurements, never
re-measured here: an element whose measurement the report marks missing is not drawn.

References
----------
.. [1] Cavanagh P.R., Rodgers M.M. (1987). The arch index: a useful measure from footprints.
   J. Biomech. 20(5), 547-551 (the three zones of the footprint).
.. [2] Kouchi M. (AIST). Foot measurement definitions; GB/T 3293.1 (ball girth through MTH1 and
   MTH5, foot length along the foot axis).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._typing import ArrayLike, FloatArray
from .._validation import as_points

__all__ = ["FootDrawing", "GIRTH_LABELS", "find_fit_result", "front_cells", "loop_perimeter"]

#: Display names of the girths, in drawing order.
GIRTH_LABELS: dict[str, str] = {
    "ball_girth_mm": "ball girth",
    "instep_girth_mm": "instep girth",
    "short_heel_girth_mm": "short heel girth",
    "long_heel_girth_mm": "long heel girth",
    "ankle_girth_mm": "ankle girth",
}

_CONTACT_MM = 3.0  # footprint: surface within 3 mm of the floor (conventions)
_TOE_LIMIT = 0.80  # footprint ends at 80 % of the foot length (toes excluded)
_CELL_MM = 2.0  # footprint raster for drawing
_SLICE_MM = 1.0  # outline and profile slices along the foot axis
_SLAB_MM = 1.5  # half thickness of the slab taken for a fallback section

# Landmark names accepted for each landmark (the measurement stage's names first).
_LANDMARK_ALIASES: dict[str, tuple[str, ...]] = {
    "pternion": ("pternion", "heel_point", "heel_back"),
    "akropodion": ("akropodion", "toe_tip", "longest_toe_tip"),
    "second_toe_tip": ("second_toe_tip", "toe2_tip", "2nd_toe_tip", "second_toe"),
    "hallux_tip": ("hallux_tip", "hallux", "big_toe_tip"),
    "mth1": ("mth1", "metatarsale_tibiale", "mt1", "mth_1"),
    "mth5": ("mth5", "metatarsale_fibulare", "mt5", "mth_5"),
    "instep_point": ("instep_point", "instep", "instep_top"),
    "heel_centre": ("heel_centre", "heel_center"),
    "lateral_malleolus": ("lateral_malleolus", "malleolus_lateral"),
    "medial_malleolus": ("medial_malleolus", "malleolus_medial"),
}

#: Short labels written next to the landmark dots.
LANDMARK_SHORT: dict[str, str] = {
    "pternion": "pternion",
    "akropodion": "toe tip",
    "second_toe_tip": "2nd toe",
    "hallux_tip": "hallux",
    "mth1": "MTH1",
    "mth5": "MTH5",
    "instep_point": "instep",
    "heel_centre": "heel centre",
    "lateral_malleolus": "lat. malleolus",
    "medial_malleolus": "med. malleolus",
}


@dataclass(frozen=True)
class FootDrawing:
    """Drawing primitives of one foot, in millimetres.

    Attributes
    ----------
    side : {'left', 'right'}
    length_mm : float
        Foot length used to place the 55 %, 80 % ... lines (the report's when given).
    points : (n, 3) float, mm
        The foot as shown (left feet mirrored back), canonical otherwise.
    outline : (k, 2) float, mm
        Closed top-view outline (x, y) of the floor projection.
    footprint : (r, 4) float, mm
        Contact cells merged into row runs: ``x0, y0, width, height``, toes excluded.
    toe_prints : (t, 4) float, mm
        Contact runs beyond 80 % of the length (drawn fainter).
    zones : dict or None
        ``edges`` (4,) y of the arch-index thirds (heel to 80 %), ``areas_mm2`` (3,)
        of C, B, A in the drawing raster, ``arch_index`` the report's value.
    ball_line, heel_line : (2, 2) float or None
        Ends (x, y) of the ball-width and heel-width lines.
    landmarks : dict of str to (3,) float
        Landmarks as shown.
    profile : (k, 2) float
        Closed side-view silhouette (y, z).
    medial_profile : (k, 2) float
        Lowest point of the medial fifth of each slice (y, z): the arch curve.
    instep : (2,) float or None
        (y, z) of the instep height (highest dorsal point beyond 55 %).
    arch : (2,) float or None
        (y, z) of the dorsal height at 50 %.
    sections : dict of str to (m, 3) float
        Girth name (``ball_girth_mm`` ...) to its closed tape loop, as shown.
    measurements : dict
        The report's measurements (``FootMeasurements`` field names), ``{}`` if none.
    missing : dict of str to str
        Measurement -> reason it is missing.
    plantar_visible : bool
    leg_cut_mm : float
    clearance : tuple (points (n, 3), clearance (n,)) or None
        The fit simulation's per-point clearance, foot as placed in the last, as shown;
        NaN for points above the shoe's opening (outside the shoe).
    fit : FitSummary or None
        The fit simulation's label, score, words and zones (its arrays are not kept).
    """

    side: str
    length_mm: float
    points: FloatArray = field(repr=False)
    outline: FloatArray = field(repr=False)
    footprint: FloatArray = field(repr=False)
    toe_prints: FloatArray = field(repr=False)
    zones: dict[str, Any] | None
    ball_line: FloatArray | None
    heel_line: FloatArray | None
    landmarks: dict[str, FloatArray]
    profile: FloatArray = field(repr=False)
    medial_profile: FloatArray = field(repr=False)
    instep: FloatArray | None
    arch: FloatArray | None
    sections: dict[str, FloatArray] = field(repr=False)
    measurements: dict[str, Any]
    missing: dict[str, str]
    plantar_visible: bool
    leg_cut_mm: float
    clearance: tuple[FloatArray, FloatArray] | None = field(default=None, repr=False)
    fit: Any = field(default=None, repr=False)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_points(
        cls,
        points: ArrayLike,
        *,
        side: str = "right",
        landmarks: Mapping[str, Any] | None = None,
        measurements: Mapping[str, Any] | None = None,
        missing: Mapping[str, str] | None = None,
        sections: Mapping[str, Any] | None = None,
        plantar_visible: bool | None = None,
        leg_cut_mm: float = 100.0,
        fit: Any = None,
        footprint: Any = None,
    ) -> FootDrawing:
        """Build the drawing of a foot given in the canonical (right-foot) frame.

        Parameters
        ----------
        points : (n, 3) array_like of float, mm
            Canonical coordinates (floor z = 0, heel at y = 0, +x lateral; a left foot
            already mirrored, as :class:`~footfit.align.AlignedFoot` holds it).
        side : {'left', 'right'}, default="right"
        landmarks : mapping of str to (3,) float, optional
            Canonical landmarks; MTH1, MTH5 and the instep point are found from the points
            (by the written conventions) when absent.
        measurements : mapping, optional
            Measured values; when given, an element whose value is ``None`` is not drawn.
        missing : mapping of str to str, optional
            Reasons of the missing measurements.
        sections : mapping of str to (m, 3) float, optional
            Canonical tape loops per girth; computed from the points when absent.
        plantar_visible : bool, optional
            Whether the scan holds the sole; decided from the contact points when ``None``.
        leg_cut_mm : float, default=100.0
        fit : FitResult, optional
            Fit simulation to draw as a clearance map.
        footprint : FootprintResult, optional
            The measurement's contact raster and zones (``mask``, ``origin``, ``cell_mm``,
            ``zone_bounds_y``, ``zone_areas_mm2``); drawn as measured when given, else
            rebuilt from the points by the same conventions.

        Returns
        -------
        FootDrawing
        """
        p = as_points(points, name="points", min_points=50)
        if side not in ("left", "right"):
            raise ValueError(f"`side` must be 'left' or 'right'; got {side!r}")
        meas = dict(measurements or {})
        drawn_all = not meas  # no report: draw everything the geometry allows
        lm = _canonical_landmarks(landmarks)
        ymin = float(p[:, 1].min())
        length = _positive(meas.get("foot_length_mm")) or float(p[:, 1].max() - ymin)

        def wanted(name: str) -> bool:
            return drawn_all or meas.get(name) is not None

        # landmarks the drawing needs, from the conventions when the report lacks them
        lm.setdefault("mth1", _extreme(p, length, (0.60, 0.80), axis=0, sign=-1))
        lm.setdefault("mth5", _extreme(p, length, (0.55, 0.75), axis=0, sign=+1))
        band = np.abs(p[:, 1] - 0.55 * length) <= 1.0
        if band.any():
            lm.setdefault("instep_point", p[band][np.argmax(p[band, 2])])
        lm = {k: v for k, v in lm.items() if v is not None}

        contact = p[:, 2] <= _CONTACT_MM
        if plantar_visible is None:
            plantar_visible = _looks_plantar(p, contact, length)
        measured_fp = _measured_footprint(footprint)
        footprint = toes = np.zeros((0, 4))
        zones = None
        if measured_fp is not None:
            cells, cell, origin, edges, areas = measured_fp
            toe_row = (cells[:, 1] + 0.5) * cell + origin[1] >= edges[-1]
            footprint = _runs(cells[~toe_row], cell, origin)
            toes = _runs(cells[toe_row], cell, origin)
            if wanted("arch_index"):
                zones = {"edges": edges, "areas_mm2": areas,
                         "arch_index": _positive(meas.get("arch_index")),
                         "drawn_index": float(areas[1] / areas.sum()) if areas.sum() else None}
        elif plantar_visible and contact.sum() >= 20:
            cells = _close_cells(_raster(p[contact, :2], cell=_CELL_MM))
            toe_row = cells[:, 1] * _CELL_MM >= _TOE_LIMIT * length
            footprint = _runs(cells[~toe_row], _CELL_MM)
            toes = _runs(cells[toe_row], _CELL_MM)
            if len(footprint) and wanted("arch_index"):
                zones = _zones(cells[~toe_row], length, meas.get("arch_index"))

        ball_line = None
        if wanted("ball_width_mm") and "mth1" in lm and "mth5" in lm:
            ball_line = np.array([lm["mth1"][:2], lm["mth5"][:2]])
        heel_line = _heel_line(p, length) if wanted("heel_width_mm") else None

        instep = arch = None
        fore = p[p[:, 1] >= 0.55 * length]
        if wanted("instep_height_mm") and len(fore):
            top = fore[np.argmax(fore[:, 2])]
            instep = np.array([top[1], top[2]])
        mid = p[np.abs(p[:, 1] - 0.50 * length) <= 1.0]
        if wanted("arch_height_mm") and len(mid):
            arch = np.array([0.50 * length, mid[:, 2].max()])

        loops = {}
        given = {k: as_points(v, name=f"sections[{k!r}]", min_points=3)
                 for k, v in (sections or {}).items() if v is not None and len(v) >= 3}
        for name in GIRTH_LABELS:
            key = name if name in given else name.replace("_mm", "")
            if not wanted(name):
                continue
            if key in given:
                loops[name] = given[key]
            else:
                loop = _fallback_section(p, name, lm, length, leg_cut_mm)
                if loop is not None:
                    loops[name] = loop

        profile, medial = _profiles(p)
        clearance = None
        if fit is not None:
            c = np.asarray(getattr(fit, "clearance_mm", []), dtype=np.float64)
            # clearance is per foot point in input order: draw it on the foot as measured,
            # so tapes and landmarks sit where they belong; the placed foot otherwise
            placed = getattr(fit, "points_placed", None)
            if len(c) == len(p) or placed is None:
                placed = p
            else:
                placed = np.asarray(placed, dtype=np.float64)
            if c.ndim == 1 and len(c) == len(placed) and len(c):
                # points above the shoe's opening have a distance but no clearance
                zone = getattr(fit, "zone", None)
                open_ = _open_zone_index()
                if zone is not None and open_ is not None and len(zone) == len(c):
                    c = np.where(np.asarray(zone) == open_, np.nan, c)
                clearance = (placed, c)

        flip = np.array([-1.0, 1.0, 1.0]) if side == "left" else np.ones(3)

        def show(a: FloatArray) -> FloatArray:
            return np.asarray(a, dtype=np.float64) * flip[: np.shape(a)[-1]]

        def show_rects(r: FloatArray) -> FloatArray:
            if side != "left" or not len(r):
                return r
            out = r.copy()
            out[:, 0] = -(r[:, 0] + r[:, 2])
            return out

        shown = show(p)
        return cls(
            side=side,
            length_mm=float(length),
            points=shown,
            outline=show(_outline(p)),
            footprint=show_rects(footprint),
            toe_prints=show_rects(toes),
            zones=zones,
            ball_line=None if ball_line is None else show(ball_line),
            heel_line=None if heel_line is None else show(heel_line),
            landmarks={k: show(v) for k, v in lm.items()},
            profile=profile,
            medial_profile=medial,
            instep=instep,
            arch=arch,
            sections={k: show(v) for k, v in loops.items()},
            measurements=meas,
            missing=dict(missing or {}),
            plantar_visible=bool(plantar_visible),
            leg_cut_mm=float(leg_cut_mm),
            clearance=None if clearance is None else (
                shown if clearance[0] is p else show(clearance[0]), clearance[1]),
            fit=None if fit is None else FitSummary.from_result(fit),
        )

    @classmethod
    def from_foot_report(cls, foot: Any) -> FootDrawing:
        """Build the drawing of one entry of ``FitReport.feet``.

        Parameters
        ----------
        foot : FootReport
            Needs ``aligned`` (the canonical cloud); uses ``measured`` (sections, footprint)
            and ``fit`` when present.

        Returns
        -------
        FootDrawing

        Raises
        ------
        ValueError
            If the report entry carries no aligned cloud (e.g. read back from JSON).
        """
        aligned = getattr(foot, "aligned", None)
        if aligned is None or getattr(aligned, "points", None) is None:
            raise ValueError(
                f"the {getattr(foot, 'side', '?')} foot carries no aligned cloud to draw "
                "(reports read back from JSON cannot be drawn)"
            )
        m = getattr(foot, "measurements", None)
        meas = m.values() if hasattr(m, "values") and callable(m.values) else dict(m or {})
        # the precision of the report's JSON, so labels and tables round alike
        meas = {k: round(v, 4) if isinstance(v, float) else v for k, v in meas.items()}
        missing = dict(getattr(m, "missing", {}) or {})
        measured = getattr(foot, "measured", None)
        sections = getattr(measured, "sections", None) if measured is not None else None
        return cls.from_points(
            aligned.points,
            side=str(getattr(foot, "side", None) or aligned.side),
            landmarks=getattr(foot, "landmarks", None)
            or getattr(getattr(measured, "landmarks", None), "to_dict", dict)(),
            measurements=meas,
            missing=missing,
            sections=sections if isinstance(sections, Mapping) else None,
            plantar_visible=getattr(foot, "plantar_visible", None),
            leg_cut_mm=float(getattr(aligned, "leg_cut_height_mm", 100.0) or 100.0),
            fit=find_fit_result(getattr(foot, "fit", None)),
            footprint=getattr(measured, "footprint", None) if measured is not None else None,
        )

    # ------------------------------------------------------------------ helpers
    def sample(self, k: int, *, rng: int = 0) -> FloatArray:
        """Return at most ``k`` of the points, an even random subset (seeded)."""
        n = len(self.points)
        if n <= k:
            return self.points
        idx = np.random.default_rng(rng).choice(n, size=k, replace=False)
        return self.points[np.sort(idx)]

    def value(self, name: str) -> Any:
        """Return the report's value of measurement ``name`` (``None`` when missing)."""
        return self.measurements.get(name)


# ====================================================================== fit result
@dataclass(frozen=True)
class FitSummary:
    """What the pictures say about a fit simulation, without its per-point arrays."""

    last_label: str
    score: float | None
    summary: tuple[str, ...]
    zones: tuple[Any, ...]

    @classmethod
    def from_result(cls, fit: Any) -> FitSummary:
        """Keep the label, score, words and zones of a ``FitResult``."""
        score = getattr(fit, "score", None)
        return cls(last_label=str(getattr(fit, "last_label", "the last")),
                   score=None if score is None else float(score),
                   summary=tuple(getattr(fit, "summary", ()) or ()),
                   zones=tuple(getattr(fit, "zones", ()) or ()))


def find_fit_result(fit: Any) -> Any:
    """Return the object with per-point ``clearance_mm`` inside a report's ``fit`` section.

    The fit section may be a ``FitResult`` itself or hold one (the custom last's, or the best
    stock size's) under a common attribute name; ``None`` when there is nothing to draw.
    """
    if fit is None:
        return None
    if getattr(fit, "clearance_mm", None) is not None:
        return fit
    for name in ("custom", "custom_fit", "result", "best", "best_fit", "own_last", "fit"):
        inner = getattr(fit, name, None)
        if inner is not None and getattr(inner, "clearance_mm", None) is not None:
            return inner
    return None


def _open_zone_index() -> int | None:
    try:
        from ..fit import ZONE_NAMES
    except ImportError:  # pragma: no cover - fit needs open3d/trimesh, both core deps
        return None
    return ZONE_NAMES.index("open") if "open" in ZONE_NAMES else None


# ====================================================================== geometry
def _positive(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if np.isfinite(f) and f > 0 else None


def _canonical_landmarks(landmarks: Mapping[str, Any] | None) -> dict[str, Any]:
    """Map the report's landmark names onto ours; keep only (3,) finite points."""
    out: dict[str, Any] = {}
    if not landmarks:
        return out
    norm = {str(k).lower().replace(" ", "_").replace("-", "_"): v for k, v in landmarks.items()}
    for ours, names in _LANDMARK_ALIASES.items():
        for name in names:
            v = _as_point(norm.get(name))
            if v is not None:
                out[ours] = v
                break
    return out


def _as_point(v: Any) -> FloatArray | None:
    if v is None:
        return None
    if isinstance(v, Mapping):
        v = [v.get("x"), v.get("y"), v.get("z")]
    try:
        a = np.asarray(v, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        return None
    if a.shape != (3,) or not np.isfinite(a).all():
        return None
    return a


def _extreme(p: FloatArray, length: float, frac: tuple[float, float], *, axis: int,
             sign: int) -> FloatArray | None:
    band = (p[:, 1] >= frac[0] * length) & (p[:, 1] <= frac[1] * length)
    if not band.any():
        return None
    q = p[band]
    return q[np.argmax(sign * q[:, axis])]


def _looks_plantar(p: FloatArray, contact: FloatArray, length: float) -> bool:
    """Contact points cover a good part of the heel-to-ball floor projection."""
    if contact.sum() < 20:
        return False
    rear = (p[:, 1] > 0.05 * length) & (p[:, 1] < 0.8 * length)
    all_cells = len(_raster(p[rear, :2], cell=4.0))
    seen = len(_raster(p[rear & contact, :2], cell=4.0))
    return all_cells > 0 and seen / all_cells > 0.3


def _raster(xy: FloatArray, *, cell: float) -> FloatArray:
    """Unique occupied cells (integer indices, as float) of points ``xy``."""
    if not len(xy):
        return np.zeros((0, 2))
    return np.unique(np.floor(xy / cell), axis=0)


def _close_cells(cells: FloatArray) -> FloatArray:
    """Fill single-cell gaps of a sparse sampling (binary closing of the raster)."""
    from scipy import ndimage

    if len(cells) < 4:
        return cells
    lo = cells.min(axis=0).astype(np.int64) - 2
    idx = cells.astype(np.int64) - lo
    grid = np.zeros(idx.max(axis=0) + 3, dtype=bool)
    grid[idx[:, 0], idx[:, 1]] = True
    grid = ndimage.binary_closing(grid, structure=np.ones((3, 3), dtype=bool)) | grid
    return (np.argwhere(grid) + lo).astype(np.float64)


def _measured_footprint(fp: Any) -> tuple[FloatArray, float, FloatArray, FloatArray,
                                           FloatArray] | None:
    """Cells (column, row), cell size, origin, zone edges and areas of a FootprintResult."""
    if fp is None:
        return None
    try:
        mask = np.asarray(fp.mask, dtype=bool)
        cell = float(fp.cell_mm)
        origin = np.asarray(fp.origin, dtype=np.float64).reshape(2)
        edges = np.asarray(fp.zone_bounds_y, dtype=np.float64).reshape(4)
        areas = np.asarray(fp.zone_areas_mm2, dtype=np.float64).reshape(3)
    except (AttributeError, TypeError, ValueError):
        return None
    if mask.ndim != 2 or not mask.any() or not np.isfinite(edges).all():
        return None
    rows_cols = np.argwhere(mask)  # (row i -> y, column j -> x)
    return rows_cols[:, ::-1].astype(np.float64), cell, origin, edges, areas


def _runs(cells: FloatArray, cell: float, origin: FloatArray | None = None) -> FloatArray:
    """Merge occupied cells of each row into runs ``x0, y0, width, height`` (mm)."""
    if not len(cells):
        return np.zeros((0, 4))
    c = cells[np.lexsort((cells[:, 0], cells[:, 1]))]
    new = np.ones(len(c), dtype=bool)
    new[1:] = (c[1:, 1] != c[:-1, 1]) | (c[1:, 0] != c[:-1, 0] + 1)
    start = np.flatnonzero(new)
    stop = np.r_[start[1:], len(c)]
    ox, oy = (0.0, 0.0) if origin is None else (float(origin[0]), float(origin[1]))
    x0 = c[start, 0] * cell + ox
    width = (c[stop - 1, 0] - c[start, 0] + 1) * cell
    return np.column_stack([x0, c[start, 1] * cell + oy, width, np.full(len(start), cell)])


def _zones(cells: FloatArray, length: float, arch_index: Any) -> dict[str, Any]:
    """Arch-index thirds between the heel tangent and 80 % of the length [1]_."""
    y0 = float(cells[:, 1].min() * _CELL_MM)
    y1 = _TOE_LIMIT * length
    edges = np.linspace(y0, y1, 4)
    yc = (cells[:, 1] + 0.5) * _CELL_MM
    k = np.clip(np.searchsorted(edges, yc, side="right") - 1, 0, 2)
    areas = np.bincount(k, minlength=3) * _CELL_MM**2
    return {"edges": edges, "areas_mm2": areas.astype(np.float64),
            "arch_index": None if arch_index is None else float(arch_index),
            "drawn_index": float(areas[1] / areas.sum()) if areas.sum() else None}


def _heel_line(p: FloatArray, length: float) -> FloatArray | None:
    """Heel-width extremes: x range of the points over 5-20 % of the length below 40 mm."""
    band = (p[:, 1] >= 0.05 * length) & (p[:, 1] <= 0.20 * length) & (p[:, 2] <= 40.0)
    if band.sum() < 2:
        return None
    q = p[band]
    lo, hi = q[np.argmin(q[:, 0])], q[np.argmax(q[:, 0])]
    y = 0.5 * (lo[1] + hi[1])
    return np.array([[lo[0], y], [hi[0], y]])


def _slices(p: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Sort points into 1 mm slices along y; return (order, slice starts, slice y)."""
    iy = np.floor(p[:, 1] / _SLICE_MM).astype(np.int64)
    order = np.argsort(iy, kind="stable")
    uniq, start = np.unique(iy[order], return_index=True)
    return order, start, (uniq + 0.5) * _SLICE_MM


def _smooth(v: FloatArray, w: int = 5) -> FloatArray:
    """Running median (kills single-slice spikes from stray points)."""
    if len(v) < w:
        return v
    pad = np.pad(v, w // 2, mode="edge")
    return np.median(np.lib.stride_tricks.sliding_window_view(pad, w), axis=1)


def _outline(p: FloatArray) -> FloatArray:
    """Closed top-view outline: the x extent of each 1 mm slice, up one side, down the other."""
    order, start, y = _slices(p)
    x = p[order, 0]
    lo = _smooth(np.minimum.reduceat(x, start))
    hi = _smooth(np.maximum.reduceat(x, start))
    return np.vstack([np.column_stack([hi, y]), np.column_stack([lo, y])[::-1]])


def _profiles(p: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Side silhouette (y, z) and the medial border's lowest points (the arch curve)."""
    order, start, y = _slices(p)
    q = p[order]
    top = _smooth(np.maximum.reduceat(q[:, 2], start))
    bottom = _smooth(np.minimum.reduceat(q[:, 2], start))
    profile = np.vstack([np.column_stack([y, top]), np.column_stack([y, bottom])[::-1]])
    # medial border: the medial fifth of each slice's width (+x is lateral in the canonical
    # frame); its lowest point traces the arch, which the lateral contact band would hide
    counts = np.diff(np.r_[start, len(q)])
    lo = np.minimum.reduceat(q[:, 0], start)
    hi = np.maximum.reduceat(q[:, 0], start)
    med = q[:, 0] <= np.repeat(lo + 0.2 * (hi - lo), counts)
    zmed = np.where(med, q[:, 2], np.inf)
    low = np.minimum.reduceat(zmed, start)
    ok = np.isfinite(low)
    medial = np.column_stack([y[ok], _smooth(low[ok])])
    return profile, medial


def _plane_loop(p: FloatArray, origin: FloatArray, normal: FloatArray) -> FloatArray | None:
    """Convex hull (the tape) of the slab of points around a plane, as a closed 3D loop."""
    from scipy.spatial import ConvexHull, QhullError

    n = normal / np.linalg.norm(normal)
    d = (p - origin) @ n
    q = p[np.abs(d) <= _SLAB_MM] - origin
    if len(q) < 10:
        return None
    q = q - np.outer(q @ n, n)
    u = np.cross(n, [0.0, 0.0, 1.0] if abs(n[2]) < 0.9 else [1.0, 0.0, 0.0])
    u /= np.linalg.norm(u)
    v = np.cross(n, u)
    uv = np.column_stack([q @ u, q @ v])
    try:
        hull = ConvexHull(uv)
    except (QhullError, ValueError):
        return None
    h = uv[hull.vertices]
    return origin + np.outer(h[:, 0], u) + np.outer(h[:, 1], v)


def _fallback_section(p: FloatArray, name: str, lm: Mapping[str, FloatArray], length: float,
                      leg_cut: float) -> FloatArray | None:
    """Section loop of girth ``name`` by the written conventions (when the report has none)."""
    x = np.array([1.0, 0.0, 0.0])
    instep = lm.get("instep_point")
    if name == "ball_girth_mm":
        a, b = lm.get("mth1"), lm.get("mth5")
        if a is None or b is None:
            return None
        d = np.array([b[0] - a[0], b[1] - a[1], 0.0])
        if np.linalg.norm(d) < 1e-6:
            return None
        return _plane_loop(p, a, np.cross(d, [0.0, 0.0, 1.0]))
    if name in ("instep_girth_mm", "short_heel_girth_mm"):
        if instep is None:
            return None
        floor = np.array([0.0, 0.41 * length if name == "instep_girth_mm" else 0.0, 0.0])
        return _plane_loop(p, floor, np.cross(x, instep - floor))
    zmax = float(p[:, 2].max())
    if name == "long_heel_girth_mm":
        if zmax < 85.0:
            return None
        ring = p[np.abs(p[:, 2] - 80.0) <= 1.0]
        if len(ring) < 10:
            return None
        mid = 0.5 * (ring[:, 0].min() + ring[:, 0].max())
        front = ring[np.abs(ring[:, 0] - mid) <= 10.0]
        if not len(front):
            return None
        crease = np.array([0.0, front[:, 1].max(), 80.0])
        return _plane_loop(p, np.zeros(3), np.cross(x, crease))
    if name == "ankle_girth_mm":
        if zmax < 95.0:
            return None
        best, best_len = None, np.inf
        for z in np.arange(80.0, 96.0):  # 16 candidate heights, not a loop over points
            loop = _plane_loop(p, np.array([0.0, 0.0, z]), np.array([0.0, 0.0, 1.0]))
            if loop is not None:
                per = float(np.linalg.norm(np.diff(np.vstack([loop, loop[:1]]), axis=0),
                                           axis=1).sum())
                if per < best_len:
                    best, best_len = loop, per
        return best
    return None


def latin_cn(text: Any) -> str:
    """Spell Chinese width types in digits: ``"custom 255(四)"`` -> ``"custom 255 type 4"``.

    Figures must read on machines without CJK fonts (matplotlib bundles none).
    """
    out = "" if text is None else str(text)
    for c, d in zip("一二三四五", "12345", strict=True):
        out = out.replace(f"({c})", f" type {d}")
    return out


def front_cells(uv: ArrayLike, depth: ArrayLike, *, cell: float) -> tuple[np.ndarray,
                                                                          FloatArray]:
    """Z-buffer on a grid: the front-most point (largest ``depth``) of each occupied cell.

    Parameters
    ----------
    uv : (n, 2) array_like of float, mm
        Screen coordinates of the points.
    depth : (n,) array_like of float
        Larger is nearer the viewer.
    cell : float, mm

    Returns
    -------
    idx : (k,) int
        Index of the visible point of each cell.
    corners : (k, 2) float, mm
        Lower-left corner of each cell.

    Examples
    --------
    >>> idx, corners = front_cells([[0.5, 0.5], [0.6, 0.4], [3.0, 0.2]], [1.0, 2.0, 0.0],
    ...                            cell=1.0)
    >>> idx.tolist(), corners.tolist()
    ([1, 2], [[0.0, 0.0], [3.0, 0.0]])
    """
    uv = np.asarray(uv, dtype=np.float64).reshape(-1, 2)
    depth = np.asarray(depth, dtype=np.float64).reshape(-1)
    if not len(uv):
        return np.zeros(0, dtype=np.intp), np.zeros((0, 2))
    ij = np.floor(uv / cell).astype(np.int64)
    order = np.lexsort((-depth, ij[:, 1], ij[:, 0]))
    ij_sorted = ij[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = np.any(ij_sorted[1:] != ij_sorted[:-1], axis=1)
    return order[first], ij_sorted[first].astype(np.float64) * cell


def loop_perimeter(loop: ArrayLike) -> float:
    """Perimeter (mm) of a closed polygon given as (m, 2) or (m, 3) vertices."""
    a = np.asarray(loop, dtype=np.float64)
    return float(np.linalg.norm(np.diff(np.vstack([a, a[:1]]), axis=0), axis=1).sum())
