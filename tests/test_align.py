"""Tests of footfit.align: canonical frame and side, on a toy foot with a known frame."""

from __future__ import annotations

import numpy as np
import pytest

from footfit.align import AlignedFoot, align_foot
from footfit.clean import FootCloud
from footfit.exceptions import DegenerateScanError

# ---------------------------------------------------------------------------------------
# A toy right foot in the canonical frame (analytic, so the true frame is known exactly):
# heel disc, medial edge bulging at MTH1 (72.5 % L), lateral edge at MTH5 (63.5 % L), five
# toe bumps on the front outline with the 2nd-toe tip on x = 0, a dome-shaped dorsum that
# rises to an ankle stump over the heel, and a sole raised under the medial arch.
# ---------------------------------------------------------------------------------------

TOES = np.array(  # tip x, tip y below L, curvature
    [
        [-24.0, 0.0, 0.03],
        [0.0, 3.0, 0.07],
        [14.0, 11.0, 0.09],
        [26.0, 22.0, 0.1],
        [37.0, 35.0, 0.1],
    ]
)


def _edges(y, length):
    """Medial (negative) and lateral x of the outline at ``y`` (heel disc of radius 32)."""
    r = 32.0
    t = np.clip(y / length, 0, 1)
    heel = np.sqrt(np.clip(r**2 - (r - np.minimum(y, r)) ** 2, 0, None))
    med = np.interp(t, [0.0, 0.3, 0.725, 0.9, 1.0], [-r, -33.0, -49.0, -42.0, -36.0])
    lat = np.interp(t, [0.0, 0.3, 0.635, 0.83, 1.0], [r, 36.0, 53.0, 42.0, 30.0])
    med = np.where(y < r, -heel, med)
    lat = np.where(y < r, heel, lat)
    return med, lat


def _front(x, length):
    tips = length - TOES[:, 1]
    return np.max(tips[None, :] - TOES[None, :, 2] * (x[:, None] - TOES[None, :, 0]) ** 2, axis=1)


def toy_foot(
    n=40_000, *, length=260.0, sole=True, noise=0.0, rng=None, top=140.0, walls=True
) -> tuple[np.ndarray, np.ndarray]:
    """Points of a toy right foot in the canonical frame, and per-point 'is sole' flags."""
    rng = np.random.default_rng(rng)
    m = int(n * 3)
    x = rng.uniform(-55, 60, m)
    y = rng.uniform(0, length, m)
    med, lat = _edges(y, length)
    inside = (x >= med) & (x <= lat) & (y <= _front(x, length))
    x, y, med, lat = x[inside], y[inside], med[inside], lat[inside]
    t = y / length
    height = np.interp(t, [0.0, 0.28, 0.42, 0.55, 0.75, 1.0], [top, top, 70.0, 58.0, 42.0, 22.0])
    c, w = 0.5 * (med + lat), 0.5 * (lat - med)
    u = np.clip((x - c) / w, -1, 1)
    z_top = height * np.sqrt(1 - u**2) ** 0.7
    arch = 14.0 * np.clip(np.sin(np.pi * (t - 0.28) / 0.4), 0, None) * (t > 0.28) * (t < 0.68)
    z_sole = arch * np.clip(-u, 0, 1) ** 1.5
    z_top = np.maximum(z_top, z_sole + 1.0)
    # near-vertical side walls from the sole up to 40 % of the height
    edge = np.where(u < 0, med, lat)
    wall = (rng.random(len(x)) < 0.25) & (y <= _front(edge, length))
    x_in = x
    x = np.where(wall, edge, x)
    z_top = np.where(wall, rng.uniform(0, 1, len(x)) * 0.4 * height + z_sole * (u < 0), z_top)
    pts_top = np.stack([x, y, z_top], axis=1)
    if walls:  # walls all around: toe front and round heel too, as a scanner sees them
        k = len(x) // 8
        xf = rng.uniform(-45, 40, k)
        yf = _front(xf, length)
        m_, l_ = _edges(yf, length)
        ok = (xf > m_) & (xf < l_)
        th = rng.uniform(-np.pi / 2, np.pi / 2, k)
        xh, yh = 32.0 * np.sin(th), 32.0 - 32.0 * np.cos(th)
        zf = rng.uniform(0, 1, k) * np.interp(yf / length, [0.75, 1.0], [17.0, 9.0])
        zh = rng.uniform(0, 1, k) * 0.4 * top
        extra = np.concatenate([np.stack([xf, yf, zf], 1)[ok], np.stack([xh, yh, zh], 1)])
        pts_top = np.concatenate([extra, pts_top])
    pts_sole = np.stack([x_in, y, z_sole], axis=1)
    n_sole = n // 4 if sole else 0
    pts = np.concatenate([pts_top[: n - n_sole], pts_sole[:n_sole]])
    is_sole = np.r_[np.zeros(len(pts) - n_sole, bool), np.ones(n_sole, bool)]
    pts = pts + rng.normal(0, noise, pts.shape) if noise else pts
    return pts, is_sole


