"""Placing the foot in a last: the sole on the bottom (bent to the heel and toe spring),
the heel against the back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from footfit._core.typing import BoolArray, FloatArray
from footfit.fit._common import _config
from footfit.fit.prepare import PreparedFoot, PreparedLast, _raised


# ----------------------------------------------------------------------------- placement
def _drape(points: FloatArray, last: PreparedLast, foot_length: float,
           shift_y: float) -> tuple[FloatArray, float]:
    """Put the sole on the last bottom: bend, plus a rigid rearfoot rotation for high heels."""
    from footfit.last.bend import bend_points

    return bend_points(points, last.meta, foot_length, shift_y)


def _heel_gap(last: PreparedLast, placed: FloatArray, heel: BoolArray) -> float:
    """Free room behind the heel along -y (negative when the heel is through the back).

    Only the heel proper (``heel``: points low on the standing foot) counts: the leg stump of
    the scan does not follow a rotated rearfoot in a real shoe.
    """
    import open3d as o3d

    meta = last.meta
    if not heel.any():
        return 0.0
    y0 = placed[heel, 1].min()
    sel = np.flatnonzero(heel & (placed[:, 1] < y0 + 15.0)
                         & (placed[:, 2] < meta["top_cut_z_mm"] - 5))
    if len(sel) == 0:
        return 0.0
    sel = sel[:: max(1, len(sel) // 1500)]
    start = placed[sel].copy()
    start[:, 1] += 30.0
    # only rays that start inside the last see its back wall from the inside
    inside = last.ray_scene().compute_occupancy(
        o3d.core.Tensor(start.astype(np.float32))).numpy()
    start = start[inside > 0.5]
    if len(start) == 0:
        return 0.0
    rays = np.concatenate([start, np.tile([0.0, -1.0, 0.0], (len(start), 1))], axis=1)
    hit = last.ray_scene().cast_rays(o3d.core.Tensor(rays.astype(np.float32)))["t_hit"].numpy()
    ok = np.isfinite(hit)
    if not ok.any():
        return 0.0
    return float((hit[ok] - 30.0).min())


def _heel_gap_rings(rings: Mapping[str, Any], sub: FloatArray, placed: FloatArray,
                    shift: float, last: PreparedLast) -> float:
    """:func:`_heel_gap` from the last's section rings (no ray casting): the room behind the
    heel along -y, in the frame of the ring table.
    """
    from footfit.last.rings import ring_back_wall

    if len(sub) == 0:
        return 0.0
    if rings["frame"] == "flat":
        q = sub.copy()
        q[:, 1] += shift
    else:
        q = placed
    y0 = q[:, 1].min()
    sel = (q[:, 1] < y0 + 15.0) & (placed[:, 2] < last.meta["top_cut_z_mm"] - 5)
    if not sel.any():
        return 0.0
    q = q[sel][:: max(1, int(sel.sum()) // 1500)]
    wall = ring_back_wall(rings, q)
    ok = np.isfinite(wall)
    if not ok.any():
        return 0.0
    return float((q[ok, 1] - wall[ok]).min())


def _place(foot: PreparedFoot, last: PreparedLast) -> tuple[FloatArray, dict[str, float]]:
    shift = 0.0
    rot = 0.0
    low = 0.15 * foot.length_mm
    # a rotated rearfoot (heel above 25 mm) leans its heel forward above the seat, which the
    # last's heel curve (not pitched) does not follow: there the foot keeps its sole length
    # on the bottom (MTH5 on the last's MTH5) and is only pushed forward if the heel would go
    # through the back, never pulled back into the heel curve
    rotated = float(last.meta["heel_seat_z_mm"]) > float(
        _config()["heel_rotation_above_mm"]["value"])
    # the back of the heel: low, behind 25 % FL, within 12 mm of the axis (a heel wider than
    # the last would otherwise be pushed forward by the rounded sides of the heel curve)
    heel = ((foot.points[:, 2] < low) & (foot.points[:, 2] > 3.0)
            & (foot.points[:, 1] < 0.25 * foot.length_mm)
            & (np.abs(foot.points[:, 0]) < 12.0))
    pts = _raised(foot.points, last, foot.length_mm)
    sub = pts[heel]
    rings = last.meta.get("rings")
    for _ in range(4):
        placed_heel, _ = _drape(sub, last, foot.length_mm, shift)
        if rings is not None:
            gap = _heel_gap_rings(rings, sub, placed_heel, shift, last)
        else:
            gap = _heel_gap(last, placed_heel, np.ones(len(sub), bool))
        gap = float(np.clip(gap, -15, 15))
        if rotated:
            gap = min(gap, 0.0)
        shift -= gap
        if abs(gap) < 0.05:
            break
    placed, rot = _drape(pts, last, foot.length_mm, shift)
    flat = pts.copy()
    flat[:, 1] += shift
    return placed, {"shift_y_mm": shift, "heel_rotation_deg": rot, "_flat": flat}
