"""Support functions of the foot's slabs: how far the foot reaches in each direction.

The custom last (:mod:`footfit.last.custom`) is lofted from the support function of the
foot points near each station: ``h(phi) = max over the slab's points of (x, z) . n(phi)``
for the ring's ~72 directions, ~40k slab points x 72 directions for a real scan. The
projections are taken one direction at a time (a vector of the slab points that stays in
the cache, then its per-slab maxima): ~6 ms, where the ``(points, 2) @ (2, 72)`` matrix
product (BLAS is slow with an inner dimension of 2) and the maximum down its columns took
~60 ms. The values agree to rounding (a fused multiply-add in BLAS may round the last bit
differently; tests/test_custom_last.py compares them).
"""

from __future__ import annotations

import numpy as np

from footfit._core.typing import BoolArray, FloatArray

__all__ = ["slab_support"]


def slab_support(pts: FloatArray, ys: FloatArray, n: FloatArray, half: float,
                 min_pts: int) -> tuple[FloatArray, BoolArray]:
    """Return the support values ``(k, m)`` of the (x, z) points near each station.

    Parameters
    ----------
    pts : (p, 3) ndarray of float, mm
        Foot points.
    ys : (k,) ndarray of float, mm
        Stations along y.
    n : (m, 2) ndarray of float
        Unit directions in the (x, z) plane.
    half : float, mm
        Half width of a station's slab, widened (x1.6, up to 5 times) where fewer than
        ``min_pts`` points lie in it.
    min_pts : int
        Points a slab should hold.

    Returns
    -------
    support : (k, m) ndarray of float64
        Zero for a station without a section.
    valid : (k,) ndarray of bool
        Whether a station has a section (3 points or more).
    """
    order = np.argsort(pts[:, 1], kind="stable")
    sy = pts[order, 1]
    h = np.full(len(ys), half)
    for _ in range(5):
        i0 = np.searchsorted(sy, ys - h)
        i1 = np.searchsorted(sy, ys + h)
        few = (i1 - i0) < min_pts
        if not few.any():
            break
        h = np.where(few, h * 1.6, h)
    valid = (i1 - i0) >= 3
    counts = np.where(valid, i1 - i0, 0)
    idx = np.concatenate([order[a:b] for a, b, v in zip(i0, i1, valid, strict=True) if v]
                         ) if valid.any() else np.zeros(0, np.intp)
    out = np.zeros((len(ys), len(n)))
    if len(idx):
        x, z = pts[idx, 0], pts[idx, 2]
        starts = np.concatenate([[0], np.cumsum(counts[valid])[:-1]])
        table = np.zeros((len(n), int(valid.sum())))
        for k, (c, s) in enumerate(n):  # one direction at a time: vectors that stay in cache
            proj = c * x
            proj += s * z
            table[k] = np.maximum.reduceat(proj, starts)
        out[valid] = table.T
    return out, valid
