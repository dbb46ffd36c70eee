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
(it is thread-safe); jobs run on a bounded thread pool. The form's options become one
:class:`~footfit.options.FitOptions`, validated before the scan is saved (400 naming the option).

Why FastAPI + uvicorn (the ``serve`` extra) rather than Flask/Werkzeug (already installed with
open3d's dash) or ``http.server``: kiosk apps are written in other languages, and FastAPI
publishes an OpenAPI 3 description generated from the same declarations that validate the
form fields, so clients can be generated instead of hand-written; uvicorn is a production ASGI
server whereas Werkzeug's server is documented as development-only, and ``http.server`` has no
multipart parser since ``cgi`` left the standard library. The price is three small pure-Python
packages (fastapi, uvicorn, python-multipart) in an optional extra; the core install is
unchanged.
"""

import dataclasses
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from footfit.app.service_http import (
    KNOWN_EXTENSIONS,
    LimitUpload,
    display_name,
    extension,
    h11_with_header_timeout,
    one_line,
    unknown_extension_message,
)
from footfit.exceptions import InvalidParameterError

if TYPE_CHECKING:
    from fastapi import FastAPI

    from footfit.app.service_jobs import Fitter

__all__ = ["KNOWN_EXTENSIONS", "ServiceConfig", "create_app", "run_server"]

_log = logging.getLogger("footfit.service")
# (no `from __future__ import annotations` here: FastAPI reads the endpoints' annotations)


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
        """Check every limit (one line naming the field and its value)."""
        for name in ("max_upload_bytes", "workers", "max_pending", "cache_size"):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise InvalidParameterError(f"`{name}` must be an int >= 1; got {v!r}")
        for name in ("timeout_s", "memory_limit_mb", "header_timeout_s", "body_timeout_s"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0):
                raise InvalidParameterError(f"`{name}` must be > 0; got {v!r}")
        if self.tmp_dir is not None and not Path(self.tmp_dir).is_dir():
            raise InvalidParameterError(f"`tmp_dir` {self.tmp_dir} is not a folder")


def _fastapi() -> Any:
    """Return the fastapi module (ImportError with the install line when it is missing)."""
    import importlib.util

    try:
        if not (importlib.util.find_spec("python_multipart")
                or importlib.util.find_spec("multipart")):  # form uploads need it
            raise ImportError("python-multipart is not installed")
        import fastapi
        import fastapi.exceptions
        import fastapi.responses
    except ImportError as exc:
        raise ImportError("footfit serve requires fastapi, uvicorn and python-multipart: "
                          "pip install 'footfit[serve]'") from exc
    return fastapi


def _error(status: int, code: str, message: str) -> Any:
    """Return the service's JSON error: ``{"detail": message, "code": code}``."""
    from fastapi.responses import JSONResponse

    return JSONResponse({"detail": message, "code": code}, status_code=status)


def _check_lang(lang: str | None) -> str | None:
    """Return the checked language (``en``/``zh``), or None when none was asked."""
    from footfit.words import check_language

    return check_language(lang) if lang else None


def create_app(fitter: "Fitter | None" = None, *,
               config: ServiceConfig | None = None) -> "FastAPI":
    """Build the ASGI application.

    Parameters
    ----------
    fitter : FootFitter or Fitter, optional
        Shared by every request; a default :class:`~footfit.pipeline.FootFitter` is made.
        Any object with ``process(path, **options)`` serves (in the server's threads).
    config : ServiceConfig, optional
        Limits (defaults as documented there).

    Returns
    -------
    fastapi.FastAPI
        The application (``app.state``: ``fitter``, ``config``, ``reports``, ``workers``).

    Raises
    ------
    ImportError
        If FastAPI or python-multipart is missing (``pip install 'footfit[serve]'``).
    """
    import contextlib

    fastapi = _fastapi()
    from footfit import __version__
    from footfit.app.service_jobs import FitService

    cfg = config or ServiceConfig()
    svc = FitService(cfg, fitter, _error)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Any) -> Any:
        yield
        svc.close()

    app = fastapi.FastAPI(
        lifespan=lifespan,
        title="footfit kiosk service",
        version=__version__,
        description="Upload a 3D foot scan, get the fitting report (sizes, insoles, last "
        "parameters) as JSON, and a visual report as HTML or PNG.",
    )
    app.state.fitter = svc.fitter
    app.state.config = cfg
    app.state.reports = svc.reports
    app.state.workers = svc.workers
    app.add_middleware(LimitUpload, limit=cfg.max_upload_bytes, deadline_s=cfg.body_timeout_s)
    _add_logging_and_errors(app)
    _add_page_routes(app, svc)
    _add_fit_route(app, svc)
    _add_report_routes(app, svc)
    _add_summary_routes(app, svc)
    from footfit.records.routes import add_record_routes

    add_record_routes(app, svc.records, _error)
    return app


