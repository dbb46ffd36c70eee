"""measure_foot: landmarks, lengths, widths, girths, footprint indices and volume.

Implements docs/measurement_conventions.md on the points of an aligned foot (canonical
frame: floor z = 0, +y heel -> 2nd toe, +x lateral, left feet mirrored).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from footfit._core.typing import ArrayLike, FloatArray
from footfit._core.validation import as_points, check_choice, check_positive
from footfit.conventions import CONVENTIONS, Window
from footfit.exceptions import DegenerateScanError, InvalidParameterError
from footfit.measure.footprint import FootprintResult, compute_footprint, has_plantar_surface
from footfit.measure.landmarks import Landmarks, _extreme, outline_peak_y
from footfit.measure.results import MEASUREMENT_FIELDS, FootMeasurements
from footfit.measure.sections import _cross3, _section, _sections

if TYPE_CHECKING:
    from footfit.align import AlignedFoot

__all__ = ["MeasuredFoot", "measure_foot"]

_X = np.array([1.0, 0.0, 0.0])
_Y = np.array([0.0, 1.0, 0.0])
_Z = np.array([0.0, 0.0, 1.0])
_W = CONVENTIONS.windows
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
    if not below.all():  # an aligned foot is already cut at the same height: no copy
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


class _Work:
    """What one measurement reads and builds up: the points, their columns, the results.

    Each quantity has its own small step function below (as ``skimage.measure.regionprops``
    gives each property its own); the steps share this state: the canonical-frame columns,
    the cached signed heights of the extremes, and the values, "why missing" reasons and
    section polygons they produce.
    """

    def __init__(self, pts: FloatArray, w: FloatArray | None, plantar: bool) -> None:
        self.pts = pts
        self.w = w
        self.plantar = plantar
        self.x, self.y, self.z = (np.ascontiguousarray(pts[:, k]) for k in range(3))
        self.top = float(self.z.max())
        self.vals: dict[str, object] = {}
        self.missing: dict[str, str] = {}
        self.sections: dict[str, FloatArray] = {}
        self._heights: dict[tuple[int, int], FloatArray] = {}
        self.y0 = 0.0
        self.L = 1.0
        self.f = self.y

    def ext(self, axis: int, sign: int, mask: np.ndarray | None = None,
            **kw: float) -> FloatArray | None:
        """De-noised extreme along ``sign`` times axis ``axis`` within ``mask``."""
        key = (axis, sign)
        if key not in self._heights:
            col = (self.x, self.y, self.z)[axis]
            self._heights[key] = col if sign > 0 else -col
        d = np.zeros(3)
        d[axis] = sign
        return _extreme(self.pts, self._heights[key], d, mask, **kw)

    def set_length(self, y0: float, length: float) -> None:
        """Fix the heel's y and the foot length; ``f`` is then the fraction of it."""
        self.y0, self.L = y0, length
        self.f = (self.y - y0) / length

    def slab_y(self, fraction: float, half_mm: float = 1.0) -> np.ndarray:
        """Points within ``half_mm`` of the plane at ``fraction`` of the foot length."""
        return np.abs(self.y - (self.y0 + fraction * self.L)) <= half_mm

    def mask(self, w: Window) -> np.ndarray:
        """Points in a window of the conventions (:mod:`footfit.conventions`)."""
        m = np.ones(len(self.y), dtype=bool)
        if w.y_fl is not None:
            lo, hi = w.y_fl
            if lo is not None and lo == hi and w.band_mm:
                m &= self.slab_y(lo, w.band_mm)
            else:
                if lo is not None:
                    m &= self.f >= lo
                if hi is not None:
                    m &= self.f <= hi
        for col, span in ((self.z, w.z_mm), (self.x, w.x_mm)):
            if span is not None:
                if span[0] is not None:
                    m &= col >= span[0]
                if span[1] is not None:
                    m &= col <= span[1]
        return m

    def girth(self, name: str, origin: FloatArray, normal: FloatArray,
              contact: bool = False) -> None:
        """Measure the girth ``name`` on the section by a plane, or say why it is missing."""
        s = _section(self.pts, origin, normal,
                     floor_contact_mm=FLOOR_CONTACT_MM if contact and not self.plantar
                     else None, weights=self.w)
        if s is None:
            self.missing[name] = "too few points in the section (hole in the scan)"
            return
        self.vals[name] = s.perimeter_mm
        self.sections[name] = s.polygon

    def miss(self, keys: tuple[str, ...], why: str) -> None:
        """Record the same reason for several missing measures."""
        for k in keys:
            self.missing[k] = why


