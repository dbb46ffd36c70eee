"""A disk cache of checked data tables, keyed by their content (never stale).

Every fresh process that makes a :class:`~footfit.pipeline.FootFitter` reads footfit's CSV
tables (the stock lasts, the insole catalogue) and checks every cell: tens of milliseconds of
``float`` calls per process. The checked table is kept as one ``.npy`` file (a structured
array: no pickle) under ``$FOOTFIT_CACHE/tables`` (default ``$XDG_CACHE_HOME/footfit`` or
``~/.cache/footfit``; ``FOOTFIT_CACHE=off`` turns caching off), named by the SHA-256 of the
table's bytes and of what else its checks depend on. An edited table has another name, so
it is read and checked again: a stale cache is never read. A missing, damaged or unwritable
cache only costs the parse. Nothing personal is stored here: footfit's own tables only.
"""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import numpy as np

__all__ = ["cache_root", "read_table", "table_file", "write_table"]


def cache_root() -> Path | None:
    """Return footfit's cache folder, or None when caching is off.

    ``$FOOTFIT_CACHE``, else ``$XDG_CACHE_HOME/footfit``, else ``~/.cache/footfit``; None
    when ``FOOTFIT_CACHE`` is ``off`` (also ``0``, ``none``, ``no``) or there is no home
    folder to put it in.
    """
    root = os.environ.get("FOOTFIT_CACHE", "")
    if root.lower() in ("off", "0", "none", "no"):
        return None
    if not root:
        try:
            base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        except RuntimeError:  # no home folder (a bare container user): no cache
            return None
        root = str(Path(base) / "footfit")
    return Path(root)


def table_file(kind: str, *parts: bytes) -> Path | None:
    """Return the cache file of a table of ``kind`` made from ``parts`` (None when off).

    Parameters
    ----------
    kind : str
        A short name with the layout's version, e.g. ``'lasts-1'``.
    *parts : bytes
        Everything the checked table depends on: the file's bytes, the choices it was
        checked against.
    """
    root = cache_root()
    if root is None:
        return None
    h = hashlib.sha256(kind.encode())
    for part in parts:
        h.update(len(part).to_bytes(8, "little"))
        h.update(part)
    return root / "tables" / f"{kind}-{h.hexdigest()[:24]}.npy"


def read_table(file: Path | None, names: tuple[str, ...] | None = None) -> np.ndarray | None:
    """Return the structured array kept in ``file``.

    None when the file is absent or damaged, is not a 1-d structured array of at least one
    row, or its fields are not ``names`` (when given).
    """
    if file is None or not file.is_file():
        return None
    try:
        arr = np.load(file, allow_pickle=False)
    except (OSError, ValueError, TypeError, EOFError):
        return None
    if arr.dtype.names is None or arr.ndim != 1 or not len(arr):
        return None
    if names is not None and arr.dtype.names != names:
        return None
    return arr


def write_table(file: Path | None, arr: np.ndarray) -> None:
    """Keep ``arr`` in ``file`` (best effort: a read-only cache folder only costs time)."""
    if file is None:
        return
    try:
        from footfit._core.atomic import write_atomic

        buf = io.BytesIO()
        np.save(buf, arr, allow_pickle=False)
        file.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(file, [buf.getvalue()])
    except (OSError, ValueError, TypeError):
        return
