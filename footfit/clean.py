"""Isolate the feet in a raw scan: floor, outliers, background, leg cut, two-feet split.

The first stage of the measuring line (``load -> isolate -> align -> measure``). It works on
any pose and any scanner layout that footfit knows of:

* platform scanners that see a floor around the foot at the level of the sole,
* glass-plate scanners that see the sole and no floor (points near the floor with downward
  normals),
* hand-held / turntable captures of both feet with the lower legs and no sole.

Every decision (plane, components, up direction) is taken on a voxel-thinned copy of the
cloud and then applied to all points through dense grid look-ups, so the cost is linear in
the number of points and no Python loop runs over points.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field

import numpy as np

from ._typing import ArrayLike, BoolArray, FloatArray, IntArray
from ._validation import as_points, check_positive
from .exceptions import DegenerateScanError

__all__ = [
    "FootCloud",
    "Isolation",
    "estimate_up",
    "fill_holes",
    "fit_plane_ransac",
    "isolate_feet",
]

# --- design choices of the algorithm (not anatomy) ------------------------------------
_DECISION_VOXEL_MM = 4.0  # thinning voxel for the decision set
_DECISION_MAX = 6000  # at most this many decision points
_MAX_GRID_CELLS = 2_000_000  # dense voxel grid budget (coarser voxels beyond)
_FLOOR_MIN_BAND_MM = 2.0  # floor band half-width never narrower than this
_SILHOUETTE_CELL_MM = 2.0  # floor-plane raster used to keep the sole
_STRAY_VOXEL_MM = 2.0  # fine voxels for outliers hugging the foot
# --- foot plausibility: models/foot_detection.json (with the source of every figure) ---
@functools.lru_cache(maxsize=1)
def _limits() -> dict:
    """The foot plausibility table, read once."""
    from ._data import model_path

    return json.loads(model_path("foot_detection.json").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class FootCloud:
    """One isolated foot, still in the input frame.

    Attributes
    ----------
    points : (n, 3) float, mm
        The foot's points (floor, outliers, background and leg removed).
    normals : (n, 3) float or None
        Their normals, when the scan had normals.
    indices : (n,) int
        Row of each point in the array given to :func:`isolate_feet`.
    """

    points: FloatArray
    normals: FloatArray | None
    indices: IntArray


@dataclass(frozen=True)
class Isolation:
    """Result of :func:`isolate_feet`.

    Attributes
    ----------
    feet : tuple of FootCloud
        One or two feet, ordered along the floor (a stable order; the side is decided by
        :func:`footfit.align.align_foot`).
    floor_found : bool
        Whether a floor plane extending beyond the feet was seen.
    floor_plane : (4,) float or None
        ``a, b, c, d`` with ``a x + b y + c z + d = 0`` and the unit normal ``(a, b, c)``
        pointing up (toward the foot), input frame; None when no floor was seen.
    up : (3,) float
        Unit up vector in the input frame (the floor normal, or estimated from the shape).
    leg_cut_height_mm : float
        Points higher than this above the floor were removed (the leg cut).
    n_floor, n_outliers, n_leg, n_background : int
        Points removed by each step.
    notes : tuple of str
        What was done that a user should know (no floor, foot split, ...).
    """

    feet: tuple[FootCloud, ...]
    floor_found: bool
    floor_plane: FloatArray | None
    up: FloatArray
    leg_cut_height_mm: float
    n_floor: int
    n_outliers: int
    n_leg: int
    n_background: int
    notes: tuple[str, ...] = field(default_factory=tuple)


# ======================================================================================
# small vectorized helpers
# ======================================================================================


def _unit(v: FloatArray) -> FloatArray:
    return v / np.linalg.norm(v)


def _plane_basis(up: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Two unit vectors spanning the plane orthogonal to ``up`` (deterministic)."""
    helper = np.eye(3)[int(np.argmin(np.abs(up)))]
    e1 = _unit(np.cross(up, helper))
    e2 = np.cross(up, e1)
    return e1, e2


