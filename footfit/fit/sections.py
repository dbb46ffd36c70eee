"""The foot-minus-last table a last engineer reads: section by section, with bands from data.

:func:`section_table` compares the foot, as placed in the last by
:func:`footfit.fit.simulate_fit`, with the last: girths (net of the room left for the insole
and the sock), bottom and seat widths against the foot's, toe room, dorsal heights at the
toe box, instep and waist, and the foot's MTH1 against the last's ball line. Each row has a
band (``fail``, ``tight``, ``ok``, ``loose``) from ``footfit/data/fit_zones.json``
``section_bands`` (LASTS.md section 6).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from footfit._core.typing import FloatArray
from footfit._data import load_table

if TYPE_CHECKING:
    from footfit.fit.prepare import PreparedFoot, PreparedLast
    from footfit.measure.results import FootMeasurements

__all__ = ["SectionRow", "band_of", "section_table"]


@dataclass(frozen=True)
class SectionRow:
    """One row of the foot-minus-last table.

    Attributes
    ----------
    name : str
        ``ball_girth``, ``instep_girth``, ``bottom_width``, ``heel_seat``, ``toe_room``,
        ``dorsal_toe_box``, ``dorsal_instep``, ``dorsal_waist``, ``mth1_ball_line``.
    foot_mm, last_mm : float or None
        The foot's and the last's value (None where the scan has no data there).
    ease_mm : float or None
        What the band judges (last - foot, net of the insole and sock room for girths; foot
        ball width - basic width, foot heel width - seat width, MTH1 - ball line).
    band : {'fail', 'tight', 'ok', 'loose', 'no data'}
    ok_range : tuple of float
        The OK range of the band.
    """

    name: str
    foot_mm: float | None
    last_mm: float | None
    ease_mm: float | None
    band: str
    ok_range: tuple[float, float]

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        def r(v: float | None) -> float | None:
            # + 0.0: a rounded -0.0 reads 0.0
            return None if v is None or not np.isfinite(v) else round(float(v), 1) + 0.0

        return {"name": self.name, "foot_mm": r(self.foot_mm), "last_mm": r(self.last_mm),
                "ease_mm": r(self.ease_mm), "band": self.band,
                "ok_range": [float(self.ok_range[0]), float(self.ok_range[1])]}


def band_of(value: float | None, band: Mapping[str, Any], *, tight_is_low: bool = True) -> str:
    """Return the band of ``value``: fail / tight / ok / loose (or ``no data``).

    Parameters
    ----------
    value : float or None
    band : mapping
        ``ok`` (lo, hi) and optional ``fail_below`` / ``fail_above``.
    tight_is_low : bool, default=True
        Below the OK range is tight (room) or, False, loose (a width the foot exceeds).

    Examples
    --------
    >>> band_of(-4.0, {"ok": [0, 5], "fail_below": -3})
    'fail'
    >>> band_of(-1.0, {"ok": [0, 5], "fail_below": -3})
    'tight'
    >>> band_of(7.0, {"ok": [0, 5], "fail_below": -3})
    'loose'
    """
    if value is None or not np.isfinite(value):
        return "no data"
    lo, hi = (float(v) for v in band["ok"])
    if "fail_below" in band and value < float(band["fail_below"]):
        return "fail"
    if "fail_above" in band and value > float(band["fail_above"]):
        return "fail"
    if value < lo:
        return "tight" if tight_is_low else "loose"
    if value > hi:
        return "loose" if tight_is_low else "tight"
    return "ok"


def _dorsal_room(y: float, placed: FloatArray, clearance: FloatArray | None,
                 normals: FloatArray | None, in_shoe: FloatArray | None,
                 ) -> tuple[float | None, float | None, float | None]:
    """Return the foot's top, the last's top and the room between them at station ``y``.

    The worst (smallest) clearance under the top of the last (normal pointing up) within
    3 mm of the station; ``(None, None, None)`` without clearances or points there.
    """
    if clearance is None or normals is None:
        return None, None, None
    sel = (np.abs(placed[:, 1] - y) <= 3.0) & (normals[:, 2] > 0.7)
    if in_shoe is not None:
        sel &= in_shoe
    if sel.sum() < 3:
        return None, None, None
    i = int(np.argmin(np.where(sel, clearance, np.inf)))
    ease = float(clearance[i])
    f_top = float(placed[sel, 2].max())
    return f_top, f_top + ease, ease


def section_table(foot: PreparedFoot, last: PreparedLast, placed: FloatArray,
                  room: Mapping[str, Any], measurements: FootMeasurements | None = None, *,
                  clearance: FloatArray | None = None,
                  normals: FloatArray | None = None,
                  in_shoe: FloatArray | None = None) -> tuple[SectionRow, ...]:
    """Return the foot-minus-last table of a foot placed in a last.

    Parameters
    ----------
    foot : PreparedFoot
        The foot (canonical frame).
    last : PreparedLast
        The last, with its parameters when it has them.
    placed : (n, 3) ndarray of float, mm
        The foot as placed in the last (:attr:`FitResult.points_placed`).
    room : mapping
        :attr:`FitResult.room` (girth rooms measured in the last's planes, toe room).
    measurements : FootMeasurements, optional
        The foot's ball width, heel width and ball length (MTH1); rows that need them are
        ``no data`` without.
    clearance, normals, in_shoe : ndarray, optional
        Per-point clearance, the last's normal there and whether the point is inside the
        shoe (:class:`footfit.fit.FitResult`): the dorsal rows are the worst (smallest)
        clearance under the top of the last (normal pointing up) within 3 mm of the station.

    Returns
    -------
    tuple of SectionRow
    """
    cfg = load_table("fit_zones.json")["section_bands"]
    p = last.params
    glob = load_table("styles.json")["global"]
    style = last.style or "casual"
    kind = cfg["style_kind"].get(style, "sport")
    per_mm = float(glob["insole_room"]["girth_per_mm_thickness"])
    sock = float(glob["sock_allowance_girth_mm"]["value"])
    room_girth = per_mm * float(last.insole_forefoot_mm) + sock
    rows: list[SectionRow] = []

    def get(name: str) -> float | None:
        if p is None:
            return None
        v = p.get(name) if isinstance(p, Mapping) else getattr(p, name, None)
        return None if v is None else float(v)

    def add(name: str, foot_v: float | None, last_v: float | None, ease: float | None,
            band: Mapping[str, Any], tight_is_low: bool = True,
            ok: tuple[float, float] | None = None) -> None:
        b = dict(band)
        if ok is not None:
            b["ok"] = ok
        rows.append(SectionRow(name, foot_v, last_v, ease, band_of(ease, b,
                                                                   tight_is_low=tight_is_low),
                               (float(b["ok"][0]), float(b["ok"][1]))))

    meta = last.meta
    # girths, net of the insole and sock room
    for name in ("ball", "instep"):
        r = room.get(f"{name}_girth_room_mm")
        last_g = float(meta[f"{name}_girth_mm"])
        foot_g = None if r is None else last_g - float(r)
        net = None if r is None else float(r) - room_girth
        if name == "ball":
            band = cfg["ball_girth_net_ease_mm"][kind]
            add("ball_girth", foot_g, last_g, net, band)
        else:
            band = dict(cfg["instep_girth_net_ease_mm"])
            ok = tuple(band["boot_ok"]) if kind == "boot" else None
            add("instep_girth", foot_g, last_g, net, band, ok=ok)
    m = measurements
    bw = get("bottom_width_ball_mm")
    fw = None if m is None else getattr(m, "ball_width_mm", None)
    add("bottom_width", fw, bw, None if fw is None or bw is None else fw - bw,
        cfg["foot_ball_width_minus_basic_width_mm"], tight_is_low=False)
    seat = get("heel_seat_width_mm")
    hw = None if m is None else getattr(m, "heel_width_mm", None)
    add("heel_seat", hw, seat, None if hw is None or seat is None else hw - seat,
        cfg["heel_width_minus_seat_mm"], tight_is_low=False)
    # toe room: the last's toe tip minus the foot's, along the length (the stick length minus
    # the foot length when the foot sits at the back)
    toe = room.get("toe_room_mm")
    target = last.toe_allowance_mm
    tb = cfg["toe_room_mm"]
    if target is not None:
        tol = float(tb["tolerance"])
        add("toe_room", foot.length_mm, None if toe is None else foot.length_mm + float(toe),
            None if toe is None else float(toe),
            {"ok": [target - tol, target + tol], "fail_below": float(tb["fail_below"])})
    # dorsal room over the stations: the worst clearance under the top of the last
    st = meta["stations_y_mm"]
    for name, key in (("dorsal_toe_box", "hallux_bulge"), ("dorsal_instep", "instep"),
                      ("dorsal_waist", "waist")):
        f_top, l_top, ease = _dorsal_room(float(st[key]), placed, clearance, normals, in_shoe)
        add(name, f_top, l_top, ease, cfg["dorsal_height_ease_mm"])
    # the foot's MTH1 against the last's ball line (both along the bottom)
    bl = m is not None and getattr(m, "ball_length_mm", None) is not None
    if bl and get("mth1_position_mm") is not None:
        shift = float(room.get("_shift_y_mm", 0.0))
        foot_m1 = float(m.ball_length_mm) + shift
        last_m1 = get("mth1_position_mm") + get("heel_allowance_mm")
        add("mth1_ball_line", foot_m1, last_m1, foot_m1 - last_m1,
            cfg["mth1_vs_ball_line_mm"])
    else:
        add("mth1_ball_line", None, None, None, cfg["mth1_vs_ball_line_mm"])
    return tuple(rows)
