"""PLY reader and writer (ASCII and binary, point cloud or mesh).

Why our own reader rather than open3d's or trimesh's: on a truncated binary PLY, open3d
prints a warning to the terminal and still returns a cloud of the size the header declares,
the missing part filled with zeros (tested with open3d 0.19/0.20), so the caller cannot tell
a bad file from a good one; and a reader that allocates what the header claims before
reading exhausts memory on a header claiming 10^12 vertices. Here the header is parsed
first, the body size it implies is checked against the real file size, and the vertex block
is read with one ``np.fromfile`` of a structured dtype.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from footfit._core.typing import FloatArray
from footfit.io._common import RawScan, ScanFileError
from footfit.io._mesh import face_indices
from footfit.io._text import parse_numbers, write_table

__all__ = ["read_ply", "write_ply"]

_HEADER_LIMIT = 1 << 20  # a PLY header longer than 1 MB is not a scan
_TYPES = {
    "char": "i1", "int8": "i1", "uchar": "u1", "uint8": "u1",
    "short": "i2", "int16": "i2", "ushort": "u2", "uint16": "u2",
    "int": "i4", "int32": "i4", "uint": "u4", "uint32": "u4",
    "float": "f4", "float32": "f4", "double": "f8", "float64": "f8",
}  # fmt: skip
_NORMALS = ("nx", "ny", "nz")
_NORMAL_NAMES = (_NORMALS, ("normal_x", "normal_y", "normal_z"))  # PCL writes the latter


@dataclass
class _Element:
    name: str
    count: int
    props: list[tuple[str, str, str | None]]  # (name, value type, list count type or None)

    @property
    def has_lists(self) -> bool:
        return any(p[2] is not None for p in self.props)

    def dtype(self, order: str, list_len: int = 3) -> np.dtype:
        fields = []
        for name, vtype, ctype in self.props:
            if ctype is None:
                fields.append((name, order + vtype))
            else:
                fields.append((name + "__n", order + ctype))
                fields.append((name, order + vtype, (list_len,)))
        return np.dtype(fields)


def _header_line(words: list[str], raw: str, elements: list[_Element]) -> str | None:
    """Apply one header line (an element or a property) to ``elements``; return a format."""
    if words[0] == "format":
        return words[1]
    if words[0] == "element":
        count = int(words[2])
        if count < 0:
            raise ScanFileError(f"corrupt PLY header line {raw.strip()[:60]!r}")
        elements.append(_Element(words[1], count, []))
    elif words[0] == "property":
        if words[1] == "list":
            prop = (words[4], _TYPES[words[3]], _TYPES[words[2]])
            if prop[2][0] == "f" or (elements[-1].name == "face" and prop[1][0] == "f"):
                raise ScanFileError(  # a count or a corner index is an integer
                    f"corrupt PLY header line {raw.strip()[:60]!r} (list of "
                    f"{words[3]} counted by {words[2]}: both must be integer types)"
                )
        else:
            prop = (words[2], _TYPES[words[1]], None)
        elements[-1].props.append(prop)
    else:
        raise ScanFileError(f"corrupt PLY header line {raw.strip()[:60]!r}")
    return None


def _parse_header(fh) -> tuple[str, list[_Element], int]:
    """Read a PLY header: its format, elements (with properties) and the body's offset."""
    head = fh.read(_HEADER_LIMIT)
    if not head.startswith(b"ply"):
        raise ScanFileError("not a PLY file (does not start with 'ply')")
    end = head.find(b"end_header")
    if end < 0:
        raise ScanFileError("corrupt PLY header (no end_header in the first 1 MB)")
    nl = head.find(b"\n", end)
    if nl < 0:
        raise ScanFileError("truncated PLY header (nothing after end_header)")
    fmt = None
    elements: list[_Element] = []
    for raw in head[:end].decode("latin-1").splitlines()[1:]:
        words = raw.split()
        if not words or words[0] in ("comment", "obj_info"):
            continue
        try:
            fmt = _header_line(words, raw, elements) or fmt
        except ScanFileError:
            raise
        except (IndexError, KeyError, ValueError):
            raise ScanFileError(f"corrupt PLY header line {raw.strip()[:60]!r}") from None
    if fmt not in ("ascii", "binary_little_endian", "binary_big_endian"):
        raise ScanFileError(f"corrupt PLY header (unknown format {fmt!r})")
    return fmt, elements, nl + 1


