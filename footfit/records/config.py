"""Where the records live and what names are allowed in them.

No SQLAlchemy here: the CLI reads this module to validate ``--customer`` and ``--db`` before
any work, and ``footfit --help`` must stay fast.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from footfit.exceptions import InvalidParameterError

__all__ = [
    "CUSTOMER_ID_PATTERN",
    "ENV_DB",
    "ENV_SYNC",
    "SYNC_MODES",
    "check_customer_id",
    "check_record_id",
    "default_db_path",
    "resolve_db_url",
    "resolve_synchronous",
]

#: Environment variable naming the database (a URL or a file path).
ENV_DB = "FOOTFIT_DB"

#: Environment variable choosing SQLite's durability: ``normal`` (default) or ``full``.
ENV_SYNC = "FOOTFIT_DB_SYNC"

#: SQLite ``synchronous`` settings footfit accepts (with the WAL journal).
#:
#: ``normal``: a commit writes the WAL file but does not fsync it (the WAL is synced at each
#: checkpoint). A committed fitting survives the writing process being killed or crashing,
#: and the database stays consistent through a power loss or OS crash, but the last
#: fittings committed before such a loss may be rolled back. ``full``: every commit also
#: fsyncs the WAL (a few ms to tens of ms per fitting, depending on the disk), so committed
#: fittings survive a power loss too.
SYNC_MODES = ("normal", "full")

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
    InvalidParameterError
        It does not match (a ``ValueError``); the message echoes it (shortened) and gives
        the rule.

    Examples
    --------
    >>> check_customer_id("C-0042")
    'C-0042'
    >>> check_customer_id("x; DROP")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    footfit.exceptions.InvalidParameterError: `customer` must be ... got 'x; DROP'
    """
    if not isinstance(customer_id, str):
        raise TypeError(f"`{name}` must be a string; got {type(customer_id).__name__}")
    if not _CUSTOMER_RE.fullmatch(customer_id):
        shown = customer_id if len(customer_id) <= 70 else customer_id[:67] + "..."
        raise InvalidParameterError(f"`{name}` must be 1-64 letters, digits, '.', '_' or '-' "
                                    f"(starting with a letter or digit); got {shown!r}")
    return customer_id


def check_record_id(record_id: object, *, name: str = "fitting") -> str:
    """Return ``record_id``, a fitting or order id (32 lowercase hex digits).

    Raises
    ------
    InvalidParameterError
        Anything else (a ``ValueError``); the message names ``name``.
    """
    if not isinstance(record_id, str) or not _RECORD_RE.fullmatch(record_id):
        shown = record_id if not isinstance(record_id, str) or len(record_id) <= 70 \
            else record_id[:67] + "..."
        raise InvalidParameterError(f"`{name}` must be an id of 32 hex digits; got {shown!r}")
    return record_id


def resolve_synchronous(value: str | None = None) -> str:
    """Return the SQLite ``synchronous`` setting: ``value``, else ``$FOOTFIT_DB_SYNC``.

    Parameters
    ----------
    value : str, optional
        ``normal`` or ``full`` (any case); see :data:`SYNC_MODES`. Default: the
        environment variable, else ``normal``.

    Returns
    -------
    str
        ``"NORMAL"`` or ``"FULL"``.

    Raises
    ------
    InvalidParameterError
        Another value.

    Examples
    --------
    >>> resolve_synchronous("full")
    'FULL'
    """
    chosen = value if value is not None else os.environ.get(ENV_SYNC) or "normal"
    if str(chosen).lower() not in SYNC_MODES:
        origin = "`synchronous`" if value is not None else f"${ENV_SYNC}"
        raise InvalidParameterError(f"{origin} must be one of {', '.join(SYNC_MODES)}; "
                                    f"got {str(chosen)[:40]!r}")
    return str(chosen).upper()


def default_db_path() -> Path:
    r"""Return the default SQLite file: ``footfit.db`` in the user's data folder.

    Linux and other Unix: ``$XDG_DATA_HOME/footfit`` (``~/.local/share/footfit``); macOS:
    ``~/Library/Application Support/footfit``; Windows: ``%LOCALAPPDATA%\footfit``. The
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
    InvalidParameterError
        A URL of a database footfit does not support (a ``ValueError``).
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
    raise InvalidParameterError(f"database URL {_hide_password(text)!r}: footfit stores "
                                "records in SQLite (a file path or sqlite:///path) or "
                                "PostgreSQL (postgresql://user@host/db)")


def _hide_password(url: str) -> str:
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)
