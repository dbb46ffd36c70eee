"""The real command line, through subprocesses: outputs, exit codes, batch resume."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from footfit.report import load_schema

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_scans"


def footfit(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "footfit", *args], capture_output=True, text=True, cwd=cwd,
        timeout=300,
    )


def sample_with_truth() -> list[tuple[Path, dict]]:
    out = []
    for truth in sorted(SAMPLES.glob("*.truth.json")):
        data = json.loads(truth.read_text())
        stem = truth.name[: -len(".truth.json")]
        scans = [p for p in SAMPLES.glob(stem + ".*") if not p.name.endswith(".json")]
        if scans:
            out.append((scans[0], data))
    return out


def one_line_error(proc: subprocess.CompletedProcess) -> str:
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    return lines[0]


def test_help_lists_commands_and_exit_codes():
    proc = footfit("--help")
    assert proc.returncode == 0
    for word in ("process", "batch", "demo", "info", "synth", "bench", "exit codes"):
        assert word in proc.stdout


def test_usage_error_exits_2():
    proc = footfit("process", "whatever.ply", "--fit", "tight")
    assert proc.returncode == 2
    assert "--fit" in proc.stderr


def test_unknown_style_exits_2_with_one_line(tmp_path):
    scan = next(iter(sample_with_truth()))[0]
    proc = footfit("process", str(scan), "--style", "moonboot")
    assert proc.returncode == 2
    assert "moonboot" in one_line_error(proc)


def test_missing_file_exits_3_naming_it(tmp_path):
    missing = tmp_path / "nope.ply"
    proc = footfit("process", str(missing))
    assert proc.returncode == 3
    assert "nope.ply" in one_line_error(proc)


def test_corrupt_file_exits_3(tmp_path):
    bad = tmp_path / "broken.ply"
    header = (b"ply\nformat binary_little_endian 1.0\nelement vertex 100000\n"
              b"property float x\nproperty float y\nproperty float z\nend_header\n")
    bad.write_bytes(header + b"\0" * 64)
    proc = footfit("process", str(bad))
    assert proc.returncode == 3
    assert "broken.ply" in one_line_error(proc)


def test_no_foot_exits_4(tmp_path, rng):
    # a 60 mm ball of points: readable, but no foot in it
    v = rng.normal(size=(20000, 3))
    v = 60 * v / np.linalg.norm(v, axis=1, keepdims=True)
    path = tmp_path / "ball.xyz"
    np.savetxt(path, v + [0, 0, 100], fmt="%.4f")
    proc = footfit("process", str(path), "--units", "mm")
    assert proc.returncode == 4, proc.stderr
    assert "ball.xyz" in one_line_error(proc) or "foot" in proc.stderr


def test_debug_shows_traceback(tmp_path):
    proc = footfit("--debug", "process", str(tmp_path / "nope.ply"))
    assert proc.returncode == 3
    assert "Traceback" in proc.stderr


# Known failures, kept visible: each must start passing (strict xfail) when it is fixed.
KNOWN_BAD: dict[str, str] = {}


def _truth_params():
    out = []
    for scan, truth in sample_with_truth():
        marks = []
        if scan.name in KNOWN_BAD:
            marks.append(pytest.mark.xfail(reason=KNOWN_BAD[scan.name], strict=True))
        out.append(pytest.param(scan, truth, id=scan.name, marks=marks))
    return out


def test_every_sample_has_truth():
    assert len(sample_with_truth()) >= 8


# Per-scan bounds sit near the p95 of the 300-scan evaluation (README, "Measurement
# accuracy"); the mean-error targets themselves are checked by that evaluation script.
@pytest.mark.parametrize(("scan", "truth"), _truth_params())
def test_process_json_validates_and_matches_truth(tmp_path, scan, truth):
    jsonschema = pytest.importorskip("jsonschema")
    out = tmp_path / (scan.stem + ".json")
    proc = footfit("process", str(scan), "--json", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)  # stdout is exactly the JSON
    assert json.loads(out.read_text()) == report
    jsonschema.validate(report, load_schema())
    feet = report["feet"]
    assert [f["side"] for f in feet] == [f["side"] for f in truth["feet"]]
    for got, want in zip(feet, truth["feet"], strict=True):
        gm, wm = got["measurements"], want["measurements"]
        assert gm["foot_length_mm"] == pytest.approx(wm["foot_length_mm"], abs=2.5)
        assert gm["ball_width_mm"] == pytest.approx(wm["ball_width_mm"], abs=3.5)
        assert gm["ball_girth_mm"] == pytest.approx(wm["ball_girth_mm"], abs=8.0)
        if truth["scan"].get("plantar"):
            assert gm["arch_index"] == pytest.approx(wm["arch_index"], abs=0.03)
        else:
            assert gm["arch_index"] is None
            assert "arch_index" in got["missing"]


def test_process_prints_readable_summary():
    scan = next(iter(sample_with_truth()))[0]
    proc = footfit("process", str(scan))
    assert proc.returncode == 0, proc.stderr
    for word in ("foot length", "ball girth", "EU", "Mondopoint", "insoles", "last"):
        assert word in proc.stdout


def test_demo_runs():
    proc = footfit("demo")
    assert proc.returncode == 0, proc.stderr
    assert "foot length" in proc.stdout


@pytest.mark.slow
def test_batch_records_failures_and_resumes(tmp_path):
    scans = tmp_path / "scans"
    scans.mkdir()
    good = [s for s, _ in sample_with_truth()][:2]
    for s in good:
        (scans / s.name).write_bytes(s.read_bytes())
    corrupt = b"ply\nformat ascii 1.0\nelement vertex 5\nend_header\n1 2"
    (scans / "corrupt.ply").write_bytes(corrupt)
    out = tmp_path / "results"
    proc = footfit("batch", str(scans), "--out", str(out), "--workers", "2", "--quiet")
    assert proc.returncode == 5, proc.stderr  # done, but a scan failed
    lines = [json.loads(x) for x in (out / "results.jsonl").read_text().splitlines()]
    assert len(lines) == 3
    status = {Path(r["scan"]).name: r for r in lines}
    assert status["corrupt.ply"]["status"] == "error"
    assert status["corrupt.ply"]["exit_code"] == 3
    assert "corrupt.ply" in status["corrupt.ply"]["error"]
    assert all(status[s.name]["status"] == "ok" for s in good)
    csv_text = (out / "summary.csv").read_text()
    assert csv_text.count("\n") == 4  # header + 3 rows
    # re-run: nothing left to do
    proc = footfit("batch", str(scans), "--out", str(out), "--quiet")
    assert proc.returncode == 5  # the corrupt file is still failed
    assert "0 processed" in proc.stdout and "3 already done" in proc.stdout
    assert len((out / "results.jsonl").read_text().splitlines()) == 3


def test_batch_repairs_torn_last_line(tmp_path):
    scans = tmp_path / "scans"
    scans.mkdir()
    s = next(iter(sample_with_truth()))[0]
    (scans / s.name).write_bytes(s.read_bytes())
    out = tmp_path / "results"
    out.mkdir()
    (out / "results.jsonl").write_text('{"scan": "half a line')  # interrupted write
    proc = footfit("batch", str(scans), "--out", str(out), "--quiet")
    assert proc.returncode == 0, proc.stderr
    lines = (out / "results.jsonl").read_text().splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["status"] == "ok"


def test_batch_with_no_scans_is_usage_error(tmp_path):
    proc = footfit("batch", str(tmp_path / "*.ply"), "--out", str(tmp_path / "r"))
    assert proc.returncode == 2
    assert "no scan files" in one_line_error(proc)


@pytest.mark.parametrize("units", ["m", "cm", "in"])
def test_process_refuses_units_that_make_no_foot_scan(units):
    # a mm scan said to be in m / cm / in: ~0.5 km / 4.6 m / 12 m across; once a 93 TiB
    # allocation and a traceback for "m"
    scan = SAMPLES / "demo_right_m.ply"
    proc = footfit("process", str(scan), "--units", units)
    assert proc.returncode == 3, proc.stderr
    line = proc.stderr.strip()
    assert "\n" not in line and "Traceback" not in line
    assert str(scan) in line and "foot scan is 50-2000 mm" in line and "suggests mm" in line


def test_no_foot_error_names_the_file(tmp_path):
    blob = tmp_path / "blob.xyz"
    rng = np.random.default_rng(0)
    np.savetxt(blob, rng.normal(size=(5000, 3)) * 50)
    proc = footfit("process", str(blob))
    assert proc.returncode == 4
    assert proc.stderr.startswith(f"footfit: error: {blob}: no foot-like object")
    assert proc.stderr.count("\n") == 1


def test_unwritable_report_path_fails_before_the_work_and_names_it(tmp_path):
    target = tmp_path / "missing" / "out.json"
    proc = footfit("process", str(SAMPLES / "demo_right_m.ply"), "-o", str(target))
    assert proc.returncode == 2
    assert proc.stderr.strip() == (f"footfit: error: {target}: cannot write the report: "
                                   f"folder {target.parent} does not exist")
    assert ".tmp" not in proc.stderr and proc.stdout == ""


def test_debug_is_accepted_after_the_command(tmp_path):
    proc = footfit("process", str(tmp_path / "nothere.ply"), "--debug")
    assert proc.returncode == 3
    assert "Traceback" in proc.stderr and "nothere.ply: no such file" in proc.stderr


def test_a_write_that_fails_late_names_the_given_path(monkeypatch, capsys, tmp_path):
    # the writers go through temporary files; the error must name the user's path
    import footfit.visual
    from footfit.app.cli import main

    def fail(report, path):
        raise FileNotFoundError(2, "No such file or directory", f"{tmp_path}/.r.html.1f3a.tmp")

    monkeypatch.setattr(footfit.visual, "write_html", fail)
    target = tmp_path / "r.html"
    code = main(["process", str(SAMPLES / "demo_right_m.ply"), "--report", str(target)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip() == (f"footfit: error: {target}: cannot write it: "
                           "No such file or directory")


@pytest.mark.parametrize("args, message", [
    (["265", "--arch-index", "5"], "--arch-index must be within 0-1; got 5.0"),
    (["5000"], "FOOT_LENGTH_MM must be within 80-380; got 5000.0"),
])
def test_insoles_out_of_range_names_the_option_in_plain_numbers(capsys, args, message):
    from footfit.app.cli import main

    assert main(["insoles", *args]) == 2
    assert capsys.readouterr().err.strip() == f"footfit: error: {message}"


def test_subcommand_help_lists_debug():
    proc = footfit("process", "--help")
    assert proc.returncode == 0 and "--debug" in proc.stdout


def test_a_closed_stdout_pipe_stops_quietly():
    # `footfit process SCAN | head -1`: no traceback, no "Broken pipe" error line
    with subprocess.Popen([sys.executable, "-m", "footfit", "process",
                           str(SAMPLES / "demo_two_feet.ply")],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        proc.stdout.close()  # before the summary is printed
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=120) == 141
    assert err == ""


def test_a_measurement_no_insole_takes_names_the_scan(monkeypatch, capsys):
    import footfit.pipeline
    from footfit.app.cli import main
    from footfit.exceptions import InvalidMeasurementError

    def fail(*args, **kwargs):
        raise InvalidMeasurementError("foot_length_mm must be within 80-380; got 400.0")

    monkeypatch.setattr(footfit.pipeline, "process", fail)
    scan = str(SAMPLES / "demo_right_m.ply")
    assert main(["process", scan]) == 2
    assert capsys.readouterr().err.startswith(f"footfit: error: {scan}: foot_length_mm")


def test_quick_exit_is_registered_only_when_the_command_line_is_the_program(monkeypatch,
                                                                            capsys):
    """main() without arguments (the console script) freezes the GC at exit; callers don't."""
    import atexit
    import gc

    from footfit.app.cli import main

    calls = []
    monkeypatch.setattr(atexit, "register", lambda f, *a, **k: calls.append(f))
    assert main(["size", "260"]) == 0
    assert calls == []
    monkeypatch.setattr(sys, "argv", ["footfit", "size", "260"])
    assert main() == 0
    assert calls == [gc.freeze]
    capsys.readouterr()


def test_one_scan_gc_only_for_footfit_process_as_the_program(monkeypatch, capsys, tmp_path):
    """The GC threshold is raised for `footfit process` run as the program, nowhere else."""
    import gc

    import footfit.app.cli as cli

    calls = []
    monkeypatch.setattr(cli, "one_scan_gc", lambda: calls.append("gc"))
    monkeypatch.setattr(cli, "quick_exit", lambda: None)
    missing = str(tmp_path / "none.ply")
    assert cli.main(["process", missing]) != 0 and calls == []
    monkeypatch.setattr(sys, "argv", ["footfit", "size", "260"])
    assert cli.main() == 0 and calls == []
    monkeypatch.setattr(sys, "argv", ["footfit", "process", missing])
    assert cli.main() != 0 and calls == ["gc"]
    capsys.readouterr()
    before = gc.get_threshold()
    try:
        from footfit.app.cli_common import one_scan_gc

        one_scan_gc()
        assert gc.get_threshold() == (50_000, *before[1:])
    finally:
        gc.set_threshold(*before)
