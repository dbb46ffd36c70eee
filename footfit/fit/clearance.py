"""Exact signed clearance of points to a last surface (open3d ray casting)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from footfit._core.typing import FloatArray
from footfit._core.validation import as_points
from footfit.exceptions import InvalidParameterError
from footfit.fit.prepare import PreparedLast, cell_groups, cell_means

if TYPE_CHECKING:
    import trimesh

    from footfit._core.typing import ArrayLike
    from footfit.last.surface import LastSurface


# ----------------------------------------------------------------------------- clearance
def signed_clearance(
    last: PreparedLast | trimesh.Trimesh | LastSurface, points: ArrayLike, *,
    cell_mm: float | None = None
) -> tuple[FloatArray, FloatArray]:
    """Signed distance of points to the last surface: positive inside (room), negative outside.

    Parameters
    ----------
    last : PreparedLast, trimesh.Trimesh or LastSurface
        A closed last surface.
    points : (n, 3) array_like of float, mm
        Query points.
    cell_mm : float or None, default=None
        ``None`` decides: exact for up to 20,000 points, else 2 mm cells. ``0`` is exact:
        open3d ``RaycastingScene`` closest point and occupancy for every point. A positive
        value queries one representative (the centroid) per cubic cell of that size and
        extends it to the cell's points to first order, d(p) = d(c) + grad d(c) . (p - c),
        with the gradient the unit vector from the closest surface point (the face normal
        on the surface): exact on flat faces, an error of about |p - c|^2 / (2 R) on a
        surface of curvature radius R (under 0.05 mm for 2 mm cells on a last).

    Returns
    -------
    clearance : (n,) ndarray of float64, mm
    normal : (n, 3) ndarray of float64
        Outward unit normal of the last at the closest surface point (for words and drawing).

    Examples
    --------
    >>> from footfit.fit import prepare_last
    >>> from footfit.last import generate_last
    >>> p = generate_last({"side": "right", "foot_length_mm": 265.0, "ball_girth_mm": 250.0},
    ...                   style="sport", sex="male")
    >>> c, _ = signed_clearance(prepare_last(p), [[0.0, 150.0, 20.0], [0.0, 150.0, 200.0]])
    >>> bool(c[0] > 0), bool(c[1] < 0)  # inside the last: room; far above it: outside
    (True, True)
    """
    pts = as_points(points, name="points")
    prepared = last if isinstance(last, PreparedLast) else PreparedLast(mesh=last, label="last")
    scene = prepared.ray_scene()
    n = len(pts)
    if cell_mm is None:
        cell_mm = 0.0 if n <= 20_000 else 2.0
    if cell_mm < 0 or not np.isfinite(cell_mm):
        raise InvalidParameterError(
            f"`cell_mm` must be None or a finite number >= 0; got {cell_mm!r}")
    if cell_mm > 0:
        _, inv, counts = cell_groups(pts, float(cell_mm))
        reps = cell_means(pts, inv, counts)
    else:
        inv = np.arange(n)
        reps = pts
    import open3d as o3d

    q32 = o3d.core.Tensor(reps.astype(np.float32))
    res = scene.compute_closest_points(q32)
    closest = res["points"].numpy().astype(np.float64)
    fn = res["primitive_normals"].numpy().astype(np.float64)
    inside = scene.compute_occupancy(q32).numpy() > 0.5
    diff = reps - closest
    dist = np.linalg.norm(diff, axis=1)
    # sign: from the face normal where the closest point is inside a face (the offset is along
    # the normal), from the ray-parity occupancy where it is on an edge or corner (one ray
    # can graze an edge; the normal test cannot misfire there)
    cos = np.einsum("ij,ij->i", diff, fn) / np.maximum(dist, 1e-12)
    by_normal = (np.abs(cos) > 0.99) & (dist > 1e-6)
    sign = np.where(by_normal, -np.sign(cos), np.where(inside, 1.0, -1.0))
    clear_rep = sign * dist
    # outward normal: from the surface away from the point if inside, toward it if outside
    away = np.where(dist[:, None] > 1e-3, -sign[:, None] * diff / np.maximum(dist, 1e-12)[:, None],
                    fn)
    normal = away / np.linalg.norm(away, axis=1, keepdims=True)
    if cell_mm > 0:
        clearance = clear_rep[inv] - np.einsum("ij,ij->i", normal[inv], pts - reps[inv])
        return clearance, normal[inv]
    return clear_rep, normal
