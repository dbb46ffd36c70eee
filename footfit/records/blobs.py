"""Scan files kept content-addressed beside a SQLite database.

A file lives at ``<folder>/<sha256[:2]>/<sha256>``, readable by its owner only. It is written
to a temporary name in the same folder, synced and renamed, so a reader never sees half a
file and a killed writer leaves at most a ``.in-*.tmp`` file that a later sweep removes.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["blob_path", "file_sha256", "keep_file", "stored_files", "suppress_missing",
           "sweep_files"]

_STALE_TMP_S = 3600  # a temporary copy this old was left by a killed writer


def file_sha256(path: str | os.PathLike[str]) -> str:
    """Return the SHA-256 hex digest of a file, read in 1 MB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def blob_path(folder: Path, sha256: str) -> Path:
    """Return the content address of ``sha256`` under ``folder``."""
    return folder / sha256[:2] / sha256


def keep_file(source: Path, target: Path) -> bool:
    """Copy ``source`` to ``target`` atomically unless it is there already.

    A racing copy writes the same bytes. Returns whether this call wrote the file.
    """
    if target.is_file():
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".in-", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
            while chunk := src.read(1 << 20):
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o600)  # personal data: owner only
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return True


def sweep_files(folder: Path, kept: set[str], wanted: set[str]) -> int:
    """Remove the files under ``folder`` whose hash is not in ``kept``.

    Stale temporary copies go too, and emptied sub-folders. Returns how many of the removed
    files were in ``wanted``.
    """
    removed = 0
    for sub in folder.iterdir():
        if not sub.is_dir():
            continue
        for f in sub.iterdir():
            if f.name.startswith(".in-"):
                if _age_s(f) > _STALE_TMP_S:
                    with suppress_missing():
                        f.unlink()
                continue
            if f.name not in kept:
                with suppress_missing():
                    f.unlink()
                    removed += f.name in wanted
        with suppress_missing(OSError):
            sub.rmdir()
    return removed


def stored_files(folder: Path | None) -> list[Path]:
    """Return every kept file under ``folder`` (temporary copies left out), sorted."""
    if folder is None or not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*/*") if not p.name.startswith(".in-"))


def _age_s(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return 0.0


@contextmanager
def suppress_missing(*extra: type[BaseException]) -> Iterator[None]:
    """Ignore a file that is already gone (and the ``extra`` exception types)."""
    try:
        yield
    except (FileNotFoundError, *extra):
        pass
