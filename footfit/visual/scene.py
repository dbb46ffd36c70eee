"""What the pictures show, computed once per foot: outlines, footprint, zones, lines, loops.

:class:`FootDrawing` turns one foot (a :class:`~footfit.report.FootReport`, or bare canonical
points) into drawing primitives in millimetres. The SVG, PNG and 3D renderers only draw them,
so every picture of a foot shows the same geometry.

Frames: the measurement stages work in the canonical frame, where a left foot is mirrored into
a right one (docs/measurement_conventions.md). The pictures show each foot as it is: a left
foot is mirrored back (x -> -x), so seen from above its big toe is on the right, as a person
looking down at their own feet sees it. Side views look at the medial side of either foot,
heel on the left.

The geometry follows the written conventions (footprint = contact at z <= 3 mm, toes excluded
beyond 80 % of the length; arch-index thirds between the heel tangent and 80 %; girth planes as
defined there). Numbers printed beside the geometry are the report's measurements, never
re-measured here: an element whose measurement the report marks missing is not drawn.

References
----------
.. [1] Cavanagh P.R., Rodgers M.M. (1987). The arch index: a useful measure from footprints.
   J. Biomech. 20(5), 547-551 (the three zones of the footprint).
.. [2] Kouchi M. (AIST). Foot measurement definitions; GB/T 3293.1 (ball girth through MTH1 and
   MTH5, foot length along the foot axis).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from footfit._core.typing import ArrayLike, FloatArray
from footfit._core.validation import as_points
from footfit.conventions import CONVENTIONS
from footfit.exceptions import InvalidParameterError
from footfit.visual._geometry import (
    _CELL_MM,
    _CONTACT_MM,
    _TOE_LIMIT,
    _canonical_landmarks,
    _close_cells,
    _extreme,
    _fallback_section,
    _heel_line,
    _looks_plantar,
    _measured_footprint,
    _outline,
    _positive,
    _profiles,
    _raster,
    _runs,
    _zones,
    front_cells,
    loop_perimeter,
)

if TYPE_CHECKING:
    from footfit.align import AlignedFoot
    from footfit.fit.simulate import FitResult
    from footfit.measure.core import MeasuredFoot
    from footfit.measure.footprint import FootprintResult
    from footfit.report import FootReport

__all__ = ["FootDrawing", "GIRTH_LABELS", "find_fit_result", "front_cells", "loop_perimeter"]

#: Display names of the girths, in drawing order.
GIRTH_LABELS: dict[str, str] = {
    "ball_girth_mm": "ball girth",
    "instep_girth_mm": "instep girth",
    "short_heel_girth_mm": "short heel girth",
    "long_heel_girth_mm": "long heel girth",
    "ankle_girth_mm": "ankle girth",
}

#: Short labels written next to the landmark dots.
LANDMARK_SHORT: dict[str, str] = {
    "pternion": "pternion",
    "akropodion": "toe tip",
    "second_toe_tip": "2nd toe",
    "hallux_tip": "hallux",
    "mth1": "MTH1",
    "mth5": "MTH5",
    "instep_point": "instep",
    "heel_centre": "heel centre",
    "lateral_malleolus": "lat. malleolus",
    "medial_malleolus": "med. malleolus",
}


@dataclass(frozen=True)
class FootDrawing:
    """Drawing primitives of one foot, in millimetres.

    Attributes
    ----------
    side : {'left', 'right'}
    length_mm : float
        Foot length used to place the 55 %, 80 % ... lines (the report's when given).
    points : (n, 3) float, mm
        The foot as shown (left feet mirrored back), canonical otherwise.
    outline : (k, 2) float, mm
        Closed top-view outline (x, y) of the floor projection.
    footprint : (r, 4) float, mm
        Contact cells merged into row runs: ``x0, y0, width, height``, toes excluded.
    toe_prints : (t, 4) float, mm
        Contact runs beyond 80 % of the length (drawn fainter).
    zones : dict or None
        ``edges`` (4,) y of the arch-index thirds (heel to 80 %), ``areas_mm2`` (3,)
        of C, B, A in the drawing raster, ``arch_index`` the report's value.
    ball_line, heel_line : (2, 2) float or None
        Ends (x, y) of the ball-width and heel-width lines.
    landmarks : dict of str to (3,) float
        Landmarks as shown.
    profile : (k, 2) float
        Closed side-view silhouette (y, z).
    medial_profile : (k, 2) float
        Lowest point of the medial fifth of each slice (y, z): the arch curve.
    instep : (2,) float or None
        (y, z) of the instep height (highest dorsal point beyond 55 %).
    arch : (2,) float or None
        (y, z) of the dorsal height at 50 %.
    sections : dict of str to (m, 3) float
        Girth name (``ball_girth_mm`` ...) to its closed tape loop, as shown.
    measurements : dict
        The report's measurements (``FootMeasurements`` field names), ``{}`` if none.
    missing : dict of str to str
        Measurement -> reason it is missing.
    plantar_visible : bool
    leg_cut_mm : float
    clearance : tuple (points (n, 3), clearance (n,)) or None
        The fit simulation's per-point clearance, foot as placed in the last, as shown;
        NaN for points above the shoe's opening (outside the shoe).
    fit : FitSummary or None
        The fit simulation's label, score, words and zones (its arrays are not kept).
    """

    side: str
    length_mm: float
    points: FloatArray = field(repr=False)
    outline: FloatArray = field(repr=False)
    footprint: FloatArray = field(repr=False)
    toe_prints: FloatArray = field(repr=False)
    zones: dict[str, Any] | None
    ball_line: FloatArray | None
    heel_line: FloatArray | None
    landmarks: dict[str, FloatArray]
    profile: FloatArray = field(repr=False)
    medial_profile: FloatArray = field(repr=False)
    instep: FloatArray | None
    arch: FloatArray | None
    sections: dict[str, FloatArray] = field(repr=False)
    measurements: dict[str, Any]
    missing: dict[str, str]
    plantar_visible: bool
    leg_cut_mm: float
    clearance: tuple[FloatArray, FloatArray] | None = field(default=None, repr=False)
    fit: Any = field(default=None, repr=False)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_points(
        cls,
        points: ArrayLike,
        *,
        side: str = "right",
        landmarks: Mapping[str, Any] | None = None,
        measurements: Mapping[str, Any] | None = None,
        missing: Mapping[str, str] | None = None,
        sections: Mapping[str, Any] | None = None,
        plantar_visible: bool | None = None,
        leg_cut_mm: float = 100.0,
        fit: FitResult | None = None,
        footprint: FootprintResult | None = None,
    ) -> FootDrawing:
        """Build the drawing of a foot given in the canonical (right-foot) frame.

        Parameters
        ----------
        points : (n, 3) array_like of float, mm
            Canonical coordinates (floor z = 0, heel at y = 0, +x lateral; a left foot
            already mirrored, as :class:`~footfit.align.AlignedFoot` holds it).
        side : {'left', 'right'}, default="right"
        landmarks : mapping of str to (3,) float, optional
            Canonical landmarks; MTH1, MTH5 and the instep point are found from the points
            (by the written conventions) when absent.
        measurements : mapping, optional
            Measured values; when given, an element whose value is ``None`` is not drawn.
        missing : mapping of str to str, optional
            Reasons of the missing measurements.
        sections : mapping of str to (m, 3) float, optional
            Canonical tape loops per girth; computed from the points when absent.
        plantar_visible : bool, optional
            Whether the scan holds the sole; decided from the contact points when ``None``.
        leg_cut_mm : float, default=100.0
        fit : FitResult, optional
            Fit simulation to draw as a clearance map.
        footprint : FootprintResult, optional
            The measurement's contact raster and zones (``mask``, ``origin``, ``cell_mm``,
            ``zone_bounds_y``, ``zone_areas_mm2``); drawn as measured when given, else
            rebuilt from the points by the same conventions.

        Returns
        -------
        FootDrawing
        """
        p = as_points(points, name="points", min_points=50)
        if side not in ("left", "right"):
            raise InvalidParameterError(f"`side` must be 'left' or 'right'; got {side!r}")
        meas = dict(measurements or {})
        drawn_all = not meas  # no report: draw everything the geometry allows
        lm = _canonical_landmarks(landmarks)
        ymin = float(p[:, 1].min())
        length = _positive(meas.get("foot_length_mm")) or float(p[:, 1].max() - ymin)

        def wanted(name: str) -> bool:
            return drawn_all or meas.get(name) is not None

        _find_missing_landmarks(p, length, lm)
        contact = p[:, 2] <= _CONTACT_MM
        if plantar_visible is None:
            plantar_visible = _looks_plantar(p, contact, length)
        measured_fp = _measured_footprint(footprint)
        if measured_fp is not None:
            prints = _prints_as_measured(measured_fp, meas, wanted("arch_index"))
        elif plantar_visible and contact.sum() >= 20:
            prints = _prints_from_contact(p[contact], length, meas, wanted("arch_index"))
        else:
            prints = (np.zeros((0, 4)), np.zeros((0, 4)), None)
        heel_line = _heel_line(p, length) if wanted("heel_width_mm") else None
        instep = arch = None
        fore = p[p[:, 1] >= _W.instep_height.y_fl[0] * length]
        if wanted("instep_height_mm") and len(fore):
            top = fore[np.argmax(fore[:, 2])]
            instep = np.array([top[1], top[2]])
        ya = _W.arch_height.y_fl[0]
        mid = p[np.abs(p[:, 1] - ya * length) <= _W.arch_height.band_mm]
        if wanted("arch_height_mm") and len(mid):
            arch = np.array([ya * length, mid[:, 2].max()])
        loops = _loops(p, sections, lm, length, leg_cut_mm, wanted, fallback=True)
        return cls._assemble(p, side=side, length=length, lm=lm, prints=prints,
                             heel_line=heel_line, instep=instep, arch=arch, loops=loops,
                             meas=meas, missing=missing, wanted=wanted,
                             plantar_visible=bool(plantar_visible), leg_cut_mm=leg_cut_mm,
                             fit=fit)

    @classmethod
    def from_measured(
        cls,
        aligned: AlignedFoot,
        measured: MeasuredFoot,
        *,
        measurements: Mapping[str, Any] | None = None,
        side: str | None = None,
        fit: FitResult | None = None,
    ) -> FootDrawing:
        """Draw what the measurement stage found, measuring nothing again.

        Parameters
        ----------
        aligned : AlignedFoot
            The canonical cloud (its points are drawn: outline, profiles, 3D view).
        measured : MeasuredFoot
            Typed results: ``measurements`` (values and missing reasons), ``landmarks``
            (:class:`~footfit.measure.Landmarks`), ``footprint``, ``sections``,
            ``plantar_visible`` and ``leg_cut_height_mm``.
        measurements : mapping, optional
            The values to print (e.g. rounded as the report's JSON); default
            ``measured.measurements``.
        side : {'left', 'right'}, optional
            Default ``aligned.side``.
        fit : FitResult, optional
            Fit simulation to draw as a clearance map.

        Returns
        -------
        FootDrawing
            Landmarks, footprint, zones and tapes are the measured ones; an element the
            measurement could not make is not drawn (nothing is re-derived from the points).
        """
        side = side or str(aligned.side)
        p = as_points(aligned.points, name="points", min_points=50)
        if side not in ("left", "right"):
            raise InvalidParameterError(f"`side` must be 'left' or 'right'; got {side!r}")
        m = measured.measurements
        meas = dict(measurements) if measurements is not None else m.values()
        length = float(m.foot_length_mm)
        lm = _typed_landmarks(measured.landmarks)

        def wanted(name: str) -> bool:
            return meas.get(name) is not None

        measured_fp = _measured_footprint(measured.footprint)
        prints = (np.zeros((0, 4)), np.zeros((0, 4)), None) if measured_fp is None \
            else _prints_as_measured(measured_fp, meas, wanted("arch_index"))
        heel_line = None
        hc, hw = lm.get("heel_centre"), _positive(meas.get("heel_width_mm"))
        if hc is not None and hw is not None:
            heel_line = np.array([[hc[0] - 0.5 * hw, hc[1]], [hc[0] + 0.5 * hw, hc[1]]])
        ih, ah = _positive(meas.get("instep_height_mm")), _positive(meas.get("arch_height_mm"))
        instep = None if ih is None else np.array([_W.instep.y_fl[0] * length, ih])
        arch = None if ah is None else np.array([_W.arch_height.y_fl[0] * length, ah])
        loops = _loops(p, dict(measured.sections or {}), lm, length,
                       float(measured.leg_cut_height_mm), wanted, fallback=False)
        return cls._assemble(p, side=side, length=length, lm=lm, prints=prints,
                             heel_line=heel_line, instep=instep, arch=arch, loops=loops,
                             meas=meas, missing=dict(m.missing), wanted=wanted,
                             plantar_visible=bool(measured.plantar_visible),
                             leg_cut_mm=float(measured.leg_cut_height_mm), fit=fit)

    @classmethod
    def _assemble(cls, p: FloatArray, *, side: str, length: float, lm: dict, prints: tuple,
                  heel_line, instep, arch, loops: dict, meas: dict, missing, wanted,
                  plantar_visible: bool, leg_cut_mm: float, fit: Any) -> FootDrawing:
        """Build the drawing from its parts, shown as the foot is (a left foot mirrored)."""
        footprint, toes, zones = prints
        ball_line = None
        if wanted("ball_width_mm") and "mth1" in lm and "mth5" in lm:
            ball_line = np.array([lm["mth1"][:2], lm["mth5"][:2]])
        profile, medial = _profiles(p)
        clearance = _clearance(p, fit)
        flip = np.array([-1.0, 1.0, 1.0]) if side == "left" else np.ones(3)

        def show(a: FloatArray) -> FloatArray:
            return np.asarray(a, dtype=np.float64) * flip[: np.shape(a)[-1]]

        def show_rects(r: FloatArray) -> FloatArray:
            if side != "left" or not len(r):
                return r
            out = r.copy()
            out[:, 0] = -(r[:, 0] + r[:, 2])
            return out

        shown = show(p)
        return cls(
            side=side,
            length_mm=float(length),
            points=shown,
            outline=show(_outline(p)),
            footprint=show_rects(footprint),
            toe_prints=show_rects(toes),
            zones=zones,
            ball_line=None if ball_line is None else show(ball_line),
            heel_line=None if heel_line is None else show(heel_line),
            landmarks={k: show(v) for k, v in lm.items()},
            profile=profile,
            medial_profile=medial,
            instep=instep,
            arch=arch,
            sections={k: show(v) for k, v in loops.items()},
            measurements=meas,
            missing=dict(missing or {}),
            plantar_visible=bool(plantar_visible),
            leg_cut_mm=float(leg_cut_mm),
            clearance=None if clearance is None else (
                shown if clearance[0] is p else show(clearance[0]), clearance[1]),
            fit=None if fit is None else FitSummary.from_result(fit),
        )

    @classmethod
    def from_foot_report(cls, foot: FootReport) -> FootDrawing:
        """Build the drawing of one entry of ``FitReport.feet``.

        Parameters
        ----------
        foot : FootReport
            Needs ``aligned`` (the canonical cloud); uses ``measured`` (sections, footprint)
            and ``fit`` when present.

        Returns
        -------
        FootDrawing

        Raises
        ------
        ValueError
            If the report entry carries no aligned cloud (e.g. read back from JSON).
        """
        aligned = getattr(foot, "aligned", None)
        if aligned is None or getattr(aligned, "points", None) is None:
            raise InvalidParameterError(
                f"the {getattr(foot, 'side', '?')} foot carries no aligned cloud to draw "
                "(reports read back from JSON cannot be drawn)"
            )
        m = getattr(foot, "measurements", None)
        meas = m.values() if hasattr(m, "values") and callable(m.values) else dict(m or {})
        # the precision of the report's JSON, so labels and tables round alike
        meas = {k: round(v, 4) if isinstance(v, float) else v for k, v in meas.items()}
        missing = dict(getattr(m, "missing", {}) or {})
        measured = getattr(foot, "measured", None)
        from footfit.measure import MeasuredFoot

        if isinstance(measured, MeasuredFoot):  # the typed results: drawn as measured
            return cls.from_measured(aligned, measured, measurements=meas,
                                     side=str(getattr(foot, "side", None) or aligned.side),
                                     fit=find_fit_result(getattr(foot, "fit", None)))
        sections = getattr(measured, "sections", None) if measured is not None else None
        return cls.from_points(
            aligned.points,
            side=str(getattr(foot, "side", None) or aligned.side),
            landmarks=getattr(foot, "landmarks", None)
            or getattr(getattr(measured, "landmarks", None), "to_dict", dict)(),
            measurements=meas,
            missing=missing,
            sections=sections if isinstance(sections, Mapping) else None,
            plantar_visible=getattr(foot, "plantar_visible", None),
            leg_cut_mm=float(getattr(aligned, "leg_cut_height_mm", 100.0) or 100.0),
            fit=find_fit_result(getattr(foot, "fit", None)),
            footprint=getattr(measured, "footprint", None) if measured is not None else None,
        )

    # ------------------------------------------------------------------ helpers
    def sample(self, k: int, *, rng: int = 0) -> FloatArray:
        """Return at most ``k`` of the points, an even random subset (seeded)."""
        n = len(self.points)
        if n <= k:
            return self.points
        idx = np.random.default_rng(rng).choice(n, size=k, replace=False)
        return self.points[np.sort(idx)]

    def value(self, name: str) -> Any:
        """Return the report's value of measurement ``name`` (``None`` when missing)."""
        return self.measurements.get(name)


_W = CONVENTIONS.windows


def _find_missing_landmarks(p: FloatArray, length: float, lm: dict) -> None:
    """Find MTH1, MTH5 and the instep point in the conventions' windows when ``lm`` lacks them.

    Only for a bare cloud (:meth:`FootDrawing.from_points`); a measured foot brings its own.
    """
    m1, m5, wi = _W.mth1, _W.mth5, _W.instep
    lm.setdefault("mth1", _extreme(p, length, m1.y_fl, axis=0, sign=-1))
    lm.setdefault("mth5", _extreme(p, length, m5.y_fl, axis=0, sign=+1))
    band = np.abs(p[:, 1] - wi.y_fl[0] * length) <= wi.band_mm
    if band.any():
        lm.setdefault("instep_point", p[band][np.argmax(p[band, 2])])
    for k in [k for k, v in lm.items() if v is None]:
        del lm[k]


def _typed_landmarks(landmarks: Any) -> dict[str, FloatArray]:
    """Return the found landmarks of a :class:`~footfit.measure.Landmarks` by field name."""
    out: dict[str, FloatArray] = {}
    for name in LANDMARK_SHORT:
        v = getattr(landmarks, name, None)
        if v is not None:
            a = np.asarray(v, dtype=np.float64).reshape(-1)
            if a.shape == (3,) and np.isfinite(a).all():
                out[name] = a
    return out


def _prints_as_measured(measured_fp: tuple, meas: Mapping[str, Any], want_zones: bool) -> tuple:
    """Return footprint runs, toe runs and zones of the measurement's contact raster."""
    cells, cell, origin, edges, areas = measured_fp
    toe_row = (cells[:, 1] + 0.5) * cell + origin[1] >= edges[-1]
    zones = None
    if want_zones:
        zones = {"edges": edges, "areas_mm2": areas,
                 "arch_index": _positive(meas.get("arch_index")),
                 "drawn_index": float(areas[1] / areas.sum()) if areas.sum() else None}
    return _runs(cells[~toe_row], cell, origin), _runs(cells[toe_row], cell, origin), zones


def _prints_from_contact(contact: FloatArray, length: float, meas: Mapping[str, Any],
                         want_zones: bool) -> tuple:
    """Return footprint runs, toe runs and zones of a bare cloud's contact points."""
    cells = _close_cells(_raster(contact[:, :2], cell=_CELL_MM))
    toe_row = cells[:, 1] * _CELL_MM >= _TOE_LIMIT * length
    footprint = _runs(cells[~toe_row], _CELL_MM)
    zones = None
    if len(footprint) and want_zones:
        zones = _zones(cells[~toe_row], length, meas.get("arch_index"))
    return footprint, _runs(cells[toe_row], _CELL_MM), zones


def _loops(p: FloatArray, sections: Mapping[str, Any] | None, lm: dict, length: float,
           leg_cut_mm: float, wanted, *, fallback: bool) -> dict[str, FloatArray]:
    """Return the tape loop of every wanted girth.

    The given section, else (with ``fallback``) one cut from the points by the conventions.
    """
    loops = {}
    given = {k: as_points(v, name=f"sections[{k!r}]", min_points=3)
             for k, v in (sections or {}).items() if v is not None and len(v) >= 3}
    for name in GIRTH_LABELS:
        key = name if name in given else name.replace("_mm", "")
        if not wanted(name):
            continue
        if key in given:
            loops[name] = given[key]
        elif fallback:
            loop = _fallback_section(p, name, lm, length, leg_cut_mm)
            if loop is not None:
                loops[name] = loop
    return loops


def _clearance(p: FloatArray, fit: Any) -> tuple[FloatArray, FloatArray] | None:
    """Return the points and clearances of a fit result to draw (``None`` without one)."""
    if fit is None:
        return None
    c = np.asarray(getattr(fit, "clearance_mm", []), dtype=np.float64)
    # clearance is per foot point in input order: draw it on the foot as measured,
    # so tapes and landmarks sit where they belong; the placed foot otherwise
    placed = getattr(fit, "points_placed", None)
    if len(c) == len(p) or placed is None:
        placed = p
    else:
        placed = np.asarray(placed, dtype=np.float64)
    if c.ndim == 1 and len(c) == len(placed) and len(c):
        # points above the shoe's opening have a distance but no clearance
        zone = getattr(fit, "zone", None)
        open_ = _open_zone_index()
        if zone is not None and open_ is not None and len(zone) == len(c):
            c = np.where(np.asarray(zone) == open_, np.nan, c)
        return placed, c
    return None


# ====================================================================== fit result
@dataclass(frozen=True)
class FitSummary:
    """What the pictures say about a fit simulation, without its per-point arrays."""

    last_label: str
    score: float | None
    summary: tuple[str, ...]
    zones: tuple[Any, ...]

    @classmethod
    def from_result(cls, fit: FitResult) -> FitSummary:
        """Keep the label, score, words and zones of a ``FitResult``."""
        score = getattr(fit, "score", None)
        return cls(last_label=str(getattr(fit, "last_label", "the last")),
                   score=None if score is None else float(score),
                   summary=tuple(getattr(fit, "summary", ()) or ()),
                   zones=tuple(getattr(fit, "zones", ()) or ()))


def find_fit_result(fit: Any) -> Any:
    """Return the object with per-point ``clearance_mm`` inside a report's ``fit`` section.

    The fit section may be a ``FitResult`` itself or hold one (the custom last's, or the best
    stock size's) under a common attribute name; ``None`` when there is nothing to draw.
    """
    if fit is None:
        return None
    if getattr(fit, "clearance_mm", None) is not None:
        return fit
    for name in ("custom", "custom_fit", "result", "best", "best_fit", "own_last", "fit"):
        inner = getattr(fit, name, None)
        if inner is not None and getattr(inner, "clearance_mm", None) is not None:
            return inner
    return None


def _open_zone_index() -> int | None:
    try:
        from footfit.fit import ZONE_NAMES
    except ImportError:  # pragma: no cover - fit needs open3d/trimesh, both core deps
        return None
    return ZONE_NAMES.index("open") if "open" in ZONE_NAMES else None


def latin_cn(text: Any) -> str:
    """Spell Chinese width types in digits: ``"custom 255(四)"`` -> ``"custom 255 type 4"``.

    Figures must read on machines without CJK fonts (matplotlib bundles none).
    """
    out = "" if text is None else str(text)
    for c, d in zip("一二三四五", "12345", strict=True):
        out = out.replace(f"({c})", f" type {d}")
    return out
