"""Girths: convex-hull perimeters of planar sections of a scanned foot.

A tape measure bridges the hollows of the foot, so a girth is the perimeter of the convex
hull of the section (DOMAIN.md section 3). On a scan the section is the set of points in a
thin slab around the plane, projected onto it. The plain hull of those points is inflated
by the scanner noise (its vertices are the points the noise pushed outward), by about
``2 pi sigma`` and more. So the outline is fitted first: the points are put in polar form
about the section's centre, binned by angle, each bin reduced to the mean radius of its
radially central half (outliers and hollow points drop out, the noise averages), and a
smooth closed curve -- a Fourier series in the angle, with a roughness penalty (a periodic
smoothing spline in the Fourier basis) -- is fitted to the bin radii, weighted by their
points. The girth is the perimeter of the convex hull of that curve (the tape's bridging).
The fit's parameters are geometric (angles, a penalty on curvature), not counts of points,
so the girth does not drift with the density of the scan (20k to 1M points) and repeating
every point changes nothing. Where the scan has a hole, or no sole, the hull bridges the
gap with a straight chord, as a tape does across a flat floor.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from footfit._core.typing import ArrayLike, FloatArray
from footfit._core.validation import as_points, check_positive
from footfit.exceptions import InvalidParameterError

__all__ = ["Section", "fit_outline", "hull_perimeter", "plane_section"]


def _cross3(a: FloatArray, b: FloatArray) -> FloatArray:
    """Cross product of two 3-vectors (np.cross costs ~50 us of dispatch per call)."""
    return np.array(
        [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
    )


#: Half thickness of the slab of points taken as a planar section (mm). Chosen on the
#: synthetic scans (benchmarks/evaluate_measurements.py): thinner slabs leave empty bins
#: at 60k points, thicker ones smear sloped surfaces.
SLAB_HALF_MM = 0.75
#: Points wanted in a section: with fewer (sparse scans), the slab is widened up to
#: ``MAX_SLAB_HALF_MM``. These four figures were chosen on noisy samplings (sigma 0.5 mm,
#: 60k-300k points) of the Aetrex foot, whose exact mesh sections gave the truth: MAE of
#: nine girths 0.2-0.6 mm, bias within 0.5 mm (the plain hull: +5 to +9 mm).
TARGET_SECTION_POINTS = 2000
MAX_SLAB_HALF_MM = 2.0
#: Fewest points a section needs to be measured.
MIN_SECTION_POINTS = 24
#: Fitted outline (:func:`fit_outline`): angular bins (2 deg), harmonics of the Fourier
#: series, roughness penalty (on ``k^4`` times a harmonic's squared amplitude, against a
#: data term that counts the section's distinct points: a section of 2000 points keeps
#: harmonics up to about 22, one of 200 up to about 12) and points on the fitted curve
#: (every 1 deg: the chords of a 1 deg polygon shorten a 50 mm radius's perimeter by
#: 0.004 mm; every 0.5 deg only doubled the hull's time) whose hull gives the girth. The
#: penalty was chosen on 25 synthetic
#: scans at 100k and 20k points (benchmarks/evaluate_measurements.py --points): ball /
#: instep girth MAE 0.61 / 0.34 and 1.24 / 1.22 mm at 2e-3; at 4e-4 the residual wiggles
#: add to the hull (ball bias +0.43 and +0.96 mm), at 2e-2 the corners are cut (instep
#: bias -0.93 and -1.92 mm).
OUTLINE_BINS = 180
OUTLINE_HARMONICS = 48
OUTLINE_PENALTY = 2e-3
OUTLINE_SAMPLES = 360
#: The fitted curve is drawn only within this many bins (2 deg each) of a bin with data.
OUTLINE_MAX_GAP_BINS = 2


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
    """Counter-clockwise convex hull vertices of 2-D points (``footfit._core.hull``)."""
    from footfit._core.hull import hull_2d_or_none

    if len(xy) < 3:
        return xy
    hull = hull_2d_or_none(xy)
    if hull is None:  # collinear or coincident points: no area, no hull
        return xy[:0]
    return xy[hull.vertices]


def _hull_star(xy: FloatArray, centre: FloatArray) -> FloatArray | None:
    """Convex hull of points in angular order about an interior ``centre`` (a fitted outline).

    The points form a polygon star-shaped about ``centre`` (a polar curve ``r(t)``, ``t``
    increasing), so Graham's scan needs no sort: one pass over the curve's 360 samples, where
    Qhull cost 2-8 ms per section on the busy machine (13 sections per foot).
    Returns ``None`` when an angular gap between neighbours reaches 170 degrees (the
    polygon need not be star-shaped then; the caller takes Qhull).
    """
    rel = xy - centre
    ang = np.arctan2(rel[:, 1], rel[:, 0])
    gaps = np.diff(np.concatenate([ang, ang[:1] + 2 * np.pi]))
    if len(xy) < 3 or np.any(gaps <= 0) or gaps.max() >= np.radians(170.0):
        return None
    # a few vectorised passes first delete every reflex vertex at once (a run of them is a
    # concave chain, inside the chord that replaces it; the polygon stays star-shaped)
    for _ in range(4):
        prev, nxt = np.roll(xy, 1, axis=0), np.roll(xy, -1, axis=0)
        turn = ((xy[:, 0] - prev[:, 0]) * (nxt[:, 1] - xy[:, 1])
                - (xy[:, 1] - prev[:, 1]) * (nxt[:, 0] - xy[:, 0]))
        convex = turn > 1e-12
        if convex.all() or convex.sum() < 3:
            break
        xy = xy[convex]
    # then Graham's scan in the given angular order, from a hull vertex (the lowest
    # point), as plain floats: one pass over the remaining samples
    start = int(np.argmin(xy[:, 1] * 1e6 + xy[:, 0]))
    order = np.roll(np.arange(len(xy)), -start)
    xs, ys = xy[order, 0].tolist(), xy[order, 1].tolist()
    hx, hy = [xs[0]], [ys[0]]
    for qx, qy in zip(xs[1:] + xs[:1], ys[1:] + ys[:1], strict=True):
        while len(hx) >= 2 and ((hx[-1] - hx[-2]) * (qy - hy[-2])
                                - (hy[-1] - hy[-2]) * (qx - hx[-2])) <= 1e-12:
            hx.pop()
            hy.pop()
        hx.append(qx)
        hy.append(qy)
    px, py = np.array(hx[:-1]), np.array(hy[:-1])  # the last is the start again
    return np.column_stack([px, py])


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
        raise InvalidParameterError(f"`xy` must have shape (n, 2); got {a.shape}")
    hull = _hull2d(a)
    if len(hull) < 3:
        return 0.0
    return float(np.linalg.norm(np.diff(np.vstack([hull, hull[:1]]), axis=0), axis=1).sum())


def _plane_basis(normal: FloatArray) -> tuple[FloatArray, FloatArray]:
    helper = np.array([0.0, 0.0, 1.0]) if abs(normal[2]) < 0.9 else np.array([1.0, 0.0, 0.0])
    u = _cross3(helper, normal)
    u /= np.linalg.norm(u)
    return u, _cross3(normal, u)


@functools.lru_cache(maxsize=4)
def _fourier_tables(n_harm: int, n_samples: int) -> tuple[FloatArray, FloatArray]:
    """Return harmonic numbers and the Fourier basis at ``n_samples`` even angles.

    The harmonic numbers of the columns ``[1, cos t, sin t, cos 2t, ...]`` and the basis
    evaluated at ``n_samples`` even angles (the fitted curve's samples).
    """
    k = np.concatenate([[0], np.repeat(np.arange(1, n_harm + 1), 2)]).astype(np.float64)
    t = np.linspace(-np.pi, np.pi, n_samples, endpoint=False)
    return k, _fourier_design(t, n_harm)


def _fourier_design(t: FloatArray, n_harm: int) -> FloatArray:
    """Columns ``1, cos t, sin t, ..., cos Kt, sin Kt`` at the angles ``t``."""
    kt = t[:, None] * np.arange(1, n_harm + 1)[None, :]
    out = np.ones((len(t), 2 * n_harm + 1))
    out[:, 1::2] = np.cos(kt)
    out[:, 2::2] = np.sin(kt)
    return out


def fit_outline(
    xy: ArrayLike,
    weights: ArrayLike | None = None,
    *,
    n_bins: int = OUTLINE_BINS,
    n_harmonics: int = OUTLINE_HARMONICS,
    penalty: float = OUTLINE_PENALTY,
    n_samples: int = OUTLINE_SAMPLES,
) -> FloatArray:
    """Fit a smooth closed curve to the outer boundary of noisy 2-D section points.

    The points are put in polar form about the centre of their bounding box, binned by
    angle, and each bin is reduced to the mean angle and radius of its radially central
    half (ranks 25-75 %: outliers and points of a hollow drop out). A Fourier series
    ``r(t)`` with a penalty on its roughness (``penalty * k^4`` per harmonic ``k``, the
    periodic smoothing spline in this basis) is fitted to the bin radii by weighted least
    squares, the weights being the bins' shares of the (weighted) points: repeating every
    point, or sampling the section more densely, leaves the weights as they were.

    Parameters
    ----------
    xy : (n, 2) array_like of float
    weights : (n,) array_like of float, optional
        Points each sample stands for (a cell mean of the working set); 1 by default.
    n_bins, n_harmonics, penalty, n_samples
        See the module constants ``OUTLINE_*``.

    Returns
    -------
    (m, 2) float
        The curve at even angles about the centre, in order (``m <= n_samples``: no
        samples across a gap of more than a few bins without data).

    Examples
    --------
    An ellipse with 0.5 mm noise: the perimeter of the fitted curve is within 0.5 mm of the
    exact 242.2 mm, and the same when every point is repeated.

    >>> rng = np.random.default_rng(0)
    >>> t = rng.uniform(0, 2 * np.pi, 3000)
    >>> xy = np.column_stack([50 * np.cos(t), 25 * np.sin(t)])
    >>> xy += rng.normal(scale=0.5, size=xy.shape)
    >>> def per(c): return float(np.linalg.norm(c - np.roll(c, 1, axis=0), axis=1).sum())
    >>> bool(abs(per(fit_outline(xy)) - 242.2) < 0.5)
    True
    >>> bool(abs(per(fit_outline(np.vstack([xy, xy]))) - per(fit_outline(xy))) < 1e-9)
    True
    """
    a = np.asarray(xy, dtype=np.float64)
    if a.ndim != 2 or a.shape[1] != 2 or len(a) < 3:
        raise InvalidParameterError(f"`xy` must have shape (n, 2) with n >= 3; got {a.shape}")
    w = np.ones(len(a)) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape != (len(a),):
        raise InvalidParameterError(f"`weights` must have shape ({len(a)},); got {w.shape}")
    return _fit_outline(a, w, n_bins, n_harmonics, penalty, n_samples)


def _fit_outline(
    xy: FloatArray, w: FloatArray, n_bins: int, n_harm: int, penalty: float, n_samples: int,
    n_eff: float | None = None, with_centre: bool = False,
) -> FloatArray | tuple[FloatArray, FloatArray]:
    """:func:`fit_outline` on validated input; ``with_centre`` also returns the polar centre."""
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    c = 0.5 * (lo + hi)
    rel = xy - c
    ang = np.arctan2(rel[:, 1], rel[:, 0])
    r = np.hypot(rel[:, 0], rel[:, 1])
    b = np.minimum(((ang + np.pi) / (2 * np.pi) * n_bins).astype(np.intp), n_bins - 1)
    order = np.lexsort((r, b))
    bs = b[order]
    # radially central half of each bin, by weight: each point keeps the part of its
    # weight that lies between the bin's 25 % and 75 % weight quantiles (a point repeated
    # k times is k adjacent copies sharing that same part: the bin means do not move)
    ws = w[order]
    tot = np.bincount(bs, weights=ws, minlength=n_bins)
    start = np.concatenate([[0.0], np.cumsum(tot)[:-1]])
    above = np.cumsum(ws) - start[bs]  # weight up to and including each point, in its bin
    keep = np.clip(np.minimum(above, 0.75 * tot[bs]) - np.maximum(above - ws, 0.25 * tot[bs]),
                   0.0, None)
    wb = np.bincount(bs, weights=keep, minlength=n_bins)
    filled = wb > 0
    ao = ang[order]
    sc = np.bincount(bs, weights=keep * np.cos(ao), minlength=n_bins)[filled]
    ss = np.bincount(bs, weights=keep * np.sin(ao), minlength=n_bins)[filled]
    rb = np.bincount(bs, weights=keep * r[order], minlength=n_bins)[filled] / wb[filled]
    tb = np.arctan2(ss, sc)
    # the data term counts distinct samples (``n_eff``), not repeated copies: sparse
    # sections are smoothed more (the penalty is a prior on the outline's roughness, the
    # data term the noisy evidence), and repeating every point changes nothing
    n_eff = float(np.unique(xy[:, 0]).size) if n_eff is None else n_eff
    wn = wb[filled] * (n_eff / wb[filled].sum())
    k, basis = _fourier_tables(n_harm, n_samples)
    # normal equations from the weighted trigonometric moments of the bin angles (product
    # formulas), elementwise: as BLAS products these small matrices went to OpenBLAS's
    # threads, which on a busy 2-core machine waited for each other (measure 4x slower)
    m = np.arange(2 * n_harm + 1, dtype=np.float64)
    mt = tb[:, None] * m[None, :]
    cos_m, sin_m = np.cos(mt), np.sin(mt)
    cm = (wn[:, None] * cos_m).sum(axis=0)
    sm = (wn[:, None] * sin_m).sum(axis=0)
    kk = np.arange(n_harm + 1)
    dif = np.abs(kk[:, None] - kk[None, :])
    sgn = np.sign(kk[:, None] - kk[None, :])
    add = kk[:, None] + kk[None, :]
    cc = 0.5 * (cm[dif] + cm[add])
    ss_ = 0.5 * (cm[dif] - cm[add])
    cs = 0.5 * (sm[add] - sgn * sm[dif])  # sum of w cos(k t) sin(l t), k rows, l columns
    size = 2 * n_harm + 1
    lhs = np.zeros((size, size))
    ci = np.concatenate([[0], np.arange(1, size, 2)])  # columns of cos(k t), k = 0..K
    si = np.arange(2, size, 2)  # columns of sin(k t), k = 1..K
    lhs[np.ix_(ci, ci)] = cc
    lhs[np.ix_(si, si)] = ss_[1:, 1:]
    lhs[np.ix_(ci, si)] = cs[:, 1:]
    lhs[np.ix_(si, ci)] = cs[:, 1:].T
    lhs[np.diag_indices_from(lhs)] += penalty * k**4
    wr = wn * rb
    rhs = np.zeros(size)
    rhs[ci] = (wr[:, None] * cos_m[:, : n_harm + 1]).sum(axis=0)
    rhs[si] = (wr[:, None] * sin_m[:, 1 : n_harm + 1]).sum(axis=0)
    coef = np.linalg.solve(lhs, rhs)
    rad = np.maximum((basis * coef).sum(axis=1), 0.0)
    t = np.linspace(-np.pi, np.pi, n_samples, endpoint=False)
    # across a gap in the data wider than OUTLINE_MAX_GAP_BINS (the open bottom of a scan
    # without the sole, a dropout hole) the series would swing out freely: no curve
    # there, the hull bridges the gap with a chord as a tape does
    sample_bin = np.minimum(((t + np.pi) / (2 * np.pi) * n_bins).astype(np.intp), n_bins - 1)
    g = OUTLINE_MAX_GAP_BINS
    f = filled.astype(np.intp)
    ext = np.concatenate([f[-g:], f, f[:g]])
    # a bin is drawn when it holds data, or lies in a gap of at most g bins with data on
    # both sides (not past the end of an open outline)
    left = np.zeros(n_bins, dtype=bool)
    right = np.zeros(n_bins, dtype=bool)
    for j in range(1, g + 1):
        left |= ext[g - j : g - j + n_bins] > 0
        right |= ext[g + j : g + j + n_bins] > 0
    near = filled | (left & right)
    keep = near[sample_bin]
    curve = c + np.column_stack([rad[keep] * np.cos(t[keep]), rad[keep] * np.sin(t[keep])])
    return (curve, c) if with_centre else curve


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
        when de-noising a section of fewer than 2000 distinct points).
    denoise : bool, default=True
        Hull of the fitted outline (:func:`fit_outline`); ``False`` takes the hull of the
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
        raise InvalidParameterError(f"`normal` must be a finite non-zero vector; got {normal!r}")
    return _section(pts, o, n / norm, half_thickness_mm, denoise)


def _section(
    pts: FloatArray,
    o: FloatArray,
    n: FloatArray,
    half: float = SLAB_HALF_MM,
    denoise: bool = True,
    floor_contact_mm: float | None = None,
    weights: FloatArray | None = None,
) -> Section | None:
    """:func:`plane_section` on validated points and a unit normal.

    ``weights`` (optional, per point): the points each sample stands for (working-set cell
    means), used by the outline fit.

    ``floor_contact_mm`` (scans without the sole, canonical frame with the floor at z = 0):
    outline points that low are walls running into floor contact the scanner could not
    see at its grazing angle; their drops onto the floor, down the plane's steepest line,
    join the hull, which then runs along the floor as a tape under a standing foot does.
    """
    dist = np.abs(pts @ n - float(o @ n))
    sel = np.flatnonzero(dist <= half)
    if denoise and 0 < sel.size < TARGET_SECTION_POINTS and half < MAX_SLAB_HALF_MM:
        # a sparse section: widen the slab. Distinct points are counted (a point repeated
        # is no new sample of the surface), so repeating every point changes nothing.
        m_distinct = sel.size if weights is not None else np.unique(dist[sel]).size
        wider = min(MAX_SLAB_HALF_MM, half * TARGET_SECTION_POINTS / m_distinct)
        sel = np.flatnonzero(dist <= wider)
    m = int(sel.size)
    if m < MIN_SECTION_POINTS:
        return None
    q = pts[sel] - o
    u, v = _plane_basis(n)
    xy = np.column_stack([q @ u, q @ v])
    hull = None
    if denoise:
        w = np.ones(m) if weights is None else weights[sel]
        # working-set cells are distinct samples: their number is the evidence
        xy, centre = _fit_outline(xy, w, OUTLINE_BINS, OUTLINE_HARMONICS, OUTLINE_PENALTY,
                                  OUTLINE_SAMPLES,
                                  n_eff=float(m) if weights is not None else None,
                                  with_centre=True)
        if floor_contact_mm is None:
            hull = _hull_star(xy, centre)  # the curve is in angular order: no Qhull
    if floor_contact_mm is not None:
        xy = _with_floor_contact(xy, o, u, v, n, floor_contact_mm)
    if hull is None:
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
