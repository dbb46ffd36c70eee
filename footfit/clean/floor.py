"""The floor: find the plane, and tell floor points from the sole seen through glass."""

from __future__ import annotations

import numpy as np

from .._typing import FloatArray
from ._geometry import _plane_basis, _raster, fill_holes, fit_plane_ransac

__all__: list[str] = []

_FLOOR_MIN_BAND_MM = 2.0  # floor band half-width never narrower than this
_SILHOUETTE_CELL_MM = 2.0  # floor-plane raster used to keep the sole


def _floor_band(D: FloatArray, plane: FloatArray) -> float:
    """Half-width of the floor band: 3 sigma of the floor points, at least 2 mm."""
    h = D @ plane[:3] + plane[3]
    near = np.abs(h) < 5.0
    sigma = 1.4826 * np.median(np.abs(h[near])) if near.any() else 1.0
    return float(min(max(3.0 * sigma, _FLOOR_MIN_BAND_MM), 5.0))


def _find_floor(D, rng) -> tuple[FloatArray | None, FloatArray | None]:
    """Return ``(floor_plane, up)`` or ``(None, None)`` when no floor is seen.

    A plane is the floor when (a) almost nothing lies below it, (b) points rest on it (the
    foot touches the floor) and (c) many of its points lie outside the footprint of the
    points above it (a sole seen through glass is a plane too, but only under the foot).
    """
    rest = np.ones(len(D), dtype=bool)
    for _attempt in range(3):
        if rest.sum() < 30:
            break
        plane, count = fit_plane_ransac(D[rest], threshold=2.5, rng=rng)
        h = D @ plane[:3] + plane[3]
        inl = np.abs(h) < 2.5
        if count < max(30, 0.05 * len(D)):
            break
        off = ~inl
        if off.sum() < 20:
            rest &= ~inl
            continue
        # orient the normal toward the bulk of the other points
        if np.median(h[off]) < 0:
            plane = -plane
            h = -h
        above = off & (h > 0) & (h < 400)
        below = off & (h < -8.0)
        if below.sum() > 0.03 * off.sum() or above.sum() < 20:
            rest &= ~inl
            continue
        e1, e2 = _plane_basis(plane[:3])
        uv = np.stack([D @ e1, D @ e2], axis=1)
        cell = 6.0
        ulo = uv.min(axis=0) - cell
        shape = tuple(int(s) for s in np.ceil((uv.max(axis=0) - ulo) / cell) + 2)
        sil = np.zeros(shape, dtype=bool)
        ij = _raster(uv[above], ulo, cell, shape)
        sil[ij[:, 0], ij[:, 1]] = True
        from scipy import ndimage

        sil = ndimage.binary_dilation(sil, iterations=1)
        ij = _raster(uv[inl], ulo, cell, shape)
        outside = ~sil[ij[:, 0], ij[:, 1]]
        touching = (above & (h < 15.0)).sum()
        if outside.sum() >= max(20, 0.1 * inl.sum()) and touching >= 5:
            return plane, plane[:3].copy()
        rest &= ~inl
    return None, None