def read_ply(path: Path, *, max_points: int) -> RawScan:
    """Read vertices (x, y, z and nx, ny, nz when present) and triangle faces of a PLY file."""
    size = path.stat().st_size
    with open(path, "rb") as fh:
        fmt, elements, offset = _parse_header(fh)
        names = [e.name for e in elements]
        if "vertex" not in names:
            raise ScanFileError("PLY file has no vertex element")
        vertex = elements[names.index("vertex")]
        vnames = [p[0] for p in vertex.props]
        if not {"x", "y", "z"} <= set(vnames):
            raise ScanFileError("PLY vertex element lacks x, y or z")
        if vertex.has_lists:
            raise ScanFileError("PLY vertex element with list properties is not supported")
        if vertex.count > max_points:
            raise ScanFileError(
                f"header declares {vertex.count} vertices, more than the ceiling "
                f"max_points={max_points}"
            )
        faces_el = next((e for e in elements if e.name == "face"), None)
        if faces_el is not None and faces_el.count > 4 * max(vertex.count, 1):
            # a mesh has about 2 faces per vertex; a header claiming far more would make
            # the readers allocate and walk per declared face (issue #16)
            raise ScanFileError(
                f"header declares {faces_el.count} faces for {vertex.count} vertices "
                "(a mesh has about 2 per vertex)"
            )
        if fmt == "ascii":
            fh.seek(offset)
            body = fh.read()
            table, faces = _read_ascii_body(body, elements)
        else:
            order = "<" if fmt == "binary_little_endian" else ">"
            table, faces = _read_binary_body(fh, elements, order, offset, size)
    points = _columns(table, ("x", "y", "z"))
    names = next((n for n in _NORMAL_NAMES if set(n) <= set(vnames)), None)
    normals = _columns(table, names) if names else None
    return RawScan(points, normals, faces)


def _columns(table, names) -> FloatArray:
    """Stack three columns as a C-contiguous (n, 3) float64 array (one copy)."""
    if isinstance(table, dict):
        return np.column_stack([table[c] for c in names]).astype(np.float64)
    from numpy.lib import recfunctions

    block = recfunctions.structured_to_unstructured(table[list(names)])
    return np.ascontiguousarray(block, dtype=np.float64)


def _read_binary_body(fh, elements, order, offset, size):
    table = faces = None
    for el in elements:
        remaining = size - offset
        if el.name == "vertex":
            dt = el.dtype(order)
            if el.count * dt.itemsize > remaining:
                raise ScanFileError(
                    f"truncated PLY body (expected {el.count} vertices, found "
                    f"{remaining // dt.itemsize})"
                )
            fh.seek(offset)
            table = np.fromfile(fh, dtype=dt, count=el.count)
            offset += el.count * dt.itemsize
        elif el.name == "face" and table is not None:
            faces = _read_binary_faces(fh, el, order, offset, remaining)
            break
        elif el.has_lists:
            if table is not None:
                break  # an element after the vertices we do not need
            raise ScanFileError(f"PLY element {el.name!r} with lists before the vertices")
        else:
            offset += el.count * el.dtype(order).itemsize
    return table, faces


