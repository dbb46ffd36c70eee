"""The records store: customers, scans, fittings and orders in SQLite or PostgreSQL.

:class:`RecordStore` opens (and, when needed, migrates) the database named by a URL or a file
path (:func:`footfit.records.config.resolve_db_url`). SQLite is the default: one file in the
user's data folder, WAL journal with ``synchronous=NORMAL`` (commits survive a killed writer;
``$FOOTFIT_DB_SYNC=full`` for commits that survive a power loss), writers serialised by
``BEGIN IMMEDIATE`` with a 60 s busy timeout, so concurrent processes and threads queue instead
of failing. PostgreSQL goes through psycopg 3 and keeps scans in a blob column.

Scan files are kept content-addressed: SQLite stores them beside the database
(``footfit-scans/<sha256[:2]>/<sha256>`` for ``footfit.db``), PostgreSQL in
``scans.content``. A file is written (atomically) before the transaction that records it;
deleting a customer removes its rows in one transaction, then every file no row refers to any
more.

Every query is built with SQLAlchemy's expression language: values travel as bound
parameters, never inside SQL text.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from footfit.exceptions import FootfitError, InvalidParameterError
from footfit.records import models as m
from footfit.records._text import report_meta, splice_record
from footfit.records.blobs import (
    blob_path,
    file_sha256,
    keep_file,
    stored_files,
    sweep_files,
)
from footfit.records.blobs import suppress_missing as _suppress_missing
from footfit.records.config import (
    check_customer_id,
    check_record_id,
    resolve_db_url,
    resolve_synchronous,
)
from footfit.records.engine import (
    _SQLITE_BUSY_MS,
    configure_sqlite,
    current_revision,
    insert_ignoring_duplicates,
    upgrade_database,
)
from footfit.records.migrations import HEAD, REVISIONS
from footfit.records.results import (
    _CODE_ALPHABET,
    CustomerDeleted,
    FittingRecord,
    OrderRecord,
    RecordNotFoundError,
    _iso,
    _now,
    _utc,
    new_order_code,
)

if TYPE_CHECKING:
    from footfit.report import FitReport

__all__ = [
    "CustomerDeleted",
    "FittingRecord",
    "OrderRecord",
    "RecordNotFoundError",
    "RecordStore",
    "file_sha256",
    "new_order_code",
    "report_meta",
    "splice_record",
    "upgrade_database",
]

_NEXT_STATUS = {"new": "in_production", "in_production": "done"}


class RecordStore:
    """Customers, scans, fittings and orders in a SQL database.

    Parameters
    ----------
    db : str or path-like, optional
        URL or SQLite file path; default ``$FOOTFIT_DB`` or the user's data folder
        (:func:`footfit.records.config.resolve_db_url`).
    files_dir : str or path-like or None, optional
        Where scan files are kept, content-addressed. Default: beside a SQLite database
        (``<folder>/<name>-scans`` for ``<name>.db``); for PostgreSQL ``None``, the files
        go in a blob column.
    migrate : bool, default=True
        Bring an older database up to date (Alembic) on open. With False an out-of-date
        database raises :class:`~footfit.exceptions.FootfitError`.
    synchronous : {"normal", "full"}, optional
        SQLite's durability (:data:`footfit.records.config.SYNC_MODES`); default
        ``$FOOTFIT_DB_SYNC``, else ``normal``: commits survive the process being killed,
        and a power loss leaves the database consistent but may roll back the last
        fittings; ``full`` fsyncs every commit. Ignored for PostgreSQL.

    Notes
    -----
    Thread-safe: each call takes a connection from the engine's pool. Several processes may
    open the same database; SQLite serialises their writes, PostgreSQL its rows.

    Examples
    --------
    >>> with RecordStore("sqlite://") as store:  # doctest: +SKIP
    ...     store.list_fittings("C-1")
    []
    """

    def __init__(self, db: str | os.PathLike[str] | None = None, *,
                 files_dir: str | os.PathLike[str] | None = None, migrate: bool = True,
                 synchronous: str | None = None) -> None:
        self.url = resolve_db_url(db)
        url = sa.engine.make_url(self.url)
        self.dialect = url.get_backend_name()
        self._sqlite_path: Path | None = None
        if self.dialect == "sqlite":
            if url.database and url.database != ":memory:":
                self._sqlite_path = Path(url.database)
                self._sqlite_path.parent.mkdir(parents=True, exist_ok=True)
            self.engine = sa.create_engine(url, connect_args={"timeout": _SQLITE_BUSY_MS / 1e3})
            configure_sqlite(self.engine, resolve_synchronous(synchronous))
        else:
            self.engine = sa.create_engine(url, pool_pre_ping=True)
        if files_dir is None and self._sqlite_path is not None:
            # named after the database: two databases in one folder never share files
            files_dir = self._sqlite_path.with_name(self._sqlite_path.stem + "-scans")
        self.files_dir = Path(files_dir) if files_dir is not None else None
        self._lock = threading.Lock()
        try:
            self._ensure_schema(migrate=migrate)
        except sa.exc.OperationalError as exc:
            self.engine.dispose()
            raise FootfitError(f"cannot open the records database {self.display_url}: "
                               f"{_one_line(exc.orig or exc)}") from exc

    # ------------------------------------------------------------------ plumbing
    @property
    def display_url(self) -> str:
        """The URL with any password hidden."""
        return sa.engine.make_url(self.url).render_as_string(hide_password=True)

    def close(self) -> None:
        """Release the connections."""
        self.engine.dispose()

    def __enter__(self) -> RecordStore:
        """Return the store (closed on leaving the block)."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Close the store."""
        self.close()

    @contextmanager
    def _begin(self) -> Iterator[sa.Connection]:
        """Open a write transaction (SQLite: ``BEGIN IMMEDIATE``, so writers queue up front)."""
        with self.engine.connect() as conn:
            conn.execution_options(footfit_write=True)
            with conn.begin():
                yield conn

    def revision(self) -> str | None:
        """Return the database's Alembic revision (None for an empty database)."""
        with self.engine.connect() as conn:
            return current_revision(conn)

    def _ensure_schema(self, *, migrate: bool) -> None:
        with self.engine.connect() as conn:
            current = current_revision(conn)
        if current == HEAD:
            return
        if current is not None and current not in REVISIONS:
            raise FootfitError(f"records database {self.display_url} is at revision "
                               f"{current}, newer than this footfit knows ({HEAD}): upgrade "
                               "footfit")
        if not migrate:
            raise FootfitError(f"records database {self.display_url} is at revision "
                               f"{current or 'none'}; this footfit needs {HEAD}")
        self.upgrade()

    def upgrade(self, revision: str = "head") -> None:
        """Run the Alembic migrations up to ``revision`` (one writer at a time)."""
        upgrade_database(self.engine, revision, begin=self._begin)

    # ------------------------------------------------------------------ files
    def _blob_path(self, sha256: str) -> Path:
        if self.files_dir is None:  # pragma: no cover - callers check
            raise FootfitError("this store keeps scans in the database, not in files")
        return blob_path(self.files_dir, sha256)

    def keep_scan_file(self, scan: str | os.PathLike[str]) -> tuple[str, bool]:
        """Hash ``scan`` and, for a store keeping files, copy it to its content address.

        Done ahead of :meth:`add_fitting`, which then skips the copy.

        Returns
        -------
        (str, bool)
            The SHA-256 and whether this call created the file (give both to
            :meth:`forget_scan_file` if the fitting is not stored after all).
        """
        sha = file_sha256(scan)
        created = False
        if self.files_dir is not None:
            created = self._keep_file(Path(scan), sha)
        return sha, created

    def warm_up(self) -> None:
        """Prepare the statements :meth:`add_fitting` runs.

        SQLAlchemy compiles each on first use: running them once in a transaction that is
        rolled back leaves the first real store only executing them.
        """
        now = _now()
        row = {"scan": {"customer_id": "warm-up", "sha256": "0" * 64, "filename": "-",
                        "format": "-", "units": None, "points": None, "size_bytes": 0,
                        "content": None},
               "fitting": {"id": "0" * 32, "customer_id": "warm-up", "created_at": now,
                           "footfit_version": "", "schema_version": "", "options": {},
                           "report": "{}", "parent_id": None}}
        with self.engine.connect() as conn:
            conn.execution_options(footfit_write=True)
            trans = conn.begin()
            try:
                self._write_fitting(conn, row, now)
            finally:
                trans.rollback()

    def forget_scan_file(self, sha256: str, created: bool) -> None:
        """Undo :meth:`keep_scan_file` when no fitting was stored.

        The file goes if that call made it and no row refers to it.
        """
        if not created or self.files_dir is None:
            return
        with self.engine.connect() as conn:
            used = conn.execute(sa.select(m.scans.c.id).where(
                m.scans.c.sha256 == sha256).limit(1)).first()
        if used is None:
            with _suppress_missing():
                self._blob_path(sha256).unlink()

    def _keep_file(self, source: Path, sha256: str) -> bool:
        """Copy ``source`` to its content address; return whether it was written."""
        return keep_file(source, self._blob_path(sha256))

    # ------------------------------------------------------------------ fittings
    def add_fitting(self, scan: str | os.PathLike[str],
                    report: FitReport | Mapping[str, Any] | str, *, customer_id: str,
                    scan_name: str | None = None, parent_id: str | None = None,
                    sha256: str | None = None,
                    meta: Mapping[str, Any] | None = None) -> FittingRecord:
        """Store a scan file (once per customer and content) and a fitting made from it.

        Parameters
        ----------
        scan : path
            The scan file the report was made from.
        report : FitReport, mapping or str
            The report (or its JSON text); its JSON gains ``record: {fitting_id,
            customer_id, stored_at}``, as the last key.
        customer_id : str
            Created on first use.
        scan_name : str, optional
            The file's name to remember (default: the base name of ``scan``).
        parent_id : str, optional
            For a reprocessed fitting, the fitting it came from.
        sha256 : str, optional
            The file's SHA-256 if already computed.
        meta : mapping, optional
            With ``report`` given as JSON text: :func:`report_meta` of the report, so the
            text is stored as it is without being parsed again.

        Returns
        -------
        FittingRecord
            ``report_json`` is the report as stored (what the caller should hand on).
        """
        check_customer_id(customer_id)
        path = Path(scan)
        given = report if isinstance(report, str) else None
        if given is None and not isinstance(report, Mapping):  # a FitReport
            given = report.to_json()
            meta = meta if meta is not None else report_meta(report)
        data = None  # the report's JSON object, only when it must be parsed or dumped
        if given is None or meta is None:
            data = dict(json.loads(given) if given is not None else report)
            meta = report_meta(data)
        digest = sha256 or file_sha256(path)
        fmt = str(meta["format"] or path.suffix.lstrip(".").lower() or "unknown")
        name = (scan_name or path.name)[:255]
        fitting_id, now = uuid.uuid4().hex, _now()
        record = {"fitting_id": fitting_id, "customer_id": customer_id,
                  "stored_at": _iso(now)}
        text = (splice_record(given, record) if given is not None
                else json.dumps({**data, "record": record}, indent=2, ensure_ascii=False,
                                allow_nan=False))
        content = None
        if self.files_dir is not None:
            self._keep_file(path, digest)
        else:
            content = path.read_bytes()
        row = {
            "scan": {"customer_id": customer_id, "sha256": digest, "filename": name,
                     "format": fmt[:16], "units": meta["units"], "points": meta["points"],
                     "size_bytes": path.stat().st_size, "content": content},
            "fitting": {"id": fitting_id, "customer_id": customer_id, "created_at": now,
                        "footfit_version": meta["footfit_version"],
                        "schema_version": meta["schema_version"],
                        "options": meta["options"], "report": text, "parent_id": parent_id},
        }
        with self._begin() as conn:
            scan_id = self._write_fitting(conn, row, now)
        if self.files_dir is not None and not self._blob_path(digest).is_file():
            self._keep_file(path, digest)  # a concurrent delete swept it before we committed
        return FittingRecord(id=fitting_id, customer_id=customer_id, scan_id=scan_id,
                             created_at=now, footfit_version=row["fitting"]["footfit_version"],
                             schema_version=row["fitting"]["schema_version"],
                             options=row["fitting"]["options"], report_json=text,
                             parent_id=parent_id, scan_filename=name)

    def _write_fitting(self, conn: sa.Connection, row: dict[str, Any], now: dt.datetime) -> str:
        """Insert the customer and scan unless present, then the fitting; return the scan id."""
        insert = insert_ignoring_duplicates(self.dialect)
        conn.execute(insert(m.customers).values(id=row["scan"]["customer_id"], created_at=now))
        conn.execute(insert(m.scans).values(id=uuid.uuid4().hex, stored_at=now, **row["scan"]))
        scan_id = conn.execute(
            sa.select(m.scans.c.id).where(m.scans.c.customer_id == row["scan"]["customer_id"],
                                          m.scans.c.sha256 == row["scan"]["sha256"])
        ).scalar_one()
        conn.execute(m.fittings.insert().values(scan_id=scan_id, **row["fitting"]))
        return scan_id

    _FITTING_COLS = (m.fittings.c.id, m.fittings.c.customer_id, m.fittings.c.scan_id,
                     m.fittings.c.created_at, m.fittings.c.footfit_version,
                     m.fittings.c.schema_version, m.fittings.c.options, m.fittings.c.report,
                     m.fittings.c.parent_id, m.scans.c.filename)

    @staticmethod
    def _fitting(row: Any) -> FittingRecord:
        return FittingRecord(id=row[0], customer_id=row[1], scan_id=row[2],
                             created_at=_utc(row[3]), footfit_version=row[4],
                             schema_version=row[5], options=dict(row[6] or {}),
                             report_json=row[7], parent_id=row[8], scan_filename=row[9])

    def _fitting_query(self) -> sa.Select:
        return sa.select(*self._FITTING_COLS).join(
            m.scans, m.scans.c.id == m.fittings.c.scan_id)

    def get_fitting(self, fitting_id: str) -> FittingRecord:
        """Return a stored fitting.

        Raises
        ------
        InvalidParameterError
            Not a fitting id (a ``ValueError``).
        RecordNotFoundError
            No such fitting.
        """
        check_record_id(fitting_id)
        with self.engine.connect() as conn:
            row = conn.execute(
                self._fitting_query().where(m.fittings.c.id == fitting_id)).first()
        if row is None:
            raise RecordNotFoundError(f"no fitting {fitting_id} in {self.display_url}")
        return self._fitting(row)

    def list_fittings(self, customer_id: str | None = None) -> list[FittingRecord]:
        """Return the fittings of ``customer_id`` (every customer's when None), oldest first."""
        q = self._fitting_query().order_by(m.fittings.c.created_at, m.fittings.c.id)
        if customer_id is not None:
            q = q.where(m.fittings.c.customer_id == check_customer_id(customer_id))
        with self.engine.connect() as conn:
            return [self._fitting(r) for r in conn.execute(q)]

    def has_customer(self, customer_id: str) -> bool:
        """Whether ``customer_id`` has anything stored."""
        check_customer_id(customer_id)
        with self.engine.connect() as conn:
            return conn.execute(sa.select(m.customers.c.id).where(
                m.customers.c.id == customer_id)).first() is not None

    def customers(self) -> list[str]:
        """Every customer id, sorted."""
        with self.engine.connect() as conn:
            return list(conn.execute(
                sa.select(m.customers.c.id).order_by(m.customers.c.id)).scalars())

    @contextmanager
    def scan_file(self, scan_id: str) -> Iterator[tuple[Path, str]]:
        """Yield a path holding a stored scan's bytes, and its original file name.

        The path is a temporary copy (removed afterwards) named with the original extension,
        so the loader recognises the format.
        """
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(m.scans.c.sha256, m.scans.c.filename, m.scans.c.content)
                .where(m.scans.c.id == scan_id)).first()
        if row is None:
            raise RecordNotFoundError(f"no scan {scan_id} in {self.display_url}")
        sha, filename, content = row
        if content is None:
            if self.files_dir is None or not self._blob_path(sha).is_file():
                raise RecordNotFoundError(f"scan file {sha} of {filename} is missing from "
                                          f"{self.files_dir}")
            content = self._blob_path(sha).read_bytes()
        if hashlib.sha256(content).hexdigest() != sha:
            raise FootfitError(f"stored scan {filename} ({sha[:12]}...) is corrupt: its "
                               "content no longer matches its hash")
        suffix = "".join(Path(filename).suffixes[-1:]) or ".ply"
        with tempfile.TemporaryDirectory(prefix="footfit-scan-") as folder:
            path = Path(folder) / ("scan" + suffix)
            path.write_bytes(content)
            yield path, filename

    # ------------------------------------------------------------------ orders
    def add_order(self, fitting_id: str,
                  make_order: Callable[[str, str], tuple[Mapping[str, Any], Sequence[str]]]
                  ) -> OrderRecord:
        """Store an order for a fitting.

        Parameters
        ----------
        fitting_id : str
        make_order : callable (order_id, code) -> (document, files)
            Builds (and writes) the order for a fresh id and short code: returns the order
            document (with ``style``, optionally ``heel_height_mm``) and the files written for
            it, which :meth:`delete_customer` erases. Called again in the unlikely case that
            the code is already taken.
        """
        fitting = self.get_fitting(fitting_id)
        for _ in range(5):
            order_id, code, now = uuid.uuid4().hex, new_order_code(), _now()
            doc, files = make_order(order_id, code)
            text = json.dumps(dict(doc), indent=2, ensure_ascii=False, allow_nan=False)
            values = {"id": order_id, "code": code, "fitting_id": fitting.id,
                      "customer_id": fitting.customer_id, "status": "new",
                      "style": str(doc.get("style", "")),
                      "heel_height_mm": doc.get("heel_height_mm"), "document": text,
                      "files": [str(Path(f).resolve()) for f in files],
                      "created_at": now, "updated_at": now}
            try:
                with self._begin() as conn:
                    conn.execute(m.orders.insert().values(**values))
            except sa.exc.IntegrityError:
                if self._code_taken(code):
                    continue  # 1 in 10^12: draw another code
                raise
            return self._order_from_values(values)
        raise FootfitError("could not draw a free order code in 5 tries")  # pragma: no cover

    def _code_taken(self, code: str) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(m.orders.c.id).where(
                m.orders.c.code == code)).first() is not None

    @staticmethod
    def _order_from_values(v: Mapping[str, Any]) -> OrderRecord:
        return OrderRecord(id=v["id"], code=v["code"], fitting_id=v["fitting_id"],
                           customer_id=v["customer_id"], status=v["status"], style=v["style"],
                           heel_height_mm=v["heel_height_mm"], document_json=v["document"],
                           files=tuple(v["files"] or ()), created_at=_utc(v["created_at"]),
                           updated_at=_utc(v["updated_at"]))

    def get_order(self, order: str) -> OrderRecord:
        """Return an order by id (32 hex digits) or code (8 characters)."""
        if not isinstance(order, str):
            raise TypeError(f"`order` must be a string; got {type(order).__name__}")
        if len(order) == 32:
            where = m.orders.c.id == check_record_id(order, name="order")
        elif len(order) == 8 and all(c in _CODE_ALPHABET for c in order.upper()):
            where = m.orders.c.code == order.upper()
        else:
            raise InvalidParameterError(f"`order` must be an order id (32 hex digits) or code "
                                        f"(8 characters); got {order[:70]!r}")
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(m.orders).where(where)).mappings().first()
        if row is None:
            raise RecordNotFoundError(f"no order {order} in {self.display_url}")
        return self._order_from_values(row)

    def list_orders(self, customer_id: str) -> list[OrderRecord]:
        """Return the orders of a customer, oldest first."""
        check_customer_id(customer_id)
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(m.orders).where(m.orders.c.customer_id == customer_id)
                                .order_by(m.orders.c.created_at)).mappings().all()
        return [self._order_from_values(r) for r in rows]

    def set_order_status(self, order: str, status: str) -> OrderRecord:
        """Move an order to its next status (``new`` -> ``in_production`` -> ``done``).

        Raises
        ------
        InvalidParameterError
            ``status`` is not the order's next one (a ``ValueError``).
        """
        if status not in m.ORDER_STATUSES:
            raise InvalidParameterError(f"`status` must be one of "
                                        f"{', '.join(m.ORDER_STATUSES)}; got {status!r}")
        current = self.get_order(order)
        if _NEXT_STATUS.get(current.status) != status:
            raise InvalidParameterError(
                f"order {current.code} is {current.status}: it can only move to "
                f"{_NEXT_STATUS.get(current.status, 'nothing (done)')}")
        now = _now()
        with self._begin() as conn:
            done = conn.execute(
                m.orders.update().where(m.orders.c.id == current.id,
                                        m.orders.c.status == current.status)
                .values(status=status, updated_at=now)).rowcount
        if done != 1:
            raise InvalidParameterError(f"order {current.code} changed status meanwhile; "
                                        "try again")
        return dataclasses.replace(current, status=status, updated_at=now)

    # ------------------------------------------------------------------ deletion
    def delete_customer(self, customer_id: str) -> CustomerDeleted:
        """Erase a customer and everything stored for it.

        Orders, fittings, scans (rows and files), the customer row, and the files written
        for the customer's orders.

        Raises
        ------
        RecordNotFoundError
            Nothing is stored for ``customer_id``.
        """
        check_customer_id(customer_id)
        with self._begin() as conn:
            if conn.execute(sa.select(m.customers.c.id).where(
                    m.customers.c.id == customer_id)).first() is None:
                raise RecordNotFoundError(f"no customer {customer_id} in {self.display_url}")
            files = [f for (fs,) in conn.execute(sa.select(m.orders.c.files).where(
                m.orders.c.customer_id == customer_id)) for f in (fs or ())]
            shas = list(conn.execute(sa.select(m.scans.c.sha256).where(
                m.scans.c.customer_id == customer_id)).scalars())
            n_orders = conn.execute(m.orders.delete().where(
                m.orders.c.customer_id == customer_id)).rowcount
            n_fit = conn.execute(m.fittings.delete().where(
                m.fittings.c.customer_id == customer_id)).rowcount
            n_scans = conn.execute(m.scans.delete().where(
                m.scans.c.customer_id == customer_id)).rowcount
            conn.execute(m.customers.delete().where(m.customers.c.id == customer_id))
        removed_files = self._remove_unreferenced(shas)
        gone = []
        for f in files:
            with _suppress_missing():
                os.remove(f)
                gone.append(f)
        for folder in sorted({str(Path(f).parent) for f in files}, reverse=True):
            with _suppress_missing():
                os.rmdir(folder)  # only if empty: other files there are not ours
        return CustomerDeleted(customer_id=customer_id, fittings=n_fit, scans=n_scans,
                               orders=n_orders, scan_files=removed_files,
                               order_files=tuple(gone))

    def _remove_unreferenced(self, shas: list[str]) -> int:
        """Remove the scan files of ``shas`` no row refers to, and orphans.

        Orphans are files a crashed writer or delete left. Returns how many of ``shas``'
        files went.
        """
        if self.files_dir is None or not self.files_dir.is_dir():
            return 0
        with self.engine.connect() as conn:
            kept = set(conn.execute(sa.select(m.scans.c.sha256).distinct()).scalars())
        return sweep_files(self.files_dir, kept, set(shas))

    def stored_scan_files(self) -> list[Path]:
        """Return every scan file beside the database (for checks and audits)."""
        return stored_files(self.files_dir)

    def counts(self) -> dict[str, int]:
        """Rows per table."""
        with self.engine.connect() as conn:
            return {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                    for t in (m.customers, m.scans, m.fittings, m.orders)}


def _one_line(exc: object) -> str:
    return " ".join(str(exc).split())
