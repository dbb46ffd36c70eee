"""Anatomical landmarks of an aligned foot, found by windowed extremes of the surface.

Every landmark is the extreme point of the surface in a window fixed by
``docs/measurement_conventions.md`` (after DOMAIN.md section 3). The extreme of a noisy
point cloud is biased outward by the noise (the largest of many noisy samples), so each
extreme is taken on a local quadric fitted to the points around the raw extreme: the
fitted surface averages the noise of a few hundred points away, and its maximum over the
window is the landmark.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from footfit._core.typing import ArrayLike, BoolArray, FloatArray
from footfit._core.validation import as_points
from footfit.exceptions import InvalidParameterError

__all__ = ["LANDMARK_NAMES", "Landmarks", "surface_extreme"]


def _cross3(a: FloatArray, b: FloatArray) -> FloatArray:
    """Cross product of two 3-vectors (np.cross costs ~50 us of dispatch per call)."""
    return np.array(
        [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
    )


#: Landmark names, in report order.
LANDMARK_NAMES: tuple[str, ...] = (
    "pternion",
    "akropodion",
    "hallux_tip",
    "second_toe_tip",
    "mth1",
    "mth5",
    "instep_point",
    "heel_centre",
    "lateral_malleolus",
    "medial_malleolus",
)


@dataclass(frozen=True)
class Landmarks:
    """Landmarks of one foot (mm); each a ``(3,)`` array, or ``None`` when out of the scan.

    Attributes
    ----------
    pternion : (3,) float or None
        Rearmost point of the heel (min y).
    akropodion : (3,) float or None
        Foremost point (tip of the longest toe, max y).
    hallux_tip, second_toe_tip : (3,) float or None
        Foremost points of the big toe (x <= -10 mm) and the 2nd toe (abs(x) <= 5 mm).
    mth1, mth5 : (3,) float or None
        Metatarsale tibiale (most medial, 60-80 % FL) and fibulare (most lateral, 55-75 %).
    instep_point : (3,) float or None
        Highest point at 55 % FL.
    heel_centre : (3,) float or None
        Mid-point of the heel-width extremes, on the floor.
    lateral_malleolus, medial_malleolus : (3,) float or None
        Most lateral / medial points at 10-35 % FL between 40 and 100 mm height; ``None``
        when the scan stops below 60 mm.

    References
    ----------
    .. [1] AIST / GB/T 3293.1 landmark definitions via DOMAIN.md section 3;
       docs/measurement_conventions.md "Landmarks".
    """

    pternion: FloatArray | None = None
    akropodion: FloatArray | None = None
    hallux_tip: FloatArray | None = None
    second_toe_tip: FloatArray | None = None
    mth1: FloatArray | None = None
    mth5: FloatArray | None = None
    instep_point: FloatArray | None = None
    heel_centre: FloatArray | None = None
    lateral_malleolus: FloatArray | None = None
    medial_malleolus: FloatArray | None = None

    def to_dict(self) -> dict[str, list[float] | None]:
        """Return ``{name: [x, y, z] or None}`` (JSON-ready)."""
        out: dict[str, list[float] | None] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            out[f.name] = None if v is None else [float(c) for c in v]
        return out

    def transformed(self, matrix: ArrayLike) -> Landmarks:
        """Return the landmarks mapped by a ``(4, 4)`` homogeneous transform.

        Parameters
        ----------
        matrix : (4, 4) array_like of float
            E.g. ``np.linalg.inv(aligned.transform)`` to go back to the input frame.

        Returns
        -------
        Landmarks

        Examples
        --------
        >>> lm = Landmarks(pternion=np.zeros(3))
        >>> shift = np.eye(4); shift[:3, 3] = [1, 2, 3]
        >>> lm.transformed(shift).pternion.tolist(), lm.transformed(shift).mth1
        ([1.0, 2.0, 3.0], None)
        """
        m = np.asarray(matrix, dtype=np.float64)
        if m.shape != (4, 4) or not np.isfinite(m).all():
            raise InvalidParameterError(
                f"`matrix` must be a finite (4, 4) array; got shape {m.shape}")
        kw: dict[str, Any] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            kw[f.name] = None if v is None else m[:3, :3] @ v + m[:3, 3]
        return Landmarks(**kw)


def _basis(d: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Two unit vectors orthogonal to ``d`` and to each other."""
    helper = np.array([1.0, 0.0, 0.0]) if abs(d[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
    u = _cross3(d, helper)
    u /= np.linalg.norm(u)
    return u, _cross3(d, u)


def surface_extreme(
    points: ArrayLike,
    direction: ArrayLike,
    *,
    mask: BoolArray | None = None,
    radius_mm: float = 6.0,
    depth_mm: float = 4.0,
) -> FloatArray | None:
    """Extreme point of the surface along ``direction`` within ``mask``, de-noised.

    The raw extreme (skipping stray points with fewer than 12 neighbours: outliers the
    cleaning left) is refined by a least-squares quadric ``h(u, v)`` of the height
    ``h = p . direction`` over every point within ``radius_mm`` (across ``direction``) and
    ``depth_mm`` below it, with one pass of 3-sigma (MAD) trimming. The answer is the
    masked neighbour whose fitted height is largest, moved onto the fitted surface.

    Parameters
    ----------
    points : (n, 3) array_like of float, mm
    direction : (3,) array_like of float
        Direction of the extreme (normalised here).
    mask : (n,) bool, optional
        Window the extreme must lie in (the fit uses neighbours outside it too).
    radius_mm : float, default=6.0
    depth_mm : float, default=4.0

    Returns
    -------
    (3,) ndarray of float64 or None
        ``None`` when the window is empty or holds only stray points.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> v = rng.normal(size=(20000, 3)); v /= np.linalg.norm(v, axis=1, keepdims=True)
    >>> p = 50 * v + rng.normal(scale=0.5, size=v.shape)     # sphere r = 50, noise 0.5
    >>> bool(abs(surface_extreme(p, [0, 1, 0])[1] - 50) < 0.3), bool(p[:, 1].max() > 51)
    (True, True)
    """
    pts = as_points(points, name="points")
    d = np.asarray(direction, dtype=np.float64).reshape(3)
    d = d / np.linalg.norm(d)
    return _extreme(pts, pts @ d, d, mask, radius_mm, depth_mm)


def _extreme(
    pts: FloatArray,
    h: FloatArray,
    d: FloatArray,
    mask: BoolArray | None,
    radius_mm: float = 6.0,
    depth_mm: float = 4.0,
) -> FloatArray | None:
    """:func:`surface_extreme` on validated points with the heights ``h = pts @ d`` given.

    Only three passes touch every point (the window, and the two sides of the depth band);
    the quadric is fitted on the few hundred neighbours.
    """
    if mask is None:
        idx = np.arange(len(pts))
    else:
        idx = np.flatnonzero(mask)
    if idx.size == 0:
        return None
    # a sparse cloud (a 3 mm voxel grid, say) has too few points in the disc: widen it
    for scale in (1.0, 1.5, 2.25):
        p = _extreme_at(pts, h, d, mask, idx, radius_mm * scale, depth_mm * scale)
        if p is not None:
            return p
    return None


def _extreme_at(
    pts: FloatArray,
    h: FloatArray,
    d: FloatArray,
    mask: BoolArray | None,
    idx: np.ndarray,
    radius_mm: float,
    depth_mm: float,
) -> FloatArray | None:
    h_win = h[idx].copy()
    u, v = _basis(d)
    # the extreme point of the window seeds the fit; a seed with fewer than 12 neighbours
    # on its side of the surface is a stray point (an outlier the cleaning left) and is
    # dropped, with the points around it, before trying the next extreme
    for _ in range(8):
        w = int(np.argmax(h_win))
        if not np.isfinite(h_win[w]):
            return None
        seed_i = idx[w]
        seed = pts[seed_i]
        h_seed = float(h[seed_i])
        cand = np.flatnonzero((h >= h_seed - depth_mm) & (h <= h_seed + depth_mm))
        rel = pts[cand] - seed
        cu, cv = rel @ u, rel @ v
        ok = cu * cu + cv * cv <= radius_mm * radius_mm
        cand, cu, cv = cand[ok], cu[ok], cv[ok]
        if cand.size >= 12:
            break
        stray = np.abs(pts[idx] - seed).max(axis=1) <= radius_mm
        h_win[stray] = -np.inf
    else:
        return None
    hh = h[cand] - h_seed
    design = np.column_stack([np.ones_like(cu), cu, cv, cu * cu, cu * cv, cv * cv])
    coef, *_ = np.linalg.lstsq(design, hh, rcond=None)
    res = hh - design @ coef
    sigma = 1.4826 * np.median(np.abs(res - np.median(res)))
    keep = np.abs(res) <= max(3.0 * sigma, 1e-6)
    if keep.sum() >= 12 and not keep.all():
        coef, *_ = np.linalg.lstsq(design[keep], hh[keep], rcond=None)
    fitted = design @ coef
    if mask is None:
        # unwindowed: the vertex of the quadric, when it is a maximum within the fitted
        # disc, also bridges a dropout hole over the extreme (the samples cannot)
        hess = np.array([[2 * coef[3], coef[4]], [coef[4], 2 * coef[5]]])
        if np.all(np.linalg.eigvalsh(hess) < 0):
            vu, vv = np.linalg.solve(hess, -coef[1:3])
            if vu * vu + vv * vv <= radius_mm * radius_mm:
                hv = coef[0] + coef[1] * vu + coef[2] * vv + coef[3] * vu * vu \
                    + coef[4] * vu * vv + coef[5] * vv * vv
                if fitted.max() <= hv <= fitted.max() + depth_mm:
                    return seed + vu * u + vv * v + hv * d
    in_win = np.ones(cand.size, dtype=bool) if mask is None else mask[cand]
    if not in_win.any():
        return seed.copy()
    j = np.flatnonzero(in_win)[np.argmax(fitted[in_win])]
    return pts[cand[j]] + (fitted[j] - hh[j]) * d


#: Flat outlines: an extreme is taken anywhere its outline comes within this much of its
#: maximum (mm), nearest the landmark's prior position (docs/measurement_conventions.md).
OUTLINE_TOLERANCE_MM = 1.0
#: Outline profile: 1 mm bins along y, smoothed over 5 of them.
_OUTLINE_BIN_MM = 1.0
_OUTLINE_SMOOTH = 5


def outline_peak_y(
    y: FloatArray, h: FloatArray, lo: float, hi: float, prior: float, rank: int = 3
) -> float | None:
    """Where along y a windowed outline extreme lies, stable on flat outlines.

    The outline profile is the ``rank``-th largest ``h`` (the outward coordinate: x for
    MTH5, -x for MTH1) in each 1 mm bin of ``lo <= y < hi``, smoothed over 5 bins (a
    scan's largest samples are its noisiest: the third largest is steadier). Every bin
    within :data:`OUTLINE_TOLERANCE_MM` of the profile's maximum could be the extreme;
    the one nearest ``prior`` (the landmark's usual position, DOMAIN.md's last-design
    priors) is chosen. On a foot whose lateral outline is level within 1 mm over 20 % of
    its length, the plain maximum moves 15 mm with the noise and turns the ball-girth
    plane; this choice does not.

    Returns
    -------
    float or None
        Centre of the chosen bin; ``None`` when the window holds no points.
    """
    sel = np.flatnonzero((y >= lo) & (y < hi))
    if sel.size == 0:
        return None
    hs = h[sel]
    if hs.size > 100:
        # only the outermost few mm can be within reach of the maximum: sort just those
        # (below the 10th largest less 6 mm, a bin is far out of the running)
        k = hs.size - 10
        near = np.flatnonzero(hs >= np.partition(hs, k)[k] - 6.0)
        sel, hs = sel[near], hs[near]
    n_bins = max(1, int(np.ceil((hi - lo) / _OUTLINE_BIN_MM)))
    b = np.minimum(((y[sel] - lo) / _OUTLINE_BIN_MM).astype(np.intp), n_bins - 1)
    order = np.lexsort((-hs, b))  # by bin, largest first
    bs = b[order]
    counts = np.bincount(bs, minlength=n_bins)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    take = starts + np.minimum(rank, counts) - 1
    have = counts > 0
    prof = np.zeros(n_bins)
    prof[have] = hs[order][take[have]]
    kern = np.ones(_OUTLINE_SMOOTH)
    w = np.convolve(have.astype(float), kern, mode="same")
    sm = np.where(have, np.convolve(prof * have, kern, mode="same") / np.maximum(w, 1), -np.inf)
    near = np.flatnonzero(sm >= sm.max() - OUTLINE_TOLERANCE_MM)
    centres = lo + (near + 0.5) * _OUTLINE_BIN_MM
    return float(centres[np.argmin(np.abs(centres - prior))])
