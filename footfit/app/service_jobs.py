"""The work behind ``POST /v1/fit``: admit an upload, run it, keep its report.

:class:`FitService` holds what the endpoints share: the fitter (or the worker processes that
each hold one, :class:`~footfit.app.sandbox.WorkerPool`), the thread pool that waits on them,
the count of scans in progress, the LRU of recent reports and the records store. Its
:meth:`FitService.fit` saves one upload in a private folder, runs it within the time limit
and answers either the kept report or the error response, one line naming the file.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import os
import re
import shutil
import tempfile
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol

from footfit.app.service_http import known_extensions, named, one_line

if TYPE_CHECKING:
    from footfit.app.service import ServiceConfig
    from footfit.options import FitOptions
    from footfit.report import FitReport

__all__ = ["FitService", "Fitter"]

_log = logging.getLogger("footfit.service")

class Fitter(Protocol):
    """What the service needs of a fitter: ``process(path, **options)`` -> a report."""

    def process(self, source: str, /, *args: Any, **options: Any) -> FitReport:
        """Run the line on the scan at ``source``."""


#: ``error(status, code, message)``: the service's JSON error response.
ErrorResponse = Callable[[int, str, str], Any]


def _service_job(fitter: Any, path: str, overrides: dict[str, Any]) -> _Kept:
    """Return what a worker makes of one upload: the report, kept as the LRU keeps it."""
    name = overrides.pop("_name", os.path.basename(path))
    return _keep(_with_source(fitter.process(path, **overrides), name))


class _Reports:
    """Bounded LRU of recent reports (thread-safe)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._d: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, report: Any, rid: str | None = None) -> str:
        """Keep ``report`` under ``rid`` (a new id by default); return the id."""
        rid = rid or uuid.uuid4().hex
        with self._lock:
            self._d[rid] = report
            while len(self._d) > self.size:
                self._d.popitem(last=False)
        return rid

    def get(self, rid: str) -> Any:
        """Return the report kept under ``rid`` (None when it is not kept)."""
        with self._lock:
            rep = self._d.get(rid)
            if rep is not None:
                self._d.move_to_end(rid)
            return rep

    def __len__(self) -> int:
        """Return how many reports are kept."""
        with self._lock:
            return len(self._d)


