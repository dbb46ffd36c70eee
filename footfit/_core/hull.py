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

import sys
from dataclasses import dataclass

import numpy as np

from footfit._core.typing import FloatArray, IntArray
from footfit.exceptions import DegenerateScanError, InvalidParameterError

__all__ = ["Hull2D", "Hull3D", "convex_hull_2d", "convex_hull_3d", "hull_2d_or_none"]

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


def _candidates(xy: FloatArray) -> IntArray:
    """Return the indices of the points that may be hull vertices (Akl-Toussaint prefilter)."""
    n = len(xy)
    if n < _PREFILTER_MIN:
        return np.arange(n)
    t = np.linspace(0.0, 2.0 * np.pi, _DIRECTIONS, endpoint=False)
    # (n, directions), elementwise: a BLAS product starts threads that a busy machine stalls
    proj = xy[:, :1] * np.cos(t) + xy[:, 1:] * np.sin(t)
    ext = np.unique(np.argmax(proj, axis=0))  # ascending index; re-ordered by angle below
    c = xy[ext].mean(axis=0)
    ext = ext[np.argsort(np.arctan2(xy[ext, 1] - c[1], xy[ext, 0] - c[0]))]
    if len(ext) < 3:
        return np.arange(n)
    a = xy[ext]
    b = np.roll(a, -1, axis=0)
    # strictly inside every edge of the extreme points' (convex, ccw) polygon: not a vertex
    e = b - a
    left = e[:, 0] * (xy[:, 1:] - a[:, 1]) - e[:, 1] * (xy[:, :1] - a[:, 0])  # (n, edges)
    return np.flatnonzero(~(left > 0.0).all(axis=1))


def _half_chain(xy: FloatArray, idx: IntArray) -> IntArray:
    """Return the lower hull of ``idx`` (sorted by x, then y), left to right, ends included.

    Vectorised: every point that does not turn left between its neighbours lies on or
    above the segment joining them, so it is no lower-hull vertex, whatever else is
    dropped (the points are distinct); all of them are dropped at once, and that is
    repeated until the chain turns left everywhere (a few passes), which is then Andrew's
    lower chain.
    """
    while len(idx) >= 3:
        a, b, c = xy[idx[:-2]], xy[idx[1:-1]], xy[idx[2:]]
        ab, ac = b - a, c - a
        bad = ab[:, 0] * ac[:, 1] - ab[:, 1] * ac[:, 0] <= 0.0
        if not bad.any():
            break
        keep = np.ones(len(idx), dtype=bool)
        keep[1:-1] = ~bad
        idx = idx[keep]
    return idx


def _chain(xy: FloatArray, idx: IntArray) -> IntArray:
    """Andrew's monotone chain over ``idx`` (sorted by x, then y): ccw hull indices."""
    lower = _half_chain(xy, idx)
    upper = _half_chain(xy, idx[::-1])
    return np.concatenate([lower[:-1], upper[:-1]])


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
    # one copy of each repeated point (to rounding: a mesh section repeats a crossing
    # point with 1e-22 mm differences): the chain drops every non-left turn at once, and
    # the turns at two copies of a vertex are zero give or take rounding, so both could go
    tol = 1e-9 * (float(np.abs(xy[cand]).max()) or 1.0)
    same = (np.abs(np.diff(xy[cand], axis=0)) <= tol).all(axis=1)
    cand = cand[np.concatenate([[True], ~same])]
    verts = _chain(xy, cand).astype(np.intp)
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


@dataclass(frozen=True)
class Hull3D:
    """Convex hull of 3-D points (what ``scipy.spatial.ConvexHull`` reports for them).

    Attributes
    ----------
    vertices : (k,) int
        Indices of the hull's vertices, ascending.
    simplices : (f, 3) int
        Triangular facets, counter-clockwise seen from outside.
    equations : (f, 4) float
        Outward unit normal and offset of each facet: inside points have
        ``n . x + c <= 0``.
    """

    vertices: IntArray
    simplices: IntArray
    equations: FloatArray


