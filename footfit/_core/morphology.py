"""Small binary morphology and labelling on numpy grids, as ``scipy.ndimage`` does them.

``import scipy.ndimage`` costs ~300 ms (docstring parsing at import) for a few small grid
operations on the processing line; these numpy versions give the same results.
Structuring elements must be symmetric (all used ones are: the cross and the full box).
"""

from __future__ import annotations

import itertools

import numpy as np


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


def label(img, structure=None) -> tuple[np.ndarray, int]:
    """Return ``scipy.ndimage.label(img, structure)``: labels 1.. in raster order of first cell."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    img = np.asarray(img, dtype=bool)
    st = _structure(img.ndim, structure)
    idx = np.full(img.shape, -1, dtype=np.int64)
    n = int(img.sum())
    idx[img] = np.arange(n)
    out = np.zeros(img.shape, dtype=np.int32)
    if n == 0:
        return out, 0
    pad = np.pad(idx, 1, constant_values=-1)
    rows, cols = [], []
    centre = (1,) * img.ndim
    for off in itertools.product(range(3), repeat=img.ndim):
        if off <= centre or not st[off]:
            continue  # each neighbour pair once (the structure is symmetric)
        nb = pad[tuple(slice(o, o + s) for o, s in zip(off, img.shape, strict=True))]
        both = img & (nb >= 0)
        rows.append(idx[both])
        cols.append(nb[both])
    r = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    c = np.concatenate(cols) if cols else np.zeros(0, np.int64)
    graph = coo_matrix((np.ones(len(r), dtype=np.int8), (r, c)), shape=(n, n))
    ncomp, comp = connected_components(graph, directed=False)
    first = np.full(ncomp, n, dtype=np.int64)
    np.minimum.at(first, comp, np.arange(n))
    rank = np.zeros(ncomp, dtype=np.int64)
    rank[np.argsort(first)] = np.arange(1, ncomp + 1)
    out[img] = rank[comp]
    return out, int(ncomp)


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
