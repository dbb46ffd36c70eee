"""Batch processing on a Dask cluster: ``footfit batch --engine dask``.

The same contract as :func:`footfit.app.batch.run_batch` (the local engine), with the scans run
by Dask ``distributed`` workers: a :class:`~distributed.LocalCluster` of ``workers``
processes on this machine, or an existing cluster given by its scheduler address (started
with ``dask scheduler`` / ``dask worker``, dask-jobqueue, Kubernetes...). This process, the
client, writes every record: one JSON line per scan in ``OUT/results.jsonl``, appended and
flushed as each scan finishes, so a killed client loses nothing already written and a re-run
skips it; ``OUT/summary.csv`` at the end. A record is the local engine's record of the same
scan (it is made by the same :func:`footfit.app.batch._process_one`), except ``seconds`` and
``worker`` (here the Dask worker's address).

For archives beyond one machine's memory, the scan listing is streamed
(:func:`footfit.app.batch.iter_scans`) and only a bounded number of scans is in flight, so the
client holds neither a million paths nor a million futures. A worker that dies mid-scan
costs that scan one retry on another worker (the scheduler's ``allowed-failures``; set to 1
on the LocalCluster): a scan that kills a second worker is recorded as an internal error
(exit code 1), tried again by the next run.

Workers must see the scan files at the same paths as the client (a shared file system);
relative paths are sent as absolute paths and recorded as given.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from footfit.app.batch import (
    RESULTS_NAME,
    SUMMARY_NAME,
    BatchResult,
    _locked,
    _no_scans_message,
    _process_one,
    _scan_key,
    append_record,
    iter_records,
    iter_scans,
    write_summary,
)
from footfit.app.sandbox import single_threaded
from footfit.exceptions import FootfitError, InvalidParameterError
from footfit.options import FitOptions

__all__ = ["run_batch_dask"]

_NANNY_ENV = ("MALLOC_TRIM_THRESHOLD_", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
              "OPENBLAS_NUM_THREADS", "PYTHONHASHSEED")

#: Seconds to wait for the scheduler to answer, for a first worker to join, and for a worker
#: to come back when the cluster has none left mid-batch.
CONNECT_TIMEOUT_S = 30.0
#: Seconds between checks that the cluster still has workers while no scan finishes.
POLL_S = 5.0


def _digest(text: str) -> bytes:
    # 16 bytes per recorded scan instead of its ~100-character key: a resume set of a
    # million scans stays ~100 MB
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


def _read_verdicts(results: Path) -> dict[bytes, int]:
    """Return the exit code of each key's latest record (keys as digests), streaming."""
    verdicts: dict[bytes, int] = {}
    for rec in iter_records(results):
        code = rec.get("exit_code")
        verdicts[_digest(rec["key"])] = code if isinstance(code, int) else 1
    return verdicts


# ------------------------------------------------------------------------ on the workers
_LOCAL = threading.local()
_LIMITER: list[Any] = []


def _worker_fitter(options: Mapping[str, Any]) -> Any:
    """Return this worker thread's :class:`~footfit.pipeline.FootFitter` for ``options``."""
    from footfit.pipeline import FootFitter, prepare_long_running

    opts = FitOptions.coerce(options)
    tag = json.dumps(opts.to_dict(), sort_keys=True, default=str)
    cache = getattr(_LOCAL, "fitters", None)
    if cache is None:
        cache = _LOCAL.fitters = {}
    if tag not in cache:
        if not _LIMITER:  # one BLAS thread per scan, as in the local engine
            _LIMITER.append(single_threaded())
            _restore_adaptive_malloc()
            prepare_long_running()
        cache[tag] = FootFitter(opts)
    return cache[tag]


def _restore_adaptive_malloc() -> None:
    """Undo the nanny's ``MALLOC_TRIM_THRESHOLD_`` on a worker started by ``dask worker``.

    With it set, glibc keeps its mmap threshold at 128 kB: each array of a scan (MBs) is
    mapped and unmapped anew, ~2x the time per scan. Large blocks are served from the heap
    again (mmap threshold 32 MB, trim above 128 MB), as glibc's adaptive default ends up
    doing. Only where the variable is set, and only on glibc.
    """
    if "MALLOC_TRIM_THRESHOLD_" not in os.environ or not sys.platform.startswith("linux"):
        return
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(-3, 32 * 1024 * 1024)  # M_MMAP_THRESHOLD
        libc.mallopt(-1, 128 * 1024 * 1024)  # M_TRIM_THRESHOLD
    except (OSError, AttributeError):  # not glibc (musl has no mallopt): leave it
        pass


