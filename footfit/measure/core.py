"""measure_foot: landmarks, lengths, widths, girths, footprint indices and volume.

Implements docs/measurement_conventions.md on the points of an aligned foot (canonical
frame: floor z = 0, +y heel -> 2nd toe, +x lateral, left feet mirrored).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from footfit._typing import ArrayLike, FloatArray
from footfit._validation import as_points, check_choice, check_positive
from footfit.exceptions import DegenerateScanError, InvalidParameterError
from footfit.measure.footprint import FootprintResult, compute_footprint, has_plantar_surface
from footfit.measure.landmarks import Landmarks, _extreme, outline_peak_y
from footfit.measure.results import MEASUREMENT_FIELDS, FootMeasurements
from footfit.measure.sections import _cross3, _section

if TYPE_CHECKING:
    from footfit.align import AlignedFoot

__all__ = ["MeasuredFoot", "measure_foot"]

_X = np.array([1.0, 0.0, 0.0])
_Y = np.array([0.0, 1.0, 0.0])
_Z = np.array([0.0, 0.0, 1.0])
#: Fewest points below the leg cut to attempt a measurement.
MIN_POINTS = 500
NO_SOLE = "no plantar surface in the scan"
#: Scans without the sole: outline points of the instep section up to this height are walls
#: running into floor contact (see :func:`footfit.measure.sections._with_floor_contact`).
#: On 40 no-sole synthetic scans the instep girth error was -4.0 mm (bias) with the plain
#: chord; with 7 mm, -0.35 (4 and 10 mm: -3.6 and +0.4). The ball section needs none (its
#: walls reach the floor: bias -0.35 mm with the chord, +1.0 to +3.0 with contact).
FLOOR_CONTACT_MM = 7.0


@dataclass(frozen=True)
class MeasuredFoot:
    """Everything measured on one foot.

    Attributes
    ----------
    measurements : FootMeasurements
    landmarks : Landmarks
        Canonical frame.
    landmarks_input : Landmarks
        The same landmarks in the input frame (through the inverse of the alignment).
    footprint : FootprintResult or None
        ``None`` without a plantar surface.
    sections : dict of str to (m, 3) float
        Girth name (e.g. ``'ball_girth_mm'``) -> convex-hull polygon in the canonical frame.
    leg_cut_height_mm : float
        Points above this height were ignored.
    plantar_visible : bool
    """

    measurements: FootMeasurements
    landmarks: Landmarks
    landmarks_input: Landmarks
    footprint: FootprintResult | None
    sections: dict[str, FloatArray] = field(default_factory=dict)
    leg_cut_height_mm: float = 100.0
    plantar_visible: bool = True


def _girth_plane_x(p: FloatArray, q: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Plane containing the x direction and the points p, q: (origin, normal)."""
    d = q - p
    n = _cross3(_X, d)
    return p, n / np.linalg.norm(n)


