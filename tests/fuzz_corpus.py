"""Seeded generator of bad (and odd but valid) scan files, for the fuzz suite (issue #16).

``make_corpus(folder, n, seed)`` writes ``n`` files built from the bundled sample scans:
every readable format, each mutated the way damaged, hostile or unlucky files are (bytes
flipped, cut short, header numbers made absurd, values turned NaN / inf / 1e300, faces given
non-integer indices, list counts changed, NPY headers with absurd shapes or dtypes, shapes
that are not feet). The corpus is made at test time and never stored: the same seed gives the
same files.

Run as a script to write a corpus for a longer probe by hand::

    python tests/fuzz_corpus.py OUT_DIR [N] [SEED]
"""

from __future__ import annotations

import io
import re
import struct
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

SAMPLES = Path(__file__).resolve().parent.parent / "sample_scans"
ABSURD_NUMBERS = [b"0", b"-1", b"-7", b"1e300", b"-1e300", b"inf", b"-inf", b"nan", b"NaN",
                  b"1" + b"0" * 400, b"2147483648", b"4294967295", b"9223372036854775808",
                  b"3.5", b"1e30", b"abc", b"", b"0x10", b"1e-300", b"65536", b"255"]
ABSURD_VALUES = [np.nan, np.inf, -np.inf, 1e300, -1e300, 1e30, 2.8e10, 1e306, 0.0, 1e-300]


# ------------------------------------------------------------------------- base files
def _base_cloud(max_points: int = 6000) -> tuple[np.ndarray, np.ndarray]:
    from footfit.io import load_scan

    scan = load_scan(SAMPLES / "demo_right_m.ply")
    step = max(1, scan.points.shape[0] // max_points)
    return scan.points[::step], scan.normals[::step]


def _base_mesh() -> tuple[np.ndarray, np.ndarray]:
    from footfit.io._mesh import merge_vertices, read_stl

    raw = read_stl(SAMPLES / "right_m_high.stl", max_points=5_000_000)
    pts, faces = merge_vertices(raw.points, raw.faces)
    return pts, faces


def _ply_cloud(pts, nrm, *, ascii: bool) -> bytes:
    names = ["x", "y", "z", "nx", "ny", "nz"]
    head = ["ply", f"format {'ascii' if ascii else 'binary_little_endian'} 1.0",
            f"element vertex {len(pts)}"] + [f"property float {n}" for n in names]
    table = np.hstack([pts, nrm]).astype("<f4")
    body = ("".join(" ".join(f"{v:.6g}" for v in row) + "\n" for row in table).encode()
            if ascii else table.tobytes())
    return ("\n".join(head + ["end_header", ""])).encode() + body


def _ply_mesh(pts, faces, *, ascii: bool) -> bytes:
    head = ["ply", f"format {'ascii' if ascii else 'binary_little_endian'} 1.0",
            f"element vertex {len(pts)}", "property float x", "property float y",
            "property float z", f"element face {len(faces)}",
            "property list uchar int vertex_indices", "end_header", ""]
    if ascii:
        body = "".join(f"{x:.6g} {y:.6g} {z:.6g}\n" for x, y, z in pts)
        body += "".join(f"3 {a} {b} {c}\n" for a, b, c in faces)
        return "\n".join(head).encode() + body.encode()
    rec = np.zeros(len(faces), dtype=[("n", "u1"), ("v", "<i4", (3,))])
    rec["n"], rec["v"] = 3, faces
    return "\n".join(head).encode() + pts.astype("<f4").tobytes() + rec.tobytes()


def _obj(pts, faces) -> bytes:
    return ("".join(f"v {x:.6g} {y:.6g} {z:.6g}\n" for x, y, z in pts)
            + "".join(f"f {a + 1} {b + 1} {c + 1}\n" for a, b, c in faces)).encode()


def _off(pts, faces) -> bytes:
    return (f"OFF\n{len(pts)} {len(faces)} 0\n"
            + "".join(f"{x:.6g} {y:.6g} {z:.6g}\n" for x, y, z in pts)
            + "".join(f"3 {a} {b} {c}\n" for a, b, c in faces)).encode()


def _stl(pts, faces, *, ascii: bool) -> bytes:
    tri = pts[faces]
    if ascii:
        parts = ["solid s\n"]
        for t in tri:
            parts.append("facet normal 0 0 0\nouter loop\n")
            parts.extend(f"vertex {x:.6g} {y:.6g} {z:.6g}\n" for x, y, z in t)
            parts.append("endloop\nendfacet\n")
        parts.append("endsolid s\n")
        return "".join(parts).encode()
    rec = np.zeros(len(faces), dtype=[("n", "<f4", (3,)), ("v", "<f4", (3, 3)), ("a", "<u2")])
    rec["v"] = tri
    return bytes(80) + struct.pack("<I", len(faces)) + rec.tobytes()


def _pcd(pts, nrm, *, data: str) -> bytes:
    names = ["x", "y", "z", "normal_x", "normal_y", "normal_z"]
    n = len(pts)
    head = (f"VERSION 0.7\nFIELDS {' '.join(names)}\nSIZE 4 4 4 4 4 4\nTYPE F F F F F F\n"
            f"COUNT 1 1 1 1 1 1\nWIDTH {n}\nHEIGHT 1\nVIEWPOINT 0 0 0 1 0 0 0\nPOINTS {n}\n"
            f"DATA {data}\n").encode()
    table = np.hstack([pts, nrm]).astype("<f4")
    if data == "ascii":
        return head + "".join(" ".join(f"{v:.6g}" for v in r) + "\n" for r in table).encode()
    if data == "binary":
        return head + table.tobytes()
    block = table.T.copy().tobytes()  # field by field
    packed = bytearray()
    for i in range(0, len(block), 32):
        chunk = block[i : i + 32]
        packed.append(len(chunk) - 1)
        packed += chunk
    return head + struct.pack("<II", len(packed), len(block)) + bytes(packed)


def _npy(arr) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr)
    return buf.getvalue()


