"""Shoe sizes in every system from foot length (and the inverse)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from footfit._core.validation import as_finite, check_choice
from footfit.exceptions import InvalidMeasurementError
from footfit.measure.results import FootMeasurements
from footfit.sizes._tables import (
    _SEXES,
    _check_length,
    _check_range,
    _is_child,
    _optional,
    _systems,
    round_half_up,
)
from footfit.sizes.widths import _width_classes

#: Scales returned by :func:`compute_sizes` and accepted by :func:`foot_length_from_size`.
SIZE_SYSTEMS: tuple[str, ...] = ("eu", "uk", "us_men", "us_women", "mondopoint", "jp_cm", "cn")

@dataclass(frozen=True)
class ShoeSizes:
    """A foot's shoe sizes in every system (see :func:`compute_sizes`).

    Attributes
    ----------
    mondopoint : str
        ISO 9407 ``"265"`` or ``"265/102"`` (width part only when the ball width is known).
    eu, uk, us_men, us_women : float
        Half sizes. For children the children's scales (``us_men`` = ``us_women`` = the
        unisex US children's size).
    jp_cm : float
        Japanese size (foot length in cm, 0.5 cm steps).
    cn : str
        Chinese size: foot length in mm, 5 mm steps (``"265"``).
    cn_width_type : str or None
        Chinese width type ``'一'`` .. ``'五'`` (children ``'一'`` .. ``'三'``); ``None``
        without ball girth.
    cn_width_index : float or None
        The type on a 1-based half-type scale (3.5 = between 三 and 四).
    cn_label : str
        ``"265(三)"`` (or ``"265"`` without a width type).
    us_width, uk_width, jp_width : str or None
        Width letters: US, UK fitting and JIS (``None`` without ball girth).
    child : bool
        Sized on the children's scales.
    profile : str
        Conversion profile used.
    decided_by : {'left', 'right'} or None
        Which foot set the size (:func:`sizes_for_feet`).
    length_difference_mm : float or None
        Longer minus shorter foot length when two feet were measured.
    foot_length_mm : float
        The foot length sized.
    ball_girth_mm, ball_width_mm : float or None
        The girth and width used for the width classes.
    sex : {'male', 'female'} or None
        Calibration used for the width classes.
    per_foot : tuple of dict
        With :func:`sizes_for_feet`: each measured foot's own sizes, left first (``side``,
        ``foot_length_mm``, ``eu``, ``uk``, ``us_men``, ``us_women``, ``cn_label``), so a
        customer sees how far apart the two feet are in sizes.
    notes : tuple of str
        Why and how: fallbacks, out-of-table widths, differences between feet.
    """

    mondopoint: str
    eu: float
    uk: float
    us_men: float
    us_women: float
    jp_cm: float
    cn: str
    cn_width_type: str | None
    cn_label: str
    us_width: str | None
    uk_width: str | None
    child: bool
    profile: str
    decided_by: str | None = None
    length_difference_mm: float | None = None
    foot_length_mm: float = 0.0
    ball_girth_mm: float | None = None
    ball_width_mm: float | None = None
    cn_width_index: float | None = None
    sex: str | None = None
    jp_width: str | None = None
    per_foot: tuple[dict[str, Any], ...] = ()
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict of every field (tuples as lists)."""
        d = asdict(self)
        d["notes"] = list(self.notes)
        d["per_foot"] = [dict(f) for f in self.per_foot]
        return d


