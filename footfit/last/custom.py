"""A custom last built from the foot scan itself.

:func:`build_custom_last` takes the aligned foot and the trade parameters of its last
(:func:`footfit.last.generate_last`) and builds the last's surface station by station: each
cross-section holds the foot's own section (the outline a tape would follow) raised by the
insole and grown by the style's ease for that region; the bottom is the last's own (basic
width at the ball, heel seat, waist, feather edge), the toe box the style's toe shape with its
toe allowance, and the heel height and toe spring are applied by the same bend
(:func:`footfit.last.bend.bend_points`) that re-poses the foot in the fit simulation.

References
----------
.. [1] LASTS.md sections 1-6 (allowances, widths, toe spring vs heel height, "recommended
   here": the union of the style section and the foot's section grown by the regional
   ease; fit judged per section).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from footfit._core.typing import FloatArray
from footfit._core.validation import as_points
from footfit._data import load_table
from footfit.exceptions import DegenerateScanError
from footfit.last.bend import bend_points
from footfit.last.mesh import _assemble_rings, _plane_hull_perimeter
from footfit.last.params import LastParameters
from footfit.last.profile import _gauss1d, _pchip, _taper, last_bottom_profile
from footfit.last.support import slab_support

if TYPE_CHECKING:
    from footfit._core.typing import ArrayLike
    from footfit.align import AlignedFoot

__all__ = ["CustomLast", "build_custom_last", "stand_on_insole"]


@dataclass(frozen=True)
class CustomLast:
    """A custom last made from one foot.

    Attributes
    ----------
    params : LastParameters
        The trade parameters of the built last: girths, stick length and the heel girths
        as measured on the mesh; lengths, bottom widths and positions as built.
    mesh : footfit.last.surface.LastSurface
        Watertight, outward-wound surface (right-foot frame unless ``params.side`` is
        left), ``metadata['last']`` as :func:`footfit.last.build_last_mesh` writes it;
        ``mesh.export("last.stl")`` or ``mesh.to_trimesh()`` for a ``trimesh.Trimesh``.
    targets : dict
        The girths the trade rules asked for (``ball_girth_mm``...), beside the built ones.
    """

    params: LastParameters
    mesh: Any
    targets: dict[str, float]


def _cfg() -> dict[str, Any]:
    return load_table("last_shape.json")["custom_last"]


def stand_on_insole(points: FloatArray, foot_length_mm: float, *, heel_mm: float,
                    forefoot_mm: float) -> FloatArray:
    """Return the foot standing on an insole.

    Raised by its heel thickness up to 30 % of the foot length and by its forefoot
    thickness from 60 %, linear between (``custom_last`` of
    ``footfit/data/last_shape.json``). The custom last is built on the foot raised this way,
    and the fit simulation raises the foot the same way before it tries a last.
    """
    if heel_mm == 0.0 and forefoot_mm == 0.0:
        return points
    cfg = _cfg()
    a0, a1 = float(cfg["insole_heel_until_fraction"]), float(cfg["insole_forefoot_from_fraction"])
    f = np.clip((points[:, 1] / foot_length_mm - a0) / (a1 - a0), 0.0, 1.0)
    out = points.copy()
    out[:, 2] += heel_mm + (forefoot_mm - heel_mm) * f
    return out


def _vertices(h: FloatArray, phi: FloatArray) -> FloatArray:
    """Return the vertices of the convex polygons of support values ``h`` (k, m).

    At the outward directions ``phi`` (m,): the intersections of consecutive support
    lines, (k, m, 2).
    """
    p0, p1 = phi, np.roll(phi, -1)
    h0, h1 = h, np.roll(h, -1, axis=1)
    det = np.sin((p1 - p0) % (2.0 * np.pi))
    x = (h0 * np.sin(p1) - h1 * np.sin(p0)) / det
    z = (h1 * np.cos(p0) - h0 * np.cos(p1)) / det
    return np.stack([x, z], axis=-1)


def _support_points(q: FloatArray, n: FloatArray) -> FloatArray:
    """Support values of a point set (..., j, 2) in directions n (m, 2): (..., m)."""
    return (q @ n.T).max(axis=-2)


def _bottom_halfwidths(p: LastParameters, y: FloatArray, y0: float, y_tip: float,
                       toe: dict[str, Any], heel_exp: float) -> tuple[FloatArray, FloatArray]:
    """Medial and lateral half-widths of the last bottom (flat frame) at stations ``y``."""
    off = p.heel_allowance_mm  # flat frame: positions along the bottom + heel allowance
    y_hc, y_w = p.heel_centre_position_mm + off, p.waist_position_mm + off
    y_m5, y_m1 = p.mth5_position_mm + off, p.mth1_position_mm + off
    y_hx, y_t5 = p.hallux_bulge_position_mm + off, p.toe5_bulge_position_mm + off
    seat = 0.5 * p.heel_seat_width_mm
    wf = load_table("styles.json")["global"]["waist_width_fraction_of_basic_width"]
    w_med = p.waist_width_mm * float(wf["medial"]) / (float(wf["medial"]) + float(wf["lateral"]))
    w_lat = p.waist_width_mm - w_med
    bm = _pchip([y_hc, y_w, y_m1, y_hx],
                [seat, w_med, p.width_mth1_medial_mm, p.width_hallux_medial_mm],
                np.clip(y, y_hc, y_hx))
    bl = _pchip([y_hc, y_w, y_m5, y_t5],
                [seat, w_lat, p.width_mth5_lateral_mm, p.width_toe5_lateral_mm],
                np.clip(y, y_hc, y_t5))
    pe = float(toe["plan_exponent"])
    bm = np.where(y > y_hx, p.width_hallux_medial_mm * _taper((y - y_hx) / (y_tip - y_hx), pe),
                  bm)
    bl = np.where(y > y_t5, p.width_toe5_lateral_mm * _taper((y - y_t5) / (y_tip - y_t5), pe),
                  bl)
    rear = y < y_hc
    rb = _taper((y_hc - y) / (y_hc - y0), heel_exp)
    bm = np.where(rear, seat * rb, bm)
    bl = np.where(rear, seat * rb, bl)
    outside = (y < y0) | (y > y_tip)
    return np.where(outside, 0.0, bm), np.where(outside, 0.0, bl)


def _spread(v: FloatArray) -> FloatArray:
    """Spread the points of each ring along its outline so no two coincide.

    At a sharp corner (the feather edge, the cone's top) many support directions meet in one
    point; a mesh with coincident vertices is no longer closed once a reader merges them
    (STL). Each point slides 0.01 mm per index along the outline: distinct, still on it,
    corners kept within a few tenths of a mm.
    """
    k, m, _ = v.shape
    seg = np.linalg.norm(np.diff(np.concatenate([v, v[:, :1]], axis=1), axis=1), axis=2)
    cum = np.concatenate([np.zeros((k, 1)), np.cumsum(seg, axis=1)], axis=1)  # (k, m+1)
    total = cum[:, -1:]
    t = np.mod(cum[:, :-1] + 0.01 * np.arange(m)[None, :], np.maximum(total, 1e-9))
    closed = np.concatenate([v, v[:, :1]], axis=1)
    # one interpolation for every ring: ring i's arc lengths shifted past ring i - 1's
    off = (np.cumsum(total[:, 0] + 1.0) - (total[:, 0] + 1.0))[:, None]
    xp, x = (cum + off).reshape(-1), (t + off).reshape(-1)
    out = np.stack([np.interp(x, xp, closed[..., d].reshape(-1)).reshape(k, m)
                    for d in range(2)], axis=-1)
    flat = total[:, 0] <= 0
    out[flat] = v[flat]
    return out


def _ease_profile(y: FloatArray, knots: list[tuple[float, float]]) -> FloatArray:
    ky, kv = zip(*sorted(knots), strict=True)
    return np.interp(y, ky, kv)


def _foot_sections(foot: FloatArray, p: LastParameters, fl: float) -> dict[str, Any]:
    """Return what does not depend on the eases: stations, smoothed foot section supports."""
    cfg = _cfg()
    m = int(cfg["ring_points"])
    phi = np.linspace(-0.5 * np.pi, 1.5 * np.pi, m, endpoint=False)  # from straight down
    n = np.stack([np.cos(phi), np.sin(phi)], axis=1)
    off = p.heel_allowance_mm
    y_tip = p.bottom_length_mm + off
    z_cut, collar = p.top_cut_height_mm, p.back_height_mm
    pts = stand_on_insole(foot, fl, heel_mm=p.insole_heel_mm, forefoot_mm=p.insole_forefoot_mm)
    rear_y = float(cfg["rear_until_fraction_of_foot_length"]) * fl
    keep = (pts[:, 2] <= z_cut) & ~((pts[:, 1] < rear_y) & (pts[:, 2] > collar))
    pts = pts[keep]
    if len(pts) < 500:
        raise DegenerateScanError("too few foot points below the last's top to build it from")
    y_min, y_foot_tip = float(pts[:, 1].min()), float(pts[:, 1].max())
    step = float(cfg["station_spacing_mm"])
    # the first station just in front of the pternion: the slab there widens until it holds
    # the back of the heel, so the loft's back is blunt and holds the heel (no cone into it)
    ys_foot = np.concatenate([[y_min + 0.25], np.arange(y_min + step, y_foot_tip - 0.5, step)])
    n_toe = max(3, int(np.ceil((y_tip - 1.0 - y_foot_tip) / step)) + 1)
    ys_toe = np.linspace(max(y_foot_tip - 0.5, ys_foot[-1] + 0.5 * step), y_tip - 1.0, n_toe)
    ys = np.concatenate([ys_foot, ys_toe])
    h_raw, valid = slab_support(pts, ys, n, float(cfg["slab_half_width_mm"]),
                                 int(cfg["min_points_per_slab"]))
    if valid.sum() < 10:
        raise DegenerateScanError("too few foot sections to build a custom last from")
    # smooth along the length (a Gaussian average of support functions is again a convex
    # section) and across; then put back out, locally, wherever smoothing cut into the foot
    sig = float(cfg["smoothing_sigma_mm"]) / step
    iv = np.flatnonzero(valid)
    filled = np.stack([np.interp(ys, ys[iv], h_raw[iv, j]) for j in range(m)], axis=1)
    h_s = _gauss1d(filled, sig, axis=0, mode="nearest")
    h_s = _gauss1d(h_s, 1.0, axis=1, mode="wrap")
    deficit = np.where(valid[:, None], np.maximum(h_raw - h_s, 0.0), 0.0)
    spread = _gauss1d(deficit, 1.5, axis=1, mode="wrap")
    spread = _gauss1d(spread, 1.0, axis=0, mode="nearest")
    scale = np.where(deficit > 1e-9, deficit / np.maximum(spread, 1e-9), 0.0).max(
        axis=1, keepdims=True)
    h_s = h_s + np.minimum(scale, 4.0) * spread
    h_s = np.maximum(h_s, np.where(valid[:, None], h_raw - 0.2, -np.inf))
    heel_sel = pts[:, 1] < 0.2 * fl
    heel_w = (float(np.ptp(pts[heel_sel, 0])) if heel_sel.sum() > 10
              else p.heel_seat_width_mm)
    return {"ys": ys, "valid": valid, "h": h_s, "phi": phi, "n": n, "y_min": y_min,
            "rear_y": rear_y, "heel_w": heel_w,
            "x_tip": float(foot[np.argmax(foot[:, 1]), 0])}


def _rings(sec: dict[str, Any], p: LastParameters, eases: dict[str, float],
           fl: float) -> tuple[FloatArray, dict[str, Any]]:
    """(k, m, 3) section rings of the flat (unbent) last, and geometry for the meta."""
    cfg = _cfg()
    shape = load_table("last_shape.json")
    toe = dict(shape["toe_shapes"]["square" if p.toe_box_shape == "square"
                                   else p.toe_box_shape])
    ys, valid, phi, n = sec["ys"], sec["valid"], sec["phi"], sec["n"]
    off = p.heel_allowance_mm
    y_tip = p.bottom_length_mm + off
    y_m1, y_hx = p.mth1_position_mm + off, p.hallux_bulge_position_mm + off
    z_cut = p.top_cut_height_mm
    e = _ease_profile(ys, [
        (0.0, eases["heel"]), (0.25 * fl, eases["heel"]),
        (p.waist_position_mm + off, eases["waist"]),
        (p.instep_position_mm + off, eases["instep"]),
        (p.mth5_position_mm + off, eases["ball"]), (y_m1, eases["ball"]),
        (y_hx, eases["toe"]), (y_tip + 10.0, eases["toe"]),
    ])
    # the foot's sections grown by the ease (Minkowski sum with a disc: support + e)
    h = np.where(valid[:, None], sec["h"] + e[:, None], -np.inf)
    # the bottom edge (feather line) at z = 0
    heel_exp = float(shape["heel_plan_exponent"]["value"])
    bm, bl = _bottom_halfwidths(p, ys, off, y_tip, toe, heel_exp)
    has_bottom = (ys >= off) & (ys <= y_tip)
    cx = n[:, 0][None, :]
    h_bottom = np.maximum(-bm[:, None] * cx, bl[:, None] * cx)
    h = np.where(has_bottom[:, None], np.maximum(h, h_bottom), h)
    # the style's toe box: the ball section narrowed by the plan taper, lowered to the toe
    # thickness at the hallux bulge and to the tip, about a centre line to the longest toe
    k_m1 = int(np.argmin(np.abs(ys - y_m1)))
    ball = _vertices(h[k_m1][None], phi)[0]
    c0 = np.array([ball[:, 0].mean(), 0.0])
    top_b = float(ball[:, 1].max())
    front = ys > y_m1
    if front.any():
        u = (ys[front] - y_m1) / (y_tip - y_m1)
        wf = _taper(u, float(toe["plan_exponent"]))
        top = top_b + (p.toe_thickness_mm - top_b) * np.clip(
            (ys[front] - y_m1) / max(y_hx - y_m1, 1.0), 0.0, 1.0)
        beyond = ys[front] > y_hx
        top = np.where(beyond, p.toe_thickness_mm * _taper(
            (ys[front] - y_hx) / (y_tip - y_hx), float(toe["side_exponent"])), top)
        hf = np.maximum(top, 1.0) / max(top_b, 1.0)
        xc = c0[0] + (sec["x_tip"] - c0[0]) * u
        q = ball[None] - c0
        tb = np.stack([xc[:, None] + q[None, :, 0] * wf[:, None],
                       q[None, :, 1] * hf[:, None]], axis=-1)  # (kf, m, 2)
        h[front] = np.maximum(h[front], _support_points(tb, n))
    # behind the instep: a cone from the back height up to the top cut
    rear = valid & (ys < sec["rear_y"])
    if rear.any():
        cone = float(cfg["cone_half_width_fraction_of_heel_width"]) * sec["heel_w"]
        v = _vertices(sec["h"][rear], phi)
        mid = 0.5 * (v[:, :, 0].min(axis=1) + v[:, :, 0].max(axis=1))
        seg = np.stack([np.stack([mid - cone, np.full_like(mid, z_cut)], -1),
                        np.stack([mid + cone, np.full_like(mid, z_cut)], -1)], axis=1)
        h[rear] = np.maximum(h[rear], _support_points(seg, n))
    h = np.where(np.isfinite(h), h, 0.2)  # no foot and no bottom: a sliver (none expected)
    v = _vertices(h, phi)
    v[..., 1] = np.clip(v[..., 1], 0.0, z_cut)
    v = _spread(v)
    rings = np.stack([v[..., 0], np.broadcast_to(ys[:, None], v.shape[:2]), v[..., 1]], -1)
    c_back = rings[0].mean(axis=0)
    geo = {"y_back": sec["y_min"] - eases["heel"] - 0.5, "z_back": float(c_back[2]),
           "x_back": float(c_back[0]), "y_tip": y_tip, "stations": ys}
    return rings, geo


def _girth_planes(verts: FloatArray, meta: dict[str, Any]) -> dict[str, tuple[FloatArray,
                                                                            FloatArray]]:
    st = meta["stations_y_mm"]
    near1 = np.abs(verts[:, 1] - st["mth1"]) < 1.5
    near5 = np.abs(verts[:, 1] - st["mth5"]) < 1.5
    z1 = float(np.interp(st["mth1"], meta["bottom_y_mm"], meta["bottom_z_mm"]))
    p1 = np.array([verts[near1, 0].min(), st["mth1"], z1])
    p5 = np.array([verts[near5, 0].max(), st["mth5"], z1])
    along = p5 - p1
    ball_n = np.array([along[1], -along[0], 0.0])
    ball = (0.5 * (p1 + p5) + np.array([0.0, 0.0, 1.0]), ball_n / np.linalg.norm(ball_n))
    yw, yi = st["waist"], st["instep"]
    zw = float(np.interp(yw, meta["bottom_y_mm"], meta["bottom_z_mm"]))
    near_i = np.abs(verts[:, 1] - yi) < 1.5
    top_i = float(verts[near_i, 2].max())
    t = np.array([0.0, yi - yw, top_i - zw])
    inst_n = np.cross([1.0, 0.0, 0.0], t)
    instep = (np.array([0.0, yw, zw]), inst_n / np.linalg.norm(inst_n))
    return {"ball": ball, "instep": instep, "instep_top_z": top_i}


def _heel_planes(verts: FloatArray, meta: dict[str, Any]) -> dict[str, tuple[FloatArray,
                                                                           FloatArray]]:
    """Return the planes of the short and long heel girths.

    Short heel girth: back of the heel (bottom of the heel curve) to the instep top;
    long heel girth: the same heel point to the front of the last at the ankle crease (the
    top of the last at the waist station, where the dorsum meets the leg).
    """
    st = meta["stations_y_mm"]
    back = verts[np.argmin(verts[:, 1])]
    heel = np.array([0.0, back[1], float(meta["heel_seat_z_mm"])])
    out = {}
    for name, y in (("short", st["instep"]), ("long", st["waist"])):
        near = np.abs(verts[:, 1] - y) < 1.5
        top = np.array([0.0, y, float(verts[near, 2].max())])
        t = top - heel
        n = np.cross([1.0, 0.0, 0.0], t)
        out[name] = (0.5 * (heel + top), n / np.linalg.norm(n))
    return out


def _profile_meta(p: LastParameters) -> dict[str, Any]:
    """Return the bottom profile the flat last is bent onto (heel height, shank, toe spring)."""
    s, by, bz = last_bottom_profile(p)
    pos = {"heel_centre": p.heel_centre_position_mm, "waist": p.waist_position_mm,
           "instep": p.instep_position_mm, "mth5": p.mth5_position_mm,
           "mth1": p.mth1_position_mm, "toe5_bulge": p.toe5_bulge_position_mm,
           "hallux_bulge": p.hallux_bulge_position_mm}
    meta: dict[str, Any] = {
        "bottom_s_mm": s[::20].copy(), "bottom_y_mm": by[::20].copy(),
        "bottom_z_mm": bz[::20].copy(), "heel_seat_z_mm": float(p.heel_height_mm),
        "bottom_back_y_mm": float(by[0]),
        "stations_y_mm": {k: float(np.interp(v, s, by)) for k, v in pos.items()},
    }
    return meta


def _heel_girths(bent: FloatArray, faces: np.ndarray, meta: dict[str, Any]) -> dict[str, float]:
    heel_planes = _heel_planes(bent, meta)
    return {f"{k}_heel_girth_mm": _plane_hull_perimeter(bent, faces, *heel_planes[k])
            for k in ("short", "long")}


def _build(sec: dict[str, Any], p: LastParameters, eases: dict[str, float], fl: float,
           base: dict[str, Any], *, final: bool = True,
           ) -> tuple[FloatArray, np.ndarray, dict[str, Any], dict[str, float]]:
    rings, geo = _rings(sec, p, eases, fl)
    back = np.array([geo["x_back"], geo["y_back"], geo["z_back"]])
    tip = np.array([float(np.mean(rings[-1, :, 0])), geo["y_tip"], 0.0])
    verts, faces = _assemble_rings(rings, back, tip)
    meta = dict(base)
    bent, _ = bend_points(verts, meta, fl)
    # the top cut of the flat last follows the bend: the cut is judged on the bent heights
    meta["top_cut_z_mm"] = float(bent[:, 2].max())
    meta["collar_z_mm"] = float(p.heel_height_mm + p.back_height_mm)
    meta["rear_y_mm"] = float(bent[:, 1].min())
    meta["toe_tip_y_mm"] = float(bent[:, 1].max())
    meta["foot_length_mm"] = fl
    meta["_flat_rings"] = (rings, back, tip)  # the ring table is made once, for the final
    planes = _girth_planes(bent, meta)
    g = {
        "ball_girth_mm": _plane_hull_perimeter(bent, faces, *planes["ball"]),
        "instep_girth_mm": _plane_hull_perimeter(bent, faces, *planes["instep"]),
    }
    if final:  # the heel girths are reported, not solved for
        g.update(_heel_girths(bent, faces, meta))
    # the waist girth by the same rule as every footfit last (the mean of the ball and
    # instep girths + the style's offset), so stock and custom lasts compare
    off = float(load_table("styles.json")["styles"][p.style]["waist_girth_offset_mm"])
    g["waist_girth_mm"] = 0.5 * (g["ball_girth_mm"] + g["instep_girth_mm"]) + off
    meta.update({
        "ball_girth_mm": g["ball_girth_mm"], "instep_girth_mm": g["instep_girth_mm"],
        "ball_plane": tuple(tuple(float(v) for v in a) for a in planes["ball"]),
        "instep_plane": tuple(tuple(float(v) for v in a) for a in planes["instep"]),
        "instep_top_z_mm": planes["instep_top_z"],
    })
    return bent, faces, meta, g


def _foot_girth(p: LastParameters, name: str) -> float:
    """Return the foot girth a last girth target was made from (target - ease - room)."""
    glob = load_table("styles.json")["global"]
    spec = load_table("styles.json")["styles"][p.style]
    fits = load_table("fit_preferences.json")["preferences"][p.fit]
    room = (float(glob["insole_room"]["girth_per_mm_thickness"]) * p.insole_forefoot_mm
            + float(glob["sock_allowance_girth_mm"]["value"]))
    ease = float(spec[f"{name}_girth_ease_mm"]) + float(fits[f"{name}_girth_shift_mm"])
    if p.child:
        ease = float(spec[f"{name}_girth_ease_mm"]) * p.foot_length_mm / 250.0 + float(
            fits[f"{name}_girth_shift_mm"])
    return float(getattr(p, f"{name}_girth_mm")) - ease - room


def _foot_in_shoe(pts: FloatArray, p: LastParameters, base: dict[str, Any],
                  fl: float) -> FloatArray:
    """Return the foot standing on the insole and bent as in the shoe.

    The bend reads only the bottom profile of ``base``, which the girth correction does
    not change: the foot is bent once per last.
    """
    raised = stand_on_insole(pts, fl, heel_mm=p.insole_heel_mm,
                             forefoot_mm=p.insole_forefoot_mm)
    return bend_points(raised, base, fl)[0]


def _foot_in_planes(bent: FloatArray, meta: dict[str, Any]) -> dict[str, float]:
    """Return the foot's convex-hull girths in the last's ball and instep planes.

    ``bent`` is the foot as :func:`_foot_in_shoe` stands it in the shoe.
    """
    out = {}
    for name in ("ball", "instep"):
        origin, normal = (np.asarray(v, dtype=np.float64) for v in meta[f"{name}_plane"])
        near = np.abs((bent - origin) @ normal) <= 1.0
        q = bent[near]
        if len(q) < 20:
            out[name] = np.nan
            continue
        u = np.cross(normal, [0.0, 0.0, 1.0] if abs(normal[2]) < 0.9 else [1.0, 0.0, 0.0])
        u /= np.linalg.norm(u)
        v = np.cross(normal, u)
        from footfit._core.hull import hull_2d_or_none

        hull = hull_2d_or_none(np.stack([q @ u, q @ v], axis=1))  # None on flat input
        out[name] = np.nan if hull is None else hull.perimeter
    return out


def build_custom_last(foot: AlignedFoot | ArrayLike, params: LastParameters, *,
                      iterations: int = 2) -> CustomLast:
    """Build the custom last of a scanned foot.

    Parameters
    ----------
    foot : AlignedFoot or (n, 3) array_like of float, mm
        The foot in the canonical frame (pternion at y = 0, floor z = 0, right-foot frame;
        a left foot is mirrored in x, as :func:`footfit.align.align_foot` returns it).
    params : LastParameters
        The trade parameters of this foot's last (:func:`footfit.last.generate_last`, with
        the insole the last must hold).
    iterations : int, default=2
        Passes of the girth correction (the regional eases are adjusted so that the built
        ball, instep and waist girths meet ``params``).

    Returns
    -------
    CustomLast
        ``params`` updated with the girths, the stick length and the heel girths measured on
        the built mesh; ``targets`` holds the girths asked for.

    Raises
    ------
    DegenerateScanError
        The foot has too few points to give sections.

    Notes
    -----
    Stations every 2.5 mm along the foot (``footfit/data/last_shape.json`` ``custom_last``).
    At each,
    the convex hull of the foot's points within 1.5 mm (what a tape follows over the
    toes and the arch), with the foot raised by the insole's thickness (heel thickness up to
    30 % of the foot length, forefoot thickness from 60 %), is written as a ring of radii
    about a centre smoothed along the length; the rings are smoothed along the length
    (3 mm Gaussian) and across (one ring point) and pushed back out wherever smoothing cut
    into the foot, then grown by the regional ease (heel, waist, instep, ball, toe box). Each
    final section is the convex hull of that grown foot section, the last's bottom edge at
    z = 0 (basic width at the ball split medial / lateral, waist, heel seat, toe taper: a
    sharp feather edge) and, beyond MTH1, the style's toe box (the ball section narrowed by
    the style's plan taper and lowered to the toe thickness at the hallux bulge, then to the
    tip at the toe allowance). Behind 35 % of the foot length the last holds the foot up to
    the back height and rises to the top cut as a cone. The flat last is then bent with
    :func:`footfit.last.bend.bend_points` onto the bottom profile of
    :func:`footfit.last.last_bottom_profile` (heel height, shank, toe spring): the same
    mapping re-poses the foot in the fit simulation, so the foot stays inside its last.
    Simplification for pitched heels: the foot is re-posed by rotating the rearfoot about
    the ball line (above a 25 mm heel; a shear of vertical columns below), with no change of
    arch shape or soft tissue (LASTS.md section 6 asks for re-posing; a full kinematic
    foot model is not made).

    The ease of each region is a radial offset: the style's net girth ease over 2 pi plus
    the sock allowance (the insole's room comes from raising the foot), corrected
    ``iterations`` times so that the built girths in the last's own planes meet the
    targets (within about 1 mm).

    References
    ----------
    .. [1] LASTS.md section 5 ("Recommended here") and section 6 (fit judged per section).
    """
    from footfit.last.surface import LastSurface

    pts = foot.points if hasattr(foot, "points") else foot
    pts = as_points(pts, name="foot")
    if len(pts) < 500:
        raise DegenerateScanError(f"a custom last needs at least 500 foot points; got {len(pts)}")
    fl = float(params.foot_length_mm)
    cfg = _cfg()
    glob = load_table("styles.json")["global"]
    sock = float(glob["sock_allowance_girth_mm"]["value"]) / (2.0 * np.pi)
    targets = {"ball_girth_mm": params.ball_girth_mm, "instep_girth_mm": params.instep_girth_mm,
               "waist_girth_mm": params.waist_girth_mm}
    spec = load_table("styles.json")["styles"][params.style]
    net = {k: float(spec[f"{k}_girth_ease_mm"]) for k in ("ball", "instep")}
    eases = {
        "heel": float(cfg["heel_ease_mm"]),
        "waist": sock + 0.5 * (net["ball"] + net["instep"]) / (2.0 * np.pi),
        "instep": sock + net["instep"] / (2.0 * np.pi),
        "ball": sock + net["ball"] / (2.0 * np.pi),
        "toe": max(float(cfg["toe_box_ease_mm"]), sock + net["ball"] / (2.0 * np.pi)),
    }
    sec = _foot_sections(pts, params, fl)
    base = _profile_meta(params)
    verts, faces, meta, g = _build(sec, params, eases, fl, base, final=False)
    # the girth correction never cuts into the foot beyond what a snug style means to take
    # (the foot's own section grown by nothing, less a dress last's negative ease)
    floor = {k: min(net[k], 0.0) / (2.0 * np.pi) for k in ("ball", "instep")}
    # the room is judged in the last's own girth planes: the last's girth there minus the
    # foot's (raised and bent as in the shoe) should be what the trade rules ask over the
    # foot's measured girth (style ease + insole and sock room)
    want = {k: targets[f"{k}_girth_mm"] - _foot_girth(params, k) for k in ("ball", "instep")}
    in_shoe = _foot_in_shoe(pts, params, base, fl) if int(iterations) > 0 else pts
    for _ in range(int(iterations)):
        in_plane = _foot_in_planes(in_shoe, meta)
        err = {k: want[k] - (g[f"{k}_girth_mm"] - in_plane[k]) for k in ("ball", "instep")}
        if max(abs(v) for v in err.values()) < 0.5:
            break
        for k, v in err.items():
            if np.isfinite(v):
                eases[k] = max(eases[k] + v / (2.0 * np.pi), floor[k])
        eases["waist"] = 0.5 * (eases["ball"] + eases["instep"])
        eases["toe"] = max(eases["toe"], eases["ball"])
        verts, faces, meta, g = _build(sec, params, eases, fl, base, final=False)
    g.update(_heel_girths(verts, faces, meta))
    from footfit.last.rings import ring_table

    flat_rings, back, tip = meta.pop("_flat_rings")
    meta["rings"] = ring_table(flat_rings, back=back, tip=tip, frame="flat")
    mesh = LastSurface(verts, faces)
    if mesh.volume < 0:  # wound inward: turn the faces round
        mesh.invert()
    side = str(params.side) if params.side in ("left", "right") else "right"
    meta["side"] = "right"
    meta["eases_mm"] = {k: float(v) for k, v in eases.items()}
    stick = float(verts[:, 1].max() - verts[:, 1].min())
    built = dataclasses.replace(
        params, ball_girth_mm=g["ball_girth_mm"], instep_girth_mm=g["instep_girth_mm"],
        waist_girth_mm=g["waist_girth_mm"], short_heel_girth_mm=g["short_heel_girth_mm"],
        long_heel_girth_mm=g["long_heel_girth_mm"], stick_length_mm=stick,
        notes=(*params.notes, "custom last built from the scan: sections of the foot grown by "
               "the style's ease, raised by the insole"),
    )
    if side == "left":
        mesh.vertices[:, 0] *= -1.0
        mesh.invert()
        flip = np.array([-1.0, 1.0, 1.0])
        meta = dict(meta, side="left", **{k: tuple(tuple(np.asarray(v) * flip) for v in meta[k])
                                          for k in ("ball_plane", "instep_plane")})
    mesh.metadata["last"] = meta
    return CustomLast(params=built, mesh=mesh, targets=targets)
