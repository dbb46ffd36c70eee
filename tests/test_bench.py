"""Smoke test: the benchmark command runs on a tiny size and writes JSON (no timings)."""

import json
import subprocess
import sys

import numpy as np


def test_bench_quick_runs_and_writes_json(tmp_path):
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, "-m", "footfit", "bench", "--quick", "--sizes", "50k", "--repeat", "1",
         "--cache", str(tmp_path / "cache"), "--out", str(out)],
        capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text())
    case = data["time_pipeline"]["ply-50k"]
    assert case["points"] == 50_000
    assert case["total"]["median"] > 0
    assert set(case) >= {"load", "isolate", "align", "measure", "insoles", "last", "total"}
    assert "time_pipeline[ply-50k].total" in proc.stdout


def test_bench_rejects_unknown_size(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "footfit", "bench", "--sizes", "5k", "--out", str(tmp_path / "b")],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 2
    assert "5k" in proc.stderr and "Traceback" not in proc.stderr


def test_realshaped_resampling_keeps_the_shape_and_adds_the_noise():
    import numpy as np

    from footfit.bench.realshaped import resample_points

    rng = np.random.default_rng(0)
    v = rng.normal(size=(5000, 3))
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    out = resample_points(50.0 * v, v, 40_000, noise_mm=0.3, rng=1)
    r = np.linalg.norm(out, axis=1)
    assert out.shape == (40_000, 3)
    # the tangent jitter keeps points on the sphere (to second order), the noise is 0.3 mm
    assert abs(np.median(r) - 50.0) < 0.05
    assert 0.25 < np.std(r) < 0.4


def test_bench_realshaped_rows_or_a_skip_message(tmp_path, monkeypatch):
    from footfit.bench.realshaped import format_realshaped, realscans_dir

    if realscans_dir() is None:
        from footfit.bench.realshaped import bench_realshaped

        res = bench_realshaped(tmp_path, 1)
        assert "skipped" in res and "real scans" in res["skipped"]
        assert format_realshaped(res)[0][1] == "skipped"
        return
    from footfit.bench.realshaped import make_realshaped_scan
    from footfit.io import load_scan

    path = make_realshaped_scan("orbbec-left", 50_000, tmp_path)
    scan = load_scan(path)
    assert scan.points.shape == (50_000, 3)
    ext = np.ptp(scan.points, axis=0)
    assert 230 < ext.max() < 300  # an adult foot and its ankle, in mm