def compute_sizes(
    foot_length_mm: float,
    *,
    ball_girth_mm: float | None = None,
    ball_width_mm: float | None = None,
    profile: str = "iso",
    sex: str | None = None,
    child: bool | None = None,
) -> ShoeSizes:
    """Return the shoe sizes of one foot in every system.

    Parameters
    ----------
    foot_length_mm : float, mm
        Foot length (pternion to the longest toe).
    ball_girth_mm : float, mm, optional
        Ball girth: sets the Chinese width type and the US/UK width letters.
    ball_width_mm : float, mm, optional
        Ball width: the width part of the Mondopoint size.
    profile : str, default='iso'
        Conversion profile of ``footfit/data/size_systems.json``: ``'iso'`` (the last is 2 size
        units longer than the foot; EU = 0.15 FL + 2), ``'iso_us_standard'`` (US women = men
        + 1.5) or ``'cn_retail'`` (EU = 2 FL(cm) - 10).
    sex : {'male', 'female'} or None, default=None
        Width calibration (``None``: both sexes pooled, width letters on the men's scale).
    child : bool or None, default=None
        Children's scales; ``None`` decides from the length (below 200 mm).

    Returns
    -------
    ShoeSizes

    Raises
    ------
    InvalidMeasurementError
        Foot length missing or outside the scales (95-205 mm children, 195-360 mm adults),
        or a girth/width outside the human range; the message names the field and value.
    ValueError
        Unknown ``profile`` or ``sex``.

    References
    ----------
    .. [1] ISO 9407:2019 (Mondopoint); GB/T 43293-2022 (Chinese sizes and width types);
       DOMAIN.md section 4 (conversions and test vectors).

    Examples
    --------
    >>> s = compute_sizes(230)
    >>> (s.eu, s.uk, s.us_men, s.us_women)
    (36.5, 4.0, 5.0, 6.0)
    >>> compute_sizes(250, profile="cn_retail").eu
    40.0
    """
    fl = _check_length(foot_length_mm)
    systems = _systems()
    check_choice(profile, tuple(systems["rules"]), name="profile")
    check_choice(sex, _SEXES, name="sex")
    is_child = _is_child(fl, child)
    _check_range(fl, is_child)
    girth = _optional(ball_girth_mm, name="ball_girth_mm", lo=80.0, hi=400.0)
    width = _optional(ball_width_mm, name="ball_width_mm", lo=30.0, hi=160.0)
    doc = systems["doc"]
    step = float(doc["rounding"]["step"])
    rules = systems["rules"][profile]["child" if is_child else "adult"]
    sized = {s: round_half_up(a * fl + b, step) for s, (a, b) in rules.items()}
    length_mp = int(round_half_up(fl, float(doc["mondopoint"]["length_step_mm"])))
    mondo = str(length_mp)
    if width is not None:
        mondo += f"/{int(round_half_up(width, float(doc['mondopoint']['width_step_mm'])))}"
    cn = str(int(round_half_up(fl, float(doc["cn"]["step_mm"]))))
    notes: list[str] = []
    if is_child:
        notes.append("children's scales (last = foot x 1.08): US size is unisex")
    widths: dict[str, Any] = {"cn_width_type": None, "cn_width_index": None,
                              "us_width": None, "uk_width": None, "jp_width": None,
                              "notes": []}
    if girth is not None:
        widths = _width_classes(fl, girth, sex=sex, child=is_child)
    else:
        notes.append("ball girth not measured: no width type or width letter")
    notes.extend(widths["notes"])
    label = f"{cn}({widths['cn_width_type']})" if widths["cn_width_type"] else cn
    return ShoeSizes(
        mondopoint=mondo,
        eu=sized["eu"],
        uk=sized["uk"],
        us_men=sized["us_men"],
        us_women=sized["us_women"],
        jp_cm=round_half_up(fl / 10.0, float(doc["jp_cm"]["step_cm"])),
        cn=cn,
        cn_width_type=widths["cn_width_type"],
        cn_label=label,
        us_width=widths["us_width"],
        uk_width=widths["uk_width"],
        jp_width=widths["jp_width"],
        child=is_child,
        profile=profile,
        foot_length_mm=fl,
        ball_girth_mm=girth,
        ball_width_mm=width,
        cn_width_index=widths["cn_width_index"],
        sex=sex,
        notes=tuple(notes),
    )


