"""Run scans in worker processes, so that no file can crash, bloat or hang the caller.

The kiosk service (:mod:`footfit.app.service`) and batches (:mod:`footfit.app.batch`) hand
every scan to a :class:`WorkerPool`: long-lived worker processes, each with a
:class:`~footfit.pipeline.FootFitter` built once, a cap on its address space
(``RLIMIT_AS``) and a parent-death signal. A scan that crashes its worker (a signal in a
native library), exhausts its memory or runs past its time costs that scan only: the caller
gets :class:`ScanCrashedError`, :class:`ScanMemoryError` or :class:`ScanTimeoutError`
naming the file, and the worker is replaced.

Why processes rather than threads: a segmentation fault, ``MemoryError`` or a C loop cannot be
stopped from another thread; only a process boundary contains them (issue #16).

The first workers are forked from the caller when it is single-threaded (Linux), inheriting
its imports and fitter. Replacements come from multiprocessing's forkserver (Python >= 3.11):
it imports numpy, scipy and footfit once and forks each worker from that clean,
single-threaded state, so no worker is forked from a threaded server. Elsewhere they are
spawned.
"""

from __future__ import annotations

import os
import queue
import signal
import sys
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from footfit.exceptions import FootfitError, InvalidParameterError

if TYPE_CHECKING:
    from footfit.options import FitOptions

__all__ = ["LIVE_POOLS", "ScanCrashedError", "ScanMemoryError", "ScanTimeoutError", "WorkerPool",
           "die_with_parent", "limit_memory", "single_threaded", "worker_context"]


#: The pools alive in this process (weak references), for monitoring and tests.
LIVE_POOLS: weakref.WeakSet = weakref.WeakSet()


class ScanCrashedError(FootfitError):
    """The worker process died (a signal, an abort) while on this scan."""


class ScanMemoryError(FootfitError):
    """The scan needed more memory than the worker's limit."""


class ScanTimeoutError(FootfitError):
    """The scan was not done within its time; its worker was killed."""


def die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies (``prctl(PR_SET_PDEATHSIG)``).

    A no-op elsewhere. Workers also leave when their pipe to the parent closes; the signal
    covers a worker busy in a long computation when its parent is killed with ``kill -9``.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - no libc prctl
        return
    if os.getppid() == 1:  # the parent died before the call: nobody will signal us
        os._exit(1)


def _vm_size() -> int:
    """Return this process's address space in bytes (0 when unknown)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def limit_memory(extra_bytes: int) -> None:
    """Cap this process's address space at its current size plus ``extra_bytes``.

    The current size (imports, thread stacks, BLAS buffers: mostly reserved, not resident)
    is read first, so the cap is the budget for the work still to come. No-op where the
    size cannot be read.
    """
    import resource

    base = _vm_size()
    if base <= 0:
        return
    cap = base + int(extra_bytes)
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


def single_threaded() -> Any:
    """Limit BLAS/OpenMP pools to one thread; returns the limiter (a context manager).

    A batch's parallelism is its worker processes: each scan runs on one core, so two
    workers on two cores do not fight over threads that a lone scan would use.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        return None
    return threadpool_limits(limits=1)


