"""THE footprint raster: points projected onto a 2-D grid of square cells.

Every stage that looks at a foot from below (isolation, framing, the footprint, the
plantar checks, the drawings) puts points into cells the same way, and differs only by:

- the cell size,
- where cell ``(0, 0)`` starts: at the points' lowest corner (``origin=None``), a given
  corner (``origin``), or the point set's corner snapped to multiples of the cell
  (``snap=True``: cells keep absolute indices ``floor(x / cell)``, as a drawing needs),
- empty cells padded around the points (``pad``), so closings and erosions have room,
- a fixed raster ``shape`` with points beyond it clipped to the edge cells (the floor
  search raster), or a shape that just holds the points.

:func:`footprint_raster` does all of that once; :class:`Raster` gives the occupancy mask,
the occupied cells and the cell of any other point. :func:`cell_index` is the bare
(clipped) flat index, and :func:`fill_holes` closes a mask's enclosed holes.

Rows follow the first coordinate, columns the second: pass ``(y, x)`` for an image whose
rows run along the foot, ``(u, v)`` for the floor plane's basis.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from footfit._core.typing import BoolArray, FloatArray, IntArray

__all__ = ["Raster", "cell_index", "fill_holes", "footprint_raster"]


def _axis_index(x: FloatArray, lo: float, cell: float, n: int | None) -> IntArray:
    """Cell index along one axis: ``floor((x - lo) / cell)``, clipped to ``0..n-1`` if ``n``.

    One float temporary, divided (and clipped) in place; ``x >= lo`` or clipping makes the
    truncating cast a floor.
    """
    buf = x - lo
    buf /= cell
    if n is not None:
        np.clip(buf, 0, n - 1, out=buf)
    return buf.astype(np.intp)


def cell_index(u: FloatArray, v: FloatArray, origin, cell: float, shape) -> IntArray:
    """Return the flat (row-major) cell index of the points ``(u, v)`` in a fixed raster.

    Cells are ``cell`` wide from ``origin``; points beyond the raster of ``shape`` land on
    its edge cells. Column by column: numpy broadcasts an (n, 2) array against a (2,) one in
    inner loops of length 2, several times slower than two passes over (n,) columns.

    Examples
    --------
    >>> cell_index(np.array([0.5, 2.5, 9.0]), np.array([0.5, 1.5, 0.0]), (0.0, 0.0), 1.0,
    ...            (3, 2)).tolist()
    [0, 5, 4]
    """
    flat = _axis_index(u, origin[0], cell, shape[0])
    flat *= shape[1]
    flat += _axis_index(v, origin[1], cell, shape[1])
    return flat


@dataclass(frozen=True)
class Raster:
    """Points put into the cells of a 2-D raster.

    Attributes
    ----------
    origin : (2,) float
        ``(u, v)`` of the corner of cell ``(0, 0)``; cell ``(i, j)`` spans
        ``origin + [i, j] * cell`` to ``origin + [i + 1, j + 1] * cell``.
    cell : float
        Cell side, in the points' unit.
    shape : tuple of int
        Cells along ``u`` (rows) and ``v`` (columns).
    flat : (n,) int
        Each point's flat (row-major) cell index.
    offset : (2,) int
        Absolute index ``floor(origin / cell)`` of cell ``(0, 0)`` when the raster was
        snapped to multiples of the cell, else zeros.
    """

    origin: FloatArray
    cell: float
    shape: tuple[int, int]
    flat: IntArray
    offset: IntArray

    def mask(self) -> BoolArray:
        """Return the occupancy image: ``True`` where a cell holds a point."""
        out = np.zeros(self.shape, dtype=bool)
        out.reshape(-1)[self.flat] = True
        return out

    def cells(self) -> IntArray:
        """Return the ``(k, 2)`` indices ``(i, j)`` of the occupied cells, row-major order."""
        return np.argwhere(self.mask())

    def index(self, u: FloatArray, v: FloatArray) -> IntArray:
        """Return the flat cell index of other points (clipped to the edge cells)."""
        return cell_index(u, v, self.origin, self.cell, self.shape)

    def centres(self, ij: IntArray) -> FloatArray:
        """Return the ``(k, 2)`` centres ``(u, v)`` of the cells ``ij``."""
        return self.origin + (np.asarray(ij, dtype=np.float64) + 0.5) * self.cell


def footprint_raster(
    u: FloatArray,
    v: FloatArray,
    *,
    cell: float,
    pad: int = 0,
    origin=None,
    shape=None,
    snap: bool = False,
) -> Raster:
    """Put the points ``(u, v)`` into square cells.

    Parameters
    ----------
    u, v : (n,) float
        The points' raster coordinates (rows along ``u``, columns along ``v``); ``n >= 1``.
    cell : float
        Cell side.
    pad : int, default=0
        Empty cells kept before and after the points on both axes (ignored with ``origin``).
    origin : (2,) float, optional
        Corner of cell ``(0, 0)``; by default the points' lowest ``(u, v)`` less ``pad``
        cells (snapped down to a multiple of ``cell`` with ``snap``).
    shape : (2,) int, optional
        A fixed raster size; points beyond it land on the edge cells. By default just
        large enough to hold the points and ``pad`` cells after them.
    snap : bool, default=False
        Index cells as ``floor(u / cell)`` (absolute cells, the same for any point set);
        :attr:`Raster.offset` then gives cell ``(0, 0)``'s absolute index.

    Returns
    -------
    Raster

    Examples
    --------
    >>> r = footprint_raster(np.array([0.2, 1.7, 1.9]), np.array([5.0, 5.0, 6.2]), cell=1.0)
    >>> r.shape, r.cells().tolist()
    ((2, 2), [[0, 0], [1, 0], [1, 1]])
    >>> s = footprint_raster(np.array([0.2, 1.7]), np.array([5.0, 6.2]), cell=1.0, snap=True)
    >>> (s.cells() + s.offset).tolist()
    [[0, 5], [1, 6]]
    """
    offset = np.zeros(2, dtype=np.intp)
    if origin is not None:
        lo = np.asarray(origin, dtype=np.float64).reshape(2)
        iu = _axis_index(u, lo[0], cell, None if shape is None else int(shape[0]))
        iv = _axis_index(v, lo[1], cell, None if shape is None else int(shape[1]))
    elif snap:
        ku, kv = np.floor(u / cell), np.floor(v / cell)
        offset = np.array([int(ku.min()) - pad, int(kv.min()) - pad], dtype=np.intp)
        lo = offset * float(cell)
        iu = (ku - offset[0]).astype(np.intp)
        iv = (kv - offset[1]).astype(np.intp)
    else:
        lo = np.array([u.min() - pad * cell, v.min() - pad * cell])
        iu = _axis_index(u, lo[0], cell, None)
        iv = _axis_index(v, lo[1], cell, None)
    if shape is None:
        shape = (int(iu.max()) + pad + 1, int(iv.max()) + pad + 1)
    elif origin is None:
        np.clip(iu, 0, shape[0] - 1, out=iu)
        np.clip(iv, 0, shape[1] - 1, out=iv)
    shape = (int(shape[0]), int(shape[1]))
    flat = iu
    flat *= shape[1]
    flat += iv
    return Raster(origin=lo, cell=float(cell), shape=shape, flat=flat, offset=offset)


def fill_holes(img: BoolArray) -> BoolArray:
    """Return ``img`` with its enclosed holes filled, in one labelling pass.

    Same result as ``scipy.ndimage.binary_fill_holes`` (4-connected background), whose
    iterated dilation costs as many passes as the image is wide.

    Examples
    --------
    >>> ring = np.ones((3, 3), dtype=bool); ring[1, 1] = False
    >>> bool(fill_holes(ring)[1, 1])
    True
    """
    from footfit._core.morphology import label

    lab, _ = label(~img)
    edge = np.unique(np.concatenate([lab[0], lab[-1], lab[:, 0], lab[:, -1]]))
    outside = np.isin(lab, edge[edge > 0])
    return ~outside
