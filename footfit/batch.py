"""Batch processing of scan folders: parallel, resumable, loss-free on interruption.

Results go to ``OUT/results.jsonl`` (one JSON line per scan, appended and flushed to disk as
each scan finishes, so an interrupted batch loses nothing already written) and
``OUT/summary.csv`` (one row per scan, rewritten atomically from the JSON lines at the end).
A scan already recorded with the same size and modification time is skipped on a re-run; a
scan that fails is recorded with its error and the batch goes on. Each worker runs its BLAS
and OpenMP pools on one thread: a batch's parallelism is its worker processes.

Every scan is processed in a worker process (:class:`footfit.sandbox.WorkerPool`), never in
the batch's own process, even with one worker: a scan that crashes its worker (a signal in a
native library), exceeds the memory limit or runs past ``SCAN_TIMEOUT_S`` is recorded as that
scan's error (exit code 3, not retried on a re-run) and the batch goes on. Workers die with
the batch (parent-death signal). An output folder is locked while a batch writes to it
(``OUT/.footfit-batch.lock``): a second batch on it stops with an error.
"""

from __future__ import annotations

import csv
import glob
import io
import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from footfit._core.atomic import write_text_atomic

__all__ = ["SCAN_EXTENSIONS", "BatchResult", "find_scans", "iter_scans", "run_batch"]

#: File endings treated as scans when a folder is given.
SCAN_EXTENSIONS = frozenset(
    {".ply", ".pcd", ".xyz", ".asc", ".txt", ".csv", ".obj", ".stl", ".off", ".npy", ".npz"}
)

RESULTS_NAME = "results.jsonl"
SUMMARY_NAME = "summary.csv"
LOCK_NAME = ".footfit-batch.lock"
#: Seconds one scan may take in its worker before it is killed and recorded as failed (a
#: 5M-point scan takes ~30 s on one core).
SCAN_TIMEOUT_S = 300.0
#: Address space a worker may grow by while processing one scan (RLIMIT_AS).
SCAN_MEMORY_MB = 1536.0

_SUMMARY_FIELDS = (
    "scan", "status", "exit_code", "error", "feet", "sides",
    "foot_length_left_mm", "foot_length_right_mm", "ball_girth_left_mm", "ball_girth_right_mm",
    "ball_width_left_mm", "ball_width_right_mm", "arch_index_left", "arch_index_right",
    "mondopoint", "eu", "uk", "us_men", "us_women", "cn", "insole_left", "insole_right",
    "total_ms",
)


@dataclass(frozen=True)
class BatchResult:
    """What a batch run did.

    Attributes
    ----------
    total : int
        Scans found.
    processed : int
        Scans processed in this run (ok or failed).
    skipped : int
        Scans already recorded by an earlier run.
    failed : int
        Scans of this run that failed.
    failed_total : int
        Scans of the folder whose latest record is a failure (this run's and earlier runs'
        definite verdicts: an invalid scan stays failed until the file changes).
    elapsed_s : float
        Wall time of this run.
    results_path, summary_path : Path
        The JSON-lines and CSV outputs.
    """

    total: int
    processed: int
    skipped: int
    failed: int
    elapsed_s: float
    results_path: Path
    summary_path: Path
    failed_total: int = 0

    @property
    def scans_per_second(self) -> float:
        """Throughput of this run (processed scans per wall second)."""
        return self.processed / self.elapsed_s if self.elapsed_s > 0 else 0.0


def find_scans(target: str | os.PathLike[str]) -> list[Path]:
    """Return the scan files named by a folder (searched recursively) or a glob pattern.

    Raises
    ------
    FileNotFoundError
        If the folder or pattern names no scan file.
    """
    found = sorted(set(iter_scans(target)))
    if not found:
        raise FileNotFoundError(_no_scans_message(target))
    return found


