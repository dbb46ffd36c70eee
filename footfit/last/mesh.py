"""The custom last as a closed surface mesh a factory can mill (STL / PLY / OBJ).

:func:`build_last_mesh` lofts cross-sections along the last bottom and solves the section
scale at the ball and the instep so that the mesh's girths equal the parameters'.

Frame of the mesh: the canonical frame of the foot the last is made for (mm; +y from heel to
toe, +z up, +x lateral for a right last, the tread of the ball on z = 0). The foot's pternion is
at y = 0; the last bottom starts ``heel_allowance_mm`` in front of it (the heel curve bulges
back to about y = 0 above it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from footfit._core.typing import FloatArray
from footfit._data import load_table, model_path

__all__ = [
    "build_last_mesh",
    "last_bottom_profile",
    "last_mesh_path",
    "section_girth",
    "write_last_mesh",
]

_SHAPE_FILE = "last_shape.json"
_TOE_SHAPES = ("round", "pointed", "square", "open")


@lru_cache(maxsize=4)
def _shape_cached(path: str, mtime: float) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def _shape() -> dict[str, Any]:
    path = model_path(_SHAPE_FILE)
    return _shape_cached(str(path), path.stat().st_mtime)


class _ParamView:
    """Read a LastParameters or a stock-last row (mapping) by field name."""

    def __init__(self, params: Any) -> None:
        self._p = params

    def __getattr__(self, name: str) -> Any:
        p = self._p
        if isinstance(p, Mapping):
            if name in p:
                return p[name]
        elif hasattr(p, name):
            return getattr(p, name)
        if name == "foot_length_mm":
            return (float(_field(self, "bottom_length_mm")) - _field(self, "toe_allowance_mm")
                    + _field(self, "heel_allowance_mm"))
        if name == "toe_box_shape":
            from footfit.last.styles import style_spec

            return str(style_spec(str(self.style)).get("toe_box_shape", "round"))
        if name == "side":
            return "right"
        raise AttributeError(name)


def _field(params: Any, name: str) -> float:
    try:
        value = float(getattr(params, name))
    except AttributeError as exc:
        raise TypeError(f"`params` has no field {name!r}: a LastParameters is expected") from exc
    except (TypeError, ValueError) as exc:
        raise ValueError(f"last parameter {name} must be a number; got "
                         f"{getattr(params, name)!r}") from exc
    if not np.isfinite(value):
        raise ValueError(f"last parameter {name} must be finite; got {value!r}")
    return value


def _positive(params: Any, name: str, *, allow_zero: bool = False) -> float:
    v = _field(params, name)
    if v < 0 or (v == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"last parameter {name} must be {bound}; got {v:g}")
    return v


# ----------------------------------------------------------------------------- bottom curve
@dataclass(frozen=True)
class _Bottom:
    s: FloatArray  # arc length from the back of the bottom, mm
    y: FloatArray
    z: FloatArray

    def y_at(self, s: Any) -> Any:
        return np.interp(s, self.s, self.y)

    def z_at_y(self, y: Any) -> Any:
        return np.interp(y, self.y, self.z)


def _bump_drop(theta_max: float, t: FloatArray, ds: float) -> float:
    return float(np.sum(np.sin(theta_max * np.sin(np.pi * t))) * ds)


def last_bottom_profile(
    params: Any, *, n: int = 2001
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Return the bottom centre line of the last: arc length, y and z (mm).

    The bottom runs from its heel end (``s = 0``, at ``y = heel_allowance_mm``) to the toe tip
    (``s = bottom_length_mm``). Its tangent angle is 0 on the heel seat (a flat seat at
    ``z = heel_height_mm``), dips smoothly (a half-sine bump of the
    angle, at most 80 degrees) from the heel centre
    to the MTH5 tread down to z = 0 (starting earlier, down to 5 % of the bottom, when a high heel
    needs a longer shank), stays flat to MTH1, then turns up linearly so that the toe
    tip stands ``toe_spring_mm`` high. Lengths along the bottom are arc lengths, so the
    projected length shortens as the heel and the toe spring rise.

    Parameters
    ----------
    params : LastParameters
        The last.
    n : int, default=2001
        Samples of the curve.

    Returns
    -------
    s, y, z : (n,) ndarray of float64, mm
    """
    params = params if isinstance(params, _ParamView) else _ParamView(params)
    bl = _positive(params, "bottom_length_mm")
    ha = _positive(params, "heel_allowance_mm", allow_zero=True)
    heel = _positive(params, "heel_height_mm", allow_zero=True)
    spring = _positive(params, "toe_spring_mm", allow_zero=True)
    s_hc = _field(params, "heel_centre_position_mm")
    s_m5 = _field(params, "mth5_position_mm")
    s_m1 = _field(params, "mth1_position_mm")
    if not 0.0 < s_hc < s_m5 < s_m1 < bl:
        raise ValueError(
            "last positions must increase heel centre < MTH5 < MTH1 < bottom length; got "
            f"{s_hc:g}, {s_m5:g}, {s_m1:g}, {bl:g} mm"
        )
    s = np.linspace(0.0, bl, n)
    ds = s[1] - s[0]
    theta = np.zeros_like(s)
    if heel > 0:
        # a steep heel needs a longer shank: start the descent earlier if needed
        start = s_hc
        while True:
            t = np.clip((s - start) / (s_m5 - start), 0.0, 1.0)
            inside = (s > start) & (s < s_m5)
            cap = _bump_drop(np.deg2rad(80.0), t[inside], ds)
            if cap >= heel or start <= 0.05 * bl:
                break
            start = max(0.05 * bl, start - 0.05 * bl)
        if cap < heel:
            raise ValueError(
                f"last parameter heel_height_mm {heel:g} is too high for a "
                f"{bl:g} mm bottom (the shank cannot drop it)"
            )
        lo, hi = 0.0, np.deg2rad(80.0)
        for _ in range(50):
            mid = 0.5 * (lo + hi)
            if _bump_drop(mid, t[inside], ds) < heel:
                lo = mid
            else:
                hi = mid
        theta[inside] = 0.5 * (lo + hi) * np.sin(np.pi * t[inside])
    if spring > 0:
        front = s > s_m1
        u = (s[front] - s_m1) / (bl - s_m1)
        lo, hi = 0.0, np.deg2rad(60.0)
        for _ in range(50):
            mid = 0.5 * (lo + hi)
            rise = float(np.sum(np.sin(mid * u)) * ds)
            lo, hi = (mid, hi) if rise < spring else (lo, mid)
        theta[front] = -0.5 * (lo + hi) * u
    # integrate (trapezoid) the unit tangent (cos, -sin) of the angle
    cy, sz = np.cos(theta), np.sin(theta)
    y = ha + np.concatenate([[0.0], np.cumsum(0.5 * (cy[1:] + cy[:-1]) * ds)])
    z = heel - np.concatenate([[0.0], np.cumsum(0.5 * (sz[1:] + sz[:-1]) * ds)])
    z[np.abs(z) < 1e-9] = 0.0
    return s, y, z