def _measure(
    pts: FloatArray, side: str, plantar: bool, cut: float, transform: FloatArray,
    w: FloatArray | None = None,
) -> MeasuredFoot:
    """Measure validated canonical-frame points below the leg cut, step by step."""
    m = _Work(pts, w, plantar)
    ptern, akro = _foot_length(m)
    second, hallux = _toe_tips(m)
    mth1, mth5 = _ball_points(m)
    instep = m.ext(2, 1, m.mask(_W.instep))
    heel_c = _heel_width(m)
    lat_mall, med_mall = _malleoli(m)
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
    _ball_length_width(m, mth1, mth5)
    _heights(m)
    _ball_girth(m, mth1, mth5)
    _instep_girths(m, instep)
    _long_heel_girth(m)
    _ankle_girth(m)
    fp = _footprint_indices(m)
    _hallux_angle(m, mth1)
    _toe_shape(m, hallux, second)
    _foot_volume(m)

    vals, missing = m.vals, m.missing
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
        sections=m.sections,
        leg_cut_height_mm=cut,
        plantar_visible=plantar,
    )


def _foot_length(m: _Work) -> tuple[FloatArray, FloatArray]:
    """Pternion and akropodion; sets the foot length (raises when it is not a foot's)."""
    # a 4 mm fit disc for the two ends: the heel and toe caps are tighter than a quadric
    # over 6 mm (a 6 mm disc reads the pternion of the synthetic feet 0.4 mm short)
    ptern = m.ext(1, -1, radius_mm=4.0, depth_mm=3.0)
    akro = m.ext(1, 1, radius_mm=4.0, depth_mm=3.0)
    if ptern is None or akro is None:
        raise DegenerateScanError(
            "no heel or toe surface found: the points are scattered, not a foot's surface"
        )
    y0 = float(ptern[1])
    length = float(akro[1]) - y0
    lo, hi = CONVENTIONS.foot_length_min_mm, CONVENTIONS.foot_length_max_mm
    if not lo <= length <= hi:
        raise DegenerateScanError(
            f"the points are {length:.0f} mm long along the foot axis; a foot is "
            f"{lo:.0f}-{hi:.0f} mm"
        )
    m.vals["foot_length_mm"] = length
    m.set_length(y0, length)
    return ptern, akro


def _toe_tips(m: _Work) -> tuple[FloatArray | None, FloatArray | None]:
    """Foremost points of the 2nd toe (abs(x) <= 5 mm) and the hallux (x <= -10 mm)."""
    return m.ext(1, 1, m.mask(_W.second_toe)), m.ext(1, 1, m.mask(_W.hallux))


def _ball_points(m: _Work) -> tuple[FloatArray | None, FloatArray | None]:
    """MTH1 and MTH5: the most medial / lateral outline points of their windows.

    On a flat outline the one nearest the prior position (72.5 / 63.5 % FL), read within
    2 mm of it.
    """
    found: list[FloatArray | None] = []
    for sign, w in ((-1, _W.mth1), (1, _W.mth5)):
        (lo_f, hi_f), y0, L = w.y_fl, m.y0, m.L
        yb = outline_peak_y(m.y, sign * m.x, y0 + lo_f * L, y0 + hi_f * L,
                            y0 + w.prior_fl * L)
        found.append(None if yb is None
                     else m.ext(0, sign, m.mask(w) & (np.abs(m.y - yb) <= w.band_mm)))
    return found[0], found[1]


