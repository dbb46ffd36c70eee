"""Local kiosk HTTP service: upload a scan, get the fitting report (JSON, HTML, PNG).

``footfit serve`` runs it. Endpoints:

- ``POST /v1/fit``: multipart form with the scan file (field ``scan``) and options
  (``style``, ``fit``, ``units``, ``sex``, ``profile``, ``heel_height_mm``). Answers the report
  JSON (the schema of :mod:`footfit.report`, exactly what ``footfit process --json`` prints;
  ``scan.source`` is the uploaded file's base name). The report's id is in the ``X-Report-Id``
  header and ``Location`` points at its HTML report.
- ``GET /v1/fit/{id}``, ``GET /v1/fit/{id}/report.html``, ``GET /v1/fit/{id}/summary.png``:
  a recent report again, drawn (recent reports are kept in a bounded in-memory LRU).
- ``GET /``: the kiosk page (:mod:`footfit.app.kiosk`): pick or drop a scan, choose style, fit,
  language and customer, see the report. ``GET /v1/fit/{id}/summary``: the customer summary
  (size line, insole pair, each last's verdict, scan quality) in ``lang``. The HTML and PNG
  endpoints take ``lang`` (``en``/``zh``) and ``customer`` query parameters; ``POST /v1/fit``
  takes them as form fields and keeps them with the report.
- Every request is logged (``footfit.service`` logger): method, path, status, milliseconds.
- ``GET /healthz``; ``GET /openapi.json`` and ``GET /docs`` (the interactive docs page loads
  its JavaScript from a CDN; ``/openapi.json`` is the offline contract).

Bounds: uploads above ``max_upload_bytes`` are refused with 413 (before reading the body when
``Content-Length`` says so, otherwise as soon as the stream passes the limit); an unknown or
missing extension gives 415; an unreadable scan or no foot gives 422 with the same one-line
message the CLI prints; processing beyond ``timeout_s`` gives 504; more than
``max_pending`` scans in progress gives 503. The upload is written under a fresh private
folder as ``scan.<ext>`` (never under a client-given name) and the folder is removed when the
job ends, whatever the outcome. One :class:`~footfit.pipeline.FootFitter` serves every request
(it is thread-safe); jobs run on a bounded thread pool.

Why FastAPI + uvicorn (the ``serve`` extra) rather than Flask/Werkzeug (already installed with
open3d's dash) or ``http.server``: kiosk apps are written in other languages, and FastAPI
publishes an OpenAPI 3 description generated from the same declarations that validate the
form fields, so clients can be generated instead of hand-written; uvicorn is a production ASGI
server whereas Werkzeug's server is documented as development-only, and ``http.server`` has no
multipart parser since ``cgi`` left the standard library. The price is three small pure-Python
packages (fastapi, uvicorn, python-multipart) in an optional extra; the core install is
unchanged.
"""

import asyncio
import contextlib
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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Annotated, Any

__all__ = ["KNOWN_EXTENSIONS", "ServiceConfig", "create_app", "run_server"]

#: Scan extensions accepted for upload (the formats ``footfit.load_scan`` reads).
KNOWN_EXTENSIONS: tuple[str, ...] = (
    ".ply", ".pcd", ".xyz", ".asc", ".txt", ".csv", ".obj", ".stl", ".off", ".npy", ".npz",
)

_log = logging.getLogger("footfit.service")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._ ()+-]")