def _as_measurements(foot: Any, index: int) -> FootMeasurements:
    if isinstance(foot, FootMeasurements):
        return foot
    if isinstance(foot, Mapping):
        return FootMeasurements.from_dict(foot)
    raise TypeError(
        f"`feet[{index}]` must be a FootMeasurements or a mapping; got {type(foot).__name__}"
    )


def sizes_for_feet(
    feet: Sequence[FootMeasurements | Mapping[str, Any]],
    *,
    profile: str = "iso",
    sex: str | None = None,
    child: bool | None = None,
) -> ShoeSizes:
    """Return the shoe sizes for one or two feet: the size comes from the larger foot.

    Parameters
    ----------
    feet : sequence of FootMeasurements or mappings
        One or two measured feet (mappings go through ``FootMeasurements.from_dict``).
    profile : str, default='iso'
        Conversion profile (see :func:`compute_sizes`).
    sex : {'male', 'female'} or None, default=None
        Width calibration.
    child : bool or None, default=None
        Children's scales (``None``: from the length).

    Returns
    -------
    ShoeSizes
        ``decided_by`` names the longer foot, ``length_difference_mm`` says by how much the
        feet differ; the width classes use the larger ball girth of the two (a shoe must fit
        both feet), and ``notes`` say so when that girth belongs to the other foot.

    Raises
    ------
    InvalidMeasurementError
        No foot has a usable foot length.

    Examples
    --------
    >>> s = sizes_for_feet([{"side": "left", "foot_length_mm": 262.0},
    ...                     {"side": "right", "foot_length_mm": 266.0}])
    >>> s.decided_by, s.length_difference_mm, s.cn
    ('right', 4.0, '265')
    """
    if isinstance(feet, (FootMeasurements, Mapping)):
        feet = [feet]
    items = [_as_measurements(f, i) for i, f in enumerate(feet)]
    if not items:
        raise InvalidMeasurementError("feet: no foot given; need one or two FootMeasurements")
    notes: list[str] = []
    usable = []
    for m in items:
        if m.foot_length_mm is None:
            reason = dict(m.missing).get("foot_length_mm", "not measured")
            notes.append(f"{m.side} foot: foot length missing ({reason}); not used for size")
        else:
            usable.append(m)
    if not usable:
        raise InvalidMeasurementError(
            "foot_length_mm is missing for every foot: " + "; ".join(notes)
        )
    lengths = [_check_length(m.foot_length_mm) for m in usable]
    best = max(range(len(usable)), key=lambda i: lengths[i])
    longer = usable[best]
    diff = None
    if len(usable) >= 2:
        diff = max(lengths) - min(lengths)
        other = usable[1 - best] if len(usable) == 2 else None
        if diff == 0:
            notes.append("both feet have the same length")
        elif other is not None:
            msg = (f"{longer.side} foot is {diff:.1f} mm longer than the {other.side} foot: "
                   f"sized on the {longer.side} foot")
            if diff > 5.0:
                msg += " (more than a half size: try both shoes on)"
            notes.append(msg)
    girths = [(m.ball_girth_mm, m.side) for m in usable if m.ball_girth_mm is not None]
    girth, girth_side = max(girths, key=lambda t: t[0]) if girths else (None, None)
    if girth_side is not None and girth_side != longer.side:
        notes.append(f"width classes from the {girth_side} foot (larger ball girth)")
    widths = [m.ball_width_mm for m in usable if m.ball_width_mm is not None]
    width = max(widths) if widths else None
    sizes = compute_sizes(lengths[best], ball_girth_mm=girth, ball_width_mm=width,
                          profile=profile, sex=sex, child=child)
    per_foot = []
    for m, fl in zip(usable, lengths, strict=True):
        own = compute_sizes(fl, ball_girth_mm=m.ball_girth_mm, profile=profile, sex=sex,
                            child=sizes.child)
        per_foot.append({"side": m.side, "foot_length_mm": fl, "eu": own.eu, "uk": own.uk,
                         "us_men": own.us_men, "us_women": own.us_women,
                         "cn_label": own.cn_label})
    per_foot.sort(key=lambda f: {"left": 0, "right": 1}.get(f["side"], 2))
    side = longer.side if longer.side in ("left", "right") else None
    return _replace(sizes, decided_by=side, length_difference_mm=diff,
                    per_foot=tuple(per_foot), notes=tuple(notes) + sizes.notes)