def _add_logging_and_errors(app: Any) -> None:
    """Log every request (method, path, status, ms); answer a bad field 400 in one line."""
    from fastapi import Request
    from fastapi.exceptions import RequestValidationError

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

    @app.exception_handler(RequestValidationError)
    async def bad_request(_request: Any, exc: RequestValidationError) -> Any:
        # FastAPI answers 422 with a list; keep 422 for scans and say it in one line
        parts = []
        for e in exc.errors():
            where = ".".join(str(x) for x in e.get("loc", ()) if x not in ("body", "query"))
            parts.append(f"`{where}`: {e.get('msg', 'invalid')}")
        return _error(400, "bad_request", "; ".join(parts) or "invalid request")


def _add_page_routes(app: Any, svc: Any) -> None:
    """Add ``GET /`` (the kiosk page) and ``GET /healthz``."""
    from fastapi.responses import HTMLResponse

    from footfit import __version__

    @app.get("/", summary="The kiosk page (pick or drop a scan, see the report)",
             response_class=HTMLResponse)
    async def kiosk(lang: str | None = None) -> Any:
        from footfit.app.kiosk import kiosk_page

        try:
            return HTMLResponse(kiosk_page(lang=_check_lang(lang)))
        except ValueError as exc:
            return _error(400, "bad_option", one_line(exc))

    @app.get("/healthz", summary="Liveness and load")
    async def healthz() -> dict[str, Any]:
        return {"status": "ok", "footfit_version": __version__,
                "in_progress": svc.pending, "reports_kept": len(svc.reports)}


def _check_upload(form: Any, scan: Any, lang: str | None, customer: str | None,
                  extensions: tuple[str, ...]) -> tuple[Any, str | None]:
    """Return ``(error response or None, checked lang)`` for an upload's fields."""
    # FastAPI takes an empty form value for its default: `style=` would be read as
    # sport; an option sent empty is a mistake to report (issue #16)
    empty = [k for k in ("style", "fit", "units", "profile") if form.get(k) == ""]
    if empty:
        return _error(400, "bad_option", f"`{empty[0]}` is empty; leave it out to take the "
                      "default"), None
    name = display_name(scan.filename)
    try:
        lang = _check_lang(lang)
    except ValueError as exc:
        return _error(400, "bad_option", one_line(exc)), None
    if customer:
        from footfit.records.config import check_customer_id

        try:
            check_customer_id(customer)
        except ValueError as exc:
            return _error(400, "bad_request", one_line(exc)), None
    if extension(scan.filename) not in extensions:
        return _error(415, "unsupported_format",
                      unknown_extension_message(name, extensions)), None
    return None, lang


_FIT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The report (fit_report JSON schema); id in X-Report-Id"},
    400: {"description": "A bad option value or a missing field"},
    413: {"description": "Upload too large"},
    415: {"description": "Unknown or missing file extension"},
    422: {"description": "Unreadable scan, no foot in it, or a foot no line fits"},
    503: {"description": "Too many scans in progress"},
    504: {"description": "Processing took longer than the timeout"},
}


