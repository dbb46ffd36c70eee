"""Up direction and floor level of a foot when no floor plane is seen."""

from __future__ import annotations

import functools

import numpy as np

from footfit._core.geometry import plane_basis as _plane_basis
from footfit._core.geometry import unit as _unit
from footfit._core.typing import ArrayLike, FloatArray, IntArray
from footfit._core.validation import as_points
from footfit._data import load_table
from footfit.clean._geometry import _DECISION_MAX, _DECISION_VOXEL_MM, _thin
from footfit.exceptions import DegenerateScanError

__all__ = ["estimate_up"]


def _rules() -> dict:
    """Load the up-estimation table ``footfit/data/up_estimation.json``."""
    return load_table("up_estimation.json")


@functools.lru_cache(maxsize=2)
def _sphere(n: int, angle_deg: float):
    """``n`` near-even unit directions (Fibonacci sphere) and their neighbour pairs.

    Returns ``(dirs, pair_i, pair_j)``: directions ``pair_i[k]`` and ``pair_j[k]`` are
    within ``angle_deg`` of each other (every direction is its own neighbour). The pairs are
    a sparse form of the ``n x n`` neighbour matrix: a dense float32 matrix-vector product
    per flat region went through BLAS, whose threads, on a busy 2-core machine, took
    ~270 ms for ~12 ms of work (a real-shaped 200k-point scan without a floor).
    """
    from footfit._core.gridsearch import grid_pairs

    i = np.arange(n) + 0.5
    polar = np.arccos(1.0 - 2.0 * i / n)
    azim = np.pi * (1.0 + np.sqrt(5.0)) * i
    dirs = np.stack(
        [np.cos(azim) * np.sin(polar), np.sin(azim) * np.sin(polar), np.cos(polar)], axis=1
    )
    # chord length of the angle: |a - b| = 2 sin(angle / 2) on the unit sphere
    pairs = grid_pairs(dirs, 2.0 * np.sin(np.radians(angle_deg) / 2.0))
    self_ = np.arange(n)
    pair_i = np.concatenate([pairs[:, 0], pairs[:, 1], self_])
    pair_j = np.concatenate([pairs[:, 1], pairs[:, 0], self_])
    return dirs, pair_i, pair_j


def _nearest_direction(dirs: FloatArray, v: FloatArray) -> IntArray:
    """Index of the direction nearest each unit vector of ``v`` (the largest dot product)."""
    from footfit._core.gridsearch import grid_knn

    return grid_knn(dirs, v, 1, cell=0.1)[1][:, 0]


def _hull(pts: FloatArray):
    """Convex hull of the points (``footfit._core.hull``: no scipy on the processing line)."""
    from footfit._core.hull import convex_hull_3d

    try:
        return convex_hull_3d(pts)
    except DegenerateScanError as exc:
        raise DegenerateScanError(f"points are flat or collinear (no 3D hull): {exc}") from exc


def _peel(pts: FloatArray, layers: int) -> FloatArray:
    """Drop the convex hull's vertices ``layers`` times (strays a few mm off the surface).

    A layer is kept only when it holds at most a fifth of the points (on a convex body,
    a ball say, every point is a hull vertex).
    """
    for _ in range(layers):
        vertices = _hull(pts).vertices
        if len(vertices) > 0.2 * len(pts):
            break
        keep = np.ones(len(pts), dtype=bool)
        keep[vertices] = False
        pts = pts[keep]
    return pts


def _flat_groups(pts: FloatArray, rules: dict) -> list[tuple[FloatArray, float]]:
    """Find the hull's flat regions, largest density first: ``[(up, area), ...]``.

    Facet normals are binned on a sphere of directions; the region is seeded at the
    direction with the most facet area within ``group_angle_deg`` (a sole is many small
    facets, a side of foot and leg a few long slivers), takes the unassigned facets counted
    there, and is repeated on the rest. ``up`` points away from the region, into the
    points (the area-weighted mean inward normal).
    """
    hull = _hull(pts)
    normals = hull.equations[:, :3]
    tri = pts[hull.simplices]
    areas = 0.5 * np.linalg.norm(np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]), axis=1)
    dirs, pair_i, pair_j = _sphere(1000, float(rules["group_angle_deg"]))
    bins = _nearest_direction(dirs, normals)  # nearest direction = largest dot product
    free = np.ones(len(areas), dtype=bool)
    groups = []
    n_dirs = len(dirs)
    for _ in range(int(rules["max_groups"])):  # over regions, not points
        if not free.any():
            break
        per_dir = np.bincount(bins[free], areas[free], minlength=n_dirs)
        density = np.bincount(pair_i, per_dir[pair_j], minlength=n_dirs)
        seed = int(np.argmax(density))
        near_seed = np.zeros(n_dirs, dtype=bool)
        near_seed[pair_j[pair_i == seed]] = True
        member = free & near_seed[bins]  # the facets counted
        free &= ~member
        mean_n = _unit((normals[member] * areas[member, None]).sum(axis=0))
        groups.append((-mean_n, float(areas[member].sum())))
    return groups