def prepare_worker(options: Mapping[str, Any]) -> str:
    """Build the fitter on a worker before its first scan; return its footfit version."""
    from footfit import __version__

    _worker_fitter(options)
    return __version__


def process_scan(path: str, scan: str, key: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """Process one scan on a Dask worker and return its batch record.

    ``path`` is the file as this worker opens it (absolute), ``scan`` as the user named it
    (what the record says, in ``scan`` and in an error message).
    """
    try:
        from distributed import get_worker

        where = get_worker().address
    except (ImportError, ValueError):  # run outside a worker
        where = None
    if not os.path.exists(path):
        # the client saw the file: this worker does not share its file system. Not the
        # scan's fault, so an internal error (exit code 1), tried again by the next run
        return {"scan": scan, "key": key, "status": "error", "exit_code": 1,
                "error": f"internal error: Dask worker {where} cannot see {path} (workers "
                         "need the scans at the same paths as the client)",
                "seconds": 0.0, "worker": where}
    rec = _process_one(path, key, _worker_fitter(options))
    rec["scan"] = scan
    if path != scan and "error" in rec:
        rec["error"] = rec["error"].replace(path, scan)
    if where is not None:
        rec["worker"] = where
    return rec


# ------------------------------------------------------------------------ on the client
def _connect(scheduler: str | None, workers: int) -> tuple[Any, Any]:
    """Return ``(client, cluster)``: a LocalCluster, or a client of a running cluster.

    A LocalCluster of ``workers`` processes when ``scheduler`` is None; else a client of the
    cluster at ``scheduler`` (cluster ``None``).
    """
    try:
        import dask
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise ImportError(
            "footfit batch --engine dask requires Dask distributed: "
            "pip install 'footfit[dask]'"
        ) from exc
    import logging

    if scheduler is None:
        # the scheduler runs in this process: a worker that dies mid-scan costs the scan one
        # retry, not three. Dask's nanny sets MALLOC_TRIM_THRESHOLD_ in each worker, which
        # turns off glibc's adaptive mmap threshold: every array of a scan is then a fresh
        # mmap and its pages fault in again, and scans ran ~2x slower; unset here (the one
        # BLAS/OpenMP thread per worker stays)
        env = dict(dask.config.get("distributed.nanny.pre-spawn-environ"))
        env["MALLOC_TRIM_THRESHOLD_"] = None
        with dask.config.set({"distributed.scheduler.allowed-failures": 1,
                              "distributed.nanny.pre-spawn-environ": env}):
            cluster = LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                dashboard_address=None, silence_logs=logging.ERROR,
            )
        try:
            return Client(cluster), cluster
        except BaseException:
            cluster.close()
            raise
    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError) as exc:
        raise OSError(
            f"Dask scheduler {scheduler}: cannot connect within {CONNECT_TIMEOUT_S:.0f} s "
            f"({type(exc).__name__}: {' '.join(str(exc).split())[:200]})"
        ) from exc
    try:
        client.wait_for_workers(1, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError) as exc:
        client.close()
        raise OSError(f"Dask scheduler {scheduler}: no worker joined within "
                      f"{CONNECT_TIMEOUT_S:.0f} s") from exc
    return client, None


def _check_workers(client: Any, options: FitOptions) -> None:
    """Warm every worker (imports, fitter) and check it runs this footfit version."""
    from footfit import __version__

    try:
        versions = client.run(prepare_worker, options.to_dict())
    except Exception as exc:  # noqa: BLE001 - whatever a worker raised, said in one line
        raise FootfitError(
            "a Dask worker cannot run footfit (is footfit installed there, with the "
            f"scans at the same paths?): {type(exc).__name__}: {' '.join(str(exc).split())}"
        ) from exc
    wrong = {w: v for w, v in versions.items() if v != __version__}
    if wrong:
        w, v = next(iter(wrong.items()))
        raise FootfitError(f"Dask worker {w} runs footfit {v}, this client {__version__}: "
                           "records would not match; install the same version on every worker")


