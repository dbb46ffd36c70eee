"""Foot-type classification: arch type, width class, toe shape and hallux-valgus grade.

Every class boundary is data (``footfit/data/foot_classes.json``, with its source); the result
reports the value each class came from, the rule used, and a sentence saying why.

References
----------
.. [1] Cavanagh PR, Rodgers MM (1987). The arch index: a useful measure from footprints.
   J Biomech 20(5):547-551.
.. [2] Gordon CC et al. (2014). 2012 Anthropometric Survey of U.S. Army Personnel (ANSUR II).
   US Army Natick, NATICK/TR-15/007.
.. [3] DOMAIN.md section 3 (arch index cut-offs, hallux valgus grades, toe shapes).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

from footfit._core.validation import as_finite, check_choice
from footfit._data import model_path
from footfit.measure.results import FootMeasurements

__all__ = [
    "ARCH_RULES",
    "FootClassification",
    "classify_arch_index",
    "classify_foot",
    "classify_hallux_valgus",
    "classify_width",
    "load_foot_classes",
]

#: Names accepted by ``rule=`` (keys of ``arch_rules`` in ``footfit/data/foot_classes.json``).
ARCH_RULES: tuple[str, ...] = ("cavanagh_rodgers", "cn_retail")

_SEXES = (None, "male", "female")


@lru_cache(maxsize=4)
def _load(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def load_foot_classes() -> dict[str, Any]:
    """Return the class boundaries of ``footfit/data/foot_classes.json`` (cached, do not mutate).

    Returns
    -------
    dict
        ``arch_rules``, ``width_class``, ``hallux_valgus``, ``toe_shape`` blocks.
    """
    return _load(str(model_path("foot_classes.json")))


def _arch_rule(rule: str) -> dict[str, Any]:
    rules = load_foot_classes()["arch_rules"]
    check_choice(rule, tuple(rules), name="rule")
    return rules[rule]


def _finite_or_none(value: float | None, *, name: str) -> float | None:
    return None if value is None else as_finite(value, name=name)


def classify_arch_index(arch_index: float | None, *, rule: str = "cavanagh_rodgers") -> str | None:
    """Classify an arch index as ``'high'``, ``'normal'`` or ``'flat'``.

    Parameters
    ----------
    arch_index : float or None
        Cavanagh-Rodgers arch index (area of the mid third / whole toe-less footprint).
        ``None`` (not measurable, e.g. no plantar surface) gives ``None``.
    rule : {'cavanagh_rodgers', 'cn_retail'}, default='cavanagh_rodgers'
        Cut-off set from ``footfit/data/foot_classes.json``: Cavanagh & Rodgers (AI <= 0.21 high,
        >= 0.26 flat) or the Chinese retail rule (0.22-0.27 normal).

    Returns
    -------
    {'high', 'normal', 'flat'} or None

    Raises
    ------
    ValueError
        If ``rule`` is unknown or ``arch_index`` is not finite or outside [0, 1].

    References
    ----------
    .. [1] Cavanagh PR, Rodgers MM (1987). J Biomech 20(5):547-551 (DOMAIN.md section 3).

    Examples
    --------
    >>> classify_arch_index(0.24), classify_arch_index(0.29), classify_arch_index(0.18)
    ('normal', 'flat', 'high')
    >>> classify_arch_index(0.265, rule="cn_retail")
    'normal'
    """
    spec = _arch_rule(rule)
    ai = _finite_or_none(arch_index, name="arch_index")
    if ai is None:
        return None
    if not 0.0 <= ai <= 1.0:
        raise ValueError(f"`arch_index` must be within [0, 1]; got {arch_index!r}")
    hi, fl = spec["high"], spec["flat"]
    if ai < hi["max"] or (hi["inclusive"] and ai == hi["max"]):
        return "high"
    if ai > fl["min"] or (fl["inclusive"] and ai == fl["min"]):
        return "flat"
    return "normal"


def _arch_reason(ai: float, label: str, spec: dict[str, Any]) -> str:
    hi, fl = spec["high"], spec["flat"]
    name = spec["label"]
    if label == "high":
        op = "<=" if hi["inclusive"] else "<"
        return f"arch index {ai:.3f} {op} {hi['max']:.2f} -> high arch ({name})"
    if label == "flat":
        op = ">=" if fl["inclusive"] else ">"
        return f"arch index {ai:.3f} {op} {fl['min']:.2f} -> flat ({name})"
    return f"arch index {ai:.3f} within {hi['max']:.2f}-{fl['min']:.2f} -> normal ({name})"


def classify_width(
    foot_length_mm: float | None,
    ball_width_mm: float | None,
    *,
    ball_girth_mm: float | None = None,
    sex: str | None = None,
) -> tuple[str | None, float | None, str]:
    """Width class relative to foot length from the ANSUR II population.

    ``z = (measure - (a + b * FL)) / s`` with the OLS line of ball width (or ball girth when
    the width is missing) on foot length and its residual SD ``s`` for the sex (pooled when
    unknown); ``z < -1`` narrow, ``z > +1`` wide (boundaries in
    ``footfit/data/foot_classes.json``).

    Parameters
    ----------
    foot_length_mm, ball_width_mm : float or None, mm
    ball_girth_mm : float or None, mm, default=None
        Used only when ``ball_width_mm`` is ``None``.
    sex : {None, 'male', 'female'}, default=None

    Returns
    -------
    width_class : {'narrow', 'normal', 'wide'} or None
    z : float or None
        Standardised residual of the measure given the length.
    reason : str

    References
    ----------
    .. [1] Gordon CC et al. (2014). ANSUR II, NATICK/TR-15/007 (columns footlength,
       footbreadthhorizontal, balloffootcircumference).

    Examples
    --------
    >>> classify_width(270.0, 101.6, sex="male")[0]
    'normal'
    >>> classify_width(270.0, 93.0, sex="male")[0]
    'narrow'
    """
    check_choice(sex, _SEXES, name="sex")
    spec = load_foot_classes()["width_class"]
    fl = _finite_or_none(foot_length_mm, name="foot_length_mm")
    bw = _finite_or_none(ball_width_mm, name="ball_width_mm")
    bg = _finite_or_none(ball_girth_mm, name="ball_girth_mm")
    if fl is None:
        return None, None, "no foot length"
    measure, value = spec["measure"], bw
    if value is None:
        measure, value = spec["fallback_measure"], bg
    if value is None:
        return None, None, "neither ball width nor ball girth was measured"
    group = sex if sex is not None else spec["group_for_unknown_sex"]
    pop = _load(str(model_path(spec["population"])))["groups"][group]
    line = pop[measure]
    expected = line["intercept"] + line["slope"] * fl
    z = (value - expected) / line["residual_sd"]
    names = spec["names"]
    if z < spec["narrow_below_z"]:
        cls = names[0]
    elif z > spec["wide_above_z"]:
        cls = names[2]
    else:
        cls = names[1]
    what = measure.removesuffix("_mm").replace("_", " ")
    reason = (
        f"{what} {value:.1f} mm vs {expected:.1f} mm expected at foot length {fl:.1f} mm "
        f"(ANSUR II {group}, residual SD {line['residual_sd']:.1f} mm): z = {z:+.2f} -> {cls} "
        f"(narrow below {spec['narrow_below_z']:+.0f} SD, "
        f"wide above {spec['wide_above_z']:+.0f} SD)"
    )
    return cls, float(z), reason


def classify_hallux_valgus(angle_deg: float | None) -> str | None:
    """Grade a hallux valgus angle (surface proxy) with the radiographic grades.

    Parameters
    ----------
    angle_deg : float or None, degrees
        Positive when the hallux turns laterally. ``None`` gives ``None``.

    Returns
    -------
    {'normal', 'mild', 'moderate', 'severe'} or None

    References
    ----------
    .. [1] DOMAIN.md section 3: < 15 deg normal, 15-20 mild, 21-39 moderate, >= 40 severe.

    Examples
    --------
    >>> [classify_hallux_valgus(a) for a in (8.0, 17.0, 25.0, 45.0)]
    ['normal', 'mild', 'moderate', 'severe']
    """
    a = _finite_or_none(angle_deg, name="angle_deg")
    if a is None:
        return None
    for grade in load_foot_classes()["hallux_valgus"]["grades"]:
        if grade["below_deg"] is None or a < grade["below_deg"]:
            return str(grade["name"])
    raise ValueError("footfit/data/foot_classes.json: hallux_valgus grades lack an open last "
                     "grade")


@dataclass(frozen=True)
class FootClassification:
    """Classes of one foot, each with the value it came from and the reason.

    Attributes
    ----------
    arch_type : {'high', 'normal', 'flat'} or None
        ``None`` when the arch index could not be measured (no plantar surface).
    arch_rule : str
        Name of the cut-off set, e.g. ``'cavanagh_rodgers_1987'``.
    arch_value : float or None
        The arch index classified.
    width_class : {'narrow', 'normal', 'wide'} or None
        Ball width relative to the width expected at this foot length (ANSUR II).
    width_value : float or None
        The z-score behind ``width_class``.
    width_rule : str
        How the width class was decided.
    toe_shape : {'egyptian', 'greek', 'roman'} or None
    hallux_valgus_grade : {'normal', 'mild', 'moderate', 'severe'} or None
        Radiographic grades applied to a surface proxy.
    hallux_valgus_angle_deg : float or None
        The proxy angle graded.
    reasons : mapping of str to str
        Human-readable reason for each class (or why it is ``None``).
    """

    arch_type: str | None
    arch_rule: str
    arch_value: float | None
    width_class: str | None
    width_value: float | None
    toe_shape: str | None
    hallux_valgus_grade: str | None
    hallux_valgus_angle_deg: float | None
    width_rule: str = "ansur2_conditional_z"
    reasons: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict of every field."""
        out = asdict(self)
        out["reasons"] = dict(self.reasons)
        return out


