"""Put an isolated foot in footfit's canonical frame and decide whether it is a left or right.

Canonical frame (docs/measurement_conventions.md, DOMAIN.md section 2): millimetres, floor at
z = 0, origin at the pternion (rearmost heel point) projected on the floor, +y along the foot
axis from the pternion to the tip of the 2nd toe, +z up, +x lateral for a right foot. A left
foot is mirrored in x, so every foot is measured as a right one; ``side`` records which it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from footfit._core.geometry import plane_basis as _plane_basis
from footfit._core.geometry import unit as _unit
from footfit._core.raster import footprint_raster
from footfit._core.typing import ArrayLike, FloatArray, IntArray
from footfit._core.validation import as_normals, as_points, check_choice, check_positive
from footfit.clean import FootCloud, estimate_up, fill_holes
from footfit.clean.up import _floor_level
from footfit.conventions import CONVENTIONS
from footfit.exceptions import DegenerateScanError, InvalidParameterError

__all__ = ["AlignedFoot", "align_foot"]

_FOOTPRINT_CELL_MM = 2.0  # raster of the footprint (axis, plantar coverage)
_CONTACT_MM = CONVENTIONS.contact_height_mm  # "near the floor": the footprint height
_PLANTAR_COVERAGE = 0.3  # share of the footprint interior seen at z <= 3 mm -> sole visible
_TOE_LIFT_MM = 2.5  # toe tips are found among points higher than this
_TOE_PROMINENCE_MM = 0.8  # a toe bump stands out of the smoothed front profile by this
_DECISION_POINTS = 40_000  # decisions (axis, heel end, side) on a strided subset this big


@dataclass(frozen=True)
class AlignedFoot:
    """One foot in the canonical frame (right-foot frame, mm), below the leg cut.

    Attributes
    ----------
    points : (n, 3) float, mm
        Canonical coordinates (left feet mirrored in x).
    normals : (n, 3) float or None
        Normals rotated (and mirrored) with the points.
    indices : (n,) int
        Row of each point in the array given to :func:`footfit.clean.isolate_feet` (or to
        :func:`align_foot` when called on a bare array).
    side : {'left', 'right'}
        Decided from the shape unless forced.
    side_confidence : float
        0 (a coin toss) to 1 (every cue agrees strongly).
    transform : (4, 4) float
        Input frame (mm) -> canonical frame; includes the mirror of a left foot (det < 0).
    plantar_visible : bool
        Whether the scan holds the sole (points at z <= 3 mm over the footprint's interior).
    floor_found : bool
        Whether the floor level came from a seen floor plane (else from the lowest points).
    leg_cut_height_mm : float
        Points above this height were removed.
    notes : tuple of str
        How the side, axis and floor were decided.
    """

    points: FloatArray
    normals: FloatArray | None
    indices: IntArray
    side: str
    side_confidence: float
    transform: FloatArray
    plantar_visible: bool
    floor_found: bool
    leg_cut_height_mm: float
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_input_frame(self, canonical_points: ArrayLike) -> FloatArray:
        """Map canonical points (mm) back to the input frame.

        Parameters
        ----------
        canonical_points : (m, 3) array_like of float, mm

        Returns
        -------
        (m, 3) ndarray of float64
        """
        q = as_points(canonical_points, name="canonical_points")
        inv = np.linalg.inv(self.transform)
        return q @ inv[:3, :3].T + inv[:3, 3]


# ======================================================================================


def _refine_floor(pts: FloatArray, upv: FloatArray) -> tuple[FloatArray, float, str]:
    """Floor level along ``upv``; with the sole in the scan, tilt ``upv`` onto the contact sheet.

    Returns ``(up, level, note)``.
    """
    from footfit._core.geometry import fit_plane_ransac

    h0 = pts @ upv
    level, how, sheet = _floor_level(h0)
    if sheet is None or len(sheet) < 50:
        return upv, level, how
    sub = np.take(pts, sheet[:: max(1, len(sheet) // 2000)], axis=0)
    plane, count = fit_plane_ransac(sub, threshold=1.0, n_hypotheses=64, rng=0)
    normal = plane[:3] if plane[:3] @ upv > 0 else -plane[:3]
    if count < 0.5 * len(sub) or normal @ upv < np.cos(np.radians(8.0)):
        return upv, level, how
    h0 = pts @ normal
    level2, how2, _ = _floor_level(h0)
    return normal, level2, how2 + " (up fitted to it)"


def _median_below_zero(h: FloatArray) -> bool:
    """Tell whether ``np.median(h) < 0``, by counting (no sort).

    More than half the values are negative; on an exact tie of an even count, the mean of the
    middle two decides as in the median.
    """
    neg = int(np.count_nonzero(h < 0))
    if 2 * neg != len(h):
        return 2 * neg > len(h)
    return bool(h[h < 0].max() + h[h >= 0].min() < 0)


def _front_profile(x: FloatArray, y: FloatArray, bin_mm: float = 1.0):
    """Foremost y per x bin: (bin centres, profile), empty bins interpolated."""
    b = np.floor((x - x.min()) / bin_mm).astype(np.intp)
    prof = np.full(int(b.max()) + 1, -np.inf)
    np.maximum.at(prof, b, y)
    ok = np.isfinite(prof)
    xs = x.min() + (np.arange(len(prof)) + 0.5) * bin_mm
    prof = np.interp(xs, xs[ok], prof[ok])
    return xs, prof


def _side_votes(x: FloatArray, y: FloatArray, z: FloatArray, length: float):
    """Cues for 'right' (> 0) or 'left' (< 0) in the frame x = y cross up.

    Returns a list of ``(name, vote in [-1, 1], weight)``.
    """
    votes = []
    # 1. toes: the hallux is medial, the lesser toes recede laterally
    fore = y > 0.75 * length
    if fore.sum() > 30:
        xs, prof = _front_profile(np.compress(fore, x), np.compress(fore, y), 2.0)
        if len(xs) >= 5:
            third = (xs.max() - xs.min()) / 3
            med = prof[xs < xs.min() + third].mean()  # '-x' third
            lat = prof[xs > xs.max() - third].mean()
            votes.append(("toe line slopes back laterally", np.clip((med - lat) / 15, -1, 1), 1.0))
    # 2. the ball line is oblique: MTH1 (medial) lies ahead of MTH5 (lateral)
    win = (y > 0.5 * length) & (y < 0.85 * length)
    if win.sum() > 30:
        yw, xw = np.compress(win, y), np.compress(win, x)
        # the 5 most medial and most lateral points (order within each five is irrelevant)
        i_min, i_max = np.argpartition(xw, 4)[:5], np.argpartition(xw, len(xw) - 5)[-5:]
        d = np.median(yw[i_min]) - np.median(yw[i_max])
        votes.append(("ball line oblique (MTH1 ahead of MTH5)", np.clip(d / 15, -1, 1), 0.5))
    # 3. the arch is medial: in the midfoot only the lateral border touches the floor
    mid = (y > 0.3 * length) & (y < 0.6 * length)
    low = mid & (z < 4.0)
    if low.sum() > 20 and mid.sum() > 50:
        p2, p98 = np.percentile(np.compress(mid, x), [2, 98])
        centre = 0.5 * (p2 + p98)
        half = 0.5 * (p98 - p2)
        shift = (np.mean(np.compress(low, x)) - centre) / max(half, 1e-9)
        vote = np.clip(shift / 0.25, -1, 1)
        # with the sole seen, the contact patch itself shows where the arch is; without it
        # only the walls' lower edges do, which cameras may hide: the cue counts less
        interior = low & (np.abs(x - centre) < 0.5 * half)
        weight = 1.5 if interior.sum() > 0.2 * low.sum() else 0.5
        votes.append(("midfoot contact is lateral (medial arch)", vote, weight))
    return votes


def _vertex(xs: FloatArray, prof: FloatArray, k: int, half: float) -> float:
    """Return the x of the top of a bump of ``prof`` at index ``k``.

    The vertex of a parabola fitted within ``half`` mm (sub-bin precision on a profile made of
    sparse surface points).
    """
    win = np.abs(xs - xs[k]) <= half
    if win.sum() < 5:
        return float(xs[k])
    a, b, _ = np.polyfit(xs[win] - xs[k], prof[win], 2)
    if a >= 0:
        return float(xs[k])
    return float(xs[k] + np.clip(-b / (2 * a), -half, half))


def _pternion_xy(x: FloatArray, y: FloatArray) -> tuple[float, float]:
    """Return the pternion in floor coordinates.

    The y of the rearmost point; x at the middle of the heel's chords 4-10 mm ahead of it (the
    single rearmost point wanders sideways on a round heel
    with noise; the chord middle does not).
    """
    y0 = float(y.min())
    band = (y > y0 + 4.0) & (y < y0 + 10.0)
    if band.sum() < 10:
        return float(np.median(x[y < y0 + 2.0])), y0
    xb = np.compress(band, x)
    return 0.5 * float(xb.min() + xb.max()), y0


def _bumps(p: FloatArray, *, prominence: float, distance: int) -> IntArray:
    """Return the indices of the peaks of a short 1-D profile.

    As ``scipy.signal.find_peaks`` with ``prominence`` and ``distance`` gives them (without
    importing scipy.signal, which costs
    a second on first use). Loops over the profile's few bins, never over points.
    """
    inner = np.flatnonzero((p[1:-1] > p[:-2]) & (p[1:-1] >= p[2:])) + 1
    keep = []
    for i in inner:
        left = p[:i][::-1]
        higher = np.flatnonzero(left > p[i])
        lmin = left[: higher[0] if len(higher) else len(left)].min()
        right = p[i + 1 :]
        higher = np.flatnonzero(right > p[i])
        rmin = right[: higher[0] if len(higher) else len(right)].min()
        if p[i] - max(lmin, rmin) >= prominence:
            keep.append(i)
    chosen: list[int] = []
    for i in sorted(keep, key=lambda k: -p[k]):  # tallest first, like find_peaks
        if all(abs(i - j) >= distance for j in chosen):
            chosen.append(i)
    return np.array(sorted(chosen), dtype=np.intp)


def _toe2_tip(x: FloatArray, y: FloatArray, length: float) -> tuple[float, float] | None:
    """Tip of the 2nd toe in a right-foot frame (pternion at the origin), or None.

    The front profile (foremost y per 1 mm of x) shows one bump per toe. The hallux is the
    most medial bump within 15 mm of the foremost point; the 2nd toe is the foremost bump
    lateral of it, 10-32 mm away (tip to tip; the 3rd toe is further). Returns None when
    the toes are not resolved (noisy or smooth scans), and the caller keeps the footprint
    axis.
    """
    from footfit._core.morphology import gaussian_filter1d_nearest, median3_nearest

    fore = y > 0.75 * length
    if fore.sum() < 50:
        return None
    xs, prof = _front_profile(np.compress(fore, x), np.compress(fore, y), 1.0)
    if len(xs) < 30:
        return None
    smooth = gaussian_filter1d_nearest(median3_nearest(prof), 1.5)
    padded = np.r_[smooth[0] - 50.0, smooth, smooth[-1] - 50.0]
    peaks = _bumps(padded, prominence=_TOE_PROMINENCE_MM, distance=8) - 1
    top = smooth.max()
    major = peaks[smooth[peaks] > top - 15.0]
    if len(major) == 0:
        return None
    hallux = major[0]
    lateral = peaks[
        (xs[peaks] >= xs[hallux] + 10.0)
        & (xs[peaks] <= xs[hallux] + 32.0)
        & (smooth[peaks] > smooth[hallux] - 20.0)
    ]
    if len(lateral) == 0:
        return None
    k = lateral[np.argmax(smooth[lateral])]  # the 2nd toe, not a bump left by a hole
    return _vertex(xs, smooth, k, 4.0), float(prof[np.abs(xs - xs[k]) <= 3.0].max())


def align_foot(
    foot: FootCloud | ArrayLike,
    *,
    up: ArrayLike | None = None,
    floor_plane: ArrayLike | None = None,
    normals: ArrayLike | None = None,
    leg_cut_height_mm: float = 100.0,
    side: str | None = None,
) -> AlignedFoot:
    """Put one isolated foot in the canonical frame and decide its side.

    The floor gives z: the floor plane when one was seen; otherwise this foot's own support
    plane (:func:`footfit.clean.estimate_up`, used when within 25 degrees of ``up``, which
    is a hint), tilted onto the plantar contact sheet when the sole is in the scan, with
    the floor at that sheet (or at the lowest points when there is no sole). The foot axis
    starts as the principal axis of the footprint raster, oriented heel -> toes by the
    height (the ankle rises over the heel), and is then turned to pass through the tip of
    the 2nd toe (the first toe bump lateral of the hallux on the front profile, among points
    off the floor), per AIST; when the toes are not resolved the footprint axis stays and a
    note says so. The pternion is the rearmost point, centred on the heel's rear chords.
    The side is voted from cues of the medial side: the toe line recedes laterally from the
    hallux (weight 1), MTH1 lies ahead of MTH5 (0.5), only the lateral border touches the
    floor under the arch (1.5 with the sole seen, 0.5 without); the confidence is the
    weighted mean vote's size and every vote is listed in ``notes``.

    Parameters
    ----------
    foot : FootCloud or (n, 3) array_like of float, mm
        One foot (from :func:`footfit.clean.isolate_feet`, or bare points).
    up : (3,) array_like of float, optional
        Up direction in the input frame (a hint when ``floor_plane`` is None); estimated
        from the shape when omitted.
    floor_plane : (4,) array_like of float, optional
        Floor plane ``a, b, c, d`` with the normal pointing up (takes precedence over ``up``).
    normals : (n, 3) array_like of float, optional
        Normals of bare points (a FootCloud carries its own).
    leg_cut_height_mm : float, default=100.0
        Points higher than this are removed (docs/measurement_conventions.md "Leg cut").
    side : {'left', 'right'}, optional
        Force the side instead of deciding it from the shape.

    Returns
    -------
    AlignedFoot

    Raises
    ------
    DegenerateScanError
        When too few points remain below the leg cut or the footprint is not foot-like.

    References
    ----------
    .. [1] AIST foot axis: pternion to the tip of the 2nd toe (DOMAIN.md section 2).
    .. [2] docs/measurement_conventions.md, "Frame" and "Leg cut".

    """
    pts, nrm, idx = _foot_points(foot, normals)
    cut = check_positive(leg_cut_height_mm, name="leg_cut_height_mm")
    if side is not None:
        check_choice(side, ("left", "right"), name="side")
    notes: list[str] = []
    upv, h, floor_found = _floor_and_up(pts, up, floor_plane, notes)
    pts, h, idx, nrm = _below_cut(pts, h, idx, nrm, cut)
    # Work in floor coordinates uv (e1, e2); decisions on a strided subset, the landmarks
    # that set the frame (heel, 2nd-toe tip) on all the points near them.
    e1, e2 = _plane_basis(upv)
    uv = pts @ np.stack([e1, e2], axis=1)
    step = max(1, len(pts) // _DECISION_POINTS)
    uvs, hs = uv[::step], h[::step]
    a2 = _footprint_axis(uvs, hs, notes)
    side, conf = _decide_side(a2, uvs, hs, side, notes)
    mirror = -1.0 if side == "left" else 1.0
    a_cur, uv_rear = _toe_axis(a2, uv, h, mirror, notes)
    cpts, transform, cnrm = _canonical(pts, uv, h, nrm, upv, (e1, e2), a_cur, mirror,
                                       uv_rear)
    return AlignedFoot(
        points=cpts,
        normals=cnrm,
        indices=idx,
        side=side,
        side_confidence=conf,
        transform=transform,
        plantar_visible=_plantar_visible(cpts[::step]),
        floor_found=floor_found,
        leg_cut_height_mm=cut,
        notes=tuple(notes),
    )


def _foot_points(
    foot: FootCloud | ArrayLike, normals: ArrayLike | None
) -> tuple[FloatArray, FloatArray | None, IntArray]:
    """Validate the foot's points, normals (or ``None``) and input indices."""
    if isinstance(foot, FootCloud):
        pts = as_points(foot.points, name="foot.points", min_points=30)
        nrm = foot.normals
        idx = np.asarray(foot.indices, dtype=np.intp)
    else:
        pts = as_points(foot, name="foot", min_points=30)
        nrm = None
        idx = np.arange(len(pts), dtype=np.intp)
    if normals is not None:
        nrm = normals
    if nrm is not None:
        nrm = as_normals(nrm, pts)
    return pts, nrm, idx