class _Grid:
    """A dense voxel grid over a box, with point -> cell look-up (O(n), no sorting)."""

    def __init__(self, lo: FloatArray, hi: FloatArray, voxel: float):
        ext = np.maximum(hi - lo, voxel)
        cells = np.prod(np.ceil(ext / voxel) + 3)
        if cells > _MAX_GRID_CELLS:
            voxel = float(voxel * (cells / _MAX_GRID_CELLS) ** (1 / 3) * 1.01)
        self.voxel = float(voxel)
        self.lo = lo - voxel  # one empty layer around the points
        self.shape = tuple(int(s) for s in np.ceil((hi - self.lo) / voxel) + 2)
        self.size = int(np.prod(self.shape))

    def flat(self, points: FloatArray) -> IntArray:
        ijk = ((points - self.lo) * (1.0 / self.voxel)).astype(np.intp)
        np.clip(ijk, 0, np.array(self.shape) - 1, out=ijk)
        return (ijk[:, 0] * self.shape[1] + ijk[:, 1]) * self.shape[2] + ijk[:, 2]

    def border(self) -> BoolArray:
        """Flat mask of the grid's outer layer of cells."""
        b = np.ones(self.shape, dtype=bool)
        b[1:-1, 1:-1, 1:-1] = False
        return b.reshape(-1)

    def counts(self, flat: IntArray) -> IntArray:
        return np.bincount(flat, minlength=self.size)

    def neighbourhood(self, counts: IntArray) -> IntArray:
        """Points in the 3x3x3 block around every cell (only occupied cells computed).

        Occupied cells never touch the grid's border layer, so the 27 neighbours are
        flat-index offsets (27 gathers over cells, not a loop over points).
        """
        occ = np.flatnonzero(counts)
        s1, s2 = self.shape[1] * self.shape[2], self.shape[2]
        total = np.zeros(len(occ), dtype=np.int64)
        for di in (-s1, 0, s1):
            for dj in (-s2, 0, s2):
                base = occ + (di + dj)
                total += counts[base - 1]
                total += counts[base]
                total += counts[base + 1]
        out = np.zeros(self.size, dtype=np.int32)
        out[occ] = total
        return out

    def thin(self, flat: IntArray, idx: IntArray, max_points: int, rng) -> IntArray:
        """One of ``idx`` per occupied cell (at most ``max_points``, random beyond)."""
        rep = np.full(self.size, -1, dtype=np.intp)
        rep[flat] = idx
        out = rep[rep >= 0]
        if len(out) > max_points:
            out = np.sort(rng.choice(out, max_points, replace=False))
        return out


def _thin(points: FloatArray, voxel: float, max_points: int, rng) -> IntArray:
    """Indices of one point per occupied voxel of ``points`` (at most ``max_points``)."""
    grid = _Grid(points.min(axis=0), points.max(axis=0), voxel)
    return grid.thin(grid.flat(points), np.arange(len(points)), max_points, rng)


def _fit_plane_lsq(points: FloatArray) -> FloatArray:
    c = points.mean(axis=0)
    _, _, vt = np.linalg.svd(points - c, full_matrices=False)
    n = vt[2]
    return np.append(n, -n @ c)


def fit_plane_ransac(
    points: FloatArray, *, threshold: float, n_hypotheses: int = 256, rng=None
) -> tuple[FloatArray, int]:
    """Fit the plane holding the most points, robustly (vectorized RANSAC).

    All hypotheses are scored at once as one matrix product; the second and third point
    of each triple are drawn among the neighbours of the first (locality sampling), so a
    plane holding a small share of the points is still found.

    Parameters
    ----------
    points : (n, 3) float
        Points (a thinned decision set, a few thousand rows).
    threshold : float
        Inlier distance.
    n_hypotheses : int, default=256
        Random triples tried.
    rng : Generator, int or None
        Random source.

    Returns
    -------
    plane : (4,) float
        ``a, b, c, d`` with a unit normal (orientation arbitrary).
    n_inliers : int
        Points of ``points`` within ``threshold``.

    References
    ----------
    .. [1] Fischler, M. A. & Bolles, R. C. (1981). Random sample consensus. CACM 24(6).
    """
    rng = np.random.default_rng(rng)
    n = len(points)
    if n < 3:
        raise DegenerateScanError(f"a plane needs 3 points; got {n}")
    # locality sampling without a tree: order the points by 40 mm cells, so that the
    # neighbours in that order are neighbours in space
    cellkey = np.floor((points - points.min(axis=0)) / 40.0).astype(np.int64)
    order = np.lexsort((cellkey[:, 2], cellkey[:, 1], cellkey[:, 0]))
    pos = rng.integers(0, n, n_hypotheses)
    first = order[pos]
    off = rng.integers(1, 25, (n_hypotheses, 2)) * rng.choice([-1, 1], (n_hypotheses, 2))
    partner = order[np.clip(pos[:, None] + off, 0, n - 1)]
    a = points[first]
    b = points[partner[:, 0]]
    c = points[partner[:, 1]]
    normal = np.cross(b - a, c - a)
    length = np.linalg.norm(normal, axis=1)
    ok = length > 1e-9
    if not ok.any():
        raise DegenerateScanError("no plane could be fitted: points are collinear")
    normal = normal[ok] / length[ok, None]
    d = -np.einsum("ij,ij->i", normal, a[ok])
    score_set = points if n <= 2000 else points[rng.choice(n, 2000, replace=False)]
    inl = np.abs(score_set @ normal.T + d) < threshold
    best = np.argsort(inl.sum(axis=0))[::-1][:4]
    best_plane, best_count = None, -1
    for h in best:  # refine the few best hypotheses by least squares on their inliers
        plane = np.append(normal[h], d[h])
        for _ in range(2):
            mask = np.abs(points @ plane[:3] + plane[3]) < threshold
            if mask.sum() < 3:
                break
            plane = _fit_plane_lsq(points[mask])
        count = int((np.abs(points @ plane[:3] + plane[3]) < threshold).sum())
        if count > best_count:
            best_plane, best_count = plane, count
    if best_plane is None:
        raise DegenerateScanError("no plane could be fitted: points are collinear")
    return best_plane, best_count