def random_pose(rng) -> np.ndarray:
    """A random rigid transform (4, 4): canonical -> 'file'."""
    q = rng.normal(size=4)
    q /= np.linalg.norm(q)
    w, a, b, c = q
    rot = np.array(
        [
            [1 - 2 * (b * b + c * c), 2 * (a * b - c * w), 2 * (a * c + b * w)],
            [2 * (a * b + c * w), 1 - 2 * (a * a + c * c), 2 * (b * c - a * w)],
            [2 * (a * c - b * w), 2 * (b * c + a * w), 1 - 2 * (a * a + b * b)],
        ]
    )
    pose = np.eye(4)
    pose[:3, :3] = rot
    pose[:3, 3] = rng.uniform(-500, 500, 3)
    return pose


def apply(pose, pts):
    return pts @ pose[:3, :3].T + pose[:3, 3]


MIRROR = np.diag([-1.0, 1.0, 1.0, 1.0])


def frame_errors(aligned: AlignedFoot, pose: np.ndarray) -> tuple[float, float, float]:
    """(axis angle deg, origin offset mm, up angle deg) of ``aligned`` against the truth.

    ``pose`` maps the true canonical frame to the input frame, so the recovered transform
    composed with it should be the identity.
    """
    m = aligned.transform @ pose
    axis_err = np.degrees(np.arccos(np.clip(m[1, 1], -1, 1)))
    up_err = np.degrees(np.arccos(np.clip(m[2, 2], -1, 1)))
    return float(axis_err), float(np.linalg.norm(m[:2, 3])), float(up_err)


# ---------------------------------------------------------------------------------------


def test_toy_foot_canonical_input_is_nearly_identity():
    pts, _ = toy_foot(rng=1)
    a = align_foot(pts, up=[0, 0, 1])
    assert a.side == "right"
    axis, origin, up = frame_errors(a, np.eye(4))
    assert axis < 1.0 and origin < 1.5 and up < 1.0
    assert a.points[:, 2].max() <= 100.0 + 1e-9  # leg cut
    assert a.plantar_visible
    assert abs(np.linalg.det(a.transform[:3, :3]) - 1) < 1e-9


def test_random_poses_recover_frame_and_side(rng):
    """Metamorphic: 50 random rigid poses, and their mirror images -> the other side."""
    pts, _ = toy_foot(n=20_000, noise=0.5, rng=rng)
    for _ in range(25):
        pose = random_pose(rng)
        for mirror in (False, True):
            p = pose @ MIRROR if mirror else pose
            a = align_foot(apply(p, pts))
            assert a.side == ("left" if mirror else "right")
            axis, origin, up = frame_errors(a, p)
            assert axis < 2.0, axis
            assert up < 2.0, up
            assert origin < 3.0, origin
            if mirror:
                assert np.linalg.det(a.transform[:3, :3]) < 0


