"""The working set: a scan thinned once to one mean point per small voxel, with counts.

A scanner's points are not independent samples of the foot: overlapping views sample the
same surface two or three times, and a dense scan (1M points) holds 10-20 points per
square millimetre, far more than any measure here resolves (landmarks and girths are
read on fits over millimetres). So, after loading, the cloud is reduced once on a grid of
``cell_mm`` voxels (1 mm by default): each occupied voxel becomes the mean of its points
(the noise averages down inside it), with its point count and one normal. Isolation,
alignment and measurement all run on this set; its size tracks the foot's surface area,
not the scanner's density, so a 1M-point scan costs little more than a 200k one, and a
point repeated (or a scan with every point doubled) gives the very same set with doubled
counts.

Where the full cloud is still used: nowhere downstream of the reduction. At 1 mm the
voxel means keep the geometry the measures read (quadric fits over 4-6 mm discs at the
extremes, 2-4 mm slabs for the sections, 1 mm raster cells for the footprint), and a
voxel of 1 mm on a surface of curvature radius 20 mm sags 0.006 mm; the counts go with
the cells as weights where a statistic needs them (the section outline fits).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from footfit._core.typing import ArrayLike, FloatArray, IntArray
from footfit._core.validation import as_points, check_positive

__all__ = ["WORKING_CELL_MM", "WorkingSet", "build_working_set"]

#: Voxel of the working set (mm). 1 mm: the finest scale any measure reads is a 1 mm
#: raster cell (footprint) or slab; at 1.5 mm the footprint's contact votes coarsened.
WORKING_CELL_MM = 1.0


@dataclass(frozen=True)
class WorkingSet:
    """A point cloud reduced to one mean point per voxel.

    Attributes
    ----------
    points : (m, 3) float, mm
        Mean of the points in each occupied voxel.
    normals : (m, 3) float or None
        The normal of one point of each voxel (``None`` when the input had none).
    counts : (m,) int
        Input points in each voxel.
    cell_mm : float
        Voxel edge.
    n_input : int
        Points in the input.
    """

    points: FloatArray
    normals: FloatArray | None
    counts: IntArray
    cell_mm: float
    n_input: int


def build_working_set(
    points: ArrayLike, normals: ArrayLike | None = None, *, cell_mm: float = WORKING_CELL_MM
) -> WorkingSet:
    """Reduce a cloud to the mean point of each occupied ``cell_mm`` voxel.

    One pass in cache-sized blocks computes packed voxel keys (the voxel's key in the high
    bits, the point's row in the low ones), one SIMD sort of int64 gives both the voxel
    order and the grouping, and one ``bincount`` per coordinate sums the points of each
    voxel in input order.

    Parameters
    ----------
    points : (n, 3) array_like of float, mm
    normals : (n, 3) array_like of float, optional
    cell_mm : float, default=1.0

    Returns
    -------
    WorkingSet

    Examples
    --------
    Every point doubled gives the same set, with doubled counts:

    >>> rng = np.random.default_rng(0)
    >>> p = rng.uniform(0, 20, size=(5000, 3))
    >>> a, b = build_working_set(p), build_working_set(np.vstack([p, p]))
    >>> bool(np.allclose(a.points, b.points)), bool((b.counts == 2 * a.counts).all())
    (True, True)
    """
    pts = as_points(points, name="points")
    cell = check_positive(cell_mm, name="cell_mm")
    nrm = None if normals is None else np.asarray(normals, dtype=np.float64)
    n = len(pts)
    # the coordinates as three contiguous rows: 1-D passes are several times faster than
    # the same on (n, 3) rows
    cols = np.ascontiguousarray(pts.T)
    # the grid is laid in the cloud's own frame (principal axes through its centroid), so
    # that the voxels, and every measure read on their means, do not depend on the scan's
    # pose: an axis-aligned grid in the input frame moved girths by up to 0.64 mm over 10
    # poses of one scan and its mirror image by 0.60 mm (now 0.23 and 0.23). A sign flip of
    # an axis (or a mirror image) maps the boundaries k * cell onto themselves. Moments of
    # every point (a strided subset would differ for a doubled scan).
    centre = cols.mean(axis=1)
    cov, reach = _moments(cols, centre)
    _, axes = np.linalg.eigh(cov)
    order, new_cell = _voxel_order(cols, centre, axes, cell, reach)
    starts = np.flatnonzero(new_cell)
    counts = np.diff(np.append(starts, n))
    # each point's voxel, in input order: the sums by bincount read the columns in order
    # (a gather of the columns in voxel order cost 3x more at 1M points)
    np.cumsum(new_cell, out=new_cell)
    new_cell -= 1
    inv = np.zeros(n, dtype=np.intp)
    inv[order] = new_cell
    del new_cell
    m = len(starts)
    means = np.zeros((m, 3))
    for k in range(3):
        means[:, k] = np.bincount(inv, weights=cols[k], minlength=m)
    means /= counts[:, None]
    first_n = None
    if nrm is not None:
        # the normal of the cell's first point: normals only steer decisions downstream
        # (floor or sole, which way a surface faces), and averaging them cost as much as
        # the means of the points
        first_n = np.take(nrm, order[starts], axis=0)
    return WorkingSet(points=means, normals=first_n, counts=counts.astype(np.intp),
                      cell_mm=cell, n_input=n)


#: Points per block of the key pass: its temporaries (a few arrays of this many float64)
#: stay in the CPU's cache instead of making full passes through memory.
_BLOCK = 32768


def _voxel_order(cols: FloatArray, centre: FloatArray, axes: FloatArray, cell: float,
                 reach: float) -> tuple[IntArray, IntArray]:
    """Return the rows in voxel order and, along it, 1 where a new voxel starts (else 0).

    Voxels are ordered lexicographically by their indices, rows ascending within each.
    """
    n = cols.shape[1]
    # voxel indices along the axes lie within +-reach / cell of the centre's voxel
    lo = np.floor(-reach / cell) - 1.0
    side = float(np.floor(reach / cell) - lo + 2.0)
    idx_bits = max(1, int(n - 1).bit_length())
    key_bits = max(1, int(side**3 - 1).bit_length())
    new_cell = np.zeros(n, dtype=np.intp)
    new_cell[0] = 1
    if idx_bits + key_bits <= 62:
        packed = _packed_keys(cols, centre, axes, cell, lo, side, idx_bits)
        packed.sort()  # one sort gives the voxels' order and each point's row
        order = packed & ((1 << idx_bits) - 1)
        packed >>= idx_bits
        np.not_equal(packed[1:], packed[:-1], out=new_cell[1:])
        return order, new_cell
    # an absurd extent at a fine voxel (no 62-bit key): a lexicographic sort of the indices
    q = [_axis_index(cols, centre, axes[:, k], cell) for k in range(3)]
    order = np.lexsort((q[2], q[1], q[0]))
    for qk in q:
        sk = qk[order]
        new_cell[1:] |= sk[1:] != sk[:-1]
    return order, new_cell


def _axis_index(cols: FloatArray, centre: FloatArray, ax: FloatArray, cell: float) -> FloatArray:
    """Voxel index (as float) of every point along ``ax``, as :func:`_packed_keys` has it."""
    t = cols[0] - centre[0]
    t *= ax[0]
    for c in (1, 2):
        u = cols[c] - centre[c]
        u *= ax[c]
        t += u
    t *= 1.0 / cell
    return np.floor(t)


def _moments(cols: FloatArray, centre: FloatArray) -> tuple[FloatArray, float]:
    """Covariance of the points about ``centre`` and the largest distance from it.

    In blocks: the centred block is made once in cache, and the six products are summed
    by ``einsum`` (no BLAS call: OpenBLAS's threads stalled on the busy 2-core machine).
    """
    n = cols.shape[1]
    s = np.zeros((3, 3))
    reach2 = 0.0
    for a in range(0, n, _BLOCK):
        d = cols[:, a : a + _BLOCK] - centre[:, None]
        for i in range(3):
            for j in range(i, 3):
                s[i, j] += np.einsum("i,i->", d[i], d[j])
        r2 = d[0] * d[0]
        r2 += d[1] * d[1]
        r2 += d[2] * d[2]
        reach2 = max(reach2, float(r2.max()))
    s = s + np.triu(s, 1).T
    return s / n, float(np.sqrt(reach2))


def _packed_keys(cols: FloatArray, centre: FloatArray, axes: FloatArray, cell: float,
                 lo: float, side: float, idx_bits: int) -> IntArray:
    """Voxel key of every point along ``axes``, shifted up by ``idx_bits`` over its row.

    The voxel indices ``floor(((p - centre) . axis) / cell) - lo`` lie in ``[0, side)``;
    the key orders voxels lexicographically by them.
    """
    n = cols.shape[1]
    out = np.zeros(n, dtype=np.int64)
    inv = 1.0 / cell
    t = np.zeros(min(n, _BLOCK))
    u = np.zeros_like(t)
    key = np.zeros_like(t)
    for a in range(0, n, _BLOCK):
        b = min(n, a + _BLOCK)
        tt, uu, kk = t[: b - a], u[: b - a], key[: b - a]
        for k in range(3):
            ax = axes[:, k]
            np.subtract(cols[0, a:b], centre[0], out=tt)
            tt *= ax[0]
            for c in (1, 2):
                np.subtract(cols[c, a:b], centre[c], out=uu)
                uu *= ax[c]
                tt += uu
            tt *= inv
            np.floor(tt, out=tt)
            tt -= lo
            if k == 0:
                kk[:] = tt
            else:
                kk *= side
                kk += tt
        blk = out[a:b]
        blk[:] = kk  # exact: the key is an integer below 2**53
        if idx_bits:
            blk <<= idx_bits
            blk |= np.arange(a, b, dtype=np.int64)
    return out
