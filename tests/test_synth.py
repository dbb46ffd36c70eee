"""Synthetic feet: population sampler, parametric model, scanner simulator, truth files."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from footfit.measure.results import MEASUREMENT_FIELDS
from footfit.synth import FootParams, load_population, sample_population, sample_population_arrays
from footfit.synth.dataset import arch_class, write_synthetic_scan
from footfit.synth.model import make_foot_mesh, solve_foot_shape
from footfit.synth.reference import reference_measurements
from footfit.synth.scanner import UNIT_SCALE, simulate_scan

trimesh = pytest.importorskip("trimesh")

P = FootParams(foot_length_mm=262.0, ball_width_mm=99.0, ball_girth_mm=245.0,
               heel_width_mm=70.0, instep_height_mm=62.0, arch_type="normal",
               toe_shape="egyptian", hallux_angle_deg=12.0, side="right", sex="male")
RES = 2.0  # coarse meshes keep the tests fast


@pytest.fixture(scope="module")
def shape():
    return solve_foot_shape(P)


@pytest.fixture(scope="module")
def mesh(shape):
    return make_foot_mesh(P, resolution_mm=RES, shape=shape)


@pytest.fixture(scope="module")
def ref(mesh):
    return reference_measurements(mesh, side="right")


# ---------------------------------------------------------------- population
def test_population_is_deterministic_per_seed_and_differs_across_seeds():
    a = sample_population_arrays(50, rng=7)
    b = sample_population_arrays(50, rng=7)
    c = sample_population_arrays(50, rng=8)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    assert not np.allclose(a["foot_length_mm"], c["foot_length_mm"])
    assert sample_population(3, rng=7) == sample_population(3, rng=7)


@pytest.mark.parametrize("sex", ["male", "female"])
def test_population_follows_ansur_by_sex(sex):
    pop = load_population()
    g = pop["groups"][sex]
    names = pop["variables"]
    arr = sample_population_arrays(20_000, sex=sex, rng=1)
    data = np.column_stack([arr[k] for k in names])
    np.testing.assert_allclose(data.mean(axis=0), g["mean"], rtol=0.004)
    # truncation at 4 SD shrinks the SD by well under 1 %
    np.testing.assert_allclose(data.std(axis=0), g["sd"], rtol=0.03)
    corr = np.corrcoef(data, rowvar=False)
    np.testing.assert_allclose(corr, g["correlation"], atol=0.03)
    assert set(arr["sex"]) == {sex}


def test_population_arch_index_is_inside_its_class_and_frequencies_match():
    arr = sample_population_arrays(20_000, rng=2)
    design = load_population()["design"]
    for a, freq in design["arch_type_frequencies"]["values"].items():
        m = arr["arch_type"] == a
        assert m.mean() == pytest.approx(freq, abs=0.015)
        assert {arch_class(v) for v in arr["arch_index"][m]} == {a}
    for t, freq in design["toe_shape_frequencies"]["values"].items():
        assert (arr["toe_shape"] == t).mean() == pytest.approx(freq, abs=0.015)
    eg = (arr["toe_shape"] == "egyptian").mean()
    assert 0.60 <= eg <= 0.78  # DOMAIN.md
    assert 0.20 < arr["arch_index"].mean() < 0.26  # Wong 2012 mean about 0.22


def test_population_is_fast():
    import time

    t = time.perf_counter()
    arr = sample_population_arrays(10_000, rng=0)
    assert time.perf_counter() - t < 1.0
    assert arr["foot_length_mm"].shape == (10_000,)


def test_population_rejects_bad_arguments():
    with pytest.raises(ValueError, match="`n`"):
        sample_population_arrays(-1)
    with pytest.raises(ValueError, match="`sex`"):
        sample_population_arrays(3, sex="other")


def test_population_file_matches_ansur(realscans):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "tools" / "derive_population.py"
    spec = importlib.util.spec_from_file_location("derive_population", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    fresh = mod.derive(realscans / "ansur2")
    assert fresh["groups"] == load_population()["groups"]


def test_params_validation_names_the_field():
    with pytest.raises(ValueError, match="arch_type"):
        replace(P, arch_type="very high")
    with pytest.raises(ValueError, match="ball_width_mm"):
        replace(P, ball_width_mm=200.0)
    with pytest.raises(ValueError, match="foot_length_mm"):
        replace(P, foot_length_mm=-3.0)


# ---------------------------------------------------------------- model
def test_mesh_is_watertight_in_the_canonical_frame(mesh):
    assert mesh.is_watertight and mesh.is_winding_consistent
    assert mesh.volume > 0
    lo, hi = mesh.bounds
    assert lo[1] == 0.0 and hi[1] == pytest.approx(P.foot_length_mm, abs=1e-9)
    assert lo[2] == 0.0 and hi[2] >= 110.0
    # pternion near x = 0, toes toward +y, lateral side wider (+x)
    back = mesh.vertices[mesh.vertices[:, 1] < 0.5]
    assert abs(back[:, 0].mean()) < 1.0 and np.abs(back[:, 0]).max() < 8.0
    assert hi[0] > -lo[0]


def test_mesh_is_foot_shaped(mesh, ref):
    m = ref["measurements"]
    L = m["foot_length_mm"]
    assert 0.33 < m["ball_width_mm"] / L < 0.43
    assert 0.22 < m["heel_width_mm"] / L < 0.31
    assert 0.85 < m["ball_girth_mm"] / L < 1.02
    assert 0.19 < m["instep_height_mm"] / L < 0.29
    assert 0.68 < m["ball_length_mm"] / L < 0.80
    assert 500 < m["foot_volume_cm3"] < 1400
    assert m["instep_girth_mm"] > m["ball_girth_mm"] - 15
    assert m["short_heel_girth_mm"] > m["instep_girth_mm"]
    # the sole touches the floor at the heel and the ball, not under the medial arch
    v = mesh.vertices
    low = v[v[:, 2] < 0.5]
    assert low[:, 1].min() < 0.15 * L and low[:, 1].max() > 0.70 * L
    mid = low[(low[:, 1] > 0.40 * L) & (low[:, 1] < 0.50 * L)]
    assert mid[:, 0].min() > -0.05 * L  # medial midfoot lifted


def test_reference_agrees_with_the_parameters(ref):
    m = ref["measurements"]
    assert m["foot_length_mm"] == pytest.approx(P.foot_length_mm, abs=0.1)
    assert m["ball_width_mm"] == pytest.approx(P.ball_width_mm, abs=2.0)
    assert m["ball_girth_mm"] == pytest.approx(P.ball_girth_mm, abs=7.0)
    assert m["heel_width_mm"] == pytest.approx(P.heel_width_mm, abs=2.0)
    assert m["instep_height_mm"] == pytest.approx(P.instep_height_mm, abs=2.0)
    assert m["arch_index"] == pytest.approx(P.target_arch_index, abs=0.02)
    assert arch_class(m["arch_index"]) == P.arch_type
    assert m["toe_shape"] == P.toe_shape
    assert 0 <= m["hallux_valgus_angle_deg"] < 30
    assert set(m) == set(MEASUREMENT_FIELDS)
    assert all(m[k] is not None for k in MEASUREMENT_FIELDS)


def test_model_is_deterministic_and_left_is_the_mirror(shape, mesh):
    again = make_foot_mesh(P, resolution_mm=RES, shape=shape)
    np.testing.assert_array_equal(again.vertices, mesh.vertices)
    left = make_foot_mesh(replace(P, side="left"), resolution_mm=RES, shape=shape)
    np.testing.assert_allclose(left.vertices[:, 0], -mesh.vertices[:, 0])
    assert left.is_watertight and left.volume == pytest.approx(mesh.volume)
    ref_left = reference_measurements(left, side="left")["measurements"]
    ref_right = reference_measurements(mesh, side="right")["measurements"]
    for k in ("ball_width_mm", "ball_girth_mm", "arch_index", "hallux_valgus_angle_deg"):
        assert ref_left[k] == pytest.approx(ref_right[k], abs=1e-6)


@pytest.mark.parametrize("arch", ["high", "flat"])
def test_arch_type_changes_the_contact_area(arch, ref):
    p = replace(P, arch_type=arch)
    m = reference_measurements(make_foot_mesh(p, resolution_mm=RES), side="right")
    ai = m["measurements"]["arch_index"]
    assert arch_class(ai) == arch
    assert (ai < ref["measurements"]["arch_index"]) == (arch == "high")


@pytest.mark.parametrize("toe", ["greek", "roman"])
def test_toe_shape_is_built(toe, shape):
    p = replace(P, toe_shape=toe)
    m = reference_measurements(make_foot_mesh(p, resolution_mm=RES, shape=shape),
                               side="right")["measurements"]
    assert m["toe_shape"] == toe
    assert m["foot_length_mm"] == pytest.approx(P.foot_length_mm, abs=1e-6)


# ---------------------------------------------------------------- reference: analytic shapes
def test_reference_on_a_box_is_exact():
    box = trimesh.creation.box(extents=[100.0, 250.0, 120.0])
    box.apply_translation([10.0, 125.0, 60.0])
    r = reference_measurements(box)
    m = r["measurements"]
    assert m["foot_length_mm"] == pytest.approx(250.0)
    assert m["heel_width_mm"] == pytest.approx(100.0)
    assert m["ball_width_mm"] == pytest.approx(np.hypot(100.0, 0.0), abs=1e-9) or \
        m["ball_width_mm"] >= 100.0
    # a box section below the 100 mm leg cut: 2 * (100 + 100)
    assert m["instep_girth_mm"] > 400.0
    assert m["ankle_girth_mm"] == pytest.approx(2 * (100.0 + 250.0))
    assert m["arch_index"] == pytest.approx(1 / 3)
    assert m["chippaux_smirak_index"] == pytest.approx(100.0)
    assert m["staheli_index"] == pytest.approx(1.0)
    assert m["foot_volume_cm3"] == pytest.approx(100 * 250 * 100 / 1000)
    assert m["instep_height_mm"] == pytest.approx(100.0)  # the leg cut


def test_reference_girth_of_an_ellipsoid_section():
    from footfit.synth.reference import _girth

    a, b, c = 50.0, 120.0, 35.0
    sphere = trimesh.creation.icosphere(subdivisions=6)
    sphere.apply_scale([a, b, c])
    sphere.apply_translation([0.0, 0.0, 40.0])
    # vertical plane x = 0 cuts the ellipse with semi-axes b, c
    got = _girth(sphere.triangles, [0.0, 0.0, 40.0], [1.0, 0.0, 0.0])
    h = ((b - c) / (b + c)) ** 2
    want = np.pi * (b + c) * (1 + 3 * h / (10 + np.sqrt(4 - 3 * h)))  # Ramanujan II
    assert got == pytest.approx(want, rel=2e-3)
    # horizontal plane through the centre: ellipse with semi-axes a, b
    got = _girth(sphere.triangles, [0.0, 0.0, 40.0], [0.0, 0.0, 1.0])
    h = ((b - a) / (b + a)) ** 2
    want = np.pi * (b + a) * (1 + 3 * h / (10 + np.sqrt(4 - 3 * h)))
    assert got == pytest.approx(want, rel=2e-3)


def test_reference_volume_and_footprint_of_a_cylinder():
    cyl = trimesh.creation.cylinder(radius=40.0, height=150.0, sections=256)
    cyl.apply_translation([0.0, 40.0, 75.0])
    m = reference_measurements(cyl)["measurements"]
    area = 0.5 * 256 * 40.0**2 * np.sin(2 * np.pi / 256)
    assert m["foot_volume_cm3"] == pytest.approx(area * 100.0 / 1000.0, rel=1e-6)
    assert m["foot_length_mm"] == pytest.approx(80.0, abs=1e-6)


# ---------------------------------------------------------------- scanner
@pytest.fixture(scope="module")
def base_scan(mesh):
    return simulate_scan(mesh, n_points=20_000, noise_mm=0.0, outliers=0.0, holes=0,
                         pose=None, rng=3)


def test_scan_points_lie_on_the_mesh_and_floor(mesh, base_scan):
    from scipy.spatial import cKDTree

    s = base_scan
    assert s.points.shape == (20_000, 3) and s.normals.shape == (20_000, 3)
    foot = s.points[s.labels == 0]
    d, _ = cKDTree(mesh.vertices).query(foot)
    assert d.max() < RES  # sampled on the triangles
    floor = s.points[s.labels == 2]
    assert len(floor) > 0 and np.all(floor[:, 2] == 0.0)
    leg = s.points[s.labels == 3]
    assert leg[:, 2].min() >= mesh.bounds[1, 2] and leg[:, 2].max() <= 250.0
    np.testing.assert_allclose(np.linalg.norm(s.normals, axis=1), 1.0, atol=1e-9)


def test_scan_pose_and_units_map_the_canonical_points(mesh, base_scan):
    rng = np.random.default_rng(5)
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    pose = np.eye(4)
    pose[:3, :3] = q * np.sign(np.linalg.det(q))
    pose[:3, 3] = [100.0, -40.0, 7.0]
    for units in ("m", "cm", "in"):
        s = simulate_scan(mesh, n_points=20_000, noise_mm=0.0, outliers=0.0, holes=0,
                          pose=pose, units=units, rng=3)
        want = base_scan.points @ s.transform[:3, :3].T + s.transform[:3, 3]
        np.testing.assert_allclose(s.points, want, atol=1e-9)
        np.testing.assert_allclose(s.transform[:3, :3], UNIT_SCALE[units] * pose[:3, :3])


def test_scan_options(mesh):
    s = simulate_scan(mesh, n_points=10_000, outliers=0.05, plantar=False, floor=False,
                      leg=False, pose=None, noise_mm=0.0, rng=4)
    assert np.sum(s.labels == 4) == 500
    assert not np.isin([2, 3], s.labels).any()
    foot = s.labels == 0
    sole = (s.points[:, 2] < 1.0) & (s.normals[:, 2] < -0.9)
    assert not sole[foot].any()  # no sole without the glass
    with_sole = simulate_scan(mesh, n_points=10_000, pose=None, rng=4)
    assert (with_sole.normals[with_sole.labels == 0, 2] < -0.9).mean() > 0.05
    # random pose is a rotation (upside-down allowed) and determinism per seed
    a = simulate_scan(mesh, n_points=2_000, rng=9)
    b = simulate_scan(mesh, n_points=2_000, rng=9)
    c = simulate_scan(mesh, n_points=2_000, rng=10)
    np.testing.assert_array_equal(a.points, b.points)
    assert not np.allclose(a.transform, c.transform)
    r = a.transform[:3, :3]
    np.testing.assert_allclose(r @ r.T, np.eye(3), atol=1e-9)
    with pytest.raises(ValueError, match="units"):
        simulate_scan(mesh, n_points=2_000, units="ft")
    with pytest.raises(ValueError, match="n_points"):
        simulate_scan(mesh, n_points=10)


def test_second_foot_is_the_other_side_beside_the_first(shape):
    p = replace(P, side="left")
    s = simulate_scan(p, n_points=20_000, second_foot=True, pose=None, noise_mm=0.0,
                      outliers=0.0, resolution_mm=3.0, rng=11)
    assert [f.side for f in s.feet] == ["left", "right"]
    first = s.points[s.labels == 0]
    second = s.points[s.labels == 1]
    assert len(second) > 0.3 * len(first)
    assert second[:, 0].min() > first[:, 0].max()  # the right foot stands on the +x side
    # each foot's transform maps its canonical mesh onto its points
    f2 = s.feet[1]
    v = f2.mesh.vertices @ f2.transform[:3, :3].T + f2.transform[:3, 3]
    from scipy.spatial import cKDTree

    d, _ = cKDTree(v).query(second)
    assert d.max() < 3.0


# ---------------------------------------------------------------- truth files
def test_truth_file_written_beside_the_scan(tmp_path):
    p = replace(sample_population(1, sex="female", rng=21)[0], side="right")
    scan, truth = write_synthetic_scan(p, tmp_path / "foot.xyz", seed=21, n_points=3_000,
                                       second_foot=True, units="cm", resolution_mm=3.0)
    assert scan.is_file() and truth.name == "foot.truth.json"
    data = json.loads(truth.read_text())
    assert data["name"] == "foot" and data["generator"]["seed"] == 21
    assert data["scan"]["units"] == "cm" and data["scan"]["second_foot"] is True
    assert [f["side"] for f in data["feet"]] == ["left", "right"]
    for foot in data["feet"]:
        assert set(foot["measurements"]) == set(MEASUREMENT_FIELDS)
        assert foot["arch_type"] in {"high", "normal", "flat"}
        assert np.asarray(foot["transform_canonical_mm_to_file"]).shape == (4, 4)
        assert {"pternion", "mth1", "mth5", "instep_point"} <= set(foot["landmarks"])
    right = data["feet"][1]
    assert right["measurements"]["foot_length_mm"] == pytest.approx(p.foot_length_mm,
                                                                    abs=0.1)
    assert data["scan"]["transform_canonical_mm_to_file"] == \
        right["transform_canonical_mm_to_file"]
    from footfit.io import load_scan

    loaded = load_scan(scan, units="cm")
    assert len(loaded.points) == 3_000


def test_cli_synth_writes_scans_and_truth(tmp_path, capsys):
    from footfit.app.cli import main

    code = main(["synth", "--n", "1", "--seed", "4", "--out", str(tmp_path), "--format",
                 "pcd", "--points", "2000", "--units", "m", "--no-plantar", "--pose", "none"])
    assert code == 0
    assert (tmp_path / "synth_0000.pcd").is_file()
    data = json.loads((tmp_path / "synth_0000.truth.json").read_text())
    assert data["scan"]["units"] == "m" and data["scan"]["plantar"] is False
    assert data["generator"]["seed"] == 4 * 100003
    assert "1 synthetic scans written" in capsys.readouterr().out
    assert main(["synth", "--n", "0", "--out", str(tmp_path)]) == 2


def test_reference_ignores_inverted_winding(mesh, ref):
    flipped = trimesh.Trimesh(mesh.vertices, mesh.faces[:, ::-1], process=False)
    got = reference_measurements(flipped)["measurements"]
    for k in ("arch_index", "foot_volume_cm3", "ball_girth_mm"):
        assert got[k] == pytest.approx(ref["measurements"][k], rel=1e-9)


def test_population_feet_are_watertight_and_foot_shaped(seed):
    """Random feet (FOOTFIT_SEED sweeps them) at a coarse resolution."""
    for p in sample_population(2, rng=seed):
        mesh = make_foot_mesh(p, resolution_mm=3.0)
        assert mesh.is_watertight and mesh.volume > 0
        m = reference_measurements(mesh, side=p.side)["measurements"]
        L = m["foot_length_mm"]
        assert L == pytest.approx(p.foot_length_mm, abs=0.1)
        assert m["ball_width_mm"] == pytest.approx(p.ball_width_mm, abs=3.0)
        assert m["ball_girth_mm"] == pytest.approx(p.ball_girth_mm, abs=9.0)
        assert m["heel_width_mm"] == pytest.approx(p.heel_width_mm, abs=3.0)
        assert arch_class(m["arch_index"]) == p.arch_type
        assert 0.30 < m["ball_width_mm"] / L < 0.46 and 0.80 < m["ball_girth_mm"] / L < 1.1
