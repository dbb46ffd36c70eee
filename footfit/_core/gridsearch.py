"""Exact neighbour searches on a voxel hash, in numpy (what ``scipy.spatial.cKDTree`` answers).

The processing line asks two small questions of a point cloud: the k nearest neighbours of
a sample of its points (scan quality: spacing and noise) and the pairs of directions within
an angle (up estimation). A k-d tree answers both, but ``import scipy.spatial`` costs
0.3-0.4 s of a fresh process. Here the points are sorted by the key of their grid cell; a
query gathers the points of the 27 cells around its own (``searchsorted`` on the sorted
keys) and partitions their distances. A k-th neighbour farther than the query's distance to
the edge of that 3 x 3 x 3 block may miss a closer point outside it: such queries (few) are
answered by brute force over every point, so the result is exact. Distances are computed
as cKDTree computes them (``sqrt(dx*dx + dy*dy + dz*dz)``), so they agree to the last bit;
neighbours at equal distance may come in another order.
"""

from __future__ import annotations

import sys

import numpy as np

from footfit._core.typing import FloatArray, IntArray
from footfit.exceptions import InvalidParameterError

__all__ = ["grid_knn", "grid_pairs", "knn"]

#: Queries per gather block (bounds the (block, candidates) distance matrix).
_BLOCK = 2048
#: Widest ring of cells searched around a query before scanning every point.
_MAX_RING = 8


def _keys(cells: IntArray, dims: IntArray) -> IntArray:
    """Flat cell keys of integer cell coordinates (rows of ``cells``)."""
    key = cells[:, 0].astype(np.int64)
    for ax in range(1, cells.shape[1]):
        key = key * dims[ax] + cells[:, ax]
    return key


def _sqdist(a: FloatArray, b: FloatArray) -> FloatArray:
    """Squared distances summed axis by axis (cKDTree's order of rounding)."""
    d = a[..., 0] - b[..., 0]
    out = d * d
    for ax in range(1, a.shape[-1]):
        d = a[..., ax] - b[..., ax]
        out = out + d * d
    return out


class _Grid:
    """Points sorted by grid cell, with the offsets of the 3^d neighbour cells."""

    def __init__(self, points: FloatArray, cell: float):
        self.points = points
        self.cell = float(cell)
        # a margin of _MAX_RING + 1 empty cells: no ring around a point's cell wraps over
        self.pad = _MAX_RING + 1
        self.lo = points.min(axis=0) - self.pad * self.cell
        ij = np.floor((points - self.lo) / self.cell).astype(np.int64)
        self.dims = ij.max(axis=0) + self.pad + 1
        key = _keys(ij, self.dims)
        self.order = np.argsort(key, kind="stable")
        self.sorted_keys = key[self.order]
        self.offsets = self.ring(1)

    def ring(self, r: int) -> IntArray:
        """Key offsets of the (2r + 1)^d cells around a cell."""
        d = self.points.shape[1]
        offs = np.stack(np.meshgrid(*[np.arange(-r, r + 1)] * d, indexing="ij"), -1)
        # the row-major key is linear: key(a + b) = key(a) + key(b), offsets included
        return _keys(offs.reshape(-1, d), self.dims)

    def cells_of(self, q: FloatArray) -> tuple[IntArray, IntArray, np.ndarray]:
        """Return the cell keys, cell indices and in-grid flags of the queries ``q``.

        A query outside the points' box by more than the margin is clipped to it (its key
        must not wrap), and flagged: its rings are not searched.
        """
        ij = np.floor((q - self.lo) / self.cell).astype(np.int64)
        inside = ((ij >= self.pad) & (ij < self.dims - self.pad)).all(axis=1)
        ij = np.clip(ij, self.pad, self.dims - self.pad - 1)
        return _keys(ij, self.dims), ij, inside

    def gather(self, keys: IntArray, offsets: IntArray | None = None
               ) -> tuple[IntArray, IntArray]:
        """Candidate rows ``(query, point)`` from the neighbour cells of each key."""
        nb = keys[:, None] + (self.offsets if offsets is None else offsets)[None, :]
        start = np.searchsorted(self.sorted_keys, nb, side="left").ravel()
        stop = np.searchsorted(self.sorted_keys, nb, side="right").ravel()
        count = stop - start
        qrow = np.repeat(np.repeat(np.arange(len(keys)), nb.shape[1]), count)
        total = int(count.sum())
        first = np.repeat(np.cumsum(count) - count, count)
        pos = np.repeat(start, count) + (np.arange(total) - first)
        return qrow, self.order[pos]


