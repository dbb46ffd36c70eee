"""Result types of the measurement stage, shared by every later stage.

The field names are the contract between stages and with the report JSON; the synthetic
ground truth (``NAME.truth.json``) uses the same names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

__all__ = ["MEASUREMENT_FIELDS", "FootMeasurements"]

#: Names of the measured values, in report order. Lengths in mm, indices unitless,
#: angle in degrees, volume in cm^3, ``toe_shape`` a word.
MEASUREMENT_FIELDS: tuple[str, ...] = (
    "foot_length_mm",
    "ball_width_mm",
    "ball_girth_mm",
    "instep_girth_mm",
    "short_heel_girth_mm",
    "long_heel_girth_mm",
    "ankle_girth_mm",
    "heel_width_mm",
    "ball_length_mm",
    "instep_height_mm",
    "arch_height_mm",
    "arch_index",
    "chippaux_smirak_index",
    "staheli_index",
    "hallux_valgus_angle_deg",
    "toe_shape",
    "foot_volume_cm3",
)


@dataclass(frozen=True)
class FootMeasurements:
    """Measurements of one foot in the canonical frame (see DOMAIN.md section 3).

    Every value is ``None`` when it could not be measured, and ``missing`` then maps its
    field name to the reason (e.g. ``{"arch_index": "no plantar surface in the scan"}``).

    Attributes
    ----------
    side : {'left', 'right'}
        Which foot this is.
    foot_length_mm : float or None
        Pternion to the tip of the longest toe along the foot axis.
    ball_width_mm, ball_girth_mm : float or None
        Width and convex-hull girth through MTH1 and MTH5.
    instep_girth_mm, short_heel_girth_mm, long_heel_girth_mm, ankle_girth_mm : float or None
        Convex-hull girths (a tape bridges hollows).
    heel_width_mm : float or None
        Outline width over the rear 5-20 % of foot length.
    ball_length_mm : float or None
        Heel to MTH1 along the axis.
    instep_height_mm, arch_height_mm : float or None
        Highest dorsal point beyond 55 % FL; dorsal height at 50 % FL.
    arch_index : float or None
        Cavanagh-Rodgers arch index from the plantar footprint.
    chippaux_smirak_index : float or None
        Narrowest midfoot width / widest forefoot width x 100.
    staheli_index : float or None
        Narrowest midfoot width / widest heel width.
    hallux_valgus_angle_deg : float or None
        Surface proxy of the hallux valgus angle.
    toe_shape : {'egyptian', 'greek', 'roman'} or None
        From the relative lengths of the hallux and 2nd toe.
    foot_volume_cm3 : float or None
        Volume below the leg cut.
    missing : mapping of str to str
        Field name -> reason it is ``None``.
    """

    side: str
    foot_length_mm: float | None = None
    ball_width_mm: float | None = None
    ball_girth_mm: float | None = None
    instep_girth_mm: float | None = None
    short_heel_girth_mm: float | None = None
    long_heel_girth_mm: float | None = None
    ankle_girth_mm: float | None = None
    heel_width_mm: float | None = None
    ball_length_mm: float | None = None
    instep_height_mm: float | None = None
    arch_height_mm: float | None = None
    arch_index: float | None = None
    chippaux_smirak_index: float | None = None
    staheli_index: float | None = None
    hallux_valgus_angle_deg: float | None = None
    toe_shape: str | None = None
    foot_volume_cm3: float | None = None
    missing: Mapping[str, str] = field(default_factory=dict)

    def values(self) -> dict[str, Any]:
        """Return ``{field name: value}`` for the measured fields (``MEASUREMENT_FIELDS``)."""
        return {name: getattr(self, name) for name in MEASUREMENT_FIELDS}

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict: ``side``, every measurement, and ``missing``."""
        out: dict[str, Any] = {"side": self.side}
        out.update(self.values())
        out["missing"] = dict(self.missing)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FootMeasurements:
        """Build from a mapping such as a ``*.truth.json`` ``measurements`` block.

        Unknown keys are ignored; absent measurement fields become ``None`` and are listed
        in ``missing`` as ``"not provided"`` unless a reason is given.
        """
        known = {f.name for f in fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in known and k != "missing"}
        kwargs.setdefault("side", str(data.get("side", "right")))
        missing = dict(data.get("missing") or {})
        for name in MEASUREMENT_FIELDS:
            if kwargs.get(name) is None:
                missing.setdefault(name, "not provided")
        return cls(missing=missing, **kwargs)