# ----------------------------------------------------------------- streaming (issue #19)
def iter_scans(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield the scan files of a folder (recursively), a file or a glob pattern, one at a time.

    The listing streams: a folder is walked one directory at a time (its entries sorted, so
    the order is the same on every run) and a pattern goes through :func:`glob.iglob` (in
    the file system's order), so an archive of a million scans is never held as one list.
    Yields nothing when nothing matches (:func:`find_scans` raises instead).
    """
    text = os.fspath(target)
    path = Path(text)
    if path.is_dir():
        for root, dirs, files in os.walk(path):
            dirs.sort()
            for name in sorted(files):
                p = Path(root, name)
                if p.suffix.lower() in SCAN_EXTENSIONS and p.is_file():
                    yield p
    elif path.is_file():
        yield path
    else:
        for name in glob.iglob(text, recursive=True):
            if os.path.isfile(name):
                yield Path(name)


def _no_scans_message(target: str | os.PathLike[str]) -> str:
    return (f"{os.fspath(target)}: no scan files found (endings: "
            f"{', '.join(sorted(SCAN_EXTENSIONS))})")


def iter_records(results: Path) -> Iterator[dict[str, Any]]:
    """Yield the records of ``results.jsonl`` line by line, repairing a torn last line.

    An interrupted write can leave half a line at the end: it is cut off (the file stays
    valid JSON lines) before reading. Lines that are not a JSON object with a ``key`` are
    passed over.
    """
    if not results.exists():
        return
    with open(results, "r+b") as fh:
        size = fh.seek(0, os.SEEK_END)
        if size:
            fh.seek(size - 1)
            if fh.read(1) != b"\n":
                # find the last newline from the end, a block at a time
                pos, cut = size, 0
                while pos > 0:
                    start = max(0, pos - 65536)
                    fh.seek(start)
                    block = fh.read(pos - start)
                    i = block.rfind(b"\n")
                    if i >= 0:
                        cut = start + i + 1
                        break
                    pos = start
                fh.truncate(cut)
    with open(results, encoding="utf-8") as fh:
        for line in fh:
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(rec, dict) and "key" in rec:
                yield rec


def append_record(fh: Any, rec: Mapping[str, Any]) -> None:
    """Append one record to an open ``results.jsonl`` as one line, flushed to disk."""
    fh.write(json.dumps(rec, ensure_ascii=False, allow_nan=False) + "\n")
    fh.flush()
    os.fsync(fh.fileno())
# ------------------------------------------------------------- end streaming (issue #19)


def _scan_key(path: Path) -> str:
    st = path.stat()
    return f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}"


def _read_done(results: Path) -> dict[str, dict[str, Any]]:
    """Return the records of ``results.jsonl`` by key, repairing a torn last line.

    The dict is in file order of each key's latest record (a retried key moves to the end),
    so that a later record of the same scan under another key does not outrank it.
    """
    done: dict[str, dict[str, Any]] = {}
    for rec in iter_records(results):
        done.pop(rec["key"], None)
        done[rec["key"]] = rec
    return done


# ----------------------------------------------------------------------------- workers
_WORKER_FITTER: Any = None


def _init_worker(options: Mapping[str, Any], *, limit_threads: bool = True) -> None:
    global _WORKER_FITTER
    from footfit.pipeline import FootFitter

    if limit_threads:
        _single_threaded()
    _WORKER_FITTER = FootFitter(**options)


def _single_threaded() -> Any:
    """Limit BLAS/OpenMP pools to one thread; returns the limiter (a context manager).

    A batch's parallelism is its worker processes: each scan runs on one core, so two
    workers on two cores do not fight over threads that a lone scan would use.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        return None
    return threadpool_limits(limits=1)


def _process_one(path: str, key: str, fitter: Any = None) -> dict[str, Any]:
    from footfit._errors import EXIT_INTERNAL, exit_code_for

    rec: dict[str, Any] = {"scan": path, "key": key}
    t0 = time.perf_counter()
    try:
        report = (fitter or _WORKER_FITTER).process(path)
        rec.update(status="ok", exit_code=0, report=json.loads(report.to_json(indent=None)))
    except Exception as exc:  # noqa: BLE001 - one bad scan must not stop the batch
        code = exit_code_for(exc)
        msg = f"internal error: {type(exc).__name__}: {exc}" if code == EXIT_INTERNAL else str(exc)
        rec.update(status="error", exit_code=code, error=" ".join(msg.split()))
    rec["seconds"] = round(time.perf_counter() - t0, 4)
    rec["worker"] = os.getpid()  # per-worker busy time: sum of seconds by worker
    return rec


def run_batch(
    target: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    workers: int = 1,
    options: Mapping[str, Any] | None = None,
    progress: Callable[[int, int, int, str], None] | None = None,
) -> BatchResult:
    """Process every scan of a folder or glob, resumably, with ``workers`` processes.

    Parameters
    ----------
    target : str or path
        A folder (searched recursively for scan files), a single file, or a glob pattern.
    out_dir : str or path
        Folder for ``results.jsonl`` and ``summary.csv`` (created if needed).
    workers : int, default=1
        Processes working on scans, this one included: 1 runs them all here; N starts N - 1
        worker processes that work beside this one.
    options : mapping, optional
        :class:`~footfit.pipeline.FootFitter` options (style, fit, units, sex, ...).
    progress : callable, optional
        Called as ``progress(done, total, failed, scan)`` after each scan.

    Returns
    -------
    BatchResult
    """
    if not isinstance(workers, int) or workers < 1:
        raise ValueError(f"`workers` must be an int >= 1; got {workers!r}")
    options = dict(options or {})
    scans = find_scans(target)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with _locked(out):
        return _run_locked(scans, out, workers, options, progress)


def _locked(out: Path) -> Any:
    """Hold an exclusive lock on ``out`` (``fcntl.flock`` on a lock file; none off POSIX).

    Raises
    ------
    FootfitError
        When another batch holds it.
    """
    import contextlib

    @contextlib.contextmanager
    def hold() -> Any:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX
            yield
            return
        from footfit.exceptions import FootfitError

        path = out / LOCK_NAME
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                other = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
                raise FootfitError(
                    f"{out}: another footfit batch is writing to this folder"
                    f"{f' (process {other})' if other else ''}; wait for it to finish or "
                    "use another --out") from None
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode(), 0)
            yield
        finally:
            os.close(fd)  # releases the lock

    return hold()


def _run_locked(scans: list[Path], out: Path, workers: int, options: dict[str, Any],
                progress: Callable[[int, int, int, str], None] | None) -> BatchResult:
    results = out / RESULTS_NAME
    done = _read_done(results)
    # a scan is done once it has a verdict; an internal error (exit code 1: a bug or a
    # crash, not the scan's fault) is tried again
    todo = [(str(p), k) for p in scans
            if (k := _scan_key(p)) not in done or done[k].get("exit_code") == 1]
    skipped = len(scans) - len(todo)
    total = len(scans)
    t0 = time.perf_counter()
    processed = failed = 0

    # Validate the options here (one clear error) before any worker starts.
    from footfit.pipeline import FootFitter

    FootFitter._check_options(**{**_default_options(), **options})

    with _naming(results), open(results, "a", encoding="utf-8") as fh:

        def record(rec: dict[str, Any]) -> None:
            nonlocal processed, failed
            with _naming(results):  # a full disk names the file, not just [Errno 28]
                append_record(fh, rec)
            processed += 1
            failed += rec["status"] != "ok"
            if progress is not None:
                progress(skipped + processed, total, failed, rec["scan"])

        if todo:
            _run_isolated(todo, min(workers, len(todo)), options, record)
    summary = out / SUMMARY_NAME
    latest = write_summary(results, summary)
    found = {str(p) for p in scans}
    return BatchResult(
        total=total, processed=processed, skipped=skipped, failed=failed,
        elapsed_s=time.perf_counter() - t0, results_path=results, summary_path=summary,
        failed_total=sum(r.get("status") != "ok" for s, r in latest.items() if s in found),
    )


def _naming(path: Path) -> Any:
    """Re-raise an ``OSError`` without a file name as one naming ``path``."""
    import contextlib

    @contextlib.contextmanager
    def wrap() -> Any:
        try:
            yield
        except OSError as exc:
            if exc.filename is not None or exc.errno is None:
                raise
            raise type(exc)(exc.errno, exc.strerror or str(exc), str(path)) from exc

    return wrap()


def _batch_job(fitter: Any, path: str, overrides: Mapping[str, Any]) -> dict[str, Any]:
    """What a worker process does with one scan: its record (see :func:`_process_one`)."""
    global _WORKER_FITTER
    _WORKER_FITTER = fitter
    return _process_one(path, overrides["key"])


def _run_isolated(
    todo: list[tuple[str, str]],
    workers: int,
    options: Mapping[str, Any],
    record: Callable[[dict[str, Any]], None],
) -> None:
    """Process ``todo`` in ``workers`` worker processes, one scan each at a time.

    One thread per worker hands out scans from a shared queue and waits on its worker's pipe;
    records are written by whichever thread finishes (under a lock, in finishing order). A
    scan that kills its worker, runs out of memory or time is recorded as its own error
    (exit code 3) and the worker replaced; the other workers never notice.
    """
    import threading
    from collections import deque

    from footfit._errors import EXIT_INVALID_SCAN
    from footfit.sandbox import ScanCrashedError, ScanMemoryError, ScanTimeoutError, WorkerPool

    pending = deque(todo)
    lock = threading.Lock()
    failure: list[BaseException] = []

    def keep(rec: dict[str, Any]) -> None:
        with lock:
            if failure:  # interrupted: nothing more is recorded
                return
            try:
                record(rec)
            except BaseException as exc:
                failure.append(exc)
                raise

    def work(pool: WorkerPool) -> None:
        try:
            while not failure:
                try:
                    path, key = pending.popleft()
                except IndexError:
                    return
                t0 = time.perf_counter()
                try:
                    rec = pool.run(path, {"key": key}, timeout=SCAN_TIMEOUT_S)
                except (ScanCrashedError, ScanMemoryError, ScanTimeoutError) as exc:
                    rec = {"scan": path, "key": key, "status": "error",
                           "exit_code": EXIT_INVALID_SCAN, "error": " ".join(str(exc).split()),
                           "seconds": round(time.perf_counter() - t0, 4), "worker": None}
                keep(rec)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the calling thread
            with lock:
                failure.append(exc)

    from footfit.pipeline import FootFitter

    limiter = _single_threaded()  # the forked workers inherit one BLAS thread
    try:
        fitter = FootFitter(**options)  # built once, inherited by the forked workers
        pool = WorkerPool(_batch_job, options=options, workers=workers,
                          memory_mb=SCAN_MEMORY_MB, fitter=fitter)
    finally:
        if limiter is not None:
            limiter.restore_original_limits()
    with pool:
        threads = [threading.Thread(target=work, args=(pool,), daemon=True,
                                    name=f"footfit-batch-{i}") for i in range(workers)]
        for t in threads:
            t.start()
        try:
            for t in threads:
                while t.is_alive():
                    t.join(0.2)  # short joins: Ctrl-C reaches this thread
        except BaseException as exc:
            with lock:
                if not failure:
                    failure.append(exc)
            pending.clear()
            raise
    if failure:
        raise failure[0]


def _worker_context(mp: Any) -> Any:
    """Return the multiprocessing context of worker processes (:mod:`footfit.sandbox`).

    A fork of this process is unsafe (BLAS and other threads may be running), and "spawn"
    makes every worker import numpy, scipy and footfit again, in its first scans. The
    "forkserver" server imports them once, before any thread starts, and forks the workers
    from that clean state. But its interpreter puts the current directory first on its
    import path and (Python 3.11) ignores this process's: run from a folder holding a
    ``footfit`` directory that is not the package (a clone's parent folder, say), it
    imported that directory as ``footfit`` and every worker failed every scan. So the
    server is started here with the folder of this process's ``footfit`` first, then this
    process's import path (``PYTHONPATH``), and without the current directory
    (``PYTHONSAFEPATH``, Python >= 3.11); elsewhere "spawn", whose workers take this
    process's import path.
    """
    if sys.version_info >= (3, 11) and "forkserver" in mp.get_all_start_methods():
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(_PRELOAD)
        _start_forkserver()
        return ctx
    return mp.get_context("spawn")


def _start_forkserver() -> None:
    """Start the forkserver (if not running) with this process's import path only."""
    from multiprocessing import forkserver

    keys = ("PYTHONSAFEPATH", "PYTHONPATH")
    saved = {k: os.environ.get(k) for k in keys}
    os.environ["PYTHONSAFEPATH"] = "1"
    # the folder holding this footfit first: the workers import the package this process
    # imported, even when it came through '' (a checkout used from its root) or an
    # installed copy lies elsewhere on the path
    home = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [home, *(os.path.abspath(p) for p in sys.path if p)])
    try:
        forkserver.ensure_running()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


