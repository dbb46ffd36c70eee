"""NumPy ``.npy`` / ``.npz`` scans.

``np.load`` allocates the shape a header declares before reading the data (and, for a
member of an ``.npz``, before decompressing it), so every header is checked against the bytes
really present first. Pickles are never loaded.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import Path

import numpy as np

from footfit._core.typing import FloatArray
from footfit.io._common import RawScan, ScanFileError, unit_normal_columns

__all__ = ["read_npy", "read_npz", "write_npy", "write_npz"]

_POINT_KEYS = ("points", "vertices", "xyz", "pts", "coords")
_NORMAL_KEYS = ("normals", "vertex_normals", "normal")
_FACE_KEYS = ("faces", "triangles", "tris")


def _load_checked(fh, available: int, what: str) -> np.ndarray:
    """Read one array from an open ``.npy`` stream after checking its header."""
    try:
        version = np.lib.format.read_magic(fh)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
        else:
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh)
    except Exception:  # numpy's header parser leaks ast/tokenize errors on garbage
        raise ScanFileError(f"corrupt {what} header (not written by numpy.save?)") from None
    if dtype.hasobject:
        raise ScanFileError(f"{what} holds Python objects; only numeric arrays are read")
    if dtype.kind not in "fiu" or dtype.itemsize not in (1, 2, 4, 8) or dtype.names:
        raise ScanFileError(f"{what} holds {dtype.str} values; only numbers are read")
    if (not isinstance(shape, tuple) or len(shape) > 2
            or not all(isinstance(s, int) and 0 <= s < 1 << 62 for s in shape)):
        shown = str(shape) if len(str(shape)) < 60 else str(shape)[:57] + "..."
        raise ScanFileError(f"corrupt {what} header (shape {shown}; expected (n, 3))")
    need = int(np.prod(shape, dtype=object)) * dtype.itemsize  # Python ints: no overflow
    body = available - fh.tell()
    if need > body:
        raise ScanFileError(
            f"truncated {what} (header declares shape {shape}: {need} bytes, {body} present)"
        )
    data = fh.read(need)
    order = "F" if fortran else "C"
    return np.frombuffer(data, dtype=dtype).reshape(shape, order=order)


def _split_columns(arr: np.ndarray, what: str) -> RawScan:
    if arr.ndim != 2 or arr.shape[1] < 3 or arr.dtype.kind not in "fiu":
        raise ScanFileError(f"{what} has shape {arr.shape} {arr.dtype}; expected (n, 3) numbers")
    table = arr.astype(np.float64)
    normals = None
    if table.shape[1] >= 6 and unit_normal_columns(table[:, 3:6]):
        normals = np.ascontiguousarray(table[:, 3:6])
    return RawScan(np.ascontiguousarray(table[:, :3]), normals)


def read_npy(path: Path, *, max_points: int) -> RawScan:
    """Read an ``(n, 3)`` array (``(n, 6)``: columns 3-5 are normals when of unit length)."""
    with open(path, "rb") as fh:
        arr = _load_checked(fh, path.stat().st_size, "NPY file")
    if arr.ndim >= 1 and arr.shape[0] > max_points:
        raise ScanFileError(
            f"{arr.shape[0]} points, more than the ceiling max_points={max_points}"
        )
    return _split_columns(arr, "NPY array")


def read_npz(path: Path, *, max_points: int) -> RawScan:
    """Read ``points`` (or ``vertices``/``xyz``), optional ``normals`` and ``faces``."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ScanFileError(f"corrupt NPZ archive ({exc})") from None
    with zf:
        members = {
            i.filename[:-4]: i for i in zf.infolist() if i.filename.endswith(".npy")
        }
        ceiling = max_points * 6 * 8 + 4096  # the largest array a scan within limits needs

        def load(key: str) -> np.ndarray:
            info = members[key]
            if info.file_size > ceiling:
                raise ScanFileError(
                    f"NPZ member {key!r} unpacks to {info.file_size} bytes, more than "
                    f"max_points={max_points} allows"
                )
            try:
                with zf.open(info) as fh:
                    raw = io.BytesIO(fh.read(info.file_size))
            except (zipfile.BadZipFile, zlib.error, NotImplementedError, OSError,
                    EOFError, RuntimeError) as exc:  # RuntimeError: encrypted member
                raise ScanFileError(f"corrupt NPZ member {key!r} ({exc})") from None
            return _load_checked(raw, info.file_size, f"NPZ member {key!r}")

        key = next((k for k in _POINT_KEYS if k in members), None)
        if key is None and len(members) == 1:
            key = next(iter(members))
        if key is None:
            raise ScanFileError(
                f"NPZ archive has no 'points' array (has: {', '.join(sorted(members)) or 'none'})"
            )
        raw = _split_columns(load(key), f"NPZ array {key!r}")
        if raw.points.shape[0] > max_points:
            raise ScanFileError(
                f"{raw.points.shape[0]} points, more than the ceiling max_points={max_points}"
            )
        nkey = next((k for k in _NORMAL_KEYS if k in members), None)
        if nkey is not None:
            normals = load(nkey)
            if normals.shape != raw.points.shape:
                raise ScanFileError(
                    f"NPZ normals have shape {normals.shape}, points {raw.points.shape}"
                )
            raw.normals = normals.astype(np.float64)
        fkey = next((k for k in _FACE_KEYS if k in members), None)
        if fkey is not None:
            faces = load(fkey)
            if faces.ndim != 2 or faces.shape[1] != 3 or faces.dtype.kind not in "iu":
                raise ScanFileError(f"NPZ faces have shape {faces.shape} {faces.dtype}")
            raw.faces = faces.astype(np.intp)
    return raw


def _npy_bytes(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=False)
    return buf.getvalue()


def write_npy(path: Path, points: FloatArray, normals: FloatArray | None) -> None:
    """Write ``(n, 3)`` points, or ``(n, 6)`` points and normals."""
    from footfit._core.atomic import write_atomic  # writers only (it imports uuid)

    table = points if normals is None else np.hstack([points, normals])
    write_atomic(path, [_npy_bytes(np.ascontiguousarray(table, dtype=np.float64))])


def write_npz(path: Path, points: FloatArray, normals: FloatArray | None) -> None:
    """Write a compressed archive with ``points`` and, if given, ``normals``."""
    from footfit._core.atomic import write_atomic

    buf = io.BytesIO()
    arrays = {"points": points} if normals is None else {"points": points, "normals": normals}
    np.savez_compressed(buf, **arrays)
    write_atomic(path, [buf.getvalue()])
