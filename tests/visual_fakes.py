"""A FitReport built without the scan stages, for drawing tests (shared by the visual tests).

The foot is analytic: a half-ellipse cross-section over a footprint outline with a medial arch
cut-out, so the drawing's geometry is known (length, footprint zones). Sizes, last and stock
last come from the real stages; classification and insoles are stand-ins with the report's
JSON shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import numpy as np

from footfit.measure.results import FootMeasurements
from footfit.report import FitReport, FootReport, ScanSummary

LENGTH = 260.0


def half_width(y: np.ndarray) -> np.ndarray:
    """Outline half-width (mm) of the analytic foot along its axis."""
    t = np.clip(y / LENGTH, 0.0, 1.0)
    knots = np.array([0.0, 0.04, 0.18, 0.42, 0.70, 0.86, 0.96, 1.0])
    w = np.array([10.0, 24.0, 32.0, 36.0, 50.0, 46.0, 28.0, 2.0])
    return np.interp(t, knots, w)


def height(y: np.ndarray) -> np.ndarray:
    t = np.clip(y / LENGTH, 0.0, 1.0)
    return np.interp(t, [0.0, 0.1, 0.3, 0.55, 0.75, 0.9, 1.0], [95, 100, 100, 66, 38, 24, 8])


def arch_cut(y: np.ndarray) -> np.ndarray:
    """Width (mm) of the medial side without floor contact (the arch)."""
    t = y / LENGTH
    return 34.0 * np.clip(np.sin(np.pi * (t - 0.22) / 0.45), 0.0, None) * (t > 0.22) * (t < 0.67)


def make_points(n: int = 30000, *, rng: int = 0, plantar: bool = True) -> np.ndarray:
    """Canonical right-foot points: dorsal half-ellipses plus a plantar footprint."""
    g = np.random.default_rng(rng)
    m = n // 2
    y = g.uniform(0, LENGTH, m)
    th = g.uniform(0, np.pi, m)
    top = np.column_stack([half_width(y) * np.cos(th), y, height(y) * np.sin(th)])
    if not plantar:
        return top[top[:, 2] > 4.0]
    y2 = g.uniform(0, LENGTH, n - m)
    w = half_width(y2)
    x2 = g.uniform(-1, 1, n - m) * w
    z2 = np.where(x2 < -w + arch_cut(y2), 8.0 * (arch_cut(y2) > 0), 0.0)
    bottom = np.column_stack([x2, y2, z2])
    return np.vstack([top, bottom])


@dataclass(frozen=True)
class _Insole:
    sku: str
    name: str
    fit_score: float
    reasons: tuple[str, ...]
    rank: int
    dropped_features: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"rank": self.rank, "sku": self.sku, "name": self.name,
                "fit_score": self.fit_score, "reasons": list(self.reasons)}


@dataclass(frozen=True)
class _Classification:
    arch_type: str = "normal"
    width_class: str = "medium"
    toe_shape: str = "egyptian"
    hallux_valgus_grade: str = "normal"
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"arch_type": self.arch_type, "arch_rule": "Cavanagh-Rodgers, 0.21-0.26 normal",
                "width_class": self.width_class, "toe_shape": self.toe_shape,
                "hallux_valgus_grade": self.hallux_valgus_grade}


def _measurements(side: str, scale: float) -> FootMeasurements:
    return FootMeasurements(
        side=side, foot_length_mm=LENGTH * scale, ball_width_mm=100.0 * scale,
        ball_girth_mm=250.0 * scale, instep_girth_mm=252.0 * scale,
        short_heel_girth_mm=340.0 * scale, long_heel_girth_mm=None,
        ankle_girth_mm=None, heel_width_mm=64.0 * scale, ball_length_mm=182.0 * scale,
        instep_height_mm=66.0, arch_height_mm=82.0, arch_index=0.231,
        chippaux_smirak_index=38.0, staheli_index=0.62, hallux_valgus_angle_deg=9.5,
        toe_shape="egyptian", foot_volume_cm3=1050.0,
        missing={"long_heel_girth_mm": "the scan stops at 100 mm (needs 85 mm)",
                 "ankle_girth_mm": "the scan stops below 95 mm"},
    )


class _FitResult(SimpleNamespace):
    """Shaped like footfit.fit.FitResult (per-point arrays plus words)."""

    def to_dict(self) -> dict[str, Any]:
        return {"last": self.last_label, "score": self.score, "summary": list(self.summary),
                "zones": [z.to_dict() for z in self.zones], "placement": {}}


@dataclass(frozen=True)
class _FootFit:
    """Shaped like footfit.fit.FootFit: the custom-last simulation inside."""

    custom: Any
    sizing: Any = None
    notes: tuple[str, ...] = ("stand-in fit simulation",)

    def to_dict(self) -> dict[str, Any]:
        return {"custom": self.custom.to_dict(), "stock_size": None, "notes": list(self.notes)}


def make_fit(points: np.ndarray) -> Any:
    """A fit-simulation stand-in (FootFit-shaped): tight at the toes, loose at the heel."""
    from footfit.fit import ZoneFit

    c = 4.0 - 7.0 * (points[:, 1] / LENGTH) ** 2
    zones = (ZoneFit("toe_box", 100, -3.0, -1.0, -1.0, 3.0, 2.0, 2.5, 0.0, "tight", "hallux",
                     "toe box 3 mm tight at the hallux"),
             ZoneFit("heel", 100, 2.0, 3.5, 3.4, 0.0, 0.0, 0.0, 1.0, "loose", "heel",
                     "heel 1 mm loose"))
    custom = _FitResult(last_label="custom 260", score=71.5,
                        summary=("toe box 3 mm tight at the hallux", "heel 1 mm loose"),
                        zones=zones, clearance_mm=c, points_placed=points.copy())
    return _FootFit(custom=custom)


def make_report(*, sides: tuple[str, ...] = ("left", "right"), plantar: bool = True,
                fit: bool = False, n: int = 30000) -> FitReport:
    """A full FitReport of analytic feet (left feet mirrored, as the pipeline gives them)."""
    from footfit.last import generate_last, nearest_stock_last
    from footfit.sizes import sizes_for_feet

    feet = []
    for k, side in enumerate(sides):
        scale = 1.0 + 0.01 * k
        pts = make_points(n, rng=k, plantar=plantar) * [1.0, scale, 1.0]
        m = _measurements(side, scale)
        if not plantar:
            m = FootMeasurements(**{**m.to_dict(), "arch_index": None, "missing": {
                **m.missing, "arch_index": "no plantar surface in the scan"}})
        last = generate_last(m, style="sport")
        stock = nearest_stock_last(last, k=1)[0]
        aligned = SimpleNamespace(points=pts, side=side, leg_cut_height_mm=100.0)
        lm = {"pternion": [0.0, 0.0, 20.0], "akropodion": [-8.0, LENGTH * scale, 5.0],
              "mth1": [-50.0, 0.72 * LENGTH * scale, 15.0],
              "mth5": [50.0, 0.64 * LENGTH * scale, 10.0]}
        feet.append(FootReport(
            side=side, measurements=m, classification=_Classification(), landmarks=lm,
            landmarks_input=lm,
            insoles=(_Insole("FF-SPT-N2", "Sport neutral, medium arch", 86.0,
                             ("arch index 0.231 is normal (0.21-0.26)",
                              "ball width 100 mm fits the medium shell"), 1),
                     _Insole("FF-SPT-W1", "Sport wide", 74.0, ("wider forefoot",), 2)),
            insole_notes=(), last=last, stock_last=stock, side_confidence=0.9,
            plantar_visible=plantar, transform=tuple(tuple(r) for r in np.eye(4)),
            aligned=aligned, measured=None, fit=make_fit(pts) if fit else None,
        ))
    sizes = sizes_for_feet([f.measurements for f in feet])
    return FitReport(
        scan=ScanSummary(source="/tmp/analytic_feet.ply", format="ply", points_in=n * len(feet),
                         points_used=n * len(feet), units_detected="mm",
                         feet_found=len(feet), floor_found=True, leg_cut_height_mm=100.0),
        feet=tuple(feet), sizes=sizes, timings_ms={"load": 1.0, "total": 2.0},
        warnings=("left foot: long_heel_girth_mm not measurable (the scan stops at 100 mm)",),
        options={"style": "sport", "fit": "standard", "units": "auto", "sex": None,
                 "profile": "iso"},
        footfit_version="0.1.0",
    )