def _heel_width(m: _Work) -> FloatArray | None:
    """Heel width over 5-20 % FL below 40 mm; returns the heel centre on the floor."""
    heel_win = m.mask(_W.heel_width)
    med = m.ext(0, -1, heel_win)
    lat = m.ext(0, 1, heel_win)
    if med is None or lat is None:
        m.missing["heel_width_mm"] = _W.heel_width.missing()
        return None
    m.vals["heel_width_mm"] = float(lat[0] - med[0])
    return np.array([(med[0] + lat[0]) / 2, (med[1] + lat[1]) / 2, 0.0])


def _malleoli(m: _Work) -> tuple[FloatArray | None, FloatArray | None]:
    """Most lateral / medial points at 10-35 % FL between 40 and 100 mm (scans >= 60 mm)."""
    if m.top < _W.malleoli.needs_top_mm:
        return None, None
    mwin = m.mask(_W.malleoli)
    return m.ext(0, 1, mwin), m.ext(0, -1, mwin)


def _ball_length_width(m: _Work, mth1: FloatArray | None, mth5: FloatArray | None) -> None:
    """Ball length (heel to MTH1) and ball width (MTH1 to MTH5 in the floor plane)."""
    if mth1 is None or mth5 is None:
        m.miss(("ball_length_mm", "ball_width_mm", "ball_girth_mm"), _W.mth1.missing())
        return
    m.vals["ball_length_mm"] = float(mth1[1] - m.y0)
    m.vals["ball_width_mm"] = float(np.hypot(*(mth5[:2] - mth1[:2])))


def _heights(m: _Work) -> None:
    """Instep height (highest beyond 55 % FL) and arch height (highest at 50 % FL)."""
    ih = m.ext(2, 1, m.mask(_W.instep_height))
    if ih is not None:
        m.vals["instep_height_mm"] = float(ih[2])
    ah = m.ext(2, 1, m.mask(_W.arch_height))
    if ah is not None:
        m.vals["arch_height_mm"] = float(ah[2])
    else:
        m.missing["arch_height_mm"] = _W.arch_height.missing()


def _ball_girth(m: _Work, mth1: FloatArray | None, mth5: FloatArray | None) -> None:
    """Ball girth: the vertical plane through MTH1 and MTH5."""
    if mth1 is not None and mth5 is not None:
        d = mth5[:2] - mth1[:2]
        m.girth("ball_girth_mm", mth1, np.array([-d[1], d[0], 0.0]) / np.hypot(*d))


def _instep_girths(m: _Work, instep: FloatArray | None) -> None:
    """Instep girth (waist at 41 % FL to the instep top) and short heel girth (heel floor)."""
    if instep is None:
        m.miss(("instep_girth_mm", "short_heel_girth_mm"), _W.instep.missing())
        return
    # the plane passes through (y = 0.55 L, z = instep height), not the point's own y
    top55 = np.array([0.0, m.y0 + _W.instep.y_fl[0] * m.L, instep[2]])
    waist = np.array([0.0, m.y0 + CONVENTIONS.waist_fraction * m.L, 0.0])
    m.girth("instep_girth_mm", *_girth_plane_x(waist, top55), True)
    m.girth("short_heel_girth_mm", *_girth_plane_x(np.array([0.0, m.y0, 0.0]), top55))


def _long_heel_girth(m: _Work) -> None:
    """Long heel girth: the heel's floor point to the ankle crease at 80 mm."""
    w = _W.long_heel_crease
    if m.top < w.needs_top_mm:
        m.missing["long_heel_girth_mm"] = w.missing(top=m.top)
        return
    crease = _ankle_crease(m.pts, m.z, m.w)
    if crease is None:
        m.missing["long_heel_girth_mm"] = f"no points at {w.z_mm[0]:g} mm height"
        return
    m.girth("long_heel_girth_mm", *_girth_plane_x(np.array([0.0, m.y0, 0.0]), crease))


