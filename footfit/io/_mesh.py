"""Mesh scans (STL, OFF, OBJ; PLY and NPZ meshes too): vertices, outward normals, samples.

Why our own STL / OFF / OBJ readers rather than trimesh's (4.x/5.x): trimesh returns an
empty Scene instead of raising for a truncated binary STL or a garbage OBJ, raises bare
numpy errors ("setting an array element with a sequence") for a truncated OFF or OBJ, and
merges and reorders vertices unless told not to. These formats are simple enough to read
with a size check and one numpy call per block, and to report what is wrong in the file.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from footfit._core.typing import FloatArray, IntArray
from footfit.io._common import RawScan, ScanFileError, loading_params, read_all_bytes
from footfit.io._text import parse_numbers

__all__ = ["face_indices", "prepare_mesh", "read_obj", "read_off", "read_stl"]

_STL_RECORD = np.dtype([("normal", "<f4", (3,)), ("v", "<f4", (3, 3)), ("attr", "<u2")])
_STL_VERTEX = re.compile(rb"vertex\s+(\S+)\s+(\S+)\s+(\S+)")


def read_stl(path: Path, *, max_points: int) -> RawScan:
    """Read an ASCII or binary STL as corner vertices and triangles (merged later)."""
    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(84)
    n = int(np.frombuffer(head[80:84], "<u4")[0]) if len(head) == 84 else -1
    binary = n >= 0 and 84 + 50 * n == size
    if not binary and head.lstrip()[:5].lower() != b"solid":
        if n < 0:
            raise ScanFileError("truncated STL (shorter than the 84-byte binary header)")
        if 84 + 50 * n > size:
            raise ScanFileError(
                f"truncated binary STL (header declares {n} triangles, found {(size - 84) // 50})"
            )
        binary = True  # trailing bytes after the triangles: read what the header declares
    if binary:
        if n > 2 * max_points:
            raise ScanFileError(
                f"{n} triangles, more than max_points={max_points} allows (2 per point)"
            )
        with open(path, "rb") as fh:
            fh.seek(84)
            rec = np.fromfile(fh, dtype=_STL_RECORD, count=n)
        corners = rec["v"].reshape(-1, 3)  # merged as float32: half the bytes to sort
    else:
        data = read_all_bytes(path, limit=max(200 * max_points, 1 << 20))
        if b"endsolid" not in data[-4096:].lower():
            raise ScanFileError("truncated ASCII STL (no 'endsolid' at the end)")
        found = _STL_VERTEX.findall(data)
        if len(found) % 3:
            raise ScanFileError(f"corrupt ASCII STL ({len(found)} vertices, not 3 per facet)")
        try:
            corners = np.array(found, dtype=np.float64).reshape(-1, 3)
        except ValueError:
            raise ScanFileError("corrupt ASCII STL (a vertex is not three numbers)") from None
    faces = np.arange(corners.shape[0], dtype=np.intp).reshape(-1, 3)
    points, faces = merge_vertices(corners, faces)
    return RawScan(points.astype(np.float64), None, faces,
                   meta={"stl_corners": corners.shape[0]})


def merge_vertices(points: FloatArray, faces: IntArray) -> tuple[FloatArray, IntArray]:
    """Merge bit-identical vertices (STL repeats each corner), keeping first-seen order.

    A stable lexicographic sort of the coordinates' bit patterns (twice as fast as
    ``np.unique(axis=0)`` on 1M corners) puts copies next to each other.
    """
    if points.shape[0] == 0:
        return points, faces
    points = np.ascontiguousarray(points)
    bits = points.view(np.uint32 if points.itemsize == 4 else np.uint64).reshape(-1, 3)
    order = np.lexsort((bits[:, 2], bits[:, 1], bits[:, 0]))
    ordered = bits[order]
    new = np.ones(order.size, dtype=bool)
    new[1:] = (ordered[1:] != ordered[:-1]).any(axis=1)
    group = np.cumsum(new) - 1
    first = order[new]  # stable sort: the first copy of each vertex in file order
    rank = np.zeros(first.size, dtype=np.intp)
    rank[np.argsort(first)] = np.arange(first.size)
    inverse = np.zeros(order.size, dtype=np.intp)
    inverse[order] = rank[group]
    return points[np.sort(first)], inverse[faces]


def face_indices(values: np.ndarray) -> IntArray:
    """Face indices parsed as floats, as integers: NaN, inf, 1e300 or 1.5 is a corrupt face.

    A plain ``astype(np.intp)`` turns NaN and 1e300 into arbitrary integers (or raises
    OverflowError on Python floats), which then read as valid or out-of-range indices.
    """
    values = np.asarray(values, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        ok = np.isfinite(values) & (np.abs(values) < 2.0**53) & (values == np.trunc(values))
    if not ok.all():
        bad = float(values[~ok].flat[0])
        raise ScanFileError(f"corrupt face (index {bad:g} is not an integer)")
    return values.astype(np.intp)


def _off_lines(data: bytes) -> list[bytes]:
    data = re.sub(rb"#[^\n]*", b"", data.replace(b"\r", b""))
    return [line for line in data.split(b"\n") if line.strip()]


def read_off(path: Path, *, max_points: int) -> RawScan:
    """Read an OFF (also COFF / NOFF) mesh; polygons are split into triangle fans."""
    lines = _off_lines(read_all_bytes(path, limit=max(200 * max_points, 1 << 20)))
    if not lines or not lines[0].split()[0].upper().endswith(b"OFF"):
        raise ScanFileError("not an OFF file (first word is not OFF)")
    first = lines[0].split()[1:]
    counts_line, start = (first, 1) if first else ((lines[1].split() if len(lines) > 1 else []), 2)
    try:
        nv, nf = int(counts_line[0]), int(counts_line[1])
        if nv < 0 or nf < 0:
            raise ScanFileError("corrupt OFF header (no vertex and face counts)")
    except (IndexError, ValueError):
        raise ScanFileError("corrupt OFF header (no vertex and face counts)") from None
    if nv > max_points:
        raise ScanFileError(f"header declares {nv} vertices, more than max_points={max_points}")
    if start + nv > len(lines):
        raise ScanFileError(
            f"truncated OFF body (expected {nv} vertices, found {max(len(lines) - start, 0)})"
        )
    vblock = lines[start : start + nv]
    values = parse_numbers(b"\n".join(vblock))
    if values is None or nv == 0 or values.size % nv or values.size // nv < 3:
        raise ScanFileError("corrupt OFF body (vertex lines are not 3 numbers or more each)")
    points = values.reshape(nv, -1)[:, :3].copy()
    fblock = lines[start + nv : start + nv + nf]
    if len(fblock) < nf:
        raise ScanFileError(f"truncated OFF body (expected {nf} faces, found {len(fblock)})")
    return RawScan(points, None, _polygons(fblock, counted=True))


def _polygons(lines: list[bytes], *, counted: bool) -> IntArray:
    """Triangles from polygon lines (``k i j l ...`` when counted, else ``i j l ...``)."""
    if not lines:
        return np.zeros((0, 3), dtype=np.intp)
    values = parse_numbers(b"\n".join(lines))
    width = 4 if counted else 3
    if values is not None and values.size == width * len(lines):
        rec = values.reshape(len(lines), width)
        if not counted or (rec[:, 0] == 3).all():
            return face_indices(rec[:, width - 3 :])
    if values is not None:
        return _mixed_polygons(b"\n".join(lines), values, len(lines), counted=counted)
    # A value that is not a number: find and name its line (a loop, but it stops there).
    for line in lines:
        try:
            [float(t) for t in line.split()]
        except ValueError:
            raise ScanFileError(f"corrupt face line {line[:60]!r}") from None
    raise ScanFileError("corrupt face lines (values that are not numbers)")


def _mixed_polygons(block: bytes, values: np.ndarray, n_lines: int, *,
                    counted: bool) -> IntArray:
    """Fan polygons of mixed sizes, without a loop over lines.

    The values of every line are found from where tokens start in the bytes (a token starts
    at a non-blank byte after a blank one), so a 1 GB OFF of quads and triangles is not a
    Python loop over 40 M lines (issue #16: at most 30 s for any file).
    """
    from footfit.io._ply import _ramp, fan_polygons

    raw = np.frombuffer(block, dtype=np.uint8)
    blank = (raw == 32) | (raw == 9) | (raw == 10) | (raw == 13)
    starts = ~blank
    starts[1:] &= blank[:-1]
    line_of = np.cumsum(raw == 10)[starts]
    per_line = np.bincount(line_of, minlength=n_lines)[:n_lines]
    if per_line.sum() != values.size:
        raise ScanFileError("corrupt face lines (a value is not a number)")
    first = np.cumsum(per_line) - per_line
    if counted:
        k = face_indices(values[first[per_line > 0]]) if (per_line > 0).all() else None
        if k is None or (k + 1 > per_line).any():
            raise ScanFileError("corrupt face line (fewer corners than its count says)")
        first = first + 1
    else:
        k = per_line
    if (k < 3).any():
        raise ScanFileError(f"corrupt face (a face with {int(k.min())} corners)")
    corners = face_indices(values[np.repeat(first, k) + _ramp(k)])
    return fan_polygons(corners, k.astype(np.intp))


_OBJ_V = re.compile(rb"^[ \t]*v[ \t]+([^\n]*)", re.MULTILINE)
_OBJ_F = re.compile(rb"^[ \t]*f[ \t]+([^\n]*)", re.MULTILINE)
_OBJ_SLASH = re.compile(rb"/[^\s]*")


def read_obj(path: Path, *, max_points: int) -> RawScan:
    """Read OBJ vertices (``v x y z [r g b]``) and faces (``f a/t/n ...``, negative ok)."""
    data = read_all_bytes(path, limit=max(200 * max_points, 1 << 20)).replace(b"\r", b"")
    vlines = _OBJ_V.findall(data)
    if not vlines:
        raise ScanFileError("no vertices ('v' lines) in the OBJ file")
    if len(vlines) > max_points:
        raise ScanFileError(f"{len(vlines)} vertices, more than max_points={max_points}")
    values = parse_numbers(b"\n".join(vlines))
    width = values.size // len(vlines) if values is not None else 0
    if width >= 3 and values.size == width * len(vlines):  # x y z [w | r g b] on every line
        points = values.reshape(-1, width)[:, :3].copy()
    else:  # some lines longer than others: take the first three numbers of each line
        try:
            points = np.array([line.split()[:3] for line in vlines], dtype=np.float64)
        except ValueError:
            raise ScanFileError("corrupt OBJ vertex (not three numbers)") from None
        if points.ndim != 2 or points.shape[1] != 3:
            raise ScanFileError("corrupt OBJ vertex (fewer than three numbers)")
    flines = _OBJ_F.findall(data)
    if flines:  # drop the /texture/normal parts of every corner in one pass
        flines = _OBJ_SLASH.sub(b"", b"\n".join(flines)).split(b"\n")
    faces = _polygons(flines, counted=False)
    if faces.size:
        # OBJ indices are 1-based; negative ones count back from the last vertex so far,
        # which for files listing every vertex first is the last vertex of the file.
        faces = np.where(faces > 0, faces - 1, faces + points.shape[0])
    return RawScan(points, None, faces if faces.size else None)


def prepare_mesh(
    points: FloatArray,
    faces: IntArray,
    normals: FloatArray | None,
    *,
    sample: bool,
    max_points: int,
) -> tuple[FloatArray, FloatArray | None, dict, list[str]]:
    """Check faces, orient normals outward, and add surface samples to a sparse mesh.

    Parameters
    ----------
    points : (n, 3) float, mm
        Vertices.
    faces : (m, 3) int
        Triangles indexing ``points``.
    normals : (n, 3) float or None
        Vertex normals from the file, kept when given.
    sample : bool
        Whether to add area-weighted samples when the vertices are sparser than
        ``mm2_per_point`` of ``footfit/data/scan_loading.json`` (4 mm^2).
    max_points : int
        The samples never take the total beyond this.

    Returns
    -------
    points : (n + s, 3) float, mm
        Vertices then samples.
    normals : (n + s, 3) float or None
        Unit normals; ``None`` when some vertex is on no face and the file gave none.
    meta : dict
        ``faces``, ``vertices``, ``samples``, ``closed``.
    warnings : list of str
    """
    n = points.shape[0]
    warnings: list[str] = []
    if faces.size and (faces.min() < 0 or faces.max() >= n):  # checked by load_scan too
        raise ScanFileError(f"face indices out of range ({n} vertices)")
    f0, f1, f2 = faces.T
    keep = (f0 != f1) & (f1 != f2) & (f0 != f2)
    faces = faces[keep]
    a, b, c = points[faces[:, 0]], points[faces[:, 1]], points[faces[:, 2]]
    cross = np.cross(b - a, c - a)
    area2 = np.linalg.norm(cross, axis=1)
    edges = np.sort(faces[:, [0, 1, 1, 2, 2, 0]].reshape(-1, 2), axis=1)
    _, edge_use = np.unique(edges[:, 0] * n + edges[:, 1], return_counts=True)
    closed = bool(faces.shape[0] and (edge_use == 2).all())
    if closed and float(np.einsum("ij,ij->", a, cross)) < 0:
        cross = -cross
        warnings.append("mesh faces are wound inward (negative volume); normals turned outward")
    elif not closed and faces.shape[0]:
        # An open surface (a scan without its sole, say) has no volume sign: turn the
        # normals only when clearly most of the area faces the centroid (an open foot or
        # sock shape); a flat or saddle surface is left as it is.
        away = np.einsum("ij,ij->i", cross, (a + b + c) / 3 - points.mean(axis=0))
        total = float(np.abs(away).sum())
        if total > 0 and float(away.sum()) < -0.4 * total:
            cross = -cross
            warnings.append(
                "open mesh with most faces wound toward its centre; normals turned outward"
            )
    if normals is None:
        vn = np.column_stack(
            [np.bincount(faces.ravel(), np.repeat(cross[:, k], 3), minlength=n) for k in range(3)]
        )
        length = np.linalg.norm(vn, axis=1)
        normals = vn / length[:, None] if (length > 0).all() else None
    meta = {"faces": int(faces.shape[0]), "vertices": n, "samples": 0, "closed": closed}
    cfg = loading_params()["mesh_sampling"]  # density, cap and seed: design choices
    mm2_per_point, max_samples = float(cfg["mm2_per_point"]), int(cfg["max_samples"])
    area = 0.5 * float(area2.sum())
    n_add = min(int(np.ceil(area / mm2_per_point)) - n if np.isfinite(area) else 0,
                max_points - n)
    if not sample or n_add <= 0 or not 0 < area < np.inf:
        return points, normals, meta, warnings
    if n_add > max_samples:
        n_add = max_samples
        warnings.append(
            f"mesh of {area / 1e6:.2f} m^2 given {n_add} surface samples, one per "
            f"{area / (n + n_add):.1f} mm^2 instead of {mm2_per_point:g}"
        )
    rng = np.random.default_rng(int(cfg["seed"]))
    cum = np.cumsum(area2)
    tri = np.minimum(np.searchsorted(cum, rng.random(n_add) * cum[-1], side="right"),
                     faces.shape[0] - 1)
    r1 = np.sqrt(rng.random(n_add))[:, None]
    r2 = rng.random(n_add)[:, None]
    samples = (1 - r1) * a[tri] + r1 * (1 - r2) * b[tri] + r1 * r2 * c[tri]
    meta["samples"] = n_add
    if normals is not None:
        unit = cross[tri] / np.maximum(area2[tri], 1e-300)[:, None]
        normals = np.vstack([normals, unit])
    return np.vstack([points, samples]), normals, meta, warnings