#: Largest voxel grid of :func:`_parts` (cells; 16 MB of bools): beyond it the voxels grow.
_MAX_PART_CELLS = 16_000_000


def _parts(pts: FloatArray, rules: dict) -> list[FloatArray]:
    """Find the connected parts (26-connected voxels) holding ``part_share`` of the points."""
    from footfit._core import morphology as ndimage

    voxel = float(rules["part_voxel_mm"])
    span = np.ptp(pts, axis=0)
    cells = float(np.prod(np.floor(span / voxel) + 1.0))
    if cells > _MAX_PART_CELLS:  # an absurd extent must not allocate an absurd grid
        voxel *= (cells / _MAX_PART_CELLS) ** (1.0 / 3.0) * 1.01
    ijk = np.floor((pts - pts.min(axis=0)) / voxel).astype(np.intp)
    occ = np.zeros(tuple(ijk.max(axis=0) + 1), dtype=bool)
    occ[ijk[:, 0], ijk[:, 1], ijk[:, 2]] = True
    lab, _ = ndimage.label(occ, structure=np.ones((3, 3, 3)))
    lab_pt = lab[ijk[:, 0], ijk[:, 1], ijk[:, 2]]
    count = np.bincount(lab_pt)
    big = np.flatnonzero(count >= float(rules["part_share"]) * len(pts))
    parts = [pts[lab_pt == k] for k in big if k > 0]
    return parts or [pts]


def _standing_fit(pts: FloatArray, up: FloatArray, rules: dict) -> float:
    """How well ``pts`` stood on the plane normal to ``up`` look like a standing foot, 0-1.

    Below the leg cut, along the principal axis of the plan view: the length must be a
    foot's (``footfit/data/foot_detection.json``); the height profile must fall from the ankle
    to toes a fraction as high (``toe_height_ratio``); and the lowest point of every slice
    along the length should rest on the plane (``flat_height_mm``, the share squared).
    """
    h = pts @ up
    h = h - np.percentile(h, 0.5)
    below = h <= float(rules["cut_height_mm"])
    if np.count_nonzero(below) < 30:
        return 0.0
    hb = h[below]
    e1, e2 = _plane_basis(up)
    u, v = pts[below] @ e1, pts[below] @ e2
    u -= u.mean()
    v -= v.mean()
    cov = np.cov(np.stack([u, v]))
    axis = np.linalg.eigh(cov)[1][:, -1]
    s = u * axis[0] + v * axis[1]
    s0, s1 = np.percentile(s, [0.5, 99.5])
    length = float(s1 - s0)
    limits = load_table("foot_detection.json")
    lo, hi = limits["foot_length_mm"]
    tol_lo, tol_hi = limits["length_tolerance"]
    if not tol_lo * lo <= length <= tol_hi * hi:
        return 0.0
    nb = int(rules["profile_bins"])
    k = np.clip(((s - s0) / length * nb).astype(np.intp), 0, nb - 1)
    order = np.lexsort((hb, k))  # by slice, then height
    count = np.bincount(k, minlength=nb)
    start = np.concatenate([[0], np.cumsum(count)[:-1]])
    hs = hb[order]
    top = np.where(count > 3, hs[start + (0.95 * np.maximum(count - 1, 0)).astype(np.intp)], 0.0)
    low = np.where(count > 0, hs[np.minimum(start, len(hs) - 1)], np.inf)
    if top[:3].mean() < top[-3:].mean():  # the ankle end first
        top = top[::-1]
    toe = float(top[-2:].mean() / max(top.max(), 1e-9))
    full, none = rules["toe_height_ratio"]
    toe_fit = float(np.clip((none - toe) / (none - full), 0.0, 1.0))
    flat = float(np.mean(low < float(rules["flat_height_mm"])))
    return toe_fit * flat * flat


