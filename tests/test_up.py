"""estimate_up without a floor: any pose, with and without the leg and the sole.

The bug these guard against: with a leg rising from the heel, the side of foot and leg is
the convex hull's largest flat region, and the up direction was taken along the leg
(sample_scans/right_f_normal_nofloor.pcd was refused as 'not a foot').
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from footfit.clean import estimate_up, isolate_feet
from footfit.io import load_scan
from footfit.synth import sample_population
from footfit.synth.scanner import simulate_scan

MAX_ERR_DEG = 5.0


def _angle_deg(a, b) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    c = a @ b / np.linalg.norm(a) / np.linalg.norm(b)
    return float(np.degrees(np.arccos(np.clip(c, -1.0, 1.0))))


def _rotation(rng) -> np.ndarray:
    q, r = np.linalg.qr(rng.normal(size=(3, 3)))
    q = q * np.sign(np.diag(r))
    if np.linalg.det(q) < 0:
        q[:, 0] *= -1
    return q


@pytest.fixture(scope="module")
def nofloor_sample(samples):
    """The sample with no floor and a leg to 250 mm: points and its true up."""
    scan = load_scan(samples / "right_f_normal_nofloor.pcd")
    truth = json.loads((samples / "right_f_normal_nofloor.truth.json").read_text())
    up = np.array(truth["scan"]["transform_canonical_mm_to_file"])[:3, 2]
    return scan.points, up


@pytest.fixture(scope="module")
def foot_mesh():
    from footfit.synth.model import make_foot_mesh

    params = sample_population(1, rng=3)[0]
    return params, make_foot_mesh(params, resolution_mm=3.0)


def test_nofloor_sample_with_leg_in_many_poses(nofloor_sample, rng):
    pts, up = nofloor_sample
    errs = []
    for _ in range(12):
        rot = _rotation(rng)
        moved = pts @ rot.T + rng.uniform(-300, 300, 3)
        iso = isolate_feet(moved, rng=0)
        assert len(iso.feet) == 1  # (floor_found may be set: the sole sheet can pass as floor)
        assert iso.n_leg > 1000  # the leg is cut, not kept as the foot
        errs.append(_angle_deg(iso.up, rot @ up))
    assert max(errs) < MAX_ERR_DEG, errs


@pytest.mark.parametrize(("leg", "plantar"), [(True, True), (True, False), (False, True),
                                              (False, False)])
def test_synthetic_nofloor_scans_in_random_poses(foot_mesh, leg, plantar, seed):
    params, mesh = foot_mesh
    errs = []
    for k in range(6):
        scan = simulate_scan(mesh, side=params.side, n_points=30_000, floor=False, leg=leg,
                             plantar=plantar, pose="random", rng=[seed, k, leg, plantar])
        clean = scan.points[scan.labels != 4]  # the function's input: isolated foot points
        errs.append(_angle_deg(estimate_up(clean, rng=0), scan.transform[:3, 2]))
    assert max(errs) < MAX_ERR_DEG, errs


def test_leg_below_the_cut_and_upside_down(foot_mesh, rng):
    """Foot and a 100 mm stump (what align_foot sees after the leg cut), turned over."""
    params, mesh = foot_mesh
    scan = simulate_scan(mesh, side=params.side, n_points=30_000, floor=False, leg=True,
                         pose=None, rng=rng)
    pts = scan.points[(scan.labels != 4) & (scan.points[:, 2] <= 100.0)]
    flip = np.diag([1.0, -1.0, -1.0])
    assert _angle_deg(estimate_up(pts @ flip.T, rng=0), [0.0, 0.0, -1.0]) < MAX_ERR_DEG


def test_strays_under_the_sole_do_not_tilt_up(foot_mesh, rng):
    """A few points floating mm below the sole used to make the hull's bottom facets."""
    params, mesh = foot_mesh
    scan = simulate_scan(mesh, side=params.side, n_points=30_000, floor=False, leg=False,
                         outliers=0.0, pose=None, rng=rng)
    pts = scan.points
    under = pts[pts[:, 2] < 1.0][:12].copy()
    under[:, 2] -= rng.uniform(3.0, 9.0, len(under))
    rot = _rotation(rng)
    moved = np.concatenate([pts, under]) @ rot.T
    assert _angle_deg(estimate_up(moved, rng=0), rot[:, 2]) < MAX_ERR_DEG


def test_two_feet_without_floor(foot_mesh, rng):
    import trimesh

    params, mesh = foot_mesh
    other = trimesh.Trimesh(mesh.vertices * [-1.0, 1.0, 1.0], mesh.faces[:, ::-1], process=False)
    scan = simulate_scan(mesh, side=params.side, n_points=40_000, floor=False, leg=True,
                         second_foot=other, pose="random", rng=rng)
    iso = isolate_feet(scan.points, rng=0)
    assert len(iso.feet) == 2
    assert _angle_deg(iso.up, scan.transform[:3, 2]) < MAX_ERR_DEG


def test_a_ball_keeps_its_points_and_gets_an_up(rng):
    """Every point of a convex body is a hull vertex: peeling must not empty it."""
    p = rng.normal(size=(5000, 3))
    p = 60.0 * p / np.linalg.norm(p, axis=1, keepdims=True)
    up = estimate_up(p, rng=0)
    assert up.shape == (3,) and abs(np.linalg.norm(up) - 1.0) < 1e-9


def test_a_scene_kilometres_wide_does_not_allocate_a_huge_grid(nofloor_sample):
    # a mm scan taken for metres (x 1000): the 10 mm part grid would have been 93 TiB
    from footfit.clean.up import _MAX_PART_CELLS, _parts

    pts = nofloor_sample[0] * 1000.0
    parts = _parts(pts, {"part_voxel_mm": 8.0, "part_share": 0.25})
    assert sum(len(p) for p in parts) <= len(pts)
    assert _MAX_PART_CELLS <= 20_000_000
    up = estimate_up(pts)
    assert np.isfinite(up).all() and abs(np.linalg.norm(up) - 1.0) < 1e-9
