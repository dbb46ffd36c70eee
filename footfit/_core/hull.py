"""2-D convex hull in numpy (what ``scipy.spatial.ConvexHull`` gives for plane points).

The processing line takes a few dozen 2-D hulls per foot (the tape around each section, the
leg cut, the girths of the last); ``import scipy.spatial`` costs 0.3-0.4 s of a fresh
process for them. Here an Akl-Toussaint prefilter (the extreme points along a few dozen
directions bound a polygon; points strictly inside it cannot be hull vertices) leaves a few
hundred of the thousands of slab points, and Andrew's monotone chain orders the rest.
Collinear points on an edge are not vertices (as Qhull reports them on generic input).

References
----------
.. [1] Akl SG, Toussaint GT (1978). A fast convex hull algorithm. Inf Process Lett 7(5):219-222.
.. [2] Andrew AM (1979). Another efficient algorithm for convex hulls in two dimensions.
   Inf Process Lett 9(5):216-219.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from footfit._core.typing import FloatArray, IntArray
from footfit.exceptions import DegenerateScanError

__all__ = ["Hull2D", "convex_hull_2d", "hull_2d_or_none"]

#: Directions of the prefilter's extreme points (their polygon bounds the discarded points).
_DIRECTIONS = 32
#: Below this many points the prefilter does not pay for itself.
_PREFILTER_MIN = 64


@dataclass(frozen=True)
class Hull2D:
    """Convex hull of 2-D points.

    Attributes
    ----------
    vertices : (k,) int
        Indices of the hull's vertices in the input, counter-clockwise, starting at the
        lowest-x (then lowest-y) point.
    perimeter : float
        Length of the hull's boundary (``ConvexHull.area`` of 2-D points).
    area : float
        Enclosed area (``ConvexHull.volume`` of 2-D points).
    equations : (k, 3) float
        Outward unit normal ``(a, b)`` and offset ``c`` of each edge (vertex ``i`` to
        ``i + 1``): inside points have ``a x + b y + c <= 0``.
    """

    vertices: IntArray
    perimeter: float
    area: float
    equations: FloatArray


def _cross(o: FloatArray, a: FloatArray, b: FloatArray) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def _candidates(xy: FloatArray) -> IntArray:
    """Return the indices of the points that may be hull vertices (Akl-Toussaint prefilter)."""
    n = len(xy)
    if n < _PREFILTER_MIN:
        return np.arange(n)
    t = np.linspace(0.0, 2.0 * np.pi, _DIRECTIONS, endpoint=False)
    proj = xy @ np.stack([np.cos(t), np.sin(t)])  # (n, directions)
    ext = np.unique(np.argmax(proj, axis=0))  # ascending index; re-ordered by angle below
    c = xy[ext].mean(axis=0)
    ext = ext[np.argsort(np.arctan2(xy[ext, 1] - c[1], xy[ext, 0] - c[0]))]
    if len(ext) < 3:
        return np.arange(n)
    a = xy[ext]
    b = np.roll(a, -1, axis=0)
    # strictly inside every edge of the extreme points' (convex, ccw) polygon: not a vertex
    inside = np.ones(n, dtype=bool)
    for (ax, ay), (bx, by) in zip(a, b, strict=True):
        inside &= (bx - ax) * (xy[:, 1] - ay) - (by - ay) * (xy[:, 0] - ax) > 0.0
    return np.flatnonzero(~inside)


def _chain(xy: FloatArray, idx: IntArray) -> list[int]:
    """Andrew's monotone chain over ``idx`` (sorted by x, then y): ccw hull indices."""
    lower: list[int] = []
    for i in idx:
        while len(lower) >= 2 and _cross(xy[lower[-2]], xy[lower[-1]], xy[i]) <= 0.0:
            lower.pop()
        lower.append(int(i))
    upper: list[int] = []
    for i in idx[::-1]:
        while len(upper) >= 2 and _cross(xy[upper[-2]], xy[upper[-1]], xy[i]) <= 0.0:
            upper.pop()
        upper.append(int(i))
    return lower[:-1] + upper[:-1]


def hull_2d_or_none(points) -> Hull2D | None:
    """Return the convex hull of 2-D points, or ``None`` when they span no area.

    Parameters
    ----------
    points : (n, 2) array_like of float

    Returns
    -------
    Hull2D or None
        ``None`` for fewer than three points, or coincident or collinear ones (where Qhull
        raises ``QhullError``).

    Examples
    --------
    >>> h = hull_2d_or_none([[0, 0], [1, 0], [1, 1], [0, 1], [0.5, 0.5]])
    >>> h.vertices.tolist(), h.perimeter, h.area
    ([0, 1, 2, 3], 4.0, 1.0)
    """
    xy = np.asarray(points, dtype=np.float64)
    if xy.ndim != 2 or xy.shape[1] != 2 or len(xy) < 3 or not np.isfinite(xy).all():
        return None
    cand = _candidates(xy)
    cand = cand[np.lexsort((xy[cand, 1], xy[cand, 0]))]
    verts = np.array(_chain(xy, cand), dtype=np.intp)
    if len(verts) < 3:
        return None
    v = xy[verts]
    w = np.roll(v, -1, axis=0)
    edge = w - v
    length = np.hypot(edge[:, 0], edge[:, 1])
    area = 0.5 * float(np.sum(v[:, 0] * w[:, 1] - w[:, 0] * v[:, 1]))
    scale = float(np.abs(xy[cand]).max()) or 1.0
    if area <= 1e-12 * scale * scale:
        return None
    normal = np.column_stack([edge[:, 1], -edge[:, 0]]) / length[:, None]
    eq = np.column_stack([normal, -(normal * v).sum(axis=1)])
    return Hull2D(vertices=verts, perimeter=float(length.sum()), area=area, equations=eq)


def convex_hull_2d(points) -> Hull2D:
    """Return the convex hull of 2-D points; raise when they span no area.

    Parameters
    ----------
    points : (n, 2) array_like of float

    Returns
    -------
    Hull2D

    Raises
    ------
    DegenerateScanError
        Fewer than three points, non-finite ones, or all of them coincident or collinear.
    """
    hull = hull_2d_or_none(points)
    if hull is None:
        raise DegenerateScanError(
            "points are coincident or collinear (no 2-D hull)"
        )
    return hull
