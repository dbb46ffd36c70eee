"""Where the records live and what names are allowed in them.

No SQLAlchemy here: the CLI reads this module to validate ``--customer`` and ``--db`` before
any work, and ``footfit --help`` must stay fast.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

__all__ = [
    "CUSTOMER_ID_PATTERN",
    "ENV_DB",
    "check_customer_id",
    "check_record_id",
    "default_db_path",
    "resolve_db_url",
]

#: Environment variable naming the database (a URL or a file path).
ENV_DB = "FOOTFIT_DB"

#: A customer id: 1-64 characters, letters, digits, ``.``, ``_``, ``-``, starting with a
#: letter or a digit. Strict on purpose: ids end up in URLs, file names and CSV cells.
CUSTOMER_ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}"
_CUSTOMER_RE = re.compile(CUSTOMER_ID_PATTERN)
_RECORD_RE = re.compile(r"[0-9a-f]{32}")
_URL_RE = re.compile(r"[a-z][a-z0-9+.-]*://", re.IGNORECASE)


def check_customer_id(customer_id: object, *, name: str = "customer") -> str:
    """Return ``customer_id`` if it matches :data:`CUSTOMER_ID_PATTERN`.

    Raises
    ------
    TypeError
        Not a string.
    ValueError
        It does not match; the message echoes it (shortened) and gives the rule.

    Examples
    --------
    >>> check_customer_id("C-0042")
    'C-0042'
    >>> check_customer_id("x; DROP TABLE customers")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: `customer` must be 1-64 letters, ... got 'x; DROP TABLE customers'
    """
    if not isinstance(customer_id, str):
        raise TypeError(f"`{name}` must be a string; got {type(customer_id).__name__}")
    if not _CUSTOMER_RE.fullmatch(customer_id):
        shown = customer_id if len(customer_id) <= 70 else customer_id[:67] + "..."
        raise ValueError(f"`{name}` must be 1-64 letters, digits, '.', '_' or '-' (starting "
                         f"with a letter or digit); got {shown!r}")
    return customer_id


def check_record_id(record_id: object, *, name: str = "fitting") -> str:
    """Return ``record_id`` (a fitting or order id: 32 lowercase hex digits) or raise
    ValueError naming ``name``.
    """
    if not isinstance(record_id, str) or not _RECORD_RE.fullmatch(record_id):
        shown = record_id if not isinstance(record_id, str) or len(record_id) <= 70 \
            else record_id[:67] + "..."
        raise ValueError(f"`{name}` must be an id of 32 hex digits; got {shown!r}")
    return record_id


def default_db_path() -> Path:
    """Return the default SQLite file: ``footfit.db`` in the user's data folder.

    Linux and other Unix: ``$XDG_DATA_HOME/footfit`` (``~/.local/share/footfit``); macOS:
    ``~/Library/Application Support/footfit``; Windows: ``%LOCALAPPDATA%\\footfit``. The
    folder is not created here.
    """
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        xdg = os.environ.get("XDG_DATA_HOME", "")
        base = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".local" / "share"
    return base / "footfit" / "footfit.db"


def resolve_db_url(db: str | os.PathLike[str] | None = None) -> str:
    """Return the SQLAlchemy URL of the records database.

    Parameters
    ----------
    db : str or path-like, optional
        A URL (``sqlite:///path``, ``postgresql://user@host/db``) or a file path (SQLite).
        Default: ``$FOOTFIT_DB``, else :func:`default_db_path`.

    Returns
    -------
    str
        ``postgresql://`` and ``postgres://`` URLs get the psycopg 3 driver
        (``postgresql+psycopg://``); a path becomes ``sqlite:///ABSOLUTE_PATH``.

    Raises
    ------
    ValueError
        A URL of a database footfit does not support.
    """
    if db is None or str(db) == "":
        db = os.environ.get(ENV_DB) or default_db_path()
    text = os.fspath(db)
    if not _URL_RE.match(text):
        return "sqlite:///" + str(Path(text).expanduser().resolve())
    scheme, rest = text.split("://", 1)
    scheme = scheme.lower()
    if scheme in ("postgresql", "postgres", "postgresql+psycopg"):
        return "postgresql+psycopg://" + rest
    if scheme in ("sqlite", "sqlite+pysqlite"):
        return "sqlite://" + rest
    raise ValueError(f"database URL {_hide_password(text)!r}: footfit stores records in "
                     "SQLite (a file path or sqlite:///path) or PostgreSQL "
                     "(postgresql://user@host/db)")


def _hide_password(url: str) -> str:
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)
