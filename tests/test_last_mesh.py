"""Tests of footfit.last.mesh: the last mesh is closed and realises its parameters.

The mesh is measured here with code independent of the builder: trimesh's plane sections,
the measurement core's girth (``footfit.measure.sections.plane_section``, convex-hull
perimeter; scipy's hull when the core is absent), and the bottom curve read back from the
mesh's own sagittal section.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

trimesh = pytest.importorskip("trimesh")

from footfit.last import (  # noqa: E402
    build_last_mesh,
    generate_last,
    load_stock_lasts,
    section_girth,
)

STYLES = ("sport", "casual", "dress_round", "dress_pointed", "boot", "open_sandal",
          "closed_sandal")


def _params(fl=265.0, style="sport", girth_ratio=0.95, **kw):
    foot = {"side": "right", "foot_length_mm": float(fl), "ball_girth_mm": girth_ratio * fl}
    return generate_last(foot, style=style, sex=kw.pop("sex", "male"), **kw)


def _hull_perimeter(mesh, origin, normal):
    """Girth of the mesh in a plane, measured by the measurement core when it is there."""
    from scipy.spatial import ConvexHull

    seg = trimesh.intersections.mesh_plane(mesh, plane_normal=normal, plane_origin=origin)
    p = seg.reshape(-1, 3)
    try:
        from footfit.measure.sections import plane_section
    except ImportError:  # the core not installed: scipy's hull below
        plane_section = None
    if plane_section is not None:
        return float(plane_section(p, origin, normal, denoise=False).perimeter_mm)
    n = np.asarray(normal, float) / np.linalg.norm(normal)
    u = np.cross(n, [0.0, 0.0, 1.0] if abs(n[2]) < 0.9 else [1.0, 0.0, 0.0])
    u /= np.linalg.norm(u)
    v = np.cross(n, u)
    q = np.stack([p @ u, p @ v], axis=1)
    h = ConvexHull(q)
    return float(h.area)  # in 2-D, ConvexHull.area is the perimeter


def _lower_envelope(mesh, step=0.1):
    """(y, z) of the lowest point of the sagittal section x = 0 on a fine y grid."""
    seg = trimesh.intersections.mesh_plane(mesh, plane_normal=[1, 0, 0], plane_origin=[0, 0, 0])
    ya, yb = seg[:, 0, 1], seg[:, 1, 1]
    za, zb = seg[:, 0, 2], seg[:, 1, 2]
    lo, hi = np.minimum(ya, yb), np.maximum(ya, yb)
    grid = np.arange(lo.min() + 1e-6, hi.max() - 1e-6, step)
    span = (grid[None, :] >= lo[:, None]) & (grid[None, :] <= hi[:, None])
    t = (grid[None, :] - ya[:, None]) / np.where(np.abs(yb - ya) > 1e-12, yb - ya, 1e-12)[:, None]
    z = za[:, None] + np.clip(t, 0, 1) * (zb - za)[:, None]
    z = np.where(span, z, np.inf).min(axis=0)
    ok = np.isfinite(z)
    return grid[ok], z[ok]


def _measure_bottom(mesh):
    """Bottom length (arc from the heel crease to the toe tip) and the arc -> y map."""
    y, z = _lower_envelope(mesh)
    slope = np.abs(np.gradient(z, y))
    start = int(np.argmax(slope < 1.0))  # first point behind which the heel curve is steep
    ys, zs = y[start:], z[start:]
    arc = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(ys), np.diff(zs)))])
    return float(arc[-1]), ys, zs, arc


def _flat_bottom(mesh, y):
    """x-range and z of the flat bottom of the cross-section at y."""
    seg = trimesh.intersections.mesh_plane(mesh, plane_normal=[0, 1, 0], plane_origin=[0, y, 0])
    p = seg.reshape(-1, 3)
    zmin = p[:, 2].min()
    flat = p[np.abs(p[:, 2] - zmin) < 0.02]
    return flat[:, 0].min(), flat[:, 0].max(), zmin, p


def _check_realises(mesh, p):
    length, ys, zs, arc = _measure_bottom(mesh)
    assert abs(length - p.bottom_length_mm) <= 1.0, (length, p.bottom_length_mm)

    def y_at(pos):
        return float(np.interp(pos, arc, ys))

    # heel seat width at the heel centre
    x0, x1, _, _ = _flat_bottom(mesh, y_at(p.heel_centre_position_mm))
    assert abs((x1 - x0) - p.heel_seat_width_mm) <= 1.5, (x1 - x0, p.heel_seat_width_mm)
    # ball girth: vertical plane through the widest points of the body at MTH1 (medial) and
    # MTH5 (lateral), where the foot's MTH1 and MTH5 are
    y1, y5 = y_at(p.mth1_position_mm), y_at(p.mth5_position_mm)
    med = np.array([_flat_bottom(mesh, y1)[0], y1, 0.0])
    lat = np.array([_flat_bottom(mesh, y5)[1], y5, 0.0])
    widest = np.array([_flat_bottom(mesh, y1)[3][:, 0].min(), y1, 0.0])
    d = np.array([_flat_bottom(mesh, y5)[3][:, 0].max(), y5, 0.0]) - widest
    # the body overhangs the bottom, by a few mm now that the bottom has the trade's basic
    # width (LASTS.md section 3: the foot's tread is 4-12 mm wider than the basic width)
    assert widest[0] < med[0] - 1.0
    normal = np.array([d[1], -d[0], 0.0])
    ball = _hull_perimeter(mesh, widest, normal)
    assert abs(ball - p.ball_girth_mm) <= 2.0, (ball, p.ball_girth_mm)
    # instep girth: plane containing x through the bottom at the waist and the top at the
    # instep station
    yw, yi = y_at(p.waist_position_mm), y_at(p.instep_position_mm)
    zw = float(np.interp(yw, ys, zs))
    top = _flat_bottom(mesh, yi)[3][:, 2].max()
    normal = np.cross([1.0, 0.0, 0.0], [0.0, yi - yw, top - zw])
    inst = _hull_perimeter(mesh, [0.0, yw, zw], normal)
    assert abs(inst - p.instep_girth_mm) <= 2.0, (inst, p.instep_girth_mm)
    # widths of the bottom at MTH1 (medial) and MTH5 (lateral), built exactly
    assert abs(-med[0] - p.width_mth1_medial_mm) <= 1.0
    assert abs(lat[0] - p.width_mth5_lateral_mm) <= 1.0


def _check_closed(mesh):
    assert mesh.is_watertight
    assert mesh.is_winding_consistent
    assert mesh.volume > 0
    assert 10_000 <= len(mesh.faces) <= 40_000
    assert (mesh.area_faces > 1e-6).all()


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("fl", [220.0, 265.0, 300.0])
def test_mesh_closed_and_realises_parameters(style, fl):
    p = _params(fl, style)
    mesh = build_last_mesh(p)
    _check_closed(mesh)
    _check_realises(mesh, p)


@pytest.mark.parametrize(("style", "heel"), [("dress_pointed", 0.0), ("dress_pointed", 80.0),
                                              ("casual", 45.0), ("boot", 60.0)])
def test_heel_height_raises_the_seat_and_keeps_the_bottom_length(style, heel):
    p = _params(240.0, style, sex="female", heel_height_mm=heel)
    mesh = build_last_mesh(p)
    _check_closed(mesh)
    _check_realises(mesh, p)
    length, ys, zs, arc = _measure_bottom(mesh)
    seat_z = float(np.interp(1.0, arc, zs))  # heel height: at the back of the seat
    assert seat_z == pytest.approx(heel, abs=0.5)
    assert zs.min() == pytest.approx(0.0, abs=0.3)  # the tread stands on the floor
    assert zs[-1] == pytest.approx(p.toe_spring_mm, abs=1.0)
    # the top cut is flat at heel height + top-cut height
    assert mesh.bounds[1, 2] == pytest.approx(heel + p.top_cut_height_mm, abs=1e-6)


def test_toe_shapes_differ_at_the_tip():
    round_, pointed = _params(265.0, "dress_round"), _params(265.0, "dress_pointed")
    widths = []
    for p in (round_, pointed):
        mesh = build_last_mesh(p)
        _, ys, _, arc = _measure_bottom(mesh)
        y = float(np.interp(p.bottom_length_mm - 15.0, arc, ys))
        x0, x1, _, _ = _flat_bottom(mesh, y)
        widths.append(x1 - x0)
    assert widths[1] < widths[0] - 5.0  # pointed toe: much narrower 15 mm from the tip


def test_girth_and_length_move_the_mesh():
    small = build_last_mesh(_params(250.0, "casual", girth_ratio=0.92))
    wide = build_last_mesh(_params(250.0, "casual", girth_ratio=1.00))
    long_ = build_last_mesh(_params(260.0, "casual", girth_ratio=0.92))
    assert wide.volume > small.volume
    assert long_.bounds[1, 1] - long_.bounds[0, 1] > small.bounds[1, 1] - small.bounds[0, 1] + 9


def test_left_last_is_the_mirror_image():
    p = _params(255.0, "sport")
    right = build_last_mesh(p)
    left = build_last_mesh(dataclasses.replace(p, side="left"))
    _check_closed(left)
    np.testing.assert_allclose(left.vertices[:, 0], -right.vertices[:, 0])
    assert left.volume == pytest.approx(right.volume)
    assert build_last_mesh(p, side="left").metadata["last"]["side"] == "left"


def test_stock_row_builds_and_matches_its_girth():
    row = load_stock_lasts().select("boot", "female")[10]
    mesh = build_last_mesh(row)
    _check_closed(mesh)
    meta = mesh.metadata["last"]
    g = section_girth(mesh, meta["ball_plane"][0], meta["ball_plane"][1])
    assert g == pytest.approx(row["ball_girth_mm"], abs=0.2)


def test_section_girth_of_a_cylinder():
    cyl = trimesh.creation.cylinder(radius=40.0, height=100.0, sections=256)
    g = section_girth(cyl, [0, 0, 0], [0, 0, 1])
    assert g == pytest.approx(2 * np.pi * 40.0, rel=1e-3)
    assert section_girth(cyl, [0, 0, 500], [0, 0, 1]) == 0.0
    with pytest.raises(ValueError, match="normal"):
        section_girth(cyl, [0, 0, 0], [0, 0, 0])


def test_bad_parameters_are_named():
    p = _params(265.0, "sport")
    with pytest.raises(ValueError, match="last positions must increase"):
        build_last_mesh(dataclasses.replace(p, mth5_position_mm=p.mth1_position_mm + 1))
    with pytest.raises(ValueError, match="ball_girth_mm"):
        build_last_mesh(dataclasses.replace(p, ball_girth_mm=150.0))
    with pytest.raises(ValueError, match="bottom_length_mm"):
        build_last_mesh(dataclasses.replace(p, bottom_length_mm=float("nan")))
    with pytest.raises(ValueError, match="side"):
        build_last_mesh(p, side="middle")
    with pytest.raises(TypeError, match="LastParameters"):
        build_last_mesh(object())


@pytest.mark.parametrize("ext", ["stl", "ply", "obj"])
def test_write_last_mesh_round_trips(tmp_path, ext):
    from footfit.last import write_last_mesh

    p = _params(250.0, "casual")
    out = write_last_mesh(p, tmp_path / f"last.{ext}")
    back = trimesh.load(out, force="mesh")
    assert back.is_watertight
    assert len(back.faces) == len(build_last_mesh(p).faces)
    assert back.volume == pytest.approx(build_last_mesh(p).volume, rel=1e-4)
    assert [f.name for f in tmp_path.iterdir()] == [f"last.{ext}"]  # no temporary left


def test_last_mesh_path_names_and_checks(tmp_path):
    from footfit.last import last_mesh_path

    assert last_mesh_path(tmp_path / "a.stl", "left") == tmp_path / "a.stl"
    assert last_mesh_path(tmp_path / "a.stl", "left", n_feet=2) == tmp_path / "a_left.stl"
    with pytest.raises(ValueError, match="stl, .ply or .obj"):
        last_mesh_path(tmp_path / "a.step", "right")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        last_mesh_path(tmp_path / "nope" / "a.stl", "right")


def test_measured_ball_height_shapes_the_ball_profile():
    p = _params(265.0, "casual")
    high = dataclasses.replace(p, ball_height_mm=0.98 * p.instep_height_mm)
    low = dataclasses.replace(p, ball_height_mm=0.60 * p.instep_height_mm)
    tops = []
    for q in (low, p, high):
        mesh = build_last_mesh(q)
        _check_closed(mesh)
        _check_realises(mesh, q)  # the girths still win
        _, ys, _, arc = _measure_bottom(mesh)
        y1 = float(np.interp(q.mth1_position_mm, arc, ys))
        tops.append(_flat_bottom(mesh, y1)[3][:, 2].max())
    assert tops[0] < tops[1] < tops[2]


def test_bracket_solve_finds_the_rising_branch():
    """The fallback of the girth solve lands on the rising branch of girth(scale)."""
    from footfit.last import mesh as last_mesh

    d = last_mesh._design(_params(265.0, "open_sandal"))
    target = last_mesh._girths(d, 0.9, 0.85)[0]
    s, (g, *_rest) = last_mesh._bracket_solve(d, target)
    np.testing.assert_allclose(g, target, atol=0.06)
    np.testing.assert_allclose(s, [0.9, 0.85], atol=0.02)


def test_plane_section_girth_matches_trimesh_sections():
    """The vectorised plane section (faces with corners either side) against trimesh's."""
    from scipy.spatial import ConvexHull

    from footfit.last.mesh import _plane_hull_perimeter

    mesh = build_last_mesh(generate_last(
        {"side": "right", "foot_length_mm": 262.0, "ball_girth_mm": 248.0}, style="sport"))
    verts, faces = np.asarray(mesh.vertices), np.asarray(mesh.faces)
    rng = np.random.default_rng(5)
    planes = [(verts[rng.integers(len(verts))], rng.normal(size=3)) for _ in range(12)]
    planes += [(np.array([0.0, y, 30.0]), np.array([0.0, 1.0, 0.2])) for y in (40, 120, 190)]
    for origin, normal in planes:  # half of them through a vertex: zero distances
        seg = trimesh.intersections.mesh_plane(mesh, normal, origin)
        if len(seg) < 3:
            continue
        n = normal / np.linalg.norm(normal)
        u = np.cross(n, [0.0, 0.0, 1.0] if abs(n[2]) < 0.9 else [1.0, 0.0, 0.0])
        u /= np.linalg.norm(u)
        q = seg.reshape(-1, 3) @ np.stack([u, np.cross(n, u)], axis=1)
        ring = q[ConvexHull(q).vertices]
        want = np.linalg.norm(np.roll(ring, -1, axis=0) - ring, axis=1).sum()
        assert _plane_hull_perimeter(verts, faces, origin, normal) == pytest.approx(want,
                                                                                  abs=1e-6)
