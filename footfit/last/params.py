"""Shoe-last parameters for one foot, style and fit preference.

A last maker turns the foot into a last by adding allowances: a toe allowance in front of the
toes (by style and toe shape), a heel allowance taken off behind (the heel bulges past the back
of the last bottom), girth and width eases by style and fit preference, and a profile (toe
spring, heel height, toe thickness). Every allowance is a row of ``footfit/data/styles.json``; the
fit preferences are ``footfit/data/fit_preferences.json``.

References
----------
.. [1] DOMAIN.md section 5: bottom length = foot length + toe allowance - heel allowance;
   heel allowance about 5 mm (men) / 4.5 mm (women); toe allowances by style; toe spring
   grows with sole stiffness; heel-height classes; the Chinese last parameter set.
.. [2] GB/T 3293-2017 (Chinese shoe lasts): standard dimensions graded from a middle size.
.. [3] DOMAIN.md section 3: landmark priors in % of foot length (heel centre 18, waist 41,
   MTH5 63.5, MTH1 72.5, 5th-toe bulge 78, 5th-toe tip 82.5, hallux bulge 90).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING, Any

import numpy as np

from footfit._core.validation import as_points, check_choice
from footfit.exceptions import InvalidMeasurementError, InvalidParameterError
from footfit.last import rules
from footfit.last.styles import FITS, available_styles, fit_preference, style_spec, styles_global
from footfit.measure.results import FootMeasurements
from footfit.sizes import check_foot_length as _check_range
from footfit.sizes import is_child as _is_child

if TYPE_CHECKING:
    from footfit._core.typing import ArrayLike

__all__ = ["LAST_DIMENSIONS", "LastParameters", "foot_ball_height", "generate_last",
           "heel_height_class", "toe_spring_for_heel"]

#: Numeric fields of :class:`LastParameters` (all mm), in the order of ``footfit/data/lasts.csv``.
LAST_DIMENSIONS: tuple[str, ...] = (
    "bottom_length_mm",
    "stick_length_mm",
    "toe_allowance_mm",
    "heel_allowance_mm",
    "ball_girth_mm",
    "instep_girth_mm",
    "waist_girth_mm",
    "short_heel_girth_mm",
    "long_heel_girth_mm",
    "bottom_width_ball_mm",
    "width_mth1_medial_mm",
    "width_mth5_lateral_mm",
    "width_hallux_medial_mm",
    "width_toe5_lateral_mm",
    "waist_width_mm",
    "heel_seat_width_mm",
    "heel_centre_position_mm",
    "waist_position_mm",
    "instep_position_mm",
    "mth5_position_mm",
    "mth1_position_mm",
    "toe5_bulge_position_mm",
    "toe5_tip_position_mm",
    "hallux_bulge_position_mm",
    "toe_tip_position_mm",
    "toe_spring_mm",
    "heel_height_mm",
    "toe_thickness_mm",
    "instep_height_mm",
    "back_height_mm",
    "top_cut_height_mm",
)
_SEXES = (None, "male", "female")
_OPTIONAL_FIELDS = ("notes", "ball_height_mm", "insole_forefoot_mm", "insole_heel_mm",
                    "insole", "stick_length_mm", "short_heel_girth_mm", "long_heel_girth_mm")
_TOE_SHAPES = ("egyptian", "greek", "roman")


@dataclass(frozen=True)
class LastParameters:
    """Parameters of a shoe last for one foot (mm; positions along the bottom from its heel end).

    Attributes
    ----------
    style, fit, side : str
        Shoe style (``footfit/data/styles.json``), fit preference, and which foot.
    group : {'male', 'female', 'unisex', 'child'}
        Last group (sets heel allowance, default heel height and width calibration).
    sex : {'male', 'female'} or None
        As given.
    child : bool
        A children's last (toe and heel allowances in proportion to foot length).
    foot_length_mm : float
        The foot length the last is made for.
    bottom_length_mm : float
        Length of the last bottom along its profile curve (3DShoemaker's "last length") =
        foot length + toe allowance - heel allowance [1]_.
    stick_length_mm : float
        Horizontal length from the back of the heel curve to the toe tip (the length a
        size stick reads); measured on the mesh when one is built, else bottom length + heel
        allowance (LASTS.md section 1).
    toe_allowance_mm, heel_allowance_mm : float
        Room in front of the toes; the part of the heel that bulges behind the bottom.
    ball_girth_mm, instep_girth_mm, waist_girth_mm : float
        Girths of the last: foot girth + style ease + fit shift + the room for the insole
        (2 x its thickness) and the sock; waist from the two.
    short_heel_girth_mm, long_heel_girth_mm : float
        Heel girths of the last (the foot's + the style's heel ease + insole and sock room).
    bottom_width_ball_mm : float
        Basic width of the bottom at the ball (= medial + lateral widths).
    width_mth1_medial_mm, width_mth5_lateral_mm : float
        Bottom half-widths from the bottom axis at MTH1 (medial) and MTH5 (lateral).
    width_hallux_medial_mm, width_toe5_lateral_mm : float
        Half-widths at the hallux bulge (medial) and 5th-toe bulge (lateral).
    waist_width_mm, heel_seat_width_mm : float
        Full bottom widths at the waist and at the heel centre.
    heel_centre_position_mm, waist_position_mm, instep_position_mm, mth5_position_mm, \
mth1_position_mm, toe5_bulge_position_mm, toe5_tip_position_mm, hallux_bulge_position_mm, \
toe_tip_position_mm : float
        Landmark positions along the bottom from its heel end (toe tip = bottom length).
    toe_spring_mm : float
        Height of the toe tip above the ground when the last stands at its heel height.
    heel_height_mm : float
        Heel height the last is made for; ``heel_height_class`` names its class.
    toe_thickness_mm : float
        Height of the toe box at the toe (bottom to top).
    instep_height_mm : float
        Height of the last over the instep point.
    back_height_mm, top_cut_height_mm : float
        Height of the heel curve at the back; height of the flat top cut.
    toe_box_shape : {'round', 'pointed', 'open'}
        Toe shape of the style (for the mesh builder).
    sole_stiffness : str
        Of the style (explains the toe spring).
    size_label : str
        Chinese size with width type, e.g. ``'265(三)'``.
    cn_size : str
        Chinese size (foot length in mm, 5 mm steps).
    cn_width_type : str or None
        Width type of the foot's ball girth.
    width_index : int or None
        1-based index of ``cn_width_type`` (一 = 1).
    eu_size : float
        EU size of the foot (ISO-formula profile).
    mondopoint : str
        ISO 9407 designation of the foot.
    notes : tuple of str
        Fallbacks (standard-foot values used for unmeasured inputs), classes, adjustments.
    ball_height_mm : float or None
        Height of the last over MTH1 (the foot's dorsal height there + the style's instep
        height ease), when the foot's was measured; ``None`` leaves the ball profile to the
        population shape of ``footfit/data/last_shape.json``. Not a stock-library dimension.
    insole_forefoot_mm, insole_heel_mm : float
        Thickness of the insole the last leaves room for, under the forefoot and the heel
        (the style's sock liner when no insole was chosen).
    insole : str
        What that insole is (an SKU, ``"custom"`` or ``"sock liner"``).
    """

    style: str
    fit: str
    side: str
    group: str
    sex: str | None
    child: bool
    foot_length_mm: float
    bottom_length_mm: float
    stick_length_mm: float
    toe_allowance_mm: float
    heel_allowance_mm: float
    ball_girth_mm: float
    instep_girth_mm: float
    waist_girth_mm: float
    short_heel_girth_mm: float
    long_heel_girth_mm: float
    bottom_width_ball_mm: float
    width_mth1_medial_mm: float
    width_mth5_lateral_mm: float
    width_hallux_medial_mm: float
    width_toe5_lateral_mm: float
    waist_width_mm: float
    heel_seat_width_mm: float
    heel_centre_position_mm: float
    waist_position_mm: float
    instep_position_mm: float
    mth5_position_mm: float
    mth1_position_mm: float
    toe5_bulge_position_mm: float
    toe5_tip_position_mm: float
    hallux_bulge_position_mm: float
    toe_tip_position_mm: float
    toe_spring_mm: float
    heel_height_mm: float
    heel_height_class: str
    toe_thickness_mm: float
    instep_height_mm: float
    back_height_mm: float
    top_cut_height_mm: float
    toe_box_shape: str
    sole_stiffness: str
    size_label: str
    cn_size: str
    cn_width_type: str | None
    width_index: int | None
    eu_size: float
    mondopoint: str
    notes: tuple[str, ...] = ()
    ball_height_mm: float | None = None
    insole_forefoot_mm: float = 0.0
    insole_heel_mm: float = 0.0
    insole: str = "none"

    def dimensions(self) -> dict[str, float]:
        """Return ``{name: value}`` of the numeric dimensions (:data:`LAST_DIMENSIONS`)."""
        return {name: float(getattr(self, name)) for name in LAST_DIMENSIONS}

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict of every field (``notes`` as a list)."""
        d = asdict(self)
        d["notes"] = list(self.notes)
        return d

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LastParameters:
        """Rebuild from :meth:`to_dict` output (e.g. the ``last`` block of a report).

        Unknown keys (``stock_last``, ``modifications``...) are ignored.

        Raises
        ------
        ValueError
            A field is missing; the message lists them.
        """
        known = [f.name for f in fields(cls)]
        missing = [k for k in known if k not in data and k not in _OPTIONAL_FIELDS]
        if missing:
            raise InvalidParameterError(f"last parameters lack {', '.join(missing)}")
        kwargs = {k: data[k] for k in known if k in data}
        for name in LAST_DIMENSIONS:
            # a report written before these dimensions existed lacks the last three
            kwargs[name] = float(kwargs.get(name, float("nan")))
        kwargs["notes"] = tuple(data.get("notes") or ())
        for name in ("insole_forefoot_mm", "insole_heel_mm"):
            kwargs[name] = float(data.get(name) or 0.0)
        kwargs["insole"] = str(data.get("insole") or "none")
        ball = data.get("ball_height_mm")
        kwargs["ball_height_mm"] = None if ball is None else float(ball)
        return cls(**kwargs)


def heel_height_class(heel_height_mm: float) -> str:
    """Return the heel-height class (flat, low, medium, high, very_high) of a heel height.

    References
    ----------
    .. [1] DOMAIN.md section 5: low < 30 mm, medium 30-50, high 50-80, very high > 80; the
       flat/low boundary is a design choice in ``footfit/data/styles.json``.

    Examples
    --------
    >>> [heel_height_class(h) for h in (5, 25, 30, 60, 90)]
    ['flat', 'low', 'medium', 'high', 'very_high']
    """
    classes = styles_global()["heel_height_classes_mm"]
    for name, bounds in classes.items():
        if name == "source":
            continue
        lo, hi = bounds
        if lo <= heel_height_mm < hi:
            return name
    raise InvalidParameterError(f"`heel_height_mm` {heel_height_mm!r} is in no heel-height class")


def toe_spring_for_heel(style_toe_spring_mm: float, heel_height_mm: float) -> float:
    """Return the toe spring of a last: the style's, capped as the heel rises.

    Toe spring falls as heel height rises (LASTS.md section 4): the style's flat-heel value,
    capped by the envelope ``toe_spring_envelope_mm`` of ``footfit/data/styles.json`` at this heel
    height, so it is non-increasing in the heel height.

    Examples
    --------
    >>> [round(toe_spring_for_heel(15.0, h), 1) for h in (0, 25, 50, 80)]
    [15.0, 15.0, 9.0, 6.0]
    """
    env = styles_global()["toe_spring_envelope_mm"]
    cap = float(np.interp(float(heel_height_mm), env["heel_height_mm"],
                          env["max_toe_spring_mm"]))
    return float(min(float(style_toe_spring_mm), cap))


def _as_measurements(measurements: Any) -> FootMeasurements:
    if isinstance(measurements, FootMeasurements):
        return measurements
    if isinstance(measurements, Mapping):
        return FootMeasurements.from_dict(measurements)
    raise TypeError(
        "`measurements` must be a FootMeasurements or a mapping; got "
        f"{type(measurements).__name__}"
    )


def generate_last(
    measurements: FootMeasurements | Mapping[str, Any],
    *,
    style: str,
    heel_height_mm: float | None = None,
    fit: str = "standard",
    sex: str | None = None,
    child: bool | None = None,
    ball_height_mm: float | None = None,
    insole: Mapping[str, Any] | None = None,
    width_band: bool = True,
) -> LastParameters:
    """Return the parameters of a custom last for one measured foot.

    Parameters
    ----------
    measurements : FootMeasurements or mapping
        The foot. ``foot_length_mm`` and ``ball_girth_mm`` are required; ball width, heel
        width, ball length, instep girth and instep height are used when measured and
        otherwise taken from the calibrated standard foot of the same size and width type
        (said in ``notes``). ``toe_shape`` adds toe allowance in shaped toes.
    style : str
        A style of ``footfit/data/styles.json`` (sport, casual, dress_round, dress_pointed, boot,
        open_sandal, closed_sandal).
    heel_height_mm : float, mm, optional
        Heel height; ``None`` takes the style's default for the group. 0-120 mm.
    fit : {'snug', 'standard', 'roomy'}, default='standard'
        Fit preference: shifts the girth and width eases (``footfit/data/fit_preferences.json``).
    sex : {'male', 'female'} or None, default=None
        Heel allowance, default heel height and width calibration (``None``: the mean /
        men's defaults, said in ``notes``).
    child : bool or None, default=None
        Children's last; ``None`` decides from the length (below 200 mm).
    ball_height_mm : float, mm, optional
        The foot's dorsal height over MTH1 (:func:`foot_ball_height`); also read from a
        ``ball_height_mm`` key of a mapping. When given, the last's ball profile follows it
        (``LastParameters.ball_height_mm``); ``None`` keeps the population profile.
    insole : mapping, optional
        The insole the last must leave room for: ``forefoot_mm`` and ``heel_mm`` (its
        thickness under the forefoot and the heel) and ``label``. ``None``: the style's sock
        liner (``sock_liner_mm``). The foot stands that much higher in the last, whose girths
        grow by about twice the thickness (LASTS.md section 7).
    width_band : bool, default=True
        Keep the basic width 4-12 mm under this foot's ball width (LASTS.md section 6). The
        stock library (``tools/make_lasts.py``) turns it off: a graded range must stay
        additive, and its standard feet sit inside the band anyway except at the narrow ends.

    Returns
    -------
    LastParameters

    Raises
    ------
    InvalidMeasurementError
        Foot length or ball girth missing, or a measurement outside the human range; the
        message names the field and the value.
    ValueError
        Unknown ``style``, ``fit`` or ``sex``, or a heel height outside 0-120 mm.
    TypeError
        ``measurements`` is neither FootMeasurements nor a mapping.

    Notes
    -----
    Lengths: bottom length = foot length + toe allowance - heel allowance [1]_; positions
    along the bottom = prior fraction of foot length [3]_ (MTH1 from the measured ball length
    when available) minus the heel allowance. Children's lasts take the toe allowance as a
    fraction of foot length (x1.08 convention and the children's factory chart of [1]_) and
    the style's eases times foot length / 250 mm. Toe spring falls as the heel rises (design
    choice in ``styles.json``). Only heel height and toe spring describe the bottom's
    profile: the shank curve between them, which matters above about 25 mm of heel, is
    left to the mesh builder.

    References
    ----------
    .. [1] DOMAIN.md section 5 (bottom length, allowances, toe spring, heel classes).
    .. [2] GB/T 3293-2017 (Chinese last parameter set).
    .. [3] DOMAIN.md section 3 (landmark priors).

    Examples
    --------
    >>> foot = {"side": "right", "foot_length_mm": 265.0, "ball_girth_mm": 250.0}
    >>> sport = generate_last(foot, style="sport", sex="male")
    >>> sport.bottom_length_mm, sport.size_label
    (283.5, '265(三)')
    >>> generate_last(foot, style="sport", fit="roomy").ball_girth_mm > sport.ball_girth_mm
    True
    """
    if ball_height_mm is None and isinstance(measurements, Mapping):
        ball_height_mm = measurements.get("ball_height_mm")
    if ball_height_mm is None:
        ball_height_mm = getattr(measurements, "ball_height_mm", None)
    m = _as_measurements(measurements)
    check_choice(style, available_styles(), name="style")
    check_choice(fit, FITS, name="fit")
    check_choice(sex, _SEXES, name="sex")
    fl = rules.required(m, "foot_length_mm", "no last without it")
    is_child = _is_child(fl, child)
    _check_range(fl, is_child)
    rules.required(m, "ball_girth_mm", "the last's girth cannot be set without it")
    measured = rules.measured_values(m, fl)
    ball_height = rules.ball_height_of(ball_height_mm, fl)
    if m.toe_shape is not None:
        check_choice(m.toe_shape, _TOE_SHAPES, name="toe_shape")

    spec, prefs = style_spec(style), fit_preference(fit)
    notes: list[str] = []
    sex_key = sex or "unknown"
    if sex is None and not is_child:
        notes.append("sex not given: mean heel allowance and the unisex default heel height")
    sizes, foot = rules.foot_values(m, fl, measured, sex=sex, child=is_child, notes=notes)
    ease, scale = rules.style_eases(spec, fl, is_child)
    length = rules.lengths(spec, fl, style=style, child=is_child, sex_key=sex_key,
                           toe_shape=m.toe_shape, notes=notes)
    room = rules.insole_room(insole, spec, scale)
    girth = rules.girths(m, foot, ease, prefs, room, notes)
    widths = rules.bottom_widths(spec, prefs, foot, girth["style_ball"], width_band=width_band)
    pos = rules.positions(fl, length.heel_allowance, measured["ball_length_mm"])
    heel = rules.heel_height(spec, heel_height_mm, "child" if is_child else sex_key)
    toe_spring = toe_spring_for_heel(ease["toe_spring_mm"], heel)
    _profile_notes(notes, heel, toe_spring, ease["toe_spring_mm"])
    high = rules.heights(spec, fl, child=is_child, t_fore=room.forefoot_mm,
                         instep_height=foot["instep_height_mm"],
                         instep_ease=ease["instep_height_ease_mm"])
    params = LastParameters(
        style=style, fit=fit, side=str(m.side), sex=sex, child=is_child,
        group="child" if is_child else (sex or "unisex"),
        foot_length_mm=fl, bottom_length_mm=length.bottom_length,
        stick_length_mm=length.bottom_length + length.heel_allowance,
        toe_allowance_mm=length.toe_allowance, heel_allowance_mm=length.heel_allowance,
        ball_girth_mm=girth["ball"], instep_girth_mm=girth["instep"],
        waist_girth_mm=girth["waist"],
        short_heel_girth_mm=girth["short_heel"], long_heel_girth_mm=girth["long_heel"],
        bottom_width_ball_mm=widths["basic"],
        width_mth1_medial_mm=widths["medial"],
        width_mth5_lateral_mm=widths["lateral"],
        width_hallux_medial_mm=widths["medial"] - ease["hallux_taper_mm"],
        width_toe5_lateral_mm=widths["lateral"] - ease["toe5_taper_mm"],
        waist_width_mm=widths["waist"],
        heel_seat_width_mm=widths["heel_seat"],
        **{f"{k}_position_mm": pos[k] for k in (
            "heel_centre", "waist", "instep", "mth5", "mth1", "toe5_bulge", "toe5_tip",
            "hallux_bulge")},
        toe_tip_position_mm=length.bottom_length,
        toe_spring_mm=toe_spring,
        heel_height_mm=heel,
        heel_height_class=heel_height_class(heel),
        toe_thickness_mm=high["toe_thickness"],
        instep_height_mm=high["instep"],
        back_height_mm=high["back"],
        top_cut_height_mm=high["top_cut"],
        toe_box_shape=str(spec.get("toe_box_shape", "round")),
        sole_stiffness=str(spec.get("sole_stiffness", "medium")),
        size_label=sizes.cn_label, cn_size=sizes.cn, cn_width_type=sizes.cn_width_type,
        width_index=_width_index(sizes.cn_width_type), eu_size=sizes.eu,
        mondopoint=sizes.mondopoint,
        notes=tuple(notes),
        ball_height_mm=None if ball_height is None else ball_height + ease[
            "instep_height_ease_mm"] + room.forefoot_mm,
        insole_forefoot_mm=room.forefoot_mm,
        insole_heel_mm=room.heel_mm,
        insole=room.label,
    )
    _check_shape(params)
    return params


def _width_index(width_type: str | None) -> int | None:
    """Return the 1-based index of a Chinese width type (一 = 1), or None."""
    names = ("一", "二", "三", "四", "五")
    return names.index(width_type) + 1 if width_type else None


def _profile_notes(notes: list[str], heel: float, toe_spring: float,
                   style_toe_spring: float) -> None:
    """Say how a high heel re-poses the foot and how far the toe spring fell with it."""
    if heel > 25.0:
        notes.append(
            f"{heel:g} mm heel: the shank curve follows the bottom profile; the foot is "
            "re-posed by turning the rearfoot about the ball line (no change of arch shape)"
        )
    if toe_spring < style_toe_spring:
        notes.append(f"toe spring {toe_spring:.1f} mm for a {heel:g} mm heel (the style's "
                     f"{style_toe_spring:.1f} mm at a flat heel)")


def _check_shape(p: LastParameters) -> None:
    """Refuse a parameter set no last can have (extreme inputs or a broken style table)."""
    problems = [f"{name} {getattr(p, name):.1f} mm" for name in LAST_DIMENSIONS
                if name not in ("heel_height_mm",) and getattr(p, name) <= 0]
    order = ("heel_centre_position_mm", "waist_position_mm", "instep_position_mm",
             "mth5_position_mm", "mth1_position_mm", "hallux_bulge_position_mm",
             "toe_tip_position_mm")
    for a, b in zip(order, order[1:], strict=False):
        if getattr(p, a) >= getattr(p, b):
            problems.append(f"{a} {getattr(p, a):.1f} mm not before {b} {getattr(p, b):.1f} mm")
    if p.waist_width_mm >= p.bottom_width_ball_mm:
        problems.append("waist width not below the ball bottom width")
    if problems:
        raise InvalidMeasurementError(
            f"the measurements give an impossible {p.style} last ({'; '.join(problems)}): "
            f"check foot_length_mm {p.foot_length_mm:g}, the widths and the style table"
        )


def foot_ball_height(points: ArrayLike, *, ball_length_mm: float,
                     band_mm: float = 1.0) -> float | None:
    """Return the dorsal height of the foot over MTH1.

    The max z of the points within ``band_mm`` of ``y = ball_length_mm`` (as
    ``arch_height_mm`` is at 50 % FL).

    Parameters
    ----------
    points : (n, 3) array_like of float, mm
        The foot in the canonical frame.
    ball_length_mm : float
        Position of MTH1 along the foot (``FootMeasurements.ball_length_mm``).
    band_mm : float, default=1.0
        Half-width of the slice.

    Returns
    -------
    float or None
        ``None`` when fewer than 5 points lie in the slice (the dorsum is not in the scan).

    Examples
    --------
    >>> import numpy as np
    >>> pts = np.array([[0.0, 190.0 + d, z] for d in (-0.5, 0.0, 0.5) for z in (0, 20, 48)])
    >>> foot_ball_height(pts, ball_length_mm=190.0)
    48.0
    """
    pts = as_points(points, name="points")
    y = float(ball_length_mm)
    if not np.isfinite(y):
        raise InvalidParameterError(f"`ball_length_mm` must be finite; got {ball_length_mm!r}")
    near = np.abs(pts[:, 1] - y) <= float(band_mm)
    if int(near.sum()) < 5:
        return None
    return float(pts[near, 2].max())
