"""Fast signed clearance of points to a lofted last, from its cross-section rings.

Both of footfit's last builders make the surface as a loft of closed rings in planes across
the length (y = const). :func:`ring_table` turns the rings into radius tables about each
ring's centre (``mesh.metadata['last']['rings']``); :func:`ring_clearance` then gives the
signed clearance of many points in a few vectorized passes (interpolating the radius at the
point's station and angle, and correcting for the surface's slope across and along the
section), instead of a closest-point query per point. It is the simulation's working method;
:func:`footfit.fit.signed_clearance` stays the exact reference (a test compares them).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from footfit._core.typing import FloatArray

__all__ = ["ring_clearance", "ring_table"]

#: Angles of the radius table (per ring).
N_ANGLES = 180


def _radii(rings2: FloatArray, centres: FloatArray, angles: FloatArray) -> FloatArray:
    """Radius of each closed polygon (k, m, 2) along each angle from its centre: (k, a).

    A ring seen from its centre (star-shaped, as every footfit last section is) is met by
    each ray on the one edge whose end angles bracket the ray's: that edge is found by a
    sorted search per ring. A ring that is clearly not star-shaped about its centre (its
    angle order far from its own order) falls back to intersecting every ray with every edge.
    """
    k, m, _ = rings2.shape
    a = rings2 - centres[:, None, :]
    th = np.arctan2(a[..., 1], a[..., 0])  # (k, m)
    order = np.argsort(th, axis=1, kind="stable")
    # star-shaped about its centre: the angle order is the ring order (up to points a
    # hundredth of a mm apart at a corner, whose order does not matter)
    steps = np.diff(np.concatenate([order, order[:, :1]], axis=1), axis=1) % m
    star = np.mean((steps == 1) | (steps == m - 1), axis=1) >= 0.9
    rows = np.arange(k)[:, None]
    v = a[rows, order]  # (k, m, 2) in angle order
    t_sorted = th[rows, order]
    # one sorted search for every ring: ring i's angles shifted by 8 pi i stay apart
    shift = 8.0 * np.pi * np.arange(k)[:, None]
    j = np.searchsorted((t_sorted + shift).reshape(-1), (angles[None, :] + shift).reshape(-1),
                        side="right").reshape(k, -1) - rows * m - 1  # -1 wraps to the last
    p0, p1 = v[rows, j % m], v[rows, (j + 1) % m]  # (k, a, 2)
    d = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    e = p1 - p0
    den = d[None, :, 0] * e[..., 1] - d[None, :, 1] * e[..., 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (p0[..., 0] * e[..., 1] - p0[..., 1] * e[..., 0]) / den
    out = np.where(np.isfinite(t) & (t > 0), t, np.hypot(p0[..., 0], p0[..., 1]))
    rest = np.flatnonzero(~star)
    if len(rest):
        out[rest] = _radii_all(rings2[rest], centres[rest], angles)
    return out


def _radii_all(rings2: FloatArray, centres: FloatArray, angles: FloatArray) -> FloatArray:
    """:func:`_radii` by every ray against every edge (any closed ring)."""
    d = np.stack([np.cos(angles), np.sin(angles)], axis=1)  # (a, 2)
    a = rings2 - centres[:, None, :]  # (k, m, 2)
    b = np.roll(a, -1, axis=1)
    e = b - a
    den = d[None, :, None, 0] * e[:, None, :, 1] - d[None, :, None, 1] * e[:, None, :, 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (a[:, None, :, 0] * e[:, None, :, 1] - a[:, None, :, 1] * e[:, None, :, 0]) / den
        u = (a[:, None, :, 0] * d[None, :, None, 1] - a[:, None, :, 1] * d[None, :, None, 0]) / den
    ok = (np.abs(den) > 1e-12) & (u >= -1e-9) & (u <= 1.0 + 1e-9) & (t > 0)
    t = np.where(ok, t, -np.inf)
    r = t.max(axis=2)  # the outermost crossing: the ring's boundary seen from its centre
    return np.where(np.isfinite(r), r, 0.0)


def ring_table(rings: FloatArray, *, back: FloatArray, tip: FloatArray,
               frame: str) -> dict[str, Any]:
    """Return the radius table of a lofted last (for ``metadata['last']['rings']``).

    Parameters
    ----------
    rings : (k, m, 3) ndarray of float, mm
        The closed rings, each in a plane y = const, in loft order.
    back, tip : (3,) array_like of float
        The apexes that close the loft behind the first ring and in front of the last.
    frame : {'final', 'flat'}
        ``'final'``: the rings are the last as it stands; ``'flat'``: the rings are the flat
        last before :func:`footfit.last.bend.bend_points` (clearances are taken on the flat
        foot).

    Returns
    -------
    dict
        ``y`` (k,), ``centre`` (k, 2: x, z), ``radius`` (k, 180), ``back_y``, ``tip_y``,
        ``frame``.
    """
    rings = np.asarray(rings, dtype=np.float64)
    y = rings[:, 0, 1].copy()
    xz = rings[:, :, [0, 2]]
    centres = 0.5 * (xz.min(axis=1) + xz.max(axis=1))
    angles = np.linspace(-np.pi, np.pi, N_ANGLES, endpoint=False)
    radius = _radii(xz, centres, angles)
    return {"y": y, "centre": centres, "radius": radius,
            "back_y": float(np.asarray(back)[1]), "tip_y": float(np.asarray(tip)[1]),
            "frame": frame}


def ring_clearance(table: dict[str, Any], points: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Signed clearance of points to the lofted last of ``table`` (positive inside).

    Parameters
    ----------
    table : dict
        :func:`ring_table` output.
    points : (n, 3) ndarray of float, mm
        In the table's frame.

    Returns
    -------
    clearance : (n,) ndarray of float64, mm
    normal : (n, 3) ndarray of float64
        The last's outward normal where the point is judged.

    Notes
    -----
    At the point's station the radius r(alpha) of the section is interpolated between the
    two rings around it; the clearance is (r - |p - c|) cos(beta) cos(gamma), with beta the
    angle between the radial direction and the section's normal (tan beta = r'/r) and gamma
    the slope of the surface along the length (tan gamma = dr/dy). Behind the first ring and
    in front of the last the loft closes on its apexes: the clearance there is at most the
    distance to the apex along y. Exact on a cylinder; on a custom last, for points within
    5 mm of the surface, the median error is under 0.1 mm and 95 % are within 0.5 mm of the
    exact distance (the sharp feather edge is the worst place; tests/test_custom_last.py).
    """
    y_r = np.asarray(table["y"], dtype=np.float64)
    cen = np.asarray(table["centre"], dtype=np.float64)
    rad = np.asarray(table["radius"], dtype=np.float64)
    k, a = rad.shape
    py = points[:, 1]
    j = np.clip(np.searchsorted(y_r, py) - 1, 0, k - 2)
    dy = np.maximum(y_r[j + 1] - y_r[j], 1e-9)
    t = np.clip((py - y_r[j]) / dy, 0.0, 1.0)
    c_j = cen[j]
    c = c_j + t[:, None] * (cen[j + 1] - c_j)
    rx, rz = points[:, 0] - c[:, 0], points[:, 2] - c[:, 1]
    rp = np.hypot(rx, rz)
    f = (np.arctan2(rz, rx) + np.pi) * (a / (2.0 * np.pi))
    fl = np.floor(f)
    w = f - fl
    i0 = fl.astype(np.intp) % a
    i1 = i0 + 1
    i1[i1 == a] = 0
    # the four table entries around each point, gathered from the flat table
    flat = rad.reshape(-1)
    row0 = j * a
    row1 = row0 + a
    r00, r01 = flat.take(row0 + i0), flat.take(row0 + i1)
    r10, r11 = flat.take(row1 + i0), flat.take(row1 + i1)
    d0, d1 = r01 - r00, r11 - r10
    r0 = r00 + w * d0
    r1 = r10 + w * d1
    r = r0 + t * (r1 - r0)
    # slopes: across the section (d r / d alpha) and along the length (d r / d y); the
    # cosines of beta = atan(r' / r) and gamma = atan(dr / dy) without the trigonometry
    drda = (d0 * (1 - t) + d1 * t) * (a / (2.0 * np.pi))
    drdy = (r1 - r0) / dy
    rr = np.maximum(r, 1e-6)
    inv_b = 1.0 / np.hypot(rr, drda)
    cos_b, sin_b = rr * inv_b, drda * inv_b
    cos_g = 1.0 / np.sqrt(1.0 + drdy * drdy)
    sin_g = drdy * cos_g
    clear = (r - rp) * cos_b * cos_g
    # the normal at angle alpha - beta in the section plane, tilted by gamma along y
    off = rp > 0.0
    safe = np.where(off, rp, 1.0)
    cos_a = np.where(off, rx / safe, 1.0)
    sin_a = np.where(off, rz / safe, 0.0)
    cos_p = cos_a * cos_b + sin_a * sin_b
    sin_p = sin_a * cos_b - cos_a * sin_b
    normal = np.stack([cos_g * cos_p, -sin_g, cos_g * sin_p], axis=1)
    # the apexes close the loft: behind the first ring and in front of the last the section
    # shrinks linearly to the apex (a cone), and no point is further in than the apex
    back_y, tip_y = float(table["back_y"]), float(table["tip_y"])
    behind, ahead = py < y_r[0], py > y_r[-1]
    cap = np.flatnonzero(behind | ahead)  # a few points: computed for them only
    if len(cap):
        y_c, b_c, a_c = py[cap], behind[cap], ahead[cap]
        s_b = np.clip((y_c - back_y) / max(y_r[0] - back_y, 1e-6), 0.0, 1.0)
        s_f = np.clip((tip_y - y_c) / max(tip_y - y_r[-1], 1e-6), 0.0, 1.0)
        scale = np.where(b_c, s_b, np.where(a_c, s_f, 1.0))
        cone = (r[cap] * scale - rp[cap]) * cos_b[cap]
        axial = np.where(b_c, y_c - back_y, np.where(a_c, tip_y - y_c, np.inf))
        clear[cap] = np.minimum(cone, axial)
        by_axis = axial < cone
        normal[cap[by_axis & b_c]] = (0.0, -1.0, 0.0)
        normal[cap[by_axis & a_c]] = (0.0, 1.0, 0.0)
    return clear, normal