def _given_floor(pts: FloatArray, floor_plane: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Up and heights from a floor plane given by the caller (validated)."""
    plane = np.asarray(floor_plane, dtype=np.float64).reshape(-1)
    if plane.shape != (4,) or not np.isfinite(plane).all():
        raise InvalidParameterError(
            f"`floor_plane` must be 4 finite numbers; got {floor_plane!r}")
    scale = np.linalg.norm(plane[:3])
    if scale == 0:
        raise InvalidParameterError("`floor_plane` has a zero normal")
    plane = plane / scale
    upv = plane[:3]
    h = pts @ upv + plane[3]
    if _median_below_zero(h):
        raise InvalidParameterError("`floor_plane` normal must point up, toward the foot")
    return upv, h


def _floor_and_up(
    pts: FloatArray, up: ArrayLike | None, floor_plane: ArrayLike | None, notes: list[str]
) -> tuple[FloatArray, FloatArray, bool]:
    """Up direction, height of every point above the floor, and whether a floor was seen."""
    if floor_plane is not None:
        upv, h = _given_floor(pts, floor_plane)
        return upv, h, True
    upv = _unit(estimate_up(pts, rng=0))
    if up is not None:
        hint = np.asarray(up, dtype=np.float64).reshape(-1)
        if hint.shape != (3,) or not np.isfinite(hint).all() or not hint.any():
            raise InvalidParameterError(f"`up` must be a finite non-zero 3-vector; got {up!r}")
        hint = _unit(hint)
        if upv @ hint < np.cos(np.radians(25.0)):
            upv = hint
            notes.append("up as given (this foot's support plane disagrees by > 25 deg)")
    upv, level, how = _refine_floor(pts, upv)
    notes.append(how)
    return upv, pts @ upv - level, False


def _below_cut(
    pts: FloatArray, h: FloatArray, idx: IntArray, nrm: FloatArray | None, cut: float
) -> tuple[FloatArray, FloatArray, IntArray, FloatArray | None]:
    """Drop the points above the leg cut (raises when too few remain)."""
    below = h <= cut
    if not below.all():
        kept = np.flatnonzero(below)
        pts, h, idx = np.take(pts, kept, axis=0), h[kept], idx[kept]
        if nrm is not None:
            nrm = np.take(nrm, kept, axis=0)
    if len(pts) < 30:
        raise DegenerateScanError(
            f"only {len(pts)} points below the leg cut at {cut:.0f} mm: no foot to align"
        )
    return pts, h, idx, nrm


def _footprint_axis(uvs: FloatArray, hs: FloatArray, notes: list[str]) -> FloatArray:
    """Principal axis of the footprint raster (density-independent), heel -> toes."""
    # THE footprint raster (footfit._core.raster), on 1-D columns
    r = footprint_raster(np.ascontiguousarray(uvs[:, 0]), np.ascontiguousarray(uvs[:, 1]),
                         cell=_FOOTPRINT_CELL_MM)
    cells = r.cells().astype(np.float64)
    _, _, vt = np.linalg.svd(cells - cells.mean(axis=0), full_matrices=False)
    a2 = vt[0]
    s_ = uvs @ a2
    span = float(np.ptp(s_))
    rear = s_ < s_.min() + 0.3 * span
    front = s_ > s_.max() - 0.3 * span
    if np.percentile(np.compress(rear, hs), 95) < np.percentile(np.compress(front, hs), 95):
        a2 = -a2
        notes.append("heel end: the taller end (ankle over the heel)")
    return a2


def _xy(axis2: FloatArray, q: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Floor coordinates ``q`` in a frame with y along ``axis2`` and x = y cross up."""
    # (a1, -a0) in (e1, e2) since e2 = up cross e1
    return q @ np.array([axis2[1], -axis2[0]]), q @ axis2


def _decide_side(
    a2: FloatArray, uvs: FloatArray, hs: FloatArray, side: str | None, notes: list[str]
) -> tuple[str, float]:
    """Side (given, or voted from the shape's medial cues) and its confidence."""
    x, y = _xy(a2, uvs)
    y0 = float(y.min())
    length = float(y.max() - y0)
    votes = _side_votes(x - np.median(x), y - y0, hs, length)
    if votes:
        total = sum(w * v for _, v, w in votes) / sum(w for _, _, w in votes)
    else:
        total = 0.0
    decided = "right" if total >= 0 else "left"
    detail = ", ".join(f"{n} {v:+.2f}" for n, v, _ in votes)
    if side is None:
        notes.append(f"side {decided} from the shape ({detail})")
        return decided, float(min(1.0, abs(total)))
    notes.append(f"side {side} given by the caller (shape says {decided}: {detail})")
    return side, 1.0


def _front_shell(a2: FloatArray, uv: FloatArray, h: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Points of the heel's rear 45 mm, and of the toes' front shell, in floor coordinates."""
    _, y_all = _xy(a2, uv)
    y_lo, y_hi = float(y_all.min()), float(y_all.max())
    uv_rear = np.compress(y_all < y_lo + 45.0, uv, axis=0)  # 4x faster than uv[mask]
    # toe tips from points off the floor: floor or sole points left between the toes
    # would fill the notches that separate them
    fore = y_all > y_hi - 0.4 * (y_hi - y_lo)
    lifted = fore & (h > _TOE_LIFT_MM)
    uv_fore = np.compress(lifted if lifted.sum() > 0.3 * fore.sum() else fore, uv, axis=0)
    # only the front shell matters for the toe tips: points within 20 mm of the foremost
    # point of their 2 mm strip (the axis turns by a few degrees at most)
    xf0, yf0 = _xy(a2, uv_fore)
    strip = ((xf0 - xf0.min()) * 0.5).astype(np.intp)
    front_y = np.full(int(strip.max()) + 1, -np.inf)
    np.maximum.at(front_y, strip, yf0)
    return uv_rear, np.compress(yf0 > front_y[strip] - 20.0, uv_fore, axis=0)


def _toe_axis(
    a2: FloatArray, uv: FloatArray, h: FloatArray, mirror: float, notes: list[str]
) -> tuple[FloatArray, FloatArray]:
    """AIST axis: the footprint axis turned to pass through the 2nd-toe tip.

    Returns the axis and the heel's points (floor coordinates) the pternion is read on.
    """
    uv_rear, uv_fore = _front_shell(a2, uv, h)
    a_cur = a2.copy()
    found_toe = False
    for _ in range(6):
        xr, yr = _xy(a_cur, uv_rear)
        xf, yf = _xy(a_cur, uv_fore)
        px, py = _pternion_xy(mirror * xr, yr)
        tip = _toe2_tip(mirror * xf - px, yf - py, float(yf.max() - py))
        if tip is None:
            break
        found_toe = True
        turn = np.arctan2(tip[0], tip[1]) * mirror  # from +y toward +x (input handedness)
        c, s = np.cos(turn), np.sin(turn)
        a_cur = _unit(c * a_cur + s * np.array([a_cur[1], -a_cur[0]]))
        if abs(turn) < 2e-4:
            break
    if not found_toe:
        notes.append("2nd-toe tip not resolved: foot axis is the footprint's principal axis")
    else:
        turned = np.degrees(np.arccos(np.clip(a_cur @ a2, -1.0, 1.0)))
        notes.append(
            f"foot axis through the 2nd-toe tip ({turned:.1f} deg from the footprint axis)"
        )
    return a_cur, uv_rear


def _canonical(
    pts: FloatArray, uv: FloatArray, h: FloatArray, nrm: FloatArray | None, upv: FloatArray,
    basis: tuple[FloatArray, FloatArray], a_cur: FloatArray, mirror: float,
    uv_rear: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray | None]:
    """Canonical points, the input -> canonical transform and the canonical normals."""
    e1, e2 = basis
    yv = a_cur[0] * e1 + a_cur[1] * e2
    xv = np.cross(yv, upv)
    xr, yr = _xy(a_cur, uv_rear)
    px, py = _pternion_xy(xr, yr)
    origin = px * xv + py * yv + (pts[0] @ upv - h[0]) * upv  # on the floor
    rot = np.stack([mirror * xv, yv, upv])
    transform = np.eye(4)
    transform[:3, :3] = rot
    transform[:3, 3] = -rot @ origin
    # canonical = in-plane rotation of (uv, h): one small matmul over the points
    xdir = mirror * np.array([a_cur[1], -a_cur[0]])
    cpts = np.zeros_like(pts)
    np.matmul(uv, np.stack([xdir, a_cur], axis=1), out=cpts[:, :2])  # no (n, 2) temporary
    cpts[:, 0] -= mirror * px
    cpts[:, 1] -= py
    cpts[:, 2] = h
    return cpts, transform, None if nrm is None else nrm @ rot.T


def _plantar_visible(cpts: FloatArray) -> bool:
    """Tell whether points at z <= 3 mm cover a good share of the footprint's interior."""
    from footfit._core import morphology as ndimage

    # THE footprint raster (footfit._core.raster): absolute cells, one empty cell around
    r = footprint_raster(np.ascontiguousarray(cpts[:, 0]), np.ascontiguousarray(cpts[:, 1]),
                         cell=_FOOTPRINT_CELL_MM, pad=1, snap=True)
    foot = fill_holes(ndimage.binary_closing(r.mask(), iterations=2))
    interior = ndimage.binary_erosion(foot, iterations=3)
    low = np.zeros(r.shape, dtype=bool)
    low.reshape(-1)[np.compress(cpts[:, 2] <= _CONTACT_MM, r.flat)] = True
    n_int = int(interior.sum())
    return n_int > 0 and (low & interior).sum() / n_int >= _PLANTAR_COVERAGE