_PRELOAD = [
    "footfit.pipeline", "footfit.io", "footfit.clean", "footfit.align", "footfit.measure",
    "footfit.classify", "footfit.sizes", "footfit.insoles", "footfit.last", "footfit.report",
    "scipy.ndimage", "scipy.spatial",
]


def _default_options() -> dict[str, Any]:
    return {
        "style": "sport", "fit": "standard", "units": "auto", "sex": None, "profile": "iso",
        "n_insoles": 3, "leg_cut_height_mm": 100.0, "heel_height_mm": None,
    }


def _summary_row(rec: Mapping[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {k: "" for k in _SUMMARY_FIELDS}
    row.update(scan=rec.get("scan", ""), status=rec.get("status", ""),
               exit_code=rec.get("exit_code", ""), error=rec.get("error", ""))
    rep = rec.get("report")
    if not rep:
        return row
    feet = rep.get("feet", [])
    row["feet"] = len(feet)
    row["sides"] = "+".join(f["side"] for f in feet)
    for f in feet:
        s = f["side"]
        m = f["measurements"]
        row[f"foot_length_{s}_mm"] = m.get("foot_length_mm")
        row[f"ball_girth_{s}_mm"] = m.get("ball_girth_mm")
        row[f"ball_width_{s}_mm"] = m.get("ball_width_mm")
        row[f"arch_index_{s}"] = m.get("arch_index")
        if f.get("insoles"):
            row[f"insole_{s}"] = f["insoles"][0]["sku"]
    sizes = rep.get("sizes") or {}
    for k in ("mondopoint", "eu", "uk", "us_men", "us_women"):
        row[k] = sizes.get(k, "")
    row["cn"] = sizes.get("cn_label", "")
    row["total_ms"] = rep.get("timings_ms", {}).get("total", "")
    return {k: ("" if v is None else v) for k, v in row.items()}


def write_summary(results: Path, summary: Path) -> dict[str, dict[str, Any]]:
    """Rewrite ``summary`` (CSV) from ``results`` (JSON lines), atomically.

    One row per scan path: its latest record (a scan modified and processed again has an
    older record under its old size and time). Returns those rows by path. The records are
    read one line at a time and only their summary rows are kept, so a results file far
    larger than memory can be summarised; it is written once per run, not per scan.
    """
    latest: dict[str, dict[str, Any]] = {}
    for rec in iter_records(results):  # file order: later records win
        latest[rec["scan"]] = _summary_row(rec)
    write_csv_atomic(summary, (latest[k] for k in sorted(latest)))
    return latest


def write_csv_atomic(path: Path, rows: Iterable[Mapping[str, Any]]) -> None:
    """Write ``rows`` as CSV to ``path`` through a temporary file and an atomic rename."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=_SUMMARY_FIELDS)
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    write_text_atomic(path, buf.getvalue())