def measure_foot(
    aligned: AlignedFoot | ArrayLike,
    *,
    side: str = "right",
    plantar_visible: bool | None = None,
    leg_cut_height_mm: float = 100.0,
    weights: ArrayLike | None = None,
) -> MeasuredFoot:
    """Measure a foot in the canonical frame (docs/measurement_conventions.md).

    Parameters
    ----------
    aligned : AlignedFoot or (n, 3) array_like of float, mm
        An aligned foot (:func:`footfit.align.align_foot`), or bare canonical-frame points
        of a right foot (or a mirrored left one).
    side : {'right', 'left'}, default='right'
        Side of bare points (an AlignedFoot carries its own).
    plantar_visible : bool, optional
        Whether the sole is in the scan; detected from the points when ``None`` (an
        AlignedFoot's own flag is used when it has one).
    leg_cut_height_mm : float, default=100.0
        Points above this height are ignored.
    weights : (n,) array_like of float, optional
        Input points each point stands for (the counts of a working set,
        :func:`footfit.clean.build_working_set`); the section outline fits use them.

    Returns
    -------
    MeasuredFoot

    Raises
    ------
    DegenerateScanError
        If fewer than 500 points lie below the leg cut, or the points are not foot-sized.

    Notes
    -----
    Extremes (landmarks, widths, heights) are read on a local quadric fit of the surface
    (:func:`footfit.measure.landmarks.surface_extreme`), girths on de-noised sections
    (:func:`footfit.measure.sections.plane_section`): the raw extremes of a scan with
    0.5 mm noise overstate lengths and widths by 1-2 mm. Without the plantar surface the
    footprint indices are ``None`` ("no plantar surface in the scan"); girths are still
    measured, the hull closing the open bottom of a section with a straight chord, as a
    tape does on a flat floor. What the scan does not reach (ankle girth below 95 mm, long
    heel girth below 85 mm, malleoli below 60 mm) is ``None`` with the reason.

    References
    ----------
    .. [1] AIST foot measurement definitions and GB/T 3293.1 (foot length, ball girth,
       ball width), via DOMAIN.md section 3.
    .. [2] Jurca A et al. (2019). Analysis of 1.2 million foot scans from North America,
       Europe and Asia. Sci Rep 9:19155 (instep height beyond 55 % FL).
    .. [3] US 9,038,482 (heel width over 5-20 % FL).
    .. [4] Cavanagh PR, Rodgers MM (1987). J Biomech 20(5):547-551 (arch index).
    """
    from footfit.align import AlignedFoot  # noqa: F811 (runtime import; align imports scipy)

    cut = check_positive(leg_cut_height_mm, name="leg_cut_height_mm")
    if isinstance(aligned, AlignedFoot):
        pts = aligned.points
        side = aligned.side
        transform = np.asarray(aligned.transform, dtype=np.float64)
        if plantar_visible is None:
            plantar_visible = bool(aligned.plantar_visible)
        cut = min(cut, float(aligned.leg_cut_height_mm))
    else:
        pts = as_points(aligned, name="aligned", min_points=MIN_POINTS)
        check_choice(side, ("right", "left"), name="side")
        transform = np.eye(4)
    w = None
    if weights is not None:
        w = np.asarray(weights, dtype=np.float64).reshape(-1)
        if w.shape != (len(pts),) or not np.all(np.isfinite(w)) or np.any(w <= 0):
            raise InvalidParameterError(f"`weights` must be {len(pts)} positive finite values; "
                             f"got shape {w.shape}")
    below = pts[:, 2] <= cut
    pts = pts[below]
    if w is not None:
        w = w[below]
    if len(pts) < MIN_POINTS:
        raise DegenerateScanError(
            f"only {len(pts)} points below the {cut:g} mm leg cut; at least {MIN_POINTS} "
            "are needed to measure a foot"
        )
    if plantar_visible is None:
        plantar_visible = has_plantar_surface(pts)
    return _measure(pts, side, bool(plantar_visible), cut, transform, w)


