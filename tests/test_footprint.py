"""Footprint under dropout holes: a hole in the sole is filled only where the sole touched.

The bug these guard against: every column of the outline with no point below 15 mm was
counted as contact, so a high arch (plantar surface 15-20 mm above the floor) next to a
dropout hole was filled: sample two_feet_f_high_cm.ply, right foot, arch index 0.34
instead of 0.17.
"""

from __future__ import annotations

import numpy as np
import pytest

from footfit.classify import classify_arch_index
from footfit.measure.footprint import compute_footprint
from footfit.synth import FootParams
from footfit.synth.scanner import simulate_scan

TOL_AI = 0.015


@pytest.fixture(scope="module", params=["high", "normal", "flat"])
def sole_scan(request):
    """A right foot's scan with its sole (canonical mm, no floor, leg, outliers or holes)."""
    from footfit.synth.model import make_foot_mesh

    params = FootParams(255.0, 96.0, 240.0, 66.0, 60.0, arch_type=request.param)
    mesh = make_foot_mesh(params, resolution_mm=3.0)
    scan = simulate_scan(mesh, side="right", n_points=60_000, floor=False, leg=False,
                         outliers=0.0, holes=0, pose=None, rng=11)
    return request.param, scan.points


def _footprint(points):
    y0 = float(points[:, 1].min())
    return compute_footprint(points, pternion_y=y0, foot_length_mm=float(np.ptp(points[:, 1])))


def _punch(points, x, y, radius):
    """Remove a ball around the lowest point near (x, y), as a scanner's dropout does."""
    near = np.flatnonzero(np.hypot(points[:, 0] - x, points[:, 1] - y) < 3.0)
    centre = points[near[np.argmin(points[near, 2])]]
    return points[np.linalg.norm(points - centre, axis=1) > radius]


def _contact_span(fp, y):
    """(min x, max x) of the contact row at ``y``."""
    row = int((y - fp.origin[1]) / fp.cell_mm)
    cols = np.flatnonzero(fp.mask[row])
    x = fp.origin[0] + (cols[[0, -1]] + 0.5) * fp.cell_mm
    return float(x[0]), float(x[1])


def test_clean_sole_gives_its_class(sole_scan):
    arch, pts = sole_scan
    assert classify_arch_index(_footprint(pts).arch_index) == arch


@pytest.mark.parametrize(
    "where", ["arch_edge", "arch_side", "lateral_band", "heel", "ball", "arch"]
)
def test_dropout_hole_keeps_the_arch_index(sole_scan, where):
    arch, pts = sole_scan
    clean = _footprint(pts)
    L = float(np.ptp(pts[:, 1]))
    y0 = float(pts[:, 1].min())
    x_med, x_lat = _contact_span(clean, y0 + 0.45 * L)
    spots = {
        "arch_edge": (x_med, y0 + 0.45 * L),  # half on the contact, half under the arch
        # mostly under the arch, joining it to the contact: the old rule read 0.33 for 0.17
        "arch_side": (x_med - 8.0, y0 + 0.4 * L),
        "lateral_band": (0.5 * (x_med + x_lat), y0 + 0.45 * L),
        "heel": (float(np.median(pts[pts[:, 1] < y0 + 0.12 * L, 0])), y0 + 0.12 * L),
        "ball": (0.0, y0 + 0.68 * L),
        "arch": (x_med - 18.0, y0 + 0.42 * L),
    }
    holed = _punch(pts, *spots[where], radius=14.0)
    assert len(holed) < len(pts) - 300  # the hole is real
    ai = _footprint(holed).arch_index
    assert ai == pytest.approx(clean.arch_index, abs=TOL_AI)
    assert classify_arch_index(ai) == arch


def test_several_holes_at_once(sole_scan):
    arch, pts = sole_scan
    clean = _footprint(pts)
    L = float(np.ptp(pts[:, 1]))
    y0 = float(pts[:, 1].min())
    x_med, x_lat = _contact_span(clean, y0 + 0.5 * L)
    holed = pts
    for x, y in ((x_med, y0 + 0.5 * L), (x_lat - 4.0, y0 + 0.35 * L), (-5.0, y0 + 0.2 * L)):
        holed = _punch(holed, x, y, radius=12.0)
    assert _footprint(holed).arch_index == pytest.approx(clean.arch_index, abs=TOL_AI)
