"""Width classes: Chinese width types, US/UK width letters, the calibrated standard foot.

References
----------
.. [1] GB/T 43293-2022 via DOMAIN.md section 4: five width types (children three), 7 mm of
   ball girth per type.
.. [2] Gordon C. C. et al. (2014), ANSUR II, NATICK/TR-15/007 (the centre lines).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from footfit._core.validation import check_choice
from footfit.sizes._tables import _SEXES, _calibration, _group, _line, round_half_up


def base_ball_girth(
    foot_length_mm: float, *, width_type: str | None = None, sex: str | None = None,
    child: bool = False,
) -> float:
    """Return the calibrated ball girth of a Chinese width type at a foot length.

    Parameters
    ----------
    foot_length_mm : float, mm
        Foot length (the Chinese size).
    width_type : str, optional
        ``'一'`` .. ``'五'`` (adults) or ``'一'`` .. ``'三'`` (children); ``None`` takes the
        middle type (the population mean girth for that length).
    sex : {'male', 'female'} or None, default=None
        Calibration line; ``None`` uses both sexes pooled.
    child : bool, default=False
        Use the children's line and three types.

    Returns
    -------
    float, mm

    Notes
    -----
    The middle type sits on the ANSUR II regression of ball girth on foot length; each type
    step adds 7 mm [1]_. GB/T 3293-2017's own table was not to hand, see
    ``footfit/data/width_calibration.json``.

    References
    ----------
    .. [1] GB/T 43293-2022 via DOMAIN.md section 4.

    Examples
    --------
    >>> g3 = base_ball_girth(250, sex="male")
    >>> round(base_ball_girth(250, width_type="四", sex="male") - g3, 6)
    7.0
    """
    cal = _calibration()["cn_width_types"]
    names = cal["child" if child else "adult"]["names"]
    centre = names.index(cal["child" if child else "adult"]["centre"])
    check_choice(sex, _SEXES, name="sex")
    k = centre if width_type is None else names.index(
        check_choice(width_type, names, name="width_type")
    )
    a, b = _line(_group(sex, child), "ball_girth_mm")
    return a + b * float(foot_length_mm) + (k - centre) * float(cal["step_girth_mm"])


def standard_foot(
    foot_length_mm: float, *, width_type: str | None = None, sex: str | None = None,
    child: bool = False,
) -> dict[str, float]:
    """Return the calibrated "standard foot" of a size and width type (grading basis).

    Parameters
    ----------
    foot_length_mm : float, mm
        Foot length.
    width_type : str, optional
        Chinese width type (``None`` = middle type).
    sex : {'male', 'female'} or None, default=None
        Calibration line (``None`` = pooled).
    child : bool, default=False
        Children's lines.

    Returns
    -------
    dict
        ``foot_length_mm``, ``ball_girth_mm``, ``ball_width_mm``, ``heel_width_mm``,
        ``ball_length_mm``: straight lines in foot length (additive grading), with the ball
        width moved by the partial width-per-girth slope for types off the centre.

    Examples
    --------
    >>> a, b = standard_foot(250, sex="female"), standard_foot(260, sex="female")
    >>> b["ball_width_mm"] / b["foot_length_mm"] < a["ball_width_mm"] / a["foot_length_mm"]
    True
    """
    group = _group(sex, child)
    fl = float(foot_length_mm)
    girth_mid = base_ball_girth(fl, sex=sex, child=child)
    girth = base_ball_girth(fl, width_type=width_type, sex=sex, child=child)
    cal = _calibration()
    src = cal["child"] if child else cal["groups"][group]
    per_girth = float(src["ball_width_per_girth_at_fixed_length"])
    out = {"foot_length_mm": fl, "ball_girth_mm": girth}
    for name in ("ball_width_mm", "heel_width_mm", "ball_length_mm"):
        a, b = _line(group, name)
        out[name] = a + b * fl
    out["ball_width_mm"] += per_girth * (girth - girth_mid)
    return out


def _letter(
    girth: float, centre_girth: float, scale: Mapping[str, Any], group: str, child: bool
) -> str:
    letters = scale["child_letters" if child else "adult_letters"]
    centre = letters.index(scale["centre"][group])
    steps = (girth - centre_girth) / float(scale["step_girth_mm"])
    k = int(round_half_up(steps, 1.0)) + centre
    return letters[min(max(k, 0), len(letters) - 1)]


def _width_classes(
    fl: float, girth: float, *, sex: str | None, child: bool
) -> dict[str, Any]:
    cal = _calibration()
    group = _group(sex, child)
    kind = "child" if child else "adult"
    names = cal["cn_width_types"][kind]["names"]
    centre = names.index(cal["cn_width_types"][kind]["centre"])
    mid = base_ball_girth(fl, sex=sex, child=child)
    steps = (girth - mid) / float(cal["cn_width_types"]["step_girth_mm"])
    k = int(round_half_up(steps, 1.0)) + centre
    notes = []
    if k < 0 or k >= len(names):
        edge = names[0] if k < 0 else names[-1]
        notes.append(
            f"ball girth {girth:.1f} mm is {abs(steps):.1f} types "
            f"{'below' if k < 0 else 'above'} the middle type at {fl:.0f} mm: "
            f"outside the {len(names)} Chinese width types, labelled {edge}"
        )
        k = min(max(k, 0), len(names) - 1)
    half = min(max(round_half_up(steps, 0.5) + centre + 1, 1.0), float(len(names)))
    # letters: men's / women's / children's scales, each centred on its own line
    letter_group, centre_girth = group, mid
    if group == "pooled":
        notes.append("sex not given: US/UK/JP width letters on the men's (unisex) scale")
        letter_group, centre_girth = "male", base_ball_girth(fl, sex="male")
    us = _letter(girth, centre_girth, cal["us_width"], letter_group, child)
    uk = _letter(girth, centre_girth, cal["uk_width"], letter_group, child)
    jp_scale = cal["jp_width"]
    if child:
        jp = _letter(girth, centre_girth, jp_scale, letter_group, child)
    else:  # JIS letters are a table of girths per length, anchored on E (DOMAIN.md section 4)
        anchor = jp_scale["adult_anchor"]
        e_girth = float(anchor["ball_girth_mm"][letter_group]) + float(
            anchor["girth_per_mm_length"]) * (fl - float(anchor["foot_length_mm"]))
        scale = dict(jp_scale, centre={letter_group: anchor["letter"]})
        jp = _letter(girth, e_girth, scale, letter_group, child)
    return {
        "cn_width_type": names[k], "cn_width_index": float(half), "us_width": us,
        "uk_width": uk, "jp_width": jp, "notes": notes,
    }


def width_labels(system: str, *, child: bool = False) -> tuple[str, ...]:
    """Return the width labels of a system, narrowest first.

    Parameters
    ----------
    system : {'cn', 'us', 'uk', 'jp'}
        Chinese width types, or the US, UK or JIS (``'jp'``) width letters.
    child : bool, default=False
        The children's scale.

    Returns
    -------
    tuple of str

    Examples
    --------
    >>> width_labels("cn")
    ('一', '二', '三', '四', '五')
    >>> width_labels("jp")[4:7]
    ('E', '2E', '3E')
    """
    check_choice(system, ("cn", "us", "uk", "jp"), name="system")
    cal = _calibration()
    if system == "cn":
        return tuple(cal["cn_width_types"]["child" if child else "adult"]["names"])
    return tuple(cal[f"{system}_width"]["child_letters" if child else "adult_letters"])
