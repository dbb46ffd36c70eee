"""Small geometry shared by the stages: unit vectors, plane bases and plane fits."""

from __future__ import annotations

import numpy as np

from footfit._core.typing import FloatArray
from footfit.exceptions import DegenerateScanError

__all__ = ["col_max", "col_min", "fit_plane_lsq", "fit_plane_ransac", "plane_basis", "unit"]


def col_min(points: FloatArray) -> FloatArray:
    """Return ``points.min(axis=0)`` of an (n, k) array, column by column (faster)."""
    return np.array([points[:, k].min() for k in range(points.shape[1])])


def col_max(points: FloatArray) -> FloatArray:
    """Return ``points.max(axis=0)`` of an (n, k) array, column by column (faster)."""
    return np.array([points[:, k].max() for k in range(points.shape[1])])


def unit(v: FloatArray) -> FloatArray:
    """Return ``v`` scaled to length 1.

    Examples
    --------
    >>> unit(np.array([3.0, 0.0, 4.0])).tolist()
    [0.6, 0.0, 0.8]
    """
    return v / np.linalg.norm(v)


def plane_basis(
    normal: FloatArray, *, helper: FloatArray | None = None
) -> tuple[FloatArray, FloatArray]:
    """Return two unit vectors ``(e1, e2)`` spanning the plane orthogonal to ``normal``.

    ``e1 = unit(normal x helper)`` and ``e2 = normal x e1``, so ``(e1, e2, normal)`` is
    right-handed. The basis is deterministic: ``helper`` defaults to the coordinate axis
    along which ``normal`` has its smallest component.

    Parameters
    ----------
    normal : (3,) float
        Unit normal of the plane.
    helper : (3,) float, optional
        A direction not parallel to ``normal`` that fixes the basis' rotation.

    Returns
    -------
    e1, e2 : (3,) float

    Examples
    --------
    >>> e1, e2 = plane_basis(np.array([0.0, 0.0, 1.0]))
    >>> e1.tolist(), e2.tolist()
    ([0.0, 1.0, 0.0], [-1.0, 0.0, 0.0])
    """
    if helper is None:
        helper = np.eye(3)[int(np.argmin(np.abs(normal)))]
    e1 = unit(np.cross(normal, helper))
    e2 = np.cross(normal, e1)
    return e1, e2


def fit_plane_lsq(points: FloatArray) -> FloatArray:
    """Return the least-squares plane ``a, b, c, d`` (unit normal) through ``points`` (n, 3)."""
    c = points.mean(axis=0)
    _, _, vt = np.linalg.svd(points - c, full_matrices=False)
    n = vt[2]
    return np.append(n, -n @ c)


def _locality_triples(points: FloatArray, n_hypotheses: int, rng) -> tuple[FloatArray, ...]:
    """Draw random point triples whose 2nd and 3rd points are near the first.

    Locality sampling without a tree: the points are ordered by 40 mm cells, so that
    neighbours in that order are neighbours in space.
    """
    n = len(points)
    lo = col_min(points)
    ci, cj, ck = (np.floor((points[:, k] - lo[k]) / 40.0).astype(np.int64) for k in range(3))
    # one stable sort of the combined cell key: the order of lexsort((ck, cj, ci))
    order = np.argsort((ci * (cj.max() + 1) + cj) * (ck.max() + 1) + ck, kind="stable")
    pos = rng.integers(0, n, n_hypotheses)
    first = order[pos]
    off = rng.integers(1, 25, (n_hypotheses, 2)) * rng.choice([-1, 1], (n_hypotheses, 2))
    partner = order[np.clip(pos[:, None] + off, 0, n - 1)]
    return points[first], points[partner[:, 0]], points[partner[:, 1]]


def _hypothesis_scores(points: FloatArray, normal: FloatArray, d: FloatArray, threshold: float,
                       rng) -> np.ndarray:
    """Count the inliers of every hypothesis on (at most) 2000 of the points.

    Scored in blocks of 250 points: one (2000, 256) distance matrix is 4 MB of fresh pages
    per call, a block stays in reused memory.
    """
    n = len(points)
    score_set = points if n <= 2000 else points[rng.choice(n, 2000, replace=False)]
    normal_t = np.ascontiguousarray(normal.T)
    score = np.zeros(len(normal), dtype=np.intp)
    for i in range(0, len(score_set), 250):  # 8 blocks, not a loop over points
        dist = score_set[i : i + 250] @ normal_t
        dist += d
        np.abs(dist, out=dist)
        score += np.count_nonzero(dist < threshold, axis=0)
    return score


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

    Raises
    ------
    DegenerateScanError
        Fewer than 3 points, or all triples collinear.

    References
    ----------
    .. [1] Fischler, M. A. & Bolles, R. C. (1981). Random sample consensus. CACM 24(6).
    """
    rng = np.random.default_rng(rng)
    n = len(points)
    if n < 3:
        raise DegenerateScanError(f"a plane needs 3 points; got {n}")
    a, b, c = _locality_triples(points, n_hypotheses, rng)
    normal = np.cross(b - a, c - a)
    length = np.linalg.norm(normal, axis=1)
    ok = length > 1e-9
    if not ok.any():
        raise DegenerateScanError("no plane could be fitted: points are collinear")
    normal = normal[ok] / length[ok, None]
    d = -np.einsum("ij,ij->i", normal, a[ok])
    score = _hypothesis_scores(points, normal, d, threshold, rng)
    best = np.argsort(score)[::-1][:4]
    best_plane, best_count = None, -1
    for h in best:  # refine the few best hypotheses by least squares on their inliers
        plane = np.append(normal[h], d[h])
        for _ in range(2):
            mask = np.abs(points @ plane[:3] + plane[3]) < threshold
            if mask.sum() < 3:
                break
            plane = fit_plane_lsq(np.compress(mask, points, axis=0))
        count = int((np.abs(points @ plane[:3] + plane[3]) < threshold).sum())
        if count > best_count:
            best_plane, best_count = plane, count
    if best_plane is None:
        raise DegenerateScanError("no plane could be fitted: points are collinear")
    return best_plane, best_count