def classify_foot(
    measurements: FootMeasurements,
    *,
    sex: str | None = None,
    rule: str = "cavanagh_rodgers",
) -> FootClassification:
    """Classify a measured foot: arch type, width class, toe shape, hallux-valgus grade.

    Parameters
    ----------
    measurements : FootMeasurements
    sex : {None, 'male', 'female'}, default=None
        Population group of the width class (pooled ANSUR II when ``None``).
    rule : {'cavanagh_rodgers', 'cn_retail'}, default='cavanagh_rodgers'
        Arch-index cut-offs.

    Returns
    -------
    FootClassification

    Raises
    ------
    TypeError
        If ``measurements`` is not a :class:`FootMeasurements`.
    ValueError
        If ``rule`` or ``sex`` is unknown.

    References
    ----------
    .. [1] Cavanagh PR, Rodgers MM (1987). J Biomech 20(5):547-551.
    .. [2] Gordon CC et al. (2014). ANSUR II, NATICK/TR-15/007.
    .. [3] DOMAIN.md section 3 (hallux valgus grades, toe shapes).

    Examples
    --------
    >>> m = FootMeasurements(side="right", foot_length_mm=265.0, ball_width_mm=100.0,
    ...                      arch_index=0.29, toe_shape="egyptian",
    ...                      hallux_valgus_angle_deg=12.0)
    >>> c = classify_foot(m)
    >>> c.arch_type, c.width_class, c.hallux_valgus_grade
    ('flat', 'normal', 'normal')
    """
    if not isinstance(measurements, FootMeasurements):
        kind = type(measurements).__name__
        raise TypeError(f"`measurements` must be a FootMeasurements; got {kind}")
    spec = _arch_rule(rule)
    check_choice(sex, _SEXES, name="sex")
    missing = dict(measurements.missing)
    reasons: dict[str, str] = {}

    ai = measurements.arch_index
    arch = classify_arch_index(ai, rule=rule)
    if arch is None:
        why = missing.get("arch_index", "not measured")
        reasons["arch_type"] = f"no arch index: {why}"
    else:
        reasons["arch_type"] = _arch_reason(float(ai), arch, spec)

    width, z, why = classify_width(
        measurements.foot_length_mm,
        measurements.ball_width_mm,
        ball_girth_mm=measurements.ball_girth_mm,
        sex=sex,
    )
    reasons["width_class"] = why

    toe = measurements.toe_shape
    if toe is None:
        reasons["toe_shape"] = f"no toe shape: {missing.get('toe_shape', 'not measured')}"
    else:
        check_choice(toe, load_foot_classes()["toe_shape"]["names"], name="toe_shape")
        tolmm = load_foot_classes()["toe_shape"]["tolerance_mm"]
        reasons["toe_shape"] = {
            "egyptian": f"hallux more than {tolmm:g} mm longer than the 2nd toe -> egyptian",
            "greek": f"2nd toe more than {tolmm:g} mm longer than the hallux -> greek",
            "roman": f"hallux and 2nd toe level within {tolmm:g} mm -> roman",
        }[toe]

    hva = measurements.hallux_valgus_angle_deg
    grade = classify_hallux_valgus(hva)
    if grade is None:
        why = missing.get("hallux_valgus_angle_deg", "not measured")
        reasons["hallux_valgus_grade"] = f"no hallux angle: {why}"
    else:
        reasons["hallux_valgus_grade"] = (
            f"hallux angle (surface proxy, not radiographic) {hva:.1f} deg -> {grade} "
            "(radiographic grades: < 15 normal, 15-20 mild, 21-39 moderate, >= 40 severe)"
        )

    return FootClassification(
        arch_type=arch,
        arch_rule=str(spec["name"]),
        arch_value=None if ai is None else float(ai),
        width_class=width,
        width_value=z,
        toe_shape=toe,
        hallux_valgus_grade=grade,
        hallux_valgus_angle_deg=None if hva is None else float(hva),
        width_rule=str(load_foot_classes()["width_class"]["rule"]),
        reasons=reasons,
    )