def estimate_up(points: ArrayLike, *, rng=None) -> FloatArray:
    """Estimate the up direction of a standing foot (or two) from its shape alone.

    The sole of a standing foot lies on the floor, so up is the inward normal of one of the
    convex hull's flat regions; which one is decided by the shape of the points stood on
    it, not by its size alone (a leg rising from the heel makes the side of foot and leg
    the hull's largest flat region). The points are evenly thinned and stripped of strays
    off the surface (the hull's outer vertices, twice); every flat region of at least 5 %
    of the largest is scored by its area times how well the points stood on it look like a
    standing foot, part by part (two feet are judged one by one): below the leg cut, a
    foot's length along the plan view's principal axis; a height that falls from the ankle
    to toes a quarter as high (a foot lying on a side keeps most of its height, its width,
    at the toes); and a bottom that touches the plane along the whole length, not at a few
    places (a dorsum or a tilted side). When no region looks like a standing foot, the
    largest region wins, among near ties (within 25 %) the one with most points on it.
    The figures are in ``footfit/data/up_estimation.json``.

    Parameters
    ----------
    points : (n, 3) array_like of float, mm
        One or two feet, with or without a leg (a thinned set of a few thousand points is
        enough).
    rng : Generator, int or None
        Random source for thinning large inputs.

    Returns
    -------
    up : (3,) float
        Unit vector pointing from the sole into the foot.

    Raises
    ------
    DegenerateScanError
        When the points are flat or collinear (no hull).

    References
    ----------
    .. [1] DOMAIN.md section 2 (a foot is 100-350 mm long); docs/measurement_conventions.md
       "Leg cut".
    """
    pts = as_points(points, name="points", min_points=10)
    rng = np.random.default_rng(rng)
    rules = _rules()
    pts = pts[_thin(pts, _DECISION_VOXEL_MM, _DECISION_MAX, rng)]  # even density
    pts = _peel(pts, int(rules["peel_layers"]))
    groups = _flat_groups(pts, rules)
    if not groups:
        raise DegenerateScanError("no support plane found under the points")
    largest = max(area for _, area in groups)
    parts = _parts(pts, rules)
    best_up, best_score = None, 0.0
    # over flat regions (at most 24), largest first, and parts (at most 4); a fit is at
    # most 1, so a region smaller than the best score so far cannot win
    for up, area in sorted(groups, key=lambda g: -g[1]):
        share = area / largest
        if share < max(float(rules["min_group_area"]), best_score):
            break
        score = share * float(np.mean([_standing_fit(p, up, rules) for p in parts]))
        if score > best_score:
            best_up, best_score = up, score
    if best_up is not None:
        return best_up
    # nothing stands like a foot: the largest flat region, near ties to the most contact
    best_count = -1
    for up, area in groups:
        if area < 0.75 * largest:
            continue
        h = pts @ up
        count = int(np.count_nonzero(h < h.min() + 2.0))
        if count > best_count:
            best_up, best_count = up, count
    return best_up


def _floor_level(h: FloatArray) -> tuple[float, str, IntArray | None]:
    """Height of the floor along an up direction when no floor plane is known.

    With the sole in the scan, the contact points form a dense sheet at the bottom: the
    floor is the median of the densest 2 mm slab among the lowest 20 mm. Without it, the
    lowest edges of the side walls touch the floor: the 0.5th percentile.

    Returns ``(level, how, sheet)`` with the indices of the contact sheet (or None).
    """
    lo = float(np.percentile(h, 0.1))
    bottom = h[h < lo + 20.0]
    hist, edges = np.histogram(bottom, bins=np.arange(lo, lo + 20.5, 0.5))
    slab = np.convolve(hist, np.ones(4), mode="same")
    peak = int(np.argmax(slab))
    centre = 0.5 * (edges[peak] + edges[peak + 1])
    share = slab[peak] / len(h)
    if share > 0.03 and centre < lo + 8.0:
        sheet = np.flatnonzero(np.abs(h - centre) < 1.5)
        return float(np.median(h[sheet])), "floor level from the plantar contact sheet", sheet
    return float(np.percentile(h, 0.5)), "floor level from the lowest points (no sole seen)", None
