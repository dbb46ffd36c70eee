"""Smoke test: the benchmark command runs on a tiny size and writes JSON (no timings)."""

import json
import subprocess
import sys


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
