"""The foot and the last made ready for the simulation (zones, areas, scenes) once."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from footfit._core.typing import FloatArray, IntArray
from footfit._core.validation import as_points
from footfit.exceptions import InvalidParameterError
from footfit.fit._common import ZONE_NAMES, _config

if TYPE_CHECKING:
    import trimesh

    from footfit._core.typing import ArrayLike
    from footfit.align import AlignedFoot
    from footfit.last.custom import CustomLast
    from footfit.last.params import LastParameters
    from footfit.last.surface import LastSurface


# ----------------------------------------------------------------------------- prepared inputs
@dataclass(frozen=True)
class PreparedFoot:
    """A foot ready to be tried in lasts (zones and point areas computed once).

    Attributes
    ----------
    points : (n, 3) float, mm
        Canonical frame (right-foot frame; a left foot is mirrored in x).
    side : str
        ``'left'``, ``'right'`` or ``'unknown'``.
    length_mm : float
        Foot length (max y of the points; the pternion is at y = 0).
    area_mm2 : (n,) float, mm^2
        Surface area each point stands for.
    zone : (n,) int
        Anatomical zone of each point (index into :data:`ZONE_NAMES`, never ``open``).
    cell_mm : float
        Size of the cells the foot was thinned to (0: every scan point).
    """

    points: FloatArray
    side: str
    length_mm: float
    area_mm2: FloatArray
    zone: IntArray
    cell_mm: float = 0.0


def _point_areas(points: FloatArray, k: int = 8) -> FloatArray:
    """Return the area per point from the local density.

    pi r_k^2 / k (r_k: distance to the k-th neighbour), exact for a uniform sample of a
    plane.
    """
    from scipy.spatial import cKDTree

    k = min(k, len(points) - 1)
    if k < 1:
        return np.ones(len(points))
    dist, _ = cKDTree(points).query(points, k=k + 1, workers=-1)
    r = dist[:, -1]
    return np.pi * r**2 / k


def _zones(points: FloatArray, length: float) -> IntArray:
    cfg = _config()["zones"]
    f = points[:, 1] / length
    zone = np.full(len(points), ZONE_NAMES.index("waist"), dtype=np.intp)
    zone[f < float(cfg["heel_end"])] = ZONE_NAMES.index("heel")
    zone[f >= float(cfg["ball_start"])] = ZONE_NAMES.index("ball")
    zone[f >= float(cfg["toe_box_start"])] = ZONE_NAMES.index("toe_box")
    mid = zone == ZONE_NAMES.index("waist")
    if mid.any():
        # dorsal height per 2 mm slice: points above a fraction of it are the instep
        b = np.floor(points[:, 1] / 2.0).astype(np.int64)
        b -= b.min()
        top = np.full(b.max() + 1, -np.inf)
        np.maximum.at(top, b, points[:, 2])
        high = points[:, 2] > float(cfg["instep_relative_height"]) * top[b]
        zone[mid & high] = ZONE_NAMES.index("instep")
    return zone


def cell_groups(points: FloatArray, cell_mm: float) -> tuple[IntArray, IntArray, IntArray]:
    """Group points by cubic cell.

    Returns ``(first, inverse, counts)`` as ``np.unique`` gives them (the first point of
    each cell, each point's cell, the points per cell).
    """
    key = np.floor(points / cell_mm).astype(np.int64)
    key -= key.min(axis=0)
    span = key.max(axis=0) + 1
    flat = (key[:, 0] * span[1] + key[:, 1]) * span[2] + key[:, 2]
    _, first, inv, counts = np.unique(flat, return_index=True, return_inverse=True,
                                      return_counts=True)
    return first, inv.reshape(-1), counts


def cell_means(points: FloatArray, inv: IntArray, counts: IntArray) -> FloatArray:
    """Return the centroid of each cell's points (``inv``, ``counts`` of :func:`cell_groups`)."""
    return np.stack([np.bincount(inv, weights=points[:, k], minlength=len(counts))
                     for k in range(3)], axis=1) / counts[:, None]


def _reduce_foot(foot: PreparedFoot, cell_mm: float) -> PreparedFoot:
    """One scan point per cubic cell (areas summed): a coarse foot for screening lasts."""
    first, inv, _ = cell_groups(foot.points, cell_mm)
    area = np.bincount(inv, weights=foot.area_mm2)
    return PreparedFoot(points=foot.points[first], side=foot.side, length_mm=foot.length_mm,
                        area_mm2=area, zone=foot.zone[first], cell_mm=float(cell_mm))


def prepare_foot(foot: AlignedFoot | PreparedFoot | ArrayLike, *,
                 point_area_mm2: ArrayLike | None = None,
                 cell_mm: float | None = None) -> PreparedFoot:
    """Return the foot ready for :func:`simulate_fit` (zones and point areas computed once).

    Parameters
    ----------
    foot : AlignedFoot, PreparedFoot or (n, 3) array_like of float, mm
        The foot in the canonical frame (pternion at the origin, +y to the toes, floor z = 0,
        right-foot frame).
    point_area_mm2 : (n,) array_like of float, optional
        Area each point stands for (e.g. vertex areas of a mesh); default from the local
        point density (8 nearest neighbours).
    cell_mm : float, optional
        Thin the foot first to one point (the centroid) per cubic cell of this size, each
        standing for ``cell_mm ** 2`` of surface (a surface crossing a cell has about that
        area): the working set of a fast simulation (1.5 mm keeps the clearance within
        about 0.1 mm of the full cloud's and the pressure areas within the cell size).
        ``None`` keeps every point.

    Returns
    -------
    PreparedFoot

    Raises
    ------
    DegenerateScanError
        Fewer than 100 points.
    ValueError
        Points not in the canonical frame (foot length outside 80-400 mm) or bad areas.
    """
    if isinstance(foot, PreparedFoot):
        return foot
    side = str(getattr(foot, "side", "unknown"))
    pts = as_points(getattr(foot, "points", foot), name="foot", min_points=100)
    length = float(pts[:, 1].max())
    if not 80.0 <= length <= 400.0:
        raise InvalidParameterError(
            f"`foot` must be in the canonical frame (pternion at y = 0, toes along +y); its "
            f"max y is {length:.1f} mm, not a foot length of 80-400 mm"
        )
    if cell_mm is not None:
        if not (np.isfinite(cell_mm) and cell_mm > 0):
            raise InvalidParameterError(f"`cell_mm` must be a positive number; got {cell_mm!r}")
        _, inv, counts = cell_groups(pts, float(cell_mm))
        pts = cell_means(pts, inv, counts)
        area = np.full(len(pts), float(cell_mm) ** 2)
    elif point_area_mm2 is None:
        area = _point_areas(pts)
    else:
        area = np.asarray(point_area_mm2, dtype=np.float64).reshape(-1)
        if area.shape != (len(pts),) or not np.isfinite(area).all() or (area < 0).any():
            raise InvalidParameterError(
                f"`point_area_mm2` must be {len(pts)} finite values >= 0; got shape "
                f"{area.shape}"
            )
    return PreparedFoot(points=pts, side=side, length_mm=length, area_mm2=area,
                        zone=_zones(pts, length), cell_mm=float(cell_mm or 0.0))


@dataclass(frozen=True)
class PreparedLast:
    """A last mesh with its ray-casting scene, ready for :func:`simulate_fit`.

    Attributes
    ----------
    mesh : trimesh.Trimesh
        Right last in the canonical frame (:func:`footfit.last.build_last_mesh`).
    label : str
        Stock id or size label.
    params : LastParameters or mapping or None
        What the mesh was built from.
    style : str or None
        Style of the last (sets the room the simulation expects); None for a bare mesh.
    toe_allowance_mm : float or None
        Toe allowance of the last (the toe room it should leave).
    insole_forefoot_mm, insole_heel_mm : float
        Thickness of the insole the last is made to hold: the foot stands on it.
    """

    mesh: Any
    label: str
    params: Any = None
    scene: Any = field(default=None, repr=False, compare=False)
    style: str | None = None
    toe_allowance_mm: float | None = None
    insole_forefoot_mm: float = 0.0
    insole_heel_mm: float = 0.0

    def ray_scene(self) -> Any:
        """Return the open3d ray-casting scene of the mesh, built on first use.

        The ring method of :mod:`footfit.last.rings` needs none, so a simulation imports
        no open3d.
        """
        if self.scene is None:
            object.__setattr__(self, "scene", _scene(self.mesh))
        return self.scene

    @property
    def meta(self) -> dict[str, Any]:
        """The mesh's ``metadata['last']`` (bottom curve, stations, top cut...)."""
        return self.mesh.metadata["last"]


def _scene(mesh: Any) -> Any:
    try:
        import open3d as o3d
    except ImportError as e:  # pragma: no cover
        raise ImportError("simulate_fit requires open3d") from e
    scene = o3d.t.geometry.RaycastingScene()
    scene.add_triangles(
        o3d.core.Tensor(np.asarray(mesh.vertices, dtype=np.float32)),
        o3d.core.Tensor(np.asarray(mesh.faces, dtype=np.uint32)),
    )
    return scene


def _label(last: Any) -> str:
    if isinstance(last, Mapping):
        return str(last.get("id", "last"))
    label = getattr(last, "size_label", None)
    return f"custom {label}" if label else "custom last"


def prepare_last(last: (LastParameters | Mapping[str, Any] | trimesh.Trimesh | LastSurface
                       | CustomLast | PreparedLast),
                 *, label: str | None = None) -> PreparedLast:
    """Return the last ready for :func:`simulate_fit` (mesh and ray-casting scene built once).

    Parameters
    ----------
    last : LastParameters, stock row (mapping), CustomLast, trimesh.Trimesh, LastSurface or
        PreparedLast
        A mesh must come from :func:`footfit.last.build_last_mesh` (its metadata places the
        foot). Left lasts are mirrored back: the simulation runs in the right-foot frame.
    label : str, optional
        Name used in the words; default the stock id or ``"custom <size>"``.

    Returns
    -------
    PreparedLast
    """
    if isinstance(last, PreparedLast):
        return last
    from footfit.last.custom import CustomLast

    if isinstance(last, CustomLast):
        p = last.params
        pl = prepare_last(last.mesh, label=label or _label(p))
        return dataclasses.replace(pl, params=p, style=str(p.style),
                                   toe_allowance_mm=float(p.toe_allowance_mm),
                                   insole_forefoot_mm=float(p.insole_forefoot_mm),
                                   insole_heel_mm=float(p.insole_heel_mm))
    if hasattr(last, "vertices") and hasattr(last, "faces"):
        meta = getattr(last, "metadata", {}).get("last")
        if meta is None:
            raise InvalidParameterError(
                "`last` mesh lacks metadata['last']: build it with build_last_mesh")
        mesh = last
        if meta.get("side") == "left":
            mesh = last.copy()
            mesh.vertices[:, 0] *= -1.0
            mesh.invert()
            flip = np.array([-1.0, 1.0, 1.0])
            planes = {k: tuple(tuple(np.asarray(v) * flip) for v in meta[k])
                      for k in ("ball_plane", "instep_plane")}
            mesh.metadata["last"] = dict(meta, side="right", **planes)
        return PreparedLast(mesh=mesh, label=label or "last", params=None)
    from footfit.last.mesh import build_last_surface
    from footfit.last.params import LastParameters
    from footfit.last.styles import style_spec

    if isinstance(last, Mapping):  # a stock-library row: typed once, here
        from footfit.last.stock import stock_last_parameters

        params = stock_last_parameters(last)
        fore = heel = None  # a stock last holds the style's sock liner
    elif isinstance(last, LastParameters):
        params = last
        fore, heel = last.insole_forefoot_mm, last.insole_heel_mm
    else:
        raise TypeError("`last` must be LastParameters, a stock-library row, a last mesh or "
                        f"a PreparedLast; got {type(last).__name__}")
    mesh = build_last_surface(params, side="right")
    liner = float(style_spec(params.style)["sock_liner_mm"])
    return PreparedLast(mesh=mesh, label=label or _label(last), params=params,
                        style=params.style, toe_allowance_mm=float(params.toe_allowance_mm),
                        insole_forefoot_mm=liner if fore is None else float(fore),
                        insole_heel_mm=liner if heel is None else float(heel))


def _raised(points: FloatArray, last: PreparedLast, length: float) -> FloatArray:
    """Return the foot standing on the last's insole, as the custom last is built."""
    from footfit.last.custom import stand_on_insole

    return stand_on_insole(points, length, heel_mm=last.insole_heel_mm,
                           forefoot_mm=last.insole_forefoot_mm)