def fill_holes(img: BoolArray) -> BoolArray:
    """``img`` with its enclosed holes filled, in one labelling pass.

    Same result as ``scipy.ndimage.binary_fill_holes`` (4-connected background), whose
    iterated dilation costs as many passes as the image is wide.
    """
    from scipy import ndimage

    lab, _ = ndimage.label(~img)
    edge = np.unique(np.concatenate([lab[0], lab[-1], lab[:, 0], lab[:, -1]]))
    outside = np.isin(lab, edge[edge > 0])
    return ~outside


def _raster(uv: FloatArray, lo: FloatArray, cell: float, shape) -> IntArray:
    ij = ((uv - lo) / cell).astype(np.intp)
    return np.clip(ij, 0, np.array(shape) - 1)


# ======================================================================================
# up direction without a floor
# ======================================================================================


def estimate_up(points: ArrayLike, *, rng=None) -> FloatArray:
    """Estimate the up direction of a standing foot (or two) from its shape alone.

    The sole of a standing foot lies on the floor: whether or not the scan holds the plantar
    surface, the floor is the convex hull's largest flat region (heel, ball and toes touch
    it; the sides are curved; the leg's cut is smaller). Candidates are the hull's flattest
    directions (facet area within 10 degrees); a candidate under which the midfoot would be
    taller than wide (a side taken for the floor) counts a fifth.

    Parameters
    ----------
    points : (n, 3) array_like of float, mm
        One or two feet (a thinned set of a few thousand points is enough).
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
    """
    from scipy.spatial import ConvexHull, QhullError

    pts = as_points(points, name="points", min_points=10)
    rng = np.random.default_rng(rng)
    pts = pts[_thin(pts, _DECISION_VOXEL_MM, _DECISION_MAX, rng)]  # even density
    try:
        hull = ConvexHull(pts)
    except QhullError as exc:
        raise DegenerateScanError(
            f"points are flat or collinear (no 3D hull): {exc.args[0].splitlines()[0]}"
        ) from exc
    normals = hull.equations[:, :3]
    tri = pts[hull.simplices]
    areas = 0.5 * np.linalg.norm(np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]), axis=1)
    # group facets with similar normals (loop over at most 16 groups, not over points)
    unassigned = np.ones(len(areas), dtype=bool)
    candidates = []
    order = np.argsort(areas)[::-1]
    for _ in range(16):
        free = order[unassigned[order]]
        if len(free) == 0:
            break
        seed = free[0]
        member = unassigned & (normals @ normals[seed] > np.cos(np.radians(12)))
        unassigned &= ~member
        mean_n = _unit((normals[member] * areas[member, None]).sum(axis=0))
        candidates.append((-mean_n, float(areas[member].sum())))
    # Near-ties (the flat hull over a medial arch can match the sole's area): prefer the
    # plane that more of the surface lies on (the plantar contact, or the walls' lowest
    # ring), counted on the evenly thinned points.
    best_up, best_score = None, -np.inf
    top = max((area for _, area in candidates), default=0.0)
    for up, area in candidates:
        if area < 0.75 * top:
            continue
        h = pts @ up
        score = float(np.count_nonzero(h < h.min() + 2.0))
        if score > best_score:
            best_up, best_score = up, score
    if best_up is None:
        raise DegenerateScanError("no support plane found under the points")
    return best_up


# ======================================================================================
# the main entry point
# ======================================================================================


