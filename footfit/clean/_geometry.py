"""Geometry helpers of the isolation stage: dense voxel grids and thinning.

Plane fits, plane bases and the footprint raster are in :mod:`footfit._core`.
"""

from __future__ import annotations

import numpy as np

from footfit._core.geometry import col_max as _col_max
from footfit._core.geometry import col_min as _col_min
from footfit._core.typing import FloatArray, IntArray

_DECISION_VOXEL_MM = 4.0  # thinning voxel for the decision set
_DECISION_MAX = 6000  # at most this many decision points
_MAX_GRID_CELLS = 2_000_000  # dense voxel grid budget (coarser voxels beyond)


class _Grid:
    """A dense voxel grid over a box, with point -> cell look-up (O(n), no sorting)."""

    def __init__(self, lo: FloatArray, hi: FloatArray, voxel: float):
        ext = np.maximum(hi - lo, voxel)
        cells = np.prod(np.ceil(ext / voxel) + 3)
        if cells > _MAX_GRID_CELLS:
            voxel = float(voxel * (cells / _MAX_GRID_CELLS) ** (1 / 3) * 1.01)
        # A flat or thin box (one long axis, garbage values) is not brought within budget by
        # the cube root above (the +3 layers of the short axes stay): coarsen until it is,
        # so no input makes a grid of billions of cells (issue #16).
        while np.prod(np.ceil(ext / voxel) + 3) > _MAX_GRID_CELLS:
            voxel *= 1.5
        self.voxel = float(voxel)
        self.lo = lo - voxel  # one empty layer around the points
        self.shape = tuple(int(s) for s in np.ceil((hi - self.lo) / voxel) + 2)
        self.size = int(np.prod(self.shape))

    def flat(self, points: FloatArray) -> IntArray:
        """Flat cell index of every point (outside points clipped to the border layer).

        Column by column: numpy broadcasts an (n, 3) array against a (3,) one in inner loops
        of length 3, several times slower than three passes over (n,) columns.
        """
        buf = np.zeros(len(points))
        out = None
        for k in range(3):  # over the 3 axes, not over points
            np.subtract(points[:, k], self.lo[k], out=buf)
            buf *= 1.0 / self.voxel
            np.clip(buf, 0, self.shape[k] - 1, out=buf)
            ik = buf.astype(np.intp)
            if out is None:
                out = ik
            else:
                out *= self.shape[k]
                out += ik
        return out

    def clear_border(self, counts: IntArray) -> None:
        """Zero ``counts`` (flat, one per cell) on the grid's outer layer, in place.

        Six slab writes instead of a grid-sized mask).
        """
        c = counts.reshape(self.shape)
        c[0], c[-1] = 0, 0
        c[:, 0], c[:, -1] = 0, 0
        c[:, :, 0], c[:, :, -1] = 0, 0

    def counts(self, flat: IntArray) -> IntArray:
        return np.bincount(flat, minlength=self.size)

    def neighbourhood(self, counts: IntArray, occ: IntArray | None = None) -> IntArray:
        """Points in the 3x3x3 block around every cell (only occupied cells computed).

        Occupied cells never touch the grid's border layer, so the 27 neighbours are
        flat-index offsets (27 gathers over cells, not a loop over points). ``occ``, the
        occupied cells in ascending order, is found from ``counts`` unless given.
        """
        if occ is None:
            occ = np.flatnonzero(counts > 0)  # a bool pass: flatnonzero of int64 is 5x slower
        s1, s2 = self.shape[1] * self.shape[2], self.shape[2]
        total = np.zeros(len(occ), dtype=np.int64)
        for di in (-s1, 0, s1):
            for dj in (-s2, 0, s2):
                base = occ + (di + dj)
                total += counts[base - 1]
                total += counts[base]
                total += counts[base + 1]
        out = np.zeros(self.size, dtype=np.int32)
        out[occ] = total
        return out

    def thin(self, flat: IntArray, idx: IntArray, max_points: int, rng) -> IntArray:
        """One of ``idx`` per occupied cell (at most ``max_points``, random beyond)."""
        rep = np.full(self.size, -1, dtype=np.intp)
        rep[flat] = idx
        out = rep[rep >= 0]
        if len(out) > max_points:
            out = np.sort(rng.choice(out, max_points, replace=False))
        return out


def _thin(points: FloatArray, voxel: float, max_points: int, rng) -> IntArray:
    """Return the indices of one point per occupied voxel (at most ``max_points``)."""
    grid = _Grid(_col_min(points), _col_max(points), voxel)
    return grid.thin(grid.flat(points), np.arange(len(points)), max_points, rng)
