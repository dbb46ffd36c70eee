"""ASCII point lists (XYZ, ASC, TXT, CSV) and the text helpers PLY, PCD and OFF share.

Why not open3d's XYZ reader: it accepts only whitespace-separated ``x y z`` (``.xyzn`` for
normals), stops silently at the first bad line and returns an empty cloud on errors, so a
truncated or commented file loads as a smaller scan without notice. numpy's C parser
(``np.fromstring(sep=" ")``) reads the whole body in one call at about the same speed, and
raises on anything that is not a number.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from footfit._core.typing import FloatArray
from footfit.io._common import RawScan, ScanFileError, read_all_bytes, unit_normal_columns

__all__ = ["format_rows", "parse_numbers", "read_points_text", "write_points_text"]

# A line that starts a comment in the point-list dialects we have seen (# and // from
# scanner software, % from MATLAB exports, ; from some CAD tools).
_COMMENT = re.compile(rb"^[ \t]*(#|//|%|;)[^\n]*", re.MULTILINE)
_SEPARATORS = bytes.maketrans(b",;\t", b"   ")
_HEADER_SCAN_LINES = 50
_NORMAL_NAMES = (("nx", "ny", "nz"), ("normal_x", "normal_y", "normal_z"), ("i", "j", "k"))


def parse_numbers(block: bytes) -> FloatArray | None:
    """Parse whitespace-separated numbers; ``None`` if anything else is in ``block``."""
    try:
        return np.fromstring(block, sep=" ")  # noqa: NPY201 (text mode is not deprecated)
    except ValueError:
        return None


def _count_rows(body: bytes, max_points: int) -> int | None:
    """Return the non-blank lines of ``body`` when they could exceed ``max_points``, else None.

    Raises when they do. The exact count (two-byte searches, ~5 ms of a 3.5 MB scan) is
    made only when the newlines alone pass the ceiling.
    """
    if body.count(b"\n") + 1 <= max_points:
        return None
    lines = _nonblank_lines(body)
    if lines > max_points:
        raise ScanFileError(f"{lines} points, more than the ceiling max_points={max_points}")
    return lines


def _nonblank_lines(body: bytes) -> int:
    """Return the lines of ``body`` less the empty ones (lines of spaces count)."""
    lines = body.count(b"\n") + (not body.endswith(b"\n")) - body.count(b"\n\n")
    return lines - body.startswith(b"\n")


def _parse_rows(body: bytes, ncols: int) -> FloatArray | None:
    """Return the ``(rows, ncols)`` table of ``body``; None if a line is not ``ncols`` numbers.

    numpy's ``loadtxt`` C reader parses a 58k-row, 6-column scan in ~70 ms against ~85 ms
    for ``np.fromstring``, and checks every line's length as it goes. The numbers it accepts
    are a subset of ``np.fromstring``'s (the same values, bit for bit; it refuses
    ``nan(123)``), blank lines and lines of spaces are skipped; anything it refuses goes
    the old way (the flat parse, then the line-by-line check that names the bad line).
    """
    import io

    try:
        table = np.loadtxt(io.BytesIO(body), dtype=np.float64, comments=None, ndmin=2)
    except ValueError:
        return None
    return table if table.shape[1] == ncols and table.shape[0] else None


def _is_numeric_line(tokens: list[bytes]) -> bool:
    try:
        [float(t) for t in tokens]
    except ValueError:
        return False
    return bool(tokens)


def read_points_text(path: Path, *, max_points: int) -> RawScan:
    """Read a point list with 3 (x y z) or more columns, whitespace or comma separated.

    Leading header lines (column names, scanner banners) and comment lines are skipped. With
    a header naming ``x, y, z`` (and ``nx, ny, nz`` or ``normal_x...``), those columns are
    used; otherwise columns 0-2 are the coordinates and columns 3-5 are normals when they
    have unit length (colours or intensities are ignored).
    """
    # Scanners write numbers of at most ~25 characters: 64 bytes a coordinate refuses, before
    # reading, a file too large to hold max_points rows of reasonable width.
    data = read_all_bytes(path, limit=max(64 * max_points * 3, 1 << 20))
    if data.startswith(b"\xef\xbb\xbf"):  # UTF-8 byte-order mark of Windows exports
        data = data[3:]
    # one-byte searches first (memchr): the two-byte search for "//" alone took ~3.5 ms of a
    # 3.5 MB file, and only a file with a "/" needs it
    if b"#" in data or b"%" in data or b";" in data or (b"/" in data and b"//" in data):
        data = _COMMENT.sub(b"", data)
    if any(c in data for c in (b",", b";", b"\t", b"\r")):
        data = data.translate(_SEPARATORS, b"\r")
    head_end, names, ncols = _find_header(data)
    if ncols < 3:
        raise ScanFileError(f"rows have {ncols} columns; a point list needs x y z")
    body = data[head_end:] if head_end else data
    lines = _count_rows(body, max_points)
    first_line = data[:head_end].count(b"\n") + 1  # comment lines are kept as blank lines
    table = _parse_rows(body, ncols)
    if table is None:  # a row that is not ncols numbers: the flat parse and the slow check
        flat = parse_numbers(body)
        if flat is None or flat.size % ncols:
            _check_rows(body, ncols, first_line)
            raise ScanFileError(f"rows are not {ncols} numbers each")
        table = flat.reshape(-1, ncols)
        # Every row must be one line: the non-blank lines (blank ones are what comment
        # removal leaves; lines of spaces are counted, and sorted out by the slow check).
        if (lines if lines is not None else _nonblank_lines(body)) != table.shape[0]:
            _check_rows(body, ncols, first_line)
    xyz_cols, n_cols = _columns(names, ncols)
    points = np.ascontiguousarray(table[:, xyz_cols])
    normals = None
    if n_cols is not None:
        normals = np.ascontiguousarray(table[:, n_cols])
    elif ncols >= 6 and unit_normal_columns(table[:, 3:6]):
        normals = np.ascontiguousarray(table[:, 3:6])
    return RawScan(points, normals)


def _find_header(data: bytes) -> tuple[int, list[str] | None, int]:
    """Return where the rows start, the header's column names and the columns per row.

    The header is the lines before the first all-numeric line (at most
    ``_HEADER_SCAN_LINES`` are looked at).
    """
    head_end = 0
    names: list[str] | None = None
    ncols = 0
    for _ in range(_HEADER_SCAN_LINES):
        nl = data.find(b"\n", head_end)
        line = data[head_end : nl if nl >= 0 else len(data)]
        tokens = line.split()
        if _is_numeric_line(tokens):
            ncols = len(tokens)
            break
        if tokens:
            names = [t.decode("latin-1").strip("\"'").lower() for t in tokens]
        if nl < 0:
            break
        head_end = nl + 1
    if ncols == 0:
        if not data[head_end:].strip():
            raise ScanFileError("no numeric rows found (empty point list)")
        raise ScanFileError(
            f"no numeric rows in the first {_HEADER_SCAN_LINES} lines (not a point list?)"
        )
    return head_end, names, ncols


def _columns(names: list[str] | None, ncols: int) -> tuple[list[int], list[int] | None]:
    if names is None or len(names) != ncols or not {"x", "y", "z"} <= set(names):
        return [0, 1, 2], None
    xyz = [names.index(c) for c in ("x", "y", "z")]
    for triple in _NORMAL_NAMES:
        if set(triple) <= set(names):
            return xyz, [names.index(c) for c in triple]
    return xyz, None


def _check_rows(body: bytes, ncols: int, first_line: int) -> None:
    """Raise naming the first line that is not ``ncols`` numbers (slow path, odd files only)."""
    for i, line in enumerate(body.split(b"\n"), start=first_line):
        tokens = line.split()
        if not tokens:
            continue
        if len(tokens) != ncols or not _is_numeric_line(tokens):
            shown = line.strip()[:60].decode("latin-1")
            raise ScanFileError(
                f"line {i} is not {ncols} numbers like the first data row: {shown!r}"
            )


def format_rows(table: FloatArray, sep: str = " ", *, chunk: int = 200_000) -> Iterator[bytes]:
    """Yield ``table`` as text rows, every float written so that it reads back exactly.

    ``%r`` gives Python's shortest repr that round-trips a float64; formatting a whole chunk
    with one ``%`` keeps the loop over rows in C.
    """
    ncols = table.shape[1]
    row = sep.join(["%r"] * ncols) + "\n"
    for start in range(0, table.shape[0], chunk):
        part = table[start : start + chunk]
        yield ((row * part.shape[0]) % tuple(part.ravel().tolist())).encode("ascii")


def write_table(
    path: Path,
    header: str,
    points: FloatArray,
    normals: FloatArray | None,
    *,
    binary: bool,
    sep: str = " ",
    chunk: int = 500_000,
) -> None:
    """Write ``header`` then the ``x y z [nx ny nz]`` table, as text or little-endian doubles.

    The one writer behind PLY, PCD and point lists: rows go out in chunks (no full-size copy
    of the text or the bytes) through an atomic rename.
    """
    from footfit._core.atomic import write_atomic

    table = points if normals is None else np.hstack([points, normals])
    table = np.ascontiguousarray(table, dtype="<f8")

    def chunks() -> Iterator[bytes]:
        yield header.encode("ascii")
        if not binary:
            yield from format_rows(table, sep)
            return
        for i in range(0, table.shape[0], chunk):
            yield table[i : i + chunk].tobytes()

    write_atomic(path, chunks())


def write_points_text(
    path: Path, points: FloatArray, normals: FloatArray | None, *, csv: bool
) -> None:
    """Write ``x y z [nx ny nz]`` rows; CSV files get a header row naming the columns."""
    header = ""
    if csv:
        names = ["x", "y", "z"] + ([] if normals is None else ["nx", "ny", "nz"])
        header = ",".join(names) + "\n"
    write_table(path, header, points, normals, binary=False, sep="," if csv else " ")
