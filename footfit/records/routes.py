"""The records endpoints of the kiosk service (:mod:`footfit.app.service`).

- ``POST /v1/fit`` with a ``customer`` form field stores the scan and the fitting (the report
  gains ``record``; ``X-Report-Id`` is the fitting id).
- ``GET /v1/customers/{id}/fittings``: the customer's fittings (oldest first) and orders.
- ``GET /v1/fittings/{id}``: a stored report, exactly as returned when it was made.
- ``POST /v1/fittings/{id}/orders`` (form or JSON: ``style``, ``heel_height_mm``): make and
  store a production order; answers ``order.json`` (201, ``Location: /v1/orders/{id}``).
- ``GET /v1/orders/{id}`` (id or code): the order with its current status;
  ``GET /v1/orders/{id}/files/{name}``: its ``ticket.html``, ``last_left.stl``...

The service's in-memory LRU stays in front of the store: a recent report is answered from
memory (with its drawings), an older one from the database. The store is opened on first
use, so a service that never sees a customer never creates a database.
"""

# no `from __future__ import annotations`: FastAPI reads these annotations at run time

import asyncio
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from footfit.exceptions import FootfitError

if TYPE_CHECKING:  # quoted below: these annotations are not evaluated at run time
    from collections.abc import Callable, Mapping

    from fastapi import FastAPI

    from footfit.report import FitReport

__all__ = ["RecordsUnavailableError", "ServiceRecords", "add_record_routes"]


class RecordsUnavailableError(FootfitError):
    """The records database cannot be opened or written (the service answers 503)."""


class ServiceRecords:
    """The service's access to the store: opened once, on first use, shared by threads."""

    def __init__(self, db: str | None) -> None:
        self.db = db
        self._store: Any = None
        self._lock = threading.Lock()

    @property
    def store(self) -> Any:
        """The :class:`~footfit.records.store.RecordStore` (opened on first use)."""
        with self._lock:
            if self._store is None:
                from footfit.records.recording import _records_installed

                try:
                    _records_installed()
                    from footfit.records.store import RecordStore

                    self._store = RecordStore(self.db)
                except (FootfitError, OSError) as exc:
                    raise RecordsUnavailableError(" ".join(str(exc).split())) from exc
            return self._store

    def record(self, scan: Path, report: "FitReport | Mapping[str, Any] | str", *,
               customer_id: str, scan_name: str) -> Any:
        """Store a fitting; return its :class:`~footfit.records.store.FittingRecord`."""
        try:
            return self.store.add_fitting(scan, report, customer_id=customer_id,
                                          scan_name=scan_name)
        except RecordsUnavailableError:
            raise
        except Exception as exc:
            if type(exc).__module__.startswith(("sqlalchemy", "psycopg", "sqlite3")):
                orig = getattr(exc, "orig", None) or exc
                raise RecordsUnavailableError(f"records database: "
                                              f"{' '.join(str(orig).split())}") from exc
            raise

    def _db_exists(self) -> bool:
        from footfit.records.config import resolve_db_url

        url = resolve_db_url(self.db)
        if url.startswith("sqlite:///"):
            return Path(url[len("sqlite:///"):]).is_file()
        return True

    def cached(self, fitting_id: str, make: "Callable[[str], Any]") -> Any:
        """Return ``make(report_json)`` of a stored fitting, or None.

        None for an unknown id, no database yet or a database unavailable: the caller
        answers 404 as for any unknown report.
        """
        from footfit.records.store import RecordNotFoundError

        if self._store is None and not self._db_exists():
            return None  # never create a database to look an id up
        try:
            return make(self.store.get_fitting(fitting_id).report_json)
        except (RecordNotFoundError, RecordsUnavailableError, ValueError):
            return None

    def orders_dir(self) -> Path:
        """Return where the service writes order folders.

        Beside a SQLite database, else in the user's data folder.
        """
        from footfit.records.config import default_db_path

        store = self.store
        base = store.files_dir.parent if store.files_dir is not None \
            else default_db_path().parent
        return base / "footfit-orders"

    def close(self) -> None:
        """Close the store if it was opened."""
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None


def add_record_routes(app: "FastAPI", records: ServiceRecords,
                      error: "Callable[[int, str, str], Any]") -> None:
    """Add the records endpoints to the FastAPI ``app``.

    ``error(status, code, message)`` builds the service's one-line JSON errors.
    """
    guarded = _guard(error)
    _add_customer_route(app, records, guarded)
    _add_fitting_route(app, records, guarded)
    _add_order_routes(app, records, guarded, error)


def _guard(error: Any) -> Any:
    """Return ``guarded(func, *args)``: run ``func`` in a thread, map errors to answers.

    Unknown ids answer 404, an unavailable database 503, bad ids or values 400.
    """
    from footfit.records.store import RecordNotFoundError

    async def guarded(func: Any, *args: Any) -> Any:
        try:
            return await asyncio.to_thread(func, *args)
        except RecordNotFoundError as exc:
            return error(404, "not_found", " ".join(str(exc).split()))
        except RecordsUnavailableError as exc:
            return error(503, "records_unavailable", str(exc))
        except (ValueError, TypeError) as exc:
            return error(400, "bad_request", " ".join(str(exc).split()))
        except Exception as exc:
            if type(exc).__module__.startswith(("sqlalchemy", "psycopg", "sqlite3")):
                orig = getattr(exc, "orig", None) or exc
                return error(503, "records_unavailable",
                             f"records database: {' '.join(str(orig).split())}")
            raise

    return guarded


