"""The library API a kiosk calls: process(), FootFitter, FitReport."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

import footfit
from footfit.pipeline import STAGES, FootFitter
from footfit.report import load_schema

SAMPLES = Path(__file__).resolve().parent.parent / "sample_scans"


def _samples() -> list[Path]:
    out = []
    for truth in sorted(SAMPLES.glob("*.truth.json")):
        stem = truth.name[: -len(".truth.json")]
        out += [p for p in SAMPLES.glob(stem + ".*") if not p.name.endswith(".json")][:1]
    return out


@pytest.fixture(scope="module")
def fitter() -> FootFitter:
    return FootFitter()


@pytest.fixture(scope="module")
def two_feet_scan() -> Path:
    for truth in sorted(SAMPLES.glob("*.truth.json")):
        if len(json.loads(truth.read_text())["feet"]) == 2:
            stem = truth.name[: -len(".truth.json")]
            return next(p for p in SAMPLES.glob(stem + ".*") if not p.name.endswith(".json"))
    pytest.skip("no two-feet sample scan")


def test_report_has_every_stage_timed(fitter):
    rep = fitter.process(_samples()[0])
    assert set(rep.timings_ms) == {*STAGES, "total"}  # the fit simulation is on by default
    off = fitter.process(_samples()[0], simulate_fit=False)
    assert set(off.timings_ms) == {*STAGES, "total"} and off.timings_ms["fit"] == 0.0
    assert rep.timings_ms["total"] >= sum(rep.timings_ms[s] for s in STAGES) * 0.99


def test_report_json_is_strict_and_valid(fitter):
    jsonschema = pytest.importorskip("jsonschema")
    rep = fitter.process(_samples()[0])
    data = json.loads(rep.to_json())
    jsonschema.validate(data, load_schema())
    assert data["schema_version"] == footfit.report.SCHEMA_VERSION
    assert data["footfit_version"] == footfit.__version__
    assert rep.to_dict()["scan"]["points_in"] == data["scan"]["points_in"]


def test_process_accepts_path_scan_and_array(fitter):
    path = _samples()[0]
    scan = footfit.load_scan(path)
    by_path = fitter.process(path).to_dict()
    by_scan = fitter.process(scan).to_dict()
    by_array = fitter.process(scan.points, units="mm").to_dict()
    for a, b in zip(by_path["feet"], by_scan["feet"], strict=True):
        assert a["measurements"] == b["measurements"]
    # A bare array carries no normals (the file has them), so only near-equality holds.
    for a, b in zip(by_path["feet"], by_array["feet"], strict=True):
        assert a["measurements"].keys() == b["measurements"].keys()
        for key, value in a["measurements"].items():
            if isinstance(value, float):
                assert b["measurements"][key] == pytest.approx(value, rel=5e-3, abs=0.05), key
            else:
                assert b["measurements"][key] == value, key
    assert by_array["scan"]["source"] == "<array>"


def test_module_level_process_matches_fitter(fitter):
    path = _samples()[0]
    a = footfit.process(path).to_dict()
    b = fitter.process(path).to_dict()
    assert a["feet"][0]["measurements"] == b["feet"][0]["measurements"]


def test_two_feet_left_first_and_size_from_larger(fitter, two_feet_scan):
    rep = fitter.process(two_feet_scan)
    assert [f.side for f in rep.feet] == ["left", "right"]
    lengths = {f.side: f.measurements.foot_length_mm for f in rep.feet}
    assert rep.sizes.decided_by == max(lengths, key=lengths.get)


def test_concurrent_calls_equal_serial(fitter):
    paths = _samples()[:4] * 2
    serial = [fitter.process(p).to_dict() for p in paths]
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(lambda p: fitter.process(p).to_dict(), paths))
    for s, p in zip(serial, parallel, strict=True):
        s.pop("timings_ms"), p.pop("timings_ms")
        assert s == p


def test_options_change_the_right_things(fitter):
    path = _samples()[0]
    snug = fitter.process(path, fit="snug").feet[0].last
    roomy = fitter.process(path, fit="roomy").feet[0].last
    assert roomy.ball_girth_mm > snug.ball_girth_mm


def test_bad_options_are_refused(fitter):
    with pytest.raises(ValueError, match="fit"):
        fitter.process(_samples()[0], fit="tight")
    with pytest.raises(TypeError, match="colour"):
        fitter.process(_samples()[0], colour="red")


def test_missing_plantar_is_reported_not_guessed(fitter):
    for truth in sorted(SAMPLES.glob("*.truth.json")):
        data = json.loads(truth.read_text())
        if not data["scan"].get("plantar"):
            stem = truth.name[: -len(".truth.json")]
            scan = next(p for p in SAMPLES.glob(stem + ".*") if not p.name.endswith(".json"))
            rep = fitter.process(scan)
            for f in rep.feet:
                assert f.measurements.arch_index is None
                assert "arch_index" in f.measurements.missing
            assert any("arch_index" in w for w in rep.warnings)
            return
    pytest.skip("no sample without plantar surface")


def test_no_foot_raises_degenerate(fitter, rng):
    plane = np.c_[rng.uniform(0, 300, (20000, 2)), rng.normal(0, 0.3, 20000)]
    with pytest.raises(footfit.DegenerateScanError):
        fitter.process(plane, units="mm")


def test_pair_insole_is_one_device_for_both_feet():
    from types import SimpleNamespace as M

    from footfit.pipeline import pair_insole

    def pool(*pairs):
        return [M(sku=s, name=s.lower(), fit_score=f, rank=r)
                for r, (s, f) in enumerate(pairs, start=1)]

    # B is second for both feet but the best for the worse foot: min(70, 68) > min(90, 40)
    pair, note = pair_insole({"left": pool(("A", 90), ("B", 70)),
                              "right": pool(("B", 68), ("C", 60), ("A", 40))})
    assert note is None and pair["sku"] == "B"
    assert pair["fit_scores"] == {"left": 70, "right": 68} and pair["rank"] == {"left": 2,
                                                                                "right": 1}
    # nothing in common: the longer foot's best, and a note naming both
    pair, note = pair_insole({"left": pool(("S", 80)), "right": pool(("L", 60))},
                             {"left": 257.9, "right": 260.2})
    assert pair["sku"] == "L" and "right (longer)" in pair["basis"]
    assert "L" in note and "left foot's own is S" in note
    pair, note = pair_insole({"right": pool(("X", 50))})
    assert pair["sku"] == "X" and "one foot" in pair["basis"] and note is None
    assert pair_insole({}) == (None, None)


def test_report_pairs_the_insole_of_a_two_foot_scan():
    rep = footfit.process(SAMPLES / "demo_two_feet.ply")
    skus = {f.side: [i.sku for i in f.insoles] for f in rep.feet}
    assert rep.pair_insole["sku"] in skus["left"] and rep.pair_insole["sku"] in skus["right"]
    assert set(rep.pair_insole["fit_scores"]) == {"left", "right"}
    assert rep.to_dict()["pair_insole"]["sku"] == rep.pair_insole["sku"]
