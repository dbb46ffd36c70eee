"""Atomic file writes for the report files (readers see the old file or the new, never half)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .._typing import PathType

__all__ = ["write_atomic"]


def write_atomic(path: PathType, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder.

    Raises
    ------
    FileNotFoundError
        If the folder of ``path`` does not exist (the message names it).
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(f"{path}: folder {folder} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path