def _ankle_girth(m: _Work) -> None:
    """Ankle girth: the smallest horizontal section between 80 and 95 mm."""
    lo, hi = _W.ankle.z_mm
    if m.top < _W.ankle.needs_top_mm:
        m.missing["ankle_girth_mm"] = _W.ankle.missing(top=m.top)
        return
    in_ankle = (m.z >= lo - 1.0) & (m.z <= hi + 1.0)  # the slabs of the end rings
    ankle = m.pts[in_ankle]
    w_ankle = None if m.w is None else m.w[in_ankle]
    per: dict[float, tuple[float, FloatArray]] = {}

    def rings(heights: list[float]) -> None:
        # the rings of one step are fitted together (footfit.measure.sections._sections)
        todo = [h for h in heights if h not in per and lo <= h <= hi]
        found = _sections(ankle, [np.array([0.0, 0.0, h]) for h in todo], _Z, w_ankle)
        for h, s in zip(todo, found, strict=True):
            if s is not None:
                per[h] = (s.perimeter_mm, s.polygon)

    # every 3 mm, then every 1 mm around the smallest (the girth varies slowly)
    rings([float(h) for h in np.arange(lo, hi + 0.5, 3.0)])
    if per:
        h0 = min(per, key=lambda k: per[k][0])
        rings([h0 - 2.0, h0 - 1.0, h0 + 1.0, h0 + 2.0])
    if not per:
        m.missing["ankle_girth_mm"] = f"no sections between {lo:g} and {hi:g} mm"
        return
    best = min(per.values(), key=lambda t: t[0])
    m.vals["ankle_girth_mm"] = best[0]
    m.sections["ankle_girth_mm"] = best[1]


def _footprint_indices(m: _Work) -> FootprintResult | None:
    """Arch, Chippaux-Smirak and Staheli indices from the footprint (needs the sole)."""
    fp = compute_footprint(m.pts, pternion_y=m.y0, foot_length_mm=m.L) if m.plantar else None
    if fp is None:
        why = NO_SOLE if not m.plantar else "too few floor-contact points for a footprint"
        m.miss(("arch_index", "chippaux_smirak_index", "staheli_index"), why)
        return None
    m.vals["arch_index"] = fp.arch_index
    m.vals["chippaux_smirak_index"] = fp.chippaux_smirak_index
    m.vals["staheli_index"] = fp.staheli_index
    return fp


def _hallux_angle(m: _Work, mth1: FloatArray | None) -> None:
    """Hallux valgus angle (surface proxy): medial heel -> MTH1 -> medial hallux."""
    hv_heel = m.ext(0, -1, m.mask(_W.hallux_valgus_heel))
    hv_toe = m.ext(0, -1, m.mask(_W.hallux_valgus_toe))
    if mth1 is None or hv_heel is None or hv_toe is None:
        m.missing["hallux_valgus_angle_deg"] = _W.hallux_valgus_heel.missing()
        return
    a = mth1[:2] - hv_heel[:2]
    b = hv_toe[:2] - mth1[:2]
    ang = np.degrees(np.arctan2(a[0] * b[1] - a[1] * b[0], a @ b))
    m.vals["hallux_valgus_angle_deg"] = float(-ang)


def _toe_shape(m: _Work, hallux: FloatArray | None, second: FloatArray | None) -> None:
    """Egyptian / Greek / Roman from the hallux and 2nd-toe tips (2 mm apart or level)."""
    if hallux is None or second is None:
        m.missing["toe_shape"] = _W.second_toe.missing()
        return
    dd = float(hallux[1] - second[1])
    tol = CONVENTIONS.toe_shape_tolerance_mm
    m.vals["toe_shape"] = "egyptian" if dd > tol else ("greek" if dd < -tol else "roman")