@dataclasses.dataclass(frozen=True)
class ServiceConfig:
    """Limits of the service.

    Attributes
    ----------
    max_upload_bytes : int, default=200 MB
        Larger uploads get 413.
    timeout_s : float, default=60
        Wall time from upload received to report ready (queueing included); beyond it 504.
    workers : int, default=2
        Scans processed at once (threads sharing one fitter).
    max_pending : int, default=32
        Scans queued or in progress; beyond it 503.
    cache_size : int, default=16
        Recent reports kept for ``GET /v1/fit/{id}/...`` (least recently used dropped);
        about 3 MB per foot (the JSON and the drawings, not the whole report).
    tmp_dir : str or None, default=None
        Where the per-request folders are made (the system temp folder by default).
    db : str or None, default=None
        Records database (URL or SQLite path) for requests that name a ``customer`` and for
        the ``/v1/customers``, ``/v1/fittings``, ``/v1/orders`` endpoints
        (:mod:`footfit.records.routes`); default ``$FOOTFIT_DB`` or the user's data folder.
        Opened on first use.
    isolate : bool, default=True
        Process each upload in a worker process (:class:`footfit.app.sandbox.WorkerPool`), so a
        crash, a memory bomb or a hang costs that request only (422, 413 or 504 naming the
        file), never the server. Applies when the service builds its fitter or is given a
        :class:`~footfit.pipeline.FootFitter` (the workers build one with its options); any
        other fitter object runs in the server's threads.
    memory_limit_mb : float, default=1536
        Address space a worker may grow by while processing (``RLIMIT_AS``); beyond it 413.
    header_timeout_s : float, default=10
        A connection must send its request line and headers within this time, or is closed
        (``footfit serve`` only: half-open and slow clients no longer hold connections).
    body_timeout_s : float, default=120
        The whole request body must arrive within this time; beyond it 408.
    """

    max_upload_bytes: int = 200 * 1024 * 1024
    timeout_s: float = 60.0
    workers: int = 2
    max_pending: int = 32
    cache_size: int = 16
    tmp_dir: str | None = None
    db: str | None = None
    isolate: bool = True
    memory_limit_mb: float = 1536.0
    header_timeout_s: float = 10.0
    body_timeout_s: float = 120.0

    def __post_init__(self) -> None:
        for name in ("max_upload_bytes", "workers", "max_pending", "cache_size"):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise ValueError(f"`{name}` must be an int >= 1; got {v!r}")
        for name in ("timeout_s", "memory_limit_mb", "header_timeout_s", "body_timeout_s"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0):
                raise ValueError(f"`{name}` must be > 0; got {v!r}")
        if self.tmp_dir is not None and not Path(self.tmp_dir).is_dir():
            raise ValueError(f"`tmp_dir` {self.tmp_dir} is not a folder")


class _LimitUpload:
    """ASGI middleware: answer 413 to a POST whose body passes ``limit`` bytes.

    A ``Content-Length`` above the limit is refused before the body is read. A body that
    grows past it (chunked uploads) is cut there: the rest is read and dropped (bounded), the
    app sees the body end, and whatever it answers is replaced by the 413.
    """

    def __init__(self, app: Any, *, limit: int, deadline_s: float | None = None) -> None:
        self.app, self.limit, self.deadline_s = app, limit, deadline_s
        # Read (and drop) up to this much more of an oversized stream before answering, so a
        # client still sending gets its 413 instead of a connection reset; past it, cut.
        self._drain_cap = max(1 << 20, min(limit, 8 << 20))

    async def _send_413(self, send: Any) -> None:
        await self._send_error(send, 413, "too_large",
                               f"upload larger than the limit of {self.limit} bytes")

    async def _send_error(self, send: Any, status: int, code: str, detail: str) -> None:
        body = json.dumps({"detail": detail, "code": code}).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            await self._send_413(send)
            return
        seen = 0
        exceeded = False
        replaced = False
        too_slow = False
        deadline = (None if self.deadline_s is None
                    else asyncio.get_running_loop().time() + self.deadline_s)

        async def limited_receive() -> Any:
            nonlocal seen, exceeded, too_slow
            if exceeded or too_slow:
                return {"type": "http.disconnect"}
            if deadline is None:
                message = await receive()
            else:  # a body trickled in byte by byte must not hold the request forever
                try:
                    left = max(deadline - asyncio.get_running_loop().time(), 0.0)
                    message = await asyncio.wait_for(receive(), left)
                except asyncio.TimeoutError:
                    too_slow = True
                    return {"type": "http.disconnect"}
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    exceeded = True
                    await _drain(message, receive, self._drain_cap)
                    # a disconnect, not a short body: the form parser then drops (and
                    # closes) what it had spooled instead of handing on a truncated file
                    return {"type": "http.disconnect"}
            return message

        async def refuse() -> None:
            if exceeded:
                await self._send_413(send)
            else:
                await self._send_error(send, 408, "timeout",
                                       f"request body not received within {self.deadline_s:g} s")

        async def guarded_send(message: Any) -> None:
            nonlocal replaced
            if exceeded or too_slow:
                if not replaced:
                    replaced = True
                    await refuse()
                return
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not (exceeded or too_slow):
                raise
        if (exceeded or too_slow) and not replaced:
            await refuse()