def _read_binary_faces(fh, el, order, offset, remaining):
    lists = [p for p in el.props if p[2] is not None]
    if len(lists) != 1 or lists[0][0] not in ("vertex_indices", "vertex_index"):
        return None
    name = lists[0][0]
    # Faces of one polygon size k have a fixed record size: read them all at once, trying
    # the size of the first face. Mixed polygon sizes are rare in scans: refuse them.
    head = el.dtype(order, 0)
    if el.count * head.itemsize > remaining:  # even with empty lists it cannot fit
        raise ScanFileError(
            f"truncated PLY body (expected {el.count} faces, found at most "
            f"{remaining // head.itemsize})"
        )
    fh.seek(offset)
    first = np.fromfile(fh, dtype=head, count=1)
    if el.count == 0:
        return np.zeros((0, 3), dtype=np.intp)
    if first.size == 0:
        raise ScanFileError(f"truncated PLY body (expected {el.count} faces, found 0)")
    k = int(first[name + "__n"][0])
    if k < 3:
        raise ScanFileError(f"corrupt PLY face (a face with {k} vertices)")
    if k * np.dtype(lists[0][1]).itemsize > remaining:  # before a dtype of k corners is made
        raise ScanFileError(f"corrupt PLY face (a face with {k} vertices; the file ends first)")
    dt = el.dtype(order, k)
    fh.seek(offset)
    if el.count * dt.itemsize <= remaining:
        rec = np.fromfile(fh, dtype=dt, count=el.count)
        if (rec[name + "__n"] == k).all():
            return _fan(rec[name].astype(np.intp))
    fh.seek(offset)
    return _mixed_binary_faces(fh.read(remaining), el, order)


def _mixed_binary_faces(buf: bytes, el, order) -> np.ndarray:
    """Faces of mixed polygon sizes: walk the records (each one's size depends on its count).

    This is the one loop over faces in the readers, for the rare mesh mixing quads and
    triangles; every step is bounded by the bytes present, and the corners are then gathered
    and fanned with numpy.
    """
    before = after = 0
    ctype = itype = ""
    for _name, vtype, cnt in el.props:
        if cnt is not None:
            ctype, itype = cnt, vtype
        elif ctype:
            after += np.dtype(vtype).itemsize
        else:
            before += np.dtype(vtype).itemsize
    csize, isize = np.dtype(ctype).itemsize, np.dtype(itype).itemsize
    big = order == ">"
    starts = np.zeros(el.count, dtype=np.intp)
    counts = np.zeros(el.count, dtype=np.intp)
    pos, end = 0, len(buf)
    for i in range(el.count):
        at = pos + before
        if at + csize > end:
            raise ScanFileError(f"truncated PLY body (expected {el.count} faces, found {i})")
        k = int.from_bytes(buf[at : at + csize], "big" if big else "little")
        starts[i], counts[i] = at + csize, k
        pos = at + csize + k * isize + after
        if pos > end:
            raise ScanFileError(f"truncated PLY body (expected {el.count} faces, found {i})")
    if (counts < 3).any():
        raise ScanFileError(f"corrupt PLY face (a face with {int(counts.min())} vertices)")
    first = np.repeat(starts, counts) + _ramp(counts) * isize
    raw = np.frombuffer(buf, dtype=np.uint8)
    corners = raw[first[:, None] + np.arange(isize)].copy().view(order + itype).ravel()
    return fan_polygons(corners.astype(np.intp), counts)


def _ramp(counts: np.ndarray) -> np.ndarray:
    """0, 1, ..., c-1 for each c in ``counts``, concatenated."""
    ends = np.cumsum(counts)
    return np.arange(int(ends[-1]) if counts.size else 0) - np.repeat(ends - counts, counts)