class _Quickhull:
    """Quickhull in 3-D: the farthest outside point joins the hull, one at a time.

    Facets are triangles kept ccw from outside; a directed edge ``(a, b)`` maps to the facet
    that holds it, so the facet across it is the one holding ``(b, a)``. The per-facet
    geometry is done in Python floats (a few facets per step: numpy's per-call cost would
    dominate); the points' distances to the new facets in numpy, one call per step.
    """

    def __init__(self, pts: FloatArray, eps: float):
        self.p = pts
        # Python floats of the points that joined the hull (only those are ever read):
        # converting all of them cost more than the hull's first hundred steps
        self.pl: list[list[float] | None] = [None] * len(pts)
        self.eps = eps
        self.tri: list[tuple[int, int, int]] = []
        self.plane: list[tuple[float, float, float, float]] = []
        self.alive: list[bool] = []
        self.edge: dict[tuple[int, int], int] = {}

    def add(self, a: int, b: int, c: int) -> int:
        """Add the facet ``(a, b, c)`` (ccw from outside); return its number."""
        for v in (a, b, c):
            if self.pl[v] is None:
                self.pl[v] = self.p[v].tolist()
        (ax, ay, az), (bx, by, bz), (cx, cy, cz) = self.pl[a], self.pl[b], self.pl[c]
        ux, uy, uz = bx - ax, by - ay, bz - az
        vx, vy, vz = cx - ax, cy - ay, cz - az
        nx, ny, nz = uy * vz - uz * vy, uz * vx - ux * vz, ux * vy - uy * vx
        norm = (nx * nx + ny * ny + nz * nz) ** 0.5 or 1.0
        nx, ny, nz = nx / norm, ny / norm, nz / norm
        f = len(self.tri)
        self.tri.append((a, b, c))
        self.plane.append((nx, ny, nz, -(nx * ax + ny * ay + nz * az)))
        self.alive.append(True)
        self.edge[(a, b)] = f
        self.edge[(b, c)] = f
        self.edge[(c, a)] = f
        return f

    def horizon(self, f0: int, q: list[float]) -> tuple[list[int], list[tuple[int, int]]]:
        """Facets ``q`` sees (from ``f0``, which it sees) and the horizon's edges."""
        qx, qy, qz = q
        tri, plane, edge, eps = self.tri, self.plane, self.edge, self.eps
        visible = {f0}
        stack = [f0]
        edges: list[tuple[int, int]] = []
        while stack:
            a, b, c = tri[stack.pop()]
            for e0, e1 in ((a, b), (b, c), (c, a)):
                h = edge[(e1, e0)]
                if h in visible:
                    continue
                nx, ny, nz, off = plane[h]
                if nx * qx + ny * qy + nz * qz + off > eps:
                    visible.add(h)
                    stack.append(h)
                else:
                    edges.append((e0, e1))
        return list(visible), edges

    def replace(self, visible: list[int], edges: list[tuple[int, int]], i: int) -> int:
        """Drop the visible facets, cone the horizon to point ``i``; return the first new one."""
        tri, edge, alive, plane = self.tri, self.edge, self.alive, self.plane
        for g in visible:
            alive[g] = False
            a, b, c = tri[g]
            for e in ((a, b), (b, c), (c, a)):
                if edge.get(e) == g:
                    del edge[e]
        first = len(tri)
        cx, cy, cz = self.pl[i]
        pl = self.pl
        for f, (a, b) in enumerate(edges, first):  # the cone: facets (a, b, i), as add()
            ax, ay, az = pl[a]
            bx, by, bz = pl[b]
            ux, uy, uz = bx - ax, by - ay, bz - az
            vx, vy, vz = cx - ax, cy - ay, cz - az
            nx, ny, nz = uy * vz - uz * vy, uz * vx - ux * vz, ux * vy - uy * vx
            norm = (nx * nx + ny * ny + nz * nz) ** 0.5 or 1.0
            nx, ny, nz = nx / norm, ny / norm, nz / norm
            tri.append((a, b, i))
            plane.append((nx, ny, nz, -(nx * ax + ny * ay + nz * az)))
            alive.append(True)
            edge[(a, b)] = f
            edge[(b, i)] = f
            edge[(i, a)] = f
        return first


def _dot(w: FloatArray, u: FloatArray) -> FloatArray:
    """Return ``w @ u`` for (n, 3) rows and one 3-vector, without BLAS."""
    return w[:, 0] * u[0] + w[:, 1] * u[1] + w[:, 2] * u[2]


