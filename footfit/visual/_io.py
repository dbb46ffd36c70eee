"""Atomic file writes for the report files (readers see the old file or the new, never half)."""

from __future__ import annotations

from pathlib import Path

from footfit._core.typing import PathType

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
    from footfit._core.atomic import write_atomic as write_chunks

    write_chunks(path, [data])
    return path
