"""The foot tried in one last: :func:`simulate_fit` and its :class:`FitResult`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from footfit._core.typing import BoolArray, FloatArray, IntArray
from footfit.fit._common import _OPEN, ZONE_NAMES, _config, pinned_config
from footfit.fit.clearance import signed_clearance
from footfit.fit.placement import _place
from footfit.fit.prepare import prepare_foot, prepare_last
from footfit.fit.zones import ZoneFit, _intended_squeeze, _room, _room_penalty, _zone_fit

if TYPE_CHECKING:
    import trimesh

    from footfit._core.typing import ArrayLike
    from footfit.align import AlignedFoot
    from footfit.fit.prepare import PreparedFoot, PreparedLast
    from footfit.last.custom import CustomLast
    from footfit.last.params import LastParameters
    from footfit.last.surface import LastSurface
    from footfit.measure.results import FootMeasurements


@dataclass(frozen=True)
class FitResult:
    """The foot tried in one last.

    Attributes
    ----------
    last_label : str
        Which last (stock id or ``"custom <size>"``).
    score : float
        Fit score 100 exp(-penalty / 100): 100 with no pressure nor slack beyond the limits,
        toward 0 for an unwearable last.
    summary : tuple of str
        Words per zone that is tight or loose (``"toe box 2 mm tight at the hallux"``), or
        ``("fits well: no pressure, no slack",)``.
    zones : tuple of ZoneFit
        In :data:`ZONE_NAMES` order (``open`` excluded).
    clearance_mm : (n,) float
        Signed clearance of every foot point (negative = would press), input order.
    zone : (n,) int
        Zone of every point (index into :data:`ZONE_NAMES`; ``open`` = outside the shoe).
    normals : (n, 3) float
        Outward normal of the last at each point's closest surface point.
    points_placed : (n, 3) float, mm
        The foot as placed in the last (draw it with ``last.mesh``).
    placement : dict
        ``shift_y_mm`` (heel against the back), ``heel_rotation_deg`` (rearfoot rotation
        for heels above 25 mm, else 0), ``cell_mm`` (-1 = the ring method of
        :mod:`footfit.last.rings`, 0 = exact clearance, > 0 = cells).
    room : dict
        ``toe_room_mm`` (the last's toe tip minus the foot's longest toe, along y) beside
        ``toe_room_ideal_mm`` (the last's toe allowance), ``ball_girth_room_mm`` and
        ``instep_girth_room_mm`` (last girth minus the foot's convex-hull girth in the last's
        planes) beside the ``*_ideal_mm`` the style and fit preference want (None when
        unknown).
    sections : tuple of footfit.fit.sections.SectionRow
        The foot-minus-last table by section with its bands (girths, widths, toe room,
        dorsal heights, MTH1 vs the ball line).
    """

    last_label: str
    score: float
    summary: tuple[str, ...]
    zones: tuple[ZoneFit, ...]
    clearance_mm: FloatArray = field(repr=False)
    zone: IntArray = field(repr=False)
    normals: FloatArray = field(repr=False)
    points_placed: FloatArray = field(repr=False)
    placement: Mapping[str, float] = field(default_factory=dict)
    room: Mapping[str, float | None] = field(default_factory=dict)
    sections: tuple[Any, ...] = ()

    def zone_fit(self, name: str) -> ZoneFit:
        """Return the :class:`ZoneFit` of zone ``name``."""
        for z in self.zones:
            if z.zone == name:
                return z
        raise KeyError(f"no zone {name!r}; zones are {[z.zone for z in self.zones]}")

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (the per-point arrays are left out)."""
        return {
            "last": self.last_label,
            "score": round(float(self.score), 1),
            "summary": list(self.summary),
            "zones": [z.to_dict() for z in self.zones],
            "placement": {k: round(float(v), 3) for k, v in self.placement.items()},
            "room": {k: (None if v is None or not np.isfinite(v) else round(float(v), 2))
                     for k, v in self.room.items() if not k.startswith("_")},
            "sections": [r.to_dict() for r in self.sections],
        }


def simulate_fit(foot: AlignedFoot | PreparedFoot | ArrayLike,
                 last: (LastParameters | Mapping[str, Any] | trimesh.Trimesh | LastSurface
                        | CustomLast | PreparedLast),
                 *, fit: str = "standard", cell_mm: float | None = None,
                 point_area_mm2: ArrayLike | None = None,
                 measurements: FootMeasurements | None = None) -> FitResult:
    """Try the foot in a last: signed clearance of every foot point and a per-zone summary.

    Parameters
    ----------
    foot : AlignedFoot, PreparedFoot or (n, 3) array_like of float, mm
        The foot in the canonical frame (:func:`footfit.align.align_foot`; left feet are
        already mirrored into the right-foot frame).
    last : LastParameters, stock row, CustomLast, trimesh.Trimesh, LastSurface or PreparedLast
        The last (built with :func:`footfit.last.build_last_mesh` when not a mesh). Use
        :func:`prepare_last` / :func:`prepare_foot` to try many pairs without rebuilding.
    fit : {'snug', 'standard', 'roomy'}, default='standard'
        The wearer's fit preference: shifts the girth room the style wants.
    cell_mm : float or None, default=None
        Clearance method: ``None`` takes the last's section rings
        (:func:`footfit.last.rings.ring_clearance`, a few vectorized passes) when its mesh
        carries them, else :func:`signed_clearance` exact up to 20k points and 2 mm cells
        above; a number forces :func:`signed_clearance` with that cell size.
    point_area_mm2 : (n,) array_like of float, optional
        Area per point; default from the point density.
    measurements : FootMeasurements, optional
        The foot's measurements, for the widths and MTH1 rows of ``FitResult.sections``.

    Returns
    -------
    FitResult

    Notes
    -----
    Placement: the sole goes on the last bottom and the heel against the heel curve. Up to a
    25 mm heel the foot is laid on the bottom curve: a point at distance y along the floor and
    height z above it goes z straight above the bottom point at arc length y (from the same
    heel reference), so the sole keeps its length over the heel rise and the toe spring and
    the dorsum rides on it without turning. Above 25 mm the rearfoot is instead rotated
    rigidly about the ball line (the MTP joints, at the last's MTH5 station) by the angle that
    sets the heel centre on the seat, blended over 30 mm so the dorsum stays continuous; the
    forefoot is still bent onto the toe spring. Soft tissue, the arch and the toes do not
    deform otherwise. Then the foot slides along y until the back of its heel (3 mm to 15 % of
    the foot length high, within 12 mm of the axis) touches the back of the last (ray
    casting). Above a 25 mm heel the foot is only pushed forward when its heel would go
    through the back, never pulled back: the rotated heel leans forward above the seat and
    the last's heel curve is not pitched to follow it (a simplification; the instep of a
    rotated foot also rises into the last, so instep pressure is overstated above about
    30 mm of heel). Foot points above the top cut, or whose nearest last surface is the top
    cut, are ``open`` (outside the shoe) and left out of the zones, as is the leg above the
    shoe's topline: heel or waist points, and any point behind 41 % of the foot length,
    above the back height of the last over the heel curve (within 15 mm of the axis) or
    above 0.7 of it at the sides, under the malleoli.

    Zones (``footfit/data/fit_zones.json``): toe box from 78 % of the foot length, ball 60-78 %,
    heel below 25 %, and between them the instep (above half the dorsal height) and the
    waist/arch. Per zone: min, area-weighted mean and median clearance, area in contact and
    pressed, the pressure depth over 1 cm^2 and the median slack beyond the zone's limit.
    Room: toe room (the last's toe tip minus the foot's longest toe, along y, after placing)
    against the last's toe allowance, and ball girth room (last girth minus the foot's
    convex-hull girth in the last's own ball plane) against the style's ease plus the fit
    shift. The instep girth room is reported but not scored: the instep plane of a heeled last
    tilts with the bent foot, so the style's ease (set on the standing foot) does not apply.
    Penalty = sum of zone weight x (12 per mm pressed beyond 0.5 mm + 8 per mm of slack)
    - room penalties (8 per mm short / 4 per mm long beyond 2.5 mm; 4 per mm tight / 3 per mm
    loose girth beyond 2 mm): with P that total penalty, score = 100 exp(-P / 100), which
    stays in 0-100 and keeps badly fitting lasts in order (P = 10 scores 90, 50 scores 61,
    200 scores 14).

    References
    ----------
    .. [1] DOMAIN.md sections 3 and 5 (landmark positions, allowances, the last as the inside
       of the shoe).
    """
    with pinned_config():  # fit_zones.json read once for the whole simulation
        return _simulate(foot, last, fit=fit, cell_mm=cell_mm, point_area_mm2=point_area_mm2,
                         measurements=measurements)


def _simulate(foot: AlignedFoot | PreparedFoot | ArrayLike, last: Any, *, fit: str,
              cell_mm: float | None, point_area_mm2: ArrayLike | None,
              measurements: FootMeasurements | None) -> FitResult:
    """Return :func:`simulate_fit` (its steps, with the zone table held)."""
    pf = prepare_foot(foot, point_area_mm2=point_area_mm2)
    pl = prepare_last(last)
    placed, placement = _place(pf, pl)
    flat = placement.pop("_flat")
    rings = pl.meta.get("rings")
    if rings is not None and cell_mm is None:
        from footfit.last.rings import ring_clearance

        clearance, normals = ring_clearance(rings, flat if rings["frame"] == "flat" else placed)
        cell_mm = -1.0  # said in placement: the ring method
    else:
        if cell_mm is None:
            cell_mm = 0.0 if len(placed) <= 20_000 else 2.0
        clearance, normals = signed_clearance(pl, placed, cell_mm=cell_mm)
    meta = pl.meta
    cfg = _config()
    z_cut = float(meta["top_cut_z_mm"])
    margin = float(cfg["tolerances"]["open_margin_mm"])
    # nearest surface is the top cut face, or the point is above it
    on_cut = (normals[:, 2] > 0.98) & (placed[:, 2] + np.abs(clearance) >= z_cut - margin)
    open_: BoolArray = (placed[:, 2] >= z_cut - margin) | on_cut
    if "collar_z_mm" in meta:  # behind the throat the shoe stops at the heel-curve height
        rear = np.isin(pf.zone, [ZONE_NAMES.index("heel"), ZONE_NAMES.index("waist")])
        rear |= pf.points[:, 1] < float(cfg["zones"]["collar_front"]) * pf.length_mm
        # the topline dips below the malleoli at the sides of the heel
        seat = float(meta["heel_seat_z_mm"])
        back = float(meta["collar_z_mm"]) - seat
        side = np.abs(pf.points[:, 0]) > float(cfg["zones"]["collar_back_half_width_mm"])
        top = seat + back * np.where(side, float(cfg["zones"]["collar_side_fraction"]), 1.0)
        open_ |= rear & (placed[:, 2] > top)
    zone = pf.zone.copy()
    zone[open_] = _OPEN
    intent = _intended_squeeze(pl, fit)
    fits = []
    for zi, name in enumerate(ZONE_NAMES[:-1]):
        sel = zone == zi
        fits.append(_zone_fit(name, clearance[sel], pf.area_mm2[sel], normals[sel],
                              intent.get(name, 0.0)))
    sc = cfg["score"]
    tol = float(cfg["tolerances"]["pressed_mm"])
    penalty = sum(
        float(sc["weights"][f.zone]) * (
            float(sc["per_mm_pressed"]) * max(0.0, f.pressure_mm - tol - intent.get(f.zone, 0.0))
            + float(sc["per_mm_loose"]) * f.slack_mm)
        for f in fits if f.n_points
    )
    room = _room(pf, pl, placed, clearance, ~open_, fit)
    room_penalty, room_words = _room_penalty(room)
    score = float(100.0 * np.exp(-(penalty + room_penalty) / 100.0))
    from footfit.fit.sections import section_table

    room["_shift_y_mm"] = float(placement["shift_y_mm"])
    sections = section_table(pf, pl, placed, room, measurements, clearance=clearance,
                             normals=normals, in_shoe=~open_)
    ranked = [(f.pressure_mm if f.verdict == "tight" else f.slack_mm, f.words)
              for f in fits if f.verdict in ("tight", "loose")] + room_words
    ranked.sort(key=lambda t: -t[0])
    summary = tuple(w for _, w in ranked) or ("fits well: no pressure, no slack",)
    placement = dict(placement)
    placement["cell_mm"] = float(cell_mm)  # -1: the ring method, 0: exact, > 0: cells
    return FitResult(
        last_label=pl.label, score=score, summary=summary, zones=tuple(fits),
        clearance_mm=clearance, zone=zone, normals=normals, points_placed=placed,
        placement=placement, room=room, sections=sections,
    )
