"""Up direction and floor level of a foot when no floor plane is seen."""

from __future__ import annotations

import numpy as np

from .._typing import ArrayLike, FloatArray, IntArray
from .._validation import as_points
from ..exceptions import DegenerateScanError
from ._geometry import _DECISION_MAX, _DECISION_VOXEL_MM, _thin, _unit

__all__ = ["estimate_up"]


def estimate_up(points: ArrayLike, *, rng=None) -> FloatArray:
    """Estimate the up direction of a standing foot (or two) from its shape alone.

    The sole of a standing foot lies on the floor: whether or not the scan holds the plantar
    surface, the floor is the convex hull's largest flat region (heel, ball and toes touch
    it; the sides are curved; the leg's cut is smaller). Candidates are the hull's flattest
    directions (facet area within 10 degrees); a candidate under which the midfoot would be
    taller than wide (a side taken for the floor) counts a fifth.

    Parameters
    ----------
    points : (n, 3) array_like of float, mm
        One or two feet (a thinned set of a few thousand points is enough).
    rng : Generator, int or None
        Random source for thinning large inputs.

    Returns
    -------
    up : (3,) float
        Unit vector pointing from the sole into the foot.

    Raises
    ------
    DegenerateScanError
        When the points are flat or collinear (no hull).
    """
    from scipy.spatial import ConvexHull, QhullError

    pts = as_points(points, name="points", min_points=10)
    rng = np.random.default_rng(rng)
    pts = pts[_thin(pts, _DECISION_VOXEL_MM, _DECISION_MAX, rng)]  # even density
    try:
        hull = ConvexHull(pts)
    except QhullError as exc:
        raise DegenerateScanError(
            f"points are flat or collinear (no 3D hull): {exc.args[0].splitlines()[0]}"
        ) from exc
    normals = hull.equations[:, :3]
    tri = pts[hull.simplices]
    areas = 0.5 * np.linalg.norm(np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]), axis=1)
    # group facets with similar normals (loop over at most 16 groups, not over points)
    unassigned = np.ones(len(areas), dtype=bool)
    candidates = []
    order = np.argsort(areas)[::-1]
    for _ in range(16):
        free = order[unassigned[order]]
        if len(free) == 0:
            break
        seed = free[0]
        member = unassigned & (normals @ normals[seed] > np.cos(np.radians(12)))
        unassigned &= ~member
        mean_n = _unit((normals[member] * areas[member, None]).sum(axis=0))
        candidates.append((-mean_n, float(areas[member].sum())))
    # Near-ties (the flat hull over a medial arch can match the sole's area): prefer the
    # plane that more of the surface lies on (the plantar contact, or the walls' lowest
    # ring), counted on the evenly thinned points.
    best_up, best_score = None, -np.inf
    top = max((area for _, area in candidates), default=0.0)
    for up, area in candidates:
        if area < 0.75 * top:
            continue
        h = pts @ up
        score = float(np.count_nonzero(h < h.min() + 2.0))
        if score > best_score:
            best_up, best_score = up, score
    if best_up is None:
        raise DegenerateScanError("no support plane found under the points")
    return best_up


def _floor_level(h: FloatArray) -> tuple[float, str, IntArray | None]:
    """Height of the floor along an up direction when no floor plane is known.

    With the sole in the scan, the contact points form a dense sheet at the bottom: the
    floor is the median of the densest 2 mm slab among the lowest 20 mm. Without it, the
    lowest edges of the side walls touch the floor: the 0.5th percentile.

    Returns ``(level, how, sheet)`` with the indices of the contact sheet (or None).
    """
    lo = float(np.percentile(h, 0.1))
    bottom = h[h < lo + 20.0]
    hist, edges = np.histogram(bottom, bins=np.arange(lo, lo + 20.5, 0.5))
    slab = np.convolve(hist, np.ones(4), mode="same")
    peak = int(np.argmax(slab))
    centre = 0.5 * (edges[peak] + edges[peak + 1])
    share = slab[peak] / len(h)
    if share > 0.03 and centre < lo + 8.0:
        sheet = np.flatnonzero(np.abs(h - centre) < 1.5)
        return float(np.median(h[sheet])), "floor level from the plantar contact sheet", sheet
    return float(np.percentile(h, 0.5)), "floor level from the lowest points (no sole seen)", None
