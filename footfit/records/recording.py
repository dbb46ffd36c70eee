"""``footfit process --customer``: store the fitting while the line runs.

Only the standard library at load time (SQLAlchemy is imported by the forked helper), so
``footfit --help`` stays fast.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from footfit.report import FitReport

__all__ = ["Recording"]


def _records_installed() -> None:
    import importlib.util

    from footfit.exceptions import FootfitError

    missing = [n for n in ("sqlalchemy", "alembic") if importlib.util.find_spec(n) is None]
    if missing:
        raise FootfitError(f"footfit records need {' and '.join(missing)}: "
                           "pip install 'footfit[records]'")


class Recording:
    """Store the fitting of ``footfit process --customer`` while the line runs.

    Opening the store (importing SQLAlchemy: 0.1-0.3 s) and hashing the scan are done by a
    forked helper process started before the fitting line, so they overlap with it; when the
    report is ready the helper only inserts it. The report travels through a pipe; the
    helper answers with the record (or a one-line error). If this process fails before the
    report is ready, the helper reads end-of-file and exits without storing anything. Where
    ``fork`` is unavailable (Windows, macOS' default) the store is used in this process.
    """

    def __init__(self, scan: str, customer_id: str, db: str | None) -> None:
        _records_installed()
        import os

        from footfit.records.config import resolve_db_url

        self.scan, self.customer_id = scan, customer_id
        self.url = resolve_db_url(db)  # a bad URL fails before the work
        self._pid = 0
        if not (sys.platform.startswith("linux") and hasattr(os, "fork")):
            return
        to_child, from_parent = os.pipe()
        to_parent, from_child = os.pipe()
        _widen_pipe(from_parent)
        import warnings

        with warnings.catch_warnings():  # 3.12+ warns about fork with threads around
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:  # the helper
            os.close(from_parent)
            os.close(to_parent)
            code = 1
            try:
                _helper(self.url, scan, customer_id, to_child, from_child)
                code = 0
            finally:
                os._exit(code)
        os.close(to_child)
        os.close(from_child)
        self._pid, self._send, self._receive = pid, from_parent, to_parent

    def store(self, report: FitReport) -> Any:
        """Store ``report``; return the record (``id``, ``customer_id``, ``report_json``)."""
        text = report.to_json()
        if not self._pid:
            return _store_here(self.url, self.scan, text, self.customer_id)
        import os

        from footfit.exceptions import FootfitError
        from footfit.records._text import report_meta, splice_record  # no SQLAlchemy

        try:  # the table columns first (one line), so the helper need not parse the report
            head = json.dumps(report_meta(report), ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError):
            head = "null"
        try:
            with os.fdopen(self._send, "wb", closefd=True) as out:
                self._send = -1
                out.write(f"{head}\n{text}".encode())
            with os.fdopen(self._receive, "rb", closefd=True) as inp:
                self._receive = -1
                answer = inp.read()
        finally:
            # the helper has answered (or died): it needs no waiting for; its exit (a
            # copy-on-write process tearing down) is reaped off the critical path
            self.close(wait=not answer)
        if not answer:
            raise FootfitError("records: the helper storing the fitting died")
        reply = json.loads(answer)
        if "error" in reply:
            raise FootfitError(reply["error"])
        return _Stored(id=reply["record"]["fitting_id"], customer_id=self.customer_id,
                       report_json=splice_record(text, reply["record"]))

    def close(self, wait: bool = True) -> None:
        """Close the pipes (the helper then stops if it has no report) and reap it.

        With ``wait=False`` (the helper has already answered) the helper is reaped if it has
        exited, else by a thread in the background: its exit is not on the line's time.
        """
        import os

        for fd in (getattr(self, "_send", -1), getattr(self, "_receive", -1)):
            if fd >= 0:
                os.close(fd)
        self._send = self._receive = -1
        pid, self._pid = self._pid, 0
        if not pid:
            return
        if wait or os.waitpid(pid, os.WNOHANG) != (0, 0):
            if wait:
                os.waitpid(pid, 0)
            return
        import threading

        threading.Thread(target=os.waitpid, args=(pid, 0), daemon=True).start()


def _widen_pipe(fd: int, size: int = 1 << 20) -> None:
    """Let the report (~75 kB) go down the pipe in one write (Linux pipes hold 64 kB).

    The parent then hands it over without waiting for the helper to read the first part, a
    wait that costs a scheduler wake-up on a busy machine. Best effort: a smaller pipe still
    works.
    """
    import fcntl

    try:
        fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), size)
    except OSError:
        pass


class _Stored:
    """What ``footfit process`` needs of a stored fitting."""

    def __init__(self, *, id: str, customer_id: str, report_json: str) -> None:  # noqa: A002
        self.id, self.customer_id, self.report_json = id, customer_id, report_json


def _helper(url: str, scan: str, customer_id: str, read_fd: int, write_fd: int) -> None:
    """Run the forked helper: open the store and hash the scan, then wait for the report.

    The pipe brings one line of :func:`~footfit.records._text.report_meta` JSON, then the
    report's JSON text; end-of-file without them means the line failed.
    """
    import gc
    import os

    # A short-lived process: no garbage collection passes over the parent's objects (they
    # would copy its pages) while SQLAlchemy is imported; about a third less CPU taken
    # from the fitting line.
    gc.disable()
    store, sha, created, error = _prepare_helper(url, scan)
    with os.fdopen(read_fd, "rb") as inp:
        head, _, text = inp.read().decode("utf-8").partition("\n")
    with os.fdopen(write_fd, "wb") as out:
        if not text:  # the line failed: store nothing, keep no copy
            if store is not None and sha is not None:
                store.forget_scan_file(sha, created)
                store.close()
            return
        reply = {"error": error} if error is not None else _helper_store(
            store, scan, customer_id, sha, text, json.loads(head))
        out.write(json.dumps(reply).encode("utf-8"))
    # no store.close(): the commit is in the WAL (kept through this process' exit), and
    # closing the last SQLite connection would checkpoint the WAL while `footfit process`
    # waits to reap this helper; a later writer (or SQLite's automatic checkpoint) does it


def _prepare_helper(url: str, scan: str) -> tuple[Any, Any, bool, str | None]:
    """Open the store, hash and keep the scan, warm the insert statements.

    Returns ``(store, sha256, created, error)``; an error is reported once the report
    arrives.
    """
    store = sha = None
    created = False
    try:
        from footfit.records.store import RecordStore

        store = RecordStore(url)
        sha, created = store.keep_scan_file(scan)  # hash and copy while the line runs
        store.warm_up()
    except Exception as exc:
        return store, sha, created, _one_line(exc)
    return store, sha, created, None


def _helper_store(store: Any, scan: str, customer_id: str, sha: str, text: str,
                  meta: Any) -> dict[str, Any]:
    """Store the fitting; return the reply for the parent (the record or an error)."""
    from pathlib import Path

    try:
        rec = store.add_fitting(scan, text, customer_id=customer_id,
                                scan_name=Path(scan).name, sha256=sha, meta=meta)
    except Exception as exc:
        return {"error": _one_line(exc)}
    return {"record": {"fitting_id": rec.id, "customer_id": rec.customer_id,
                       "stored_at": rec.summary()["created_at"]}}


def _one_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    text = " ".join(str(orig).split())
    if type(exc).__module__.startswith(("sqlalchemy", "psycopg", "sqlite3", "alembic")):
        return f"records database: {text}"
    return text


def _store_here(url: str, scan: str, report_json: str, customer_id: str) -> Any:
    from pathlib import Path

    from footfit.exceptions import FootfitError
    from footfit.records.store import RecordStore

    try:
        with RecordStore(url) as store:
            return store.add_fitting(scan, report_json, customer_id=customer_id,
                                     scan_name=Path(scan).name)
    except FootfitError:
        raise
    except Exception as exc:
        raise FootfitError(_one_line(exc)) from exc
