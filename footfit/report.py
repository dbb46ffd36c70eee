"""The fitting report: what footfit hands to a kiosk, a file or a screen.

:class:`FitReport` is the pipeline's result. Its JSON form (``to_dict`` / ``to_json``) follows
the published schema ``footfit/schema/fit_report.schema.json``; ``format_summary`` renders the
readable table the CLI prints.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "SCHEMA_VERSION",
    "FitReport",
    "FootReport",
    "ScanSummary",
    "format_summary",
    "load_schema",
]

#: Version of the report JSON layout; bump the minor for additions, the major for changes.
SCHEMA_VERSION = "1.1"  # 1.1: scan.quality

_SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "fit_report.schema.json"


@dataclass(frozen=True)
class ScanSummary:
    """What was read and what was used.

    Attributes
    ----------
    source : str
        File path as given, or ``"<array>"``.
    format : str
        File format read.
    points_in : int
        Points read from the source.
    points_used : int
        Points that ended up in the measured feet.
    units_detected : str
        Units of the source coordinates (``mm``, ``cm``, ``m``, ``in``).
    feet_found : int
        Number of feet isolated.
    floor_found : bool
        Whether a floor plane was seen and removed.
    leg_cut_height_mm : float
        Height above the floor above which the scan was cut off.
    quality : ScanQuality or None
        Trust signals (:mod:`footfit.quality`): score, rescan advice, reasons, cautions,
        expected error per measurement. In the JSON only when assessed.
    """

    source: str
    format: str
    points_in: int
    points_used: int
    units_detected: str
    feet_found: int
    floor_found: bool
    leg_cut_height_mm: float
    quality: Any = None  # footfit.quality.ScanQuality

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready ``scan`` block."""
        out = {
            "source": self.source,
            "format": self.format,
            "points_in": int(self.points_in),
            "points_used": int(self.points_used),
            "units_detected": self.units_detected,
            "feet_found": int(self.feet_found),
            "floor_found": bool(self.floor_found),
            "leg_cut_height_mm": float(self.leg_cut_height_mm),
        }
        if self.quality is not None:
            out["quality"] = _clean(self.quality.to_dict())
        return out