async def _drain(message: Any, receive: Any, cap: int) -> None:
    """Discard the rest of a request body, at most ``cap`` bytes."""
    drained = 0
    while message.get("more_body", False) and drained < cap:
        message = await receive()
        if message["type"] != "http.request":
            return
        drained += len(message.get("body", b""))


def _known_extensions() -> tuple[str, ...]:
    """The loader's list (``footfit.io.FORMATS``), as ``.ext``; ours if it is unavailable."""
    try:
        from footfit.io import FORMATS
    except ImportError:  # pragma: no cover - io is part of footfit
        return KNOWN_EXTENSIONS
    return tuple("." + str(e).lower().lstrip(".") for e in FORMATS)


def _unknown_extension_message(name: str, extensions: tuple[str, ...]) -> str:
    """The loader's own words for an unknown extension (what ``footfit process`` prints)."""
    suffix = os.path.splitext(name)[1] or "(none)"
    return (f"{name}: unknown extension {suffix}; footfit reads "
            f"{', '.join(e.lstrip('.') for e in extensions)}")


def _display_name(filename: str | None) -> str:
    """The client's file name, for messages only: base name, printable, bounded."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _SAFE_NAME.sub("_", name)[:120]
    return name or "upload"


def _extension(filename: str | None) -> str:
    name = _display_name(filename).lower()
    # .ply.gz and friends are not read: take only the last suffix
    return os.path.splitext(name)[1]


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _named(exc: BaseException, path: Any, name: str) -> str:
    """One line naming the uploaded file (never the temp path), as the CLI's messages do."""
    text = _one_line(exc).replace(str(path), name)
    return text if text.startswith(name) else f"{name}: {text}"


def _service_job(fitter: Any, path: str, options: dict[str, Any]) -> "_Kept":
    """What a worker process does with one upload: the report, kept as the LRU keeps it."""
    name = options.pop("_name", os.path.basename(path))
    return _keep(_with_source(fitter.process(path, **options), name))


