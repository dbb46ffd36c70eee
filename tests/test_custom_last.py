"""Custom lasts from the scan, trade-correct parameters, one last family per pair (issue 15).

Figures from ../shared/LASTS.md ("Numbers a test can check") and the issue's acceptance.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import footfit
from footfit.fit import fit_foot, prepare_foot, prepare_last, signed_clearance
from footfit.fit.sections import band_of
from footfit.last import (
    build_custom_last,
    generate_last,
    nearest_stock_last,
    section_girth,
    toe_spring_for_heel,
)
from footfit.last.rings import ring_clearance
from footfit.sizes import compute_sizes

ROOT = Path(__file__).resolve().parents[1]


def _foot(fl, girth, **kw):
    return {"side": "right", "foot_length_mm": float(fl), "ball_girth_mm": float(girth), **kw}


# ----------------------------------------------------------------------------- parameters
@pytest.mark.parametrize("style, lo, hi", [
    ("sport", 281.0, 287.0), ("casual", 276.0, 290.0), ("boot", 276.0, 292.0),
    ("dress_round", 278.0, 282.0),
])
def test_mens_265_bottom_lengths_are_not_a_size_short(style, lo, hi):
    p = generate_last(_foot(265, 250), style=style, sex="male")
    assert lo <= p.bottom_length_mm <= hi
    # the toe allowance is the last allowance, not the 10-12 mm thumb room
    assert p.bottom_length_mm + p.heel_allowance_mm - 265.0 >= 16.0


def test_lasts_md_length_vectors():
    assert generate_last(_foot(230, 216), style="dress_round", sex="female"
                         ).bottom_length_mm == pytest.approx(242.0, abs=2.0)
    assert generate_last(_foot(250, 240), style="dress_round", sex="male"
                         ).bottom_length_mm == pytest.approx(265.0, abs=2.0)
    child = {s: generate_last(_foot(100, 95), style=s, child=True).bottom_length_mm
             for s in ("open_sandal", "closed_sandal", "sport")}
    assert child == pytest.approx({"open_sandal": 107.0, "closed_sandal": 111.0,
                                   "sport": 112.0}, abs=0.5)
    for s in ("sport", "closed_sandal", "casual", "boot"):
        assert generate_last(_foot(100, 95), style=s, child=True).toe_allowance_mm >= 12.0


@pytest.mark.parametrize("style", ["sport", "casual", "dress_round", "boot"])
def test_basic_width_is_a_third_of_the_ball_girth(style):
    p = generate_last(_foot(265, 250, ball_width_mm=100.0), style=style, sex="male")
    assert 84.0 <= p.bottom_width_ball_mm <= 98.0
    assert p.bottom_width_ball_mm >= 0.34 * (p.ball_girth_mm - 2 * p.insole_forefoot_mm - 5.0)
    assert 4.0 <= 100.0 - p.bottom_width_ball_mm <= 12.0
    assert p.width_mth1_medial_mm == pytest.approx(0.4 * p.bottom_width_ball_mm)


def test_toe_spring_never_rises_with_heel_height():
    for style_spring in (5.0, 10.0, 15.0, 20.0):
        springs = [toe_spring_for_heel(style_spring, h) for h in range(0, 121, 5)]
        assert all(b <= a + 1e-9 for a, b in zip(springs, springs[1:], strict=False))
    assert toe_spring_for_heel(15.0, 80.0) <= 8.0
    sneaker = generate_last(_foot(265, 250), style="sport", sex="male")
    assert 5.0 <= sneaker.toe_spring_mm <= 15.0
    boot = generate_last(_foot(265, 250), style="boot", sex="male")
    assert boot.toe_spring_mm == pytest.approx(15.0, abs=1.5)
    high = generate_last(_foot(240, 225), style="dress_pointed", sex="female",
                         heel_height_mm=80.0)
    assert high.toe_spring_mm <= 8.0


def test_insole_room_raises_girths_by_twice_its_thickness():
    base = generate_last(_foot(265, 250), style="sport", sex="male",
                         insole={"forefoot_mm": 0.0, "heel_mm": 0.0})
    thick = generate_last(_foot(265, 250), style="sport", sex="male",
                          insole={"forefoot_mm": 4.0, "heel_mm": 4.0, "label": "X"})
    assert thick.ball_girth_mm - base.ball_girth_mm == pytest.approx(8.0)
    assert thick.instep_girth_mm - base.instep_girth_mm == pytest.approx(8.0)
    assert thick.insole == "X"
    with pytest.raises(ValueError, match="forefoot_mm"):
        generate_last(_foot(265, 250), style="sport", insole={"forefoot_mm": 40.0})


def test_heel_girths_and_stick_length_are_parameters():
    p = generate_last(_foot(265, 250, short_heel_girth_mm=330.0, long_heel_girth_mm=345.0),
                      style="boot", sex="male")
    assert p.stick_length_mm == pytest.approx(p.bottom_length_mm + p.heel_allowance_mm)
    # a pull-on boot's short heel girth is about the foot's, plus the insole and sock
    assert p.short_heel_girth_mm == pytest.approx(330.0 + 2 * p.insole_heel_mm + 5.0)
    missing = generate_last(_foot(265, 250), style="sport", sex="male")
    assert any("short_heel_girth_mm not measured" in n for n in missing.notes)


@pytest.mark.parametrize("girth, letter", [(237.0, "D"), (243.0, "E"), (249.0, "2E"),
                                           (255.0, "3E")])
def test_jis_width_letters_follow_the_jis_table(girth, letter):
    assert compute_sizes(250, ball_girth_mm=girth, sex="male").jp_width == letter


def test_grading_is_additive():
    table = json.loads((ROOT / "footfit" / "data" / "last_grading.json")
                       .read_text(encoding="utf-8"))
    step = table["styles"]["sport"]["male"]["per_size_step"]
    width = table["styles"]["sport"]["male"]["per_width_type"]
    assert step["ball_girth_mm"] == pytest.approx(width["ball_girth_mm"] * 0 + step[
        "ball_girth_mm"])
    assert width["ball_girth_mm"] == pytest.approx(7.0, abs=0.01)
    assert width["bottom_width_ball_mm"] == pytest.approx(
        width["ball_girth_mm"] / 3.0, rel=0.25)


# ----------------------------------------------------------------------------- custom last
@pytest.fixture(scope="module")
def demo_feet():
    scan = footfit.load_scan(ROOT / "sample_scans" / "demo_right_m.ply")
    iso = footfit.isolate_feet(scan.points, normals=scan.normals, rng=0)
    foot = footfit.align_foot(iso.feet[0], up=iso.up, floor_plane=iso.floor_plane)
    return foot, footfit.measure_foot(foot).measurements


def test_custom_last_is_watertight_and_the_last_its_parameters_describe(demo_feet):
    foot, m = demo_feet
    p = generate_last(m, style="sport", sex="male")
    cl = build_custom_last(foot, p)
    mesh = cl.mesh
    assert mesh.is_watertight and mesh.volume > 0
    meta = mesh.metadata["last"]
    for name in ("ball", "instep"):
        g = section_girth(mesh, *meta[f"{name}_plane"])
        assert g == pytest.approx(getattr(cl.params, f"{name}_girth_mm"), abs=1.5)
    # the girths meet the trade rules' targets in the last's planes within about 1.5 mm
    # of the foot's own girth there (the foot standing on the insole)
    v = np.asarray(mesh.vertices)
    # bottom length along the bottom: the profile the mesh was bent on
    s, y, z = (np.asarray(meta[k]) for k in ("bottom_s_mm", "bottom_y_mm", "bottom_z_mm"))
    arc = float(np.sum(np.hypot(np.diff(y), np.diff(z))))
    assert arc == pytest.approx(p.bottom_length_mm, abs=2.0)
    # bottom width at the ball: the mesh's feather edge at the MTH1 station
    y1 = meta["stations_y_mm"]["mth1"]
    near = np.abs(v[:, 1] - y1) < 1.3
    z0 = float(np.interp(y1, y, z))
    bottom = near & (v[:, 2] < z0 + 0.3)
    assert np.ptp(v[bottom, 0]) == pytest.approx(p.bottom_width_ball_mm, abs=3.0)
    # its toe tip is the bottom's: FL + toe allowance - heel allowance along the bottom
    assert meta["toe_tip_y_mm"] == pytest.approx(float(y[-1]), abs=1.5)


def test_custom_last_contains_its_foot(demo_feet):
    foot, m = demo_feet
    for style in ("sport", "casual", "dress_round"):
        cl = build_custom_last(foot, generate_last(m, style=style, sex="male"))
        ff = fit_foot(foot, cl, stock=False, measurements=m)
        limit = 3.0 if style.startswith("dress") else 2.0
        assert max(z.pressure_mm for z in ff.custom.zones) <= limit, style
        assert ff.custom.score >= 80.0


def test_ring_clearance_agrees_with_the_exact_distance(demo_feet):
    foot, m = demo_feet
    # a flat heel: behind the toe spring the flat frame of the ring table is the mesh's own
    cl = build_custom_last(foot, generate_last(m, style="casual", sex="male",
                                               heel_height_mm=0.0))
    pl = prepare_last(cl)
    table = pl.meta["rings"]
    assert table["frame"] == "flat"
    rng = np.random.default_rng(0)
    v = np.asarray(pl.mesh.vertices)
    pts = v[rng.choice(len(v), 4000, replace=False)]
    pts = pts + rng.normal(0, 2.0, pts.shape)
    pts = pts[(pts[:, 1] > 40) & (pts[:, 1] < 180)]
    exact, _ = signed_clearance(pl, pts, cell_mm=0)
    ring, _ = ring_clearance(table, pts)
    close = np.abs(exact) < 5.0
    assert close.sum() > 300
    err = np.abs(ring[close] - exact[close])
    assert np.median(err) < 0.1
    assert np.percentile(err, 95) < 0.5  # the feather-edge corners are the worst
    clear = np.abs(exact) > 0.5
    assert np.mean(np.sign(ring[clear]) == np.sign(exact[clear])) > 0.99


def test_back_wall_on_the_first_rings_equals_all_rings(demo_feet):
    """ring_back_wall tries the first 16 rings, then all for the rest: the same walls."""
    from footfit.last.rings import _back_wall, ring_back_wall

    foot, m = demo_feet
    table = prepare_last(build_custom_last(foot, generate_last(m, style="sport"))).meta["rings"]
    rng = np.random.default_rng(2)
    pts = np.asarray(foot.points)[rng.choice(len(foot.points), 3000, replace=False)]
    pts = np.concatenate([pts, pts + rng.normal(0.0, 25.0, pts.shape)])
    got, want = ring_back_wall(table, pts), _back_wall(table, pts, 60)
    assert np.isnan(want).any() and (~np.isnan(want)).sum() > 1000
    np.testing.assert_array_equal(got, want)


def test_ring_clearance_closes_on_the_apexes(demo_feet):
    """Behind the first ring and ahead of the last: the cone to the apex, capped by y."""
    foot, m = demo_feet
    table = prepare_last(build_custom_last(foot, generate_last(m, style="sport"))).meta["rings"]
    y_r, back, tip = np.asarray(table["y"]), table["back_y"], table["tip_y"]
    rng = np.random.default_rng(8)
    ys = np.concatenate([rng.uniform(back - 5, y_r[0], 200), rng.uniform(y_r[-1], tip + 5, 200),
                         rng.uniform(y_r[0], y_r[-1], 200)])
    first, last = np.asarray(table["centre"])[[0, -1]]
    ahead = ys > y_r[-1]
    c = np.where(ahead[:, None], last, first)
    pts = np.stack([c[:, 0] + rng.normal(0, 8, 600), ys, c[:, 1] + rng.normal(0, 8, 600)], 1)
    clear, normal = ring_clearance(table, pts)
    middle, _ = ring_clearance(table, pts[400:])
    np.testing.assert_array_equal(clear[400:], middle)  # the caps change no other point
    cap = slice(0, 400)
    axial = np.where(ahead[cap], tip - ys[cap], ys[cap] - back)
    assert (clear[cap] <= axial + 1e-12).all()
    on_axis = clear[cap] == axial
    assert on_axis.any() and (~on_axis).any()
    np.testing.assert_array_equal(np.abs(normal[cap][on_axis, 1]), 1.0)


def test_section_table_bands_come_from_data(demo_feet):
    foot, m = demo_feet
    cl = build_custom_last(foot, generate_last(m, style="sport", sex="male"))
    ff = fit_foot(foot, cl, stock=False, measurements=m)
    rows = {r.name: r for r in ff.custom.sections}
    table = json.loads((ROOT / "footfit" / "data" / "fit_zones.json").read_text(encoding="utf-8"))
    bands = table["section_bands"]
    assert rows["ball_girth"].ok_range == tuple(bands["ball_girth_net_ease_mm"]["sport"]["ok"])
    assert rows["bottom_width"].band == band_of(
        rows["bottom_width"].ease_mm, bands["foot_ball_width_minus_basic_width_mm"],
        tight_is_low=False)
    assert {"ball_girth", "instep_girth", "bottom_width", "heel_seat", "toe_room",
            "dorsal_toe_box", "dorsal_instep", "dorsal_waist", "mth1_ball_line"} <= set(rows)
    d = ff.custom.to_dict()
    assert [r["name"] for r in d["sections"]][:2] == ["ball_girth", "instep_girth"]


def test_a_dress_last_under_the_foot_is_as_designed(demo_feet):
    foot, m = demo_feet
    cl = build_custom_last(foot, generate_last(m, style="dress_pointed", sex="male"))
    ff = fit_foot(foot, cl, stock=False, measurements=m)
    assert not any(z.verdict == "tight" for z in ff.custom.zones)


# ----------------------------------------------------------------------------- the pair
def test_a_pair_shares_one_stock_last_and_heel_height():
    report = footfit.process(ROOT / "sample_scans" / "demo_two_feet.ply", style="sport")
    d = json.loads(report.to_json())
    lasts = [f["last"] for f in d["feet"]]
    assert len(lasts) == 2
    assert lasts[0]["stock_last"]["id"] == lasts[1]["stock_last"]["id"]
    assert lasts[0]["heel_height_mm"] == lasts[1]["heel_height_mm"]
    assert lasts[0]["heel_height_mm"] == lasts[0]["stock_last"]["stock_last"]["heel_height_mm"]
    for last in lasts:
        assert not any("heel height" in mod for mod in last["modifications"])
        assert set(last["build_up_mm"]) == {"toe_box", "ball_medial", "ball_lateral",
                                            "instep", "waist", "heel"}
        assert last["built_from_scan"] is True
    # the fit section is on by default
    assert all("fit" in f for f in d["feet"])


def test_nearest_stock_last_returns_a_build_up_map():
    p = generate_last(_foot(263, 252), style="sport", sex="male")
    match = nearest_stock_last(p)[0]
    assert match.build_up_mm["ball_medial"] + match.build_up_mm["ball_lateral"] == \
        pytest.approx(2 * match.deltas["ball_girth_mm"] / (2 * np.pi), abs=0.11)


# ----------------------------------------------------------------------------- real scans
REAL = [("orbbec-6view/left.asc", "male"), ("orbbec-6view/right.asc", "male"),
        ("aetrex/left_foot.stl", "male")]


@pytest.mark.realscans
@pytest.mark.parametrize("rel, sex", REAL)
@pytest.mark.parametrize("style", ["sport", "casual", "dress_round"])
def test_real_feet_in_their_own_custom_last(realscans, rel, sex, style):
    path = realscans / rel
    if not path.exists():
        pytest.skip(f"{path} not present")
    scan = footfit.load_scan(path)
    iso = footfit.isolate_feet(scan.points, normals=scan.normals, rng=0)
    foot = footfit.align_foot(iso.feet[0], up=iso.up, floor_plane=iso.floor_plane)
    m = footfit.measure_foot(foot).measurements
    cl = build_custom_last(foot, generate_last(m, style=style, sex=sex))
    ff = fit_foot(foot, cl, stock=False, measurements=m)
    limit = 3.0 if style.startswith("dress") else 2.0
    worst = max(z.pressure_mm for z in ff.custom.zones)
    assert worst <= limit, [z.words for z in ff.custom.zones]
    assert ff.custom.score >= 80.0
    if style == "sport":
        assert 12.0 <= ff.custom.room["toe_room_mm"] <= 25.0
    assert prepare_foot(foot).length_mm == pytest.approx(m.foot_length_mm, abs=3.0)


def test_slab_support_equals_the_projection_of_every_point():
    """The direction-by-direction support table against the plain matrix product."""
    from footfit.last.support import slab_support

    rng = np.random.default_rng(3)
    phi = np.linspace(-0.5 * np.pi, 1.5 * np.pi, 72, endpoint=False)
    n = np.stack([np.cos(phi), np.sin(phi)], axis=1)
    for trial in range(30):
        pts = rng.normal(size=(int(rng.integers(4, 3000)), 3)) * [30.0, 60.0, 20.0]
        if trial % 3 == 0:
            pts = np.round(pts)  # repeated points and ties
        ys = np.linspace(-80.0, 80.0, int(rng.integers(2, 60)))
        got, valid = slab_support(pts, ys, n, 1.5, 24)
        # the reference: every point of each (widened) slab, projected by a matrix product
        order = np.argsort(pts[:, 1], kind="stable")
        sy = pts[order, 1]
        h = np.full(len(ys), 1.5)
        for _ in range(5):  # widened where sparse (the slabs of the last widening step)
            i0, i1 = np.searchsorted(sy, ys - h), np.searchsorted(sy, ys + h)
            few = (i1 - i0) < 24
            if not few.any():
                break
            h = np.where(few, h * 1.6, h)
        for k in range(len(ys)):
            sel = order[i0[k]:i1[k]]
            assert valid[k] == (len(sel) >= 3)
            if valid[k]:
                want = (pts[sel][:, [0, 2]] @ n.T).max(axis=0)
                np.testing.assert_allclose(got[k], want, rtol=0, atol=1e-9)
            else:
                assert not got[k].any()