def worker_context(mp: Any) -> Any:
    """Return the multiprocessing context of worker processes (:mod:`footfit.app.sandbox`).

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
    home = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
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
    "scipy.spatial",
]


# Error classes a worker reports by name and the caller raises again.
def _error_class(name: str) -> type[Exception]:
    from footfit import exceptions, options

    for module in (exceptions, options):
        cls = getattr(module, name, None)
        if isinstance(cls, type) and issubclass(cls, Exception):
            return cls
    return {"ValueError": ValueError, "TypeError": TypeError}.get(name, RuntimeError)


def _worker_main(conn: Any, options: FitOptions | Mapping[str, Any], memory_bytes: int,
                 job: Callable[..., Any], fitter: Any = None) -> None:
    die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    try:
        from footfit.pipeline import FootFitter

        single_threaded()  # one BLAS thread: a pool's parallelism is its workers
        if fitter is None:  # (a forked worker inherits its parent's)
            fitter = FootFitter(options)
        if memory_bytes:
            import numpy as np

            # BLAS allocates its work buffers on first use; under the cap a failed allocation
            # there aborts the process instead of raising MemoryError: allocate them now
            np.ones((256, 256)) @ np.ones((256, 256))
            limit_memory(memory_bytes)
    except Exception as exc:  # noqa: BLE001 - reported, then this worker ends
        conn.send(("fatal", "RuntimeError", f"worker failed to start: {exc}"))
        return
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        if msg is None:
            return
        path, overrides = msg
        try:
            result = job(fitter, path, overrides)
        except MemoryError:
            conn.send(("memory", "", ""))
            return  # the heap may be left fragmented: a fresh worker takes over
        except Exception as exc:  # noqa: BLE001 - sent to the caller, who raises it again
            name = type(exc).__name__
            if not isinstance(exc, (FootfitError, ValueError, TypeError)):
                name = "RuntimeError"
            conn.send(("error", name, str(exc) or type(exc).__name__))
            continue
        try:
            conn.send(("ok", result, ""))
        except MemoryError:
            conn.send(("memory", "", ""))
            return


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "no exit status"
    if code < 0:
        try:
            return f"killed by signal {-code} ({signal.Signals(-code).name})"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"


class _Worker:
    def __init__(self, ctx: Any, options: FitOptions | Mapping[str, Any], memory_bytes: int,
                 job: Callable[..., Any], fitter: Any = None) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, name="footfit-worker",
                                   args=(child, options, memory_bytes, job, fitter),
                                   daemon=True)
        self.process.start()
        child.close()

    def kill(self) -> None:
        try:
            self.process.kill()
            self.process.join(5)
        except (OSError, ValueError, AssertionError):  # already gone or never started
            pass
        self.conn.close()


class WorkerPool:
    """Long-lived worker processes that run ``job(fitter, path, overrides)`` one scan each.

    Parameters
    ----------
    job : callable
        A module-level function ``job(fitter, path, overrides) -> result`` (it is run in the
        worker; its result must pickle).
    options : FitOptions or mapping, optional
        The :class:`~footfit.pipeline.FootFitter` options of every worker.
    workers : int, default=1
        Worker processes (scans at once).
    memory_mb : float or None, default=1536
        Address space each worker may grow by after start-up; ``None``: no limit.
    fitter : FootFitter, optional
        A fitter built with ``options``, for the first workers to inherit (see Notes).

    Notes
    -----
    Thread-safe: :meth:`run` may be called from many threads; each call waits for a free
    worker (the wait counts against its timeout).

    Start-up: when this process has a single thread (a batch or a server before it starts
    serving) and runs Linux, the first workers are forked from it, inheriting its imports and
    ``fitter``: ready in milliseconds. Replacements, made while other threads run, come from
    the forkserver (or spawn) and build their own fitter.
    """

    def __init__(self, job: Callable[..., Any], *,
                 options: FitOptions | Mapping[str, Any] | None = None,
                 workers: int = 1, memory_mb: float | None = 1536, fitter: Any = None) -> None:
        import multiprocessing as mp

        if not isinstance(workers, int) or workers < 1:
            raise InvalidParameterError(f"`workers` must be an int >= 1; got {workers!r}")
        self.job, self.options = job, (options if options is not None else {})
        self.memory_bytes = int(memory_mb * 1024 * 1024) if memory_mb else 0
        self._ctx: Any = None  # forkserver or spawn, started when first needed
        warm = (sys.platform.startswith("linux") and threading.active_count() == 1
                and "fork" in mp.get_all_start_methods())
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        LIVE_POOLS.add(self)
        for _ in range(workers):
            self._idle.put(self._spawn(mp.get_context("fork") if warm else None, fitter))

    def _context(self) -> Any:
        if self._ctx is None:
            import multiprocessing as mp

            self._ctx = worker_context(mp)
        return self._ctx

    def busy_pids(self) -> list[int]:
        """Process ids of the workers busy with a scan now (for monitoring and tests)."""
        idle = {id(w) for w in list(self._idle.queue)}
        with self._lock:
            return [w.process.pid for w in self._all if id(w) not in idle]

    def _spawn(self, ctx: Any = None, fitter: Any = None) -> _Worker:
        if ctx is None:
            ctx, fitter = self._context(), None
        worker = _Worker(ctx, self.options, self.memory_bytes, self.job, fitter)
        with self._lock:
            self._all.add(worker)
        return worker

    def _replace(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            self._all.discard(worker)
            closed = self._closed
        if not closed:
            self._idle.put(self._spawn())

    def run(self, path: str, overrides: Mapping[str, Any] | None = None, *,
            timeout: float | None = None, name: str | None = None) -> Any:
        """Run the job on one scan in a worker and return its result.

        Parameters
        ----------
        path : str
            Scan file.
        overrides : mapping, optional
            Per-scan options passed to the job.
        timeout : float, optional
            Seconds from this call (waiting for a free worker included).
        name : str, optional
            How to name the scan in errors (default: ``path``).

        Raises
        ------
        ScanTimeoutError, ScanMemoryError, ScanCrashedError
            Naming the scan; the worker was replaced.
        InvalidScanError, DegenerateScanError, ...
            What the job raised in the worker, raised again here (an unexpected exception
            comes back as RuntimeError with its message).
        """
        shown = name or path
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            worker = self._idle.get(timeout=timeout)
        except queue.Empty:
            raise ScanTimeoutError(
                f"{shown}: not started within {timeout:g} s (all workers busy)") from None
        healthy = False
        try:
            try:
                worker.conn.send((path, dict(overrides or {})))
                left = None if deadline is None else max(deadline - time.monotonic(), 0.0)
                if not worker.conn.poll(left):
                    raise ScanTimeoutError(f"{shown}: processing took longer than {timeout:g} s")
                kind, value, message = worker.conn.recv()
            except (EOFError, OSError, BrokenPipeError):
                worker.process.join(2)
                raise ScanCrashedError(
                    f"{shown}: the worker process died on this scan "
                    f"({_describe_exit(worker.process.exitcode)})") from None
            if kind == "memory":
                raise ScanMemoryError(
                    f"{shown}: processing needs more than the memory limit of "
                    f"{self.memory_bytes / 2**20:.0f} MB")
            if kind == "fatal":
                raise RuntimeError(f"{shown}: {message}")
            healthy = True
            if kind == "error":
                raise _error_class(value)(message)
            return value
        finally:
            if healthy:
                self._idle.put(worker)
            else:
                self._replace(worker)

    def close(self) -> None:
        """Stop every worker (idle ones are asked to leave, busy ones killed)."""
        with self._lock:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
        for worker in workers:
            try:
                worker.conn.send(None)
            except (OSError, ValueError):
                pass
        for worker in workers:
            worker.process.join(1)
            worker.kill()

    def __enter__(self) -> WorkerPool:
        """Return the pool (closed when the block ends)."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Close the pool."""
        self.close()