class _Reports:
    """Bounded LRU of recent reports (thread-safe)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._d: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, report: Any, rid: str | None = None) -> str:
        rid = rid or uuid.uuid4().hex
        with self._lock:
            self._d[rid] = report
            while len(self._d) > self.size:
                self._d.popitem(last=False)
        return rid

    def get(self, rid: str) -> Any:
        with self._lock:
            rep = self._d.get(rid)
            if rep is not None:
                self._d.move_to_end(rid)
            return rep

    def __len__(self) -> int:
        with self._lock:
            return len(self._d)


def create_app(fitter: Any = None, *, config: ServiceConfig | None = None) -> Any:
    """Build the ASGI application.

    Parameters
    ----------
    fitter : FootFitter, optional
        Shared by every request; a default :class:`~footfit.pipeline.FootFitter` is made.
    config : ServiceConfig, optional
        Limits (defaults as documented there).

    Returns
    -------
    fastapi.FastAPI

    Raises
    ------
    ImportError
        If FastAPI or python-multipart is missing (``pip install 'footfit[serve]'``).
    """
    import importlib.util

    try:
        if not (importlib.util.find_spec("python_multipart")
                or importlib.util.find_spec("multipart")):  # form uploads need it
            raise ImportError("python-multipart is not installed")
        from fastapi import FastAPI, File, Form, Request, UploadFile
        from fastapi.exceptions import RequestValidationError
        from fastapi.responses import HTMLResponse, JSONResponse, Response
    except ImportError as exc:
        raise ImportError("footfit serve requires fastapi, uvicorn and python-multipart: "
                          "pip install 'footfit[serve]'") from exc
    from footfit import __version__
    from footfit.app._errors import http_status_for
    from footfit.app.sandbox import ScanCrashedError, ScanMemoryError, ScanTimeoutError, WorkerPool
    from footfit.pipeline import FootFitter

    cfg = config or ServiceConfig()
    workers = None
    if cfg.isolate and (fitter is None or isinstance(fitter, FootFitter)):
        # built here so that workers forked now (footfit serve, before it serves) inherit it
        # warm; replacements build their own from the options
        warm = fitter if fitter is not None else FootFitter()
        workers = WorkerPool(_service_job, options=dict(warm.options), workers=cfg.workers,
                             memory_mb=cfg.memory_limit_mb, fitter=warm)
    elif fitter is None:
        fitter = FootFitter()
    reports = _Reports(cfg.cache_size)  # a cache in front of the records store
    from footfit.records.routes import RecordsUnavailableError, ServiceRecords

    records = ServiceRecords(cfg.db)
    # isolated: these threads only wait on the workers' pipes, one per pending scan
    pool = ThreadPoolExecutor(max_workers=cfg.max_pending if workers else cfg.workers,
                              thread_name_prefix="footfit-fit")
    state = {"pending": 0}
    pending_lock = threading.Lock()
    extensions = _known_extensions()

    @contextlib.asynccontextmanager
    async def lifespan(_app: Any) -> Any:
        yield
        pool.shutdown(wait=False, cancel_futures=True)
        records.close()
        if workers is not None:
            workers.close()

    app = FastAPI(
        lifespan=lifespan,
        title="footfit kiosk service",
        version=__version__,
        description="Upload a 3D foot scan, get the fitting report (sizes, insoles, last "
        "parameters) as JSON, and a visual report as HTML or PNG.",
    )
    app.state.fitter = fitter
    app.state.config = cfg
    app.state.reports = reports

    def error(status: int, code: str, message: str) -> Any:
        return JSONResponse({"detail": message, "code": code}, status_code=status)

    app.state.workers = workers
    app.add_middleware(_LimitUpload, limit=cfg.max_upload_bytes, deadline_s=cfg.body_timeout_s)

    @app.middleware("http")
    async def log_requests(request: Request, call_next: Any) -> Any:
        import time

        t0 = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            return response
        finally:
            _log.info("%s %s %d %.1f ms", request.method, request.url.path, status,
                      (time.perf_counter() - t0) * 1e3)

    def check_lang(lang: str | None) -> str | None:
        from footfit.words import check_language

        return check_language(lang) if lang else None

    @app.exception_handler(RequestValidationError)
    async def bad_request(_request: Any, exc: RequestValidationError) -> Any:
        # FastAPI answers 422 with a list; keep 422 for scans and say it in one line
        parts = []
        for e in exc.errors():
            where = ".".join(str(x) for x in e.get("loc", ()) if x not in ("body", "query"))
            parts.append(f"`{where}`: {e.get('msg', 'invalid')}")
        return error(400, "bad_request", "; ".join(parts) or "invalid request")

    # ------------------------------------------------------------ endpoints
    @app.get("/", summary="The kiosk page (pick or drop a scan, see the report)",
             response_class=HTMLResponse)
    async def kiosk(lang: str | None = None) -> Any:
        from footfit.app.kiosk import kiosk_page

        try:
            return HTMLResponse(kiosk_page(lang=check_lang(lang)))
        except ValueError as exc:
            return error(400, "bad_option", _one_line(exc))

    @app.get("/healthz", summary="Liveness and load")
    async def healthz() -> dict[str, Any]:
        return {"status": "ok", "footfit_version": __version__,
                "in_progress": state["pending"], "reports_kept": len(reports)}

    @app.post(
        "/v1/fit",
        summary="Fit a scan: upload it, get the report JSON",
        responses={
            200: {"description": "The report (fit_report JSON schema); id in X-Report-Id"},
            400: {"description": "A bad option value or a missing field"},
            413: {"description": "Upload too large"},
            415: {"description": "Unknown or missing file extension"},
            422: {"description": "Unreadable scan, no foot in it, or a foot no line fits"},
            503: {"description": "Too many scans in progress"},
            504: {"description": "Processing took longer than the timeout"},
        },
    )
    async def post_fit(
        request: Request,
        scan: Annotated[UploadFile, File(description="Scan file: " + ", ".join(extensions))],
        style: Annotated[str, Form(description="Shoe style (sport, casual, ...)")] = "sport",
        fit: Annotated[str, Form(description="snug, standard or roomy")] = "standard",
        units: Annotated[str, Form(description="auto, mm, cm, m or in")] = "auto",
        sex: Annotated[str | None, Form(description="male or female (optional)")] = None,
        profile: Annotated[str, Form(description="Size conversion profile")] = "iso",
        heel_height_mm: Annotated[float | None, Form(description="Heel height (mm)")] = None,
        lang: Annotated[str | None, Form(description="Language of the HTML/PNG: en or zh "
                                         "(default: the server's locale)")] = None,
        customer: Annotated[str | None, Form(description="Customer id: store the scan and "
                                             "the fitting (footfit.records)")] = None,
        customer_name: Annotated[str | None, Form(description="Customer's name, shown on "
                                                  "the HTML report (default: the customer "
                                                  "id)", max_length=80)] = None,
    ) -> Any:
        # FastAPI takes an empty form value for its default: `style=` would be read as
        # sport; an option sent empty is a mistake to report (issue #16)
        form = await request.form()  # already parsed: cached
        empty = [k for k in ("style", "fit", "units", "profile") if form.get(k) == ""]
        if empty:
            return error(400, "bad_option", f"`{empty[0]}` is empty; leave it out to take the "
                         "default")
        name = _display_name(scan.filename)
        try:
            lang = check_lang(lang)
        except ValueError as exc:
            return error(400, "bad_option", _one_line(exc))
        if customer:
            from footfit.records.config import check_customer_id

            try:
                check_customer_id(customer)
            except ValueError as exc:
                return error(400, "bad_request", _one_line(exc))
        ext = _extension(scan.filename)
        if ext not in extensions:
            return error(415, "unsupported_format", _unknown_extension_message(name, extensions))
        options = {"style": style, "fit": fit, "units": units, "sex": sex or None,
                   "profile": profile, "heel_height_mm": heel_height_mm}
        with pending_lock:
            if state["pending"] >= cfg.max_pending:
                return error(503, "busy", f"{state['pending']} scans in progress; retry later")
            state["pending"] += 1
        folder = tempfile.mkdtemp(prefix="footfit-", dir=cfg.tmp_dir)
        started = False
        try:
            path = Path(folder) / f"scan{ext}"
            await asyncio.to_thread(_save_upload, scan.file, path)

            def job() -> tuple[_Kept, str | None]:
                try:
                    if workers is not None:  # in a worker process, limited and killable
                        kept = workers.run(str(path), {**options, "_name": name},
                                           timeout=cfg.timeout_s, name=name)
                        if not customer:
                            return kept, None
                        record = records.record(path, kept.data, customer_id=customer,
                                                scan_name=name)
                        return dataclasses.replace(kept, json=record.report_json,
                                                   data=json.loads(record.report_json)), \
                            record.id
                    report = _with_source(fitter.process(str(path), **options), name)
                    if not customer:
                        return _keep(report), None
                    record = records.record(path, report, customer_id=customer,
                                            scan_name=name)
                    return _keep(report, text=record.report_json), record.id
                finally:
                    shutil.rmtree(folder, ignore_errors=True)
                    with pending_lock:
                        state["pending"] -= 1

            future = pool.submit(job)
            started = True
            try:
                # isolated: the pool kills the worker at timeout_s and raises; the margin
                # only covers the hand-over
                limit = cfg.timeout_s + (5.0 if workers is not None else 0.0)
                kept, fitting_id = await asyncio.wait_for(asyncio.wrap_future(future), limit)
            except (asyncio.TimeoutError, ScanTimeoutError):
                if future.cancel():  # never started: clean up here
                    shutil.rmtree(folder, ignore_errors=True)
                    with pending_lock:
                        state["pending"] -= 1
                return error(504, "timeout",
                             f"{name}: processing took longer than {cfg.timeout_s:g} s")
        except ScanMemoryError as exc:
            return error(413, "too_much_memory", _named(exc, path, name))
        except ScanCrashedError as exc:
            return error(422, "crashed", _named(exc, path, name))
        except RecordsUnavailableError as exc:
            return error(503, "records_unavailable", _one_line(exc))
        except Exception as exc:  # the service boundary: answer one line (footfit/app/_errors.py)
            status, code = http_status_for(exc)
            if status == 500:  # not a deliberate error: log it
                _log.exception("processing %s failed", name)
                return error(500, code, f"{name}: internal error: {_one_line(exc)}"
                             .replace(str(path), name))
            return error(status, code, _named(exc, path, name))
        finally:
            if not started:
                shutil.rmtree(folder, ignore_errors=True)
                with pending_lock:
                    state["pending"] -= 1
            await scan.close()
        shown = (customer_name or customer or "").strip() or None
        kept = dataclasses.replace(kept, lang=lang, customer=shown)
        rid = reports.put(kept, fitting_id)
        return Response(kept.json, media_type="application/json",
                        headers={"X-Report-Id": rid, "Location": f"/v1/fit/{rid}/report.html"})

    async def lookup(rid: str) -> Any:
        if not re.fullmatch(r"[0-9a-f]{32}", rid):
            return None
        return reports.get(rid) or await asyncio.to_thread(records.cached, rid, _keep_stored)

    @app.get("/v1/fit/{report_id}", summary="A recent report's JSON again")
    async def get_json(report_id: str) -> Any:
        rep = await lookup(report_id)
        if rep is None:
            return error(404, "not_found", f"no recent report {report_id!r}")
        return Response(rep.json, media_type="application/json")

    @app.get("/v1/fit/{report_id}/report.html", summary="The visual report (one HTML page)",
             response_class=HTMLResponse)
    async def get_html(report_id: str, lang: str | None = None,
                       customer: str | None = None) -> Any:
        from footfit.visual import render_html

        rep = await lookup(report_id)
        if rep is None:
            return error(404, "not_found", f"no recent report {report_id!r}")
        try:
            lang = check_lang(lang) or rep.lang
        except ValueError as exc:
            return error(400, "bad_option", _one_line(exc))
        return HTMLResponse(await asyncio.to_thread(
            render_html, rep.data, drawings=rep.drawings, lang=lang,
            customer=(customer or "")[:80].strip() or rep.customer))

    @app.get("/v1/fit/{report_id}/summary",
             summary="The customer summary in words (size line, insole pair, lasts, quality)")
    async def get_summary(report_id: str, lang: str | None = None) -> Any:
        from footfit.advice import customer_summary

        rep = await lookup(report_id)
        if rep is None:
            return error(404, "not_found", f"no recent report {report_id!r}")
        try:
            lang = check_lang(lang) or rep.lang
            from footfit.words import check_language

            return customer_summary(rep.data, check_language(lang))
        except ValueError as exc:
            return error(400, "bad_option", _one_line(exc))

    @app.get("/v1/fit/{report_id}/summary.png", summary="The summary image (PNG)",
             responses={200: {"content": {"image/png": {}}}})
    async def get_png(report_id: str, lang: str | None = None) -> Any:
        from footfit.visual import render_png

        rep = await lookup(report_id)
        if rep is None:
            return error(404, "not_found", f"no recent report {report_id!r}")
        try:
            lang = check_lang(lang) or rep.lang
        except ValueError as exc:
            return error(400, "bad_option", _one_line(exc))
        try:
            data = await asyncio.to_thread(render_png, rep.data, drawings=rep.drawings,
                                           lang=lang)
        except ImportError as exc:
            return error(501, "not_installed", _one_line(exc))
        return Response(data, media_type="image/png")

    from footfit.records.routes import add_record_routes

    add_record_routes(app, records, error)
    return app


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
    """A stored report (JSON only: no drawings, the scan data is not kept in memory)."""
    data = json.loads(text)
    return _Kept(json=text, data=data, drawings=tuple(None for _ in data.get("feet") or ()))


def _keep(report: Any, *, text: str | None = None) -> _Kept:
    text = report.to_json() if text is None else text
    drawings: tuple[Any, ...] = ()
    try:
        from footfit.visual import foot_drawings

        drawings = tuple(foot_drawings(report)[0])
    except Exception:  # pictures are extra: never fail a fit because of them
        _log.exception("drawing the report failed")
        drawings = tuple(None for _ in getattr(report, "feet", ()))
    return _Kept(json=text, data=json.loads(text), drawings=drawings)


def _save_upload(src: Any, path: Path) -> None:
    src.seek(0)
    with open(path, "wb") as out:
        shutil.copyfileobj(src, out, length=1 << 20)


def _with_source(report: Any, name: str) -> Any:
    """The report with ``scan.source`` set to the uploaded file's name, not the temp path."""
    scan = getattr(report, "scan", None)
    if scan is None or not dataclasses.is_dataclass(scan):
        return report
    return dataclasses.replace(report, scan=dataclasses.replace(scan, source=name))