def _plane_dist(x: FloatArray, pl: FloatArray) -> FloatArray:
    """Return the signed distances (m, k) of points (m, 3) to planes (k, 4), without BLAS."""
    if len(x) <= 256:  # a product too small for BLAS to start threads; einsum costs more
        d = x @ pl[:, :3].T
    else:
        d = np.einsum("ij,kj->ik", x, pl[:, :3])  # einsum's own loop: no BLAS threads
    d += pl[:, 3]
    return d


def _initial_simplex(pts: FloatArray, eps: float) -> tuple[int, int, int, int]:
    """Four far-apart points spanning a tetrahedron (raise when the points are flat)."""
    i0 = int(np.argmin(pts[:, 0]))
    d = np.linalg.norm(pts - pts[i0], axis=1)
    i1 = int(np.argmax(d))
    u = pts[i1] - pts[i0]
    if d[i1] <= eps:
        raise DegenerateScanError("points are coincident (no 3-D hull)")
    u = u / np.linalg.norm(u)
    w = pts - pts[i0]
    off = w - np.outer(_dot(w, u), u)
    dl = np.linalg.norm(off, axis=1)
    i2 = int(np.argmax(dl))
    if dl[i2] <= eps:
        raise DegenerateScanError("points are collinear (no 3-D hull)")
    n = np.cross(u, pts[i2] - pts[i0])
    n = n / np.linalg.norm(n)
    h = _dot(w, n)
    i3 = int(np.argmax(np.abs(h)))
    if abs(h[i3]) <= eps:
        raise DegenerateScanError("points are flat (coplanar: no 3-D hull)")
    if h[i3] > 0:  # keep (i0, i1, i2) ccw from outside: the apex below it
        i1, i2 = i2, i1
    return i0, i1, i2, i3


#: Insertions per round at most: the round's re-assignment weighs its moved points against
#: every facet it made, so a long round costs more than it saves.
_ROUND_MAX = 32


def _round(qh: _Quickhull, pts: FloatArray, out: IntArray, owner: IntArray, far: FloatArray
           ) -> list[int]:
    """Insert the farthest outside point of each facet that has one; return the removed facets.

    In Python, one point after the other (a facet removed earlier in the round skips its
    point: the point waits for the re-assignment).
    """
    order = np.lexsort((-far, owner))
    lead = np.ones(len(order), dtype=bool)
    lead[1:] = owner[order[1:]] != owner[order[:-1]]
    picks = order[lead]
    picks = picks[np.argsort(-far[picks], kind="stable")][:_ROUND_MAX]
    alive, pl = qh.alive, qh.pl
    removed: list[int] = []
    for k, f, i in zip(picks.tolist(), owner[picks].tolist(), out[picks].tolist(), strict=True):
        if not alive[f]:
            continue
        pl[i] = pts[i].tolist()
        visible, edges = qh.horizon(f, pl[i])
        qh.replace(visible, edges, i)
        removed.extend(visible)
        far[k] = -np.inf  # a vertex now (or, later in the round, inside)
    return removed


def _grow(qh: _Quickhull, pts: FloatArray) -> None:
    """Insert outside points, a round at a time, until no point is outside any facet.

    Each round inserts the farthest point of every facet (Quickhull's choice, per facet);
    the points whose facet a round removed are then re-assigned in one numpy pass, to the
    facets the round made: a point outside a removed facet is inside the new hull or
    outside one of those (Barber et al.'s lemma, applied insertion by insertion).
    """
    i0, i1, i2, i3 = _initial_simplex(pts, qh.eps)
    for t in ((i0, i1, i2), (i0, i3, i1), (i1, i3, i2), (i2, i3, i0)):
        qh.add(*t)
    dist = _plane_dist(pts, np.array(qh.plane))
    owner = np.argmax(dist, axis=1)
    far = dist[np.arange(len(pts)), owner]
    far[[i0, i1, i2, i3]] = -np.inf
    out = np.flatnonzero(far > qh.eps)  # the points still outside some facet
    owner, far = owner[out], far[out]
    dead = np.zeros(4 * len(pts) + 8, dtype=bool)  # facets made so far, removed ones too
    while len(far):
        first = len(qh.tri)
        removed = _round(qh, pts, out, owner, far)
        if len(qh.tri) > len(dead):
            dead = np.concatenate([dead, np.zeros(len(qh.tri), dtype=bool)])
        dead[removed] = True
        moved = np.flatnonzero(dead[owner] & (far > qh.eps))
        if len(moved):
            new = first + np.flatnonzero(~dead[first:len(qh.tri)])
            d = _plane_dist(pts[out[moved]], np.array(qh.plane[first:])[new - first])
            best = d.argmax(axis=1)
            owner[moved] = new[best]
            far[moved] = d[np.arange(len(best)), best]
        keep = far > qh.eps
        out, owner, far = out[keep], owner[keep], far[keep]


