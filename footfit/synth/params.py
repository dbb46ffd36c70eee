"""Parameters of one synthetic foot (:class:`FootParams`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from footfit._core.validation import check_choice, check_positive
from footfit.exceptions import InvalidParameterError

__all__ = ["ARCH_TYPES", "SEXES", "SIDES", "TOE_SHAPES", "FootParams"]

ARCH_TYPES = ("high", "normal", "flat")
TOE_SHAPES = ("egyptian", "greek", "roman")
SIDES = ("left", "right")
SEXES = ("male", "female")

#: Arch index aimed at when ``FootParams.arch_index`` is None (class centres).
_DEFAULT_ARCH_INDEX = {"high": 0.165, "normal": 0.235, "flat": 0.29}
#: Hallux tip minus 2nd-toe tip (mm) when ``FootParams.toe_offset_mm`` is None.
_DEFAULT_TOE_OFFSET = {"egyptian": 6.0, "greek": -5.0, "roman": 0.0}


@dataclass(frozen=True)
class FootParams:
    """Anthropometric parameters of one synthetic foot (mm, degrees).

    The first seven are the targets the model is built to; the rest have population
    defaults (ANSUR II means for a man with this foot length) when ``None``.

    Attributes
    ----------
    foot_length_mm : float
        Pternion to the tip of the longest toe; the mesh matches it exactly.
    ball_width_mm, ball_girth_mm : float
        Targets for the MTH1-MTH5 distance and the convex-hull girth through them.
    heel_width_mm : float
        Target outline width over 5-20 % of the foot length below 40 mm.
    instep_height_mm : float
        Target dorsal height at 55 % of the foot length.
    arch_type : {'high', 'normal', 'flat'}
        Shapes the medial arch (plantar contact area).
    toe_shape : {'egyptian', 'greek', 'roman'}
        Relative lengths of the hallux and 2nd toe.
    hallux_angle_deg : float, default=10
        Lateral deviation of the hallux from the medial foot line.
    side : {'left', 'right'}, default='right'
    sex : {'male', 'female'}, default='male'
    arch_index : float or None
        Cavanagh-Rodgers arch index aimed at; ``None`` takes the class centre.
    toe_offset_mm : float or None
        Hallux tip minus 2nd-toe tip along the axis; ``None`` takes the toe shape's default.
    ball_length_mm : float or None
        Heel to MTH1; ``None`` takes 0.735 of the foot length.
    ankle_girth_mm, lateral_malleolus_height_mm, bimalleolar_breadth_mm : float or None
        Ankle stump; ``None`` scales ANSUR II means with the foot length.
    """

    foot_length_mm: float
    ball_width_mm: float
    ball_girth_mm: float
    heel_width_mm: float
    instep_height_mm: float
    arch_type: str = "normal"
    toe_shape: str = "egyptian"
    hallux_angle_deg: float = 10.0
    side: str = "right"
    sex: str = "male"
    arch_index: float | None = None
    toe_offset_mm: float | None = None
    ball_length_mm: float | None = None
    ankle_girth_mm: float | None = None
    lateral_malleolus_height_mm: float | None = None
    bimalleolar_breadth_mm: float | None = None

    def __post_init__(self) -> None:
        """Check every dimension (positive, within the modelled range) and the arch type."""
        for name in ("foot_length_mm", "ball_width_mm", "ball_girth_mm", "heel_width_mm",
                     "instep_height_mm"):
            check_positive(getattr(self, name), name=name)
        check_choice(self.arch_type, ARCH_TYPES, name="arch_type")
        check_choice(self.toe_shape, TOE_SHAPES, name="toe_shape")
        check_choice(self.side, SIDES, name="side")
        check_choice(self.sex, SEXES, name="sex")
        fl = float(self.foot_length_mm)
        if not 150.0 <= fl <= 350.0:
            raise InvalidParameterError(f"`foot_length_mm` must be within 150-350 mm; got {fl!r}")
        ratios = {"ball_width_mm": (0.27, 0.50), "heel_width_mm": (0.17, 0.38),
                  "ball_girth_mm": (0.72, 1.20), "instep_height_mm": (0.17, 0.31)}
        for name, (lo, hi) in ratios.items():
            r = float(getattr(self, name)) / fl
            if not lo <= r <= hi:
                raise InvalidParameterError(
                    f"`{name}` / foot length must be within {lo}-{hi}; got {r:.3f} "
                    f"({getattr(self, name)!r} mm for a {fl:g} mm foot)"
                )
        if not -5.0 <= float(self.hallux_angle_deg) <= 40.0:
            raise InvalidParameterError(
                f"`hallux_angle_deg` must be within -5-40 deg; got {self.hallux_angle_deg!r}"
            )
        if self.arch_index is not None and not 0.0 <= float(self.arch_index) <= 0.4:
            raise InvalidParameterError(
                f"`arch_index` must be within 0-0.4; got {self.arch_index!r}"
            )

    @property
    def target_arch_index(self) -> float:
        """Arch index the model aims at."""
        if self.arch_index is None:
            return _DEFAULT_ARCH_INDEX[self.arch_type]
        return float(self.arch_index)

    @property
    def target_toe_offset_mm(self) -> float:
        """Hallux tip minus 2nd-toe tip the model builds."""
        if self.toe_offset_mm is None:
            return _DEFAULT_TOE_OFFSET[self.toe_shape]
        return float(self.toe_offset_mm)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict of every field."""
        return {k: (float(v) if isinstance(v, (int, float)) and not isinstance(v, bool)
                    else v) for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FootParams:
        """Build from :meth:`to_dict` output (unknown keys ignored)."""
        names = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in names})
