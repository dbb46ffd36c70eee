"""Engines and schema: SQLite settings, the Alembic upgrade, dialect-specific inserts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from footfit.exceptions import InvalidParameterError
from footfit.records.migrations import HEAD

__all__ = ["configure_sqlite", "current_revision", "insert_ignoring_duplicates",
           "upgrade_database"]

_SQLITE_BUSY_MS = 60_000
_PG_MIGRATION_LOCK = 0x666F6F7466697431  # "footfit1": advisory lock key for migrations


def upgrade_database(engine: sa.Engine, revision: str = "head", *,
                     begin: Callable[[], Any] | None = None) -> None:
    """Upgrade the database of ``engine`` to ``revision`` with the shipped Alembic scripts.

    The whole upgrade runs in one transaction: on SQLite a write transaction (other writers
    wait), on PostgreSQL after an advisory lock, so processes opening a new database at once
    migrate it once.
    """
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    with (begin() if begin is not None else engine.begin()) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_PG_MIGRATION_LOCK)))
        current = current_revision(conn)
        if current == (HEAD if revision == "head" else revision):
            return  # another process got there first
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def current_revision(conn: sa.Connection) -> str | None:
    """Return the Alembic revision of the database ``conn`` is on (None when unversioned)."""
    if not sa.inspect(conn).has_table("alembic_version"):
        return None
    version = sa.table("alembic_version", sa.column("version_num"))
    rows = list(conn.execute(sa.select(version.c.version_num)).scalars())
    return rows[0] if rows else None


def insert_ignoring_duplicates(dialect: str) -> Callable[[sa.Table], Any]:
    """``INSERT ... ON CONFLICT DO NOTHING`` for the dialect (both have it)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert

    def make(table: sa.Table) -> Any:
        return insert(table).on_conflict_do_nothing()

    return make


def configure_sqlite(engine: sa.Engine, synchronous: str = "NORMAL") -> None:
    """Set WAL, foreign keys, a busy timeout, and ``BEGIN IMMEDIATE`` for write transactions.

    ``synchronous`` is ``NORMAL`` or ``FULL`` (:data:`footfit.records.config.SYNC_MODES`):
    with WAL, ``NORMAL`` keeps every commit through a crash or kill of the writing process
    and the database consistent through a power loss (which may roll back the last
    commits); ``FULL`` fsyncs the WAL at each commit, so commits survive a power loss too.

    pysqlite's own transaction handling is switched off (``isolation_level = None``) so
    SQLAlchemy's BEGIN is the one that runs: a writer then takes the write lock up front and
    waits its turn, instead of failing with "database is locked" when its read lock cannot be
    upgraded.
    """
    if synchronous not in ("NORMAL", "FULL"):
        raise InvalidParameterError(f"`synchronous` must be NORMAL or FULL; got "
                                    f"{synchronous!r}")
    pragma = f"PRAGMA synchronous = {synchronous}"  # one of two constants, checked above

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        cur.execute(f"PRAGMA busy_timeout = {int(_SQLITE_BUSY_MS)}")  # a constant
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute(pragma)
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: sa.Connection) -> None:
        # writers take the lock up front; readers (WAL) never wait for writers
        write = conn.get_execution_options().get("footfit_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
