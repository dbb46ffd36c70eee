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

from dataclasses import dataclass, field

import numpy as np

from ._typing import ArrayLike, FloatArray, IntArray
from ._validation import as_points, check_positive
from .exceptions import DegenerateScanError

__all__ = ["FootCloud", "Isolation", "estimate_up", "isolate_feet"]

# --- design choices of the algorithm (not anatomy) ------------------------------------
_DECISION_VOXEL_MM = 4.0  # thinning voxel for the decision set
_DECISION_MAX = 6000  # at most this many decision points
_MAX_GRID_CELLS = 6_000_000  # dense voxel grid budget
_FLOOR_MIN_BAND_MM = 2.0  # floor band half-width never narrower than this
_SILHOUETTE_CELL_MM = 2.0  # floor-plane raster used to keep the sole
# --- foot plausibility (DOMAIN.md section 2: "a foot is 100-350 mm long") -------------
_FOOT_LENGTH_MM = (100.0, 350.0)
_FOOT_RATIO = (1.6, 5.0)  # length / width of a footprint (real feet: 2.3-3.0)


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


def _thin(points: FloatArray, voxel: float, max_points: int, rng) -> IntArray:
    """Indices of one point per occupied voxel (at most ``max_points``, random when more)."""
    n = len(points)
    sub = np.arange(n) if n <= 8 * max_points else rng.choice(n, 8 * max_points, replace=False)
    keys = np.floor(points[sub] / voxel).astype(np.int64)
    keys -= keys.min(axis=0)
    dims = keys.max(axis=0) + 1
    flat = (keys[:, 0] * dims[1] + keys[:, 1]) * dims[2] + keys[:, 2]
    _, first = np.unique(flat, return_index=True)
    idx = sub[first]
    if len(idx) > max_points:
        idx = rng.choice(idx, max_points, replace=False)
    return np.sort(idx)


class _Grid:
    """A dense voxel grid over a box, with point -> cell look-up."""

    def __init__(self, lo: FloatArray, hi: FloatArray, voxel: float):
        ext = np.maximum(hi - lo, voxel)
        cells = np.prod(np.ceil(ext / voxel) + 3)
        if cells > _MAX_GRID_CELLS:
            voxel = float(voxel * (cells / _MAX_GRID_CELLS) ** (1 / 3) * 1.01)
        self.voxel = voxel
        self.lo = lo - voxel  # one empty layer around the points
        self.shape = tuple(int(s) for s in np.ceil((hi - self.lo) / voxel) + 2)

    def ijk(self, points: FloatArray) -> IntArray:
        ijk = ((points - self.lo) / self.voxel).astype(np.intp)
        return np.clip(ijk, 0, np.array(self.shape) - 1)

    def flat(self, points: FloatArray) -> IntArray:
        i = self.ijk(points)
        return np.ravel_multi_index((i[:, 0], i[:, 1], i[:, 2]), self.shape)

    def counts(self, flat: IntArray) -> IntArray:
        return np.bincount(flat, minlength=int(np.prod(self.shape))).reshape(self.shape)


def _neighbour_counts(count_grid: IntArray, flat: IntArray, shape) -> IntArray:
    """Number of points in the 3x3x3 block of voxels around each given cell."""
    cells, inverse = np.unique(flat, return_inverse=True)
    i, j, k = np.unravel_index(cells, shape)
    total = np.zeros(len(cells), dtype=np.int64)
    for di in (-1, 0, 1):  # 27 vectorized gathers, not a loop over points
        for dj in (-1, 0, 1):
            for dk in (-1, 0, 1):
                total += count_grid[
                    np.clip(i + di, 0, shape[0] - 1),
                    np.clip(j + dj, 0, shape[1] - 1),
                    np.clip(k + dk, 0, shape[2] - 1),
                ]
    return total[inverse]


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
    from scipy.spatial import cKDTree

    rng = np.random.default_rng(rng)
    n = len(points)
    k = min(48, n - 1)
    _, nbr = cKDTree(points).query(points, k=k + 1)
    first = rng.integers(0, n, n_hypotheses)
    pick = rng.integers(1, k + 1, (n_hypotheses, 2))
    a = points[first]
    b = points[nbr[first, pick[:, 0]]]
    c = points[nbr[first, pick[:, 1]]]
    normal = np.cross(b - a, c - a)
    length = np.linalg.norm(normal, axis=1)
    ok = length > 1e-9
    normal = normal[ok] / length[ok, None]
    d = -np.einsum("ij,ij->i", normal, a[ok])
    score_set = points if n <= 3000 else points[rng.choice(n, 3000, replace=False)]
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


