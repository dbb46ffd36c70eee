"""Batch runs with several workers: every scan once, the same results as one worker,
nothing lost when the run is interrupted.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from footfit.app.batch import run_batch

SAMPLES = Path(__file__).resolve().parent.parent / "sample_scans"
CORRUPT = b"ply\nformat ascii 1.0\nelement vertex 5\nend_header\n1 2"


@pytest.fixture(scope="module")
def scan_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scans")
    data = (SAMPLES / "demo_right_m.ply").read_bytes()
    for i in range(5):  # distinct files to the batch
        (folder / f"foot_{i}.ply").write_bytes(data)
    (folder / "two_feet.ply").write_bytes((SAMPLES / "demo_two_feet.ply").read_bytes())
    (folder / "corrupt.ply").write_bytes(CORRUPT)
    return folder


def _folder(root: Path, *names: str, corrupt: bool = False) -> Path:
    """``root/scans`` holding a copy of the demo right-foot sample under each name (and a
    corrupt PLY).
    """
    folder = root / "scans"
    folder.mkdir()
    data = (SAMPLES / "demo_right_m.ply").read_bytes()
    for name in names:
        (folder / name).write_bytes(data)
    if corrupt:
        (folder / "corrupt.ply").write_bytes(CORRUPT)
    return folder


def _records(out: Path) -> dict[str, dict]:
    lines = (out / "results.jsonl").read_text().splitlines()
    recs = [json.loads(x) for x in lines]
    names = [Path(r["scan"]).name for r in recs]
    assert len(names) == len(set(names)), "a scan was recorded twice"
    return dict(zip(names, recs, strict=True))


def _essence(rec: dict) -> dict:
    rep = rec.get("report") or {}
    return {
        "status": rec["status"], "exit_code": rec["exit_code"],
        "feet": [(f["side"], f["measurements"]["foot_length_mm"],
                  [i["sku"] for i in f.get("insoles", [])]) for f in rep.get("feet", [])],
        "sizes": rep.get("sizes"),
    }


@pytest.mark.slow
@pytest.mark.parametrize("workers", [2, 3])
def test_parallel_batch_equals_single_worker(scan_dir, tmp_path, workers):
    one = run_batch(scan_dir, tmp_path / "one", workers=1)
    many = run_batch(scan_dir, tmp_path / "many", workers=workers)
    assert (one.total, one.processed, one.failed) == (7, 7, 1)
    assert (many.total, many.processed, many.failed) == (7, 7, 1)
    a, b = _records(tmp_path / "one"), _records(tmp_path / "many")
    assert sorted(a) == sorted(b)
    for name in a:
        assert _essence(a[name]) == _essence(b[name]), name
    assert b["corrupt.ply"]["exit_code"] == 3
    # one worker process did all scans, never this process (issue #16: a crash there would
    # end the batch)
    assert len({r["worker"] for r in a.values() if r["worker"]}) == 1
    assert os.getpid() not in {r["worker"] for r in a.values()}
    # the worker processes shared the scans (at most `workers` of them)
    assert 1 <= len({r["worker"] for r in b.values()}) <= workers
    summary = (tmp_path / "many" / "summary.csv").read_text().splitlines()
    assert len(summary) == 8


@pytest.mark.slow
def test_interrupted_parallel_batch_keeps_records_and_resumes(scan_dir, tmp_path):
    out = tmp_path / "out"
    seen = []

    def stop_after_two(done, total, failed, scan):
        seen.append(scan)
        if len(seen) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_batch(scan_dir, out, workers=2, progress=stop_after_two)
    kept = _records(out)
    assert len(kept) == 2  # each recorded scan is a whole line on disk
    again = run_batch(scan_dir, out, workers=2)
    assert (again.skipped, again.processed) == (2, 5)
    assert len(_records(out)) == 7


def test_workers_must_be_positive(scan_dir, tmp_path):
    with pytest.raises(ValueError, match="workers"):
        run_batch(scan_dir, tmp_path, workers=0)


def _footfit_cli(*args, cwd=None):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-c", "from footfit.app.cli import main; "
                           "raise SystemExit(main())", *args],
                          capture_output=True, text=True, cwd=cwd, timeout=300)


@pytest.mark.slow
def test_workers_ignore_a_footfit_folder_in_the_current_directory(tmp_path):
    # run from a folder holding a `footfit` directory that is not the package (a clone's
    # parent folder): the workers once imported it and failed every scan
    _folder(tmp_path, *(f"foot_{i}.ply" for i in range(3)))
    (tmp_path / "footfit").mkdir()
    (tmp_path / "footfit" / "README.md").write_text("a clone, not the package\n")
    script = ("import sys; sys.path.remove('') if '' in sys.path else None; "
              "from footfit.app.batch import run_batch; "
              "r = run_batch('scans', 'out', workers=2); print(r.failed)")
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["0"]
    recs = _records(tmp_path / "out")
    assert {r["status"] for r in recs.values()} == {"ok"}


def test_internal_errors_are_retried_verdicts_are_not(tmp_path):
    from footfit.app.batch import _scan_key

    folder = _folder(tmp_path, "foot.ply", corrupt=True)
    good = folder / "foot.ply"
    out = tmp_path / "out"
    out.mkdir()
    crashed = {"scan": str(good), "key": _scan_key(good), "status": "error", "exit_code": 1,
               "error": "internal error: RuntimeError: boom"}
    (out / "results.jsonl").write_text(json.dumps(crashed) + "\n")
    first = run_batch(folder, out)
    assert (first.processed, first.skipped, first.failed) == (2, 0, 1)
    assert first.failed_total == 1  # the corrupt file; the crash was retried and passed
    again = run_batch(folder, out)
    assert (again.processed, again.skipped, again.failed_total) == (0, 2, 1)
    rows = (out / "summary.csv").read_text().splitlines()
    assert len(rows) == 3


def test_a_modified_scan_has_one_summary_row(tmp_path):
    folder = _folder(tmp_path, "foot.ply")
    scan = folder / "foot.ply"
    out = tmp_path / "out"
    run_batch(folder, out)
    st = scan.stat()
    os.utime(scan, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    again = run_batch(folder, out)
    assert again.processed == 1
    assert len((out / "results.jsonl").read_text().splitlines()) == 2
    assert len((out / "summary.csv").read_text().splitlines()) == 2  # header + one row


def test_cli_batch_exit_code_names_the_failures(scan_dir, tmp_path):
    proc = _footfit_cli("batch", str(scan_dir), "--out", str(tmp_path / "out"), "--quiet")
    assert proc.returncode == 5, proc.stderr
    assert "1 of 7 scans failed" in proc.stderr and "summary.csv" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_summary_follows_the_file_order_of_records_not_of_first_keys(tmp_path):
    # a scan that crashed (retried under the same key), then changed, then restored: the
    # retry's record is the latest, though its key was first seen before the changed one
    from footfit.app.batch import write_summary

    results = tmp_path / "results.jsonl"
    recs = [
        {"scan": "a.ply", "key": "a|1", "status": "error", "exit_code": 1, "error": "boom"},
        {"scan": "a.ply", "key": "a|2", "status": "error", "exit_code": 3, "error": "bad"},
        {"scan": "a.ply", "key": "a|1", "status": "ok", "exit_code": 0},
    ]
    results.write_text("".join(json.dumps(r) + "\n" for r in recs))
    latest = write_summary(results, tmp_path / "summary.csv")
    assert latest["a.ply"]["status"] == "ok"
    rows = (tmp_path / "summary.csv").read_text().splitlines()
    assert len(rows) == 2 and ",ok," in rows[1]


@pytest.mark.slow
def test_workers_import_the_footfit_the_parent_imported(tmp_path):
    # a checkout used from its root (`python -c`, a notebook) beside an installed footfit:
    # the parent imports the checkout through '' on its path; so must the workers (they
    # once took the installed one, whose code may differ)
    import shutil
    import subprocess
    import sys

    import footfit

    clone = tmp_path / "clone"
    shutil.copytree(Path(footfit.__file__).parent, clone / "footfit",
                    ignore=shutil.ignore_patterns("__pycache__"))
    init = clone / "footfit" / "__init__.py"
    init.write_text(init.read_text().replace('__version__ = "', '__version__ = "clone-'))
    _folder(clone, *(f"foot_{i}.ply" for i in range(4)))
    script = ("import footfit; assert footfit.__version__.startswith('clone-'); "
              "from footfit.app.batch import run_batch; "
              "r = run_batch('scans', 'out', workers=2); print(r.failed)")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True,
                          text=True, cwd=clone, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == ["0"]
    recs = _records(clone / "out")
    assert len({r["worker"] for r in recs.values()}) == 2  # a worker did some scans
    assert {r["report"]["footfit_version"][:6] for r in recs.values()} == {"clone-"}


@pytest.mark.parametrize("workers", [1, 2])
def test_a_scan_that_kills_its_worker_is_its_own_error_and_the_batch_goes_on(
        scan_dir, tmp_path, workers):
    """Issue #16: a crash in a worker (open3d's PCD reader on a bad file did it) killed a
    one-worker batch on every re-run. Now it costs that scan, recorded once (exit code 3,
    not retried); the other scans are done; a re-run adds nothing.
    """
    import signal
    import threading
    import time

    from footfit.app.sandbox import LIVE_POOLS

    out = tmp_path / "out"
    killed: list[int] = []

    def killer() -> None:  # kill the first busy worker seen, as a segfault would
        deadline = time.monotonic() + 120
        while not killed and time.monotonic() < deadline:
            for pool in list(LIVE_POOLS):
                for pid in pool.busy_pids():
                    os.kill(pid, signal.SIGSEGV)
                    killed.append(pid)
                    return
            time.sleep(0.002)

    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    r = run_batch(scan_dir, out, workers=workers)
    thread.join(5)
    assert killed and r.total == 7 and r.processed == 7
    recs = _records(out)
    crashed = {n for n, x in recs.items() if "worker process died" in x.get("error", "")}
    assert len(crashed) == 1
    rec = recs[next(iter(crashed))]
    assert rec["exit_code"] == 3 and "SIGSEGV" in rec["error"]
    assert rec["error"].startswith(rec["scan"])
    again = run_batch(scan_dir, out, workers=1)
    assert again.processed == 0  # a verdict: not tried again
    assert again.failed_total == len(crashed | {"corrupt.ply"})


def test_a_second_batch_on_the_same_output_folder_is_refused(scan_dir, tmp_path):
    import subprocess
    import sys

    from footfit.app.batch import LOCK_NAME, _locked
    from footfit.exceptions import FootfitError

    out = tmp_path / "out"
    out.mkdir()
    with _locked(out):
        with pytest.raises(FootfitError, match="another footfit batch is writing to this "
                                                rf"folder \(process {os.getpid()}\)"):
            run_batch(scan_dir, out)
        cli = subprocess.run([sys.executable, "-m", "footfit", "batch", str(scan_dir),
                              "--out", str(out), "--quiet"], capture_output=True, text=True,
                             timeout=120)
        assert cli.returncode == 2 and "another footfit batch" in cli.stderr
        assert len(cli.stderr.strip().splitlines()) == 1
        assert not (out / "results.jsonl").exists()
    assert (out / LOCK_NAME).exists()
    assert run_batch(scan_dir, out).processed == 7  # free again


def test_a_full_disk_names_the_results_file(tmp_path):
    """ENOSPC while appending a record says which file (it said only '[Errno 28]')."""
    from footfit.app.batch import _naming

    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    results = tmp_path / "out" / "results.jsonl"
    with pytest.raises(OSError, match="No space left") as info:
        with _naming(results), open("/dev/full", "a") as fh:
            fh.write("{}\n")
            fh.flush()
    assert info.value.filename == str(results)


def _descendants(pid: int) -> set[int]:
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, pp in parents.items() if pp in frontier} - found
        found |= frontier
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")
def test_workers_die_with_a_killed_batch(scan_dir, tmp_path):
    """Issue #16: kill -9 of a 2-worker batch left its forked worker alive."""
    import signal
    import subprocess
    import sys
    import time

    proc = subprocess.Popen([sys.executable, "-m", "footfit", "batch", str(scan_dir), "--out",
                             str(tmp_path / "out"), "--workers", "2", "--quiet"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    kids: set[int] = set()
    while len(kids) < 2 and time.monotonic() < deadline:  # 2 workers (+ a forkserver)
        kids = _descendants(proc.pid)
        time.sleep(0.01)
    assert len(kids) >= 2, "the batch did not start its workers"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    deadline = time.monotonic() + 20
    while (alive := {k for k in kids if Path(f"/proc/{k}").exists()
                     and "Z" not in Path(f"/proc/{k}/stat").read_text().rsplit(")", 1)[1][:3]}):
        assert time.monotonic() < deadline, f"orphaned workers: {sorted(alive)}"
        time.sleep(0.1)


def test_one_worker_batch_with_the_pcd_that_crashed_open3d_finishes(tmp_path):
    """Issue #16 acceptance: the compressed PCD with `normal_x` renamed `foo_x` killed a
    one-worker batch on every re-run; now the batch finishes (exit 5 for a corrupt file
    beside it), records every scan once, and a re-run adds nothing.
    """
    import subprocess
    import sys

    from test_robustness import compressed_pcd

    from footfit.io import load_scan

    scan = load_scan(SAMPLES / "right_f_normal_nofloor.pcd")
    cols = {"x": scan.points[:, 0], "y": scan.points[:, 1], "z": scan.points[:, 2],
            "normal_x": scan.normals[:, 0], "normal_y": scan.normals[:, 1],
            "normal_z": scan.normals[:, 2]}
    folder = _folder(tmp_path, "a.ply", corrupt=True)
    (folder / "foo.pcd").write_bytes(compressed_pcd(cols, rename={"normal_x": "foo_x"}))
    cmd = [sys.executable, "-m", "footfit", "batch", str(folder), "--out", str(tmp_path / "o"),
           "--quiet"]
    first = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert first.returncode == 5, first.stderr
    recs = _records(tmp_path / "o")
    assert set(recs) == {"a.ply", "foo.pcd", "corrupt.ply"}
    assert recs["foo.pcd"]["status"] == "ok"
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert again.returncode == 5 and "nothing left to do" in again.stdout
    assert len((tmp_path / "o" / "results.jsonl").read_text().splitlines()) == 3
