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
    increasing), so Graham's scan needs no sort: one pass over the curve's 360 samples
    (~0.36 ms, against ~0.6 ms for the general ``footfit._core.hull`` and 2-8 ms for Qhull
    on the busy machine; 13 sections per foot).
    Returns ``None`` when an angular gap between neighbours reaches 170 degrees (the
    polygon need not be star-shaped then; the caller takes the general hull).
    """
    rel = xy - centre
    ang = np.arctan2(rel[:, 1], rel[:, 0])
    gaps = np.diff(np.concatenate([ang, ang[:1] + 2 * np.pi]))
    if len(xy) < 3 or np.any(gaps <= 0) or gaps.max() >= np.radians(170.0):
        return None
    # a few vectorised passes first delete every reflex vertex at once (a run of them is a
    # concave chain, inside the chord that replaces it; the polygon stays star-shaped)
    x, y = xy[:, 0].copy(), xy[:, 1].copy()
    for _ in range(4):
        # neighbours as shifted views of the wrapped columns (np.roll copied (n, 2) rows)
        xw, yw = np.concatenate([x[-1:], x, x[:1]]), np.concatenate([y[-1:], y, y[:1]])
        turn = (x - xw[:-2]) * (yw[2:] - y) - (y - yw[:-2]) * (xw[2:] - x)
        convex = turn > 1e-12
        if convex.all() or convex.sum() < 3:
            break
        x, y = x[convex], y[convex]
    xy = np.column_stack([x, y])
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
def _fourier_tables(n_harm: int, n_samples: int) -> tuple[FloatArray, FloatArray, tuple]:
    """Return harmonic numbers, the Fourier basis and the normal equations' layout.

    The harmonic numbers of the columns ``[1, cos t, sin t, cos 2t, ...]``; the basis
    evaluated at ``n_samples`` even angles (the fitted curve's samples); and, for every
    entry of the normal equations, where its two terms are in the moment vector
    ``v = [sum w cos(m t), sum w sin(m t)], m = 0..2K`` and their signs (the product
    formulas ``cos a cos b = (cos(a - b) + cos(a + b)) / 2`` etc.), so that one gather
    builds the matrix.
    """
    k = np.concatenate([[0], np.repeat(np.arange(1, n_harm + 1), 2)]).astype(np.float64)
    t = np.linspace(-np.pi, np.pi, n_samples, endpoint=False)
    return k, _fourier_design(t, n_harm), _normal_layout(n_harm)


@functools.lru_cache(maxsize=4)
def _sample_tables(n_bins: int, n_samples: int) -> tuple[FloatArray, FloatArray, np.ndarray]:
    """Cosines and sines of the curve's ``n_samples`` even angles, and each one's bin."""
    t = np.linspace(-np.pi, np.pi, n_samples, endpoint=False)
    sample_bin = np.minimum(((t + np.pi) / (2 * np.pi) * n_bins).astype(np.intp), n_bins - 1)
    return np.cos(t), np.sin(t), sample_bin


def _powers(z: np.ndarray, count: int) -> np.ndarray:
    """Rows ``z**0 .. z**(count - 1)`` of complex ``z``, by doubling blocks.

    ``z**(p + j) = z**j * z**p``: a handful of block products instead of ``count`` rows
    of cosines and sines (the rounding grows with the number of products, ~1e-15).
    """
    out = np.zeros((count, len(z)), dtype=np.complex128)
    out[0] = 1.0
    done = 1
    step = z
    while done < count:
        take = min(done, count - done)
        np.multiply(out[:take], step, out=out[done : done + take])
        done += take
        step = out[done - 1] * z
    return out


def _normal_layout(n_harm: int) -> tuple:
    """Index and sign tables of the normal equations (see :func:`_fourier_tables`)."""
    n_mom = 2 * n_harm + 1
    kk = np.arange(n_harm + 1)
    dif = np.abs(kk[:, None] - kk[None, :])
    add = kk[:, None] + kk[None, :]
    sgn = np.sign(kk[:, None] - kk[None, :]).astype(np.float64)
    size = 2 * n_harm + 1
    ci = np.concatenate([[0], np.arange(1, size, 2)])  # columns of cos(k t), k = 0..K
    si = np.arange(2, size, 2)  # columns of sin(k t), k = 1..K
    i1 = np.zeros((size, size), dtype=np.intp)
    i2 = np.zeros((size, size), dtype=np.intp)
    s2 = np.zeros((size, size))
    # cos-cos: (cm[k - l] + cm[k + l]) / 2; sin-sin: (cm[k - l] - cm[k + l]) / 2
    i1[np.ix_(ci, ci)], i2[np.ix_(ci, ci)], s2[np.ix_(ci, ci)] = dif, add, 1.0
    i1[np.ix_(si, si)], i2[np.ix_(si, si)], s2[np.ix_(si, si)] = dif[1:, 1:], add[1:, 1:], -1.0
    # cos(k t) sin(l t): (sm[k + l] - sign(k - l) sm[|k - l|]) / 2, and its transpose
    i1[np.ix_(ci, si)], i2[np.ix_(ci, si)] = n_mom + add[:, 1:], n_mom + dif[:, 1:]
    s2[np.ix_(ci, si)] = -sgn[:, 1:]
    i1[np.ix_(si, ci)], i2[np.ix_(si, ci)] = (n_mom + add[:, 1:]).T, (n_mom + dif[:, 1:]).T
    s2[np.ix_(si, ci)] = -sgn[:, 1:].T
    return i1, i2, s2, ci, si


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
    # the data term counts distinct samples (``n_eff``), not repeated copies: sparse
    # sections are smoothed more (the penalty is a prior on the outline's roughness, the
    # data term the noisy evidence), and repeating every point changes nothing
    n_eff = float(np.unique(xy[:, 0]).size) if n_eff is None else n_eff
    curve, c = _fit_outlines([xy], [w], [n_eff], n_bins, n_harm, penalty, n_samples)[0]
    return (curve, c) if with_centre else curve


def _fit_outlines(
    xys: list[FloatArray], ws: list[FloatArray], n_effs: list[float], n_bins: int,
    n_harm: int, penalty: float, n_samples: int,
) -> list[tuple[FloatArray, FloatArray]]:
    """Fit the outlines of several sections at once: ``[(curve, centre), ...]``.

    One pass of each step over all the sections' points (section ``s`` owns the bins
    ``s * n_bins ...``) and one batched solve: the ten rings of the ankle search cost
    little more than one (each step's fixed cost was most of a section's time).
    """
    n_sec = len(xys)
    sizes = np.array([len(a) for a in xys])
    first = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    sec = np.repeat(np.arange(n_sec), sizes)
    xy, w = np.concatenate(xys), np.concatenate(ws)
    lo = np.column_stack([np.minimum.reduceat(xy[:, k], first) for k in (0, 1)])
    hi = np.column_stack([np.maximum.reduceat(xy[:, k], first) for k in (0, 1)])
    c = 0.5 * (lo + hi)
    rel = xy - c[sec]
    ang = np.arctan2(rel[:, 1], rel[:, 0])
    r = np.hypot(rel[:, 0], rel[:, 1])
    b = np.minimum(((ang + np.pi) / (2 * np.pi) * n_bins).astype(np.intp), n_bins - 1)
    b += sec * n_bins
    n_all = n_sec * n_bins
    order = np.lexsort((r, b))
    bs = b[order]
    # radially central half of each bin, by weight: each point keeps the part of its
    # weight that lies between the bin's 25 % and 75 % weight quantiles (a point repeated
    # k times is k adjacent copies sharing that same part: the bin means do not move)
    ws_ = w[order]
    tot = np.bincount(bs, weights=ws_, minlength=n_all)
    start = np.concatenate([[0.0], np.cumsum(tot)[:-1]])
    above = np.cumsum(ws_) - start[bs]  # weight up to and including each point, in its bin
    keep = np.clip(np.minimum(above, 0.75 * tot[bs]) - np.maximum(above - ws_, 0.25 * tot[bs]),
                   0.0, None)
    wb = np.bincount(bs, weights=keep, minlength=n_all)
    filled = wb > 0
    ao = ang[order]
    sc = np.bincount(bs, weights=keep * np.cos(ao), minlength=n_all)[filled]
    ss = np.bincount(bs, weights=keep * np.sin(ao), minlength=n_all)[filled]
    rb = np.bincount(bs, weights=keep * r[order], minlength=n_all)[filled] / wb[filled]
    tb = np.arctan2(ss, sc)
    fsec = np.flatnonzero(filled) // n_bins  # the section of each filled bin (ascending)
    fstart = np.searchsorted(fsec, np.arange(n_sec))
    wf = wb[filled]
    wn = wf * (np.asarray(n_effs, dtype=np.float64) / np.add.reduceat(wf, fstart))[fsec]
    coef = _solve_series(tb, wn, rb, fstart, n_harm, penalty, n_samples)
    _, basis, _ = _fourier_tables(n_harm, n_samples)
    rad = np.maximum((basis[None, :, :] * coef[:, None, :]).sum(axis=2), 0.0)
    # across a gap in the data wider than OUTLINE_MAX_GAP_BINS (the open bottom of a scan
    # without the sole, a dropout hole) the series would swing out freely: no curve
    # there, the hull bridges the gap with a chord as a tape does
    cos_t, sin_t, sample_bin = _sample_tables(n_bins, n_samples)
    g = OUTLINE_MAX_GAP_BINS
    f = filled.reshape(n_sec, n_bins)
    ext = np.concatenate([f[:, -g:], f, f[:, :g]], axis=1)
    # a bin is drawn when it holds data, or lies in a gap of at most g bins with data on
    # both sides (not past the end of an open outline)
    left = np.zeros(f.shape, dtype=bool)
    right = np.zeros(f.shape, dtype=bool)
    for j in range(1, g + 1):
        left |= ext[:, g - j : g - j + n_bins]
        right |= ext[:, g + j : g + j + n_bins]
    drawn = (f | (left & right))[:, sample_bin]
    return [(c[i] + np.column_stack([rad[i, d] * cos_t[d], rad[i, d] * sin_t[d]]), c[i])
            for i, d in enumerate(drawn)]


def _solve_series(tb: FloatArray, wn: FloatArray, rb: FloatArray, fstart: np.ndarray,
                  n_harm: int, penalty: float, n_samples: int) -> FloatArray:
    """Penalised least-squares Fourier coefficients of each section's bin radii.

    ``tb, wn, rb``: angle, weight and radius of every filled bin, sections one after the
    other (section ``s`` from ``fstart[s]``). Returns ``(n_sections, 2K + 1)``.
    """
    k, _, (i1, i2, s2, ci, si) = _fourier_tables(n_harm, n_samples)
    # normal equations from the weighted trigonometric moments of the bin angles (product
    # formulas), elementwise: as BLAS products these small matrices went to OpenBLAS's
    # threads, which on a busy 2-core machine waited for each other (measure 4x slower).
    # cos(m t) + i sin(m t) = z^m, z = exp(i t): the powers by doubling blocks (rows
    # m = 0..2K) instead of 2 x (2K + 1) cosines and sines per bin
    powers = _powers(np.cos(tb) + 1j * np.sin(tb), 2 * n_harm + 1)
    mom = np.add.reduceat(powers * wn, fstart, axis=1)  # (2K + 1, sections)
    v = np.concatenate([mom.real, mom.imag]).T
    lhs = v[:, i2]
    lhs *= s2
    lhs += v[:, i1]
    lhs *= 0.5
    diag = np.arange(len(k))
    lhs[:, diag, diag] += penalty * k**4
    rmom = np.add.reduceat(powers[: n_harm + 1] * (wn * rb), fstart, axis=1)
    rhs = np.zeros((len(fstart), len(k)))
    rhs[:, ci] = rmom.real.T
    rhs[:, si] = rmom.imag[1:].T
    return np.linalg.solve(lhs, rhs[:, :, None])[:, :, 0]


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
    slab = _slab(pts, o, n, half, denoise, weights)
    if slab is None:
        return None
    xy, w, n_eff, u, v = slab
    centre = None
    if denoise:
        xy, centre = _fit_outline(xy, w, OUTLINE_BINS, OUTLINE_HARMONICS, OUTLINE_PENALTY,
                                  OUTLINE_SAMPLES, n_eff=n_eff, with_centre=True)
    return _girth(xy, centre, o, n, u, v, floor_contact_mm, len(w))


def _sections(pts: FloatArray, origins: list[FloatArray], n: FloatArray,
              weights: FloatArray | None = None) -> list[Section | None]:
    """De-noised sections of ``pts`` by parallel planes through ``origins``, fitted at once."""
    slabs = [_slab(pts, o, n, SLAB_HALF_MM, True, weights) for o in origins]
    have = [s for s in slabs if s is not None]
    fits = iter(_fit_outlines([s[0] for s in have], [s[1] for s in have],
                              [s[2] for s in have], OUTLINE_BINS, OUTLINE_HARMONICS,
                              OUTLINE_PENALTY, OUTLINE_SAMPLES) if have else [])
    out: list[Section | None] = []
    for o, s in zip(origins, slabs, strict=True):
        curve, centre = next(fits) if s is not None else (None, None)
        out.append(None if s is None else _girth(curve, centre, o, n, s[3], s[4], None,
                                                 len(s[1])))
    return out


def _slab(pts: FloatArray, o: FloatArray, n: FloatArray, half: float, denoise: bool,
          weights: FloatArray | None) -> tuple | None:
    """Points of a section's slab in plane coordinates: ``(xy, w, n_eff, u, v)`` or None.

    ``n_eff`` counts the distinct samples (the outline fit's evidence).
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
    if weights is None:  # distinct samples, not repeated copies (see _fit_outline)
        return xy, np.ones(m), float(np.unique(xy[:, 0]).size), u, v
    # working-set cells are distinct samples: their number is the evidence
    return xy, weights[sel], float(m), u, v


def _girth(xy: FloatArray, centre: FloatArray | None, o: FloatArray, n: FloatArray,
           u: FloatArray, v: FloatArray, floor_contact_mm: float | None,
           m: int) -> Section | None:
    """Return the section's girth: the convex hull of its (fitted) outline."""
    hull = None
    if centre is not None and floor_contact_mm is None:
        hull = _hull_star(xy, centre)  # a fitted curve is in angular order: no sort
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