def convex_hull_3d(points, *, method: str = "auto") -> Hull3D:
    """Return the convex hull of 3-D points (Quickhull, numpy and a facet-adjacency map).

    When the process has already imported ``scipy.spatial`` (a service or batch worker
    loads it once at start), Qhull gives the same hull about 5x faster; a one-shot process
    that has not paid its ~0.3 s import uses the numpy Quickhull. Both give the same
    vertices (``tests/test_core_hull_grid.py``), facets ccw from outside.

    Points within a rounding tolerance of a facet's plane are not vertices (as Qhull's
    default options treat them); the triangulation of coplanar facets may differ from
    Qhull's, their normals and total area do not.

    Parameters
    ----------
    points : (n, 3) array_like of float
    method : {'auto', 'numpy', 'qhull'}, default='auto'
        ``'auto'``: Qhull if ``scipy.spatial`` is already imported, else numpy.

    Returns
    -------
    Hull3D

    Raises
    ------
    DegenerateScanError
        Fewer than four points, non-finite ones, or all of them coincident, collinear or
        coplanar.

    Examples
    --------
    >>> cube = [[x, y, z] for x in (0, 1) for y in (0, 1) for z in (0, 1)] + [[0.5] * 3]
    >>> convex_hull_3d(cube).vertices.tolist()
    [0, 1, 2, 3, 4, 5, 6, 7]
    """
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 3 or len(pts) < 4 or not np.isfinite(pts).all():
        raise DegenerateScanError("a 3-D hull needs at least four finite (x, y, z) points")
    if method not in ("auto", "numpy", "qhull"):
        raise InvalidParameterError(f"`method` must be 'auto', 'numpy' or 'qhull'; got {method!r}")
    qhull = _loaded_qhull() if method == "auto" else None
    if method == "qhull":
        from scipy.spatial import ConvexHull as qhull
    if qhull is not None:
        return _qhull_3d(qhull, pts)
    scale = float(np.abs(pts).max()) or 1.0
    qh = _Quickhull(pts, 1e-13 * scale)
    _grow(qh, pts)
    keep = np.flatnonzero(qh.alive)
    simplices = np.array([qh.tri[f] for f in keep], dtype=np.intp)
    eq = np.array([qh.plane[f] for f in keep], dtype=np.float64).reshape(-1, 4)
    return Hull3D(vertices=np.unique(simplices), simplices=simplices, equations=eq)


def _loaded_qhull():
    """Return ``scipy.spatial.ConvexHull`` if this process has imported it, else None."""
    spatial = sys.modules.get("scipy.spatial")
    return getattr(spatial, "ConvexHull", None)


def _qhull_3d(qhull, pts: FloatArray) -> Hull3D:
    """Qhull's hull of ``pts`` as a :class:`Hull3D` (facets turned ccw from outside)."""
    try:
        h = qhull(pts)
    except Exception as exc:  # noqa: BLE001 - QhullError; scipy.spatial is not imported here
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DegenerateScanError(f"points are coincident, collinear or coplanar ({first})") \
            from exc
    simplices = np.array(h.simplices, dtype=np.intp)
    eq = np.array(h.equations, dtype=np.float64)
    tri = pts[simplices]
    normal = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    flip = np.einsum("ij,ij->i", normal, eq[:, :3]) < 0.0
    simplices[flip] = simplices[flip][:, ::-1]
    return Hull3D(vertices=np.sort(np.asarray(h.vertices, dtype=np.intp)),
                  simplices=simplices, equations=eq)