def ring_back_wall(table: dict[str, Any], points: FloatArray, *, n_rings: int = 60) -> FloatArray:
    """Return the y of the last's back wall behind each point, along -y (nan if none).

    For each point (x, z), the first station from the back at which (x, z) lies inside the
    section (the back apex's cone, then the rings), interpolated linearly between the two
    stations around the crossing: what a ray cast backwards from inside meets. Heel points
    meet the wall within the first ~10 rings: every point is tried on the first 16, and
    only those inside none of them on all ``n_rings`` (each point's answer depends only on
    the rings up to its crossing, so the result is the same).
    """
    near = min(n_rings, 16)
    out = _back_wall(table, points, near)
    if near < n_rings:
        rest = np.isnan(out)
        if rest.any():
            out[rest] = _back_wall(table, points[rest], n_rings)
    return out


def _back_wall(table: dict[str, Any], points: FloatArray, n_rings: int) -> FloatArray:
    """:func:`ring_back_wall` on the first ``n_rings`` rings."""
    y_r = np.asarray(table["y"], dtype=np.float64)[:n_rings]
    cen = np.asarray(table["centre"], dtype=np.float64)[:n_rings]
    rad = np.asarray(table["radius"], dtype=np.float64)[:n_rings]
    k, a = rad.shape
    rel = points[None, :, [0, 2]] - cen[:, None, :]  # (k, n, 2)
    rp = np.hypot(rel[..., 0], rel[..., 1])
    f = (np.arctan2(rel[..., 1], rel[..., 0]) + np.pi) / (2.0 * np.pi) * a
    i0 = np.floor(f).astype(np.intp) % a
    w = f - np.floor(f)
    rows = np.arange(k)[:, None]
    r = rad[rows, i0] * (1 - w) + rad[rows, (i0 + 1) % a] * w
    margin = r - rp  # > 0 inside the section of ring k
    back_y = float(table["back_y"])
    ys = np.concatenate([[back_y], y_r])
    m = np.concatenate([np.full((1, margin.shape[1]), -1e-6), margin])  # the apex: a point
    inside = m > 0
    first = np.argmax(inside, axis=0)
    found = inside.any(axis=0)
    j = np.maximum(first, 1)
    m0, m1 = m[j - 1, np.arange(m.shape[1])], m[j, np.arange(m.shape[1])]
    t = np.clip(-m0 / np.maximum(m1 - m0, 1e-9), 0.0, 1.0)
    y_wall = ys[j - 1] + t * (ys[j] - ys[j - 1])
    # inside already at the first ring: the wall is on the cone from it to the back apex,
    # whose section there is the first ring scaled by (y - back) / (y_0 - back)
    cone = first == 1
    if cone.any():
        frac = np.clip(rp[0, cone] / np.maximum(r[0, cone], 1e-9), 0.0, 1.0)
        y_wall[cone] = back_y + frac * (y_r[0] - back_y)
    return np.where(found, y_wall, np.nan)
