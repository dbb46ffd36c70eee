"""Small binary morphology and labelling on numpy grids, as ``scipy.ndimage`` does them.

``import scipy.ndimage`` costs ~300 ms (docstring parsing at import) for a few small grid
operations on the processing line; these numpy versions give the same results.
Structuring elements must be symmetric (all used ones are: the cross and the full box).
"""

from __future__ import annotations

import itertools

import numpy as np

from footfit._core.typing import BoolArray, FloatArray, IntArray
from footfit.exceptions import InvalidParameterError


def _structure(ndim: int, structure) -> np.ndarray:
    if structure is None:  # the cross: face neighbours, as scipy's default
        s = np.zeros((3,) * ndim, dtype=bool)
        for ax in range(ndim):
            idx = [1] * ndim
            for k in (0, 2):
                idx[ax] = k
                s[tuple(idx)] = True
        s[(1,) * ndim] = True
        return s
    return np.asarray(structure, dtype=bool)


def _step(img: np.ndarray, st: np.ndarray, border: bool, dilate: bool) -> np.ndarray:
    r = [n // 2 for n in st.shape]
    pad = np.pad(img, [(k, k) for k in r], constant_values=border)
    out = np.zeros(img.shape, dtype=bool) if dilate else np.ones(img.shape, dtype=bool)
    for off in zip(*np.nonzero(st), strict=True):
        view = pad[tuple(slice(o, o + n) for o, n in zip(off, img.shape, strict=True))]
        if dilate:
            out |= view
        else:
            out &= view
    return out


def binary_dilation(img, structure=None, iterations: int = 1, border_value: int = 0):
    """Return ``scipy.ndimage.binary_dilation(img, structure, iterations, border_value=...)``."""
    img = np.asarray(img, dtype=bool)
    st = _structure(img.ndim, structure)
    for _ in range(iterations):
        img = _step(img, st, bool(border_value), True)
    return img


def binary_erosion(img, structure=None, iterations: int = 1, border_value: int = 0):
    """Return ``scipy.ndimage.binary_erosion(img, structure, iterations, border_value=...)``."""
    img = np.asarray(img, dtype=bool)
    st = _structure(img.ndim, structure)
    for _ in range(iterations):
        img = _step(img, st, bool(border_value), False)
    return img


def binary_closing(img, structure=None, iterations: int = 1, border_value: int = 0):
    """Return ``scipy.ndimage.binary_closing`` (dilations, then as many erosions)."""
    tmp = binary_dilation(img, structure, iterations, border_value)
    return binary_erosion(tmp, structure, iterations, border_value)


def _runs(img: BoolArray) -> tuple[IntArray, IntArray, int]:
    """Give the runs of ``img`` along its last axis, in raster order.

    Returns ``(run, flat, n)``: ``run`` holds, for each foreground cell in raster order,
    the number of its run; ``flat`` the cells' flat indices.
    """
    flat = np.flatnonzero(img)
    width = img.shape[-1]
    # a run starts where the previous cell of its line is background (or at the line start)
    start = np.ones(len(flat), dtype=bool)
    start[1:] = (np.diff(flat) != 1) | (flat[1:] % width == 0)
    run = np.cumsum(start) - 1
    return run, flat, int(start.sum())


def _union_find(a: IntArray, b: IntArray, n: int) -> IntArray:
    """Root (the smallest member) of each node's component, from the edges ``(a, b)``.

    Vectorised hooking and pointer jumping: every edge whose ends have different roots
    hooks the larger root onto the smaller; then each node jumps to its root. A root only
    ever points to a smaller node, so the root of a component is its smallest node.
    """
    parent = np.arange(n)
    while len(a):
        ra, rb = parent[a], parent[b]
        live = ra != rb
        if not live.any():
            break
        a, b, ra, rb = a[live], b[live], ra[live], rb[live]
        np.minimum.at(parent, np.maximum(ra, rb), np.minimum(ra, rb))
        while True:  # pointer jumping: O(log depth) passes
            up = parent[parent]
            if np.array_equal(up, parent):
                break
            parent = up
    return parent


def label(img, structure=None) -> tuple[np.ndarray, int]:
    """Return ``scipy.ndimage.label(img, structure)``: labels 1.. in raster order of first cell.

    The runs of cells along the last axis are the nodes; cells of neighbouring lines that
    touch (through ``structure``) join their runs, and a vectorised union-find merges them
    (no ``scipy.sparse.csgraph``, whose import costs ~165 ms of a fresh process).
    """
    img = np.asarray(img, dtype=bool)
    st = _structure(img.ndim, structure)
    out = np.zeros(img.shape, dtype=np.int32)
    run, flat, n = _runs(img)
    if n == 0:
        return out, 0
    # run numbers on the image padded by one background cell: a neighbour is a flat offset
    padded = np.pad(img, 1)
    pflat = np.flatnonzero(padded)  # same order as ``flat``
    idx = np.full(padded.size, -1, dtype=np.int64)
    idx[pflat] = run
    strides = np.cumprod((padded.shape[1:] + (1,))[::-1])[::-1]
    ra, rb = [], []
    centre = (1,) * img.ndim
    for off in itertools.product(range(3), repeat=img.ndim):
        if off <= centre or not st[off] or off[:-1] == centre[:-1]:
            continue  # each neighbour pair once; neighbours along a line share their run
        nb = idx[pflat + int(np.dot(np.subtract(off, 1), strides))]
        hit = nb >= 0
        ra.append(run[hit])
        rb.append(nb[hit])
    a = np.concatenate(ra) if ra else np.zeros(0, np.int64)
    b = np.concatenate(rb) if rb else np.zeros(0, np.int64)
    root = _union_find(a, b, n)
    roots = np.flatnonzero(root == np.arange(n))  # ascending: raster order of first cell
    rank = np.zeros(n, dtype=np.int32)
    rank[roots] = np.arange(1, len(roots) + 1, dtype=np.int32)
    out.reshape(-1)[flat] = rank[root[run]]
    return out, int(len(roots))


def gaussian_filter1d_nearest(a, sigma: float) -> np.ndarray:
    """Return ``scipy.ndimage.gaussian_filter1d(a, sigma, mode="nearest")`` of a 1-D array."""
    a = np.asarray(a, dtype=np.float64)
    radius = int(4.0 * float(sigma) + 0.5)
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    kernel = np.exp(-0.5 * (x / float(sigma)) ** 2)
    kernel /= kernel.sum()
    padded = np.pad(a, radius, mode="edge")
    out = np.zeros_like(a)
    for i, w in enumerate(kernel):
        out += w * padded[i:i + len(a)]
    return out


def median3_nearest(a) -> np.ndarray:
    """Return ``scipy.ndimage.median_filter(a, size=3, mode="nearest")`` of a 1-D array."""
    a = np.asarray(a)
    p = np.pad(a, 1, mode="edge")
    return np.median(np.stack([p[:-2], p[1:-1], p[2:]]), axis=0).astype(a.dtype)


def gaussian_filter_reflect(a, sigma: float) -> np.ndarray:
    """Return ``scipy.ndimage.gaussian_filter(a, sigma)`` (mode ``'reflect'``), axis by axis."""
    out = np.asarray(a, dtype=np.float64)
    radius = int(4.0 * float(sigma) + 0.5)
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    kernel = np.exp(-0.5 * (x / float(sigma)) ** 2)
    kernel /= kernel.sum()
    for ax in range(out.ndim):
        moved = np.moveaxis(out, ax, 0)
        n = len(moved)
        idx = np.arange(-radius, n + radius) % (2 * n)
        idx = np.where(idx >= n, 2 * n - 1 - idx, idx)
        padded = moved[idx]
        acc = np.zeros_like(moved)
        for i, w in enumerate(kernel):
            acc += w * padded[i:i + n]
        out = np.moveaxis(acc, 0, ax)
    return out


def _nearest_along_rows(feat: BoolArray) -> IntArray:
    """Row of the nearest feature in each cell's column (-1 where the column has none).

    Ties go to the lower row (scipy's first, 1-D pass of the feature transform).
    """
    n, m = feat.shape
    rows = np.broadcast_to(np.arange(n)[:, None], (n, m))
    prev = np.maximum.accumulate(np.where(feat, rows, -1), axis=0)
    nxt = np.minimum.accumulate(np.where(feat, rows, n)[::-1], axis=0)[::-1]
    use_prev = (prev >= 0) & ((nxt >= n) | (rows - prev <= nxt - rows))
    return np.where(use_prev, prev, np.where(nxt < n, nxt, -1))


def distance_transform_edt_indices(img) -> tuple[FloatArray, tuple[IntArray, IntArray]]:
    """Return ``scipy.ndimage.distance_transform_edt(img, return_indices=True)`` of a 2-D image.

    For each cell, the Euclidean distance to the nearest zero cell (a feature) and that
    cell's indices. Ties are broken as scipy's separable transform (Maurer et al. 2003)
    breaks them: along axis 0, the nearest feature of each column (the lower row on a tie);
    along axis 1, the nearest of those column candidates (the lower column on a tie). The
    second pass is a brute force over the columns, in blocks of rows: the rasters it serves
    are a few hundred cells a side.
    """
    img = np.asarray(img, dtype=bool)
    if img.ndim != 2:
        raise InvalidParameterError(f"2-D image expected; got shape {img.shape}")
    feat = ~img
    n, m = img.shape
    ii = np.zeros(img.shape, dtype=np.intp)
    jj = np.zeros(img.shape, dtype=np.intp)
    dist = np.zeros(img.shape)
    if not feat.any():  # scipy: no feature anywhere (indices then meaningless)
        return dist + np.inf, (ii - 1, jj - 1)
    r = _nearest_along_rows(feat)  # (n, m): candidate row of each column, per row
    cols = np.arange(m)
    step = max(1, 2_000_000 // max(1, m * m))
    for s in range(0, n, step):
        rr = r[s:s + step]  # (b, m)
        far = np.iinfo(np.int64).max // 4  # a column without features: never the nearest
        dr2 = np.where(rr >= 0, (rr - np.arange(s, s + len(rr))[:, None]) ** 2, far)
        d2 = dr2[:, None, :] + (cols[None, :, None] - cols[None, None, :]) ** 2  # (b, j, c)
        best = np.argmin(d2, axis=2)  # the first (lowest column) of the ties
        jj[s:s + step] = best
        ii[s:s + step] = np.take_along_axis(rr, best, axis=1)
        dist[s:s + step] = np.sqrt(np.take_along_axis(d2, best[:, :, None], axis=2)[:, :, 0])
    return dist, (ii, jj)


def max_filter3(a) -> FloatArray:
    """Return ``scipy.ndimage.grey_dilation(a, size=(3, 3))`` of a 2-D float array.

    The maximum over each cell's 3 x 3 block of cells inside the array (scipy's default
    'reflect' border repeats the edge cell, which leaves that maximum unchanged).
    """
    a = np.asarray(a, dtype=np.float64)
    p = np.pad(a, 1, constant_values=-np.inf)
    n, m = a.shape
    rows = np.maximum(np.maximum(p[:-2], p[1:-1]), p[2:])
    return np.maximum(np.maximum(rows[:, :-2], rows[:, 1:-1]), rows[:, 2:])[:n, :m]


def box_sum3(a) -> np.ndarray:
    """Return ``scipy.ndimage.correlate(a, np.ones((3, 3)), mode="constant")`` (integers exact)."""
    a = np.asarray(a)
    p = np.pad(a, 1)
    rows = p[:-2] + p[1:-1] + p[2:]
    return rows[:, :-2] + rows[:, 1:-1] + rows[:, 2:]
