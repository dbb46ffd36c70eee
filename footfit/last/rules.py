"""The trade rules that turn a measured foot into last parameters, one step each.

:func:`footfit.last.generate_last` runs these in order: the foot's inputs checked, its
unmeasured values taken from the standard foot, the style's eases, the lengths
(allowances), the insole and sock room, the girths, the bottom widths, the landmark
positions along the bottom and the profile (heel height, toe spring, heights). Each returns
plain values and appends what it assumed to ``notes``.

References
----------
.. [1] DOMAIN.md section 5 (bottom length, allowances, toe spring, heel classes).
.. [2] LASTS.md sections 3 and 7 (bottom widths; room for the insole and the sock).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from footfit.exceptions import InvalidMeasurementError, InvalidParameterError
from footfit.last.styles import styles_global
from footfit.measure.results import FootMeasurements
from footfit.sizes import compute_sizes, standard_foot

#: Measurements a last reads (others come from the standard foot when missing).
MEASURED = ("ball_girth_mm", "ball_width_mm", "heel_width_mm", "ball_length_mm",
            "instep_girth_mm", "instep_height_mm")
#: Style eases scaled with the foot length for children.
_EASES = ("ball_girth_ease_mm", "instep_girth_ease_mm", "waist_girth_offset_mm",
          "hallux_taper_mm", "toe5_taper_mm", "instep_height_ease_mm", "toe_spring_mm",
          "heel_girth_ease_mm")


def _value(m: FootMeasurements, name: str) -> float | None:
    """Return measurement ``name`` as a finite float, or None when not measured."""
    v = getattr(m, name)
    if v is None:
        return None
    try:
        out = float(v)
    except (TypeError, ValueError) as exc:
        raise InvalidMeasurementError(f"{name} must be a number; got {v!r}") from exc
    if out != out or out in (float("inf"), float("-inf")):
        raise InvalidMeasurementError(f"{name} must be finite; got {v!r}")
    return out


def _check_human(name: str, value: float | None, fl: float) -> None:
    """Refuse a measurement outside the human range for a foot of length ``fl``."""
    if value is None:
        return
    lo_f, hi_f = styles_global()["human_range_fraction_of_foot_length"][name]
    lo, hi = lo_f * fl, hi_f * fl
    if not lo <= value <= hi:
        raise InvalidMeasurementError(
            f"{name} must be within {lo:.0f}-{hi:.0f} mm (human range for a {fl:.0f} mm "
            f"foot); got {value:g}"
        )


def required(m: FootMeasurements, name: str, why: str) -> float:
    """Return a measurement the last cannot be made without, or say why it is missing."""
    value = _value(m, name)
    if value is None:
        reason = dict(m.missing).get(name, "not measured")
        raise InvalidMeasurementError(f"{name} is missing ({reason}): {why}")
    return value


def measured_values(m: FootMeasurements, fl: float) -> dict[str, float | None]:
    """Return the measurements of :data:`MEASURED`, each checked against the human range."""
    measured = {name: _value(m, name) for name in MEASURED}
    for name, value in measured.items():
        _check_human(name, value, fl)
    return measured


def ball_height_of(ball_height_mm: Any, fl: float) -> float | None:
    """Return the foot's dorsal height over MTH1 checked, or None when not given."""
    if ball_height_mm is None:
        return None
    try:
        ball_height = float(ball_height_mm)
    except (TypeError, ValueError) as exc:
        raise InvalidMeasurementError(
            f"ball_height_mm must be a number; got {ball_height_mm!r}") from exc
    if not np.isfinite(ball_height):
        raise InvalidMeasurementError(f"ball_height_mm must be finite; got {ball_height_mm!r}")
    _check_human("ball_height_mm", ball_height, fl)
    return ball_height