def _npz(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    return buf.getvalue()


def base_files() -> dict[str, bytes]:
    """Good scans in every format (a ~6k-point cloud, a ~2k-triangle mesh)."""
    pts, nrm = _base_cloud()
    mpts, faces = _base_mesh()
    xyz = "".join(f"{x:.6g} {y:.6g} {z:.6g}\n" for x, y, z in pts).encode()
    return {
        "cloud_b.ply": _ply_cloud(pts, nrm, ascii=False),
        "cloud_a.ply": _ply_cloud(pts, nrm, ascii=True),
        "mesh_b.ply": _ply_mesh(mpts, faces, ascii=False),
        "mesh_a.ply": _ply_mesh(mpts, faces, ascii=True),
        "cloud_a.pcd": _pcd(pts, nrm, data="ascii"),
        "cloud_b.pcd": _pcd(pts, nrm, data="binary"),
        "cloud_c.pcd": _pcd(pts, nrm, data="binary_compressed"),
        "cloud.xyz": xyz,
        "cloud.csv": b"x,y,z\n" + xyz.replace(b" ", b","),
        "mesh.obj": _obj(mpts, faces),
        "mesh.off": _off(mpts, faces),
        "mesh_b.stl": _stl(mpts, faces, ascii=False),
        "mesh_a.stl": _stl(mpts, faces, ascii=True),
        "cloud.npy": _npy(pts),
        "cloud.npz": _npz(points=pts, normals=nrm),
        "mesh.npz": _npz(points=mpts, faces=faces),
    }


# ------------------------------------------------------------------------- mutations
_NUMBER = re.compile(rb"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def _header_end(data: bytes) -> int:
    for marker in (b"end_header\n", b"binary_compressed\n", b"DATA binary\n", b"DATA ascii\n"):
        at = data.find(marker)
        if 0 <= at < 4096:
            return at + len(marker)
    if data[:6] == b"\x93NUMPY":
        return 10 + int.from_bytes(data[8:10], "little")
    return min(len(data), 120)


def flip_bytes(data: bytes, rng: np.random.Generator) -> bytes:
    out = bytearray(data)
    for i in rng.integers(0, len(out), int(rng.integers(1, 40))):
        out[i] = int(rng.integers(0, 256))
    return bytes(out)


def truncate(data: bytes, rng: np.random.Generator) -> bytes:
    return data[: int(rng.integers(0, len(data)))]


def absurd_header_number(data: bytes, rng: np.random.Generator) -> bytes:
    end = _header_end(data)
    found = list(_NUMBER.finditer(data[:end]))
    if not found:
        return flip_bytes(data, rng)
    m = found[int(rng.integers(len(found)))]
    new = ABSURD_NUMBERS[int(rng.integers(len(ABSURD_NUMBERS)))]
    return data[: m.start()] + new + data[m.end() :]


def absurd_text_values(data: bytes, rng: np.random.Generator) -> bytes:
    """Replace numbers of a text body (coordinates or face indices) by absurd ones."""
    end = _header_end(data)
    body = data[end:]
    found = list(_NUMBER.finditer(body[:200_000]))
    if not found:
        return flip_bytes(data, rng)
    k = int(rng.choice([1, 3, max(1, len(found) // 2)]))
    picks = set(rng.choice(len(found), size=min(k, len(found)), replace=False).tolist())
    new_word = ABSURD_NUMBERS[int(rng.integers(len(ABSURD_NUMBERS)))]
    parts, last = [], 0
    for i, m in enumerate(found):
        if i in picks:
            parts += [body[last : m.start()], new_word]
            last = m.end()
    parts.append(body[last:])
    return data[:end] + b"".join(parts)


def absurd_binary_values(data: bytes, rng: np.random.Generator) -> bytes:
    """Overwrite aligned float32 words of a binary body with NaN / inf / huge values."""
    end = _header_end(data)
    out = bytearray(data)
    span = (len(out) - end) // 4
    if span <= 0:
        return flip_bytes(data, rng)
    k = int(rng.choice([1, 5, max(1, span // 2)]))
    value = ABSURD_VALUES[int(rng.integers(len(ABSURD_VALUES)))]
    word = struct.pack("<f", value) if abs(value) < 3e38 or not np.isfinite(value) else (
        b"\xff\xff\x7f\x7f")
    for i in rng.choice(span, size=min(k, span), replace=False):
        out[end + 4 * int(i) : end + 4 * int(i) + 4] = word
    return bytes(out)


def splice(data: bytes, rng: np.random.Generator) -> bytes:
    """Duplicate, drop or insert a random slice (shifts every record after it)."""
    a, b = sorted(rng.integers(0, len(data), 2).tolist())
    kind = int(rng.integers(3))
    if kind == 0:
        return data[:b] + data[a:b] + data[b:]
    if kind == 1:
        return data[:a] + data[b:]
    return data[:a] + rng.bytes(int(rng.integers(1, 64))) + data[a:]


MUTATIONS: dict[str, Callable[[bytes, np.random.Generator], bytes]] = {
    "flip": flip_bytes, "truncate": truncate, "header": absurd_header_number,
    "textval": absurd_text_values, "binval": absurd_binary_values, "splice": splice,
}


# ------------------------------------------------------------------ crafted families
def _npy_with_header(header: str) -> bytes:
    text = header.encode("latin-1")
    pad = 64 - (10 + len(text) + 1) % 64
    text += b" " * pad + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text + bytes(64)


def crafted_files(rng: np.random.Generator) -> dict[str, bytes]:
    """The probe's families: absurd NPY headers, encrypted NPZ, float list counts, garbage."""
    pts, nrm = _base_cloud(3000)
    mpts, faces = _base_mesh()
    files: dict[str, bytes] = {}
    for i, (shape, dt) in enumerate([
        ("(10**400, 3)", "<f8"), ("(-5, 3)", "<f8"), ("(100, 3)", "|S0"), ("(100, 3)", "|V0"),
        ("(2**62, 3)", "<f8"), ("(100, -3)", "<f8"), ("(100, 3, 2**40)", "<f8"),
        ("(100, 3)", "<U4"), ("(100, 3)", "<M8[s]"), ("(100, 3)", "|b1"), ("(100, 3)", "<c16"),
        ("(1e3, 3)", "<f8"), ("'abc'", "<f8"), ("(100, 3)", "O"),
    ]):
        files[f"hdr{i}.npy"] = _npy_with_header(
            f"{{'descr': '{dt}', 'fortran_order': False, 'shape': {shape}, }}")
    good = _npz(points=pts)
    enc = bytearray(good)
    for sig in (b"PK\x03\x04", b"PK\x01\x02"):  # set the 'encrypted' flag in both headers
        at = enc.find(sig)
        flag_at = at + (6 if sig == b"PK\x03\x04" else 8)
        enc[flag_at] |= 1
    files["encrypted.npz"] = bytes(enc)
    files["floatcount.ply"] = _ply_mesh(mpts, faces, ascii=True).replace(
        b"list uchar int", b"list float int")
    files["floatindex.ply"] = _ply_mesh(mpts, faces, ascii=False).replace(
        b"list uchar int", b"list uchar float")
    big = bytearray(_ply_mesh(mpts, faces, ascii=False))
    at = big.index(b"end_header\n") + 11 + len(mpts) * 12
    big[at] = 255  # first face claims 255 corners
    files["bigcount.ply"] = bytes(big)
    files["intcount.ply"] = _ply_mesh(mpts, faces, ascii=False).replace(
        b"list uchar int", b"list int int")[: -len(faces) * 13]  # header says int: sizes lie
    for word in (b"inf", b"1e300", b"nan", b"-1e300", b"1.5"):
        obj = _obj(mpts, faces)
        cut = obj.index(b"\nf ") + 3
        files[f"face_{word.decode()}.obj"] = obj[:cut] + word + obj[cut + 1 :]
        off = _off(mpts, faces)
        cut = off.rindex(b"\n3 ") + 3
        files[f"face_{word.decode()}.off"] = off[:cut] + word + b" " + off[cut:]
        ply = _ply_mesh(mpts, faces, ascii=True)
        cut = ply.rindex(b"\n3 ") + 1
        files[f"face_{word.decode()}.ply"] = ply[:cut] + word + ply[cut + 1 :]
    half = _stl(mpts, faces, ascii=False)
    rec = np.frombuffer(half[84:], dtype=[("n", "<f4", (3,)), ("v", "<f4", (3, 3)),
                                          ("a", "<u2")]).copy()
    rec["v"][::2] = np.nan
    files["half_nan.stl"] = half[:84] + rec.tobytes()
    dense, dense_n = _base_cloud(20000)
    metres = dense / 1000.0
    metres[5] = 1e306  # a valid oddity: one absurd row in a good scan, measured normally
    files["metres_1e306.xyz"] = "".join(f"{x!r} {y!r} {z!r}\n"
                                        for x, y, z in metres.tolist()).encode()
    # shapes that are not feet, in valid files
    sphere = rng.normal(size=(4000, 3))
    sphere = 60 * sphere / np.linalg.norm(sphere, axis=1, keepdims=True)
    files["sphere.xyz"] = _xyz(sphere)
    files["plane.xyz"] = _xyz(np.column_stack([rng.uniform(0, 300, (4000, 2)), np.zeros(4000)]))
    files["line.xyz"] = _xyz(np.outer(rng.uniform(0, 250, 4000), [1, 0.5, 0.2]))
    files["noise.xyz"] = _xyz(rng.uniform(0, 250, (4000, 3)))
    files["cube.xyz"] = _xyz(rng.uniform(0, 150, (4000, 3)))
    files["blob.xyz"] = _xyz(rng.normal(0, 30, (4000, 3)))
    toes = _toes(SAMPLES / "demo_right_m.ply")
    files["toes_70mm.xyz"] = _xyz(toes[toes[:, 1] > toes[:, 1].max() - 70.0])
    files["toes_90mm.ply"] = _ply_cloud(toes[toes[:, 1] > toes[:, 1].max() - 90.0],
                                        np.zeros_like(toes[toes[:, 1] > toes[:, 1].max() - 90.0]),
                                        ascii=False)
    files["tiny_foot.xyz"] = _xyz(pts * 0.25)
    files["empty.ply"] = b""
    files["header_only.pcd"] = _pcd(pts[:0], nrm[:0], data="binary")
    return files


def _xyz(p: np.ndarray) -> bytes:
    return "".join(f"{x:.6g} {y:.6g} {z:.6g}\n" for x, y, z in p).encode()


def _toes(path: Path) -> np.ndarray:
    """A foot in footfit's canonical frame (heel at y = 0, toes toward +y, floor z = 0)."""
    from footfit.align import align_foot
    from footfit.clean import isolate_feet
    from footfit.io import load_scan

    scan = load_scan(path)
    iso = isolate_feet(scan.points, normals=scan.normals, rng=0)
    return align_foot(iso.feet[0], up=iso.up, floor_plane=iso.floor_plane).points


def make_corpus(folder: Path, n: int, seed: int = 0) -> list[Path]:
    """Write the crafted files plus ``n`` random mutations of the base files into ``folder``."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    bases = base_files()
    written = []
    for name, data in crafted_files(rng).items():
        path = folder / name
        path.write_bytes(data)
        written.append(path)
    names = sorted(bases)
    kinds = sorted(MUTATIONS)
    for i in range(n):
        base = names[i % len(names)]
        kind = kinds[int(rng.integers(len(kinds)))]
        data = MUTATIONS[kind](bases[base], rng)
        if rng.random() < 0.25:  # sometimes two mutations
            data = MUTATIONS[kinds[int(rng.integers(len(kinds)))]](data, rng)
        stem, ext = base.rsplit(".", 1)
        path = folder / f"m{i:04d}_{kind}_{stem}.{ext}"
        path.write_bytes(data)
        written.append(path)
    return written


def _zip_member_names(data: bytes) -> list[str]:  # pragma: no cover - debugging aid
    return zipfile.ZipFile(io.BytesIO(data)).namelist()


if __name__ == "__main__":  # pragma: no cover
    out = Path(sys.argv[1])
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    made = make_corpus(out, count, int(sys.argv[3]) if len(sys.argv) > 3 else 0)
    print(f"{len(made)} files in {out}")
