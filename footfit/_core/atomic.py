"""Atomic file writes: a reader sees the old file or the new one, never half of it."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable
from pathlib import Path

__all__ = ["write_atomic", "write_text_atomic"]


def write_atomic(path: Path, chunks: Iterable[bytes]) -> None:
    """Write an iterable of bytes chunks to ``path`` through a temporary file in its folder.

    A reader never sees a half-written file, and a failed write leaves no partial file. The
    temporary file is created with mode 0666, so the umask decides the final mode as for any
    file ``open()`` makes (``mkstemp`` would make it owner-only), and an ``OSError`` names
    ``path``, not the temporary file. The one writer behind scans, reports and summaries.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    tmp = folder / f".{path.name}.{uuid.uuid4().hex}.tmp"
    done = False
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, "wb") as fh:
            for chunk in chunks:
                fh.write(chunk)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        done = True
    except OSError as exc:
        raise type(exc)(exc.errno, exc.strerror or str(exc), str(path)) from exc
    finally:
        if not done and tmp.exists():
            tmp.unlink()


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically (see :func:`write_atomic`)."""
    write_atomic(Path(path), [text.encode("utf-8")])