def _drop_strays(pts: FloatArray, idx: IntArray) -> tuple[IntArray, int]:
    """Drop outliers that float a few mm off the foot's surface.

    The coarse pass keeps every point whose 12 mm voxel block touches the surface; at the
    foot's extremes (heel, toes, MTH1, MTH5) one such point would move a landmark. Here a
    point needs, within its 3x3x3 block of 2 mm voxels, a tenth of the typical count.
    """
    sub = pts[idx]
    voxel = _STRAY_VOXEL_MM
    for _ in range(2):  # a sparse cloud (a mesh's vertices) gets coarser voxels
        grid = _Grid(sub.min(axis=0), sub.max(axis=0), voxel)
        flat = grid.flat(sub)
        nb = grid.neighbourhood(grid.counts(flat))[flat]
        typical = float(np.median(nb[:: max(1, len(nb) // 20000)]))
        if typical >= 20.0:
            break
        voxel *= np.sqrt(20.0 / max(typical, 1.0))
    ok = nb >= max(2.0, 0.1 * typical)
    return idx[ok], int(len(idx) - np.count_nonzero(ok))


def _split_pair(pts, idx, h, up) -> list[IntArray] | None:
    """Split a cluster holding two touching feet side by side, or return None.

    Seen from above, two feet leave a valley in the point count between them. Across 36
    directions in the floor plane, the split goes along the deepest valley in the middle
    of the cluster (at most a quarter of the counts on both sides), and each side must be
    a foot on its own.
    """
    sub = idx[:: max(1, len(idx) // 20000)]
    e1, e2 = _plane_basis(up)
    proj = np.stack([e1, e2], axis=1)
    uv = pts[sub] @ proj
    centre = uv.mean(axis=0)
    uv -= centre
    valleys = []
    for ang in np.radians(np.arange(0.0, 180.0, 5.0)):  # 36 directions, not points
        d = np.array([np.cos(ang), np.sin(ang)])
        t = uv @ d
        lo, hi = np.percentile(t, [1, 99])
        if not 140.0 <= hi - lo <= 400.0:  # two feet side by side are 150-300 mm across
            continue
        counts, edges = np.histogram(t, bins=np.arange(lo, hi + 4.0, 4.0))
        k0, k1 = int(0.3 * len(counts)), int(0.7 * len(counts)) + 1
        k = k0 + int(np.argmin(counts[k0:k1]))
        depth = counts[k] / max(min(counts[:k].max(), counts[k + 1 :].max()), 1)
        if depth > 0.25:  # a valley holds at most a quarter of the counts on both sides
            continue
        cut_t = 0.5 * (edges[k] + edges[k + 1])
        across = uv @ np.array([-d[1], d[0]])
        if all(  # side by side, each half runs across the cut direction (a foot's length)
            np.ptp(across[m]) > 1.6 * np.ptp(t[m]) for m in (t < cut_t, t >= cut_t)
        ):
            valleys.append((depth, d, cut_t))
    for _, d, cut_t in sorted(valleys, key=lambda v: v[0])[:6]:  # deepest first
        t_all = (pts[idx] @ proj - centre) @ d
        halves = [idx[t_all < cut_t], idx[t_all >= cut_t]]
        if all(
            _not_foot_like(pts[p[:: max(1, len(p) // 20000)]], h[p[:: max(1, len(p) // 20000)]],
                           up, n=len(p)) is None
            for p in halves
        ):
            return halves
    return None  # no valley that leaves two feet: one wide object


def _check_not_flat(points: FloatArray) -> None:
    """Raise when the points are a flat sheet (a plane holds no foot)."""
    c = points - points.mean(axis=0)
    _, sv, vt = np.linalg.svd(c, full_matrices=False)
    proj = c @ vt.T
    ext = np.ptp(proj, axis=0)
    if np.std(proj[:, 2]) < 3.0:
        raise DegenerateScanError(
            f"no foot-like object: the points are flat, a sheet of {ext[0]:.0f} x "
            f"{ext[1]:.0f} mm and {np.std(proj[:, 2]):.1f} mm thick (a plane)"
        )


def _not_foot_like(points: FloatArray, h: FloatArray, up: FloatArray, *, n: int) -> str | None:
    """None when a cluster (below the leg cut) looks like a standing foot, else what it is.

    A foot is 100-350 mm long (DOMAIN.md section 2), 1.6-5 times longer than wide, and
    its height falls from the ankle to the toes; a box or a lying cylinder keeps its height.
    The limits, with their sources, are in ``models/foot_detection.json``.
    """
    if len(points) < 30:
        return f"{n} points"
    e1, e2 = _plane_basis(up)
    uv = np.stack([points @ e1, points @ e2], axis=1)
    uv -= uv.mean(axis=0)
    _, _, vt = np.linalg.svd(uv[:: max(1, len(uv) // 5000)], full_matrices=False)
    s = uv @ vt[0]
    t = uv @ vt[1]
    length, width = float(np.ptp(s)), float(np.ptp(t))
    height = float(np.percentile(h, 99.5) - np.percentile(h, 0.5))
    size = f"{length:.0f} x {width:.0f} x {height:.0f} mm ({n} points)"
    limits = _limits()
    lo, hi = limits["foot_length_mm"]
    tol_lo, tol_hi = limits["length_tolerance"]
    if not tol_lo * lo <= length <= tol_hi * hi:
        return f"{size} (a foot is {lo:.0f}-{hi:.0f} mm long)"
    ratio = length / max(width, 1e-9)
    r_lo, r_hi = limits["length_to_width"]
    if not r_lo <= ratio <= r_hi:
        return f"{size}, {ratio:.1f}x longer than wide (a foot is about 2.5-3x)"
    ends = [h[s < s.min() + 0.2 * length], h[s > s.max() - 0.2 * length]]
    tops = sorted(float(np.percentile(e, 95)) for e in ends)
    if tops[0] > limits["taper"] * tops[1]:
        return (
            f"{size} with the same height at both ends ({tops[0]:.0f} and {tops[1]:.0f} mm; "
            "a foot rises from the toes to the ankle)"
        )
    return None


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


def isolate_feet(
    points: ArrayLike,
    *,
    normals: ArrayLike | None = None,
    leg_cut_height_mm: float = 100.0,
    max_feet: int = 2,
    rng=None,
) -> Isolation:
    """Find the feet in a raw scan and remove everything else.

    Steps: (1) thin the cloud to a decision set; (2) drop scattered outliers (too few
    neighbours in a 3x3x3 voxel block); (3) find the floor by RANSAC and keep only the floor
    points *outside* the feet's footprint (those inside are the sole seen through a glass
    plate); without a floor, take up from the shape (:func:`estimate_up`) and the floor level
    from the lowest plantar points; (4) cut the leg ``leg_cut_height_mm`` above the floor;
    (5) label connected voxel components and keep the foot-sized ones (up to ``max_feet``),
    dropping background clusters.

    Parameters
    ----------
    points : (n, 3) array_like of float, mm
        Raw scan points.
    normals : (n, 3) array_like of float, optional
        Their normals (carried along; also used to tell the floor from the sole).
    leg_cut_height_mm : float, default=100.0
        Height above the floor above which points are removed (docs/measurement_conventions.md).
    max_feet : int, default=2
        Most feet returned.
    rng : Generator, int or None
        Random source (RANSAC, thinning); fixed seeds give identical results.

    Returns
    -------
    Isolation

    Raises
    ------
    DegenerateScanError
        When no foot-like object is found; the message says what was found instead.

    References
    ----------
    .. [1] docs/measurement_conventions.md, "Leg cut".
    .. [2] DOMAIN.md section 2: a foot is 100-350 mm long.
    """
    from scipy import ndimage

    pts = as_points(points, name="points", min_points=50)
    nrm = None
    if normals is not None:
        nrm = as_points(normals, name="normals")
        if nrm.shape != pts.shape:
            raise ValueError(f"`normals` must have shape {pts.shape}; got {nrm.shape}")
    cut = check_positive(leg_cut_height_mm, name="leg_cut_height_mm")
    if int(max_feet) != max_feet or max_feet < 1:
        raise ValueError(f"`max_feet` must be an int >= 1; got {max_feet!r}")
    rng = np.random.default_rng(rng)
    n = len(pts)
    notes: list[str] = []
    stride = max(1, n // 20000)

    # ---- voxel grid; outliers are points in voxels with few neighbours -----------------
    # Points beyond a robust box land in the grid's border layer and count as outliers.
    lo, hi = np.percentile(pts[::stride], [0.5, 99.5], axis=0)
    if np.max(hi - lo) < 30.0:
        raise DegenerateScanError(
            f"no foot-like object: the cloud is only {np.max(hi - lo):.3g} mm across (a foot "
            "is 100-350 mm long); are the coordinates in metres or cm? load_scan converts them"
        )
    margin = np.maximum(0.1 * (hi - lo), 15.0)
    lo, hi = lo - margin, hi + margin
    grid = _Grid(lo, hi, _DECISION_VOXEL_MM)
    flat = grid.flat(pts)
    counts = grid.counts(flat)
    border = grid.border()
    counts[border] = 0
    occupied = int(np.count_nonzero(counts))
    spacing = grid.voxel * np.sqrt(1.3 * occupied / max(int(counts.sum()), 1))
    if 2.5 * spacing > 1.5 * grid.voxel:  # sparse cloud: coarser grid keeps it connected
        grid = _Grid(lo, hi, min(2.5 * spacing, 12.0))
        flat = grid.flat(pts)
        counts = grid.counts(flat)
        border = grid.border()
        counts[border] = 0
    nbv = grid.neighbourhood(counts)
    typical = float(np.median(nbv[flat[::stride]]))
    bad = border | (nbv < np.clip(0.04 * typical, 3.0, 6.0))
    keep = ~bad[flat]
    n_outliers = n - int(np.count_nonzero(keep))

    # ---- decision set: one point per good voxel ------------------------------------------
    rep = np.full(grid.size, -1, dtype=np.int32)
    rep[flat] = np.arange(n, dtype=np.int32)
    dec = rep[(counts > 0) & ~bad].astype(np.intp)
    if len(dec) < 20:
        raise DegenerateScanError(
            f"no foot-like object: only {n - n_outliers} points are not isolated outliers"
        )
    if len(dec) > _DECISION_MAX:
        dec = np.sort(rng.choice(dec, _DECISION_MAX, replace=False))
    D = pts[dec]

    # ---- floor, sole, leg ----------------------------------------------------------------
    floor_plane, up = _find_floor(D, rng)
    n_floor = n_leg = 0
    if floor_plane is not None:
        h = pts @ floor_plane[:3] + floor_plane[3]
        band = _floor_band(D, floor_plane)
        floor = _floor_points(pts, nrm, h, floor_plane, band, keep)
        n_floor = int(np.count_nonzero(floor))
        keep &= ~floor
        below = keep & (h < -max(3 * band, 8.0))
        n_outliers += int(np.count_nonzero(below))
        leg = keep & (h > cut)
        n_leg = int(np.count_nonzero(leg))
        keep &= ~(below | leg)
        floor_level = 0.0

    # ---- connected components of what is left --------------------------------------------
    big, lab, n_background = _components(grid, flat, keep, ndimage)
    if not big:
        raise DegenerateScanError("no foot-like object: only a flat surface (the floor) was found")

    if floor_plane is None:
        in_big = np.isin(lab[dec], [b for b, _ in big[: max_feet + 1]])
        _check_not_flat(D[in_big])
        up = estimate_up(D[in_big], rng=rng)
        h = pts @ up
        union = np.concatenate([idx for _, idx in big[: max_feet + 1]])
        floor_level = _floor_level(h[union[:: max(1, len(union) // 50000)]])[0]
        notes.append("no floor visible: up and floor level taken from the lowest plantar points")

    # ---- leg cut (no floor) and foot checks ----------------------------------------------
    feet: list[FootCloud] = []
    rejected: list[str] = []
    for _, idx in big:
        hh = h[idx] - floor_level
        if floor_plane is None:
            leg = hh > cut
            n_leg += int(np.count_nonzero(leg))
            idx, hh = idx[~leg], hh[~leg]
        step = max(1, len(idx) // 20000)  # shape checks on a strided subset
        problem = _not_foot_like(pts[idx[::step]], hh[::step], up, n=len(idx))
        parts = [idx]
        if problem is not None and max_feet - len(feet) >= 2:
            halves = _split_pair(pts, idx, h - floor_level, up)
            if halves is not None:
                parts, problem = halves, None
                notes.append("two touching feet split along the gap between them")
        for part in parts:
            if problem is None and len(feet) < max_feet:
                part, n_strays = _drop_strays(pts, part)
                n_outliers += n_strays
                feet.append(FootCloud(pts[part], None if nrm is None else nrm[part], part))
            else:
                rejected.append(problem or "a further foot-like cluster")
                n_background += len(part)
    if not feet:
        raise DegenerateScanError(f"no foot-like object: largest cluster is {rejected[0]}")
    if len(feet) > 1:
        e1, _ = _plane_basis(up)
        feet.sort(key=lambda f: float(np.mean(f.points[:: max(1, len(f.points) // 1000)] @ e1)))
        notes.append(f"{len(feet)} feet found in one cloud")
    return Isolation(
        feet=tuple(feet),
        floor_found=floor_plane is not None,
        floor_plane=floor_plane,
        up=up,
        leg_cut_height_mm=cut,
        n_floor=n_floor,
        n_outliers=n_outliers,
        n_leg=n_leg,
        n_background=n_background,
        notes=tuple(notes),
    )


def _floor_band(D: FloatArray, plane: FloatArray) -> float:
    """Half-width of the floor band: 3 sigma of the floor points, at least 2 mm."""
    h = D @ plane[:3] + plane[3]
    near = np.abs(h) < 5.0
    sigma = 1.4826 * np.median(np.abs(h[near])) if near.any() else 1.0
    return float(min(max(3.0 * sigma, _FLOOR_MIN_BAND_MM), 5.0))


def _find_floor(D, rng) -> tuple[FloatArray | None, FloatArray | None]:
    """Return ``(floor_plane, up)`` or ``(None, None)`` when no floor is seen.

    A plane is the floor when (a) almost nothing lies below it, (b) points rest on it (the
    foot touches the floor) and (c) many of its points lie outside the footprint of the
    points above it (a sole seen through glass is a plane too, but only under the foot).
    """
    rest = np.ones(len(D), dtype=bool)
    for _attempt in range(3):
        if rest.sum() < 30:
            break
        plane, count = fit_plane_ransac(D[rest], threshold=2.5, rng=rng)
        h = D @ plane[:3] + plane[3]
        inl = np.abs(h) < 2.5
        if count < max(30, 0.05 * len(D)):
            break
        off = ~inl
        if off.sum() < 20:
            rest &= ~inl
            continue
        # orient the normal toward the bulk of the other points
        if np.median(h[off]) < 0:
            plane = -plane
            h = -h
        above = off & (h > 0) & (h < 400)
        below = off & (h < -8.0)
        if below.sum() > 0.03 * off.sum() or above.sum() < 20:
            rest &= ~inl
            continue
        e1, e2 = _plane_basis(plane[:3])
        uv = np.stack([D @ e1, D @ e2], axis=1)
        cell = 6.0
        ulo = uv.min(axis=0) - cell
        shape = tuple(int(s) for s in np.ceil((uv.max(axis=0) - ulo) / cell) + 2)
        sil = np.zeros(shape, dtype=bool)
        ij = _raster(uv[above], ulo, cell, shape)
        sil[ij[:, 0], ij[:, 1]] = True
        from scipy import ndimage

        sil = ndimage.binary_dilation(sil, iterations=1)
        ij = _raster(uv[inl], ulo, cell, shape)
        outside = ~sil[ij[:, 0], ij[:, 1]]
        touching = (above & (h < 15.0)).sum()
        if outside.sum() >= max(20, 0.1 * inl.sum()) and touching >= 5:
            return plane, plane[:3].copy()
        rest &= ~inl
    return None, None


def _floor_points(pts, nrm, h, plane, band, keep) -> np.ndarray:
    """Floor points: in the floor band and outside the feet's outline (the sole stays).

    The outline is the filled silhouette of the foot's lowest ring (points from the band to
    12 mm above it: the side walls where they meet the floor), so floor seen under an
    overhang of the foot is still floor. Gaps in the ring (a raised arch, walls not seen)
    are bridged by the silhouette of the whole foot (points up to 150 mm) shrunk
    by two cells. Inside the silhouette less one cell, band points are sole; outside it
    plus one cell, floor; in between, a band point is floor when it lies beyond the mean
    position of the nearby ring points along the silhouette's outward normal (a sub-cell
    decision: floor next to a side wall would widen the foot, a lost sole rim would shrink
    the footprint).
    """
    from scipy import ndimage

    inband = np.flatnonzero(keep & (h <= band))  # the band and the noise below it
    ring = np.flatnonzero(keep & (h > band) & (h <= band + 12.0))
    above = np.flatnonzero(keep & (h > band) & (h <= 150.0))
    above = above[:: max(1, len(above) // 60000)]
    e1, e2 = _plane_basis(plane[:3])
    proj = np.stack([e1, e2], axis=1)
    uv_band, uv_ring, uv_above = pts[inband] @ proj, pts[ring] @ proj, pts[above] @ proj
    if len(uv_above) == 0:
        out = np.zeros(len(pts), dtype=bool)
        out[inband] = True
        return out
    cell = _SILHOUETTE_CELL_MM
    ulo = uv_above.min(axis=0) - 6 * cell
    shape = tuple(int(s) for s in np.ceil((uv_above.max(axis=0) - ulo) / cell) + 12)

    def raster(uv):
        img = np.zeros(shape, dtype=bool)
        ij = _raster(uv, ulo, cell, shape)
        img[ij[:, 0], ij[:, 1]] = True
        return img

    whole = fill_holes(ndimage.binary_closing(raster(uv_above), iterations=3))
    # the ring without stray points (outliers that survived, floor noise above the band):
    # cells in connected pieces of 8+ cells
    ijr = _raster(uv_ring, ulo, cell, shape)
    ring_n = np.bincount(ijr[:, 0] * shape[1] + ijr[:, 1], minlength=shape[0] * shape[1])
    ring_img = (ring_n >= 1).reshape(shape)
    pieces, npieces = ndimage.label(ring_img, structure=np.ones((3, 3)))
    piece_size = np.bincount(pieces.ravel(), minlength=npieces + 1)
    piece_size[0] = 0
    ring_img = piece_size[pieces] >= 8
    solid = ring_img[ijr[:, 0], ijr[:, 1]]
    uv_ring, ijr = uv_ring[solid], ijr[solid]
    ring_img = ndimage.binary_closing(ring_img, iterations=2, border_value=0)
    # the interior (2 cells in from the whole foot's outline) bridges gaps in the ring,
    # such as under a raised medial arch
    sil = fill_holes(ring_img | ndimage.binary_erosion(whole, iterations=2))
    core = ndimage.binary_erosion(sil, iterations=1)  # surely under the foot: sole
    edge = ndimage.binary_dilation(sil, iterations=1) & ~core  # decided below the cell size
    ij = _raster(uv_band, ulo, cell, shape)
    is_floor = ~core[ij[:, 0], ij[:, 1]]
    at_edge = np.flatnonzero(edge[ij[:, 0], ij[:, 1]])
    if len(at_edge) and len(uv_ring):
        # Sub-cell decision at the outline: the side wall meets the floor along the mean
        # position of the ring points around a cell; a band point beyond it (along the
        # outward normal of the silhouette) is floor, one inside it is sole.
        gi, gj = np.gradient(ndimage.gaussian_filter(sil.astype(np.float64), 1.5))
        size = shape[0] * shape[1]
        su, sv, cnt = np.zeros(size), np.zeros(size), np.zeros(size)
        for di in (-1, 0, 1):  # 9 offsets, vectorized over the ring points
            for dj in (-1, 0, 1):
                ii = np.clip(ijr[:, 0] + di, 0, shape[0] - 1)
                jj = np.clip(ijr[:, 1] + dj, 0, shape[1] - 1)
                f = ii * shape[1] + jj
                su += np.bincount(f, uv_ring[:, 0], size)
                sv += np.bincount(f, uv_ring[:, 1], size)
                cnt += np.bincount(f, None, size)
        e = ij[at_edge]
        f = e[:, 0] * shape[1] + e[:, 1]
        known = cnt[f] > 0
        out_n = -np.stack([gi[e[:, 0], e[:, 1]], gj[e[:, 0], e[:, 1]]], axis=1)
        wall = np.stack([su[f], sv[f]], axis=1) / np.maximum(cnt[f], 1)[:, None]
        beyond = np.einsum("ij,ij->i", uv_band[at_edge] - wall, out_n) > 0
        is_floor[at_edge[known]] = beyond[known]
    if nrm is not None:  # a normal pointing up in the band is floor, down is sole
        is_floor |= (nrm[inband] @ plane[:3]) > 0.5
    out = np.zeros(len(pts), dtype=bool)
    out[inband[is_floor]] = True
    return out


def _components(grid: _Grid, flat, keep, ndimage):
    """Connected components (26-connectivity) of the voxels holding kept points.

    Returns ``(big, labels, n_background)``: ``big`` lists ``(label, indices)`` of the
    components holding at least 15 % of the points of the largest (largest first, at most
    8), ``labels`` the component of every point (0 for dropped points), and the number of
    kept points in the smaller components (background).
    """
    occ = np.zeros(grid.size, dtype=bool)
    occ[flat[keep]] = True
    occ3 = occ.reshape(grid.shape)
    nz = [np.flatnonzero(occ3.any(axis=ax)) for ax in ((1, 2), (0, 2), (0, 1))]
    if any(len(a) == 0 for a in nz):
        return [], np.zeros(len(flat), dtype=np.int32), 0
    box = tuple(slice(a[0], a[-1] + 1) for a in nz)
    labels = np.zeros(grid.shape, dtype=np.int32)
    labels[box], nlab = ndimage.label(occ3[box], structure=np.ones((3, 3, 3)))
    lab = labels.reshape(-1)[flat]
    lab[~keep] = 0
    sizes = np.bincount(lab, minlength=nlab + 1)
    sizes[0] = 0
    chosen = np.flatnonzero(sizes >= 0.15 * sizes.max())
    chosen = chosen[np.argsort(sizes[chosen])[::-1]][:8]
    big = [(int(b), np.flatnonzero(lab == b)) for b in chosen]
    n_background = int(sizes.sum() - sizes[chosen].sum())
    return big, lab, n_background