class FitService:
    """The state the endpoints share, and the fitting of one upload.

    Parameters
    ----------
    config : ServiceConfig
        The service's limits.
    fitter : FootFitter or any object with ``process(path, **options)``, optional
        Shared by every request; with ``config.isolate`` a FootFitter (or the default one)
        is handed to worker processes instead.
    error : callable
        ``error(status, code, message)``, the JSON error response.
    """

    def __init__(self, config: ServiceConfig, fitter: Fitter | None,
                 error: ErrorResponse) -> None:
        from footfit.app.sandbox import WorkerPool
        from footfit.options import FitOptions
        from footfit.pipeline import FootFitter, prepare_long_running
        from footfit.records.routes import ServiceRecords

        self.config, self.error = config, error
        self.workers: WorkerPool | None = None
        self.base_options = FitOptions()
        prepare_long_running()
        if config.isolate and (fitter is None or isinstance(fitter, FootFitter)):
            # built here so that workers forked now (footfit serve, before it serves) inherit
            # it warm; replacements build their own from the options
            warm = fitter if fitter is not None else FootFitter()
            self.base_options = warm.options
            self.workers = WorkerPool(_service_job, options=warm.options,
                                      workers=config.workers,
                                      memory_mb=config.memory_limit_mb, fitter=warm)
        elif fitter is None:
            fitter = FootFitter()
        if isinstance(fitter, FootFitter):
            self.base_options = fitter.options
        self.fitter = fitter
        self.reports = _Reports(config.cache_size)  # a cache in front of the records store
        self.records = ServiceRecords(config.db)
        # isolated: these threads only wait on the workers' pipes, one per pending scan
        self.pool = ThreadPoolExecutor(
            max_workers=config.max_pending if self.workers else config.workers,
            thread_name_prefix="footfit-fit")
        self.pending = 0
        self._lock = threading.Lock()
        self.extensions = known_extensions()

    def close(self) -> None:
        """Stop the threads, the records store and the worker processes."""
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.records.close()
        if self.workers is not None:
            self.workers.close()

    def options_for(self, form: Mapping[str, Any]) -> FitOptions:
        """Return the line's options for one request: the fitter's with the form's (validated)."""
        return self.base_options.replace(**form)

    def _admit(self) -> bool:
        with self._lock:
            if self.pending >= self.config.max_pending:
                return False
            self.pending += 1
            return True

    def _release(self) -> None:
        with self._lock:
            self.pending -= 1

    def _run(self, path: Path, folder: str, opts: FitOptions, form: Mapping[str, Any],
             name: str, customer: str | None) -> tuple[_Kept, str | None]:
        """Fit the saved upload (in a worker process when isolated); store it for a customer."""
        try:
            if self.workers is not None:  # in a worker process, limited and killable
                kept = self.workers.run(str(path), {"options": opts, "_name": name},
                                        timeout=self.config.timeout_s, name=name)
                if not customer:
                    return kept, None
                record = self.records.record(path, kept.data, customer_id=customer,
                                             scan_name=name)
                return dataclasses.replace(kept, json=record.report_json,
                                           data=json.loads(record.report_json)), record.id
            from footfit.pipeline import FootFitter

            report = (self.fitter.process(str(path), opts)
                      if isinstance(self.fitter, FootFitter)
                      else self.fitter.process(str(path), **form))
            report = _with_source(report, name)
            if not customer:
                return _keep(report), None
            record = self.records.record(path, report, customer_id=customer, scan_name=name)
            return _keep(report, text=record.report_json), record.id
        finally:
            shutil.rmtree(folder, ignore_errors=True)
            self._release()

    async def fit(self, scan: Any, ext: str, name: str, opts: FitOptions,
                  form: Mapping[str, Any], customer: str | None) -> Any:
        """Fit one upload; return ``(kept report, fitting id or None)`` or an error response."""
        from footfit.app._errors import http_status_for
        from footfit.app.sandbox import ScanCrashedError, ScanMemoryError
        from footfit.records.routes import RecordsUnavailableError

        if not self._admit():
            return self.error(503, "busy", f"{self.pending} scans in progress; retry later")
        folder = tempfile.mkdtemp(prefix="footfit-", dir=self.config.tmp_dir)
        path = Path(folder) / f"scan{ext}"
        started = False
        try:
            await asyncio.to_thread(_save_upload, scan.file, path)
            future = self.pool.submit(self._run, path, folder, opts, form, name, customer)
            started = True
            return await self._wait(future, folder, name)
        except ScanMemoryError as exc:
            return self.error(413, "too_much_memory", named(exc, path, name))
        except ScanCrashedError as exc:
            return self.error(422, "crashed", named(exc, path, name))
        except RecordsUnavailableError as exc:
            return self.error(503, "records_unavailable", one_line(exc))
        except Exception as exc:  # the service boundary: answer one line (app/_errors.py)
            status, code = http_status_for(exc)
            if status == 500:  # not a deliberate error: log it
                _log.exception("processing %s failed", name)
                return self.error(500, code, f"{name}: internal error: {one_line(exc)}"
                                  .replace(str(path), name))
            return self.error(status, code, named(exc, path, name))
        finally:
            if not started:
                shutil.rmtree(folder, ignore_errors=True)
                self._release()
            await scan.close()

    async def _wait(self, future: Any, folder: str, name: str) -> Any:
        """Wait for a submitted fit within the time limit (504 beyond it)."""
        from footfit.app.sandbox import ScanTimeoutError

        cfg = self.config
        try:
            # isolated: the pool kills the worker at timeout_s and raises; the margin
            # only covers the hand-over
            limit = cfg.timeout_s + (5.0 if self.workers is not None else 0.0)
            return await asyncio.wait_for(asyncio.wrap_future(future), limit)
        except (asyncio.TimeoutError, ScanTimeoutError):
            if future.cancel():  # never started: clean up here
                shutil.rmtree(folder, ignore_errors=True)
                self._release()
            return self.error(504, "timeout",
                              f"{name}: processing took longer than {cfg.timeout_s:g} s")

    async def lookup(self, rid: str) -> _Kept | None:
        """Return a recent report by id: from the LRU, else from the records store."""
        if not re.fullmatch(r"[0-9a-f]{32}", rid):
            return None
        return self.reports.get(rid) or await asyncio.to_thread(self.records.cached, rid,
                                                                 _keep_stored)


@dataclasses.dataclass(frozen=True)
class _Kept:
    """What the LRU keeps of a report: its JSON and its drawings, not the whole report.

    A report holds every per-point array of the line (about 14 MB per foot with the fit
    simulation); the drawings need about 3 MB per foot.
    """

    json: str
    data: dict[str, Any]
    drawings: tuple[Any, ...]
    lang: str | None = None  # the HTML/PNG language asked with the upload
    customer: str | None = None  # the name shown on the HTML report


def _keep_stored(text: str) -> _Kept:
    """Return a stored report (JSON only: no drawings, the scan data is not kept in memory)."""
    data = json.loads(text)
    return _Kept(json=text, data=data, drawings=tuple(None for _ in data.get("feet") or ()))


def _keep(report: FitReport, *, text: str | None = None) -> _Kept:
    """Return what the LRU keeps of a report: its JSON and drawings (``text``: stored JSON)."""
    text = report.to_json() if text is None else text
    drawings: tuple[Any, ...] = ()
    try:
        from footfit.visual import foot_drawings

        drawings = tuple(foot_drawings(report)[0])
    except Exception:  # pictures are extra: never fail a fit because of them
        _log.exception("drawing the report failed")
        drawings = tuple(None for _ in getattr(report, "feet", ()))
    return _Kept(json=text, data=json.loads(text), drawings=drawings)


def _save_upload(src: BinaryIO, path: Path) -> None:
    """Copy the uploaded file to ``path`` (in 1 MB chunks)."""
    src.seek(0)
    with open(path, "wb") as out:
        shutil.copyfileobj(src, out, length=1 << 20)


def _with_source(report: Any, name: str) -> Any:
    """Return the report with ``scan.source`` the uploaded file's name, not the temp path."""
    scan = getattr(report, "scan", None)
    if scan is None or not dataclasses.is_dataclass(scan):
        return report
    return dataclasses.replace(report, scan=dataclasses.replace(scan, source=name))
