"""Tests of ``footfit info`` run as a user runs it (a subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from footfit import save_scan


def run_info(*args):
    return subprocess.run([sys.executable, "-m", "footfit", "info", *map(str, args)],
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def scan_file(tmp_path, rng):
    pts = rng.uniform([0, 0, 0], [0.1, 0.26, 0.08], (1500, 3))  # metres
    nrm = rng.normal(size=pts.shape)
    nrm /= np.linalg.norm(nrm, axis=1)[:, None]
    return save_scan(pts, tmp_path / "foot.ply", normals=nrm)


def test_info_text(scan_file):
    res = run_info(scan_file)
    assert res.returncode == 0, res.stderr
    lines = dict(line.split(None, 1) for line in res.stdout.splitlines())
    assert lines["format"] == "ply" and lines["points"] == "1500"
    assert lines["units_detected"] == "m" and lines["normals"] == "yes"
    assert lines["warnings"] == "none" and res.stderr == ""


def test_info_json_and_units_override(scan_file):
    res = run_info(scan_file, "--json", "--units", "cm")
    assert res.returncode == 0, res.stderr
    info = json.loads(res.stdout)
    assert info["units_detected"] == "cm" and info["scale_to_mm"] == 10.0
    assert 2.5 < info["extent_mm"][1] < 2.61  # 0.26 "cm" -> 2.6 mm: the override is obeyed
    assert info["points_in"] == 1500 and info["mesh"] is False


@pytest.mark.parametrize("name, data, problem", [
    ("trunc.ply", None, "truncated PLY body"),
    ("empty.xyz", b"", "empty file"),
    ("scan.doc", b"1 2 3", "unknown extension .doc"),
])
def test_info_bad_file_exits_3_with_one_line(tmp_path, scan_file, name, data, problem):
    path = tmp_path / name
    path.write_bytes(scan_file.read_bytes()[:-100] if data is None else data)
    res = run_info(path)
    assert res.returncode == 3
    assert res.stdout == ""
    assert res.stderr.count("\n") == 1
    assert res.stderr.startswith(f"footfit: error: {path}: ") and problem in res.stderr


def test_info_missing_file_exits_3(tmp_path):
    res = run_info(tmp_path / "none.ply")
    assert res.returncode == 3 and "none.ply: no such file" in res.stderr


@pytest.mark.realscans
def test_info_real_stl(realscans):
    res = run_info(realscans / "aetrex" / "left_foot.stl", "--json")
    info = json.loads(res.stdout)
    assert info["units_detected"] == "mm" and info["mesh"] is True
    assert info["stl_corners_merged"] > info["vertices"] > 6000