def fan_polygons(corners: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Triangulate polygons given as concatenated corners and corner counts (fans).

    Polygon ``p`` with corners ``c0..ck`` gives triangles ``(c0, cj, cj+1)``, j = 1..k-2.
    """
    ntri = counts - 2
    firsts = np.cumsum(counts) - counts
    base = np.repeat(firsts, ntri)
    j = _ramp(ntri) + 1
    return np.column_stack([corners[base], corners[base + j], corners[base + j + 1]])


def _fan(polys):
    """Triangulate (m, k) convex polygons as fans from their first corner."""
    k = polys.shape[1]
    if k == 3:
        return np.ascontiguousarray(polys)
    counts = np.full(polys.shape[0], k, dtype=np.intp)
    return fan_polygons(polys.ravel(), counts)


def _read_ascii_body(body: bytes, elements):
    # Newline offsets (one bool per byte, one int per line) let us slice whole element
    # blocks and parse each with one C call.
    body = body.replace(b"\r", b"")
    ends = np.flatnonzero(np.frombuffer(body, dtype=np.uint8) == 10)
    line = 0
    table = faces = None
    tail = len(body) > (int(ends[-1]) + 1 if len(ends) else 0)
    available = len(ends) + int(tail)

    def block(count):
        nonlocal line
        start = 0 if line == 0 else int(ends[min(line, len(ends)) - 1]) + 1
        first, line = line, line + count
        if count == 0:
            return b"", 0
        if line > available:
            return None, max(available - first, 0)
        stop = int(ends[line - 1]) if line - 1 < len(ends) else len(body)
        return body[start:stop], count

    for el in elements:
        text, got = block(el.count)
        if el.name == "vertex":
            if text is None:
                raise ScanFileError(
                    f"truncated PLY body (expected {el.count} vertices, found {got})"
                )
            values = parse_numbers(text)
            nprop = len(el.props)
            if values is None or values.size != el.count * nprop:
                raise ScanFileError(
                    f"corrupt PLY body (vertex lines are not {nprop} numbers each)"
                )
            values = values.reshape(el.count, nprop)
            table = {p[0]: values[:, i] for i, p in enumerate(el.props)}
        elif el.name == "face" and table is not None:
            if text is None:
                raise ScanFileError(f"truncated PLY body (expected {el.count} faces, found {got})")
            faces = _ascii_faces(text, el.count)
            break
        elif text is None:
            raise ScanFileError(f"truncated PLY body (element {el.name!r})")
    return table, faces


def _ascii_faces(text: bytes, count: int):
    values = parse_numbers(text)
    if values is None:
        raise ScanFileError("corrupt PLY body (face lines are not numbers)")
    if count == 0:
        return np.zeros((0, 3), dtype=np.intp)
    k = int(face_indices(values[:1])[0]) if values.size else 0
    if k >= 3 and values.size == count * (k + 1):
        rec = values.reshape(count, k + 1)
        if (rec[:, 0] == k).all():
            return _fan(face_indices(rec[:, 1:]))
    # Mixed polygon sizes: one face per line, its first number the corner count.
    lines = [line.split() for line in text.split(b"\n") if line.strip()]
    if len(lines) != count:
        raise ScanFileError(f"corrupt PLY body (expected {count} face lines, found {len(lines)})")
    try:
        counts = np.array([int(t[0]) for t in lines], dtype=np.intp)
    except ValueError:
        raise ScanFileError("corrupt PLY body (a face count is not an integer)") from None
    if (counts < 3).any():
        raise ScanFileError(f"corrupt PLY face (a face with {int(counts.min())} vertices)")
    if int(counts.sum()) > len(text):  # every corner takes at least two characters
        raise ScanFileError("corrupt PLY body (face counts larger than the file)")
    try:
        corners = face_indices([float(v) for t, c in zip(lines, counts.tolist(), strict=True)
                                for v in t[1 : 1 + c]])
    except ValueError:
        raise ScanFileError("corrupt PLY body (a face index is not an integer)") from None
    if corners.size != counts.sum():
        raise ScanFileError("corrupt PLY body (a face line has fewer indices than its count)")
    return fan_polygons(corners, counts)


def write_ply(
    path: Path, points: FloatArray, normals: FloatArray | None, *, ascii: bool = False
) -> None:
    """Write a PLY point cloud: ``double x y z`` (+ ``double nx ny nz``), binary LE or ASCII.

    Doubles keep the coordinates exactly, so a saved cloud loads back bit for bit.
    """
    names = ["x", "y", "z"] + ([] if normals is None else list(_NORMALS))
    header = ["ply", f"format {'ascii' if ascii else 'binary_little_endian'} 1.0",
              "comment written by footfit", f"element vertex {points.shape[0]}"]
    header += [f"property double {n}" for n in names] + ["end_header", ""]
    write_table(path, "\n".join(header), points, normals, binary=not ascii)