def _foot_volume(m: _Work) -> None:
    """Volume between the top and bottom surfaces, per column."""
    pts = m.pts
    # columns of about the same number of points at any density: at most 60k points (a
    # regular stride) in 1 mm columns, coarser for sparser scans
    # column-major: the volume's passes read x and y as two contiguous columns (on (n, 3)
    # rows an (n, 2) slice made every pass strided: 4x slower)
    sub = np.asfortranarray(pts[:: max(1, len(pts) // 60000)])
    vol = _volume(sub, m.plantar, cell=float(np.clip(np.sqrt(60000.0 / len(sub)), 1.0, 2.0)))
    if vol is not None:
        m.vals["foot_volume_cm3"] = vol
    else:
        m.missing["foot_volume_cm3"] = "too few points to bound the volume"


def _ankle_crease(pts: FloatArray, z: FloatArray,
                  w: FloatArray | None = None) -> FloatArray | None:
    """Foremost point within 10 mm of the mid-line of the section at z = 80 mm.

    Read on the section's fitted outline (:func:`footfit.measure.sections.fit_outline`, as
    the girths are), the way the reference reads it on the exact mesh: the front of the
    curve, where no curve is drawn across a dropout hole, the hull's chord. The raw
    extreme it replaced took the back of the leg for the front when a hole left too few
    points at the crease (long heel girth 177-198 mm short on 1 of 20 synthetic scans).
    """
    w_ = _W.long_heel_crease
    z0, x_half = w_.z_mm[0], w_.x_mm[1]
    near = np.abs(z - z0) <= 8.0
    if np.count_nonzero(np.abs(z - z0) <= 0.75) < 24:
        return None
    sub = pts[near]
    s = _section(sub, np.array([0.0, 0.0, z0]), _Z,
                 weights=None if w is None else w[near])
    if s is None:
        return None
    poly = s.polygon
    closed = np.vstack([poly, poly[:1]])
    # the hull's outline every 0.25 mm, so that a long chord is read along its length
    seg = np.diff(closed, axis=0)
    steps = np.maximum(1, np.ceil(np.linalg.norm(seg[:, :2], axis=1) / 0.25)).astype(np.intp)
    t = np.concatenate([np.arange(k) / k for k in steps])
    start = np.repeat(np.arange(len(poly)), steps)
    dense = closed[start] + t[:, None] * seg[start]
    mid = 0.5 * (float(dense[:, 0].min()) + float(dense[:, 0].max()))
    front = dense[np.abs(dense[:, 0] - mid) <= x_half]
    if len(front) == 0:
        return None
    return front[np.argmax(front[:, 1])]


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
    from footfit._core import morphology
    from footfit._core.raster import fill_holes

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
    inside = fill_holes(morphology.binary_closing(have, iterations=2))
    _, (ii, jj) = morphology.distance_transform_edt_indices(~two)
    top_f = top[ii, jj]
    # the leg cut: inside the ring of wall points just below the cut, the foot fills the
    # column up to the cut (those columns see only the sole: the cap is open)
    z_top = float(z.max())
    ring = z >= z_top - 3.0
    if ring.sum() >= 20:
        # the leg's section just below the cut is about convex: its hull closes the ring
        # even where a dropout hole breaks it
        from footfit._core.hull import hull_2d_or_none

        hull = hull_2d_or_none(pts[ring, :2])
        if hull is not None:
            eq = hull.equations
            gi = lo[0] + (np.arange(shape[0]) + 0.5) * cell
            gj = lo[1] + (np.arange(shape[1]) + 0.5) * cell
            cap = np.zeros(shape, dtype=bool)
            # the edges are tested on the cells of the ring's box (and one cell around):
            # the cells beyond lie outside the hull (the whole grid took 40x longer)
            rx, ry = pts[ring, 0], pts[ring, 1]
            i0, i1 = np.searchsorted(gi, [rx.min() - cell, rx.max() + cell])
            j0, j1 = np.searchsorted(gj, [ry.min() - cell, ry.max() + cell])
            box = np.ones((i1 - i0, j1 - j0), dtype=bool)
            for a_, b_, c_ in eq:  # a few dozen hull edges
                box &= (a_ * gi[i0:i1, None] + b_ * gj[None, j0:j1] + c_) <= 1e-9
            cap[i0:i1, j0:j1] = box
            top_f = np.where(cap, np.maximum(top_f, z_top), top_f)
    bot_f = np.maximum(bot[ii, jj], 0.0) if plantar else np.zeros(shape)
    h = np.clip(top_f - bot_f, 0.0, None)
    return float((h * inside).sum() * cell * cell / 1000.0)