def _smallest_k(qrow: IntArray, prow: IntArray, d2: FloatArray, m: int, k: int
                ) -> tuple[FloatArray, IntArray]:
    """Return the ``k`` smallest ``d2`` of each query row (inf and -1 where it has fewer)."""
    count = np.bincount(qrow, minlength=m)
    col = np.arange(len(qrow)) - np.repeat(np.cumsum(count) - count, count)
    # queries in groups of similar candidate counts: the padded matrices stay small
    by_count = np.argsort(count, kind="stable")
    pos_of = np.zeros(m, dtype=np.int64)
    pos_of[by_count] = np.arange(m)
    d2k = np.full((m, k), np.inf)
    idk = np.full((m, k), -1, dtype=np.int64)
    cand_pos = pos_of[qrow]
    for lo in range(0, m, max(1, m // 4)):
        hi = min(m, lo + max(1, m // 4))
        sel = (cand_pos >= lo) & (cand_pos < hi)
        width = max(int(count[by_count[hi - 1]]), k)
        dd = np.full((hi - lo, width), np.inf)
        ii = np.full((hi - lo, width), -1, dtype=np.int64)
        r = cand_pos[sel] - lo
        dd[r, col[sel]] = d2[sel]
        ii[r, col[sel]] = prow[sel]
        part = np.argpartition(dd, k - 1, axis=1)[:, :k] if width > k else np.argsort(dd, axis=1)
        part = np.take_along_axis(part, np.argsort(np.take_along_axis(dd, part, axis=1),
                                                   axis=1, kind="stable"), axis=1)
        rows = by_count[lo:hi]
        d2k[rows] = np.take_along_axis(dd, part, axis=1)
        idk[rows] = np.take_along_axis(ii, part, axis=1)
    return d2k, idk


def _knn_block(grid: _Grid, q: FloatArray, k: int) -> tuple[FloatArray, IntArray, np.ndarray]:
    """Find the k nearest among the 3^d cells; ``exact`` says where that is provably the answer."""
    keys, ij, inside = grid.cells_of(q)
    qrow, prow = grid.gather(keys)
    d2k, idk = _smallest_k(qrow, prow, _sqdist(q[qrow], grid.points[prow]), len(q), k)
    # distance from the query to the block's faces: no point outside is closer than that
    cell_lo = grid.lo + (ij - 1) * grid.cell
    margin = np.minimum(q - cell_lo, cell_lo + 3 * grid.cell - q).min(axis=1)
    exact = inside & np.isfinite(d2k[:, -1]) & (d2k[:, -1] <= margin * margin)
    return np.sqrt(d2k), idk, exact


def _brute(points: FloatArray, q: FloatArray, k: int) -> tuple[FloatArray, IntArray]:
    """Exact k nearest by scanning every point, a few queries at a time (bounded memory)."""
    dist = np.zeros((len(q), k))
    idx = np.zeros((len(q), k), dtype=np.int64)
    step = max(1, 2_000_000 // max(1, len(points)))
    for s in range(0, len(q), step):
        d2 = _sqdist(points[None, :, :], q[s:s + step, None, :])  # (b, n)
        part = np.argpartition(d2, k - 1, axis=1)[:, :k] if d2.shape[1] > k else \
            np.argsort(d2, axis=1)
        pd = np.take_along_axis(d2, part, axis=1)
        o = np.argsort(pd, axis=1, kind="stable")
        idx[s:s + step] = np.take_along_axis(part, o, axis=1)
        dist[s:s + step] = np.sqrt(np.take_along_axis(pd, o, axis=1))
    return dist, idx


def _default_cell(points: FloatArray, k: int) -> float:
    """Cell edge whose occupied cells hold about ``k / 1.2`` points each.

    A k-th neighbour within one cell edge of its query is then inside the query's 3^d block
    (the search is exact) for most queries; the others search a ring of cells. The first
    guess (a surface filling the bounding box) is rescaled once by the points per occupied
    cell it gives (sub-sampled: an estimate). ``k / 1.2`` was the fastest of ``k / 2`` to
    ``k`` on the scan-quality queries of the real and synthetic scans (all exact anyway).
    """
    d = points.shape[1]
    span = np.maximum(np.ptp(points, axis=0), 1e-9)
    h = float(np.prod(span) ** (1.0 / d)) * (max(k, 2) / len(points)) ** (1.0 / max(d - 1, 1))
    h = max(h, 1e-9)
    lo = points.min(axis=0)
    key = _keys(np.floor((points[:: max(1, len(points) // 5000)] - lo) / h).astype(np.int64),
                np.floor(span / h).astype(np.int64) + 1)
    per_cell = len(key) / len(np.unique(key)) * max(1, len(points) // 5000)
    return float(h * (max(k, 2) / 1.2 / per_cell) ** (1.0 / max(d - 1, 1)))


def grid_knn(points, queries, k: int, *, cell: float | None = None
             ) -> tuple[FloatArray, IntArray]:
    """Return the ``k`` nearest points of each query: ``(distances, indices)``, nearest first.

    Parameters
    ----------
    points : (n, d) array_like of float
    queries : (m, d) array_like of float
    k : int
        Neighbours per query (at most ``n``).
    cell : float, optional
        Grid cell edge; by default one holding about ``k`` points of a surface.

    Returns
    -------
    distances : (m, k) float
    indices : (m, k) int

    Examples
    --------
    >>> d, i = grid_knn([[0.0, 0, 0], [1, 0, 0], [3, 0, 0]], [[0.9, 0, 0]], 2)
    >>> i.tolist(), d.round(3).tolist()
    ([[1, 0]], [[0.1, 0.9]])
    """
    p = np.ascontiguousarray(points, dtype=np.float64)
    q = np.ascontiguousarray(queries, dtype=np.float64)
    if p.ndim != 2 or q.ndim != 2 or q.shape[1] != p.shape[1] or len(p) == 0:
        raise InvalidParameterError("grid_knn needs (n, d) points and (m, d) queries, n > 0")
    if not 1 <= int(k) <= len(p):
        raise InvalidParameterError(f"`k` must be in 1..{len(p)}; got {k!r}")
    k = int(k)
    grid = _Grid(p, cell if cell is not None else _default_cell(p, k))
    dist = np.zeros((len(q), k))
    idx = np.zeros((len(q), k), dtype=np.int64)
    bound = np.full(len(q), np.inf)  # an upper bound of each k-th distance
    for s in range(0, len(q), _BLOCK):
        d, i, exact = _knn_block(grid, q[s:s + _BLOCK], k)
        dist[s:s + _BLOCK], idx[s:s + _BLOCK] = d, i
        inside = grid.cells_of(q[s:s + _BLOCK])[2]
        bound[s:s + _BLOCK] = np.where(exact, -1.0, np.where(inside, d[:, -1], np.inf))
    # fewer than k points in the block (a stray): wider rings until k points bound it
    for r in (3, _MAX_RING):
        unknown = np.flatnonzero(np.isinf(bound) & grid.cells_of(q)[2])
        if not len(unknown):
            break
        qrow, prow = grid.gather(grid.cells_of(q[unknown])[0], grid.ring(r))
        d2k, _ = _smallest_k(qrow, prow, _sqdist(q[unknown][qrow], p[prow]), len(unknown), k)
        bound[unknown] = np.sqrt(d2k[:, -1])
    # the k nearest lie within the bound: in the (2r + 1)^d cells, r = ceil(bound / cell)
    ring = np.ceil(bound / grid.cell)
    for r in np.unique(ring[(ring >= 1) & (ring <= _MAX_RING)]).astype(int).tolist():
        rows = np.flatnonzero(ring == r)
        keys = grid.cells_of(q[rows])[0]
        qrow, prow = grid.gather(keys, grid.ring(r))
        d2k, idk = _smallest_k(qrow, prow, _sqdist(q[rows][qrow], p[prow]), len(rows), k)
        dist[rows], idx[rows] = np.sqrt(d2k), idk
    far = np.flatnonzero(ring > _MAX_RING)  # strays far from everything (or fewer than k near)
    if len(far):
        dist[far], idx[far] = _brute(p, q[far], k)
    return dist, idx


def knn(points, queries, k: int) -> tuple[FloatArray, IntArray]:
    """Return the ``k`` nearest points of each query, by the fastest exact search at hand.

    A process that has imported ``scipy.spatial`` (a service or batch worker, see
    ``footfit.pipeline.prepare_long_running``) asks its k-d tree; one that has not (a
    one-shot ``footfit process``) uses :func:`grid_knn` rather than pay the 0.3-0.4 s
    import. Both give the same distances (``tests/test_core_hull_grid.py``).

    Parameters
    ----------
    points : (n, d) array_like of float
    queries : (m, d) array_like of float
    k : int
        Neighbours per query (at most ``n``).

    Returns
    -------
    distances : (m, k) float
    indices : (m, k) int
    """
    spatial = sys.modules.get("scipy.spatial")
    if spatial is None:
        return grid_knn(points, queries, k)
    dist, idx = spatial.cKDTree(points).query(queries, k=[*range(1, int(k) + 1)])
    return dist, idx


def grid_pairs(points, radius: float) -> IntArray:
    """Return the pairs ``(i, j)``, ``i < j``, of points at most ``radius`` apart.

    As ``cKDTree(points).query_pairs(radius, output_type="ndarray")``, sorted by ``(i, j)``.

    Parameters
    ----------
    points : (n, d) array_like of float
    radius : float

    Returns
    -------
    (p, 2) int
    """
    p = np.ascontiguousarray(points, dtype=np.float64)
    if p.ndim != 2 or not radius > 0:
        raise InvalidParameterError(
            f"grid_pairs needs (n, d) points and radius > 0; got {radius!r}")
    if len(p) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    grid = _Grid(p, float(radius))
    keys = grid.cells_of(p)[0]
    out = []
    for s in range(0, len(p), _BLOCK):
        qrow, prow = grid.gather(keys[s:s + _BLOCK])
        qrow = qrow + s
        keep = prow > qrow
        qrow, prow = qrow[keep], prow[keep]
        near = _sqdist(p[qrow], p[prow]) <= float(radius) ** 2
        out.append(np.column_stack([qrow[near], prow[near]]))
    pairs = np.concatenate(out)
    return pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]