def foot_values(m: FootMeasurements, fl: float, measured: Mapping[str, float | None], *,
                sex: str | None, child: bool, notes: list[str]) -> tuple[Any, dict[str, float]]:
    """Return the foot's sizes and its values, the standard foot's where not measured."""
    glob = styles_global()
    girth = float(measured["ball_girth_mm"])  # type: ignore[arg-type]
    sizes = compute_sizes(fl, ball_girth_mm=girth, ball_width_mm=measured["ball_width_mm"],
                          sex=sex, child=child)
    notes.extend(n for n in sizes.notes if "outside the" in n)
    std = standard_foot(fl, width_type=sizes.cn_width_type, sex=sex, child=child)
    std["instep_girth_mm"] = girth + float(glob["standard_instep_minus_ball_girth_mm"]["value"])
    line = glob["standard_instep_height_mm"]
    std["instep_height_mm"] = float(line["intercept"]) + float(line["slope"]) * fl
    foot: dict[str, float] = {}
    for name, value in measured.items():
        if value is None:
            foot[name] = std[name]
            reason = dict(m.missing).get(name, "not measured")
            notes.append(f"{name} {reason}: standard foot value {std[name]:.1f} mm used "
                         f"(size {sizes.cn_label})")
        else:
            foot[name] = value
    return sizes, foot


def style_eases(spec: Mapping[str, Any], fl: float, child: bool) -> tuple[dict[str, float],
                                                                          float]:
    """Return the style's eases (children's in proportion to foot length) and that scale."""
    scale = 1.0
    if child:
        scale = fl / float(styles_global()["child_ease_scale"]["reference_foot_length_mm"])
    return {key: float(spec[key]) * scale for key in _EASES}, scale


@dataclass(frozen=True)
class Lengths:
    """Toe and heel allowances and the bottom length (FL + toe - heel allowance)."""

    toe_allowance: float
    heel_allowance: float
    bottom_length: float


def lengths(spec: Mapping[str, Any], fl: float, *, style: str, child: bool, sex_key: str,
            toe_shape: str | None, notes: list[str]) -> Lengths:
    """Return the allowances and the bottom length of the last."""
    glob = styles_global()
    extra = float(spec["toe_shape_extra_mm"][toe_shape or "egyptian"])
    if child:
        heel_allowance = float(glob["heel_allowance_child_fraction"]["value"]) * fl
        toe_allowance = (float(spec["child_inner_length_extra_fraction"]) * fl + heel_allowance
                         + extra)
        notes.append("children's last: allowances and style eases in proportion to foot "
                     "length")
    else:
        toe_allowance = float(spec["toe_allowance_mm"][sex_key]) + extra
        heel_allowance = float(spec["heel_allowance_mm"][sex_key])
    if extra:
        notes.append(f"{toe_shape} toes: +{extra:g} mm toe allowance in a {style} toe")
    return Lengths(toe_allowance, heel_allowance, fl + toe_allowance - heel_allowance)


@dataclass(frozen=True)
class InsoleRoom:
    """The insole the last holds and the girth room it and the sock take."""

    forefoot_mm: float
    heel_mm: float
    label: str
    girth_fore: float
    girth_heel: float


def insole_room(insole: Mapping[str, Any] | None, spec: Mapping[str, Any],
                scale: float) -> InsoleRoom:
    """Return the insole's thicknesses and the girth room for it and the sock."""
    glob = styles_global()
    ins = dict(insole or {})
    liner = float(spec["sock_liner_mm"])
    t_fore = float(ins.get("forefoot_mm", liner))
    t_heel = float(ins.get("heel_mm", t_fore))
    for name, v in (("insole forefoot_mm", t_fore), ("insole heel_mm", t_heel)):
        if not (np.isfinite(v) and 0.0 <= v <= 25.0):
            raise InvalidParameterError(f"`{name}` must be within 0-25 mm; got {v!r}")
    label = str(ins.get("label") or ("sock liner" if insole is None else "insole"))
    per_mm = float(glob["insole_room"]["girth_per_mm_thickness"])
    sock = float(glob["sock_allowance_girth_mm"]["value"]) * scale
    return InsoleRoom(t_fore, t_heel, label, per_mm * t_fore + sock, per_mm * t_heel + sock)


