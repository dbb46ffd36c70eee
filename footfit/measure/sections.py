"""Girths: convex-hull perimeters of planar sections of a scanned foot.

A tape measure bridges the hollows of the foot, so a girth is the perimeter of the convex
hull of the section (DOMAIN.md section 3). On a scan the section is the set of points in a
thin slab around the plane, projected onto it. The plain hull of those points is inflated
by the scanner noise (its vertices are the points the noise pushed outward), by about
``2 pi sigma`` and more. So the section is first de-noised: its points are binned by angle
around their centroid and each bin is replaced by the mean of its radially central half
(outliers and the noise cancel, the surface curve stays), and the hull is taken of those
bin means. Where the scan has a hole, or no sole, the hull bridges the gap with a straight
chord, as a tape does across a flat floor.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._typing import ArrayLike, FloatArray
from .._validation import as_points, check_positive

__all__ = ["Section", "hull_perimeter", "plane_section"]


def _cross3(a: FloatArray, b: FloatArray) -> FloatArray:
    """Cross product of two 3-vectors (np.cross costs ~50 us of dispatch per call)."""
    return np.array(
        [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
    )


#: Half thickness of the slab of points taken as a planar section (mm). Chosen on the
#: synthetic scans (benchmarks/evaluate_measurements.py): thinner slabs leave empty bins
#: at 60k points, thicker ones smear sloped surfaces.
SLAB_HALF_MM = 0.75
#: Angular bins of the de-noised section (at most 240, 1.5 deg; at least 60, and about
#: ``POINTS_PER_BIN`` points each in between) and the radius smoothing window (bins).
N_BINS = 240
POINTS_PER_BIN = 4
SMOOTH_BINS = 3
#: Sections with fewer bins than this (under 4 points a bin on average: fewer than 240
#: points, the bin count held at its floor of 60) are not smoothed: three bins of 6 deg
#: span a corner of the outline (where the sole meets the sides) and cut it. 40 synthetic
#: scans of 20k points: instep girth MAE 2.34 mm smoothed (bias -2.3), 1.08 not; at 40k
#: points (60-120 bins) smoothing still pays (instep 0.77 mm, 1.41 without), hence the
#: floor only.
SMOOTH_MIN_BINS = 61
#: Points wanted in a section: with fewer (sparse scans), the slab is widened up to
#: ``MAX_SLAB_HALF_MM``. These four figures were chosen on noisy samplings (sigma 0.5 mm,
#: 60k-300k points) of the Aetrex foot, whose exact mesh sections gave the truth: MAE of
#: nine girths 0.2-0.6 mm, bias within 0.5 mm (the plain hull: +5 to +9 mm).
TARGET_SECTION_POINTS = 2000
MAX_SLAB_HALF_MM = 2.0
#: Fewest points a section needs to be measured.
MIN_SECTION_POINTS = 24


@dataclass(frozen=True)
class Section:
    """A measured planar section.

    Attributes
    ----------
    perimeter_mm : float
        Convex-hull perimeter (the girth).
    polygon : (m, 3) float, mm
        Hull vertices in order, in the frame of the input points (for drawing the tape).
    n_points : int
        Points in the slab.
    """

    perimeter_mm: float
    polygon: FloatArray
    n_points: int


def _hull2d(xy: FloatArray) -> FloatArray:
    """Counter-clockwise convex hull vertices of 2-D points (Qhull through scipy)."""
    from scipy.spatial import ConvexHull, QhullError

    if len(xy) < 3:
        return xy
    try:
        hull = ConvexHull(xy)
    except QhullError:  # collinear or coincident points: no area, no hull
        return xy[:0]
    return xy[hull.vertices]


def hull_perimeter(xy: ArrayLike) -> float:
    """Perimeter of the convex hull of 2-D points.

    Parameters
    ----------
    xy : (n, 2) array_like of float

    Returns
    -------
    float

    Examples
    --------
    >>> hull_perimeter([[0, 0], [2, 0], [2, 1], [0, 1], [1, 0.5]])
    6.0
    """
    a = np.asarray(xy, dtype=np.float64)
    if a.ndim != 2 or a.shape[1] != 2:
        raise ValueError(f"`xy` must have shape (n, 2); got {a.shape}")
    hull = _hull2d(a)
    if len(hull) < 3:
        return 0.0
    return float(np.linalg.norm(np.diff(np.vstack([hull, hull[:1]]), axis=0), axis=1).sum())


def _plane_basis(normal: FloatArray) -> tuple[FloatArray, FloatArray]:
    helper = np.array([0.0, 0.0, 1.0]) if abs(normal[2]) < 0.9 else np.array([1.0, 0.0, 0.0])
    u = _cross3(helper, normal)
    u /= np.linalg.norm(u)
    return u, _cross3(normal, u)


def _denoise_ring(xy: FloatArray, n_bins: int = N_BINS, smooth: int = SMOOTH_BINS) -> FloatArray:
    """De-noised section outline (vectorised): one point per non-empty angular bin.

    Each bin keeps its radially central half (rank 25-75 %, which drops outliers and hollow
    points), and the radius is averaged over ``smooth`` neighbouring bins (weighted by
    points) and placed at the bin's mean angle.
    """
    c = xy.mean(axis=0)
    rel = xy - c
    ang = np.arctan2(rel[:, 1], rel[:, 0])
    r = np.hypot(rel[:, 0], rel[:, 1])
    b = np.minimum(((ang + np.pi) / (2 * np.pi) * n_bins).astype(np.intp), n_bins - 1)
    order = np.lexsort((r, b))
    bs = b[order]
    counts = np.bincount(bs, minlength=n_bins)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = np.arange(len(bs)) - starts[bs]
    cnt = counts[bs]
    lo = np.floor(0.25 * cnt)
    hi = np.ceil(0.75 * cnt)
    central = (rank >= lo) & (rank < np.maximum(hi, lo + 1))
    sel = order[central]
    bsel = bs[central]
    w = np.bincount(bsel, minlength=n_bins).astype(np.float64)
    sc = np.bincount(bsel, weights=np.cos(ang[sel]), minlength=n_bins)
    ss = np.bincount(bsel, weights=np.sin(ang[sel]), minlength=n_bins)
    sr = np.bincount(bsel, weights=r[sel], minlength=n_bins)
    if smooth > 1:
        pad = smooth // 2
        kern = np.ones(2 * pad + 1)

        def circ(a: FloatArray) -> FloatArray:
            return np.convolve(np.concatenate([a[-pad:], a, a[:pad]]), kern, mode="valid")

        sr, wr = circ(sr), circ(w)
    else:
        wr = w
    filled = w > 0
    theta = np.arctan2(ss[filled], sc[filled])
    rad = sr[filled] / wr[filled]
    return c + np.column_stack([rad * np.cos(theta), rad * np.sin(theta)])


def plane_section(
    points: ArrayLike,
    origin: ArrayLike,
    normal: ArrayLike,
    *,
    half_thickness_mm: float = SLAB_HALF_MM,
    denoise: bool = True,
) -> Section | None:
    """Convex-hull girth of the section of a point cloud by a plane.

    Parameters
    ----------
    points : (n, 3) array_like of float, mm
    origin : (3,) array_like of float, mm
        A point of the plane.
    normal : (3,) array_like of float
        Plane normal (normalised here).
    half_thickness_mm : float, default=0.75
        Points within this distance of the plane form the section (widened up to 2 mm
        when de-noising a section of fewer than 2000 points).
    denoise : bool, default=True
        Hull of angular-bin means (see the module notes); ``False`` takes the hull of the
        raw projected points (what a clean mesh section needs; inflated on noisy scans).

    Returns
    -------
    Section or None
        ``None`` when fewer than 24 points lie in the slab.

    References
    ----------
    .. [1] DOMAIN.md section 3: a tape bridges concavities, so a girth is the perimeter of
       the convex hull of the cross-section (AIST; GB/T 3293.1).

    Examples
    --------
    Circle of radius 40 mm (perimeter 251.3 mm) sampled with 0.5 mm noise:

    >>> rng = np.random.default_rng(1)
    >>> t = rng.uniform(0, 2 * np.pi, 4000); z = rng.uniform(-1, 1, 4000)
    >>> p = np.column_stack([40 * np.cos(t), 40 * np.sin(t), z])
    >>> p[:, :2] += rng.normal(scale=0.5, size=(4000, 2))
    >>> s = plane_section(p, [0, 0, 0], [0, 0, 1])
    >>> bool(abs(s.perimeter_mm - 2 * np.pi * 40) < 1.0)
    True
    """
    pts = as_points(points, name="points")
    check_positive(half_thickness_mm, name="half_thickness_mm")
    o = np.asarray(origin, dtype=np.float64).reshape(3)
    n = np.asarray(normal, dtype=np.float64).reshape(3)
    norm = np.linalg.norm(n)
    if not np.isfinite(norm) or norm == 0:
        raise ValueError(f"`normal` must be a finite non-zero vector; got {normal!r}")
    return _section(pts, o, n / norm, half_thickness_mm, denoise)


def _section(
    pts: FloatArray,
    o: FloatArray,
    n: FloatArray,
    half: float = SLAB_HALF_MM,
    denoise: bool = True,
    floor_contact_mm: float | None = None,
) -> Section | None:
    """:func:`plane_section` on validated points and a unit normal.

    ``floor_contact_mm`` (scans without the sole, canonical frame with the floor at z = 0):
    outline points that low are walls running into floor contact the scanner could not
    see at its grazing angle; their drops onto the floor, down the plane's steepest line,
    join the hull, which then runs along the floor as a tape under a standing foot does.
    """
    dist = np.abs(pts @ n - float(o @ n))
    sel = np.flatnonzero(dist <= half)
    if denoise and 0 < sel.size < TARGET_SECTION_POINTS and half < MAX_SLAB_HALF_MM:
        wider = min(MAX_SLAB_HALF_MM, half * TARGET_SECTION_POINTS / sel.size)
        sel = np.flatnonzero(dist <= wider)
    m = int(sel.size)
    if m < MIN_SECTION_POINTS:
        return None
    q = pts[sel] - o
    u, v = _plane_basis(n)
    xy = np.column_stack([q @ u, q @ v])
    if denoise:
        nb = int(np.clip(m // POINTS_PER_BIN, 60, N_BINS))
        xy = _denoise_ring(xy, nb, SMOOTH_BINS if nb >= SMOOTH_MIN_BINS else 1)
    if floor_contact_mm is not None:
        xy = _with_floor_contact(xy, o, u, v, n, floor_contact_mm)
    hull = _hull2d(xy)
    if len(hull) < 3:
        return None
    closed = np.vstack([hull, hull[:1]])
    per = float(np.linalg.norm(np.diff(closed, axis=0), axis=1).sum())
    poly = o + hull[:, :1] * u + hull[:, 1:2] * v
    return Section(perimeter_mm=per, polygon=poly, n_points=m)


def _with_floor_contact(
    xy: FloatArray, o: FloatArray, u: FloatArray, v: FloatArray, n: FloatArray, h: float
) -> FloatArray:
    """``xy`` plus, for its points at most ``h`` mm above the floor, the floor contact.

    A scanner that does not see the sole sees each side wall down to about its widest
    point (below it the surface faces the floor); under it the foot rounds off onto the
    floor. A wall point at height ``z`` is taken to meet the floor ``z`` further in (a
    quarter round): the point reached down the plane's steepest line and ``z`` inward
    along the plane's horizontal.
    """
    g = np.array([0.0, 0.0, -1.0]) - n * (-n[2])  # steepest descent within the plane
    gn = float(np.linalg.norm(g))
    if gn < 1e-6:  # a horizontal plane: no way down within it
        return xy
    g /= gn
    e = _cross3(n, g)  # the plane's horizontal
    z = o[2] + xy[:, 0] * u[2] + xy[:, 1] * v[2]
    low = (z >= 0.0) & (z <= h)
    if not low.any():
        return xy
    g2 = np.array([g @ u, g @ v])
    e2 = np.array([e @ u, e @ v])
    side = np.sign((xy[low] - xy.mean(axis=0)) @ e2)
    zl = z[low]
    drop = xy[low] + (zl / -g[2])[:, None] * g2 - (side * zl)[:, None] * e2
    return np.vstack([xy, drop])
