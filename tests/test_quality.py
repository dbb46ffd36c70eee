"""Trust signals (footfit.quality): score, rescan advice, reasons, cautions, expected errors."""

import json

import numpy as np
import pytest

from footfit.pipeline import FootFitter
from footfit.quality import assess_scan_quality, expected_errors, foot_scan_metrics
from footfit.report import load_schema


@pytest.fixture(scope="module")
def fitter():
    return FootFitter()


def _foot(report, i=0):
    f = report.feet[i]
    return {"side": f.side, "points": f.aligned.points,
            "measurements": f.measurements.to_dict(), "plantar_visible": f.plantar_visible,
            "width_z": f.classification.width_value, "arch_type": f.classification.arch_type}


@pytest.mark.realscans
def test_realsense_capture_gets_a_rescan_with_reasons(fitter, realscans):
    jsonschema = pytest.importorskip("jsonschema")
    report = fitter.process(str(realscans / "realsense-d435" / "foot_and_leg_m.ply"))
    d = json.loads(report.to_json())
    jsonschema.validate(d, load_schema())
    q = d["scan"]["quality"]
    assert q["rescan_recommended"] is True
    assert q["score"] < 60
    codes = {r["code"] for r in q["reasons"]}
    # the two feet differ by ~24 mm in heel-to-ball length and ~23 mm in ankle girth
    assert "left_right" in codes
    assert any(r["severity"] == "severe" for r in q["reasons"])
    assert {"density", "noise", "coverage_sole"} <= codes
    assert {c["code"] for c in q["cautions"]} >= {"flared_width", "no_sole"}
    assert all(r["text"] and "_" not in r["text"] for r in q["reasons"])


@pytest.mark.realscans
@pytest.mark.parametrize("name", ["left.asc", "right.asc"])
def test_orbbec_scans_need_no_rescan(fitter, realscans, name):
    report = fitter.process(str(realscans / "orbbec-6view" / name))
    q = report.to_dict()["scan"]["quality"]
    assert q["rescan_recommended"] is False
    assert q["score"] >= 90
    side = report.feet[0].side
    feet = q["feet"][side]
    assert min(feet["coverage"].values()) >= 0.95
    # dense scan: the full accuracy table with its 95th percentiles
    assert feet["expected_error"]["ball_girth_mm"] == {"mae": 0.87, "p95": 2.39}
    assert feet["beyond_evaluation"] is False


@pytest.mark.realscans
def test_aetrex_flat_sole_gets_a_caution(fitter, realscans):
    report = fitter.process(str(realscans / "aetrex" / "left_foot.stl"))
    q = report.to_dict()["scan"]["quality"]
    assert [c["code"] for c in q["cautions"]] == ["flat_sole"]
    assert q["rescan_recommended"] is False


def test_complete_sample_scores_well_and_holes_are_reasons(fitter, samples):
    report = fitter.process(str(samples / "demo_right_m.ply"))
    foot = _foot(report)
    full = assess_scan_quality([foot])
    assert full.rescan_recommended is False and full.score >= 90
    p = foot["points"]
    fl = foot["measurements"]["foot_length_mm"]
    # cut away the top of the forefoot and midfoot: the dorsum is gone
    no_top = p[~((p[:, 1] > 0.4 * fl) & (p[:, 1] < 0.85 * fl) & (p[:, 2] > 15))]
    q = assess_scan_quality([{**foot, "points": no_top}])
    codes = {r["code"]: r for r in q.reasons}
    assert "coverage_dorsum" in codes and codes["coverage_dorsum"]["severity"] == "severe"
    assert q.rescan_recommended is True
    # cut away the back of the heel
    no_heel = p[~((p[:, 1] < 0.12 * fl) & (p[:, 2] > 5) & (np.abs(p[:, 0]) < 60))]
    q = assess_scan_quality([{**foot, "points": no_heel}])
    assert "coverage_heel" in {r["code"] for r in q.reasons}


def test_left_right_inconsistency_beyond_real_feet(fitter, samples):
    report = fitter.process(str(samples / "demo_two_feet.ply"))
    left, right = _foot(report, 0), _foot(report, 1)
    same = assess_scan_quality([left, right])
    assert "left_right" not in {r["code"] for r in same.reasons}
    bad = dict(right["measurements"])
    bad["ball_length_mm"] += 20.0
    bad["ankle_girth_mm"] += 25.0
    q = assess_scan_quality([left, {**right, "measurements": bad}])
    lr = [r for r in q.reasons if r["code"] == "left_right"]
    assert {r["values"]["measure"] for r in lr} == {"ball_length_mm", "ankle_girth_mm"}
    assert all(r["severity"] == "severe" for r in lr) and q.rescan_recommended


def test_expected_errors_grow_as_points_thin():
    dense, mid, sparse = (expected_errors(n)["measures"] for n in (60_000, 26_000, 13_000))
    for key in dense:
        assert dense[key]["mae"] <= mid[key]["mae"] <= sparse[key]["mae"]
    assert expected_errors(8_000)["beyond_evaluation"] is True
    assert expected_errors(60_000, noise_mm=1.2)["beyond_evaluation"] is True
    no_sole = expected_errors(60_000, plantar_visible=False)["measures"]
    assert "arch_index" not in no_sole and no_sole["ball_girth_mm"]["mae"] == 1.74


def test_metrics_reject_bad_length():
    with pytest.raises(ValueError, match="foot_length_mm"):
        foot_scan_metrics(np.random.default_rng(0).random((100, 3)), foot_length_mm=0.0)
