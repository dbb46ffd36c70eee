"""The floor: find the plane, and tell floor points from the sole seen through glass."""

from __future__ import annotations

import numpy as np

from footfit._core.geometry import fit_plane_ransac
from footfit._core.geometry import plane_basis as _plane_basis
from footfit._core.raster import cell_index as _raster
from footfit._core.raster import fill_holes
from footfit._core.typing import FloatArray

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
        u, v = D @ e1, D @ e2
        cell = 6.0
        ulo = np.array([u.min(), v.min()]) - cell
        shape = (int(np.ceil((u.max() - ulo[0]) / cell)) + 2,
                 int(np.ceil((v.max() - ulo[1]) / cell)) + 2)
        sil = np.zeros(shape, dtype=bool)
        sil.reshape(-1)[_raster(u[above], v[above], ulo, cell, shape)] = True
        from footfit._core import morphology as ndimage

        # two cells (12 mm) of margin: the contact patch of a sole seen through glass, with no
        # floor in the scan, has ~10 % of its points within one cell outside the silhouette
        # of the points above it (its rim) and ~1 % beyond two; a floor, 60 % beyond two
        sil = ndimage.binary_dilation(sil, iterations=2)
        outside = ~sil.reshape(-1)[_raster(u[inl], v[inl], ulo, cell, shape)]
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
    from footfit._core import morphology as ndimage

    below_top = keep & (h <= 150.0)
    inband = np.flatnonzero(below_top & (h <= band))  # the band and the noise below it
    lifted = below_top & (h > band)
    ring = np.flatnonzero(lifted & (h <= band + 12.0))
    above = np.flatnonzero(lifted)
    above = above[:: max(1, len(above) // 60000)]
    if len(above) == 0:
        out = np.zeros(len(pts), dtype=bool)
        out[inband] = True
        return out
    # floor-plane coordinates, as 1-D columns (cheap gathers, no (n, 2) temporaries)
    e1, e2 = _plane_basis(plane[:3])
    u_all, v_all = np.stack([e1, e2]) @ pts.T  # (2, n): contiguous rows, quick gathers
    u_band, v_band = u_all[inband], v_all[inband]
    u_ring, v_ring = u_all[ring], v_all[ring]
    u_above, v_above = u_all[above], v_all[above]
    cell = _SILHOUETTE_CELL_MM
    ulo = np.array([u_above.min(), v_above.min()]) - 6 * cell
    shape = (int(np.ceil((u_above.max() - ulo[0]) / cell)) + 12,
             int(np.ceil((v_above.max() - ulo[1]) / cell)) + 12)
    size = shape[0] * shape[1]

    def image(flat_cells):
        img = np.zeros(shape, dtype=bool)
        img.reshape(-1)[flat_cells] = True
        return img

    whole = fill_holes(
        ndimage.binary_closing(image(_raster(u_above, v_above, ulo, cell, shape)), iterations=3)
    )
    # the ring without stray points (outliers that survived, floor noise above the band):
    # cells in connected pieces of 8+ cells
    fr = _raster(u_ring, v_ring, ulo, cell, shape)
    ring_img = image(fr)
    pieces, npieces = ndimage.label(ring_img, structure=np.ones((3, 3)))
    piece_size = np.bincount(pieces.ravel(), minlength=npieces + 1)
    piece_size[0] = 0
    ring_img = piece_size[pieces] >= 8
    solid = ring_img.reshape(-1)[fr]
    u_ring, v_ring, fr = u_ring[solid], v_ring[solid], fr[solid]
    ring_img = ndimage.binary_closing(ring_img, iterations=2, border_value=0)
    # the interior (2 cells in from the whole foot's outline) bridges gaps in the ring,
    # such as under a raised medial arch
    sil = fill_holes(ring_img | ndimage.binary_erosion(whole, iterations=2))
    core = ndimage.binary_erosion(sil, iterations=1)  # surely under the foot: sole
    edge = ndimage.binary_dilation(sil, iterations=1) & ~core  # decided below the cell size
    fb = _raster(u_band, v_band, ulo, cell, shape)
    is_floor = ~core.reshape(-1)[fb]
    at_edge = np.flatnonzero(edge.reshape(-1)[fb])
    if len(at_edge) and len(fr):
        # Sub-cell decision at the outline: the side wall meets the floor along the mean
        # position of the ring points around a cell; a band point beyond it (along the
        # outward normal of the silhouette) is floor, one inside it is sole.
        gi, gj = np.gradient(ndimage.gaussian_filter_reflect(sil.astype(np.float64), 1.5))
        # per-cell sums of the ring points, then summed over each cell's 3x3 block (the
        # ring lies 6 cells inside the raster's edge)
        su, sv, cnt = (
            _box3(np.bincount(fr, w, size).reshape(shape)).reshape(-1)
            for w in (u_ring, v_ring, None)
        )
        f = fb[at_edge]
        known = cnt[f] > 0
        n_u, n_v = -gi.reshape(-1)[f], -gj.reshape(-1)[f]
        c = np.maximum(cnt[f], 1)
        beyond = (u_band[at_edge] - su[f] / c) * n_u + (v_band[at_edge] - sv[f] / c) * n_v > 0
        is_floor[at_edge[known]] = beyond[known]
    if nrm is not None:
        # a normal pointing up in the band is floor (say under the arch), down is sole;
        # trusted only when the normals under the foot mostly point down (outward normals:
        # a file with flipped normals would otherwise lose its sole)
        facing = np.take(nrm, inband, axis=0) @ plane[:3]
        under = ~is_floor
        if under.any() and np.count_nonzero(facing[under] < -0.5) > 0.5 * np.count_nonzero(under):
            is_floor |= facing > 0.5
    out = np.zeros(len(pts), dtype=bool)
    out[inband[is_floor]] = True
    return out


def _box3(img: FloatArray) -> FloatArray:
    """Sum of every cell's 3x3 block (zero beyond the edge), by 9 shifted adds."""
    pad = np.pad(img, 1)
    out = np.zeros_like(img)
    n0, n1 = img.shape
    for di in range(3):  # 9 offsets over the raster, not over points
        for dj in range(3):
            out += pad[di : di + n0, dj : dj + n1]
    return out
