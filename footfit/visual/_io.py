"""Atomic file writes for the report files (readers see the old file or the new, never half)."""

from __future__ import annotations

import os
import uuid
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
    # os.open with mode 0o666 lets the umask decide, as for any file the user writes
    # (mkstemp would make it owner-only)
    tmp = str(folder / f".{path.name}.{uuid.uuid4().hex}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
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