def test_upside_down_and_heel_toward_plus_y():
    pts, _ = toy_foot(n=20_000, rng=3)
    flip = np.diag([1.0, -1.0, -1.0, 1.0])  # heel toward +y and upside down
    a = align_foot(apply(flip, pts))
    axis, origin, up = frame_errors(a, flip)
    assert a.side == "right" and axis < 1.5 and up < 1.0 and origin < 2.0


def test_no_sole_scan_keeps_side_and_reports_plantar_missing(rng):
    pts, _ = toy_foot(n=20_000, sole=False, noise=0.5, rng=rng)
    pose = random_pose(rng)
    a = align_foot(apply(pose, pts))
    assert a.side == "right"
    assert not a.plantar_visible
    axis, origin, up = frame_errors(a, pose)
    assert axis < 2.0 and up < 3.0


def test_to_input_frame_inverts_transform(rng):
    pts, _ = toy_foot(n=10_000, rng=rng)
    pose = random_pose(rng) @ MIRROR
    raw = apply(pose, pts)
    a = align_foot(raw)
    back = a.to_input_frame(a.points)
    np.testing.assert_allclose(back, raw[a.indices], atol=1e-6)


def test_footcloud_indices_and_normals_follow_points(rng):
    pts, _ = toy_foot(n=10_000, rng=rng)
    normals = np.tile([0.0, 0.0, 1.0], (len(pts), 1))
    idx = np.arange(len(pts)) * 2 + 7  # indices into some larger original cloud
    a = align_foot(FootCloud(pts, normals, idx), up=[0, 0, 1])
    assert set(a.indices) <= set(idx)
    np.testing.assert_allclose(a.normals[:, 2], 1.0, atol=0.05)


def test_forced_side_and_floor_plane(rng):
    pts, _ = toy_foot(n=10_000, rng=rng)
    raw = pts + [0, 0, 30.0]  # floor at z = 30
    a = align_foot(raw, floor_plane=[0, 0, 2.0, -60.0], side="left")
    assert a.side == "left" and a.side_confidence == 1.0 and a.floor_found
    assert abs(np.percentile(a.points[:, 2], 0.5)) < 1.0
    assert any("given by the caller" in s for s in a.notes)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"side": "middle"}, "`side` must be one of"),
        ({"up": [0, 0, 0]}, "`up` must be a finite non-zero"),
        ({"floor_plane": [0, 0, 1]}, "`floor_plane` must be 4 finite numbers"),
        ({"floor_plane": [0, 0, -1, 0]}, "must point up"),
        ({"leg_cut_height_mm": -5}, "`leg_cut_height_mm` must be"),
    ],
)
def test_bad_arguments(kwargs, match):
    pts, _ = toy_foot(n=3000, rng=0)
    with pytest.raises(ValueError, match=match):
        align_foot(pts, **kwargs)


def test_too_few_points_below_cut():
    pts, _ = toy_foot(n=3000, rng=0)
    with pytest.raises(DegenerateScanError, match="below the leg cut"):
        align_foot(pts + [0, 0, 500.0], floor_plane=[0, 0, 1, 0])


# ---------------------------------------------------------------------------------------
# real scans (skipped when ../shared/realscans is absent)
# ---------------------------------------------------------------------------------------


def _orbbec(realscans, name):
    data = np.loadtxt(realscans / "orbbec-6view" / name)
    return data[:, :3], data[:, 3:]


@pytest.mark.realscans
@pytest.mark.parametrize("name", ["left", "right"])
def test_orbbec_side(realscans, name):
    from footfit.clean import isolate_feet

    pts, nrm = _orbbec(realscans, f"{name}.asc")
    iso = isolate_feet(pts, normals=nrm, rng=0)
    assert len(iso.feet) == 1 and not iso.floor_found
    a = align_foot(iso.feet[0], up=iso.up)
    assert a.side == name and a.side_confidence > 0.5
    assert a.plantar_visible
    length = np.ptp(a.points[:, 1])
    assert 245 < length < 270
    # the file is z-up with the sole on the glass at z ~ 0: the recovered up is the file's z
    assert a.transform[2, 2] > np.cos(np.radians(3))
    # toes toward -y in the file
    assert a.transform[1, 1] < -0.95