def _measure(
    pts: FloatArray, side: str, plantar: bool, cut: float, transform: FloatArray,
    w: FloatArray | None = None,
) -> MeasuredFoot:
    x, y, z = (np.ascontiguousarray(pts[:, k]) for k in range(3))
    heights: dict[tuple[int, int], FloatArray] = {}

    def ext(axis: int, sign: int, mask=None, **kw) -> FloatArray | None:
        key = (axis, sign)
        if key not in heights:
            col = (x, y, z)[axis]
            heights[key] = col if sign > 0 else -col
        d = np.zeros(3)
        d[axis] = sign
        return _extreme(pts, heights[key], d, mask, **kw)

    vals: dict[str, object] = {}
    missing: dict[str, str] = {}
    sections: dict[str, FloatArray] = {}
    top = float(z.max())

    # a 4 mm fit disc for the two ends: the heel and toe caps are tighter than a quadric
    # over 6 mm (a 6 mm disc reads the pternion of the synthetic feet 0.4 mm short)
    ptern = ext(1, -1, radius_mm=4.0, depth_mm=3.0)
    akro = ext(1, 1, radius_mm=4.0, depth_mm=3.0)
    if ptern is None or akro is None:
        raise DegenerateScanError(
            "no heel or toe surface found: the points are scattered, not a foot's surface"
        )
    y0 = float(ptern[1])
    L = float(akro[1]) - y0
    if not 80.0 <= L <= 400.0:
        raise DegenerateScanError(
            f"the points are {L:.0f} mm long along the foot axis; a foot is 80-400 mm"
        )
    vals["foot_length_mm"] = L
    f = (y - y0) / L  # fraction of foot length

    def win(lo: float, hi: float) -> np.ndarray:
        return (f >= lo) & (f <= hi)

    toe = f >= 0.8
    second = ext(1, 1, toe & (np.abs(x) <= 5.0))
    hallux = ext(1, 1, toe & (x <= -10.0))
    # the most medial / lateral outline points; on a flat outline the one nearest the
    # prior position (72.5 / 63.5 % FL), read within 2 mm of it
    mth1 = mth5 = None
    for sign, lo_f, hi_f, prior_f in ((-1, 0.60, 0.80, 0.725), (1, 0.55, 0.75, 0.635)):
        yb = outline_peak_y(y, sign * x, y0 + lo_f * L, y0 + hi_f * L, y0 + prior_f * L)
        if yb is not None:
            p_ = ext(0, sign, win(lo_f, hi_f) & (np.abs(y - yb) <= 2.0))
            if sign < 0:
                mth1 = p_
            else:
                mth5 = p_
    slab55 = np.abs(y - (y0 + 0.55 * L)) <= 1.0
    instep = ext(2, 1, slab55)
    heel_win = win(0.05, 0.20) & (z <= 40.0)
    heel_med = ext(0, -1, heel_win)
    heel_lat = ext(0, 1, heel_win)
    heel_c = None
    if heel_med is not None and heel_lat is not None:
        heel_c = np.array([(heel_med[0] + heel_lat[0]) / 2, (heel_med[1] + heel_lat[1]) / 2, 0.0])
        vals["heel_width_mm"] = float(heel_lat[0] - heel_med[0])
    else:
        missing["heel_width_mm"] = "no points at 5-20 % of the foot length below 40 mm"
    lat_mall = med_mall = None
    if top >= 60.0:
        mwin = win(0.10, 0.35) & (z >= 40.0) & (z <= 100.0)
        lat_mall = ext(0, 1, mwin)
        med_mall = ext(0, -1, mwin)

    lm = Landmarks(
        pternion=ptern,
        akropodion=akro,
        hallux_tip=hallux,
        second_toe_tip=second,
        mth1=mth1,
        mth5=mth5,
        instep_point=instep,
        heel_centre=heel_c,
        lateral_malleolus=lat_mall,
        medial_malleolus=med_mall,
    )

    # lengths, widths, heights
    if mth1 is not None and mth5 is not None:
        vals["ball_length_mm"] = float(mth1[1] - y0)
        vals["ball_width_mm"] = float(np.hypot(*(mth5[:2] - mth1[:2])))
    else:
        for k in ("ball_length_mm", "ball_width_mm", "ball_girth_mm"):
            missing[k] = "MTH1 or MTH5 not found (no points in the 55-80 % FL window)"
    ih = ext(2, 1, f >= 0.55)
    if ih is not None:
        vals["instep_height_mm"] = float(ih[2])
    ah = ext(2, 1, np.abs(y - (y0 + 0.50 * L)) <= 1.0)
    if ah is not None:
        vals["arch_height_mm"] = float(ah[2])
    else:
        missing["arch_height_mm"] = "no points at 50 % of the foot length"

    # girths
    def girth(name: str, origin: FloatArray, normal: FloatArray, contact: bool = False) -> None:
        s = _section(pts, origin, normal,
                     floor_contact_mm=FLOOR_CONTACT_MM if contact and not plantar else None,
                     weights=w)
        if s is None:
            missing[name] = "too few points in the section (hole in the scan)"
            return
        vals[name] = s.perimeter_mm
        sections[name] = s.polygon

    if mth1 is not None and mth5 is not None:
        d = mth5[:2] - mth1[:2]
        girth("ball_girth_mm", mth1, np.array([-d[1], d[0], 0.0]) / np.hypot(*d))
    floor0 = np.array([0.0, y0, 0.0])
    if instep is not None:
        # the plane passes through (y = 0.55 L, z = instep height), not the point's own y
        top55 = np.array([0.0, y0 + 0.55 * L, instep[2]])
        waist = np.array([0.0, y0 + 0.41 * L, 0.0])
        girth("instep_girth_mm", *_girth_plane_x(waist, top55), True)
        girth("short_heel_girth_mm", *_girth_plane_x(floor0, top55))
    else:
        for k in ("instep_girth_mm", "short_heel_girth_mm"):
            missing[k] = "no instep point (no points at 55 % of the foot length)"
    if top >= 85.0:
        crease = _ankle_crease(pts, z)
        if crease is None:
            missing["long_heel_girth_mm"] = "no points at 80 mm height"
        else:
            girth("long_heel_girth_mm", *_girth_plane_x(floor0, crease))
    else:
        missing["long_heel_girth_mm"] = f"the scan stops at {top:.0f} mm, below 85 mm"
    if top >= 95.0:
        in_ankle = (z >= 79.0) & (z <= 96.0)
        ankle = pts[in_ankle]
        w_ankle = None if w is None else w[in_ankle]
        per: dict[float, tuple[float, FloatArray]] = {}

        def ring(h: float) -> None:
            if h not in per and 80.0 <= h <= 95.0:
                s = _section(ankle, np.array([0.0, 0.0, h]), _Z, weights=w_ankle)
                if s is not None:
                    per[h] = (s.perimeter_mm, s.polygon)

        # every 3 mm, then every 1 mm around the smallest (the girth varies slowly)
        for h in np.arange(80.0, 95.5, 3.0):
            ring(float(h))
        if per:
            h0 = min(per, key=lambda k: per[k][0])
            for h in (h0 - 2.0, h0 - 1.0, h0 + 1.0, h0 + 2.0):
                ring(h)
        if per:
            best = min(per.values(), key=lambda t: t[0])
            vals["ankle_girth_mm"] = best[0]
            sections["ankle_girth_mm"] = best[1]
        else:
            missing["ankle_girth_mm"] = "no sections between 80 and 95 mm"
    else:
        missing["ankle_girth_mm"] = f"the scan stops at {top:.0f} mm, below 95 mm"

    # footprint
    fp: FootprintResult | None = None
    if plantar:
        fp = compute_footprint(pts, pternion_y=y0, foot_length_mm=L)
    if fp is None:
        why = NO_SOLE if not plantar else "too few floor-contact points for a footprint"
        for k in ("arch_index", "chippaux_smirak_index", "staheli_index"):
            missing[k] = why
    else:
        vals["arch_index"] = fp.arch_index
        vals["chippaux_smirak_index"] = fp.chippaux_smirak_index
        vals["staheli_index"] = fp.staheli_index

    # hallux angle (surface proxy) and toe shape
    hv_heel = ext(0, -1, win(0.05, 0.25))
    hv_toe = ext(0, -1, win(0.85, 0.97))
    if mth1 is not None and hv_heel is not None and hv_toe is not None:
        a = mth1[:2] - hv_heel[:2]
        b = hv_toe[:2] - mth1[:2]
        ang = np.degrees(np.arctan2(a[0] * b[1] - a[1] * b[0], a @ b))
        vals["hallux_valgus_angle_deg"] = float(-ang)
    else:
        missing["hallux_valgus_angle_deg"] = "medial heel, MTH1 or hallux point not found"
    if hallux is not None and second is not None:
        dd = float(hallux[1] - second[1])
        vals["toe_shape"] = "egyptian" if dd > 2.0 else ("greek" if dd < -2.0 else "roman")
    else:
        missing["toe_shape"] = "hallux or 2nd-toe tip not found"

    # columns of about the same number of points at any density: at most 60k points (a
    # regular stride) in 1 mm columns, coarser for sparser scans
    sub = pts[:: max(1, len(pts) // 60000)]
    vol = _volume(sub, plantar, cell=float(np.clip(np.sqrt(60000.0 / len(sub)), 1.0, 2.0)))
    if vol is not None:
        vals["foot_volume_cm3"] = vol
    else:
        missing["foot_volume_cm3"] = "too few points to bound the volume"

    for k in MEASUREMENT_FIELDS:
        if vals.get(k) is None:
            vals.pop(k, None)
            missing.setdefault(k, "not measurable on this scan")
    meas = FootMeasurements(side=side, missing=missing, **vals)  # type: ignore[arg-type]
    return MeasuredFoot(
        measurements=meas,
        landmarks=lm,
        landmarks_input=lm.transformed(np.linalg.inv(transform)),
        footprint=fp,
        sections=sections,
        leg_cut_height_mm=cut,
        plantar_visible=plantar,
    )


def _ankle_crease(pts: FloatArray, z: FloatArray) -> FloatArray | None:
    """Foremost point within 10 mm of the mid-line of the section at z = 80 mm."""
    band = np.abs(z - 80.0) <= 0.75
    if band.sum() < 24:
        return None
    xb = pts[band, 0]
    lo, hi = np.percentile(xb, [1, 99])
    mid = 0.5 * (lo + hi)
    near = np.abs(z - 80.0) <= 8.0
    sub = pts[near]
    mask = (np.abs(sub[:, 2] - 80.0) <= 0.75) & (np.abs(sub[:, 0] - mid) <= 10.0)
    if not mask.any():
        return None
    # the front of the leg at 80 mm: the extreme along +y in the band, de-noised. The fit
    # disc holds about 30 points at any density: on a sparse scan (20k points) a 5 mm disc
    # held fewer than the 12 the extreme needs, the front was taken for strays and the
    # back of the leg came out as the "front" (long heel girth 160 mm short)
    from footfit.measure.sections import hull_perimeter

    per = hull_perimeter(pts[band, :2])
    density = len(sub) / max(16.0 * per, 1.0)  # points per mm^2 of the 16 mm band
    radius = float(np.clip(np.sqrt(30.0 / (np.pi * max(density, 1e-9))), 5.0, 15.0))
    return _extreme(sub, np.ascontiguousarray(sub[:, 1]), _Y, mask, radius, 0.6 * radius)


def _column_extreme(flat: np.ndarray, z: FloatArray, size: int, top: bool) -> FloatArray:
    out = np.full(size, -np.inf if top else np.inf)
    (np.maximum if top else np.minimum).at(out, flat, z)
    return out


def _volume(pts: FloatArray, plantar: bool, cell: float = 2.0) -> float | None:
    """Volume (cm^3) between the top and bottom surfaces, per 2 mm column.

    A column whose points span 5 mm or more holds both surfaces (its highest and lowest
    points bound the foot); the others (one surface seen, e.g. the sole under the open leg
    cut, or a sparse column) take the top and bottom of their nearest two-surface column.
    Without a sole the bottom is the floor (z = 0).
    """
    from scipy import ndimage

    lo = pts[:, :2].min(axis=0) - 2 * cell
    ij = np.floor((pts[:, :2] - lo) / cell).astype(np.intp)
    shape = (int(ij[:, 0].max()) + 3, int(ij[:, 1].max()) + 3)
    size = shape[0] * shape[1]
    flat = ij[:, 0] * shape[1] + ij[:, 1]
    z = pts[:, 2]
    top = _column_extreme(flat, z, size, True).reshape(shape)
    bot = _column_extreme(flat, z, size, False).reshape(shape)
    have = np.isfinite(top)
    if have.sum() < 20:
        return None
    two = have & (np.where(have, top, 0.0) - np.where(have, bot, 0.0) >= 5.0)
    if not two.any():
        return None
    inside = ndimage.binary_fill_holes(ndimage.binary_closing(have, iterations=2))
    _, (ii, jj) = ndimage.distance_transform_edt(~two, return_indices=True)
    top_f = top[ii, jj]
    # the leg cut: inside the ring of wall points just below the cut, the foot fills the
    # column up to the cut (those columns see only the sole: the cap is open)
    z_top = float(z.max())
    ring = z >= z_top - 3.0
    if ring.sum() >= 20:
        # the leg's section just below the cut is about convex: its hull closes the ring
        # even where a dropout hole breaks it
        from scipy.spatial import ConvexHull, QhullError

        try:
            eq = ConvexHull(pts[ring, :2]).equations
        except QhullError:
            eq = None
        if eq is not None:
            gi = lo[0] + (np.arange(shape[0]) + 0.5) * cell
            gj = lo[1] + (np.arange(shape[1]) + 0.5) * cell
            cap = np.ones(shape, dtype=bool)
            for a_, b_, c_ in eq:  # a few dozen hull edges
                cap &= (a_ * gi[:, None] + b_ * gj[None, :] + c_) <= 1e-9
            top_f = np.where(cap, np.maximum(top_f, z_top), top_f)
    bot_f = np.maximum(bot[ii, jj], 0.0) if plantar else np.zeros(shape)
    h = np.clip(top_f - bot_f, 0.0, None)
    return float((h * inside).sum() * cell * cell / 1000.0)