def girths(m: FootMeasurements, foot: Mapping[str, float], ease: Mapping[str, float],
           prefs: Mapping[str, Any], room: InsoleRoom, notes: list[str]) -> dict[str, float]:
    """Return the last's girths: foot + style ease + fit shift + insole and sock room.

    ``style_ball`` is the ball girth before the insole and sock room (the bottom width
    rule reads it).
    """
    glob = styles_global()
    girth = foot["ball_girth_mm"]
    style_ball = girth + ease["ball_girth_ease_mm"] + prefs["ball_girth_shift_mm"]
    ball = style_ball + room.girth_fore
    instep = (foot["instep_girth_mm"] + ease["instep_girth_ease_mm"]
              + prefs["instep_girth_shift_mm"] + room.girth_fore)
    out = {"style_ball": style_ball, "ball": ball, "instep": instep,
           "waist": 0.5 * (ball + instep) + ease["waist_girth_offset_mm"]}
    heel_frac = glob["heel_girth_standard_fraction_of_ball_girth"]
    for key in ("short", "long"):
        name = f"{key}_heel_girth_mm"
        value = _value(m, name)
        if value is None:
            value = float(heel_frac[key]) * girth
            notes.append(f"{name} not measured: {value:.0f} mm from the ball girth "
                         f"(x{float(heel_frac[key]):g}, footfit/data/styles.json)")
        out[f"{key}_heel"] = value + ease["heel_girth_ease_mm"] + room.girth_heel
    return out


def bottom_widths(spec: Mapping[str, Any], prefs: Mapping[str, Any],
                  foot: Mapping[str, float], style_ball: float, *,
                  width_band: bool) -> dict[str, float]:
    """Return the bottom widths (LASTS.md section 3).

    The basic width is a little over 1/3 of the last's ball girth, kept 4-12 mm under the
    foot's ball width; the heel seat 4.5 mm under the foot's heel (3-6 for grip); the
    waist about 0.425 of it laterally.
    """
    glob = styles_global()
    lo_w, hi_w = glob["foot_ball_width_minus_basic_width_mm"]["value"]
    width = float(spec["bottom_width_fraction_of_ball_girth"]) * style_ball
    if width_band:
        width = float(np.clip(width, foot["ball_width_mm"] - float(hi_w),
                              foot["ball_width_mm"] - float(lo_w)))
    width += prefs["bottom_width_shift_mm"]
    share = float(glob["medial_share_of_bottom_width"]["value"])
    seat_rule = glob["heel_seat_fraction_of_basic_width"]
    waist_rule = glob["waist_width_fraction_of_basic_width"]
    return {
        "basic": width, "medial": share * width, "lateral": (1.0 - share) * width,
        "heel_seat": (foot["heel_width_mm"] - float(seat_rule["foot_heel_width_minus_seat_mm"])
                      + prefs["heel_seat_shift_mm"]),
        "waist": (float(waist_rule["lateral"]) + float(waist_rule["medial"])) * width,
    }


def positions(fl: float, heel_allowance: float, ball_length: float | None) -> dict[str, float]:
    """Return the landmark positions along the bottom, from its heel end."""
    frac = styles_global()["landmark_fraction_of_foot_length"]
    pos = {k: float(v) * fl - heel_allowance for k, v in frac.items() if k != "source"}
    if ball_length is not None:
        pos["mth1"] = ball_length - heel_allowance
        pos["mth5"] = pos["mth1"] - (float(frac["mth1"]) - float(frac["mth5"])) * fl
    return pos


def heel_height(spec: Mapping[str, Any], heel_height_mm: Any, default_key: str) -> float:
    """Return the heel height: as given (0-120 mm) or the style's default for the group."""
    if heel_height_mm is None:
        return float(spec["default_heel_height_mm"][default_key])
    try:
        heel = float(heel_height_mm)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"`heel_height_mm` must be a number; got {heel_height_mm!r}") from exc
    lo, hi = styles_global()["heel_height_range_mm"]["value"]
    if not lo <= heel <= hi:
        raise InvalidParameterError(
            f"`heel_height_mm` must be within {lo:g}-{hi:g} mm; got {heel:g}")
    return heel


def heights(spec: Mapping[str, Any], fl: float, *, child: bool, t_fore: float,
            instep_height: float, instep_ease: float) -> dict[str, float]:
    """Return the toe thickness, back height, top cut and instep height of the last."""
    glob = styles_global()
    thick = glob["toe_thickness_per_mm_foot_length"]
    toe_thickness = float(spec["toe_thickness_mm"]) + float(
        thick["child_value"] if child else thick["value"]) * (
        fl - float(thick["reference_foot_length_mm"])) + t_fore
    back = glob["back_height_mm"]
    back_height = float(back["intercept"]) + float(back["slope"]) * fl
    return {"toe_thickness": toe_thickness, "back": back_height,
            "top_cut": back_height + float(glob["top_cut_above_back_height_mm"]["value"]),
            "instep": instep_height + instep_ease + t_fore}
