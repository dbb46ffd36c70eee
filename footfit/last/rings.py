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
    out = np.zeros((len(rings2), len(angles)))
    rest = []
    for i in range(len(rings2)):
        a = rings2[i] - centres[i]
        th = np.arctan2(a[:, 1], a[:, 0])
        order = np.argsort(th, kind="stable")
        # star-shaped about its centre: the angle order is the ring order (up to points a
        # hundredth of a mm apart at a corner, whose order does not matter)
        steps = np.diff(np.concatenate([order, order[:1]])) % len(order)
        if np.mean((steps == 1) | (steps == len(order) - 1)) < 0.9:
            rest.append(i)
            continue
        v = a[order]
        t_sorted = th[order]
        j = np.searchsorted(t_sorted, angles, side="right") - 1  # -1 wraps to the last
        p0, p1 = v[j % len(v)], v[(j + 1) % len(v)]
        d = np.stack([np.cos(angles), np.sin(angles)], axis=1)
        e = p1 - p0
        den = d[:, 0] * e[:, 1] - d[:, 1] * e[:, 0]
        with np.errstate(divide="ignore", invalid="ignore"):
            t = (p0[:, 0] * e[:, 1] - p0[:, 1] * e[:, 0]) / den
        t = np.where(np.isfinite(t) & (t > 0), t, np.hypot(p0[:, 0], p0[:, 1]))
        out[i] = t
    if rest:
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
    c = cen[j] + t[:, None] * (cen[j + 1] - cen[j])
    rel = points[:, [0, 2]] - c
    rp = np.hypot(rel[:, 0], rel[:, 1])
    alpha = np.arctan2(rel[:, 1], rel[:, 0])
    f = (alpha + np.pi) / (2.0 * np.pi) * a
    i0 = np.floor(f).astype(np.intp) % a
    i1 = (i0 + 1) % a
    w = f - np.floor(f)
    r0 = rad[j, i0] * (1 - w) + rad[j, i1] * w
    r1 = rad[j + 1, i0] * (1 - w) + rad[j + 1, i1] * w
    r = r0 + t * (r1 - r0)
    # slopes: across the section (d r / d alpha) and along the length (d r / d y)
    da = 2.0 * np.pi / a
    drda = ((rad[j, i1] - rad[j, i0]) * (1 - t) + (rad[j + 1, i1] - rad[j + 1, i0]) * t) / da
    drdy = (r1 - r0) / dy
    beta = np.arctan2(drda, np.maximum(r, 1e-6))
    gamma = np.arctan(drdy)
    clear = (r - rp) * np.cos(beta) * np.cos(gamma)
    phi = alpha - beta
    cg = np.cos(gamma)
    normal = np.stack([cg * np.cos(phi), -np.sin(gamma), cg * np.sin(phi)], axis=1)
    # the apexes close the loft: behind the first ring and in front of the last the section
    # shrinks linearly to the apex (a cone), and no point is further in than the apex
    back_y, tip_y = float(table["back_y"]), float(table["tip_y"])
    behind, ahead = py < y_r[0], py > y_r[-1]
    s_b = np.clip((py - back_y) / max(y_r[0] - back_y, 1e-6), 0.0, 1.0)
    s_f = np.clip((tip_y - py) / max(tip_y - y_r[-1], 1e-6), 0.0, 1.0)
    scale = np.where(behind, s_b, np.where(ahead, s_f, 1.0))
    cone = (r * scale - rp) * np.cos(beta)
    axial = np.where(behind, py - back_y, np.where(ahead, tip_y - py, np.inf))
    cap = behind | ahead
    clear = np.where(cap, np.minimum(cone, axial), clear)
    by_axis = cap & (axial < cone)
    normal[by_axis & behind] = (0.0, -1.0, 0.0)
    normal[by_axis & ahead] = (0.0, 1.0, 0.0)
    return clear, normal


def ring_back_wall(table: dict[str, Any], points: FloatArray, *, n_rings: int = 60) -> FloatArray:
    """The y of the last's back wall behind each point, along -y (nan where none is met).

    For each point (x, z), the first station from the back at which (x, z) lies inside the
    section (the back apex's cone, then the rings), interpolated linearly between the two
    stations around the crossing: what a ray cast backwards from inside meets.
    """
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