def _add_fit_route(app: Any, svc: Any) -> None:
    """Add ``POST /v1/fit``: upload a scan (and the line's options), get the report JSON."""
    from fastapi import File, Form, Request, UploadFile
    from fastapi.responses import Response

    @app.post("/v1/fit", summary="Fit a scan: upload it, get the report JSON",
              responses=_FIT_RESPONSES)
    async def post_fit(
        request: Request,
        scan: Annotated[UploadFile, File(description="Scan file: " + ", ".join(
            svc.extensions))],
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
        problem, lang = _check_upload(await request.form(), scan, lang, customer,
                                      svc.extensions)
        if problem is not None:
            return problem
        name = display_name(scan.filename)
        form = {"style": style, "fit": fit, "units": units, "sex": sex or None,
                "profile": profile, "heel_height_mm": heel_height_mm}
        try:
            opts = svc.options_for(form)  # the one validation of the line's options
        except ValueError as exc:
            await scan.close()
            return _error(400, "bad_option", f"{name}: {one_line(exc)}")
        done = await svc.fit(scan, extension(scan.filename), name, opts, form, customer)
        if not isinstance(done, tuple):
            return done  # the error response
        kept, fitting_id = done
        shown = (customer_name or customer or "").strip() or None
        kept = dataclasses.replace(kept, lang=lang, customer=shown)
        rid = svc.reports.put(kept, fitting_id)
        return Response(kept.json, media_type="application/json",
                        headers={"X-Report-Id": rid, "Location": f"/v1/fit/{rid}/report.html"})


async def _found(svc: Any, report_id: str) -> tuple[Any, Any]:
    """Return ``(kept report, None)``, or ``(None, the 404 response)``."""
    rep = await svc.lookup(report_id)
    if rep is None:
        return None, _error(404, "not_found", f"no recent report {report_id!r}")
    return rep, None


async def _found_in(svc: Any, report_id: str, lang: str | None) -> tuple[Any, str, Any]:
    """Return ``(kept report, language, None)``, or ``(None, "", the 404 or 400 response)``.

    The language is ``lang`` when given (checked), else the one the report was made in.
    """
    rep, missing = await _found(svc, report_id)
    if missing:
        return None, "", missing
    try:
        return rep, _check_lang(lang) or rep.lang, None
    except ValueError as exc:
        return None, "", _error(400, "bad_option", one_line(exc))


def _add_report_routes(app: Any, svc: Any) -> None:
    """Add the endpoints that show a recent report again: JSON and the HTML report."""
    import asyncio

    from fastapi.responses import HTMLResponse, Response

    async def found(report_id: str) -> tuple[Any, Any]:
        return await _found(svc, report_id)

    @app.get("/v1/fit/{report_id}", summary="A recent report's JSON again")
    async def get_json(report_id: str) -> Any:
        rep, missing = await found(report_id)
        return missing or Response(rep.json, media_type="application/json")

    @app.get("/v1/fit/{report_id}/report.html", summary="The visual report (one HTML page)",
             response_class=HTMLResponse)
    async def get_html(report_id: str, lang: str | None = None,
                       customer: str | None = None) -> Any:
        from footfit.visual import render_html

        rep, lang, refused = await _found_in(svc, report_id, lang)
        if refused:
            return refused
        return HTMLResponse(await asyncio.to_thread(
            render_html, rep.data, drawings=rep.drawings, lang=lang,
            customer=(customer or "")[:80].strip() or rep.customer))



def _add_summary_routes(app: Any, svc: Any) -> None:
    """Add the customer summary (words) and the summary image (PNG) of a recent report."""
    import asyncio

    from fastapi.responses import Response

    async def found(report_id: str) -> tuple[Any, Any]:
        return await _found(svc, report_id)

    @app.get("/v1/fit/{report_id}/summary",
             summary="The customer summary in words (size line, insole pair, lasts, quality)")
    async def get_summary(report_id: str, lang: str | None = None) -> Any:
        from footfit.advice import customer_summary
        from footfit.words import check_language

        rep, missing = await found(report_id)
        if missing:
            return missing
        try:
            return customer_summary(rep.data, check_language(_check_lang(lang) or rep.lang))
        except ValueError as exc:
            return _error(400, "bad_option", one_line(exc))

    @app.get("/v1/fit/{report_id}/summary.png", summary="The summary image (PNG)",
             responses={200: {"content": {"image/png": {}}}})
    async def get_png(report_id: str, lang: str | None = None) -> Any:
        from footfit.visual import render_png

        rep, lang, refused = await _found_in(svc, report_id, lang)
        if refused:
            return refused
        try:
            data = await asyncio.to_thread(render_png, rep.data, drawings=rep.drawings,
                                           lang=lang)
        except ImportError as exc:
            return _error(501, "not_installed", one_line(exc))
        return Response(data, media_type="image/png")


def run_server(host: str = "127.0.0.1", port: int = 8000, *, config: ServiceConfig | None = None,
               log_level: str = "info") -> None:
    """Serve the kiosk API with uvicorn until interrupted.

    Parameters
    ----------
    host : str, default="127.0.0.1"
        Interface to listen on (loopback: only this machine can connect).
    port : int, default=8000
        TCP port.
    config : ServiceConfig, optional
        Limits (defaults as documented there).
    log_level : str, default="info"
        uvicorn's log level.
    """
    try:
        import uvicorn
    except ImportError as exc:
        raise ImportError("footfit serve requires uvicorn: pip install 'footfit[serve]'") from exc
    if not (isinstance(port, int) and 0 <= port <= 65535):
        raise InvalidParameterError(f"`port` must be 0-65535; got {port!r}")
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
                http=h11_with_header_timeout(cfg.header_timeout_s), timeout_keep_alive=5)


