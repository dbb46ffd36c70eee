"""Batch on Dask (issue #19): the same records as the local engine, every scan once against a
real scheduler and workers (``dask scheduler`` / ``dask worker`` on 127.0.0.1), after the
client is killed and re-run, and when a worker dies mid-run.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("distributed")

from footfit.app.batch import iter_records, iter_scans, run_batch  # noqa: E402
from footfit.app.batch_dask import run_batch_dask  # noqa: E402

SAMPLES = Path(__file__).resolve().parent.parent / "sample_scans"
CORRUPT = b"ply\nformat ascii 1.0\nelement vertex 5\nend_header\n1 2"
VARYING = ("seconds", "worker")  # timing and process fields: differ between engines


def _comparable(rec: dict) -> dict:
    rec = {k: v for k, v in rec.items() if k not in VARYING}
    if "report" in rec:
        rec["report"] = {k: v for k, v in rec["report"].items() if k != "timings_ms"}
    return rec


def _records(out: Path) -> list[dict]:
    return [json.loads(x) for x in (out / "results.jsonl").read_text().splitlines()]


def _by_scan(out: Path) -> dict[str, dict]:
    recs = _records(out)
    names = [r["scan"] for r in recs]
    assert len(names) == len(set(names)), "a scan was recorded twice"
    return dict(zip(names, recs, strict=True))


def _summary(out: Path) -> list[dict]:
    import csv

    with open(out / "summary.csv", newline="") as fh:
        return [{k: v for k, v in row.items() if k != "total_ms"} for row in csv.DictReader(fh)]


def _copies(folder: Path, n: int, *, corrupt: bool = True) -> Path:
    """``n`` scans under ``folder`` (copies of the sample scans under distinct names)."""
    folder.mkdir(parents=True)
    samples = sorted(p for p in SAMPLES.iterdir() if not p.name.endswith(".json")
                     and p.suffix != ".md")
    for i in range(n):
        src = samples[i % len(samples)]
        (folder / f"s{i:03d}_{src.name}").write_bytes(src.read_bytes())
    if corrupt:
        (folder / "corrupt.ply").write_bytes(CORRUPT)
    return folder


def test_iter_scans_streams_in_a_stable_order(tmp_path):
    folder = _copies(tmp_path / "scans", 3, corrupt=False)
    (folder / "deeper").mkdir()
    (folder / "deeper" / "a.ply").write_bytes(CORRUPT)
    (folder / "notes.md").write_text("not a scan")
    it = iter_scans(folder)
    assert iter(it) is it  # a generator, not a list
    listed = list(it)
    assert [p.name for p in listed] == sorted(p.name for p in folder.glob("*.*")
                                              if p.suffix != ".md") + ["a.ply"]
    # a pattern streams through glob.iglob: the file system's order
    assert sorted(iter_scans(str(folder / "*.ply"))) == sorted(folder.glob("*.ply"))
    assert list(iter_scans(tmp_path / "nothing*")) == []


def test_localcluster_records_equal_the_local_engine(tmp_path):
    scans = _copies(tmp_path / "scans", 9)  # every sample scan once, and a corrupt one
    local = run_batch(scans, tmp_path / "local", workers=1)
    seen: list[tuple[int, int]] = []
    dask = run_batch_dask(scans, tmp_path / "dask", workers=2,
                          progress=lambda d, t, f, s: seen.append((d, t)))
    assert (local.total, local.processed, local.failed) == (10, 10, 1)
    assert (dask.total, dask.processed, dask.failed, dask.failed_total) == (10, 10, 1, 1)
    a, b = _by_scan(tmp_path / "local"), _by_scan(tmp_path / "dask")
    assert sorted(a) == sorted(b)
    for scan in a:
        assert _comparable(a[scan]) == _comparable(b[scan]), scan
    bad = b[str(scans / "corrupt.ply")]
    assert bad["exit_code"] == 3 and "corrupt.ply" in bad["error"]
    assert all(r["worker"].startswith("tcp://127.0.0.1:") for r in b.values())
    assert seen == [(i, 10) for i in range(1, 11)]
    assert _summary(tmp_path / "local") == _summary(tmp_path / "dask")
    # resumed: nothing left to do, and no cluster is started for it
    t0 = time.perf_counter()
    again = run_batch_dask(scans, tmp_path / "dask", workers=2)
    assert (again.processed, again.skipped, again.failed_total) == (0, 10, 1)
    assert time.perf_counter() - t0 < 5.0
    assert len(_records(tmp_path / "dask")) == 10


def test_dask_batch_bad_arguments(tmp_path, monkeypatch):
    import footfit.app.batch_dask as bd

    with pytest.raises(FileNotFoundError, match="no scan files found"):
        run_batch_dask(tmp_path / "none*", tmp_path / "out")
    with pytest.raises(ValueError, match="`workers` must be an int >= 1; got 0"):
        run_batch_dask(SAMPLES, tmp_path / "out", workers=0)
    monkeypatch.setattr(bd, "CONNECT_TIMEOUT_S", 1.0)
    with pytest.raises(OSError, match="cannot connect within 1 s"):
        run_batch_dask(SAMPLES / "demo_right_m.ply", tmp_path / "out",
                       scheduler=f"tcp://127.0.0.1:{_free_port()}")


def test_cli_engine_options(tmp_path, capsys):
    from footfit.app.cli import main

    code = main(["batch", str(SAMPLES), "--out", str(tmp_path / "o"), "--engine", "local",
                 "--scheduler", "tcp://127.0.0.1:1"])
    assert code == 2
    assert "drop --engine local" in capsys.readouterr().err
    code = main(["batch", str(SAMPLES), "--out", str(tmp_path / "o"),
                 "--scheduler", "tcp://127.0.0.1:1", "--workers", "2"])
    assert code == 2
    assert "--workers sizes the LocalCluster" in capsys.readouterr().err


# ----------------------------------------------------------------- a real Dask cluster
def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _dask_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("dask")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("dask")
    if found is None:
        pytest.skip("the `dask` command is not installed")
    return [found]


class Cluster:
    """``dask scheduler`` and ``dask worker`` processes on 127.0.0.1 (each in its own
    process group, so a worker and its nanny can be killed together).
    """

    def __init__(self, root: Path, n_workers: int = 2):
        self.root = root
        self.procs: list[subprocess.Popen] = []
        self.workers: list[subprocess.Popen] = []
        self.address = f"tcp://127.0.0.1:{_free_port()}"
        port = self.address.rsplit(":", 1)[1]
        self._start(["scheduler", "--host", "127.0.0.1", "--port", port,
                     "--no-dashboard", "--no-show"], "scheduler")
        for _ in range(n_workers):
            self.add_worker(wait=False)
        self._wait_for(n_workers)

    def add_worker(self, *, wait: bool = True) -> None:
        i = len(self.workers)
        self.workers.append(self._start(
            ["worker", self.address, "--host", "127.0.0.1", "--nthreads", "1",
             "--nworkers", "1", "--no-dashboard", "--name", f"w{i}"], f"worker{i}"))
        if wait:
            self._wait_for(sum(w.poll() is None for w in self.workers))

    def busy(self, i: int) -> int:
        """Tasks the scheduler has on worker ``i`` (by its name)."""
        from distributed import Client

        with Client(self.address, timeout=30) as c:
            info = c.scheduler_info()["workers"]
            addr = [a for a, w in info.items() if w.get("name") == f"w{i}"]
            return len(c.processing(workers=addr).get(addr[0], ())) if addr else 0

    def _start(self, args: list[str], name: str) -> subprocess.Popen:
        log = open(self.root / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(_dask_cmd() + args, cwd=self.root, stdout=log, stderr=log,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        self.procs.append(proc)
        return proc

    def _wait_for(self, n: int, timeout: float = 120.0) -> None:
        from distributed import Client

        with Client(self.address, timeout=timeout) as c:
            c.wait_for_workers(n, timeout=timeout)

    def kill_worker(self, i: int) -> None:
        os.killpg(self.workers[i].pid, signal.SIGKILL)
        self.workers[i].wait(10)

    def close(self) -> None:
        for p in reversed(self.procs):
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
        for p in self.procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait(5)


@pytest.fixture
def cluster(tmp_path):
    c = Cluster(tmp_path)
    try:
        yield c
    finally:
        c.close()


def _footfit(*args: str, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "footfit", *args], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, start_new_session=True)


@pytest.mark.slow
def test_scheduler_batch_killed_client_rerun_records_every_scan_once(cluster, tmp_path):
    scans = _copies(tmp_path / "scans", 16)
    out = tmp_path / "out"
    args = ("batch", "scans", "--out", "out", "--scheduler", cluster.address, "--quiet")
    first = _footfit(*args, cwd=tmp_path)
    deadline = time.monotonic() + 300
    results = out / "results.jsonl"
    while time.monotonic() < deadline and first.poll() is None:
        if results.exists() and results.read_bytes().count(b"\n") >= 3:
            break
        time.sleep(0.05)
    assert first.poll() is None, first.communicate()
    os.killpg(first.pid, signal.SIGKILL)  # the client dies mid-batch
    first.communicate(timeout=10)
    # the kill may tear the line being written; the engine's reader cuts it off, as the
    # re-run will
    kept = sum(1 for _ in iter_records(out / "results.jsonl"))
    assert 3 <= kept < 17
    second = _footfit(*args, cwd=tmp_path)
    stdout, stderr = second.communicate(timeout=600)
    assert second.returncode == 5, stderr.decode()  # done; the corrupt scan failed
    assert f"{17 - kept} processed" in stdout.decode()
    recs = _by_scan(out)  # every scan once
    assert sorted(recs) == sorted(str(Path("scans") / p.name) for p in scans.iterdir())
    assert sum(r["status"] == "ok" for r in recs.values()) == 16
    assert recs["scans/corrupt.ply"]["exit_code"] == 3
    assert {r["worker"] for r in recs.values()} <= set(_worker_addresses(cluster.address))
    rows = (out / "summary.csv").read_text().splitlines()
    assert len(rows) == 18


def _worker_addresses(address: str) -> list[str]:
    from distributed import Client

    with Client(address, timeout=30) as c:
        return list(c.scheduler_info()["workers"])


@pytest.mark.slow
def test_worker_killed_mid_run_loses_nothing(cluster, tmp_path):
    scans = _copies(tmp_path / "scans", 12, corrupt=False)
    killed: list[int] = []

    def progress(done, total, failed, scan):
        if done >= 2 and not killed and cluster.busy(0):  # w0 holds a scan: it dies now
            cluster.kill_worker(0)
            killed.append(done)

    result = run_batch_dask(scans, tmp_path / "out", scheduler=cluster.address,
                            progress=progress)
    assert killed
    assert (result.total, result.processed, result.failed) == (12, 12, 0)
    recs = _by_scan(tmp_path / "out")
    assert len(recs) == 12 and all(r["status"] == "ok" for r in recs.values())


@pytest.mark.slow
def test_all_workers_gone_stops_with_an_error_and_resumes(cluster, tmp_path, monkeypatch):
    import footfit.app.batch_dask as bd

    monkeypatch.setattr(bd, "CONNECT_TIMEOUT_S", 4.0)
    monkeypatch.setattr(bd, "POLL_S", 0.5)
    scans = _copies(tmp_path / "scans", 8, corrupt=False)

    def progress(done, total, failed, scan):
        if done == 1:
            cluster.kill_worker(0)
            cluster.kill_worker(1)

    t0 = time.monotonic()
    with pytest.raises(OSError, match="no worker left for 4 s; .* scans unfinished"):
        run_batch_dask(scans, tmp_path / "out", scheduler=cluster.address, progress=progress)
    assert time.monotonic() - t0 < 120
    kept = len(_records(tmp_path / "out"))
    assert 1 <= kept < 8
    cluster.add_worker()
    again = run_batch_dask(scans, tmp_path / "out", scheduler=cluster.address)
    assert (again.processed, again.skipped) == (8 - kept, kept)
    recs = _by_scan(tmp_path / "out")
    assert len(recs) == 8 and all(r["status"] == "ok" for r in recs.values())


def test_dask_and_pyarrow_are_imported_only_when_used():
    code = ("import sys\n"
            "import footfit.app.batch_dask, footfit.stats\n"
            "from footfit.app.cli import main\n"
            "main(['--help'])\n"
            "print('LOADED:' + ','.join(m for m in ('dask', 'distributed', 'pyarrow') "
            "if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("LOADED:")


def test_a_scan_a_worker_cannot_see_is_retried_not_judged(tmp_path):
    from footfit.app.batch_dask import process_scan

    rec = process_scan(str(tmp_path / "gone.ply"), "gone.ply", "k", {})
    assert (rec["status"], rec["exit_code"]) == ("error", 1)  # tried again on a re-run
    assert "cannot see" in rec["error"] and "same paths" in rec["error"]


def test_iter_records_cuts_a_torn_last_line(tmp_path):
    results = tmp_path / "results.jsonl"
    good = [{"scan": f"{i}.ply", "key": f"{i}|1|1", "status": "ok"} for i in range(2)]
    body = "".join(json.dumps(r) + "\n" for r in good)
    results.write_text(body + '{"scan": "2.ply", "key": "2|1|1", "sta')
    assert list(iter_records(results)) == good
    assert results.read_text() == body  # repaired: a valid JSON-lines file again
    assert list(iter_records(tmp_path / "absent.jsonl")) == []