def _floor_points(pts, nrm, h, plane, band, keep) -> np.ndarray:
    """Floor points: in the floor band and outside the feet's outline (the sole stays).

    The outline is the filled silhouette of the foot's lowest ring (points from the band to
    12 mm above it: the side walls where they meet the floor), so floor seen under an
    overhang of the foot is still floor. Gaps in the ring (a raised arch, walls not seen)
    are bridged by the silhouette of the whole foot (points up to 150 mm) shrunk
    by two cells. Inside the silhouette less one cell, band points are sole; outside it
    plus one cell, floor; in between, a band point is floor when it lies beyond the mean
    position of the nearby ring points along the silhouette's outward normal (a sub-cell
    decision: floor next to a side wall would widen the foot, a lost sole rim would shrink
    the footprint).
    """
    from scipy import ndimage

    inband = np.flatnonzero(keep & (h <= band))  # the band and the noise below it
    ring = np.flatnonzero(keep & (h > band) & (h <= band + 12.0))
    above = np.flatnonzero(keep & (h > band) & (h <= 150.0))
    above = above[:: max(1, len(above) // 60000)]
    e1, e2 = _plane_basis(plane[:3])
    proj = np.stack([e1, e2], axis=1)
    uv_band, uv_ring, uv_above = pts[inband] @ proj, pts[ring] @ proj, pts[above] @ proj
    if len(uv_above) == 0:
        out = np.zeros(len(pts), dtype=bool)
        out[inband] = True
        return out
    cell = _SILHOUETTE_CELL_MM
    ulo = uv_above.min(axis=0) - 6 * cell
    shape = tuple(int(s) for s in np.ceil((uv_above.max(axis=0) - ulo) / cell) + 12)

    def raster(uv):
        img = np.zeros(shape, dtype=bool)
        ij = _raster(uv, ulo, cell, shape)
        img[ij[:, 0], ij[:, 1]] = True
        return img

    whole = fill_holes(ndimage.binary_closing(raster(uv_above), iterations=3))
    # the ring without stray points (outliers that survived, floor noise above the band):
    # cells in connected pieces of 8+ cells
    ijr = _raster(uv_ring, ulo, cell, shape)
    ring_n = np.bincount(ijr[:, 0] * shape[1] + ijr[:, 1], minlength=shape[0] * shape[1])
    ring_img = (ring_n >= 1).reshape(shape)
    pieces, npieces = ndimage.label(ring_img, structure=np.ones((3, 3)))
    piece_size = np.bincount(pieces.ravel(), minlength=npieces + 1)
    piece_size[0] = 0
    ring_img = piece_size[pieces] >= 8
    solid = ring_img[ijr[:, 0], ijr[:, 1]]
    uv_ring, ijr = uv_ring[solid], ijr[solid]
    ring_img = ndimage.binary_closing(ring_img, iterations=2, border_value=0)
    # the interior (2 cells in from the whole foot's outline) bridges gaps in the ring,
    # such as under a raised medial arch
    sil = fill_holes(ring_img | ndimage.binary_erosion(whole, iterations=2))
    core = ndimage.binary_erosion(sil, iterations=1)  # surely under the foot: sole
    edge = ndimage.binary_dilation(sil, iterations=1) & ~core  # decided below the cell size
    ij = _raster(uv_band, ulo, cell, shape)
    is_floor = ~core[ij[:, 0], ij[:, 1]]
    at_edge = np.flatnonzero(edge[ij[:, 0], ij[:, 1]])
    if len(at_edge) and len(uv_ring):
        # Sub-cell decision at the outline: the side wall meets the floor along the mean
        # position of the ring points around a cell; a band point beyond it (along the
        # outward normal of the silhouette) is floor, one inside it is sole.
        gi, gj = np.gradient(ndimage.gaussian_filter(sil.astype(np.float64), 1.5))
        size = shape[0] * shape[1]
        su, sv, cnt = np.zeros(size), np.zeros(size), np.zeros(size)
        for di in (-1, 0, 1):  # 9 offsets, vectorized over the ring points
            for dj in (-1, 0, 1):
                ii = np.clip(ijr[:, 0] + di, 0, shape[0] - 1)
                jj = np.clip(ijr[:, 1] + dj, 0, shape[1] - 1)
                f = ii * shape[1] + jj
                su += np.bincount(f, uv_ring[:, 0], size)
                sv += np.bincount(f, uv_ring[:, 1], size)
                cnt += np.bincount(f, None, size)
        e = ij[at_edge]
        f = e[:, 0] * shape[1] + e[:, 1]
        known = cnt[f] > 0
        out_n = -np.stack([gi[e[:, 0], e[:, 1]], gj[e[:, 0], e[:, 1]]], axis=1)
        wall = np.stack([su[f], sv[f]], axis=1) / np.maximum(cnt[f], 1)[:, None]
        beyond = np.einsum("ij,ij->i", uv_band[at_edge] - wall, out_n) > 0
        is_floor[at_edge[known]] = beyond[known]
    if nrm is not None:
        # a normal pointing up in the band is floor (say under the arch), down is sole;
        # trusted only when the normals under the foot mostly point down (outward normals:
        # a file with flipped normals would otherwise lose its sole)
        facing = nrm[inband] @ plane[:3]
        under = ~is_floor
        if under.any() and np.mean(facing[under] < -0.5) > 0.5:
            is_floor |= facing > 0.5
    out = np.zeros(len(pts), dtype=bool)
    out[inband[is_floor]] = True
    return out