def _add_customer_route(app: Any, records: ServiceRecords, guarded: Any) -> None:
    """Add ``GET /v1/customers/{id}/fittings``."""
    from footfit.records.config import check_customer_id
    from footfit.records.store import RecordNotFoundError

    @app.get("/v1/customers/{customer_id}/fittings",
             summary="A customer's stored fittings and orders")
    async def customer_fittings(customer_id: str) -> Any:
        def run() -> Any:
            check_customer_id(customer_id)
            store = records.store
            fittings = store.list_fittings(customer_id)
            if not fittings and not store.has_customer(customer_id):
                raise RecordNotFoundError(f"no customer {customer_id}")
            return {"customer_id": customer_id,
                    "fittings": [f.summary() for f in fittings],
                    "orders": [o.summary() for o in store.list_orders(customer_id)]}

        return await guarded(run)


def _add_fitting_route(app: Any, records: ServiceRecords, guarded: Any) -> None:
    """Add ``GET /v1/fittings/{id}`` (the service's LRU first, then the store)."""
    from fastapi.responses import Response

    from footfit.records.config import check_record_id

    @app.get("/v1/fittings/{fitting_id}", summary="A stored fitting's report")
    async def get_fitting(fitting_id: str) -> Any:
        cached = app.state.reports.get(fitting_id)
        if cached is not None:
            return Response(cached.json, media_type="application/json")

        def run() -> Any:
            check_record_id(fitting_id)
            return Response(records.store.get_fitting(fitting_id).report_json,
                            media_type="application/json")

        return await guarded(run)


async def _order_options(request: Any, error: Any) -> tuple[Any, Any, Any]:
    """Read ``style`` and ``heel_height_mm`` from a JSON or form body.

    Returns ``(style, heel, None)``, or ``(None, None, answer)`` with a 400 answer for a
    bad body.
    """
    ctype = request.headers.get("content-type", "")
    try:
        if ctype.startswith("application/json"):
            body = await request.json()
            body = body if isinstance(body, dict) else {}
        else:
            body = dict(await request.form())
    except ValueError:
        return None, None, error(400, "bad_request", "the body is neither JSON nor a form")
    style = body.get("style") or None
    heel = body.get("heel_height_mm")
    if style is not None and not isinstance(style, str):
        return None, None, error(400, "bad_request", "`style` must be a string")
    try:
        heel = None if heel in (None, "") else float(heel)
    except (TypeError, ValueError):
        return None, None, error(400, "bad_request",
                                 f"`heel_height_mm` must be a number; got {heel!r}")
    if heel is not None and not 0 <= heel <= 150:
        return None, None, error(400, "bad_request",
                                 f"`heel_height_mm` must be 0-150; got {heel:g}")
    return style, heel, None


def _make_order(records: ServiceRecords, fitting_id: str, style: Any, heel: Any) -> Any:
    """Build, write and store an order of ``fitting_id``; answer ``order.json`` (201)."""
    from fastapi.responses import Response

    from footfit.records.config import check_record_id
    from footfit.records.order import build_order, write_order

    check_record_id(fitting_id)
    store = records.store
    fitting = store.get_fitting(fitting_id)

    def make(order_id: str, code: str) -> Any:
        doc = build_order({"fitting_id": fitting.id, "customer_id": fitting.customer_id,
                           "report": fitting.report}, order_id=order_id, code=code,
                          style=style, heel_height_mm=heel)
        return write_order(doc, records.orders_dir() / order_id)

    order = store.add_order(fitting.id, make)
    return Response(order.document_json, status_code=201, media_type="application/json",
                    headers={"Location": f"/v1/orders/{order.id}", "X-Order-Code": order.code})


def _order_file(records: ServiceRecords, order: str, name: str) -> Any:
    """Answer one of an order's files by its base name."""
    from fastapi.responses import FileResponse

    from footfit.records.store import RecordNotFoundError

    rec = records.store.get_order(order)
    for f in rec.files:
        if Path(f).name == name and Path(f).is_file():
            kind = {"html": "text/html; charset=utf-8", "json": "application/json",
                    "stl": "model/stl"}.get(name.rsplit(".", 1)[-1], "application/octet-stream")
            return FileResponse(f, media_type=kind)
    raise RecordNotFoundError(f"order {rec.code} has no file {name[:80]!r}")


def _add_order_routes(app: Any, records: ServiceRecords, guarded: Any, error: Any) -> None:
    """Add ``POST /v1/fittings/{id}/orders``, ``GET /v1/orders/{id}`` and its files."""
    from fastapi import Request

    @app.post("/v1/fittings/{fitting_id}/orders", status_code=201,
              summary="Make and store a production order from a fitting")
    async def post_order(fitting_id: str, request: Request) -> Any:
        style, heel, bad = await _order_options(request, error)
        if bad is not None:
            return bad
        return await guarded(_make_order, records, fitting_id, style, heel)

    @app.get("/v1/orders/{order}", summary="An order (by id or code) with its status")
    async def get_order(order: str) -> Any:
        def run() -> Any:
            return records.store.get_order(order).document

        return await guarded(run)

    @app.get("/v1/orders/{order}/files/{name}",
             summary="A file of an order: ticket.html, order.json, last_left.stl...")
    async def get_order_file(order: str, name: str) -> Any:
        return await guarded(_order_file, records, order, name)
