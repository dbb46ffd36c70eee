"""The batch's results file, ``results.jsonl``: appended record by record, read back repaired.

Below every front end and the records store, so that each of them writes a report, a mesh or
a summary the same way (readers see the old file or the new one, never half) and reads a
batch's ``results.jsonl`` with the same repair of a torn last line. Standard library only.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

__all__ = ["RESULTS_NAME", "append_record", "iter_records"]

#: The JSON-lines file of a batch output folder: one record per scan.
RESULTS_NAME = "results.jsonl"


def _cut_torn_line(results: Path) -> None:
    """Cut a half-written last line (an interrupted append) off ``results``."""
    with open(results, "r+b") as fh:
        size = fh.seek(0, os.SEEK_END)
        if not size:
            return
        fh.seek(size - 1)
        if fh.read(1) == b"\n":
            return
        # find the last newline from the end, a block at a time
        pos, cut = size, 0
        while pos > 0:
            start = max(0, pos - 65536)
            fh.seek(start)
            block = fh.read(pos - start)
            i = block.rfind(b"\n")
            if i >= 0:
                cut = start + i + 1
                break
            pos = start
        fh.truncate(cut)


def iter_records(results: Path) -> Iterator[dict[str, Any]]:
    """Yield the records of ``results.jsonl`` line by line, repairing a torn last line.

    An interrupted write can leave half a line at the end: it is cut off (the file stays
    valid JSON lines) before reading. Lines that are not a JSON object with a ``key`` are
    passed over.
    """
    if not results.exists():
        return
    _cut_torn_line(results)
    with open(results, encoding="utf-8") as fh:
        for line in fh:
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(rec, dict) and "key" in rec:
                yield rec


def append_record(fh: IO[str], rec: Mapping[str, Any]) -> None:
    """Append one record to an open ``results.jsonl`` as one line, flushed to disk."""
    fh.write(json.dumps(rec, ensure_ascii=False, allow_nan=False) + "\n")
    fh.flush()
    os.fsync(fh.fileno())