def run_batch_dask(
    target: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    scheduler: str | None = None,
    workers: int = 2,
    options: FitOptions | Mapping[str, Any] | None = None,
    progress: Callable[[int, int, int, str], None] | None = None,
    max_in_flight: int | None = None,
) -> BatchResult:
    """Process every scan of a folder or glob on Dask, resumably.

    Parameters
    ----------
    target : str or path
        A folder (searched recursively for scan files), a single file, or a glob pattern.
    out_dir : str or path
        Folder for ``results.jsonl`` and ``summary.csv`` (created if needed).
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://HOST:PORT``); ``None`` starts a
        LocalCluster of ``workers`` single-threaded worker processes on 127.0.0.1.
    workers : int, default=2
        Worker processes of the LocalCluster (ignored with ``scheduler``).
    options : FitOptions or mapping, optional
        The line's options (:class:`~footfit.options.FitOptions`), validated here once;
        the workers get them as a plain mapping.
    progress : callable, optional
        Called as ``progress(done, total, failed, scan)`` after each scan.
    max_in_flight : int, optional
        Scans handed to the cluster and not yet recorded; default four per worker thread
        (at least 8). Bounds the client's memory whatever the archive's size.

    Returns
    -------
    BatchResult
        As :func:`footfit.app.batch.run_batch`.

    Raises
    ------
    FileNotFoundError
        The target names no scan file.
    OSError
        The scheduler cannot be reached or has no worker.
    FootfitError
        A worker cannot run footfit, or runs another version.
    """
    if scheduler is None and (not isinstance(workers, int) or workers < 1):
        raise InvalidParameterError(f"`workers` must be an int >= 1; got {workers!r}")
    if scheduler is not None and (not isinstance(scheduler, str) or not scheduler.strip()):
        raise InvalidParameterError(f"`scheduler` must be an address like tcp://HOST:PORT; got "
                         f"{scheduler!r}")
    if max_in_flight is not None and (not isinstance(max_in_flight, int) or max_in_flight < 1):
        raise InvalidParameterError(f"`max_in_flight` must be an int >= 1; got {max_in_flight!r}")
    opts = FitOptions.coerce(options)
    # first pass: count (streaming; nothing kept), so progress can show a total
    total = sum(1 for _ in iter_scans(target))
    if not total:
        raise FileNotFoundError(_no_scans_message(target))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with _locked(out):  # one batch per output folder, whichever engine (issue #16)
        return _run_dask(target, out, total, scheduler=scheduler, workers=workers,
                         options=opts, progress=progress, max_in_flight=max_in_flight)


def _run_dask(target: str | os.PathLike[str], out: Path, total: int, *, scheduler: str | None,
              workers: int, options: FitOptions,
              progress: Callable[[int, int, int, str], None] | None,
              max_in_flight: int | None) -> BatchResult:
    results = out / RESULTS_NAME
    verdicts = _read_verdicts(results)
    t0 = time.perf_counter()
    counts = {"processed": 0, "failed": 0, "skipped": 0, "failed_before": 0}

    conn: dict[str, Any] = {}
    # a LocalCluster's nannies run here and write their workers' variables into this
    # process's environment: put it back afterwards
    saved_env = {k: os.environ.get(k) for k in _NANNY_ENV}

    def connect() -> tuple[Any, int]:
        # on the first scan to do: a re-run with nothing left starts no cluster
        if not conn:
            conn["client"], conn["cluster"] = _connect(scheduler, workers)
            _check_workers(conn["client"], options)
            threads = sum(conn["client"].nthreads().values()) or 1
            conn["cap"] = max_in_flight or max(8, 4 * threads)
        return conn["client"], conn["cap"]

    try:
        with open(results, "a", encoding="utf-8") as fh:
            _submit_all(connect, target, options.to_dict(), verdicts, counts, total, fh, progress)
    finally:
        if conn.get("client") is not None:
            conn["client"].close()
        if conn.get("cluster") is not None:
            conn["cluster"].close()
            for k, v in saved_env.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
    summary = out / SUMMARY_NAME
    write_summary(results, summary)
    return BatchResult(
        total=max(total, counts["processed"] + counts["skipped"]),
        processed=counts["processed"], skipped=counts["skipped"], failed=counts["failed"],
        elapsed_s=time.perf_counter() - t0, results_path=results, summary_path=summary,
        failed_total=counts["failed_before"] + counts["failed"],
    )


