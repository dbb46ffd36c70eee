"""Geometry of the pictures, on arrays: outlines, footprint runs, zones, profiles, loops.

Helpers of :mod:`footfit.visual.scene`, split out to keep each module short. Every function
works on canonical-frame points (mm) with numpy, no loop over points.

References
----------
.. [1] Cavanagh P.R., Rodgers M.M. (1987). The arch index: a useful measure from footprints.
   J. Biomech. 20(5), 547-551.
.. [2] footfit docs/measurement_conventions.md (footprint at z <= 3 mm, toes beyond 80 % FL
   excluded, girth planes).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from footfit._core.raster import footprint_raster
from footfit._core.typing import ArrayLike, FloatArray
from footfit.conventions import CONVENTIONS

__all__ = ["front_cells", "loop_perimeter"]

_CONTACT_MM = CONVENTIONS.contact_height_mm  # footprint: surface near the floor
_TOE_LIMIT = CONVENTIONS.toe_cut_fraction  # footprint ends there (toes excluded)
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
    """Return the occupied cells (absolute integer indices, as float) of points ``xy``."""
    if not len(xy):
        return np.zeros((0, 2))
    r = footprint_raster(xy[:, 0], xy[:, 1], cell=cell, snap=True)
    return (r.cells() + r.offset).astype(np.float64)


def _close_cells(cells: FloatArray) -> FloatArray:
    """Fill single-cell gaps of a sparse sampling (binary closing of the raster)."""
    from footfit._core import morphology as ndimage

    if len(cells) < 4:
        return cells
    r = footprint_raster(cells[:, 0], cells[:, 1], cell=1.0, pad=2)
    grid = r.mask()
    grid = ndimage.binary_closing(grid, structure=np.ones((3, 3), dtype=bool)) | grid
    return np.argwhere(grid) + r.origin


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
    """Return the running median (it kills single-slice spikes from stray points)."""
    if len(v) < w:
        return v
    pad = np.pad(v, w // 2, mode="edge")
    return np.median(np.lib.stride_tricks.sliding_window_view(pad, w), axis=1)


def _outline(p: FloatArray) -> FloatArray:
    """Return the closed top-view outline: the x extent of each 1 mm slice, both sides."""
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
    from footfit._core.hull import hull_2d_or_none

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
    hull = hull_2d_or_none(uv)
    if hull is None:
        return None
    h = uv[hull.vertices]
    return origin + np.outer(h[:, 0], u) + np.outer(h[:, 1], v)


def _fallback_section(p: FloatArray, name: str, lm: Mapping[str, FloatArray], length: float,
                      leg_cut: float) -> FloatArray | None:
    """Return the section loop of girth ``name`` cut by the conventions (a bare cloud only)."""
    if name == "ball_girth_mm":
        return _ball_loop(p, lm)
    if name in ("instep_girth_mm", "short_heel_girth_mm"):
        instep = lm.get("instep_point")
        if instep is None:
            return None
        y = CONVENTIONS.waist_fraction * length if name == "instep_girth_mm" else 0.0
        floor = np.array([0.0, y, 0.0])
        return _plane_loop(p, floor, np.cross(_X, instep - floor))
    if name == "long_heel_girth_mm":
        return _long_heel_loop(p)
    if name == "ankle_girth_mm":
        return _ankle_loop(p)
    return None


_X = np.array([1.0, 0.0, 0.0])


def _ball_loop(p: FloatArray, lm: Mapping[str, FloatArray]) -> FloatArray | None:
    """Return the vertical section through MTH1 and MTH5."""
    a, b = lm.get("mth1"), lm.get("mth5")
    if a is None or b is None:
        return None
    d = np.array([b[0] - a[0], b[1] - a[1], 0.0])
    if np.linalg.norm(d) < CONVENTIONS.tol.small:
        return None
    return _plane_loop(p, a, np.cross(d, [0.0, 0.0, 1.0]))


def _long_heel_loop(p: FloatArray) -> FloatArray | None:
    """Return the section through the heel's floor point and the front ankle crease."""
    w = CONVENTIONS.windows.long_heel_crease
    z, strip = w.z_mm[0], w.x_mm[1]
    if float(p[:, 2].max()) < w.needs_top_mm:
        return None
    ring = p[np.abs(p[:, 2] - z) <= 1.0]
    if len(ring) < 10:
        return None
    mid = 0.5 * (ring[:, 0].min() + ring[:, 0].max())
    front = ring[np.abs(ring[:, 0] - mid) <= strip]
    if not len(front):
        return None
    crease = np.array([0.0, front[:, 1].max(), z])
    return _plane_loop(p, np.zeros(3), np.cross(_X, crease))


def _ankle_loop(p: FloatArray) -> FloatArray | None:
    """Return the shortest horizontal section in the ankle window (every 1 mm)."""
    w = CONVENTIONS.windows.ankle
    if float(p[:, 2].max()) < w.needs_top_mm:
        return None
    best, best_len = None, np.inf
    for z in np.arange(w.z_mm[0], w.z_mm[1] + 1.0):  # 16 heights, not a loop over points
        loop = _plane_loop(p, np.array([0.0, 0.0, z]), np.array([0.0, 0.0, 1.0]))
        if loop is not None:
            per = float(np.linalg.norm(np.diff(np.vstack([loop, loop[:1]]), axis=0),
                                       axis=1).sum())
            if per < best_len:
                best, best_len = loop, per
    return best


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
