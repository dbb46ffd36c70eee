"""The bend that stands a flat foot (or a last built on it) at a heel height and toe spring.

One mapping serves both: :func:`footfit.fit.simulate_fit` re-poses the scanned foot with it
before comparing it with a last, and :func:`footfit.last.build_custom_last` builds the custom
last on the flat foot and bends it with the same mapping, so the foot it was made from stays
inside it at any heel height.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from footfit._core.typing import FloatArray
from footfit._data import load_table

__all__ = ["bend_points", "bottom_curve"]


def bottom_curve(meta: Mapping[str, Any], s: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Return the point (y, z) of the last bottom at arc positions ``s``.

    Parameters
    ----------
    meta : mapping
        A last mesh's ``metadata['last']`` (``bottom_s_mm``, ``bottom_y_mm``,
        ``bottom_z_mm``).
    s : (n,) ndarray of float, mm
        Arc length from the back of the bottom; beyond its ends the bottom continues
        straight along its end tangents.

    Returns
    -------
    y, z : (n,) ndarray of float64, mm
    """
    bs = np.asarray(meta["bottom_s_mm"], dtype=np.float64)
    by = np.asarray(meta["bottom_y_mm"], dtype=np.float64)
    bz = np.asarray(meta["bottom_z_mm"], dtype=np.float64)
    y_c, z_c = np.interp(s, bs, by), np.interp(s, bs, bz)
    lo, hi = s < bs[0], s > bs[-1]
    for mask, i, j, s0 in ((lo, 0, 1, bs[0]), (hi, -1, -2, bs[-1])):
        if mask.any():
            t = np.array([by[i] - by[j], bz[i] - bz[j]])
            t /= np.linalg.norm(t)
            t *= np.sign(bs[i] - bs[j])
            y_c[mask] += (s[mask] - s0) * t[0]
            z_c[mask] += (s[mask] - s0) * t[1]
    return y_c, z_c


def bend_points(points: FloatArray, meta: Mapping[str, Any], foot_length_mm: float,
                shift_y: float = 0.0) -> tuple[FloatArray, float]:
    """Stand points of the flat foot frame on the last bottom of ``meta``.

    Parameters
    ----------
    points : (n, 3) ndarray of float, mm
        Canonical flat frame (pternion at y = 0, floor z = 0).
    meta : mapping
        The last's ``metadata['last']`` (bottom curve, stations, heel seat height).
    foot_length_mm : float
        Length of the foot the bend is for (places the heel centre at 18 % of it).
    shift_y : float, default=0.0
        Slide of the foot along y before bending (heel placement).

    Returns
    -------
    bent : (n, 3) ndarray of float64
    heel_rotation_deg : float
        Rearfoot rotation (0 up to ``heel_rotation_above_mm`` of ``footfit/data/fit_zones.json``).

    Notes
    -----
    Up to a 25 mm heel a point at distance y along the floor and height z above it goes z
    straight above the bottom point at arc length y (the sole keeps its length over the heel
    rise and toe spring; vertical columns stay vertical). Above 25 mm the rearfoot is
    rotated rigidly about the ball line (MTP joints, at the last's MTH5 station) by the angle
    that sets the heel centre on the seat, blended over ``blend_mm`` so the dorsum stays
    continuous. Simplification (LASTS.md section 6): the foot re-poses only by this bend;
    the arch, the soft tissue and the toes do not deform otherwise.
    """
    cfg = load_table("fit_zones.json")["heel_rotation_above_mm"]
    heel = float(meta["heel_seat_z_mm"])
    y0 = float(meta["bottom_back_y_mm"])
    y = points[:, 1] + shift_y
    z = points[:, 2]
    s = y - y0  # a sole point keeps its distance along the bottom
    yc, zc = bottom_curve(meta, s)
    p = points.copy()
    p[:, 1] = yc
    p[:, 2] = zc + z
    if heel <= float(cfg["value"]):
        return p, 0.0
    bs = np.asarray(meta["bottom_s_mm"], dtype=np.float64)
    by = np.asarray(meta["bottom_y_mm"], dtype=np.float64)
    s_p = float(np.interp(float(meta["stations_y_mm"]["mth5"]), by, bs))
    y_fp = s_p + y0  # the ball line on the standing foot
    y_p = float(bottom_curve(meta, np.array([s_p]))[0][0])
    heel_y = 0.18 * foot_length_mm + shift_y
    arm = max(y_fp - heel_y, 1.0)
    alpha = float(np.arcsin(min(heel / arm, 0.99)))
    t = np.clip((y_fp - y) / float(cfg["blend_mm"]), 0.0, 1.0)
    a = alpha * t * t * (3.0 - 2.0 * t)  # smoothstep: the bend spreads behind the ball line
    rear = y < y_fp
    dy = y[rear] - y_fp
    ca, sa = np.cos(a[rear]), np.sin(a[rear])
    p[rear, 1] = y_p + dy * ca + z[rear] * sa  # a rotation (det 1) raising the heel
    p[rear, 2] = -dy * sa + z[rear] * ca
    return p, float(np.rad2deg(alpha))
