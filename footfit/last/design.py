"""The design of a parametric last: stations, heights and the cross-sections of its loft.

:func:`_design` fixes everything :func:`footfit.last.mesh.build_last_surface` does not solve
for (the bottom, the stations, the heel curve, the toe shape); :func:`_sections` describes the
cross-section at any station for two section scales (ball and instep), each quantity by its
own step; :func:`_ring_points` turns the descriptors into the loft's rings.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from footfit._core.typing import FloatArray
from footfit._data import load_table, model_path
from footfit.exceptions import InvalidParameterError
from footfit.last.profile import (
    _Bottom,
    _field,
    _pchip,
    _positive,
    _taper,
    last_bottom_profile,
)

_SHAPE_FILE = "last_shape.json"
_TOE_SHAPES = ("round", "pointed", "square", "open")


@lru_cache(maxsize=4)
def _shape_cached(path: str, mtime: float) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def _shape() -> dict[str, Any]:
    path = model_path(_SHAPE_FILE)
    return _shape_cached(str(path), path.stat().st_mtime)


@dataclass(frozen=True)
class _Design:
    """Everything except the two section scales: fixed by the parameters and the shape table."""

    fl: float
    bottom: _Bottom
    y_back: float
    y0: float
    y_tip: float
    z_seat: float
    z_bulge: float
    z_cut: float
    heel_r: float
    heel_hb_e: float
    lean_r: float
    lean_h: float
    st: dict[str, float]  # station y
    toe: dict[str, float]
    shape: dict[str, Any]
    params: Any
    ring_y: FloatArray
    n_b: int
    n_lo: int
    n_up: int
    ball_fractions: tuple[float, float, float]  # heights over MTH5, MTH1, toe box / instep


def _design(params: Any) -> _Design:
    shape = _shape()
    fl = _positive(params, "foot_length_mm")
    heel = _positive(params, "heel_height_mm", allow_zero=True)
    back = _positive(params, "back_height_mm")
    cut = _positive(params, "top_cut_height_mm")
    if cut <= back:
        raise InvalidParameterError(f"last parameter top_cut_height_mm {cut:g} must exceed "
                         f"back_height_mm {back:g}")
    toe_shape = str(getattr(params, "toe_box_shape", "round"))
    if toe_shape not in _TOE_SHAPES:
        raise InvalidParameterError(f"last parameter toe_box_shape must be one of {_TOE_SHAPES}; "
                         f"got {toe_shape!r}")
    s, y, z = last_bottom_profile(params)
    bottom = _Bottom(s, y, z)
    names = {
        "heel_centre": "heel_centre_position_mm", "waist": "waist_position_mm",
        "instep": "instep_position_mm", "mth5": "mth5_position_mm",
        "mth1": "mth1_position_mm", "toe5_bulge": "toe5_bulge_position_mm",
        "hallux_bulge": "hallux_bulge_position_mm",
    }
    pos = {k: _field(params, v) for k, v in names.items()}
    order = ["heel_centre", "waist", "instep", "mth5", "mth1", "hallux_bulge"]
    vals = [pos[k] for k in order]
    rising = all(b > a for a, b in zip(vals[:-1], vals[1:], strict=True))
    if not rising or not pos["mth5"] < pos["toe5_bulge"]:
        raise InvalidParameterError(
            "last positions must increase heel centre < waist < instep < MTH5 < MTH1 < "
            f"hallux bulge; got {', '.join(f'{v:g}' for v in vals)} mm"
        )
    st = {k: float(bottom.y_at(v)) for k, v in pos.items()}
    st["rearfoot"] = 0.5 * (st["heel_centre"] + st["waist"])  # a shape station, not a landmark
    y0 = float(y[0])
    y_tip = float(y[-1])
    z_seat = heel
    hb = float(shape["back_bulge_fraction_of_back_height"]["value"]) * back
    r = float(shape["heel_curve_depth_mm"]["value"])
    over = float(shape["heel_curve_depth_mm"]["overshoot"])
    phi_c = np.arccos(1.0 / over)
    y_back = y0 - r * (1.0 - np.sin(phi_c))
    z_cut = heel + cut
    lean_r = float(shape["heel_curve_lean"]["depth_mm"])
    lean_h = z_cut + 5.0 - (z_seat + hb)
    res = shape["mesh_resolution"]
    n_rings = int(res["sections"])
    u = np.linspace(0.0, 1.0, n_rings + 2)[1:-1]
    ring_y = y_back + (y_tip - y_back) * 0.5 * (1.0 - np.cos(np.pi * u))
    ring_y[np.argmin(np.abs(ring_y - y0))] = y0  # the heel crease lies on a section
    # return_counts: numpy >= 2.3 imports numpy.ma (~40 ms) for the plain np.unique
    ring_y = np.unique(ring_y, return_counts=True)[0]
    toe = dict(shape["toe_shapes"]["square" if toe_shape == "square" else toe_shape])
    bh = shape["ball_height_fraction_of_instep_height"]
    f5, f1, ftb = float(bh["mth5"]), float(bh["mth1"]), float(bh["toe_box"])
    ball_h = getattr(params, "ball_height_mm", None)
    if ball_h is not None:  # the measured ball height shapes the profile; the girth its scale
        ball_h = _field(params, "ball_height_mm")
        lo, hi = bh["measured_mth1_range"]
        m1 = float(np.clip(ball_h / _positive(params, "instep_height_mm"), lo, hi))
        m1 = f1 + float(bh["measured_weight"]) * (m1 - f1)
        f5, f1, ftb = max(f5, m1), m1, ftb * m1 / f1
    return _Design(
        fl=fl, bottom=bottom, y_back=float(y_back), y0=y0, y_tip=y_tip, z_seat=z_seat,
        z_bulge=z_seat + hb, z_cut=z_cut, heel_r=r, heel_hb_e=over * hb, lean_r=lean_r,
        lean_h=lean_h, st=st, toe=toe, shape=shape, params=params, ring_y=ring_y,
        n_b=int(res["bottom"]), n_lo=int(res["lower_side"]), n_up=int(res["upper_side"]),
        ball_fractions=(f5, f1, ftb),
    )


def _overhangs(d: _Design) -> tuple[list[float], list[float]]:
    """Medial and lateral overhangs at the shape stations for this last's style.

    The table's overhangs make the body as wide as the foot over a bottom with the reference
    eases; a style whose bottom (or seat) is broader by some mm overhangs that much less, so
    the body stays the foot's width whatever the bottom (the style's room is in its girths).
    """
    ov = d.shape["overhang_mm"]
    med, lat = list(map(float, ov["medial"])), list(map(float, ov["lateral"]))
    ref = ov["reference_rule"]
    p = d.params
    try:
        bottom = _positive(p, "bottom_width_ball_mm")
        seat = _positive(p, "heel_seat_width_mm")
        waist = _positive(p, "waist_width_mm")
    except (AttributeError, TypeError, ValueError, KeyError):
        return med, lat
    # the bottoms the table was measured over, for the foot this last stands for
    foot_w = bottom + float(ref["foot_ball_width_minus_basic_width_mm"])
    foot_h = seat + float(ref["foot_heel_width_minus_seat_mm"])
    old_bottom = (float(ref["tread_fraction"]) * foot_w
                  + float(ov["reference_bottom_width_ease_mm"]))
    old_seat = float(ref["seat_fraction"]) * foot_h + float(ov["reference_heel_seat_ease_mm"])
    old_waist = old_bottom - float(ov["reference_waist_narrowing_mm"])
    d_bottom, d_seat, d_waist = bottom - old_bottom, seat - old_seat, waist - old_waist
    share = float(load_table("styles.json")["global"]["medial_share_of_bottom_width"]["value"])
    wshare = float(d.shape["waist_medial_share"]["value"])
    for i, name in enumerate(ov["stations"]):
        if name == "heel_centre":
            dm = dl = 0.5 * d_seat
        elif name == "rearfoot":
            dm = 0.5 * (0.5 * d_seat + wshare * d_waist)
            dl = 0.5 * (0.5 * d_seat + (1.0 - wshare) * d_waist)
        elif name == "waist":
            dm, dl = wshare * d_waist, (1.0 - wshare) * d_waist
        elif name == "instep":
            dm = 0.5 * (wshare * d_waist + share * d_bottom)
            dl = 0.5 * ((1.0 - wshare) * d_waist + (1.0 - share) * d_bottom)
        else:
            dm, dl = share * d_bottom, (1.0 - share) * d_bottom
        med[i] = max(med[i] - dm, 0.5)
        lat[i] = max(lat[i] - dl, 0.5)
    return med, lat


def _bottom_edges(d: _Design, y: FloatArray) -> dict[str, FloatArray]:
    """Return the bottom half-widths (medial ``bm``, lateral ``bl``) at the stations ``y``.

    Also the toe-box plan tapers ``fm`` / ``fl`` (1 behind the bulges), which narrow the
    overhangs too.
    """
    p, st, sh = d.params, d.st, d.shape
    seat = 0.5 * _positive(p, "heel_seat_width_mm")
    waist = _positive(p, "waist_width_mm")
    wm_share = float(sh["waist_medial_share"]["value"])
    m1 = _positive(p, "width_mth1_medial_mm")
    m5 = _positive(p, "width_mth5_lateral_mm")
    hx = _positive(p, "width_hallux_medial_mm")
    t5 = _positive(p, "width_toe5_lateral_mm")
    pe = float(d.toe["plan_exponent"])
    y_hc = st["heel_centre"]
    bm = _pchip([y_hc, st["waist"], st["mth1"], st["hallux_bulge"]],
                [seat, wm_share * waist, m1, hx], y)
    bl = _pchip([y_hc, st["waist"], st["mth5"], st["toe5_bulge"]],
                [seat, (1.0 - wm_share) * waist, m5, t5], y)
    tm = _taper((y - st["hallux_bulge"]) / (d.y_tip - st["hallux_bulge"]), pe)
    tl = _taper((y - st["toe5_bulge"]) / (d.y_tip - st["toe5_bulge"]), pe)
    bm = np.where(y > st["hallux_bulge"], hx * tm, bm)
    bl = np.where(y > st["toe5_bulge"], t5 * tl, bl)
    rear = y < y_hc
    round_b = _taper((y_hc - y) / (y_hc - d.y0), float(sh["heel_plan_exponent"]["value"]))
    return {"bm": np.where(rear, seat * round_b, bm), "bl": np.where(rear, seat * round_b, bl),
            "fm": np.where(y > st["hallux_bulge"], tm, 1.0),
            "fl": np.where(y > st["toe5_bulge"], tl, 1.0), "seat": seat}


def _body_widths(d: _Design, y: FloatArray, edge: dict[str, Any]) -> tuple[FloatArray,
                                                                            FloatArray]:
    """Return the body half-widths (medial, lateral): bottom + overhang.

    The body is the foot's width; the girths are met by the section heights, not by
    widening the last.
    """
    st, sh = d.st, d.shape
    ov = sh["overhang_mm"]
    ys = [st[k] if k != "toe" else st["hallux_bulge"] for k in ov["stations"]]
    o_med, o_lat = _overhangs(d)
    am = edge["bm"] + _pchip(ys, o_med, y) * edge["fm"]
    al = edge["bl"] + _pchip(ys, o_lat, y) * edge["fl"]
    y_hc = st["heel_centre"]
    rear = y < y_hc
    round_a = _taper((y_hc - y) / (y_hc - d.y_back), float(sh["heel_plan_exponent"]["value"]))
    am = np.where(rear, (edge["seat"] + o_med[0]) * round_a, am)
    al = np.where(rear, (edge["seat"] + o_lat[0]) * round_a, al)
    return am, al


def _low_line(d: _Design, y: FloatArray) -> FloatArray:
    """Return the bottom (lowest) line: the heel curve behind the bottom, the bottom on it."""
    zb = d.bottom.z_at_y(y)
    yc = d.y_back + d.heel_r
    arg = np.clip(1.0 - ((yc - y) / d.heel_r) ** 2, 0.0, 1.0)
    return np.where(y < d.y0, d.z_bulge - d.heel_hb_e * np.sqrt(arg), zb)


def _top_line(d: _Design, s_ball: float, s_instep: float, y: FloatArray) -> FloatArray:
    """Return the top line: instep and ball heights scaled, toe thickness fixed.

    Behind the heel centre the section rises above the top cut (cut later); above the
    rearmost point the heel curve leans forward.
    """
    p, st, sh = d.params, d.st, d.shape
    inst = _positive(p, "instep_height_mm")
    toe_t = _positive(p, "toe_thickness_mm")
    bh = sh["ball_height_fraction_of_instep_height"]
    rear_top = d.z_cut + float(sh["rear_height_above_top_cut_mm"]["value"])
    zb_at = d.bottom.z_at_y
    y_hc = st["heel_centre"]
    y_r2 = y_hc + 0.5 * (st["waist"] - y_hc)
    y_tb = st["mth1"] + float(bh["toe_box_position"]) * (st["hallux_bulge"] - st["mth1"])
    waist_h = inst + float(sh["waist_height_above_instep_mm"]["fraction_of_foot_length"]) * d.fl
    f5, f1, ftb = d.ball_fractions
    knots = [
        (y_hc, rear_top), (y_r2, rear_top),
        (st["waist"], float(zb_at(st["waist"])) + s_instep * waist_h),
        (st["instep"], float(zb_at(st["instep"])) + s_instep * inst),
        (st["mth5"], float(zb_at(st["mth5"])) + s_ball * f5 * inst),
        (st["mth1"], float(zb_at(st["mth1"])) + s_ball * f1 * inst),
        (y_tb, float(zb_at(y_tb)) + max(s_ball * ftb * inst, 1.2 * toe_t)),
        (st["hallux_bulge"], float(zb_at(st["hallux_bulge"])) + toe_t),
    ]
    top = _pchip([k[0] for k in knots], [k[1] for k in knots], y)
    top = np.where(y < y_hc, rear_top, top)
    ytb = st["hallux_bulge"]
    side = _taper((y - ytb) / (d.y_tip - ytb), float(d.toe["side_exponent"]))
    top = np.where(y > ytb, d.bottom.z_at_y(y) + toe_t * side, top)
    ly = np.clip(1.0 - ((d.y_back + d.lean_r - y) / d.lean_r) ** 2, 0.0, 1.0)
    back_top = np.where(y < d.y_back + d.lean_r, d.z_bulge + d.lean_h * np.sqrt(ly), np.inf)
    return np.minimum(top, back_top)


def _widest_and_exponents(d: _Design, y: FloatArray, z_lo: FloatArray,
                          height: FloatArray) -> dict[str, FloatArray]:
    """Return the height of the widest point and the upper quarters' exponents.

    The superellipse exponents of the upper medial (``q``) and lateral (``q_lat``)
    quarters.
    """
    st, sh = d.st, d.shape
    y_hc, behind = st["heel_centre"], y < d.y0
    wh = sh["widest_height_mm"]
    ysw = [st[k] if k != "toe" else st["hallux_bulge"] for k in wh["stations"]]
    hb = d.z_bulge - d.z_seat
    hw = _pchip(ysw, [hb] + list(wh["value"][1:]), y)
    hw = np.where(y < y_hc, hb, hw)
    hw = np.where(behind, d.z_bulge - z_lo, hw)
    hw = np.minimum(hw, np.where(behind, height, 0.6 * height))
    se = sh["section_exponent"]
    # the medial upper quarter of the toe box is squarer: the hallux is the highest toe
    tm = float(d.toe.get("medial_section_factor", 1.0))
    knots = [st[k] for k in se["stations"]] + [st["hallux_bulge"]]
    q = _pchip(knots, list(se["value"]) + [tm * float(d.toe["section_exponent"])], y)
    q = np.where(y < y_hc, se["value"][0], q)
    # the lateral upper quarter: the dorsum falls toward the little toes
    q_lat = q * _pchip(knots, list(se["lateral_factor"]) + [1.0 / tm], y)
    return {"hw": hw, "q": q, "q_lat": np.where(y < y_hc, q, q_lat)}


def _sections(d: _Design, s_ball: float, s_instep: float, y: FloatArray) -> dict[str, FloatArray]:
    """Return the section descriptors at the stations ``y`` for the two section scales."""
    edge = _bottom_edges(d, y)
    am, al = _body_widths(d, y, edge)
    z_lo = _low_line(d, y)
    z_hi = _top_line(d, s_ball, s_instep, y)
    shape = _widest_and_exponents(d, y, z_lo, np.maximum(z_hi - z_lo, 1e-3))
    am = np.maximum(am, edge["bm"] + 0.05)
    al = np.maximum(al, edge["bl"] + 0.05)
    # keep a sliver of bottom where it vanishes (heel curve, tip) so no triangle is degenerate
    bm = np.maximum(edge["bm"], 0.04 * am)
    bl = np.maximum(edge["bl"], 0.04 * al)
    return {"y": y, "bm": bm, "bl": bl, "am": am, "al": al, "z_lo": z_lo, "z_hi": z_hi,
            **shape}


def _ring_points(sec: dict[str, FloatArray], d: _Design) -> FloatArray:
    """(n_rings, m, 3) points of the section rings (before the top cut)."""
    n_b, n_lo, n_up = d.n_b, d.n_lo, d.n_up
    c = {k: v[:, None] for k, v in sec.items()}
    tb = np.linspace(0.0, 1.0, n_b + 1)[None, :]
    xb = -c["bm"] + (c["bm"] + c["bl"]) * tb
    zb = np.broadcast_to(c["z_lo"], xb.shape)
    f_lo = np.linspace(0.0, 0.5 * np.pi, n_lo + 1)[None, 1:]
    xll = c["bl"] + (c["al"] - c["bl"]) * np.sin(f_lo)
    zll = c["z_lo"] + c["hw"] * (1.0 - np.cos(f_lo))
    f_up = np.linspace(0.0, 0.5 * np.pi, n_up + 1)[None, 1:]
    e = 2.0 / c["q"]
    e_lat = 2.0 / c["q_lat"]
    cu, su = np.clip(np.cos(f_up), 0.0, 1.0), np.clip(np.sin(f_up), 0.0, 1.0)
    zw = c["z_lo"] + c["hw"]
    rise = c["z_hi"] - zw
    xlu = c["al"] * cu**e_lat
    zlu = zw + rise * su**e_lat
    f_um = np.linspace(0.5 * np.pi, 0.0, n_up + 1)[None, 1:]
    cm, sm = np.clip(np.cos(f_um), 0.0, 1.0), np.clip(np.sin(f_um), 0.0, 1.0)
    xmu = -c["am"] * cm**e
    zmu = zw + rise * sm**e
    f_lm = np.linspace(0.5 * np.pi, 0.0, n_lo + 1)[None, 1:-1]
    xml = -c["bm"] - (c["am"] - c["bm"]) * np.sin(f_lm)
    zml = c["z_lo"] + c["hw"] * (1.0 - np.cos(f_lm))
    x = np.concatenate([xb, xll, xlu, xmu, xml], axis=1)
    z = np.concatenate([zb, zll, zlu, zmu, zml], axis=1)
    yy = np.broadcast_to(c["y"], x.shape)
    return np.stack([x, yy, z], axis=-1)