def _submit_all(
    connect: Callable[[], tuple[Any, int]],
    target: str | os.PathLike[str],
    options: Mapping[str, Any],
    verdicts: Mapping[bytes, int],
    counts: dict[str, int],
    total: int,
    fh: Any,
    progress: Callable[[int, int, int, str], None] | None,
) -> None:
    """Stream the listing into the cluster and record each result as it arrives.

    ``connect()`` gives the client and how many scans may be in flight; results are recorded
    in completion order.
    """
    _Submitter(connect, options, counts, total, fh, progress).run(target, verdicts)


class _Submitter:
    """The client's side of a Dask batch: scans in flight, results recorded as they come."""

    def __init__(self, connect: Callable[[], tuple[Any, int]], options: Mapping[str, Any],
                 counts: dict[str, int], total: int, fh: Any,
                 progress: Callable[[int, int, int, str], None] | None) -> None:
        self.connect, self.options, self.counts = connect, options, counts
        self.total, self.fh, self.progress = total, fh, progress
        self.inflight: dict[Any, tuple[str, str]] = {}
        self.no_worker_since: list[float] = []

    def record(self, rec: dict[str, Any]) -> None:
        """Append one record, count it and show the progress."""
        counts = self.counts
        append_record(self.fh, rec)
        counts["processed"] += 1
        counts["failed"] += rec["status"] != "ok"
        if self.progress is not None:
            done = counts["skipped"] + counts["processed"]
            self.progress(done, max(self.total, done), counts["failed"], rec["scan"])

    def _finished(self) -> set[Any]:
        """Wait for at least one scan to finish; give up when the cluster has no worker."""
        from distributed import TimeoutError as DaskTimeoutError
        from distributed import wait

        client = self.connect()[0]
        while True:
            try:
                done, _ = wait(list(self.inflight), timeout=POLL_S,
                               return_when="FIRST_COMPLETED")
            except DaskTimeoutError:
                done = set()
            if done:
                return done
            # nothing finished: a cluster left without workers would wait for ever
            if client.scheduler_info().get("workers"):
                self.no_worker_since.clear()
            elif not self.no_worker_since:
                self.no_worker_since.append(time.monotonic())
            elif time.monotonic() - self.no_worker_since[0] > CONNECT_TIMEOUT_S:
                raise OSError(f"Dask scheduler {client.scheduler.address}: no worker left for "
                              f"{CONNECT_TIMEOUT_S:.0f} s; {len(self.inflight)} scans "
                              "unfinished (re-run to finish them)")

    def collect(self) -> None:
        """Record every scan finished by now (waiting for at least one)."""
        for fut in self._finished():
            scan, key = self.inflight.pop(fut)
            try:
                rec = fut.result()
            except Exception as exc:  # noqa: BLE001 - the worker died (KilledWorker) or failed
                msg = f"internal error: Dask worker failed: {type(exc).__name__}: {exc}"
                rec = {"scan": scan, "key": key, "status": "error", "exit_code": 1,
                       "error": " ".join(msg.split()), "seconds": 0.0, "worker": None}
            fut.release()
            self.record(rec)

    def _skip(self, key: str, verdicts: Mapping[bytes, int]) -> bool:
        """Whether a scan already has a verdict (exit code 1 is tried again)."""
        code = verdicts.get(_digest(key))
        if code is None or code == 1:
            return False
        self.counts["skipped"] += 1
        self.counts["failed_before"] += code != 0
        return True

    def run(self, target: str | os.PathLike[str], verdicts: Mapping[bytes, int]) -> None:
        """Submit every scan not done yet, at most the cap in flight; record them all."""
        try:
            for path in iter_scans(target):
                try:
                    key = _scan_key(path)
                except OSError:  # vanished since the listing: the next run sees it or not
                    continue
                if self._skip(key, verdicts):
                    continue
                client, cap = self.connect()
                while len(self.inflight) >= cap:
                    self.collect()
                fut = client.submit(process_scan, str(path.absolute()), str(path), key,
                                    self.options, key=f"footfit-scan-{uuid.uuid4().hex}",
                                    pure=False)
                self.inflight[fut] = (str(path), key)
            while self.inflight:
                self.collect()
        except BaseException:
            if self.inflight:  # interrupted: hand nothing more out; the re-run redoes these
                self.connect()[0].cancel(list(self.inflight))
            raise
