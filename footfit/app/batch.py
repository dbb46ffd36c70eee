"""Batch processing of scan folders: parallel, resumable, loss-free on interruption.

Results go to ``OUT/results.jsonl`` (one JSON line per scan, appended and flushed to disk as
each scan finishes, so an interrupted batch loses nothing already written) and
``OUT/summary.csv`` (one row per scan, rewritten atomically from the JSON lines at the end).
A scan already recorded with the same size and modification time is skipped on a re-run; a
scan that fails is recorded with its error and the batch goes on. Each worker runs its BLAS
and OpenMP pools on one thread: a batch's parallelism is its worker processes.

Every scan is processed in a worker process (:class:`footfit.app.sandbox.WorkerPool`), never in
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
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from footfit._core.atomic import write_text_atomic
from footfit.app.sandbox import single_threaded
from footfit.exceptions import InvalidParameterError
from footfit.files import RESULTS_NAME, append_record, iter_records
from footfit.options import FitOptions

if TYPE_CHECKING:
    from footfit.app.sandbox import WorkerPool

__all__ = ["SCAN_EXTENSIONS", "BatchResult", "find_scans", "iter_scans", "run_batch"]

#: File endings treated as scans when a folder is given.
SCAN_EXTENSIONS = frozenset(
    {".ply", ".pcd", ".xyz", ".asc", ".txt", ".csv", ".obj", ".stl", ".off", ".npy", ".npz"}
)

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


def _init_worker(options: FitOptions, *, limit_threads: bool = True) -> None:
    global _WORKER_FITTER
    from footfit.pipeline import FootFitter, prepare_long_running

    if limit_threads:
        single_threaded()
    prepare_long_running()
    _WORKER_FITTER = FootFitter(options)


def _process_one(path: str, key: str, fitter: Any = None) -> dict[str, Any]:
    from footfit.app._errors import EXIT_INTERNAL, exit_code_for

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
    options: FitOptions | Mapping[str, Any] | None = None,
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
    options : FitOptions or mapping, optional
        The line's options (:class:`~footfit.options.FitOptions`: style, fit, units, sex,
        ...), validated before any worker starts.
    progress : callable, optional
        Called as ``progress(done, total, failed, scan)`` after each scan.

    Returns
    -------
    BatchResult
    """
    if not isinstance(workers, int) or workers < 1:
        raise InvalidParameterError(f"`workers` must be an int >= 1; got {workers!r}")
    opts = FitOptions.coerce(options)  # one clear error before any worker starts
    scans = find_scans(target)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with _locked(out):
        return _run_locked(scans, out, workers, opts, progress)


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


def _run_locked(scans: list[Path], out: Path, workers: int, options: FitOptions,
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
    """Return what a worker process makes of one scan: its record (see :func:`_process_one`)."""
    global _WORKER_FITTER
    _WORKER_FITTER = fitter
    return _process_one(path, overrides["key"])


def _run_isolated(
    todo: list[tuple[str, str]],
    workers: int,
    options: FitOptions,
    record: Callable[[dict[str, Any]], None],
) -> None:
    """Process ``todo`` in ``workers`` worker processes, one scan each at a time.

    One thread per worker hands out scans from a shared queue and waits on its worker's pipe;
    records are written by whichever thread finishes (under a lock, in finishing order). A
    scan that kills its worker, runs out of memory or time is recorded as its own error
    (exit code 3) and the worker replaced; the other workers never notice.
    """
    pool = _start_pool(options, workers)
    with pool:
        _Dispatch(todo, record).run(pool, workers)


def _start_pool(options: FitOptions, workers: int) -> WorkerPool:
    """Start the worker processes, forked from a fitter built here once (one BLAS thread)."""
    from footfit.app.sandbox import WorkerPool
    from footfit.pipeline import FootFitter, prepare_long_running

    limiter = single_threaded()  # the forked workers inherit one BLAS thread
    try:
        prepare_long_running()
        fitter = FootFitter(options)  # built once, inherited by the forked workers
        return WorkerPool(_batch_job, options=options, workers=workers,
                          memory_mb=SCAN_MEMORY_MB, fitter=fitter)
    finally:
        if limiter is not None:
            limiter.restore_original_limits()


class _Dispatch:
    """Hand scans from a shared queue to worker threads; record each result under a lock."""

    def __init__(self, todo: list[tuple[str, str]],
                 record: Callable[[dict[str, Any]], None]) -> None:
        import threading
        from collections import deque

        self.pending = deque(todo)
        self.record = record
        self.lock = threading.Lock()
        self.failure: list[BaseException] = []

    def keep(self, rec: dict[str, Any]) -> None:
        """Record one result (nothing more once interrupted)."""
        with self.lock:
            if self.failure:  # interrupted: nothing more is recorded
                return
            try:
                self.record(rec)
            except BaseException as exc:
                self.failure.append(exc)
                raise

    def one(self, pool: WorkerPool, path: str, key: str) -> dict[str, Any]:
        """Return one scan's record; a crash, memory or time overrun is the scan's error."""
        from footfit.app._errors import EXIT_INVALID_SCAN
        from footfit.app.sandbox import ScanCrashedError, ScanMemoryError, ScanTimeoutError

        t0 = time.perf_counter()
        try:
            return pool.run(path, {"key": key}, timeout=SCAN_TIMEOUT_S)
        except (ScanCrashedError, ScanMemoryError, ScanTimeoutError) as exc:
            return {"scan": path, "key": key, "status": "error",
                    "exit_code": EXIT_INVALID_SCAN, "error": " ".join(str(exc).split()),
                    "seconds": round(time.perf_counter() - t0, 4), "worker": None}

    def work(self, pool: WorkerPool) -> None:
        """Take scans from the queue until it is empty or the batch failed (a thread)."""
        try:
            while not self.failure:
                try:
                    path, key = self.pending.popleft()
                except IndexError:
                    return
                self.keep(self.one(pool, path, key))
        except BaseException as exc:  # noqa: BLE001 - re-raised in the calling thread
            with self.lock:
                self.failure.append(exc)

    def run(self, pool: WorkerPool, workers: int) -> None:
        """Run ``workers`` threads over the queue; raise the first failure here."""
        import threading

        threads = [threading.Thread(target=self.work, args=(pool,), daemon=True,
                                    name=f"footfit-batch-{i}") for i in range(workers)]
        for t in threads:
            t.start()
        try:
            for t in threads:
                while t.is_alive():
                    t.join(0.2)  # short joins: Ctrl-C reaches this thread
        except BaseException as exc:
            with self.lock:
                if not self.failure:
                    self.failure.append(exc)
            self.pending.clear()
            raise
        if self.failure:
            raise self.failure[0]


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