@pytest.mark.realscans
def test_aetrex_is_a_right_foot_already_aligned(realscans):
    trimesh = pytest.importorskip("trimesh")
    mesh = trimesh.load(realscans / "aetrex" / "left_foot.stl")
    pts = np.unique(np.asarray(mesh.vertices), axis=0)
    a = align_foot(pts)
    assert a.side == "right"  # the file was reflected: right-foot chirality (README)
    assert a.transform[1, 1] > 0.99 and a.transform[2, 2] > 0.999
    assert abs(a.transform[2, 3]) < 1.5  # floor at z = 0


def test_bumps_match_scipy_find_peaks(rng):
    """Oracle: the toe-bump finder equals scipy.signal.find_peaks (prominence, distance)."""
    from scipy.ndimage import gaussian_filter1d
    from scipy.signal import find_peaks

    from footfit.align import _bumps

    for _ in range(100):
        p = gaussian_filter1d(rng.normal(size=120).cumsum(), 2)
        p = np.r_[p[0] - 50, p, p[-1] - 50]
        expected, _ = find_peaks(p, prominence=1.5, distance=8)
        np.testing.assert_array_equal(_bumps(p, prominence=1.5, distance=8), expected)


@pytest.mark.slow
@pytest.mark.parametrize(("plantar", "second_foot"), [(True, False), (False, True)])
def test_simulated_scans_recover_the_frame(plantar, second_foot):
    """footfit.synth's scanner (floor, leg, 2 % outliers, holes, random pose): the recovered
    transform undoes the simulator's, every foot gets its side, no floor or leg is kept.
    """
    synth = pytest.importorskip("footfit.synth.scanner")
    from footfit.clean import isolate_feet
    from footfit.synth.population import sample_population

    params = sample_population(1, rng=3)[0]
    scan = synth.simulate_scan(
        params, n_points=80_000, plantar=plantar, second_foot=second_foot, resolution_mm=3.0,
        rng=4,
    )
    iso = isolate_feet(scan.points, rng=0)
    assert iso.floor_found and len(iso.feet) == len(scan.feet)
    for foot in iso.feet:
        a = align_foot(foot, up=iso.up, floor_plane=iso.floor_plane)
        labels = np.bincount(scan.labels[a.indices], minlength=5)
        source = int(np.argmax(labels[:2]))
        truth = scan.feet[source]
        assert a.side == truth.side
        assert labels[2] == 0 and labels[3] == 0  # no floor, no leg
        assert a.plantar_visible == plantar
        m = a.transform @ truth.transform
        assert m[1, 1] > np.cos(np.radians(1.5)) and m[2, 2] > np.cos(np.radians(0.5))
        assert abs(m[2, 3]) < 0.5 and np.hypot(m[0, 3], m[1, 3]) < 3.0


def test_median_sign_by_counting_matches_numpy(rng):
    """Oracle: the sort-free sign test equals ``np.median(h) < 0``, ties of even counts too."""
    from footfit.align import _median_below_zero

    cases = [rng.normal(loc=rng.normal(scale=0.05), size=int(rng.integers(1, 60)))
             for _ in range(300)]
    cases += [np.array([-2.0, -1.0, 0.5, 3.0]), np.array([-1.0, 1.0]), np.array([-2.0, 1.0]),
              np.array([-1.0, 2.0]), np.array([0.0, 0.0]), np.array([-1.0, 0.0])]
    for h in cases:
        assert _median_below_zero(h) == bool(np.median(h) < 0), h