def run_server(host: str = "127.0.0.1", port: int = 8000, *, config: ServiceConfig | None = None,
               log_level: str = "info") -> None:
    """Serve the kiosk API with uvicorn until interrupted.

    Parameters
    ----------
    host : str, default="127.0.0.1"
        Interface to listen on (loopback: only this machine can connect).
    port : int, default=8000
    config : ServiceConfig, optional
    log_level : str, default="info"
    """
    try:
        import uvicorn
    except ImportError as exc:
        raise ImportError("footfit serve requires uvicorn: pip install 'footfit[serve]'") from exc
    if not (isinstance(port, int) and 0 <= port <= 65535):
        raise ValueError(f"`port` must be 0-65535; got {port!r}")
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:  # fail early, with one line
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise OSError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    cfg = config or ServiceConfig()
    app = create_app(config=cfg)
    if not _log.handlers:  # request lines (method, path, status, ms) on stderr
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s footfit %(message)s"))
        _log.addHandler(handler)
        _log.setLevel(logging.INFO)
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False,
                http=_h11_with_header_timeout(cfg.header_timeout_s), timeout_keep_alive=5)


def _h11_with_header_timeout(seconds: float) -> Any:
    """Uvicorn's h11 protocol, closing a connection whose request headers take too long.

    uvicorn times out idle keep-alive connections between requests, but not a connection
    that opens and sends nothing, or its headers byte by byte: 300 such half-open
    connections were held forever (issue #16). Here every connection must have sent a
    complete request line and headers within ``seconds`` of opening (or of its previous
    response), or it is closed.
    """
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class _Protocol(H11Protocol):
        _header_timer: Any = None

        def _arm(self) -> None:
            self._disarm()
            self._header_timer = self.loop.call_later(seconds, self._headers_too_slow)

        def _disarm(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _headers_too_slow(self) -> None:
            self._header_timer = None
            if not self.transport.is_closing():
                self.transport.close()

        def connection_made(self, transport: Any) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def handle_events(self) -> None:
            before = self.cycle
            super().handle_events()
            if self.cycle is not None and self.cycle is not before:  # headers complete
                self._disarm()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._arm()

    return _Protocol
