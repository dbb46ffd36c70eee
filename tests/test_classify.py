"""Tests of footfit.classify: cut-offs from footfit/data/foot_classes.json, reasons, bad input."""

from __future__ import annotations

import json

import pytest

from footfit._data import model_path
from footfit.classify import (
    ARCH_RULES,
    FootClassification,
    classify_arch_index,
    classify_foot,
    classify_hallux_valgus,
    classify_width,
)
from footfit.measure.results import FootMeasurements


@pytest.mark.parametrize(
    ("ai", "expected"),
    [(0.0, "high"), (0.18, "high"), (0.21, "high"), (0.2101, "normal"), (0.24, "normal"),
     (0.2599, "normal"), (0.26, "flat"), (0.37, "flat")],
)
def test_cavanagh_rodgers_cutoffs(ai, expected):
    assert classify_arch_index(ai) == expected


@pytest.mark.parametrize(
    ("ai", "expected"),
    [(0.2199, "high"), (0.22, "normal"), (0.265, "normal"), (0.27, "normal"), (0.2701, "flat")],
)
def test_cn_retail_cutoffs(ai, expected):
    assert classify_arch_index(ai, rule="cn_retail") == expected


def test_rules_match_data_file():
    data = json.loads(model_path("foot_classes.json").read_text())
    assert set(ARCH_RULES) == set(data["arch_rules"])
    for spec in data["arch_rules"].values():
        assert spec["source"] and spec["high"]["max"] < spec["flat"]["min"]


def test_arch_none_and_bad_input():
    assert classify_arch_index(None) is None
    with pytest.raises(ValueError, match="`rule` must be one of"):
        classify_arch_index(0.2, rule="nope")
    with pytest.raises(ValueError, match="within"):
        classify_arch_index(1.5)
    with pytest.raises(ValueError, match="finite"):
        classify_arch_index(float("nan"))
    with pytest.raises(TypeError, match="arch_index"):
        classify_arch_index("flat")


def test_width_class_is_relative_to_length():
    # the same 98 mm ball is wide on a short foot and narrow on a long one
    short = classify_width(230.0, 98.0, sex="female")
    long_ = classify_width(300.0, 98.0, sex="male")
    assert short[0] == "wide" and short[1] > 1
    assert long_[0] == "narrow" and long_[1] < -1
    assert "ANSUR II" in short[2]


def test_width_z_is_the_ansur_residual():
    pop = json.loads(model_path("width_calibration.json").read_text())["groups"]["male"]
    line = pop["ball_width_mm"]
    fl = 265.0
    expected = line["intercept"] + line["slope"] * fl
    cls, z, _ = classify_width(fl, expected + 0.5 * line["residual_sd"], sex="male")
    assert cls == "normal" and z == pytest.approx(0.5)


def test_width_falls_back_to_girth_and_reports_missing():
    cls, z, why = classify_width(260.0, None, ball_girth_mm=300.0)
    assert cls == "wide" and "ball girth" in why
    assert classify_width(260.0, None)[0] is None
    assert classify_width(None, 100.0)[2] == "no foot length"
    with pytest.raises(ValueError, match="`sex`"):
        classify_width(260.0, 100.0, sex="m")


def test_hallux_grades():
    assert [classify_hallux_valgus(a) for a in (-5.0, 14.9, 15.0, 20.5, 21.0, 39.9, 40.0)] == [
        "normal", "normal", "mild", "mild", "moderate", "moderate", "severe"]
    assert classify_hallux_valgus(None) is None


def test_classify_foot_full():
    m = FootMeasurements(side="right", foot_length_mm=260.0, ball_width_mm=99.0,
                         arch_index=0.29, toe_shape="greek", hallux_valgus_angle_deg=23.0)
    c = classify_foot(m, sex="male")
    assert isinstance(c, FootClassification)
    assert (c.arch_type, c.arch_rule, c.arch_value) == ("flat", "cavanagh_rodgers_1987", 0.29)
    assert c.toe_shape == "greek" and c.hallux_valgus_grade == "moderate"
    assert "0.290 >= 0.26 -> flat" in c.reasons["arch_type"]
    assert "proxy" in c.reasons["hallux_valgus_grade"]
    d = c.to_dict()
    json.dumps(d)
    assert d["width_class"] == c.width_class and set(d["reasons"]) == {
        "arch_type", "width_class", "toe_shape", "hallux_valgus_grade"}
    assert classify_foot(m, rule="cn_retail").arch_type == "flat"


def test_classify_foot_without_plantar_surface():
    m = FootMeasurements(side="left", foot_length_mm=250.0, ball_width_mm=97.0,
                         missing={"arch_index": "no plantar surface in the scan"})
    c = classify_foot(m)
    assert c.arch_type is None and c.arch_value is None
    assert "no plantar surface" in c.reasons["arch_type"]
    assert c.width_class is not None


def test_classify_foot_rejects_other_types():
    with pytest.raises(TypeError, match="FootMeasurements"):
        classify_foot({"arch_index": 0.2})