@dataclass(frozen=True)
class FootReport:
    """Everything footfit found and recommends for one foot.

    The heavy intermediate results (aligned cloud, footprint raster, sections) are kept in
    ``aligned`` and ``measured`` for drawing, but are not part of the JSON.
    """

    side: str
    measurements: Any  # FootMeasurements
    classification: Any  # FootClassification
    landmarks: Mapping[str, Any]
    landmarks_input: Mapping[str, Any]
    insoles: tuple[Any, ...]  # InsoleMatch, ranked
    insole_notes: tuple[str, ...]
    last: Any  # LastParameters
    stock_last: Any  # StockLastMatch or None
    side_confidence: float
    plantar_visible: bool
    transform: tuple[tuple[float, ...], ...]
    aligned: Any = field(default=None, repr=False, compare=False)
    measured: Any = field(default=None, repr=False, compare=False)
    fit: Any = field(default=None, repr=False, compare=False)  # footfit.fit.FootFit or None
    #: footfit.last.CustomLast (the mesh built from the scan) or None; not in the JSON
    custom_last: Any = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready entry of ``feet``."""
        m = self.measurements.to_dict()
        missing = m.pop("missing")
        m.pop("side", None)
        last = self.last.to_dict() if self.last is not None else None
        if last is not None:
            if self.stock_last is not None:
                last["stock_last"] = _stock_to_dict(self.stock_last)
                last["modifications"] = list(self.stock_last.modifications)
                last["build_up_mm"] = dict(getattr(self.stock_last, "build_up_mm", {}) or {})
            else:
                last["stock_last"] = None
                last["modifications"] = []
                last["build_up_mm"] = {}
            last["built_from_scan"] = self.custom_last is not None
            if self.custom_last is not None:
                last["girth_targets_mm"] = {k: round(float(v), 2)
                                            for k, v in self.custom_last.targets.items()}
        out = {
            "side": self.side,
            "side_confidence": _num(self.side_confidence),
            "plantar_visible": bool(self.plantar_visible),
            "measurements": {k: _num(v) for k, v in m.items()},
            "missing": dict(missing),
            "classification": self.classification.to_dict(),
            "landmarks": dict(self.landmarks),
            "landmarks_input": dict(self.landmarks_input),
            "transform_input_to_canonical": [list(map(float, r)) for r in self.transform],
            "insoles": [i.to_dict() for i in self.insoles],
            "insole_notes": list(self.insole_notes),
            "last": last,
        }
        if self.fit is not None:  # only when the fit simulation ran (schema: optional)
            out["fit"] = _clean(self.fit.to_dict())
        return out


@dataclass(frozen=True)
class FitReport:
    """The result of running the fitting line on one scan.

    Attributes
    ----------
    scan : ScanSummary
        What was read and used.
    feet : tuple of FootReport
        One entry per foot found, left before right.
    sizes : ShoeSizes or None
        Sizes from the larger foot (``decided_by`` says which).
    pair_insole : mapping or None
        The one pre-made insole to sell for both feet
        (:func:`footfit.pipeline.pair_insole`), or, when it scores below the data-set
        threshold (``fits_well`` False, ``recommendation`` 'custom'), the custom insole
        with the nearest pre-made device for comparison; None when no foot has a match.
    timings_ms : mapping of str to float
        Wall time per stage (summed over feet) plus ``total``.
    warnings : tuple of str
        Everything the user should know.
    options : mapping
        The options the line ran with (style, fit, units, sex, profile).
    """

    scan: ScanSummary
    feet: tuple[FootReport, ...]
    sizes: Any
    timings_ms: Mapping[str, float]
    warnings: tuple[str, ...]
    options: Mapping[str, Any]
    schema_version: str = SCHEMA_VERSION
    footfit_version: str = ""
    pair_insole: Mapping[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the report as plain JSON-ready Python objects (schema ``fit_report``)."""
        sizes = self.sizes.to_dict() if self.sizes is not None else None
        return {
            "schema_version": self.schema_version,
            "footfit_version": self.footfit_version,
            "options": dict(self.options),
            "scan": self.scan.to_dict(),
            "feet": [f.to_dict() for f in self.feet],
            "sizes": _clean(sizes),
            "pair_insole": _clean(dict(self.pair_insole)) if self.pair_insole else None,
            "timings_ms": {k: round(float(v), 3) for k, v in self.timings_ms.items()},
            "warnings": list(self.warnings),
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        """Return :meth:`to_dict` as a JSON string (strict JSON: no NaN)."""
        return json.dumps(
            _clean(self.to_dict()), indent=indent, ensure_ascii=False, allow_nan=False
        )


def load_schema() -> dict[str, Any]:
    """Return the published JSON Schema of the report."""
    return json.loads(_SCHEMA_PATH.read_text(encoding="utf-8"))


def _num(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float):
        return round(value, 4)
    return value


def _clean(obj: Any) -> Any:
    """Make ``obj`` strict-JSON ready: numpy scalars and arrays to Python, NaN to None."""
    if isinstance(obj, Mapping):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if hasattr(obj, "tolist") and not isinstance(obj, (str, bytes)):
        return _clean(obj.tolist())
    return _num(obj)


def _stock_to_dict(match: Any) -> dict[str, Any]:
    if hasattr(match, "to_dict"):
        d = dict(match.to_dict())
    else:
        d = {"stock_last": match.stock_last, "distance": match.distance}
    d.pop("modifications", None)
    return _clean(d)


# ----------------------------------------------------------------------------- text summary
def _fmt(value: Any, unit: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.1f}{unit}" if unit else f"{value:.3g}"
    return f"{value}{unit}"


_SUMMARY_ROWS: Sequence[tuple[str, str, str]] = (
    ("foot length", "foot_length_mm", " mm"),
    ("ball width", "ball_width_mm", " mm"),
    ("ball girth", "ball_girth_mm", " mm"),
    ("instep girth", "instep_girth_mm", " mm"),
    ("short heel girth", "short_heel_girth_mm", " mm"),
    ("long heel girth", "long_heel_girth_mm", " mm"),
    ("ankle girth", "ankle_girth_mm", " mm"),
    ("heel width", "heel_width_mm", " mm"),
    ("ball length", "ball_length_mm", " mm"),
    ("instep height (>55% FL)", "instep_height_mm", " mm"),
    ("dorsum height (50% FL)", "arch_height_mm", " mm"),
    ("arch index", "arch_index", ""),
    ("Chippaux-Smirak", "chippaux_smirak_index", ""),
    ("Staheli", "staheli_index", ""),
    ("hallux angle (proxy)", "hallux_valgus_angle_deg", " deg"),
    ("toe shape", "toe_shape", ""),
    ("volume", "foot_volume_cm3", " cm3"),
)


#: Readable names of measurement keys that the summary's rows label differently.
_KEY_NAMES = {
    **{key: label for label, key, _ in _SUMMARY_ROWS},
    "chippaux_smirak_index": "Chippaux-Smirak index",
    "staheli_index": "Staheli index",
    "hallux_valgus_angle_deg": "hallux angle",
    "foot_volume_cm3": "foot volume",
}
_KEY_RE = re.compile(r"\b(" + "|".join(sorted(map(re.escape, _KEY_NAMES), key=len,
                                               reverse=True)) + r")\b")


def _readable(text: str) -> str:
    """``text`` with measurement keys (``arch_index``) in words (``arch index``).

    The JSON keeps the keys, which programs match on; the text summary is for people.
    """
    return _KEY_RE.sub(lambda m: _KEY_NAMES[m.group(1)], text)


def format_summary(report: FitReport | Mapping[str, Any], *, lang: str | None = "en") -> str:
    """Return a readable multi-line summary of ``report`` (what ``footfit process`` prints).

    Parameters
    ----------
    report : FitReport or mapping
        The report, or its JSON form.
    lang : {'en', 'zh'} or None, default='en'
        Language of the words (``None``: the locale's); numbers are the same in both.
    """
    from footfit.report_text import format_summary_text

    data = report.to_dict() if hasattr(report, "to_dict") else dict(report)
    return format_summary_text(data, lang=lang)
