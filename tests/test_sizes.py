"""Tests of footfit.sizes: DOMAIN.md section 4 test vectors, monotonicity, round trips, widths."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from footfit import FootMeasurements, InvalidMeasurementError
from footfit._data import model_path
from footfit.sizes import (
    available_profiles,
    base_ball_girth,
    compute_sizes,
    foot_length_from_size,
    round_half_up,
    sizes_for_feet,
    standard_foot,
)

# DOMAIN.md section 4 (ISO-formula convention): FL -> EU / UK / US men / US women (FIA).
ADULT_VECTORS = [
    (220, 35.0, 3.0, 4.0, 5.0),
    (230, 36.5, 4.0, 5.0, 6.0),
    (240, 38.0, 5.5, 6.5, 7.5),
    (250, 39.5, 6.5, 7.5, 8.5),
    (265, 42.0, 8.5, 9.5, 10.5),
    (280, 44.0, 10.0, 11.0, 12.0),
    (300, 47.0, 12.5, 13.5, 14.5),
]
LINEAR = ("eu", "uk", "us_men", "us_women")


@pytest.mark.parametrize(("fl", "eu", "uk", "us_men", "us_women"), ADULT_VECTORS)
def test_adult_vectors_foot_to_size(fl, eu, uk, us_men, us_women):
    s = compute_sizes(fl)
    assert (s.eu, s.uk, s.us_men, s.us_women) == (eu, uk, us_men, us_women)
    assert s.cn == str(fl) and s.mondopoint == str(fl) and s.jp_cm == fl / 10
    assert not s.child and s.profile == "iso"


@pytest.mark.parametrize(("fl", "eu", "uk", "us_men", "us_women"), ADULT_VECTORS)
def test_adult_vectors_size_to_foot(fl, eu, uk, us_men, us_women):
    for system, size in zip(LINEAR, (eu, uk, us_men, us_women), strict=True):
        # quoted to the 5 mm Mondopoint grade, as DOMAIN.md quotes them
        assert foot_length_from_size(size, system=system, grading_mm=5) == fl
        # the exact inverse is the centre of the size's interval: it maps back
        exact = foot_length_from_size(size, system=system)
        assert getattr(compute_sizes(exact), system) == size
    assert foot_length_from_size(f"{fl}/100", system="mondopoint") == fl
    assert foot_length_from_size(f"{fl}(三)", system="cn") == fl
    assert foot_length_from_size(fl / 10, system="jp_cm") == pytest.approx(fl)


def test_uk_five_and_a_half_is_240_mm_eu_38():
    assert foot_length_from_size(5.5, system="uk", grading_mm=5) == 240
    s = compute_sizes(240)
    assert (s.uk, s.eu) == (5.5, 38.0)


def test_child_vector_both_directions():
    s = compute_sizes(135)
    assert s.child and (s.eu, s.uk, s.us_men) == (22.0, 5.0, 5.5)
    assert s.us_women == s.us_men  # unisex children's US size
    assert foot_length_from_size(22, system="eu", child=True, grading_mm=5) == 135
    assert foot_length_from_size(5, system="uk", child=True, grading_mm=5) == 135
    assert foot_length_from_size(5.5, system="us_men", child=True, grading_mm=5) == 135
    # length-based scales need no child flag
    assert foot_length_from_size("135(二)", system="cn") == 135
    assert foot_length_from_size(13.5, system="jp_cm") == pytest.approx(135)
    with pytest.raises(InvalidMeasurementError, match="adult scales"):
        foot_length_from_size(135, system="cn", child=False)


def test_cn_retail_profile_and_us_standard():
    assert compute_sizes(250, profile="cn_retail").eu == 40.0
    assert compute_sizes(250).eu == 39.5
    # only EU changes in cn_retail
    a, b = compute_sizes(262, profile="cn_retail"), compute_sizes(262)
    assert (a.uk, a.us_men, a.cn) == (b.uk, b.us_men, b.cn)
    s = compute_sizes(250, profile="iso_us_standard")
    assert s.us_women == pytest.approx(round_half_up(3 * 250 / 25.4 - 22 + 1.5, 0.5))
    assert set(available_profiles()) >= {"iso", "cn_retail", "iso_us_standard"}


@pytest.mark.parametrize(("child", "lo", "hi"), [(False, 195.0, 360.0), (True, 95.0, 205.0)])
@pytest.mark.parametrize("profile", ["iso", "cn_retail", "iso_us_standard"])
def test_monotone_without_gaps_and_round_trip(child, lo, hi, profile):
    grid = np.arange(lo, hi + 1e-9, 0.25)
    rows = [compute_sizes(fl, profile=profile, child=child) for fl in grid]
    for system in (*LINEAR, "jp_cm"):
        vals = np.array([getattr(r, system) for r in rows])
        steps = np.diff(vals)
        assert (steps >= 0).all(), system  # monotone
        assert (steps <= 0.5).all(), system  # no size skipped
        # every size reached maps back to itself through the inverse
        if system == "jp_cm":
            continue
        for size in map(float, np.unique(vals)):
            fl = foot_length_from_size(size, system=system, profile=profile, child=child)
            assert getattr(compute_sizes(fl, profile=profile, child=child), system) == size
    cn = np.array([int(r.cn) for r in rows])
    assert (np.diff(cn) >= 0).all() and set(np.diff(cn)) <= {0, 5}
    # foot -> size -> foot lands within half a size unit (EU unit = 20/3 mm)
    for fl, r in zip(grid, rows, strict=True):
        back = foot_length_from_size(r.eu, system="eu", profile=profile, child=child)
        slope = (0.15 * 1.08 if child else (0.2 if profile == "cn_retail" else 0.15))
        assert abs(back - fl) <= 0.25 / slope + 1e-6


@pytest.mark.parametrize("bad", [60, 400, 94.0, 361.0])
def test_out_of_range_length_is_refused(bad):
    with pytest.raises(InvalidMeasurementError, match=rf"foot_length_mm .*got {bad:g}"):
        compute_sizes(bad)


def test_bad_inputs_name_field_and_value():
    with pytest.raises(InvalidMeasurementError, match="foot_length_mm is missing"):
        compute_sizes(None)
    with pytest.raises(InvalidMeasurementError,
                       match="`foot_length_mm` must be a number; got 'x'"):
        compute_sizes("x")
    with pytest.raises(InvalidMeasurementError, match="ball_girth_mm .*got 20"):
        compute_sizes(250, ball_girth_mm=20)
    with pytest.raises(InvalidMeasurementError, match="children's scales; got 250"):
        compute_sizes(250, child=True)
    with pytest.raises(ValueError, match="`profile` must be one of"):
        compute_sizes(250, profile="uk_only")
    with pytest.raises(ValueError, match="`sex` must be one of"):
        compute_sizes(250, sex="m")
    with pytest.raises(ValueError, match="`system` must be one of"):
        foot_length_from_size(42, system="fr")
    with pytest.raises(InvalidMeasurementError, match="size 90"):
        foot_length_from_size(90, system="eu")
    with pytest.raises(InvalidMeasurementError, match="not a cn size"):
        foot_length_from_size("abc", system="cn")


def test_child_boundary_and_mondopoint_width():
    assert compute_sizes(199.9).child and not compute_sizes(200).child
    assert compute_sizes(263, ball_width_mm=101.6).mondopoint == "265/102"
    assert compute_sizes(263).mondopoint == "265"
    assert compute_sizes(262.4).cn == "260" and compute_sizes(262.5).cn == "265"


@pytest.mark.parametrize("sex", [None, "male", "female"])
def test_width_types_step_seven_mm(sex):
    names = ["一", "二", "三", "四", "五"]
    for fl in (230.0, 250.0, 275.0):
        base = base_ball_girth(fl, sex=sex)
        for k, name in enumerate(names):
            girth = base + 7.0 * (k - 2)
            s = compute_sizes(fl, ball_girth_mm=girth, sex=sex)
            assert s.cn_width_type == name and s.cn_label == f"{int(s.cn)}({name})"
            assert s.cn_width_index == k + 1
            assert base_ball_girth(fl, width_type=name, sex=sex) == pytest.approx(girth)
        # half types: 3.5 mm
        assert compute_sizes(fl, ball_girth_mm=base + 3.6, sex=sex).cn_width_index == 3.5
    # outside the five types: clipped and said
    s = compute_sizes(250, ball_girth_mm=base_ball_girth(250, sex=sex) + 30, sex=sex)
    assert s.cn_width_type == "五" and any("outside the 5" in n for n in s.notes)


def test_width_letters_and_monotone_in_girth():
    base_m, base_f = base_ball_girth(260, sex="male"), base_ball_girth(240, sex="female")
    assert compute_sizes(260, ball_girth_mm=base_m, sex="male").us_width == "D"
    assert compute_sizes(260, ball_girth_mm=base_m, sex="male").uk_width == "F"
    assert compute_sizes(240, ball_girth_mm=base_f, sex="female").us_width == "B"
    # JIS letters follow the JIS table, not the population (DOMAIN.md section 4): men's E is
    # 243 mm at 250 mm and grows 3 mm per 5 mm of length; women's is 3 mm less
    assert compute_sizes(260, ball_girth_mm=249.0, sex="male").jp_width == "E"
    assert compute_sizes(260, ball_girth_mm=255.0, sex="male").jp_width == "2E"
    assert compute_sizes(260, ball_girth_mm=249.0 + 6.1, sex="male").jp_width == "2E"
    assert compute_sizes(240, ball_girth_mm=234.0, sex="female").jp_width == "E"
    assert compute_sizes(260, ball_girth_mm=base_m + 6.4, sex="male").us_width == "E"
    s = compute_sizes(260, ball_girth_mm=base_m)
    assert any("men's (unisex)" in n for n in s.notes)
    letters = ["4A", "3A", "2A", "A", "B", "C", "D", "E", "2E", "3E", "4E", "5E", "6E"]
    idx = [letters.index(compute_sizes(260, ball_girth_mm=g, sex="male").us_width)
           for g in np.linspace(200, 300, 101)]
    assert (np.diff(idx) >= 0).all() and idx[0] < idx[-1]
    child = compute_sizes(150, ball_girth_mm=base_ball_girth(150, child=True))
    assert child.cn_width_type == "二" and child.us_width == "M"
    assert compute_sizes(150, ball_girth_mm=base_ball_girth(150, child=True) + 20).cn_width_type \
        == "三"


def test_standard_foot_is_additive_not_proportional():
    a, b, c = (standard_foot(fl, sex="male") for fl in (240.0, 250.0, 260.0))
    for key in ("ball_girth_mm", "ball_width_mm", "heel_width_mm"):
        assert b[key] - a[key] == pytest.approx(c[key] - b[key])  # constant increment
        assert c[key] / c["foot_length_mm"] < a[key] / a["foot_length_mm"]  # larger: narrower
    wide = standard_foot(250.0, width_type="五", sex="male")
    assert wide["ball_width_mm"] > b["ball_width_mm"] and wide["heel_width_mm"] == b[
        "heel_width_mm"]


def _fm(side, fl, girth=None, width=None):
    return FootMeasurements(side=side, foot_length_mm=fl, ball_girth_mm=girth,
                            ball_width_mm=width)


def test_two_feet_size_from_the_larger_one():
    s = sizes_for_feet([_fm("left", 262.0, 245.0), _fm("right", 268.5, 241.0)], sex="male")
    assert s.decided_by == "right" and s.length_difference_mm == pytest.approx(6.5)
    assert s.foot_length_mm == 268.5 and s.cn == "270"
    assert s.ball_girth_mm == 245.0
    assert any("right foot is 6.5 mm longer than the left" in n for n in s.notes)
    assert any("more than a half size" in n for n in s.notes)
    assert any("from the left foot (larger ball girth)" in n for n in s.notes)
    per = {f["side"]: f for f in s.per_foot}
    assert per["left"]["cn_label"] == "260(三)" and per["right"]["cn_label"] == "270(二)"
    assert per["right"]["eu"] == s.eu and per["left"]["eu"] < s.eu
    # order does not matter
    t = sizes_for_feet([_fm("right", 268.5, 241.0), _fm("left", 262.0, 245.0)], sex="male")
    assert t.to_dict() == s.to_dict()


def test_feet_from_mappings_and_missing_lengths():
    s = sizes_for_feet([{"side": "left", "foot_length_mm": 250.0},
                        {"side": "right", "foot_length_mm": None,
                         "missing": {"foot_length_mm": "toes cut off"}}])
    assert s.decided_by == "left" and s.length_difference_mm is None
    assert any("toes cut off" in n for n in s.notes)
    with pytest.raises(InvalidMeasurementError, match="missing for every foot"):
        sizes_for_feet([_fm("left", None), _fm("right", None)])
    with pytest.raises(InvalidMeasurementError, match="no foot given"):
        sizes_for_feet([])
    with pytest.raises(TypeError, match=r"`feet\[0\]`"):
        sizes_for_feet([3.0])
    d = sizes_for_feet([_fm("left", 250.0, 235.0, 96.0)]).to_dict()
    json.dumps(d)
    assert d["decided_by"] == "left" and d["mondopoint"] == "250/96"


def test_data_files_carry_sources():
    doc = json.loads(model_path("size_systems.json").read_text(encoding="utf-8"))
    for name, prof in doc["profiles"].items():
        assert prof.get("source"), name
    cal = json.loads(model_path("width_calibration.json").read_text(encoding="utf-8"))
    assert "ANSUR II" in cal["source"]
    for key in ("cn_width_types", "us_width", "uk_width", "jp_width", "child"):
        assert cal[key]["source"]


@pytest.mark.realscans
def test_calibration_reproduces_from_ansur(realscans):
    """The committed calibration is what tools/calibrate_widths.py computes from ANSUR II."""
    cal = json.loads(model_path("width_calibration.json").read_text(encoding="utf-8"))
    for sex in ("male", "female"):
        path = realscans / "ansur2" / f"ANSUR_II_{sex.upper()}_Public.csv"
        if not path.is_file():
            pytest.skip(f"{path} absent")
        with path.open(encoding="latin-1", newline="") as fh:
            rows = list(csv.DictReader(fh))
        fl = np.array([float(r["footlength"]) for r in rows])
        g = np.array([float(r["balloffootcircumference"]) for r in rows])
        slope, intercept = np.polyfit(fl, g, 1)
        line = cal["groups"][sex]["ball_girth_mm"]
        assert line["slope"] == pytest.approx(slope, abs=1e-4)
        assert line["intercept"] == pytest.approx(intercept, abs=0.01)
        assert cal["groups"][sex]["n"] == len(rows)


def test_cli_size_command(capsys):
    from footfit.app.cli import main

    assert main(["size", "230"]) == 0
    out = capsys.readouterr().out
    assert "EU 36.5" in out and "UK 4 " in out and "US women 6 " in out
    assert main(["size", "--from", "uk", "5.5", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["uk"] == 5.5 and d["eu"] == 38.0
    assert main(["size", "265", "--ball-girth", "300", "--sex", "male"]) == 0
    assert "CN 265 五型" in capsys.readouterr().out  # the size line writes the type 五型
    assert main(["size", "400"]) == 2
    assert "foot_length_mm" in capsys.readouterr().err
    assert main(["size"]) == 2


def test_written_girth_table_matches_the_classes():
    table = json.loads(model_path("width_calibration.json").read_text(encoding="utf-8"))[
        "cn_base_girth_table_mm"]
    for group, sex, child in (("male", "male", False), ("female", "female", False),
                              ("pooled", None, False), ("child", None, True)):
        for size, girths in table[group].items():
            for name, g in girths.items():
                assert base_ball_girth(float(size), width_type=name, sex=sex, child=child) \
                    == pytest.approx(g, abs=0.051)
                s = compute_sizes(float(size), ball_girth_mm=g, sex=sex, child=child)
                assert s.cn_width_type == name