def _replace(sizes: ShoeSizes, **changes: Any) -> ShoeSizes:
    return replace(sizes, **changes)


def _parse_size(size: Any, system: str) -> float:
    if system in ("mondopoint", "cn") and isinstance(size, str):
        head = size.split("/")[0].split("(")[0].strip()
        try:
            return float(head)
        except ValueError as exc:
            raise InvalidMeasurementError(
                f"size {size!r} is not a {system} size (expected e.g. '265' or "
                f"{'265/102' if system == 'mondopoint' else '265(三)'})"
            ) from exc
    return as_finite(size, name="size", error=InvalidMeasurementError, type_error=None)


def foot_length_from_size(
    size: float | str,
    *,
    system: str = "eu",
    profile: str = "iso",
    child: bool | None = None,
    grading_mm: float | None = None,
) -> float:
    """Return the foot length a shoe size is meant for (the inverse of :func:`compute_sizes`).

    Parameters
    ----------
    size : float or str
        The size; Mondopoint and Chinese sizes may be strings (``"265/102"``, ``"265(三)"``).
    system : {'eu', 'uk', 'us_men', 'us_women', 'mondopoint', 'jp_cm', 'cn'}, default='eu'
        Scale of ``size``.
    profile : str, default='iso'
        Conversion profile.
    child : bool or None, default=None
        The size is on a children's scale. ``None``: adult scales for EU/UK/US (their
        numbers overlap with the children's), and decided from the length for Mondopoint,
        JP and Chinese sizes (foot lengths on every scale).
    grading_mm : float, optional
        Round the result to this grade (5 mm = the Mondopoint / Chinese half size, the way
        the test vectors of DOMAIN.md section 4 are quoted).

    Returns
    -------
    float, mm
        The centre of the size's foot-length interval (clipped to the scale's range for the
        first and last size), so ``compute_sizes`` of the result gives ``size`` back.

    Raises
    ------
    InvalidMeasurementError
        The size is not a number or maps outside the sizing range.
    ValueError
        Unknown ``system`` or ``profile``.

    Examples
    --------
    >>> foot_length_from_size(5.5, system="uk", grading_mm=5)
    240.0
    >>> foot_length_from_size(22, system="eu", child=True, grading_mm=5)
    135.0
    """
    check_choice(system, SIZE_SYSTEMS, name="system")
    systems = _systems()
    check_choice(profile, tuple(systems["rules"]), name="profile")
    v = _parse_size(size, system)
    doc = systems["doc"]
    if system in ("mondopoint", "cn", "jp_cm"):
        fl, half = (v * 10.0 if system == "jp_cm" else v), 0.0
        child = _is_child(fl, child)
    else:
        child = bool(child)
        a, b = systems["rules"][profile]["child" if child else "adult"][system]
        fl = (v - b) / a
        half = 0.5 * float(doc["rounding"]["step"]) / a
    lo, hi = (float(x) for x in doc["foot_length_range_mm"]["child" if child else "adult"])
    if half and not lo <= fl <= hi and fl + half > lo and fl - half <= hi:
        # the size's interval straddles the end of the scale: take its in-range part
        fl = min(max(fl, lo), hi)
    if grading_mm is not None:
        fl = round_half_up(fl, float(grading_mm))
    try:
        _check_range(fl, bool(child))
    except InvalidMeasurementError as exc:
        raise InvalidMeasurementError(f"size {size!r} ({system}): {exc}") from None
    return float(fl)
