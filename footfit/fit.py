"""Fitting simulation: try the foot in a last and see where the shoe would press or be loose.

:func:`simulate_fit` places an aligned foot in a last (heel against the heel curve, sole on
the last bottom), computes the signed clearance of every foot point to the last surface
(negative where the foot would press) and summarises it per zone with a fit score and words.
:func:`size_by_simulation` tries the stock lasts around the formula size and recommends the
best-fitting one.

The last stands for the inside of the shoe: a foot point inside the last has room around it,
one outside it would push the upper out (pressure).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from ._data import model_path
from ._typing import BoolArray, FloatArray, IntArray
from ._validation import as_points

__all__ = [
    "FitResult",
    "FootFit",
    "PreparedFoot",
    "PreparedLast",
    "SizeBySimulation",
    "StockFit",
    "ZONE_NAMES",
    "ZoneFit",
    "fit_foot",
    "prepare_foot",
    "prepare_last",
    "signed_clearance",
    "simulate_fit",
    "size_by_simulation",
]

#: Zone labels of ``FitResult.zone`` (indices into this tuple); ``open`` = outside the shoe.
ZONE_NAMES: tuple[str, ...] = ("toe_box", "ball", "instep", "waist", "heel", "open")
_OPEN = ZONE_NAMES.index("open")


@lru_cache(maxsize=4)
def _config_cached(path: str, mtime: float) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def _config() -> dict[str, Any]:
    path = model_path("fit_zones.json")
    return _config_cached(str(path), path.stat().st_mtime)


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
    """Area per point from the local density: pi r_k^2 / k (r_k: distance to the k-th
    neighbour), which is exact for a uniform sample of a plane."""
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


def _reduce_foot(foot: PreparedFoot, cell_mm: float) -> PreparedFoot:
    """One scan point per cubic cell (areas summed): a coarse foot for screening lasts."""
    key = np.floor(foot.points / cell_mm).astype(np.int64)
    key -= key.min(axis=0)
    span = key.max(axis=0) + 1
    flat = (key[:, 0] * span[1] + key[:, 1]) * span[2] + key[:, 2]
    _, first, inv = np.unique(flat, return_index=True, return_inverse=True)
    area = np.bincount(inv, weights=foot.area_mm2)
    return PreparedFoot(points=foot.points[first], side=foot.side, length_mm=foot.length_mm,
                        area_mm2=area, zone=foot.zone[first], cell_mm=float(cell_mm))


def prepare_foot(foot: Any, *, point_area_mm2: Any = None,
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
        raise ValueError(
            f"`foot` must be in the canonical frame (pternion at y = 0, toes along +y); its "
            f"max y is {length:.1f} mm, not a foot length of 80-400 mm"
        )
    if cell_mm is not None:
        if not (np.isfinite(cell_mm) and cell_mm > 0):
            raise ValueError(f"`cell_mm` must be a positive number; got {cell_mm!r}")
        key = np.floor(pts / cell_mm).astype(np.int64)
        key -= key.min(axis=0)
        span = key.max(axis=0) + 1
        flat = (key[:, 0] * span[1] + key[:, 1]) * span[2] + key[:, 2]
        _, inv, counts = np.unique(flat, return_inverse=True, return_counts=True)
        pts = np.stack([np.bincount(inv, weights=pts[:, k], minlength=len(counts))
                        for k in range(3)], axis=1) / counts[:, None]
        area = np.full(len(pts), float(cell_mm) ** 2)
    elif point_area_mm2 is None:
        area = _point_areas(pts)
    else:
        area = np.asarray(point_area_mm2, dtype=np.float64).reshape(-1)
        if area.shape != (len(pts),) or not np.isfinite(area).all() or (area < 0).any():
            raise ValueError(
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
        """The open3d ray-casting scene of the mesh, built on first use (the ring method
        of :mod:`footfit.fit_rings` needs none, so a simulation imports no open3d)."""
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


def prepare_last(last: Any, *, label: str | None = None) -> PreparedLast:
    """Return the last ready for :func:`simulate_fit` (mesh and ray-casting scene built once).

    Parameters
    ----------
    last : LastParameters, stock row (mapping), trimesh.Trimesh or PreparedLast
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
    from .last.custom import CustomLast

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
            raise ValueError("`last` mesh lacks metadata['last']: build it with build_last_mesh")
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
    from .last.mesh import _ParamView, build_last_mesh
    from .last.styles import style_spec

    mesh = build_last_mesh(last, side="right")
    view = _ParamView(last)
    style = str(view.style)
    liner = float(style_spec(style)["sock_liner_mm"])
    fore = getattr(last, "insole_forefoot_mm", None)
    heel = getattr(last, "insole_heel_mm", None)
    return PreparedLast(mesh=mesh, label=label or _label(last), params=last,
                        style=style, toe_allowance_mm=float(view.toe_allowance_mm),
                        insole_forefoot_mm=liner if fore is None else float(fore),
                        insole_heel_mm=liner if heel is None else float(heel))


def _raised(points: FloatArray, last: PreparedLast, length: float) -> FloatArray:
    """The foot standing on the last's insole (heel thickness to 30 % of the foot length,
    forefoot thickness from 60 %, as the custom last is built)."""
    if last.insole_forefoot_mm == 0.0 and last.insole_heel_mm == 0.0:
        return points
    from ._data import load_table

    cfg = load_table("last_shape.json")["custom_last"]
    a0, a1 = float(cfg["insole_heel_until_fraction"]), float(cfg["insole_forefoot_from_fraction"])
    f = np.clip((points[:, 1] / length - a0) / (a1 - a0), 0.0, 1.0)
    out = points.copy()
    out[:, 2] += last.insole_heel_mm + (last.insole_forefoot_mm - last.insole_heel_mm) * f
    return out


