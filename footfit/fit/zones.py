"""Per-zone verdicts (worst 1 cm^2, slack, the style's intent) and the room the foot leaves."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from footfit._core.typing import BoolArray, FloatArray
from footfit.fit._common import _config
from footfit.fit.prepare import PreparedFoot, PreparedLast


def _section_perimeter(points: FloatArray, origin: Any, normal: Any, band: float) -> float | None:
    """Convex-hull perimeter of the points within ``band`` of a plane (None if too few)."""
    from footfit._core.hull import hull_2d_or_none

    n = np.asarray(normal, dtype=np.float64)
    n = n / np.linalg.norm(n)
    o = np.asarray(origin, dtype=np.float64)
    near = np.abs((points - o) @ n) <= band
    if near.sum() < 20:
        return None
    u = np.cross(n, [0.0, 0.0, 1.0] if abs(n[2]) < 0.9 else [1.0, 0.0, 0.0])
    u /= np.linalg.norm(u)
    v = np.cross(n, u)
    q = np.stack([points[near] @ u, points[near] @ v], axis=1)
    hull = hull_2d_or_none(q)  # None on flat input
    return None if hull is None else hull.perimeter


def _toe_room(last: PreparedLast, placed: FloatArray) -> float:
    """Room in front of the longest toe: the last's toe tip minus the foot's, along y."""
    return float(last.meta["toe_tip_y_mm"]) - float(placed[:, 1].max())


def _room(foot: PreparedFoot, last: PreparedLast, placed: FloatArray, clearance: FloatArray,
          inside_shoe: BoolArray, fit: str) -> dict[str, float | None]:
    """Toe room and girth room against what the style wants."""
    cfg = _config()["sizing"]
    meta = last.meta
    # a thinned foot has one point per cell: the band must hold a layer of them
    band = max(float(cfg["section_band_mm"]), 1.0 * foot.cell_mm)
    pts = placed[inside_shoe]
    room: dict[str, float | None] = {
        "toe_room_mm": _toe_room(last, placed),
        "toe_room_ideal_mm": last.toe_allowance_mm,
    }
    for name in ("ball", "instep"):
        origin, normal = meta[f"{name}_plane"]
        foot_p = _section_perimeter(pts, origin, normal, band)
        room[f"{name}_girth_room_mm"] = (None if foot_p is None
                                         else float(meta[f"{name}_girth_mm"]) - foot_p)
        room[f"{name}_girth_ideal_mm"] = None
    if last.style is not None:
        from footfit._data import load_table
        from footfit.last.styles import fit_preference, style_spec

        glob = load_table("styles.json")["global"]
        extra = (float(glob["insole_room"]["girth_per_mm_thickness"]) * last.insole_forefoot_mm
                 + float(glob["sock_allowance_girth_mm"]["value"]))
        spec, pref = style_spec(last.style), fit_preference(fit)
        room["ball_girth_ideal_mm"] = (float(spec["ball_girth_ease_mm"])
                                       + float(pref["ball_girth_shift_mm"]) + extra)
        room["instep_girth_ideal_mm"] = (float(spec["instep_girth_ease_mm"])
                                         + float(pref["instep_girth_shift_mm"]) + extra)
    return room


def _intended_squeeze(last: PreparedLast, fit: str) -> dict[str, float]:
    """Return how far the style means its last to sit under the foot, per zone (mm of radius).

    A negative net girth ease over 2 pi (a dress last made under the foot's girth).
    """
    if last.style is None:
        return {}
    from footfit.last.styles import fit_preference, style_spec

    spec, pref = style_spec(last.style), fit_preference(fit)
    ball = float(spec["ball_girth_ease_mm"]) + float(pref["ball_girth_shift_mm"])
    inst = float(spec["instep_girth_ease_mm"]) + float(pref["instep_girth_shift_mm"])
    sq = {"ball": max(0.0, -ball), "toe_box": max(0.0, -ball), "instep": max(0.0, -inst),
          "waist": max(0.0, -0.5 * (ball + inst))}
    return {k: v / (2.0 * np.pi) for k, v in sq.items()}


def _room_penalty(room: Mapping[str, float | None]) -> tuple[float, list[tuple[float, str]]]:
    cfg = _config()["sizing"]
    penalty, words = 0.0, []
    toe, ideal = room.get("toe_room_mm"), room.get("toe_room_ideal_mm")
    if toe is not None and ideal is not None and np.isfinite(toe):
        d = toe - ideal
        over = abs(d) - float(cfg["length_tolerance_mm"])
        if over > 0:
            short = d < 0
            penalty += over * float(cfg["per_mm_short" if short else "per_mm_long"])
            kind = "short" if short else "long"
            words.append((abs(d), f"toe room {toe:.0f} mm: {abs(d):.0f} mm {kind}er than the "
                                  f"{ideal:.0f} mm the style wants"))
    for name, label in (("ball", "ball girth"),):
        r, i = room.get(f"{name}_girth_room_mm"), room.get(f"{name}_girth_ideal_mm")
        if r is None or i is None:
            continue
        d = r - i
        over = abs(d) - float(cfg["girth_tolerance_mm"])
        if over > 0:
            tight = d < 0
            penalty += over * float(cfg["per_mm_girth_tight" if tight else "per_mm_girth_loose"])
            words.append((abs(d), f"{label} {abs(d):.0f} mm {'tight' if tight else 'loose'} "
                                  f"against the style's ease"))
    return penalty, words


# ----------------------------------------------------------------------------- results
_PLACES = {
    "toe_box": {"front": "toe tips", "top": "top of the toes", "bottom": "toe pads",
                "medial": "hallux", "lateral": "little toes"},
    "ball": {"front": "ball", "back": "ball", "top": "top of the ball", "bottom": "ball tread",
             "medial": "inner ball (MTH1)", "lateral": "outer ball (MTH5)"},
    "instep": {"front": "instep", "back": "instep", "top": "instep", "bottom": "instep",
               "medial": "inner instep", "lateral": "outer instep"},
    "waist": {"front": "waist", "back": "waist", "top": "waist", "bottom": "arch",
              "medial": "arch side", "lateral": "outer waist"},
    "heel": {"front": "heel", "back": "back of the heel", "top": "heel", "bottom": "heel seat",
             "medial": "inner heel", "lateral": "outer heel"},
}


def _direction(n: FloatArray) -> str:
    ax = int(np.argmax(np.abs(n)))
    if ax == 0:
        return "lateral" if n[0] > 0 else "medial"
    if ax == 1:
        return "front" if n[1] > 0 else "back"
    return "top" if n[2] > 0 else "bottom"


@dataclass(frozen=True)
class ZoneFit:
    """How one zone of the foot sits in the last.

    Attributes
    ----------
    zone : str
        Zone name (:data:`ZONE_NAMES`).
    n_points : int
        Foot points in the zone (inside the shoe).
    min_clearance_mm, mean_clearance_mm : float or None
        Clearance statistics (mean weighted by area); None for an empty zone.
    median_clearance_mm : float or None
        Area-weighted median clearance under the upper (points whose nearest last surface
        is not the bottom: the sole always rests on the bottom), the zone's "room".
    contact_area_cm2, pressed_area_cm2 : float
        Area within the contact tolerance (pressed included) and area pressed.
    pressure_mm : float
        Depth the foot goes through the last over at least 1 cm^2 (0 when it does not).
    slack_mm : float
        Median clearance beyond the zone's slack limit.
    verdict : {'tight', 'loose', 'good', 'as designed', 'no data'}
        ``'as designed'``: pressed no more than the style's own negative ease there (a dress
        last made under the foot's girth), judged by the zone's worst point.
    where : str
        Place of the tightest spot (e.g. ``"hallux"``), or of the zone when loose.
    words : str
        E.g. ``"toe box 2 mm tight at the hallux"``.
    """

    zone: str
    n_points: int
    min_clearance_mm: float | None
    mean_clearance_mm: float | None
    median_clearance_mm: float | None
    contact_area_cm2: float
    pressed_area_cm2: float
    pressure_mm: float
    slack_mm: float
    verdict: str
    where: str
    words: str

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        def r(v: float | None) -> float | None:  # + 0.0: a rounded -0.0 reads 0.0
            return None if v is None else round(float(v), 2) + 0.0

        return {
            "zone": self.zone, "n_points": int(self.n_points),
            "min_clearance_mm": r(self.min_clearance_mm),
            "mean_clearance_mm": r(self.mean_clearance_mm),
            "median_clearance_mm": r(self.median_clearance_mm),
            "contact_area_cm2": r(self.contact_area_cm2),
            "pressed_area_cm2": r(self.pressed_area_cm2),
            "pressure_mm": r(self.pressure_mm), "slack_mm": r(self.slack_mm),
            "verdict": self.verdict, "where": self.where, "words": self.words,
        }


def _zone_fit(name: str, c: FloatArray, a: FloatArray, nrm: FloatArray,
              intent_mm: float = 0.0) -> ZoneFit:
    cfg = _config()
    tol = cfg["tolerances"]
    label = cfg["zones"]["labels"][name]
    if len(c) == 0:
        return ZoneFit(name, 0, None, None, None, 0.0, 0.0, 0.0, 0.0, "no data", "",
                       f"{label}: no points of the foot there")
    order = np.argsort(c)
    cs, as_ = c[order], a[order]
    cum = np.cumsum(as_)
    k = int(min(np.searchsorted(cum, float(tol["pressure_area_mm2"])), len(cs) - 1))
    pressure = max(0.0, -float(cs[k]))
    w = a / a.sum() if a.sum() > 0 else np.full(len(a), 1.0 / len(a))
    mean = float(np.sum(w * c))
    # room is judged under the upper: the sole always rests on the last bottom
    upper = nrm[order, 2] > -0.7
    ou = order[upper] if upper.any() else order  # already sorted by clearance
    cum_u = np.cumsum(w[ou])
    median = float(c[ou][int(min(np.searchsorted(cum_u, 0.5 * cum_u[-1]), len(ou) - 1))])
    slack = max(0.0, median - float(cfg["slack_limit_mm"][name]))
    where = _PLACES[name][_direction(nrm[order[k]])]
    verdicts = cfg["verdicts"]
    if float(verdicts["tight_mm"]) < pressure <= float(verdicts["tight_mm"]) + intent_mm:
        verdict = "as designed"
        words = (f"{label} held {pressure:.1f} mm, as the style intends "
                 f"(a snug last, {intent_mm:.1f} mm under the foot there)")
    elif pressure > float(verdicts["tight_mm"]):
        verdict = "tight"
        words = f"{label} {pressure:.0f} mm tight at the {where}"
        if round(pressure) == 0:
            words = f"{label} {pressure:.1f} mm tight at the {where}"
    elif slack > float(verdicts["loose_mm"]):
        verdict = "loose"
        where = label
        words = f"{label} {slack:.0f} mm loose (median room {median:.0f} mm)"
    else:
        verdict = "good"
        words = f"{label} fits (median room {median:.1f} mm)"
    return ZoneFit(
        zone=name, n_points=len(c), min_clearance_mm=float(cs[0]), mean_clearance_mm=mean,
        median_clearance_mm=median,
        contact_area_cm2=float(a[c <= float(tol["contact_mm"])].sum()) / 100.0,
        pressed_area_cm2=float(a[c < -float(tol["pressed_mm"])].sum()) / 100.0,
        pressure_mm=pressure, slack_mm=slack, verdict=verdict, where=where, words=words,
    )
