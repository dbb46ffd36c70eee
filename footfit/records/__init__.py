"""Records: customers, scans, fittings and production orders on file.

A SQL store behind SQLAlchemy 2 with Alembic migrations: SQLite by default (one file in the
user's data folder, created on first use), PostgreSQL (psycopg 3) for a chain of stores. Needs
the ``records`` extra: ``pip install 'footfit[records]'``.

SQLAlchemy is imported only when the store is used: ``footfit.records.config`` (validation,
where the database is) and ``footfit.records.cli`` (argument parsing) load without it.
"""

from footfit.records.config import (
    CUSTOMER_ID_PATTERN,
    check_customer_id,
    default_db_path,
    resolve_db_url,
)

__all__ = [
    "CUSTOMER_ID_PATTERN",
    "RecordStore",
    "check_customer_id",
    "default_db_path",
    "open_store",
    "resolve_db_url",
]


def open_store(db=None, **kwargs):  # noqa: ANN001, ANN201 - see RecordStore
    """Open the records store (:class:`footfit.records.store.RecordStore`).

    Raises
    ------
    ImportError
        SQLAlchemy or Alembic is missing (``pip install 'footfit[records]'``).
    """
    import importlib.util

    if not (importlib.util.find_spec("sqlalchemy") and importlib.util.find_spec("alembic")):
        raise ImportError("footfit records need SQLAlchemy and Alembic: "
                          "pip install 'footfit[records]'")
    from footfit.records.store import RecordStore

    return RecordStore(db, **kwargs)


def __getattr__(name: str):  # noqa: ANN202 - lazy: keep SQLAlchemy out of `import footfit`
    if name == "RecordStore":
        from footfit.records.store import RecordStore

        return RecordStore
    raise AttributeError(f"module 'footfit.records' has no attribute {name!r}")
