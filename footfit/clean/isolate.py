"""isolate_feet: floor, outliers, background, leg cut and two feet, on any pose."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from footfit._core.geometry import col_max as _col_max
from footfit._core.geometry import col_min as _col_min
from footfit._core.geometry import plane_basis as _plane_basis
from footfit._core.typing import ArrayLike, BoolArray, FloatArray, IntArray
from footfit._core.validation import as_normals, as_points, check_positive
from footfit._data import load_table
from footfit.clean._geometry import _DECISION_MAX, _DECISION_VOXEL_MM, _Grid
from footfit.clean.floor import _find_floor, _floor_band, _floor_points
from footfit.clean.up import _floor_level, estimate_up
from footfit.exceptions import DegenerateScanError, InvalidParameterError

__all__ = ["FootCloud", "Isolation", "isolate_feet"]

_STRAY_VOXEL_MM = 2.0  # fine voxels for outliers hugging the foot


# --- foot plausibility: footfit/data/foot_detection.json (with the source of every figure) ---
def _limits() -> dict:
    """Load the foot plausibility table."""
    return load_table("foot_detection.json")


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


def _drop_strays(pts: FloatArray, idx: IntArray) -> tuple[IntArray, FloatArray, int]:
    """Drop outliers that float a few mm off the foot's surface.

    The coarse pass keeps every point whose 12 mm voxel block touches the surface; at the
    foot's extremes (heel, toes, MTH1, MTH5) one such point would move a landmark. Here a
    point needs, within its 3x3x3 block of 2 mm voxels, a tenth of the typical count.

    Returns ``(kept indices, their points, number dropped)``.
    """
    sub = np.take(pts, idx, axis=0)  # np.take: 4x faster than fancy indexing of rows
    voxel = _STRAY_VOXEL_MM
    lo, hi = _col_min(sub), _col_max(sub)  # once, not per retry
    for _ in range(2):  # a sparse cloud (a mesh's vertices) gets coarser voxels
        grid = _Grid(lo, hi, voxel)
        flat = grid.flat(sub)
        nb = grid.neighbourhood(grid.counts(flat))[flat]
        typical = float(np.median(nb[:: max(1, len(nb) // 20000)]))
        if typical >= 20.0:
            break
        voxel *= np.sqrt(20.0 / max(typical, 1.0))
    ok = nb >= max(2.0, 0.1 * typical)
    kept = np.flatnonzero(ok)
    return idx[kept], np.take(sub, kept, axis=0), len(idx) - len(kept)


def _split_pair(pts, idx, h, up) -> list[IntArray] | None:
    """Split a cluster holding two touching feet side by side, or return None.

    Seen from above, two feet leave a valley in the point count between them. Across 36
    directions in the floor plane, the split goes along the deepest valley in the middle
    of the cluster (at most a quarter of the counts on both sides), and each side must be
    a foot on its own.
    """
    if len(idx) < 100:  # nothing left below the leg cut (a cluster of leg only)
        return None
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
    The limits, with their sources, are in ``footfit/data/foot_detection.json``.
    """
    if len(points) < 30:
        return f"{n} points"
    e1, e2 = _plane_basis(up)
    uv = np.stack([points @ e1, points @ e2], axis=1)
    uv -= np.array([uv[:, 0].mean(), uv[:, 1].mean()])
    _, _, vt = np.linalg.svd(uv[:: max(1, len(uv) // 5000)], full_matrices=False)
    s = uv @ vt[0]
    t = uv @ vt[1]
    length, width = float(np.ptp(s)), float(np.ptp(t))
    h_lo, h_hi = np.percentile(h, [0.5, 99.5])
    height = float(h_hi - h_lo)
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
    from footfit._core import morphology as ndimage

    pts = as_points(points, name="points", min_points=50)
    nrm = None
    if normals is not None:
        nrm = as_normals(normals, pts)
    cut = check_positive(leg_cut_height_mm, name="leg_cut_height_mm")
    if int(max_feet) != max_feet or max_feet < 1:
        raise InvalidParameterError(f"`max_feet` must be an int >= 1; got {max_feet!r}")
    rng = np.random.default_rng(rng)
    notes: list[str] = []
    tally = {"floor": 0, "outliers": 0, "leg": 0, "background": 0}
    grid, flat, good, keep = _outlier_grid(pts, tally)
    dec, D = _decision_set(pts, grid, flat, good, tally, rng)
    floor_plane, up = _find_floor(D, rng)
    h = None
    if floor_plane is not None:
        h = _remove_floor_and_leg(pts, nrm, D, floor_plane, keep, cut, tally)
    big, lab, tally["background"] = _components(grid, flat, keep, ndimage)
    if not big:
        raise DegenerateScanError("no foot-like object: only a flat surface (the floor) was found")
    floor_level = 0.0
    if floor_plane is None:
        up, h, floor_level = _up_without_floor(pts, D, lab[dec], big, max_feet, rng)
        notes.append("no floor visible: up and floor level taken from the lowest plantar points")
    feet = _pick_feet(pts, nrm, big, h - floor_level, up, cut if floor_plane is None else None,
                      max_feet, tally, notes)
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
        n_floor=tally["floor"],
        n_outliers=tally["outliers"],
        n_leg=tally["leg"],
        n_background=tally["background"],
        notes=tuple(notes),
    )


def _outlier_grid(pts: FloatArray, tally: dict[str, int]) -> tuple[_Grid, IntArray, BoolArray,
                                                                   BoolArray]:
    """Voxel grid of the scan; outliers are points in voxels with few neighbours.

    Points beyond a robust box land in the grid's border layer and count as outliers.
    Returns the grid, every point's voxel, the good voxels and the points kept.
    """
    n = len(pts)
    stride = max(1, n // 20000)
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
    grid.clear_border(counts)
    occ = np.flatnonzero(counts > 0)  # occupied voxels (sums over them, not the grid)
    spacing = grid.voxel * np.sqrt(1.3 * len(occ) / max(int(counts[occ].sum()), 1))
    if 2.5 * spacing > 1.5 * grid.voxel:  # sparse cloud: coarser grid keeps it connected
        grid = _Grid(lo, hi, min(2.5 * spacing, 12.0))
        flat = grid.flat(pts)
        counts = grid.counts(flat)
        grid.clear_border(counts)
        occ = None
    nbv = grid.neighbourhood(counts, occ)
    typical = float(np.median(nbv[flat[::stride]]))
    # a good voxel has enough points around it; empty and border voxels count 0 (never good)
    good = nbv >= np.clip(0.04 * typical, 3.0, 6.0)
    keep = good[flat]
    tally["outliers"] = n - int(np.count_nonzero(keep))
    return grid, flat, good, keep


def _decision_set(
    pts: FloatArray, grid: _Grid, flat: IntArray, good: BoolArray, tally: dict[str, int], rng
) -> tuple[IntArray, FloatArray]:
    """One point per good voxel (at most ``_DECISION_MAX``): indices and points."""
    n = len(pts)
    rep = np.full(grid.size, -1, dtype=np.int32)
    rep[flat] = np.arange(n, dtype=np.int32)
    dec = rep[good].astype(np.intp)
    if len(dec) < 20:
        raise DegenerateScanError(
            f"no foot-like object: only {n - tally['outliers']} points are not isolated "
            "outliers"
        )
    if len(dec) > _DECISION_MAX:
        dec = np.sort(rng.choice(dec, _DECISION_MAX, replace=False))
    return dec, np.take(pts, dec, axis=0)


def _remove_floor_and_leg(
    pts: FloatArray, nrm: FloatArray | None, D: FloatArray, floor_plane: FloatArray,
    keep: BoolArray, cut: float, tally: dict[str, int],
) -> FloatArray:
    """Drop the floor (not the sole seen through it), what lies below it and the leg.

    Updates ``keep`` in place; returns every point's height above the floor.
    """
    h = pts @ floor_plane[:3]
    h += floor_plane[3]
    band = _floor_band(D, floor_plane)
    floor = _floor_points(pts, nrm, h, floor_plane, band, keep)
    tally["floor"] = int(np.count_nonzero(floor))
    keep &= ~floor
    below = keep & (h < -max(3 * band, 8.0))
    tally["outliers"] += int(np.count_nonzero(below))
    leg = keep & (h > cut)
    tally["leg"] = int(np.count_nonzero(leg))
    keep &= ~(below | leg)
    return h


def _up_without_floor(
    pts: FloatArray, D: FloatArray, lab_dec: IntArray, big: list, max_feet: int, rng
) -> tuple[FloatArray, FloatArray, float]:
    """Up from the shape and the floor level from the lowest plantar points (no floor)."""
    in_big = np.isin(lab_dec, [b for b, _ in big[: max_feet + 1]])
    _check_not_flat(D[in_big])
    up = estimate_up(D[in_big], rng=rng)
    h = pts @ up
    union = np.concatenate([idx for _, idx in big[: max_feet + 1]])
    floor_level = _floor_level(h[union[:: max(1, len(union) // 50000)]])[0]
    return up, h, floor_level


def _pick_feet(
    pts: FloatArray, nrm: FloatArray | None, big: list, h: FloatArray, up: FloatArray,
    leg_cut: float | None, max_feet: int, tally: dict[str, int], notes: list[str],
) -> list[FootCloud]:
    """Keep the foot-like components (splitting two touching feet), up to ``max_feet``.

    ``h`` is the height above the floor; ``leg_cut`` (scans without a floor) removes the
    leg here, per component.
    """
    feet: list[FootCloud] = []
    rejected: list[str] = []
    for _, idx in big:
        hh = h[idx]
        if leg_cut is not None:
            leg = hh > leg_cut
            tally["leg"] += int(np.count_nonzero(leg))
            idx, hh = idx[~leg], hh[~leg]
        step = max(1, len(idx) // 20000)  # shape checks on a strided subset
        problem = _not_foot_like(pts[idx[::step]], hh[::step], up, n=len(idx))
        parts = [idx]
        if problem is not None and max_feet - len(feet) >= 2:
            halves = _split_pair(pts, idx, h, up)
            if halves is not None:
                parts, problem = halves, None
                notes.append("two touching feet split along the gap between them")
        for part in parts:
            if problem is None and len(feet) < max_feet:
                part, part_pts, n_strays = _drop_strays(pts, part)
                tally["outliers"] += n_strays
                part_nrm = None if nrm is None else np.take(nrm, part, axis=0)
                feet.append(FootCloud(part_pts, part_nrm, part))
            else:
                rejected.append(problem or "a further foot-like cluster")
                tally["background"] += len(part)
    if not feet:
        raise DegenerateScanError(f"no foot-like object: largest cluster is {rejected[0]}")
    return feet


def _components(grid: _Grid, flat, keep, ndimage):
    """Label the connected components (26-connectivity) of the voxels holding kept points.

    Returns ``(big, labels, n_background)``: ``big`` lists ``(label, indices)`` of the
    components holding at least 15 % of the points of the largest (largest first, at most
    8), ``labels`` the component of every point (0 for dropped points), and the number of
    kept points in the smaller components (background).
    """
    occ = np.zeros(grid.size, dtype=bool)
    occ[np.compress(keep, flat)] = True  # compress: 3x faster than a boolean index
    occ3 = occ.reshape(grid.shape)
    cells = np.flatnonzero(occ)  # the bounding box of the occupied voxels, from their keys
    if len(cells) == 0:
        return [], np.zeros(len(flat), dtype=np.int32), 0
    i, rest = np.divmod(cells, grid.shape[1] * grid.shape[2])  # i ascends with the key
    j, k = np.divmod(rest, grid.shape[2])
    box = (slice(i[0], i[-1] + 1), slice(j.min(), j.max() + 1), slice(k.min(), k.max() + 1))
    labels = np.zeros(grid.shape, dtype=np.int32)
    labels[box], nlab = ndimage.label(occ3[box], structure=np.ones((3, 3, 3)))
    lab = labels.reshape(-1)[flat]
    np.multiply(lab, keep, out=lab)  # dropped points: label 0
    sizes = np.bincount(lab, minlength=nlab + 1)
    sizes[0] = 0
    chosen = np.flatnonzero(sizes >= 0.15 * sizes.max())
    chosen = chosen[np.argsort(sizes[chosen])[::-1]][:8]
    big = [(int(b), np.flatnonzero(lab == b)) for b in chosen]
    n_background = int(sizes.sum() - sizes[chosen].sum())
    return big, lab, n_background