# ----------------------------------------------------------------------------- clearance
def signed_clearance(
    last: Any, points: Any, *, cell_mm: float | None = None
) -> tuple[FloatArray, FloatArray]:
    """Signed distance of points to the last surface: positive inside (room), negative outside.

    Parameters
    ----------
    last : PreparedLast or trimesh.Trimesh
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
        raise ValueError(f"`cell_mm` must be None or a finite number >= 0; got {cell_mm!r}")
    if cell_mm > 0:
        key = np.floor(pts / cell_mm).astype(np.int64)
        key -= key.min(axis=0)
        span = key.max(axis=0) + 1
        flat = (key[:, 0] * span[1] + key[:, 1]) * span[2] + key[:, 2]
        _, inv, counts = np.unique(flat, return_inverse=True, return_counts=True)
        reps = np.stack([np.bincount(inv, weights=pts[:, k], minlength=len(counts))
                         for k in range(3)], axis=1) / counts[:, None]
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


# ----------------------------------------------------------------------------- placement
def _drape(points: FloatArray, last: PreparedLast, foot_length: float,
           shift_y: float) -> tuple[FloatArray, float]:
    """Put the sole on the last bottom: bend, plus a rigid rearfoot rotation for high heels."""
    from .last.bend import bend_points

    return bend_points(points, last.meta, foot_length, shift_y)


def _heel_gap(last: PreparedLast, placed: FloatArray, heel: BoolArray) -> float:
    """Free room behind the heel along -y (negative when the heel is through the back).

    Only the heel proper (``heel``: points low on the standing foot) counts: the leg stump of
    the scan does not follow a rotated rearfoot in a real shoe.
    """
    import open3d as o3d

    meta = last.meta
    if not heel.any():
        return 0.0
    y0 = placed[heel, 1].min()
    sel = np.flatnonzero(heel & (placed[:, 1] < y0 + 15.0)
                         & (placed[:, 2] < meta["top_cut_z_mm"] - 5))
    if len(sel) == 0:
        return 0.0
    sel = sel[:: max(1, len(sel) // 1500)]
    start = placed[sel].copy()
    start[:, 1] += 30.0
    # only rays that start inside the last see its back wall from the inside
    inside = last.ray_scene().compute_occupancy(
        o3d.core.Tensor(start.astype(np.float32))).numpy()
    start = start[inside > 0.5]
    if len(start) == 0:
        return 0.0
    rays = np.concatenate([start, np.tile([0.0, -1.0, 0.0], (len(start), 1))], axis=1)
    hit = last.ray_scene().cast_rays(o3d.core.Tensor(rays.astype(np.float32)))["t_hit"].numpy()
    ok = np.isfinite(hit)
    if not ok.any():
        return 0.0
    return float((hit[ok] - 30.0).min())


def _heel_gap_rings(rings: Mapping[str, Any], sub: FloatArray, placed: FloatArray,
                    shift: float, last: PreparedLast) -> float:
    """:func:`_heel_gap` from the last's section rings (no ray casting): the room behind the
    heel along -y, in the frame of the ring table."""
    from .fit_rings import ring_back_wall

    if len(sub) == 0:
        return 0.0
    if rings["frame"] == "flat":
        q = sub.copy()
        q[:, 1] += shift
    else:
        q = placed
    y0 = q[:, 1].min()
    sel = (q[:, 1] < y0 + 15.0) & (placed[:, 2] < last.meta["top_cut_z_mm"] - 5)
    if not sel.any():
        return 0.0
    q = q[sel][:: max(1, int(sel.sum()) // 1500)]
    wall = ring_back_wall(rings, q)
    ok = np.isfinite(wall)
    if not ok.any():
        return 0.0
    return float((q[ok, 1] - wall[ok]).min())


def _place(foot: PreparedFoot, last: PreparedLast) -> tuple[FloatArray, dict[str, float]]:
    shift = 0.0
    rot = 0.0
    low = 0.15 * foot.length_mm
    # a rotated rearfoot (heel above 25 mm) leans its heel forward above the seat, which the
    # last's heel curve (not pitched) does not follow: there the foot keeps its sole length
    # on the bottom (MTH5 on the last's MTH5) and is only pushed forward if the heel would go
    # through the back, never pulled back into the heel curve
    rotated = float(last.meta["heel_seat_z_mm"]) > float(
        _config()["heel_rotation_above_mm"]["value"])
    # the back of the heel: low, behind 25 % FL, within 12 mm of the axis (a heel wider than
    # the last would otherwise be pushed forward by the rounded sides of the heel curve)
    heel = ((foot.points[:, 2] < low) & (foot.points[:, 2] > 3.0)
            & (foot.points[:, 1] < 0.25 * foot.length_mm)
            & (np.abs(foot.points[:, 0]) < 12.0))
    pts = _raised(foot.points, last, foot.length_mm)
    sub = pts[heel]
    rings = last.meta.get("rings")
    for _ in range(4):
        placed_heel, _ = _drape(sub, last, foot.length_mm, shift)
        if rings is not None:
            gap = _heel_gap_rings(rings, sub, placed_heel, shift, last)
        else:
            gap = _heel_gap(last, placed_heel, np.ones(len(sub), bool))
        gap = float(np.clip(gap, -15, 15))
        if rotated:
            gap = min(gap, 0.0)
        shift -= gap
        if abs(gap) < 0.05:
            break
    placed, rot = _drape(pts, last, foot.length_mm, shift)
    flat = pts.copy()
    flat[:, 1] += shift
    return placed, {"shift_y_mm": shift, "heel_rotation_deg": rot, "_flat": flat}



def _section_perimeter(points: FloatArray, origin: Any, normal: Any, band: float) -> float | None:
    """Convex-hull perimeter of the points within ``band`` of a plane (None if too few)."""
    from scipy.spatial import ConvexHull

    n = np.asarray(normal, dtype=np.float64)
    n = n / np.linalg.norm(n)
    o = np.asarray(origin, dtype=np.float64)
    near = np.abs((points - o) @ n) <= band
    if near.sum() < 20:
        return None
    u = np.cross(n, [0.0, 0.0, 1.0] if abs(n[2]) < 0.9 else [1.0, 0.0, 0.0])
    u /= np.linalg.norm(u)
    v = np.cross(n, u)
    q = np.stack([points[near] @ u, points[near] @ v], axis=1)
    try:
        hull = ConvexHull(q)
    except Exception:  # noqa: BLE001 - qhull raises its own error class on flat input
        return None
    return float(hull.area)  # the perimeter, in 2-D


def _toe_room(last: PreparedLast, placed: FloatArray) -> float:
    """Room in front of the longest toe: the last's toe tip minus the foot's, along y."""
    return float(last.meta["toe_tip_y_mm"]) - float(placed[:, 1].max())


def _room(foot: PreparedFoot, last: PreparedLast, placed: FloatArray, clearance: FloatArray,
          inside_shoe: BoolArray, fit: str) -> dict[str, float | None]:
    """Toe room and girth room against what the style wants."""
    cfg = _config()["sizing"]
    meta = last.meta
    # a thinned foot has one point per cell: the band must hold a layer of them
    band = max(float(cfg["section_band_mm"]), 1.0 * foot.cell_mm)
    pts = placed[inside_shoe]
    room: dict[str, float | None] = {
        "toe_room_mm": _toe_room(last, placed),
        "toe_room_ideal_mm": last.toe_allowance_mm,
    }
    for name in ("ball", "instep"):
        origin, normal = meta[f"{name}_plane"]
        foot_p = _section_perimeter(pts, origin, normal, band)
        room[f"{name}_girth_room_mm"] = (None if foot_p is None
                                         else float(meta[f"{name}_girth_mm"]) - foot_p)
        room[f"{name}_girth_ideal_mm"] = None
    if last.style is not None:
        from .last.styles import fit_preference, style_spec

        from ._data import load_table

        glob = load_table("styles.json")["global"]
        extra = (float(glob["insole_room"]["girth_per_mm_thickness"]) * last.insole_forefoot_mm
                 + float(glob["sock_allowance_girth_mm"]["value"]))
        spec, pref = style_spec(last.style), fit_preference(fit)
        room["ball_girth_ideal_mm"] = (float(spec["ball_girth_ease_mm"])
                                       + float(pref["ball_girth_shift_mm"]) + extra)
        room["instep_girth_ideal_mm"] = (float(spec["instep_girth_ease_mm"])
                                         + float(pref["instep_girth_shift_mm"]) + extra)
    return room


def _intended_squeeze(last: PreparedLast, fit: str) -> dict[str, float]:
    """How far the style means its last to sit under the foot, per zone (mm of radius): a
    negative net girth ease over 2 pi (a dress last made under the foot's girth)."""
    if last.style is None:
        return {}
    from .last.styles import fit_preference, style_spec

    spec, pref = style_spec(last.style), fit_preference(fit)
    ball = float(spec["ball_girth_ease_mm"]) + float(pref["ball_girth_shift_mm"])
    inst = float(spec["instep_girth_ease_mm"]) + float(pref["instep_girth_shift_mm"])
    sq = {"ball": max(0.0, -ball), "toe_box": max(0.0, -ball), "instep": max(0.0, -inst),
          "waist": max(0.0, -0.5 * (ball + inst))}
    return {k: v / (2.0 * np.pi) for k, v in sq.items()}


def _room_penalty(room: Mapping[str, float | None]) -> tuple[float, list[tuple[float, str]]]:
    cfg = _config()["sizing"]
    penalty, words = 0.0, []
    toe, ideal = room.get("toe_room_mm"), room.get("toe_room_ideal_mm")
    if toe is not None and ideal is not None and np.isfinite(toe):
        d = toe - ideal
        over = abs(d) - float(cfg["length_tolerance_mm"])
        if over > 0:
            short = d < 0
            penalty += over * float(cfg["per_mm_short" if short else "per_mm_long"])
            kind = "short" if short else "long"
            words.append((abs(d), f"toe room {toe:.0f} mm: {abs(d):.0f} mm {kind}er than the "
                                  f"{ideal:.0f} mm the style wants"))
    for name, label in (("ball", "ball girth"),):
        r, i = room.get(f"{name}_girth_room_mm"), room.get(f"{name}_girth_ideal_mm")
        if r is None or i is None:
            continue
        d = r - i
        over = abs(d) - float(cfg["girth_tolerance_mm"])
        if over > 0:
            tight = d < 0
            penalty += over * float(cfg["per_mm_girth_tight" if tight else "per_mm_girth_loose"])
            words.append((abs(d), f"{label} {abs(d):.0f} mm {'tight' if tight else 'loose'} "
                                  f"against the style's ease"))
    return penalty, words


# ----------------------------------------------------------------------------- results
_PLACES = {
    "toe_box": {"front": "toe tips", "top": "top of the toes", "bottom": "toe pads",
                "medial": "hallux", "lateral": "little toes"},
    "ball": {"front": "ball", "back": "ball", "top": "top of the ball", "bottom": "ball tread",
             "medial": "inner ball (MTH1)", "lateral": "outer ball (MTH5)"},
    "instep": {"front": "instep", "back": "instep", "top": "instep", "bottom": "instep",
               "medial": "inner instep", "lateral": "outer instep"},
    "waist": {"front": "waist", "back": "waist", "top": "waist", "bottom": "arch",
              "medial": "arch side", "lateral": "outer waist"},
    "heel": {"front": "heel", "back": "back of the heel", "top": "heel", "bottom": "heel seat",
             "medial": "inner heel", "lateral": "outer heel"},
}


def _direction(n: FloatArray) -> str:
    ax = int(np.argmax(np.abs(n)))
    if ax == 0:
        return "lateral" if n[0] > 0 else "medial"
    if ax == 1:
        return "front" if n[1] > 0 else "back"
    return "top" if n[2] > 0 else "bottom"


@dataclass(frozen=True)
class ZoneFit:
    """How one zone of the foot sits in the last.

    Attributes
    ----------
    zone : str
        Zone name (:data:`ZONE_NAMES`).
    n_points : int
        Foot points in the zone (inside the shoe).
    min_clearance_mm, mean_clearance_mm : float or None
        Clearance statistics (mean weighted by area); None for an empty zone.
    median_clearance_mm : float or None
        Area-weighted median clearance under the upper (points whose nearest last surface
        is not the bottom: the sole always rests on the bottom), the zone's "room".
    contact_area_cm2, pressed_area_cm2 : float
        Area within the contact tolerance (pressed included) and area pressed.
    pressure_mm : float
        Depth the foot goes through the last over at least 1 cm^2 (0 when it does not).
    slack_mm : float
        Median clearance beyond the zone's slack limit.
    verdict : {'tight', 'loose', 'good', 'as designed', 'no data'}
        ``'as designed'``: pressed no more than the style's own negative ease there (a dress
        last made under the foot's girth), judged by the zone's worst point.
    where : str
        Place of the tightest spot (e.g. ``"hallux"``), or of the zone when loose.
    words : str
        E.g. ``"toe box 2 mm tight at the hallux"``.
    """

    zone: str
    n_points: int
    min_clearance_mm: float | None
    mean_clearance_mm: float | None
    median_clearance_mm: float | None
    contact_area_cm2: float
    pressed_area_cm2: float
    pressure_mm: float
    slack_mm: float
    verdict: str
    where: str
    words: str

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        def r(v: float | None) -> float | None:
            return None if v is None else round(float(v), 2)

        return {
            "zone": self.zone, "n_points": int(self.n_points),
            "min_clearance_mm": r(self.min_clearance_mm),
            "mean_clearance_mm": r(self.mean_clearance_mm),
            "median_clearance_mm": r(self.median_clearance_mm),
            "contact_area_cm2": r(self.contact_area_cm2),
            "pressed_area_cm2": r(self.pressed_area_cm2),
            "pressure_mm": r(self.pressure_mm), "slack_mm": r(self.slack_mm),
            "verdict": self.verdict, "where": self.where, "words": self.words,
        }


@dataclass(frozen=True)
class FitResult:
    """The foot tried in one last.

    Attributes
    ----------
    last_label : str
        Which last (stock id or ``"custom <size>"``).
    score : float
        Fit score 100 exp(-penalty / 100): 100 with no pressure nor slack beyond the limits,
        toward 0 for an unwearable last.
    summary : tuple of str
        Words per zone that is tight or loose (``"toe box 2 mm tight at the hallux"``), or
        ``("fits well: no pressure, no slack",)``.
    zones : tuple of ZoneFit
        In :data:`ZONE_NAMES` order (``open`` excluded).
    clearance_mm : (n,) float
        Signed clearance of every foot point (negative = would press), input order.
    zone : (n,) int
        Zone of every point (index into :data:`ZONE_NAMES`; ``open`` = outside the shoe).
    normals : (n, 3) float
        Outward normal of the last at each point's closest surface point.
    points_placed : (n, 3) float, mm
        The foot as placed in the last (draw it with ``last.mesh``).
    placement : dict
        ``shift_y_mm`` (heel against the back), ``heel_rotation_deg`` (rearfoot rotation
        for heels above 25 mm, else 0), ``cell_mm`` (-1 = the ring method of
        :mod:`footfit.fit_rings`, 0 = exact clearance, > 0 = cells).
    room : dict
        ``toe_room_mm`` (the last's toe tip minus the foot's longest toe, along y) beside
        ``toe_room_ideal_mm`` (the last's toe allowance), ``ball_girth_room_mm`` and
        ``instep_girth_room_mm`` (last girth minus the foot's convex-hull girth in the last's
        planes) beside the ``*_ideal_mm`` the style and fit preference want (None when
        unknown).
    sections : tuple of footfit.fit_sections.SectionRow
        The foot-minus-last table by section with its bands (girths, widths, toe room,
        dorsal heights, MTH1 vs the ball line).
    """

    last_label: str
    score: float
    summary: tuple[str, ...]
    zones: tuple[ZoneFit, ...]
    clearance_mm: FloatArray = field(repr=False)
    zone: IntArray = field(repr=False)
    normals: FloatArray = field(repr=False)
    points_placed: FloatArray = field(repr=False)
    placement: Mapping[str, float] = field(default_factory=dict)
    room: Mapping[str, float | None] = field(default_factory=dict)
    sections: tuple[Any, ...] = ()

    def zone_fit(self, name: str) -> ZoneFit:
        """Return the :class:`ZoneFit` of zone ``name``."""
        for z in self.zones:
            if z.zone == name:
                return z
        raise KeyError(f"no zone {name!r}; zones are {[z.zone for z in self.zones]}")

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (the per-point arrays are left out)."""
        return {
            "last": self.last_label,
            "score": round(float(self.score), 1),
            "summary": list(self.summary),
            "zones": [z.to_dict() for z in self.zones],
            "placement": {k: round(float(v), 3) for k, v in self.placement.items()},
            "room": {k: (None if v is None or not np.isfinite(v) else round(float(v), 2))
                     for k, v in self.room.items() if not k.startswith("_")},
            "sections": [r.to_dict() for r in self.sections],
        }


def _zone_fit(name: str, c: FloatArray, a: FloatArray, nrm: FloatArray,
              intent_mm: float = 0.0) -> ZoneFit:
    cfg = _config()
    tol = cfg["tolerances"]
    label = cfg["zones"]["labels"][name]
    if len(c) == 0:
        return ZoneFit(name, 0, None, None, None, 0.0, 0.0, 0.0, 0.0, "no data", "",
                       f"{label}: no points of the foot there")
    order = np.argsort(c)
    cs, as_ = c[order], a[order]
    cum = np.cumsum(as_)
    k = int(min(np.searchsorted(cum, float(tol["pressure_area_mm2"])), len(cs) - 1))
    pressure = max(0.0, -float(cs[k]))
    w = a / a.sum() if a.sum() > 0 else np.full(len(a), 1.0 / len(a))
    mean = float(np.sum(w * c))
    # room is judged under the upper: the sole always rests on the last bottom
    upper = nrm[order, 2] > -0.7
    ou = order[upper] if upper.any() else order  # already sorted by clearance
    cum_u = np.cumsum(w[ou])
    median = float(c[ou][int(min(np.searchsorted(cum_u, 0.5 * cum_u[-1]), len(ou) - 1))])
    slack = max(0.0, median - float(cfg["slack_limit_mm"][name]))
    where = _PLACES[name][_direction(nrm[order[k]])]
    verdicts = cfg["verdicts"]
    if float(verdicts["tight_mm"]) < pressure <= float(verdicts["tight_mm"]) + intent_mm:
        verdict = "as designed"
        words = (f"{label} held {pressure:.1f} mm, as the style intends "
                 f"(a snug last, {intent_mm:.1f} mm under the foot there)")
    elif pressure > float(verdicts["tight_mm"]):
        verdict = "tight"
        words = f"{label} {pressure:.0f} mm tight at the {where}"
        if round(pressure) == 0:
            words = f"{label} {pressure:.1f} mm tight at the {where}"
    elif slack > float(verdicts["loose_mm"]):
        verdict = "loose"
        where = label
        words = f"{label} {slack:.0f} mm loose (median room {median:.0f} mm)"
    else:
        verdict = "good"
        words = f"{label} fits (median room {median:.1f} mm)"
    return ZoneFit(
        zone=name, n_points=len(c), min_clearance_mm=float(cs[0]), mean_clearance_mm=mean,
        median_clearance_mm=median,
        contact_area_cm2=float(a[c <= float(tol["contact_mm"])].sum()) / 100.0,
        pressed_area_cm2=float(a[c < -float(tol["pressed_mm"])].sum()) / 100.0,
        pressure_mm=pressure, slack_mm=slack, verdict=verdict, where=where, words=words,
    )


def simulate_fit(foot: Any, last: Any, *, fit: str = "standard", cell_mm: float | None = None,
                 point_area_mm2: Any = None, measurements: Any = None) -> FitResult:
    """Try the foot in a last: signed clearance of every foot point and a per-zone summary.

    Parameters
    ----------
    foot : AlignedFoot, PreparedFoot or (n, 3) array_like of float, mm
        The foot in the canonical frame (:func:`footfit.align.align_foot`; left feet are
        already mirrored into the right-foot frame).
    last : LastParameters, stock row, trimesh.Trimesh or PreparedLast
        The last (built with :func:`footfit.last.build_last_mesh` when not a mesh). Use
        :func:`prepare_last` / :func:`prepare_foot` to try many pairs without rebuilding.
    fit : {'snug', 'standard', 'roomy'}, default='standard'
        The wearer's fit preference: shifts the girth room the style wants.
    cell_mm : float or None, default=None
        Clearance method: ``None`` takes the last's section rings
        (:func:`footfit.fit_rings.ring_clearance`, a few vectorized passes) when its mesh
        carries them, else :func:`signed_clearance` exact up to 20k points and 2 mm cells
        above; a number forces :func:`signed_clearance` with that cell size.
    point_area_mm2 : (n,) array_like of float, optional
        Area per point; default from the point density.
    measurements : FootMeasurements, optional
        The foot's measurements, for the widths and MTH1 rows of ``FitResult.sections``.

    Returns
    -------
    FitResult

    Notes
    -----
    Placement: the sole goes on the last bottom and the heel against the heel curve. Up to a
    25 mm heel the foot is laid on the bottom curve: a point at distance y along the floor and
    height z above it goes z straight above the bottom point at arc length y (from the same
    heel reference), so the sole keeps its length over the heel rise and the toe spring and
    the dorsum rides on it without turning. Above 25 mm the rearfoot is instead rotated
    rigidly about the ball line (the MTP joints, at the last's MTH5 station) by the angle that
    sets the heel centre on the seat, blended over 30 mm so the dorsum stays continuous; the
    forefoot is still bent onto the toe spring. Soft tissue, the arch and the toes do not
    deform otherwise. Then the foot slides along y until the back of its heel (3 mm to 15 % of
    the foot length high, within 12 mm of the axis) touches the back of the last (ray
    casting). Above a 25 mm heel the foot is only pushed forward when its heel would go
    through the back, never pulled back: the rotated heel leans forward above the seat and
    the last's heel curve is not pitched to follow it (a simplification; the instep of a
    rotated foot also rises into the last, so instep pressure is overstated above about
    30 mm of heel). Foot points above the top cut, or whose nearest last surface is the top
    cut, are ``open`` (outside the shoe) and left out of the zones, as is the leg above the
    shoe's topline: heel or waist points, and any point behind 41 % of the foot length,
    above the back height of the last over the heel curve (within 15 mm of the axis) or
    above 0.7 of it at the sides, under the malleoli.

    Zones (``footfit/data/fit_zones.json``): toe box from 78 % of the foot length, ball 60-78 %,
    heel below 25 %, and between them the instep (above half the dorsal height) and the
    waist/arch. Per zone: min, area-weighted mean and median clearance, area in contact and
    pressed, the pressure depth over 1 cm^2 and the median slack beyond the zone's limit.
    Room: toe room (the last's toe tip minus the foot's longest toe, along y, after placing)
    against the last's toe allowance, and ball girth room (last girth minus the foot's
    convex-hull girth in the last's own ball plane) against the style's ease plus the fit
    shift. The instep girth room is reported but not scored: the instep plane of a heeled last
    tilts with the bent foot, so the style's ease (set on the standing foot) does not apply.
    Penalty = sum of zone weight x (12 per mm pressed beyond 0.5 mm + 8 per mm of slack)
    - room penalties (8 per mm short / 4 per mm long beyond 2.5 mm; 4 per mm tight / 3 per mm
    loose girth beyond 2 mm): with P that total penalty, score = 100 exp(-P / 100), which
    stays in 0-100 and keeps badly fitting lasts in order (P = 10 scores 90, 50 scores 61,
    200 scores 14).

    References
    ----------
    .. [1] DOMAIN.md sections 3 and 5 (landmark positions, allowances, the last as the inside
       of the shoe).
    """
    pf = prepare_foot(foot, point_area_mm2=point_area_mm2)
    pl = prepare_last(last)
    placed, placement = _place(pf, pl)
    flat = placement.pop("_flat")
    rings = pl.meta.get("rings")
    if rings is not None and cell_mm is None:
        from .fit_rings import ring_clearance

        clearance, normals = ring_clearance(rings, flat if rings["frame"] == "flat" else placed)
        cell_mm = -1.0  # said in placement: the ring method
    else:
        if cell_mm is None:
            cell_mm = 0.0 if len(placed) <= 20_000 else 2.0
        clearance, normals = signed_clearance(pl, placed, cell_mm=cell_mm)
    meta = pl.meta
    cfg = _config()
    z_cut = float(meta["top_cut_z_mm"])
    margin = float(cfg["tolerances"]["open_margin_mm"])
    # nearest surface is the top cut face, or the point is above it
    on_cut = (normals[:, 2] > 0.98) & (placed[:, 2] + np.abs(clearance) >= z_cut - margin)
    open_: BoolArray = (placed[:, 2] >= z_cut - margin) | on_cut
    if "collar_z_mm" in meta:  # behind the throat the shoe stops at the heel-curve height
        rear = np.isin(pf.zone, [ZONE_NAMES.index("heel"), ZONE_NAMES.index("waist")])
        rear |= pf.points[:, 1] < float(cfg["zones"]["collar_front"]) * pf.length_mm
        # the topline dips below the malleoli at the sides of the heel
        seat = float(meta["heel_seat_z_mm"])
        back = float(meta["collar_z_mm"]) - seat
        side = np.abs(pf.points[:, 0]) > float(cfg["zones"]["collar_back_half_width_mm"])
        top = seat + back * np.where(side, float(cfg["zones"]["collar_side_fraction"]), 1.0)
        open_ |= rear & (placed[:, 2] > top)
    zone = pf.zone.copy()
    zone[open_] = _OPEN
    intent = _intended_squeeze(pl, fit)
    fits = []
    for zi, name in enumerate(ZONE_NAMES[:-1]):
        sel = zone == zi
        fits.append(_zone_fit(name, clearance[sel], pf.area_mm2[sel], normals[sel],
                              intent.get(name, 0.0)))
    sc = cfg["score"]
    tol = float(cfg["tolerances"]["pressed_mm"])
    penalty = sum(
        float(sc["weights"][f.zone]) * (
            float(sc["per_mm_pressed"]) * max(0.0, f.pressure_mm - tol - intent.get(f.zone, 0.0))
            + float(sc["per_mm_loose"]) * f.slack_mm)
        for f in fits if f.n_points
    )
    room = _room(pf, pl, placed, clearance, ~open_, fit)
    room_penalty, room_words = _room_penalty(room)
    score = float(100.0 * np.exp(-(penalty + room_penalty) / 100.0))
    from .fit_sections import section_table

    room["_shift_y_mm"] = float(placement["shift_y_mm"])
    sections = section_table(pf, pl, placed, room, measurements, clearance=clearance,
                             normals=normals, in_shoe=~open_)
    ranked = [(f.pressure_mm if f.verdict == "tight" else f.slack_mm, f.words)
              for f in fits if f.verdict in ("tight", "loose")] + room_words
    ranked.sort(key=lambda t: -t[0])
    summary = tuple(w for _, w in ranked) or ("fits well: no pressure, no slack",)
    placement = dict(placement)
    placement["cell_mm"] = float(cell_mm)  # -1: the ring method, 0: exact, > 0: cells
    return FitResult(
        last_label=pl.label, score=score, summary=summary, zones=tuple(fits),
        clearance_mm=clearance, zone=zone, normals=normals, points_placed=placed,
        placement=placement, room=room, sections=sections,
    )


# ----------------------------------------------------------------------------- sizing
@dataclass(frozen=True)
class StockFit:
    """One stock last tried on the foot."""

    id: str
    size_mm: int
    cn_width_type: str
    width_index: int
    label: str
    fit: FitResult

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "id": self.id, "size_mm": int(self.size_mm), "cn_width_type": self.cn_width_type,
            "label": self.label, "score": round(float(self.fit.score), 1),
            "summary": list(self.fit.summary),
        }


@dataclass(frozen=True)
class SizeBySimulation:
    """The stock size that fits best in simulation, beside the formula size.

    Attributes
    ----------
    best : StockFit
        Highest score (ties: nearer the formula last).
    formula : StockFit
        The stock last the formula picks (:func:`footfit.last.nearest_stock_last`).
    candidates : tuple of StockFit
        Every last tried, best first.
    agrees : bool
        Whether the simulation picks the formula last.
    explanation : str
        Why they differ, or that they agree.
    """

    best: StockFit
    formula: StockFit
    candidates: tuple[StockFit, ...]
    agrees: bool
    explanation: str

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (the ``fit`` section of a foot in the FitReport)."""
        return {
            "recommended": self.best.to_dict(),
            "formula": self.formula.to_dict(),
            "agrees": bool(self.agrees),
            "explanation": self.explanation,
            "recommended_fit": self.best.fit.to_dict(),
            "candidates": [c.to_dict() for c in self.candidates],
        }


_PREPARED: dict[tuple[str, str], PreparedLast] = {}


def _prepared_stock(row: Mapping[str, Any], library_path: str) -> PreparedLast:
    key = (library_path, str(row["id"]))
    pl = _PREPARED.get(key)
    if pl is None:
        from .fit_cache import load_stock_mesh, save_stock_mesh
        from .last.styles import style_spec

        sid = str(row["id"])
        mesh = load_stock_mesh(sid)
        if mesh is None:
            pl = prepare_last(dict(row), label=sid)
            save_stock_mesh(sid, pl.mesh)
        else:
            liner = float(style_spec(str(row["style"]))["sock_liner_mm"])
            pl = PreparedLast(mesh=mesh, label=sid, params=dict(row), style=str(row["style"]),
                              toe_allowance_mm=float(row["toe_allowance_mm"]),
                              insole_forefoot_mm=liner, insole_heel_mm=liner)
        if len(_PREPARED) > 256:
            _PREPARED.clear()
        _PREPARED[key] = pl
    return pl


def _stock_label(row: Mapping[str, Any]) -> str:
    return f"{int(row['size_mm'])}({row['cn_width_type']})"


def size_by_simulation(
    foot: Any,
    params: Any,
    *,
    library: Any = None,
    sizes_around: int = 1,
    widths_around: int = 1,
    cell_mm: float | None = None,
    screen_cell_mm: float | None = None,
) -> SizeBySimulation:
    """Recommend the stock last that fits the foot best in simulation.

    Parameters
    ----------
    foot : AlignedFoot, PreparedFoot or (n, 3) array_like of float, mm
        The foot in the canonical frame.
    params : LastParameters
        The custom last of this foot (:func:`footfit.last.generate_last`): sets the style and
        group, and the formula stock last (:func:`footfit.last.nearest_stock_last`).
    library : StockLastLibrary, optional
        Default ``footfit/data/lasts.csv``.
    sizes_around, widths_around : int, default=1
        Candidates: stock sizes within this many length steps and width types of the formula
        last (3 x 3 = 9 lasts by default).
    cell_mm : float or None, default=None
        Clearance method of the full-resolution runs (see :func:`signed_clearance`).
    screen_cell_mm : float or None, default=None
        The candidates are ranked on a coarse foot, one scan point per cell of this size
        (areas summed, exact clearance), then the recommended and the formula lasts are
        simulated again on every point; ``None`` takes ``simulation.screen_cell_mm`` of
        ``footfit/data/fit_zones.json``; ``0`` simulates every candidate on every point.

    Returns
    -------
    SizeBySimulation

    Raises
    ------
    ValueError
        Bad ``sizes_around`` / ``widths_around``, or no stock last of the style.

    Notes
    -----
    Stock meshes are built once per process and cached (about 50 ms each); the foot's zones
    and point areas are computed once.
    """
    from .last import load_stock_lasts, nearest_stock_last

    for name, v in (("sizes_around", sizes_around), ("widths_around", widths_around)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
            raise ValueError(f"`{name}` must be an int >= 0; got {v!r}")
    lib = load_stock_lasts() if library is None else library
    pf = prepare_foot(foot)
    if screen_cell_mm is None:
        screen_cell_mm = float(_config()["simulation"]["screen_cell_mm"])
    formula_row = nearest_stock_last(params, library=lib, k=1)[0].stock_last
    rows = lib.select(formula_row["style"], formula_row["group"])
    sizes = sorted({int(r["size_mm"]) for r in rows})
    i0 = sizes.index(int(formula_row["size_mm"]))
    keep_sizes = set(sizes[max(0, i0 - sizes_around): i0 + sizes_around + 1])
    w0 = int(formula_row["width_index"])
    cands = [r for r in rows if int(r["size_mm"]) in keep_sizes
             and abs(int(r["width_index"]) - w0) <= widths_around]
    coarse = _reduce_foot(pf, float(screen_cell_mm)) if screen_cell_mm else pf
    results = []
    for r in cands:
        fit = simulate_fit(coarse, _prepared_stock(r, str(lib.path)), fit=params.fit,
                           cell_mm=cell_mm)
        results.append(StockFit(id=str(r["id"]), size_mm=int(r["size_mm"]),
                                cn_width_type=str(r["cn_width_type"]),
                                width_index=int(r["width_index"]), label=_stock_label(r),
                                fit=fit))

    def rank(s: StockFit) -> tuple[float, float]:
        steps = abs(sizes.index(s.size_mm) - i0) + abs(s.width_index - w0)
        return (-round(s.fit.score, 1), steps)

    results.sort(key=rank)
    if screen_cell_mm:  # the recommended and the formula lasts again, on every point
        full: dict[str, StockFit] = {}

        def refine(s_fit: StockFit) -> None:
            if s_fit.id not in full:
                row = next(r for r in cands if str(r["id"]) == s_fit.id)
                full[s_fit.id] = dataclasses.replace(s_fit, fit=simulate_fit(
                    pf, _prepared_stock(row, str(lib.path)), fit=params.fit, cell_mm=cell_mm))

        refine(next(s for s in results if s.id == str(formula_row["id"])))
        while results[0].id not in full:  # until the best is scored on every point
            refine(results[0])
            results = sorted((full.get(s.id, s) for s in results), key=rank)
        results = sorted((full.get(s.id, s) for s in results), key=rank)
    best = results[0]
    formula = next(s for s in results if s.id == str(formula_row["id"]))
    agrees = best.id == formula.id
    if agrees:
        explanation = (f"the simulation agrees with {formula.label}, the stock last nearest this "
                       f"foot's own last (fit score {formula.fit.score:.0f}/100)")
    else:
        reasons = "; ".join(formula.fit.summary)
        explanation = (
            f"simulation prefers {best.label} (score {best.fit.score:.0f}) to {formula.label}, "
            f"the stock last nearest this foot's own last (score "
            f"{formula.fit.score:.0f}): in {formula.label} {reasons}"
        )
    return SizeBySimulation(best=best, formula=formula, candidates=tuple(results),
                            agrees=agrees, explanation=explanation)


# ----------------------------------------------------------------------------- report section
@dataclass(frozen=True)
class FootFit:
    """The ``fit`` section of a foot in the FitReport.

    Attributes
    ----------
    custom : FitResult
        The foot tried in its own custom last.
    sizing : SizeBySimulation or None
        Stock size by simulation beside the formula size (None when the library has no last
        of the style and group, said in ``notes``).
    notes : tuple of str
        What could not be simulated and why.
    """

    custom: FitResult
    sizing: SizeBySimulation | None = None
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready ``fit`` section (no per-point arrays)."""
        return {
            "custom": self.custom.to_dict(),
            "stock_size": None if self.sizing is None else self.sizing.to_dict(),
            "notes": list(self.notes),
        }


def fit_foot(foot: Any, params: Any, *, library: Any = None, stock: bool = True,
             measurements: Any = None) -> FootFit:
    """Simulate the foot in its custom last and, optionally, size it on the stock lasts.

    Parameters
    ----------
    foot : AlignedFoot, PreparedFoot or (n, 3) array_like of float, mm
        The foot in the canonical frame.
    params : CustomLast or LastParameters
        Its custom last: the one built from the scan (:func:`footfit.last.build_custom_last`)
        or, from parameters alone, the template last of :func:`footfit.last.build_last_mesh`.
    library : StockLastLibrary, optional
        Stock lasts (default ``footfit/data/lasts.csv``).
    stock : bool, default=True
        Also run :func:`size_by_simulation`.
    measurements : FootMeasurements, optional
        For the widths and MTH1 rows of the section table.

    Returns
    -------
    FootFit
    """
    from .last.custom import CustomLast

    pf = foot if isinstance(foot, PreparedFoot) else prepare_foot(
        foot, cell_mm=float(_config()["simulation"]["working_cell_mm"]))
    lp = params.params if isinstance(params, CustomLast) else params
    custom = simulate_fit(pf, params, fit=getattr(lp, "fit", "standard"),
                          measurements=measurements)
    sizing, notes = None, []
    if stock:
        try:
            sizing = size_by_simulation(pf, lp, library=library)
        except ValueError as exc:
            notes.append(f"no stock size by simulation: {exc}")
    return FootFit(custom=custom, sizing=sizing, notes=tuple(notes))