# ----------------------------------------------------------------------------- geometry
def _taper(t: Any, p: float) -> Any:
    """Superellipse taper (1 - t^p)^(1/p) on [0, 1] (1 at 0, 0 at 1)."""
    t = np.clip(t, 0.0, 1.0)
    return np.clip(1.0 - t**p, 0.0, 1.0) ** (1.0 / p)


def _pchip(xk: list[float], yk: list[float], x: FloatArray) -> FloatArray:
    """Monotone piecewise-cubic Hermite interpolation (Fritsch-Carlson, as scipy's
    ``PchipInterpolator``), clamped to the knots' range; numpy only, so building a last
    imports no scipy.interpolate.
    """
    xk_a = np.asarray(xk, dtype=np.float64)
    order = np.argsort(xk_a)
    xk_a = xk_a[order]
    yk_a = np.asarray(yk, dtype=np.float64)[order]
    keep = np.concatenate([[True], np.diff(xk_a) > 1e-6])
    xk_a, yk_a = xk_a[keep], yk_a[keep]
    x = np.clip(np.asarray(x, dtype=np.float64), xk_a[0], xk_a[-1])
    if len(xk_a) == 1:
        return np.full_like(x, yk_a[0])
    h = np.diff(xk_a)
    delta = np.diff(yk_a) / h
    d = np.zeros_like(yk_a)
    if len(xk_a) == 2:
        d[:] = delta[0]
    else:
        w1 = 2.0 * h[1:] + h[:-1]
        w2 = h[1:] + 2.0 * h[:-1]
        same = np.sign(delta[:-1]) * np.sign(delta[1:]) > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            inv = (w1 / delta[:-1] + w2 / delta[1:]) / (w1 + w2)
            d[1:-1] = np.where(same, 1.0 / inv, 0.0)

        def edge(h0: float, h1: float, m0: float, m1: float) -> float:
            e = ((2.0 * h0 + h1) * m0 - h0 * m1) / (h0 + h1)
            if np.sign(e) != np.sign(m0):
                return 0.0
            if np.sign(m0) != np.sign(m1) and abs(e) > abs(3.0 * m0):
                return 3.0 * m0
            return float(e)

        d[0] = edge(h[0], h[1], delta[0], delta[1])
        d[-1] = edge(h[-1], h[-2], delta[-1], delta[-2])
    i = np.clip(np.searchsorted(xk_a, x, side="right") - 1, 0, len(h) - 1)
    t = (x - xk_a[i]) / h[i]
    t2, t3 = t * t, t * t * t
    return ((2 * t3 - 3 * t2 + 1) * yk_a[i] + (t3 - 2 * t2 + t) * h[i] * d[i]
            + (-2 * t3 + 3 * t2) * yk_a[i + 1] + (t3 - t2) * h[i] * d[i + 1])


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
        raise ValueError(f"last parameter top_cut_height_mm {cut:g} must exceed "
                         f"back_height_mm {back:g}")
    toe_shape = str(getattr(params, "toe_box_shape", "round"))
    if toe_shape not in _TOE_SHAPES:
        raise ValueError(f"last parameter toe_box_shape must be one of {_TOE_SHAPES}; "
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
        raise ValueError(
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
    ring_y = np.unique(ring_y)
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


def _sections(d: _Design, s_ball: float, s_instep: float, y: FloatArray) -> dict[str, FloatArray]:
    """Section descriptors at the stations ``y`` for the two section scales."""
    p, st, sh = d.params, d.st, d.shape
    # --- bottom half-widths (medial, lateral)
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
    fm = np.where(y > st["hallux_bulge"], tm, 1.0)
    flat = np.where(y > st["toe5_bulge"], tl, 1.0)
    bm = np.where(y > st["hallux_bulge"], hx * tm, bm)
    bl = np.where(y > st["toe5_bulge"], t5 * tl, bl)
    rear = y < y_hc
    hp = float(sh["heel_plan_exponent"]["value"])
    round_b = _taper((y_hc - y) / (y_hc - d.y0), hp)
    bm = np.where(rear, seat * round_b, bm)
    bl = np.where(rear, seat * round_b, bl)
    # --- body half-widths: bottom + overhang (the foot's width; the girths are met by the
    # section heights, not by widening the last)
    ov = sh["overhang_mm"]
    ys = [st[k] if k != "toe" else st["hallux_bulge"] for k in ov["stations"]]
    o_med, o_lat = _overhangs(d)
    om = _pchip(ys, o_med, y) * fm
    ol = _pchip(ys, o_lat, y) * flat
    am, al = bm + om, bl + ol
    round_a = _taper((y_hc - y) / (y_hc - d.y_back), hp)
    am = np.where(rear, (seat + o_med[0]) * round_a, am)
    al = np.where(rear, (seat + o_lat[0]) * round_a, al)
    # --- bottom (lowest) line: heel curve behind the bottom, the bottom curve on it
    zb = d.bottom.z_at_y(y)
    yc = d.y_back + d.heel_r
    behind = y < d.y0
    arg = np.clip(1.0 - ((yc - y) / d.heel_r) ** 2, 0.0, 1.0)
    z_lo = np.where(behind, d.z_bulge - d.heel_hb_e * np.sqrt(arg), zb)
    # --- top line: instep / ball heights scaled, toe thickness fixed, rear above the cut
    inst = _positive(p, "instep_height_mm")
    toe_t = _positive(p, "toe_thickness_mm")
    bh = sh["ball_height_fraction_of_instep_height"]
    rear_top = d.z_cut + float(sh["rear_height_above_top_cut_mm"]["value"])
    zb_at = d.bottom.z_at_y
    y_r2 = st["heel_centre"] + 0.5 * (st["waist"] - st["heel_centre"])
    knots_y = [y_hc, y_r2, st["waist"], st["instep"], st["mth5"], st["mth1"]]
    knots_z = [
        rear_top, rear_top,
        float(zb_at(st["waist"])) + s_instep * (
            inst + float(sh["waist_height_above_instep_mm"]["fraction_of_foot_length"]) * d.fl),
        float(zb_at(st["instep"])) + s_instep * inst,
        float(zb_at(st["mth5"])) + s_ball * d.ball_fractions[0] * inst,
        float(zb_at(st["mth1"])) + s_ball * d.ball_fractions[1] * inst,
    ]
    y_tb = st["mth1"] + float(bh["toe_box_position"]) * (st["hallux_bulge"] - st["mth1"])
    knots_y += [y_tb, st["hallux_bulge"]]
    knots_z += [float(zb_at(y_tb)) + max(s_ball * d.ball_fractions[2] * inst, 1.2 * toe_t),
                float(zb_at(st["hallux_bulge"])) + toe_t]
    top = _pchip(knots_y, knots_z, y)
    top = np.where(y < y_hc, rear_top, top)
    ytb = st["hallux_bulge"]
    side = _taper((y - ytb) / (d.y_tip - ytb), float(d.toe["side_exponent"]))
    top = np.where(y > ytb, zb + toe_t * side, top)
    # heel curve above the rearmost point, leaning forward
    ly = np.clip(1.0 - ((d.y_back + d.lean_r - y) / d.lean_r) ** 2, 0.0, 1.0)
    back_top = np.where(y < d.y_back + d.lean_r, d.z_bulge + d.lean_h * np.sqrt(ly), np.inf)
    z_hi = np.minimum(top, back_top)
    height = np.maximum(z_hi - z_lo, 1e-3)
    # --- widest height and section exponent
    wh = sh["widest_height_mm"]
    ysw = [st[k] if k != "toe" else st["hallux_bulge"] for k in wh["stations"]]
    hb = d.z_bulge - d.z_seat
    hw_vals = [hb] + list(wh["value"][1:])
    hw = _pchip(ysw, hw_vals, y)
    hw = np.where(y < y_hc, hb, hw)
    hw = np.where(behind, d.z_bulge - z_lo, hw)
    hw = np.minimum(hw, np.where(behind, height, 0.6 * height))
    se = sh["section_exponent"]
    # the medial upper quarter of the toe box is squarer: the hallux is the highest toe
    tm = float(d.toe.get("medial_section_factor", 1.0))
    q = _pchip([st[k] for k in se["stations"]] + [st["hallux_bulge"]],
               list(se["value"]) + [tm * float(d.toe["section_exponent"])], y)
    q = np.where(y < y_hc, se["value"][0], q)
    # the lateral upper quarter: the dorsum falls toward the little toes
    q_lat = q * _pchip([st[k] for k in se["stations"]] + [st["hallux_bulge"]],
                       list(se["lateral_factor"]) + [1.0 / tm], y)
    q_lat = np.where(y < y_hc, q, q_lat)
    am = np.maximum(am, bm + 0.05)
    al = np.maximum(al, bl + 0.05)
    # keep a sliver of bottom where it vanishes (heel curve, tip) so no triangle is degenerate
    bm = np.maximum(bm, 0.04 * am)
    bl = np.maximum(bl, 0.04 * al)
    return {"y": y, "bm": bm, "bl": bl, "am": am, "al": al, "z_lo": z_lo, "z_hi": z_hi,
            "hw": hw, "q": q, "q_lat": q_lat}


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


def _assemble(d: _Design, rings: FloatArray) -> tuple[FloatArray, np.ndarray]:
    rings = rings.copy()
    rings[:, :, 2] = np.minimum(rings[:, :, 2], d.z_cut)
    return _assemble_rings(rings, np.array([0.0, d.y_back, d.z_bulge]),
                           np.array([0.0, d.y_tip, float(d.bottom.z[-1])]))


def _assemble_rings(rings: FloatArray, back: FloatArray,
                    tip: FloatArray) -> tuple[FloatArray, np.ndarray]:
    """Vertices and faces of a loft of closed rings (n_rings, m, 3) capped by two fans."""
    n_r, m, _ = rings.shape
    pts = rings.reshape(-1, 3)
    verts = np.concatenate([pts, np.asarray(back, float)[None], np.asarray(tip, float)[None]])
    i_back, i_tip = n_r * m, n_r * m + 1
    ii, jj = np.meshgrid(np.arange(n_r - 1), np.arange(m), indexing="ij")
    a = ii * m + jj
    b = (ii + 1) * m + jj
    cc = (ii + 1) * m + (jj + 1) % m
    dd = ii * m + (jj + 1) % m
    quads = np.concatenate([np.stack([a, b, cc], -1).reshape(-1, 3),
                            np.stack([a, cc, dd], -1).reshape(-1, 3)])
    j = np.arange(m)
    fan_back = np.stack([np.full(m, i_back), j, (j + 1) % m], axis=1)
    last = (n_r - 1) * m
    fan_tip = np.stack([np.full(m, i_tip), last + (j + 1) % m, last + j], axis=1)
    faces = np.concatenate([quads, fan_back, fan_tip]).astype(np.int64)
    return verts, faces


def _plane_hull_perimeter(
    verts: FloatArray, faces: np.ndarray, origin: FloatArray, normal: FloatArray
) -> float:
    """Convex-hull perimeter of the section of a triangle mesh by a plane (vectorized)."""
    from scipy.spatial import ConvexHull

    n = normal / np.linalg.norm(normal)
    dist = (verts - origin) @ n
    tri_d = dist[faces]
    cross = (tri_d.min(axis=1) < 0) & (tri_d.max(axis=1) > 0)
    f = faces[cross]
    if len(f) == 0:
        return 0.0
    pts = []
    for k0, k1 in ((0, 1), (1, 2), (2, 0)):
        d0, d1 = dist[f[:, k0]], dist[f[:, k1]]
        hit = (d0 < 0) != (d1 < 0)
        t = d0[hit] / (d0[hit] - d1[hit])
        p0, p1 = verts[f[hit, k0]], verts[f[hit, k1]]
        pts.append(p0 + t[:, None] * (p1 - p0))
    p = np.concatenate(pts)
    u = np.cross(n, [0.0, 0.0, 1.0] if abs(n[2]) < 0.9 else [1.0, 0.0, 0.0])
    u /= np.linalg.norm(u)
    v = np.cross(n, u)
    q = np.stack([p @ u, p @ v], axis=1)
    hull = ConvexHull(q)
    ring = q[hull.vertices]
    return float(np.linalg.norm(np.roll(ring, -1, axis=0) - ring, axis=1).sum())


def section_girth(mesh: Any, origin: Any, normal: Any) -> float:
    """Return the tape girth of ``mesh`` in a plane: the convex-hull perimeter of the section.

    Parameters
    ----------
    mesh : trimesh.Trimesh
        A closed surface (a last or a foot mesh).
    origin, normal : (3,) array_like of float, mm
        A point of the plane and its normal.

    Returns
    -------
    float, mm
        0.0 when the plane misses the mesh.

    References
    ----------
    .. [1] DOMAIN.md section 3: a tape bridges concavities, so a girth is the perimeter of
       the convex hull of the cross-section.
    """
    o = np.asarray(origin, dtype=np.float64).reshape(3)
    nrm = np.asarray(normal, dtype=np.float64).reshape(3)
    if not np.isfinite(nrm).all() or np.linalg.norm(nrm) == 0:
        raise ValueError(f"`normal` must be a finite non-zero vector; got {normal!r}")
    return _plane_hull_perimeter(np.asarray(mesh.vertices, dtype=np.float64),
                                 np.asarray(mesh.faces), o, nrm)


def _planes(d: _Design, sec_top_instep: float) -> tuple[tuple[FloatArray, FloatArray], ...]:
    """Ball and instep girth planes (origin, normal) of the design."""
    st = d.st
    # through the widest points of the body at MTH1 (medial) and MTH5 (lateral): where the
    # foot's MTH1 and MTH5 are, so the last's girth compares with the foot's
    body = _sections(d, 1.0, 1.0, np.array([st["mth1"], st["mth5"]]))
    p1 = np.array([-float(body["am"][0]), st["mth1"], 0.0])
    p5 = np.array([float(body["al"][1]), st["mth5"], 0.0])
    along = p5 - p1
    ball_n = np.array([along[1], -along[0], 0.0])
    ball = (0.5 * (p1 + p5) + np.array([0.0, 0.0, 1.0]), ball_n / np.linalg.norm(ball_n))
    yw, yi = st["waist"], st["instep"]
    zw = float(d.bottom.z_at_y(yw))
    t = np.array([0.0, yi - yw, sec_top_instep - zw])
    inst_n = np.cross([1.0, 0.0, 0.0], t)
    instep = (np.array([0.0, yw, zw]), inst_n / np.linalg.norm(inst_n))
    return ball, instep


def _girths(d: _Design, s_ball: float, s_instep: float) -> tuple[FloatArray, FloatArray,
                                                                   np.ndarray, dict[str, Any]]:
    sec = _sections(d, s_ball, s_instep, d.ring_y)
    verts, faces = _assemble(d, _ring_points(sec, d))
    top_i = float(np.minimum(
        _sections(d, s_ball, s_instep, np.array([d.st["instep"]]))["z_hi"][0], d.z_cut))
    ball, instep = _planes(d, top_i)
    g = np.array([
        _plane_hull_perimeter(verts, faces, *ball),
        _plane_hull_perimeter(verts, faces, *instep),
    ])
    info = {"ball_plane": ball, "instep_plane": instep, "instep_top_z_mm": top_i}
    return g, verts, faces, info


def _bracket_solve(d: _Design, target: FloatArray) -> tuple[FloatArray, tuple[Any, ...]]:
    """Section scales by bisection on the rising branch of girth(scale), for when the secant
    steps fail: a low section tilts the instep plane, so the instep girth grows again as the
    scale falls toward 0 and the secant can run down the wrong branch.
    """
    grid = np.linspace(0.2, 3.0, 15)
    gs = np.array([_girths(d, v, v)[0] for v in grid])  # the two girths barely interact
    lo, hi = np.zeros(2), np.zeros(2)
    for i in range(2):
        k0 = int(np.argmin(gs[:, i]))
        above = np.flatnonzero(gs[k0:, i] >= target[i])
        if gs[k0, i] > target[i] or len(above) == 0:  # unreachable: keep the nearest
            lo[i] = hi[i] = grid[k0] if gs[k0, i] > target[i] else grid[-1]
            continue
        j = k0 + int(above[0])
        lo[i], hi[i] = grid[max(j - 1, k0)], grid[j]
    for _ in range(30):
        mid = 0.5 * (lo + hi)
        g = _girths(d, *mid)[0]
        up = g < target
        lo, hi = np.where(up, mid, lo), np.where(up, hi, mid)
        if np.all(np.abs(g - target) < 0.05):
            break
    s = 0.5 * (lo + hi)
    return s, _girths(d, *s)


def build_last_mesh(params: Any, *, side: str | None = None, max_iter: int = 12) -> Any:
    """Return :func:`build_last_surface` as a ``trimesh.Trimesh`` (same parameters).

    Examples
    --------
    >>> from footfit.last import generate_last
    >>> p = generate_last({"side": "right", "foot_length_mm": 265.0,
    ...                    "ball_girth_mm": 250.0}, style="sport", sex="male")
    >>> mesh = build_last_mesh(p)
    >>> bool(mesh.is_watertight), round(mesh.metadata["last"]["ball_girth_mm"])
    (True, 265)
    """
    try:
        import trimesh  # noqa: F401
    except ImportError as e:  # pragma: no cover
        raise ImportError("build_last_mesh requires trimesh") from e
    return build_last_surface(params, side=side, max_iter=max_iter).to_trimesh()


def build_last_surface(params: Any, *, side: str | None = None, max_iter: int = 12) -> Any:
    """Build the closed, watertight surface of the last described by ``params``.

    Parameters
    ----------
    params : LastParameters or mapping
        The last: :func:`footfit.last.generate_last`, or a row of the stock library
        (``foot_length_mm`` is then bottom length - toe allowance + heel allowance, the toe
        shape that of the style, the side right).
    side : {'right', 'left'} or None, default=None
        Which last to build; ``None`` takes ``params.side``. A left last is the right one
        mirrored in x (the canonical frame of a left foot is mirrored the same way).
    max_iter : int, default=12
        Newton steps of the girth solve.

    Returns
    -------
    footfit.last.surface.LastSurface
        About 19k triangles, outward normals. ``mesh.metadata`` holds ``"last"``: the
        realised girths, the girth planes, the scales, the top-cut height, the bottom curve
        (``bottom_y_mm``, ``bottom_z_mm``, ``bottom_s_mm``) and the station positions (y),
        which :mod:`footfit.fit` uses to place a foot.

    Raises
    ------
    ValueError
        A parameter is missing, not finite, out of order, or the girths cannot be met with the
        given bottom widths (the message names the field and the value).

    Notes
    -----
    The surface is a loft of cross-sections in planes across the length (y = const). Each
    section has a flat bottom between the medial and lateral bottom edges, elliptical
    quarter arcs rising to the widest point (the body overhangs the bottom), and a
    superellipse upper half up to the top line; a flat horizontal top cut caps it at
    ``heel_height_mm + top_cut_height_mm``. The bottom is the curve of
    :func:`last_bottom_profile`: the heel seat is raised by the heel height and kept flat
    (the real seat pitch is ignored), the shank drops smoothly to the tread at MTH5, and the
    toe spring lifts the tip. Behind the bottom the heel curve (a quarter ellipse meeting the
    seat at a crease) bulges back to the rearmost point about one heel allowance behind the
    bottom; above it the heel curve leans forward up to the top cut. The toe box follows the
    style's toe shape (superellipse plan and side tapers, ``footfit/data/last_shape.json``).

    As on a real last, the bottom (feather line) is narrower than the foot's tread and the
    flesh rolls over it: the body overhangs the bottom by the table's overhangs, measured so
    that the body is as wide as the foot (each style's broader or narrower bottom, waist and
    seat taken off), and the girths are made by the heights of the sections. The section
    scale over the ball (from MTH5 forward) and over the instep (behind the instep station)
    multiplies the top heights (fractions of the instep height; a measured
    ``ball_height_mm`` shapes the MTH1 and toe-box fractions); a secant solve (bisection on
    the rising branch if it fails) sets each so that the convex-hull girth in the ball plane
    (vertical, through the widest points of the body at MTH1, medial, and MTH5, lateral:
    where the foot's MTH1 and MTH5 are) and in the instep plane (through the bottom at the
    waist and the top at the instep station, containing x) equal ``ball_girth_mm`` and
    ``instep_girth_mm`` to 0.05 mm. Bottom widths, heel seat width and the bottom length are
    built exactly; the instep height and the waist girth are not imposed (the girths win).

    References
    ----------
    .. [1] DOMAIN.md section 5 (bottom length, allowances, toe spring, heel classes).
    .. [2] GB/T 3293-2017 (Chinese last parameter set: positions along the bottom, widths).

    Examples
    --------
    >>> from footfit.last import generate_last
    >>> p = generate_last({"side": "right", "foot_length_mm": 265.0,
    ...                    "ball_girth_mm": 250.0}, style="sport", sex="male")
    >>> mesh = build_last_surface(p)  # girth: 250 + 2 (sport) + 8 (4 mm liner) + 5 (sock)
    >>> bool(mesh.is_watertight), round(mesh.metadata["last"]["ball_girth_mm"])
    (True, 265)
    """
    params = _ParamView(params)
    side = str(params.side) if side is None else side
    if side not in ("right", "left"):
        raise ValueError(f"`side` must be 'right' or 'left'; got {side!r}")
    d = _design(params)
    target = np.array([_positive(params, "ball_girth_mm"), _positive(params, "instep_girth_mm")])
    s = np.array([1.0, 1.0])
    g, verts, faces, info = _girths(d, *s)
    s_prev, g_prev = s.copy(), g.copy()
    s = s * np.clip(1.0 + 1.5 * (target - g) / target, 0.5, 1.5)
    for _ in range(max_iter):
        g, verts, faces, info = _girths(d, *s)
        err = target - g
        if np.all(np.abs(err) < 0.05):
            break
        slope = (g - g_prev) / np.where(np.abs(s - s_prev) > 1e-9, s - s_prev, 1e-9)
        slope = np.where(slope > 1.0, slope, 60.0)  # girth grows with the scale
        s_prev, g_prev = s.copy(), g.copy()
        s = np.clip(s + err / slope, 0.05, 5.0)
    if np.any(np.abs(target - g) > 0.05):
        s, (g, verts, faces, info) = _bracket_solve(d, target)
    if np.any(np.abs(target - g) > 0.5):
        names = ("ball_girth_mm", "instep_girth_mm")
        bad = [f"{n} {t:.1f} (reached {v:.1f})"
               for n, t, v in zip(names, target, g, strict=True) if abs(t - v) > 0.5]
        raise ValueError(
            "last girths cannot be met with these bottom widths and heights: " + ", ".join(bad)
        )
    from footfit.last.rings import ring_table

    n_r = len(d.ring_y)
    rings = ring_table(verts[: n_r * (len(verts) - 2) // n_r].reshape(n_r, -1, 3),
                       back=verts[-2], tip=verts[-1], frame="final")
    from footfit.last.surface import LastSurface

    mesh = LastSurface(verts, faces)
    if mesh.volume < 0:
        mesh.invert()
    if side == "left":
        mesh.vertices[:, 0] *= -1.0
        mesh.invert()
    meta = {
        "side": side,
        "ball_girth_mm": float(g[0]),
        "instep_girth_mm": float(g[1]),
        "section_scale_ball": float(s[0]),
        "section_scale_instep": float(s[1]),
        "ball_plane": tuple(tuple(float(v) for v in a) for a in info["ball_plane"]),
        "instep_plane": tuple(tuple(float(v) for v in a) for a in info["instep_plane"]),
        "instep_top_z_mm": info["instep_top_z_mm"],
        "top_cut_z_mm": d.z_cut,
        "heel_seat_z_mm": d.z_seat,
        "collar_z_mm": d.z_seat + _field(params, "back_height_mm"),
        "rear_y_mm": d.y_back,
        "bottom_back_y_mm": d.y0,
        "toe_tip_y_mm": d.y_tip,
        "foot_length_mm": d.fl,
        "stations_y_mm": dict(d.st),
        "bottom_s_mm": d.bottom.s[::20].copy(),
        "bottom_y_mm": d.bottom.y[::20].copy(),
        "bottom_z_mm": d.bottom.z[::20].copy(),
        "rings": rings,
    }
    mesh.metadata["last"] = meta
    return mesh


_MESH_FORMATS = ("stl", "ply", "obj")


def last_mesh_path(path: Any, side: str, *, n_feet: int = 1) -> Any:
    """Return where :func:`write_last_mesh` puts the last of ``side``.

    One foot: ``path`` itself. Two feet: the side is added to the name, ``last.stl`` ->
    ``last_left.stl`` and ``last_right.stl`` (a factory makes the pair).

    Raises
    ------
    ValueError
        The extension is not .stl, .ply or .obj.
    FileNotFoundError
        The folder does not exist.
    """
    from pathlib import Path

    p = Path(path)
    ext = p.suffix.lower().lstrip(".")
    if ext not in _MESH_FORMATS:
        raise ValueError(f"{p}: last mesh format must be .stl, .ply or .obj; got {p.suffix!r}")
    if not p.resolve().parent.is_dir():
        raise FileNotFoundError(f"{p}: folder {p.parent} does not exist")
    if n_feet > 1:
        p = p.with_name(f"{p.stem}_{side}{p.suffix}")
    return p


def write_last_mesh(params: Any, path: Any, *, side: str | None = None) -> Any:
    """Build the last of ``params`` and write it to ``path`` (STL, PLY or OBJ by extension).

    Parameters
    ----------
    params : LastParameters or mapping
        The last.
    path : str or path-like
        Output file; the extension picks the format. Written atomically (temporary file,
        then renamed).
    side : {'right', 'left'} or None, default=None
        ``None`` takes ``params.side``: a left last is written mirrored, ready to mill.

    Returns
    -------
    pathlib.Path
        The file written. Coordinates in mm, in the canonical frame of the foot (heel at the
        origin, +y to the toe, +z up, the tread on z = 0).
    """
    import os
    import tempfile

    out = last_mesh_path(path, "right")
    mesh = build_last_mesh(params, side=side)
    mesh.metadata.pop("last", None)  # arrays in metadata are not for the file headers
    ext = out.suffix.lower().lstrip(".")
    fd, tmp = tempfile.mkstemp(prefix=out.name + ".", suffix=".tmp", dir=out.parent)
    os.close(fd)
    try:
        mesh.export(tmp, file_type=ext)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it owner-only; follow the umask
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return out
