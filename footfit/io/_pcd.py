"""PCD (Point Cloud Library) reader and writer: ASCII, binary and binary_compressed.

Why our own reader for ASCII and binary: open3d returns an empty cloud with a printed warning
for a truncated file, and trusts the header's POINTS count. Here the header is checked
against the file size first and the body read with one numpy call. binary_compressed
(LZF, field by field) is decompressed in Python (:mod:`footfit.io._lzf`), after the sizes in
the header and in the compressed block have been checked: open3d's C++ reader crashed the
process (a segmentation fault) on a compressed file whose normal fields were incomplete
(issue #16), and no untrusted bytes go to a C/C++ parser in footfit's process.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from footfit._core.typing import FloatArray
from footfit.io._common import RawScan, ScanFileError
from footfit.io._text import parse_numbers, write_table

__all__ = ["read_pcd", "write_pcd"]

_HEADER_LIMIT = 1 << 16
_KINDS = {"F": "f", "I": "i", "U": "u"}
_NORMALS = ("normal_x", "normal_y", "normal_z")


def _parse_header(head: bytes) -> tuple[dict[str, list[str]], int]:
    fields: dict[str, list[str]] = {}
    pos = 0
    while True:
        nl = head.find(b"\n", pos)
        if nl < 0:
            raise ScanFileError("corrupt PCD header (no DATA line)")
        words = head[pos:nl].decode("latin-1").split()
        pos = nl + 1
        if not words or words[0].startswith("#"):
            continue
        fields[words[0].upper()] = words[1:]
        if words[0].upper() == "DATA":
            return fields, pos


def _layout(hdr: dict) -> tuple:
    """Return the fields, counts, point count, DATA kind and record dtype of a PCD header."""
    try:
        names = hdr["FIELDS"]
        sizes = [int(s) for s in hdr["SIZE"]]
        kinds = [_KINDS[t.upper()] for t in hdr["TYPE"]]
        counts = [int(c) for c in hdr.get("COUNT", ["1"] * len(names))]
        if "POINTS" in hdr:
            n = int(hdr["POINTS"][0])
        else:
            n = int(hdr["WIDTH"][0]) * int(hdr["HEIGHT"][0])
        data = hdr["DATA"][0].lower()
        if not len(names) == len(sizes) == len(kinds) == len(counts) or n < 0:
            raise ScanFileError("corrupt PCD header (FIELDS/SIZE/TYPE/COUNT/POINTS)")
        if min(counts) < 1 or min(sizes) < 1:
            raise ScanFileError("corrupt PCD header (FIELDS/SIZE/TYPE/COUNT/POINTS)")
        dtype = np.dtype([
            (f"{name}__{i}" if name == "_" else name, f"<{k}{s}", (c,) if c > 1 else ())
            for i, (name, s, k, c) in enumerate(zip(names, sizes, kinds, counts, strict=True))
        ])
    except (KeyError, IndexError, ValueError, TypeError):
        raise ScanFileError("corrupt PCD header (FIELDS/SIZE/TYPE/COUNT/POINTS)") from None
    return names, counts, n, data, dtype


def _read_ascii(path: Path, offset: int, size: int, n: int, names, counts,
                max_points: int) -> dict:
    """Read the columns of an ASCII PCD body (refused unread when too large)."""
    # as for the point lists: a body too large to hold max_points rows is refused unread
    if size - offset > max(64 * max_points * max(sum(counts), 3), 1 << 20):
        raise ScanFileError(
            f"file is {size / 1e6:.0f} MB, more than `max_points`={max_points} ASCII "
            "points can take"
        )
    with open(path, "rb") as fh:
        fh.seek(offset)
        values = parse_numbers(fh.read().replace(b"\r", b""))
    width = sum(counts)
    if values is None:
        raise ScanFileError("corrupt PCD body (non-numeric values)")
    if values.size < n * width:
        raise ScanFileError(
            f"truncated PCD body (expected {n} points, found {values.size // width})"
        )
    flat = values[: n * width].reshape(n, width)
    starts = np.cumsum([0] + counts[:-1])
    return {name: flat[:, s] for name, s in zip(names, starts, strict=True)}


def read_pcd(path: Path, *, max_points: int) -> RawScan:
    """Read x, y, z (and normal_x/y/z when present) from a PCD file."""
    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(_HEADER_LIMIT)
    hdr, offset = _parse_header(head)
    names, counts, n, data, dtype = _layout(hdr)
    if not {"x", "y", "z"} <= set(names):
        raise ScanFileError("PCD file has no x, y, z fields")
    if n > max_points:
        raise ScanFileError(
            f"header declares {n} points, more than the ceiling max_points={max_points}"
        )
    remaining = size - offset
    if data == "ascii":
        cols = _read_ascii(path, offset, size, n, names, counts, max_points)
    elif data == "binary":
        if n * dtype.itemsize > remaining:
            raise ScanFileError(
                f"truncated PCD body (expected {n} points, found {remaining // dtype.itemsize})"
            )
        with open(path, "rb") as fh:
            fh.seek(offset)
            cols = np.fromfile(fh, dtype=dtype, count=n)
    elif data == "binary_compressed":
        return _read_compressed(path, head, offset, remaining, n, dtype, names)
    else:
        raise ScanFileError(f"corrupt PCD header (unknown DATA {data!r})")
    points = np.column_stack([cols[c] for c in ("x", "y", "z")]).astype(np.float64)
    normals = None
    if set(_NORMALS) <= set(names):
        normals = np.column_stack([cols[c] for c in _NORMALS]).astype(np.float64)
    return RawScan(points, normals, meta=_organized(hdr))


def _organized(hdr) -> dict:
    """Return the ``organized`` meta of a cloud with HEIGHT > 1 (one point per depth pixel).

    An organized cloud marks empty pixels NaN: the loader then drops them with a note.
    """
    try:
        width, height = int(hdr["WIDTH"][0]), int(hdr["HEIGHT"][0])
    except (KeyError, IndexError, ValueError):
        return {}
    return {"organized": f"{width}x{height}"} if height > 1 else {}


def _read_compressed(path, head, offset, remaining, n, dtype, names) -> RawScan:
    from footfit.io._lzf import lzf_decompress, lzf_max_ratio

    if remaining < 8:
        raise ScanFileError("truncated PCD body (no compressed block)")
    with open(path, "rb") as fh:
        fh.seek(offset)
        packed, unpacked = np.fromfile(fh, dtype="<u4", count=2).tolist()
        if packed > remaining - 8:
            raise ScanFileError(
                f"truncated PCD body (compressed block of {packed} bytes, {remaining - 8} "
                "present)"
            )
        need = n * dtype.itemsize
        if unpacked != need:
            raise ScanFileError(
                f"corrupt PCD body (compressed block unpacks to {unpacked} bytes, "
                f"{n} points need {need})"
            )
        if need > packed * lzf_max_ratio + 32:
            raise ScanFileError(
                f"corrupt PCD body (a compressed block of {packed} bytes cannot hold {n} points)"
            )
        block = fh.read(packed)
    data = lzf_decompress(block, need)
    # The block holds the fields one after the other (all x, then all y, ...), not records.
    cols, start = {}, 0
    for name in dtype.names:
        sub = dtype.fields[name][0]
        base, shape = sub.base, sub.shape
        count = int(np.prod(shape)) if shape else 1
        col = np.frombuffer(data, dtype=base, count=n * count, offset=start)
        cols[name] = col.reshape(n, count)[:, 0] if count > 1 else col
        start += n * base.itemsize * count
    points = np.column_stack([cols[c] for c in ("x", "y", "z")]).astype(np.float64)
    normals = None
    if set(_NORMALS) <= set(names):
        normals = np.column_stack([cols[c] for c in _NORMALS]).astype(np.float64)
    return RawScan(points, normals, meta=_organized(_parse_header(head)[0]))


def write_pcd(
    path: Path, points: FloatArray, normals: FloatArray | None, *, ascii: bool = False
) -> None:
    """Write a PCD v0.7 cloud of doubles (``x y z`` + ``normal_x normal_y normal_z``)."""
    names = ["x", "y", "z"] + ([] if normals is None else list(_NORMALS))
    k, n = len(names), points.shape[0]
    header = [
        "# .PCD v0.7 - Point Cloud Data file format (written by footfit)",
        "VERSION 0.7", "FIELDS " + " ".join(names), "SIZE" + " 8" * k, "TYPE" + " F" * k,
        "COUNT" + " 1" * k, f"WIDTH {n}", "HEIGHT 1", "VIEWPOINT 0 0 0 1 0 0 0",
        f"POINTS {n}", f"DATA {'ascii' if ascii else 'binary'}", "",
    ]
    write_table(path, "\n".join(header), points, normals, binary=not ascii)
