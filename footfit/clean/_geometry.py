"""Geometry helpers of the isolation stage: dense voxel grids, robust plane fit, rasters."""

from __future__ import annotations

import numpy as np

from footfit._typing import BoolArray, FloatArray, IntArray
from footfit.exceptions import DegenerateScanError

__all__ = ["fill_holes", "fit_plane_ransac"]

_DECISION_VOXEL_MM = 4.0  # thinning voxel for the decision set
_DECISION_MAX = 6000  # at most this many decision points
_MAX_GRID_CELLS = 2_000_000  # dense voxel grid budget (coarser voxels beyond)


def _col_min(points: FloatArray) -> FloatArray:
    """``points.min(axis=0)`` of an (n, 3) array, column by column (several times faster)."""
    return np.array([points[:, k].min() for k in range(points.shape[1])])


def _col_max(points: FloatArray) -> FloatArray:
    """``points.max(axis=0)`` of an (n, 3) array, column by column (several times faster)."""
    return np.array([points[:, k].max() for k in range(points.shape[1])])


def _unit(v: FloatArray) -> FloatArray:
    return v / np.linalg.norm(v)


def _plane_basis(up: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Two unit vectors spanning the plane orthogonal to ``up`` (deterministic)."""
    helper = np.eye(3)[int(np.argmin(np.abs(up)))]
    e1 = _unit(np.cross(up, helper))
    e2 = np.cross(up, e1)
    return e1, e2


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


def _fit_plane_lsq(points: FloatArray) -> FloatArray:
    c = points.mean(axis=0)
    _, _, vt = np.linalg.svd(points - c, full_matrices=False)
    n = vt[2]
    return np.append(n, -n @ c)


def fit_plane_ransac(
    points: FloatArray, *, threshold: float, n_hypotheses: int = 256, rng=None
) -> tuple[FloatArray, int]:
    """Fit the plane holding the most points, robustly (vectorized RANSAC).

    All hypotheses are scored at once as one matrix product; the second and third point
    of each triple are drawn among the neighbours of the first (locality sampling), so a
    plane holding a small share of the points is still found.

    Parameters
    ----------
    points : (n, 3) float
        Points (a thinned decision set, a few thousand rows).
    threshold : float
        Inlier distance.
    n_hypotheses : int, default=256
        Random triples tried.
    rng : Generator, int or None
        Random source.

    Returns
    -------
    plane : (4,) float
        ``a, b, c, d`` with a unit normal (orientation arbitrary).
    n_inliers : int
        Points of ``points`` within ``threshold``.

    References
    ----------
    .. [1] Fischler, M. A. & Bolles, R. C. (1981). Random sample consensus. CACM 24(6).
    """
    rng = np.random.default_rng(rng)
    n = len(points)
    if n < 3:
        raise DegenerateScanError(f"a plane needs 3 points; got {n}")
    # locality sampling without a tree: order the points by 40 mm cells, so that the
    # neighbours in that order are neighbours in space
    lo = _col_min(points)
    ci, cj, ck = (np.floor((points[:, k] - lo[k]) / 40.0).astype(np.int64) for k in range(3))
    # one stable sort of the combined cell key: the order of lexsort((ck, cj, ci))
    order = np.argsort((ci * (cj.max() + 1) + cj) * (ck.max() + 1) + ck, kind="stable")
    pos = rng.integers(0, n, n_hypotheses)
    first = order[pos]
    off = rng.integers(1, 25, (n_hypotheses, 2)) * rng.choice([-1, 1], (n_hypotheses, 2))
    partner = order[np.clip(pos[:, None] + off, 0, n - 1)]
    a = points[first]
    b = points[partner[:, 0]]
    c = points[partner[:, 1]]
    normal = np.cross(b - a, c - a)
    length = np.linalg.norm(normal, axis=1)
    ok = length > 1e-9
    if not ok.any():
        raise DegenerateScanError("no plane could be fitted: points are collinear")
    normal = normal[ok] / length[ok, None]
    d = -np.einsum("ij,ij->i", normal, a[ok])
    score_set = points if n <= 2000 else points[rng.choice(n, 2000, replace=False)]
    # inliers per hypothesis, scored in blocks of 250 points: one (2000, 256) distance
    # matrix is 4 MB of fresh pages per call, a block stays in reused memory
    normal_t = np.ascontiguousarray(normal.T)
    score = np.zeros(len(normal), dtype=np.intp)
    for i in range(0, len(score_set), 250):  # 8 blocks, not a loop over points
        dist = score_set[i : i + 250] @ normal_t
        dist += d
        np.abs(dist, out=dist)
        score += np.count_nonzero(dist < threshold, axis=0)
    best = np.argsort(score)[::-1][:4]
    best_plane, best_count = None, -1
    for h in best:  # refine the few best hypotheses by least squares on their inliers
        plane = np.append(normal[h], d[h])
        for _ in range(2):
            mask = np.abs(points @ plane[:3] + plane[3]) < threshold
            if mask.sum() < 3:
                break
            plane = _fit_plane_lsq(np.compress(mask, points, axis=0))
        count = int((np.abs(points @ plane[:3] + plane[3]) < threshold).sum())
        if count > best_count:
            best_plane, best_count = plane, count
    if best_plane is None:
        raise DegenerateScanError("no plane could be fitted: points are collinear")
    return best_plane, best_count


def fill_holes(img: BoolArray) -> BoolArray:
    """``img`` with its enclosed holes filled, in one labelling pass.

    Same result as ``scipy.ndimage.binary_fill_holes`` (4-connected background), whose
    iterated dilation costs as many passes as the image is wide.
    """
    from scipy import ndimage

    lab, _ = ndimage.label(~img)
    edge = np.unique(np.concatenate([lab[0], lab[-1], lab[:, 0], lab[:, -1]]))
    outside = np.isin(lab, edge[edge > 0])
    return ~outside


def _raster(u: FloatArray, v: FloatArray, lo, cell: float, shape) -> IntArray:
    """Return the flat raster index of the points ``(u, v)``.

    A 2-D raster of ``shape`` (cells ``cell`` wide from ``lo``) of the points ``(u, v)``;
    points beyond the raster land on its edge cells. Column by column
    (see :meth:`_Grid.flat`).
    """
    buf = u - lo[0]  # one float temporary, divided and clipped in place
    buf /= cell
    np.clip(buf, 0, shape[0] - 1, out=buf)
    flat = buf.astype(np.intp)
    np.subtract(v, lo[1], out=buf)
    buf /= cell
    np.clip(buf, 0, shape[1] - 1, out=buf)
    flat *= shape[1]
    flat += buf.astype(np.intp)
    return flat
