"""Reference measurements on an exact clean mesh: the ground truth of synthetic scans.

Implements docs/measurement_conventions.md directly on the triangles, independently of the
fast measurement core (``footfit.measure``; no code is shared): extremes within a window are
taken over the mesh vertices inside it plus the points where mesh edges cross the window's
faces (exact for a polyhedral surface); girths are convex-hull perimeters of the exact
plane-triangle intersection segments below the leg cut; footprint areas come from the
down-facing triangles clipped at z <= 3 mm; the volume is the flux of ``(x, 0, 0)`` through
the triangles clipped at the leg cut (the flat cap adds nothing). Slow but exact.

References
----------
.. [1] DOMAIN.md section 3 (AIST; GB/T 3293.1; US 9,038,482; Jurca 2019).
.. [2] Cavanagh PR, Rodgers MM (1987). The arch index: a useful measure from footprints.
   J Biomech 20(5):547-551.
.. [3] Chippaux-Smirak and Staheli indices as reviewed by Sakalauskaite 2018 (DOMAIN.md).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from footfit._core.validation import check_choice
from footfit.conventions import CONVENTIONS

__all__ = ["LEG_CUT_MM", "clip_triangles", "convex_perimeter", "plane_section",
           "reference_measurements", "section_segments"]

#: Everything above this height is ignored (docs/measurement_conventions.md, "Leg cut").
LEG_CUT_MM = CONVENTIONS.leg_cut_mm
_CONTACT_MM = CONVENTIONS.contact_height_mm
_TOE_CUT = CONVENTIONS.toe_cut_fraction
_TOL = CONVENTIONS.tol


def clip_triangles(tris: np.ndarray, normal, offset: float) -> np.ndarray:
    """Keep the part of each triangle with ``normal . p <= offset``.

    Parameters
    ----------
    tris : (n, 3, 3) float
    normal : (3,) float
    offset : float

    Returns
    -------
    (m, 3, 3) float
        Whole triangles inside, and the clipped pieces (one or two triangles each) of those
        that cross the plane, with the original winding.
    """
    tris = np.asarray(tris, float).reshape(-1, 3, 3)
    d = tris @ np.asarray(normal, float) - offset  # (n, 3)
    inside = d <= 0
    cnt = inside.sum(axis=1)
    out = [tris[cnt == 3]]
    for k in (1, 2):
        sel = cnt == k
        if not sel.any():
            continue
        t, dd, ins = tris[sel], d[sel], inside[sel]
        # rotate each triangle so that its lone vertex (inside for k=1, outside for k=2)
        # comes first; winding is preserved by a cyclic roll
        lone = np.argmax(ins if k == 1 else ~ins, axis=1)
        idx = (lone[:, None] + np.arange(3)) % 3
        t = np.take_along_axis(t, idx[:, :, None], axis=1)
        dd = np.take_along_axis(dd, idx, axis=1)
        a, b, c = t[:, 0], t[:, 1], t[:, 2]
        pab = a + (dd[:, 0] / (dd[:, 0] - dd[:, 1]))[:, None] * (b - a)
        pac = a + (dd[:, 0] / (dd[:, 0] - dd[:, 2]))[:, None] * (c - a)
        if k == 1:
            out.append(np.stack([a, pab, pac], axis=1))
        else:
            out.append(np.stack([pab, b, c], axis=1))
            out.append(np.stack([pab, c, pac], axis=1))
    return np.concatenate(out) if out else np.zeros((0, 3, 3))


def section_segments(tris: np.ndarray, origin, normal) -> np.ndarray:
    """Exact segments where a plane cuts the triangles, shape (m, 2, 3)."""
    origin = np.asarray(origin, float)
    normal = np.asarray(normal, float) / np.linalg.norm(normal)
    d = (tris - origin) @ normal  # (n, 3)
    d = np.where(d == 0.0, _TOL.tiny, d)
    pos = d > 0
    cross = pos.any(axis=1) & ~pos.all(axis=1)
    t, dd = tris[cross], d[cross]
    ends = np.zeros((len(t), 2, 3))
    count = np.zeros(len(t), int)
    for i, j in ((0, 1), (1, 2), (2, 0)):
        s = (dd[:, i] > 0) != (dd[:, j] > 0)
        w = dd[s, i] / (dd[s, i] - dd[s, j])
        p = t[s, i] + w[:, None] * (t[s, j] - t[s, i])
        rows = np.flatnonzero(s)
        ends[rows, count[rows]] = p
        count[rows] += 1
    return ends


def plane_section(tris: np.ndarray, origin, normal) -> np.ndarray:
    """End points of the exact segments where a plane cuts the triangles, shape (m, 3)."""
    return section_segments(tris, origin, normal).reshape(-1, 3)


def convex_perimeter(points_2d: np.ndarray) -> float:
    """Perimeter of the convex hull of 2-D points (a tape around them)."""
    from scipy.spatial import ConvexHull

    pts = np.unique(np.round(np.asarray(points_2d, float), 9), axis=0)
    if len(pts) < 3:
        return float(2.0 * np.ptp(pts, axis=0).max()) if len(pts) else 0.0
    return float(ConvexHull(pts).area)


def _girth(tris: np.ndarray, origin, normal) -> float | None:
    """Convex-hull perimeter of the plane section below the leg cut."""
    below = clip_triangles(tris, [0.0, 0.0, 1.0], LEG_CUT_MM)
    pts = plane_section(below, origin, normal)
    if len(pts) < 3:
        return None
    n = np.asarray(normal, float) / np.linalg.norm(normal)
    u = np.cross(n, [0.0, 0.0, 1.0])
    if np.linalg.norm(u) < _TOL.zero:
        u = np.array([1.0, 0.0, 0.0])
    u /= np.linalg.norm(u)
    v = np.cross(n, u)
    rel = pts - np.asarray(origin, float)
    return convex_perimeter(np.stack([rel @ u, rel @ v], axis=1))


class _Surface:
    """Vertices and edges of a mesh for exact window extremes."""

    def __init__(self, vertices: np.ndarray, faces: np.ndarray):
        self.v = vertices
        e = np.sort(np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]]),
                    axis=1)
        key = np.unique(e[:, 0] * np.int64(len(vertices)) + e[:, 1])
        self.e = np.stack([key // len(vertices), key % len(vertices)], axis=1)
        ends = vertices[self.e]
        self.emin, self.emax = ends.min(axis=1), ends.max(axis=1)

    def window(self, lo, hi) -> np.ndarray:
        """Surface points that can be extreme inside the box ``lo <= p <= hi``."""
        lo = np.asarray(lo, float)
        hi = np.asarray(hi, float)
        tol = _TOL.zero
        inside_v = ((self.v >= lo - tol) & (self.v <= hi + tol)).all(axis=1)
        cand = [self.v[inside_v]]
        # only edges whose bounding box meets the window can cross its faces inside it
        near = ((self.emin <= hi) & (self.emax >= lo)).all(axis=1)
        a, b = self.v[self.e[near, 0]], self.v[self.e[near, 1]]
        for axis in range(3):
            for bound in (lo[axis], hi[axis]):
                if not np.isfinite(bound):
                    continue
                da, db = a[:, axis] - bound, b[:, axis] - bound
                s = (da > 0) != (db > 0)
                w = da[s] / (da[s] - db[s])
                p = a[s] + w[:, None] * (b[s] - a[s])
                p[:, axis] = bound
                cand.append(p)
        pts = np.concatenate(cand)
        keep = ((pts >= lo - tol) & (pts <= hi + tol)).all(axis=1)
        return pts[keep]


def _extreme(surf: _Surface, lo, hi, axis: int, largest: bool) -> np.ndarray | None:
    pts = surf.window(lo, hi)
    if len(pts) == 0:
        return None
    i = np.argmax(pts[:, axis]) if largest else np.argmin(pts[:, axis])
    return pts[i]


def _outline_extreme(surf: _Surface, y_lo: float, y_hi: float, prior: float, zc: float,
                     sign: int) -> np.ndarray | None:
    """Most medial (``sign`` -1) / lateral (+1) point with ``y_lo <= y <= y_hi``.

    docs/measurement_conventions.md: the outline profile (the exact extreme of each 1 mm
    slab, smoothed over 5 slabs); of the slabs within 1 mm of its maximum, the one nearest
    the prior position; the landmark is the exact extreme within 2 mm of that slab's centre.
    """
    inf = np.inf
    n_bins = max(1, int(np.ceil(y_hi - y_lo)))
    prof = np.full(n_bins, np.nan)
    for j in range(n_bins):
        pts = surf.window([-inf, y_lo + j, -inf], [inf, min(y_lo + j + 1.0, y_hi), zc])
        if len(pts):
            prof[j] = (sign * pts[:, 0]).max()
    have = ~np.isnan(prof)
    if not have.any():
        return None
    sm = np.full(n_bins, -inf)
    for j in np.flatnonzero(have):
        nb = prof[max(0, j - 2): j + 3]
        sm[j] = np.nanmean(nb)
    near = np.flatnonzero(sm >= sm.max() - 1.0)
    centres = y_lo + near + 0.5
    yb = float(centres[np.argmin(np.abs(centres - prior))])
    return _extreme(surf, [-inf, max(y_lo, yb - 2.0), -inf], [inf, min(y_hi, yb + 2.0), zc],
                    0, sign > 0)


def _footprint(tris: np.ndarray, L: float) -> dict[str, Any]:
    """Arch, Chippaux-Smirak and Staheli indices from the contact (z <= 3 mm) triangles."""
    t = clip_triangles(tris, [0.0, 0.0, 1.0], _CONTACT_MM)
    t = clip_triangles(t, [0.0, 1.0, 0.0], _TOE_CUT * L)
    nz = np.cross(t[:, 1] - t[:, 0], t[:, 2] - t[:, 0])[:, 2]
    t = t[nz < 0]  # plantar (down-facing): each floor point projected once
    if len(t) == 0:
        return {}
    y0 = float(t[:, :, 1].min())
    edges = np.linspace(y0, _TOE_CUT * L, 4)

    def area(lo: float, hi: float) -> float:
        piece = clip_triangles(t, [0.0, 1.0, 0.0], hi)
        piece = clip_triangles(piece, [0.0, -1.0, 0.0], -lo)
        a = np.cross(piece[:, 1] - piece[:, 0], piece[:, 2] - piece[:, 0])[:, 2]
        return float(-0.5 * a.sum())

    parts = [area(edges[i], edges[i + 1]) for i in range(3)]  # C rear, B mid, A fore
    total = sum(parts)

    def widths(lo: float, hi: float) -> np.ndarray:
        out = []
        ymin, ymax = t[:, :, 1].min(axis=1), t[:, :, 1].max(axis=1)
        for a in np.arange(lo, hi - 1.0 + _TOL.zero, 1.0):
            sel = (ymax >= a) & (ymin <= a + 1.0)
            piece = clip_triangles(t[sel], [0.0, 1.0, 0.0], a + 1.0)
            piece = clip_triangles(piece, [0.0, -1.0, 0.0], -a)
            out.append(float(np.ptp(piece[:, :, 0])) if len(piece) else 0.0)
        return np.asarray(out)

    rear, mid, fore = (widths(edges[i], edges[i + 1]) for i in range(3))
    narrow = float(mid.min()) if mid.size else 0.0
    return {
        "arch_index": parts[1] / total if total > 0 else None,
        "chippaux_smirak_index": 100.0 * narrow / float(fore.max()) if fore.max() > 0 else None,
        "staheli_index": narrow / float(rear.max()) if rear.max() > 0 else None,
        "areas_mm2": {"rear": parts[0], "mid": parts[1], "fore": parts[2]},
        "footprint_start_mm": y0,
    }


def reference_measurements(mesh, *, side: str = "right") -> dict[str, Any]:
    """Measure a clean canonical foot mesh exactly as docs/measurement_conventions.md says.

    Parameters
    ----------
    mesh : trimesh.Trimesh
        Closed mesh in the canonical frame (mm, floor z = 0, pternion at the origin,
        +y toward the 2nd toe); a left foot has its lateral side at -x. Inward winding
        (negative volume) is flipped.
    side : {'right', 'left'}, default='right'
        A left foot is mirrored in x and measured as a right one.

    Returns
    -------
    dict
        ``measurements`` (every ``FootMeasurements`` field, ``None`` when not definable),
        ``missing`` (field -> reason), ``landmarks`` (name -> [x, y, z] in the mesh's own
        canonical frame, i.e. not mirrored), ``footprint`` (areas of the thirds) and
        ``leg_cut_mm``.

    References
    ----------
    .. [1] docs/measurement_conventions.md; DOMAIN.md section 3.
    .. [2] Cavanagh PR, Rodgers MM (1987). J Biomech 20(5):547-551.

    Examples
    --------
    >>> import trimesh
    >>> box = trimesh.creation.box(extents=[100, 250, 120])
    >>> _ = box.apply_translation([0, 125, 60])
    >>> r = reference_measurements(box)
    >>> r["measurements"]["foot_length_mm"], r["measurements"]["heel_width_mm"]
    (250.0, 100.0)
    """
    check_choice(side, ("left", "right"), name="side")
    v = np.asarray(mesh.vertices, float).copy()
    f = np.asarray(mesh.faces, np.int64)
    if side == "left":
        v[:, 0] *= -1.0
        f = f[:, ::-1]
    mirror = np.array([-1.0 if side == "left" else 1.0, 1.0, 1.0])
    tris = v[f]
    cross = np.cross(tris[:, 1] - tris[:, 0], tris[:, 2] - tris[:, 0])
    if (tris[:, :, 0].mean(axis=1) * cross[:, 0]).sum() < 0:  # inward winding: flip
        f = f[:, ::-1]
        tris = v[f]
    surf = _Surface(v, f)
    m: dict[str, Any] = {}
    missing: dict[str, str] = {}
    lm: dict[str, np.ndarray] = {}
    L = _lengths_and_landmarks(surf, v, m, lm)
    _girths(tris, L, lm, m, missing, top=float(v[:, 2].max()))
    fp = _footprint(tris, L)
    for key in ("arch_index", "chippaux_smirak_index", "staheli_index"):
        m[key] = fp.get(key)
        if m[key] is None:
            missing[key] = "no plantar contact (z <= 3 mm) below 80 % of the foot length"
    _hallux_and_toes(surf, L, lm, m, missing)
    below = clip_triangles(tris, [0.0, 0.0, 1.0], LEG_CUT_MM)
    nx = np.cross(below[:, 1] - below[:, 0], below[:, 2] - below[:, 0])[:, 0]
    m["foot_volume_cm3"] = float((below[:, :, 0].mean(axis=1) * nx).sum() / 2.0 / 1000.0)

    from footfit.measure.results import MEASUREMENT_FIELDS

    measurements = {k: (None if m.get(k) is None else
                        (m[k] if isinstance(m[k], str) else round(float(m[k]), 6)))
                    for k in MEASUREMENT_FIELDS}
    return {
        "measurements": measurements,
        "missing": missing,
        "landmarks": {k: [round(float(c), 4) for c in np.asarray(p) * mirror]
                      for k, p in lm.items()},
        "footprint": {k: fp[k] for k in ("areas_mm2", "footprint_start_mm") if k in fp},
        "leg_cut_mm": LEG_CUT_MM,
    }


_INF = np.inf
_W = CONVENTIONS.windows


def _lengths_and_landmarks(surf: _Surface, v: np.ndarray, m: dict, lm: dict) -> float:
    """Fill the landmarks, lengths, widths and heights; return the foot length ``L``.

    Windows: :data:`footfit.conventions.CONVENTIONS` (docs/measurement_conventions.md).
    """
    inf, zc = _INF, LEG_CUT_MM
    y_min, y_max = float(v[:, 1].min()), float(v[:, 1].max())
    L = y_max - y_min
    m["foot_length_mm"] = L
    lm["pternion"] = v[np.argmin(v[:, 1])]
    lm["akropodion"] = v[np.argmax(v[:, 1])]
    w2, wh = _W.second_toe, _W.hallux
    second = _extreme(surf, [w2.x_mm[0], w2.y_fl[0] * L, -inf], [w2.x_mm[1], inf, zc], 1, True)
    hallux = _extreme(surf, [-inf, wh.y_fl[0] * L, -inf], [wh.x_mm[1], inf, zc], 1, True)
    m1, m5 = _W.mth1, _W.mth5
    mth1 = _outline_extreme(surf, m1.y_fl[0] * L, m1.y_fl[1] * L, m1.prior_fl * L, zc, -1)
    mth5 = _outline_extreme(surf, m5.y_fl[0] * L, m5.y_fl[1] * L, m5.prior_fl * L, zc, 1)
    yi, bi = _W.instep.y_fl[0], _W.instep.band_mm
    instep = _extreme(surf, [-inf, yi * L - bi, -inf], [inf, yi * L + bi, zc], 2, True)
    for name, p in (("second_toe_tip", second), ("hallux_tip", hallux), ("mth1", mth1),
                    ("mth5", mth5), ("instep_point", instep)):
        if p is not None:
            lm[name] = p
    m["ball_length_mm"] = float(mth1[1])
    m["ball_width_mm"] = float(np.hypot(*(mth5[:2] - mth1[:2])))
    hw = _W.heel_width
    heel = surf.window([-inf, hw.y_fl[0] * L, -inf], [inf, hw.y_fl[1] * L, hw.z_mm[1]])
    hx0, hx1 = heel[np.argmin(heel[:, 0])], heel[np.argmax(heel[:, 0])]
    m["heel_width_mm"] = float(hx1[0] - hx0[0])
    lm["heel_centre"] = np.array([0.5 * (hx0[0] + hx1[0]), 0.5 * (hx0[1] + hx1[1]), 0.0])
    m["instep_height_mm"] = float(
        _extreme(surf, [-inf, _W.instep_height.y_fl[0] * L, -inf], [inf, inf, zc], 2, True)[2])
    ya, ba = _W.arch_height.y_fl[0], _W.arch_height.band_mm
    m["arch_height_mm"] = float(
        _extreme(surf, [-inf, ya * L - ba, -inf], [inf, ya * L + ba, zc], 2, True)[2])
    wm = _W.malleoli
    if v[:, 2].max() >= wm.needs_top_mm:
        lo, hi = [-inf, wm.y_fl[0] * L, wm.z_mm[0]], [inf, wm.y_fl[1] * L, zc]
        lm["lateral_malleolus"] = _extreme(surf, lo, hi, 0, True)
        lm["medial_malleolus"] = _extreme(surf, lo, hi, 0, False)
    return L


def _girths(tris: np.ndarray, L: float, lm: dict, m: dict, missing: dict, *,
            top: float) -> None:
    """Fill the ball, instep, short and long heel and ankle girths (exact mesh sections)."""
    mth1, mth5, instep = lm["mth1"], lm["mth5"], lm["instep_point"]
    d = mth5[:2] - mth1[:2]
    m["ball_girth_mm"] = _girth(tris, mth1, [-d[1], d[0], 0.0])
    ex = np.array([1.0, 0.0, 0.0])
    p_instep = np.array([0.0, _W.instep.y_fl[0] * L, instep[2]])

    def girth_through(p0, p1):
        n = np.cross(ex, np.asarray(p1) - np.asarray(p0))
        return _girth(tris, p0, n)

    m["instep_girth_mm"] = girth_through(
        np.array([0.0, CONVENTIONS.waist_fraction * L, 0.0]), p_instep)
    m["short_heel_girth_mm"] = girth_through(np.array([0.0, 0.0, 0.0]), p_instep)
    crease_w = _W.long_heel_crease
    if top >= crease_w.needs_top_mm:
        crease = _ankle_crease(tris, crease_w.z_mm[0], crease_w.x_mm[1])
        lm["ankle_crease"] = crease
        m["long_heel_girth_mm"] = girth_through(np.array([0.0, 0.0, 0.0]),
                                                np.array([0.0, crease[1], crease_w.z_mm[0]]))
    else:
        m["long_heel_girth_mm"] = None
        missing["long_heel_girth_mm"] = f"the surface does not reach {crease_w.needs_top_mm:g} mm"
    wa = _W.ankle
    if top >= wa.needs_top_mm:
        z0, z1 = wa.z_mm
        per = []
        band = tris[(tris[:, :, 2].max(axis=1) >= z0) & (tris[:, :, 2].min(axis=1) <= z1)]
        for z in np.arange(z0, z1 + _TOL.zero, 1.0):
            ring = plane_section(band, [0, 0, z], [0, 0, 1.0])
            per.append(convex_perimeter(ring[:, :2]))
        m["ankle_girth_mm"] = float(min(per))
    else:
        m["ankle_girth_mm"] = None
        missing["ankle_girth_mm"] = f"the surface does not reach {wa.needs_top_mm:g} mm"


def _ankle_crease(tris: np.ndarray, z: float, half_strip: float) -> np.ndarray:
    """Return the front ankle crease: the foremost section point at ``z`` near the mid-line."""
    seg = section_segments(tris, [0, 0, z], [0, 0, 1.0])
    mid = 0.5 * (seg[:, :, 0].min() + seg[:, :, 0].max())
    cand = [seg.reshape(-1, 3)]
    a, b = seg[:, 0], seg[:, 1]
    for xb in (mid - half_strip, mid + half_strip):  # where the section crosses the strip
        s = (a[:, 0] - xb) * (b[:, 0] - xb) < 0
        w = (xb - a[s, 0]) / (b[s, 0] - a[s, 0])
        cand.append(a[s] + w[:, None] * (b[s] - a[s]))
    cand = np.concatenate(cand)
    front = cand[np.abs(cand[:, 0] - mid) <= half_strip + _TOL.zero]
    return front[np.argmax(front[:, 1])]


def _hallux_and_toes(surf: _Surface, L: float, lm: dict, m: dict, missing: dict) -> None:
    """Fill the hallux valgus proxy angle and the toe shape."""
    inf, zc = _INF, LEG_CUT_MM
    wh, wt = _W.hallux_valgus_heel, _W.hallux_valgus_toe
    heel_med = _extreme(surf, [-inf, wh.y_fl[0] * L, -inf], [inf, wh.y_fl[1] * L, zc], 0, False)
    hal_med = _extreme(surf, [-inf, wt.y_fl[0] * L, -inf], [inf, wt.y_fl[1] * L, zc], 0, False)
    lm["medial_heel"], lm["hallux_medial"] = heel_med, hal_med
    mth1 = lm["mth1"]
    a1 = np.arctan2(mth1[0] - heel_med[0], mth1[1] - heel_med[1])
    a2 = np.arctan2(hal_med[0] - mth1[0], hal_med[1] - mth1[1])
    m["hallux_valgus_angle_deg"] = float(np.degrees(a2 - a1))
    hallux, second = lm.get("hallux_tip"), lm.get("second_toe_tip")
    if hallux is not None and second is not None:
        dd = float(hallux[1] - second[1])
        tol = CONVENTIONS.toe_shape_tolerance_mm
        m["toe_shape"] = "egyptian" if dd > tol else "greek" if dd < -tol else "roman"
    else:
        m["toe_shape"] = None
        missing["toe_shape"] = "no hallux or 2nd-toe tip found"