def _raster(uv: FloatArray, lo: FloatArray, cell: float, shape) -> IntArray:
    ij = ((uv - lo) / cell).astype(np.intp)
    return np.clip(ij, 0, np.array(shape) - 1)


# ======================================================================================
# up direction without a floor
# ======================================================================================


def estimate_up(points: ArrayLike, *, rng=None) -> FloatArray:
    """Estimate the up direction of a standing foot (or two) from its shape alone.

    The sole of a standing foot lies on the floor: whether or not the scan holds the plantar
    surface, the floor plane is the convex hull's bottom support plane, along which the
    points closest to it spread over the whole footprint (long and wide). Candidate planes
    are the hull's large flat facet groups; each is scored by the spread of the points
    within 6 mm of it, which rejects the leg's cut (small, round) and the medial side
    (touched only along a strip).

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
    if len(pts) > _DECISION_MAX:
        pts = pts[_thin(pts, _DECISION_VOXEL_MM, _DECISION_MAX, rng)]
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
    best_up, best_score = None, -np.inf
    for up, area in candidates:
        if area > best_score:
            best_up, best_score = up, area
    if best_up is None:
        raise DegenerateScanError("no support plane found under the points")
    return best_up


# ======================================================================================
# the main entry point
# ======================================================================================


def _describe(extents: FloatArray, n: int) -> str:
    e = np.sort(extents)[::-1]
    return f"{e[0]:.0f} x {e[1]:.0f} x {e[2]:.0f} mm ({n} points)"


def _footprint_extent(points: FloatArray, up: FloatArray) -> tuple[float, float]:
    """Length and width (mm) of the points' projection on the floor (2-98 % spread)."""
    e1, e2 = _plane_basis(up)
    uv = np.stack([points @ e1, points @ e2], axis=1)
    uv -= uv.mean(axis=0)
    _, _, vt = np.linalg.svd(uv, full_matrices=False)
    proj = uv @ vt.T
    ext = np.percentile(proj, 99.5, axis=0) - np.percentile(proj, 0.5, axis=0)
    return float(ext[0]), float(ext[1])


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
    keep = np.ones(n, dtype=bool)

    # ---- outliers: isolated points in a dense voxel grid -------------------------------
    lo = np.percentile(pts[:: max(1, n // 20000)], 0.5, axis=0)
    hi = np.percentile(pts[:: max(1, n // 20000)], 99.5, axis=0)
    margin = np.maximum(0.3 * (hi - lo), 30.0)
    lo, hi = lo - margin, hi + margin
    inside = np.all((pts >= lo) & (pts <= hi), axis=1)
    grid = _Grid(lo, hi, _DECISION_VOXEL_MM)
    flat = grid.flat(pts)
    counts = grid.counts(flat[inside])
    occupied = int((counts > 0).sum())
    spacing = grid.voxel * np.sqrt(1.3 * occupied / max(int(inside.sum()), 1))
    if 2.5 * spacing > 1.5 * grid.voxel:  # sparse cloud: coarser grid keeps it connected
        grid = _Grid(lo, hi, min(2.5 * spacing, 12.0))
        flat = grid.flat(pts)
        counts = grid.counts(flat[inside])
    nb = _neighbour_counts(counts, flat, grid.shape)
    typical = np.median(nb[inside])
    outlier = ~inside | (nb < max(3.0, 0.04 * typical))
    keep &= ~outlier
    n_outliers = int(outlier.sum())

    # ---- decision set ------------------------------------------------------------------
    cand = np.flatnonzero(keep)
    if len(cand) < 50:
        raise DegenerateScanError(
            f"no foot-like object: only {len(cand)} points are not isolated outliers"
        )
    dec = cand[_thin(pts[cand], _DECISION_VOXEL_MM, _DECISION_MAX, rng)]
    D = pts[dec]

    # ---- floor -------------------------------------------------------------------------
    floor_plane, up = _find_floor(D, pts, nrm, keep, rng, notes)
    n_floor = 0
    if floor_plane is not None:
        h = pts @ floor_plane[:3] + floor_plane[3]
        band = _floor_band(D, floor_plane)
        floor_mask = _floor_points(pts, nrm, h, floor_plane, band, keep)
        below = keep & (h < -max(3 * band, 8.0))
        n_floor = int((floor_mask & keep).sum())
        keep &= ~floor_mask
        n_outliers += int((below & keep).sum())
        keep &= ~below
        floor_level = 0.0
    else:
        h = None
        floor_level = 0.0  # set after the background is dropped

    # ---- components on the remaining points --------------------------------------------
    big, n_background = _components(pts, keep, grid, ndimage)
    if not big:
        raise DegenerateScanError("no foot-like object: nothing left after removing the floor")

    if floor_plane is None:
        union = np.concatenate(big[: max_feet + 1])
        sub = union[_thin(pts[union], _DECISION_VOXEL_MM, _DECISION_MAX, rng)]
        up = estimate_up(pts[sub], rng=rng)
        h = pts @ up
        floor_level = float(np.percentile(h[union], 0.2))
        notes.append("no floor visible: up and floor level taken from the lowest plantar points")

    # ---- leg cut and foot checks --------------------------------------------------------
    feet: list[FootCloud] = []
    n_leg = 0
    rejected: list[str] = []
    for idx in big:
        hh = h[idx] - floor_level
        leg = hh > cut
        n_leg += int(leg.sum())
        idx = idx[~leg]
        if len(idx) < 30:
            rejected.append(f"{len(idx)} points below the leg cut")
            n_background += len(idx)
            continue
        length, width = _footprint_extent(pts[idx], up)
        height = float(np.ptp(h[idx]))
        ok_len = _FOOT_LENGTH_MM[0] * 0.8 <= length <= _FOOT_LENGTH_MM[1] * 1.15
        ok_ratio = _FOOT_RATIO[0] <= length / max(width, 1e-9) <= _FOOT_RATIO[1]
        if ok_len and ok_ratio and len(feet) < max_feet:
            feet.append(FootCloud(pts[idx], None if nrm is None else nrm[idx], idx))
        else:
            rejected.append(f"{length:.0f} x {width:.0f} x {height:.0f} mm ({len(idx)} points)")
            n_background += len(idx)
    if not feet:
        what = rejected[0] if rejected else "nothing"
        raise DegenerateScanError(
            f"no foot-like object: largest cluster is {what} (a foot is "
            f"{_FOOT_LENGTH_MM[0]:.0f}-{_FOOT_LENGTH_MM[1]:.0f} mm long and about 2.5-3x "
            "longer than wide)"
        )
    if len(feet) > 1:
        e1, _ = _plane_basis(up)
        feet.sort(key=lambda f: float(np.mean(f.points @ e1)))
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


def _find_floor(D, pts, nrm, keep, rng, notes) -> tuple[FloatArray | None, FloatArray | None]:
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
        off = ~inl & rest
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
    """Floor points: within the band and outside the feet's low outline (the sole stays)."""
    from scipy import ndimage

    inband = keep & (np.abs(h) <= band)
    low = keep & (h > band) & (h <= band + 12.0)
    e1, e2 = _plane_basis(plane[:3])
    sel = inband | low
    uv = np.stack([pts[sel] @ e1, pts[sel] @ e2], axis=1)
    cell = _SILHOUETTE_CELL_MM
    ulo = uv.min(axis=0) - 4 * cell
    shape = tuple(int(s) for s in np.ceil((uv.max(axis=0) - ulo) / cell) + 8)
    ij_all = _raster(uv, ulo, cell, shape)
    low_sel = low[sel]
    sil = np.zeros(shape, dtype=bool)
    sil[ij_all[low_sel, 0], ij_all[low_sel, 1]] = True
    sil = ndimage.binary_closing(sil, iterations=2, border_value=0)
    sil = ndimage.binary_fill_holes(sil)
    inside = sil[ij_all[:, 0], ij_all[:, 1]]
    floor_sel = inband[sel] & ~inside
    if nrm is not None:  # a normal pointing up in the band is floor, down is sole
        facing_up = (nrm[sel] @ plane[:3]) > 0.5
        floor_sel |= inband[sel] & facing_up
    out = np.zeros(len(pts), dtype=bool)
    out[np.flatnonzero(sel)[floor_sel]] = True
    return out


def _components(pts, keep, grid: _Grid, ndimage) -> tuple[list[IntArray], int]:
    """Connected components (26-connectivity) of the kept points' voxels.

    Returns the components holding at least 15 % of the points of the largest one, largest
    first, and the number of points in the smaller ones (background).
    """
    idx = np.flatnonzero(keep)
    if len(idx) == 0:
        return [], 0
    flat = grid.flat(pts[idx])
    occ = np.zeros(int(np.prod(grid.shape)), dtype=bool)
    occ[flat] = True
    labels, nlab = ndimage.label(occ.reshape(grid.shape), structure=np.ones((3, 3, 3)))
    lab = labels.ravel()[flat]
    sizes = np.bincount(lab, minlength=nlab + 1)
    sizes[0] = 0
    big = np.flatnonzero(sizes >= 0.15 * sizes.max())
    big = big[np.argsort(sizes[big])[::-1]][:8]
    comps = [idx[lab == b] for b in big]  # at most 8 masks over the points
    n_background = int(len(idx) - sum(len(c) for c in comps))
    return comps, n_background
