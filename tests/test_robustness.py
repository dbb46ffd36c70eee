"""Regression tests for issue #16: files that crashed, bloated or fooled footfit.

Each case is one family the fuzzing probe found; the fuzz suite (``tests/test_fuzz.py``)
checks the contract on many more mutated files.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from footfit.exceptions import InvalidScanError
from footfit.io import load_scan, save_scan
from footfit.io._common import ScanFileError
from footfit.io._lzf import lzf_decompress

SAMPLES = Path(__file__).resolve().parent.parent / "sample_scans"


def lzf_literals(data: bytes) -> bytes:
    """A valid LZF stream of literal runs only (what a minimal compressor emits)."""
    out = bytearray()
    for i in range(0, len(data), 32):
        chunk = data[i : i + 32]
        out.append(len(chunk) - 1)
        out += chunk
    return bytes(out)


def compressed_pcd(fields: dict[str, np.ndarray], *, rename: dict | None = None) -> bytes:
    """A binary_compressed PCD (float32 fields, field-major block, literal-only LZF)."""
    names = list(fields)
    n = len(next(iter(fields.values())))
    block = b"".join(np.asarray(v, "<f4").tobytes() for v in fields.values())
    packed = lzf_literals(block)
    shown = [(rename or {}).get(k, k) for k in names]
    header = (f"VERSION 0.7\nFIELDS {' '.join(shown)}\nSIZE{' 4' * len(names)}\n"
              f"TYPE{' F' * len(names)}\nCOUNT{' 1' * len(names)}\nWIDTH {n}\nHEIGHT 1\n"
              f"VIEWPOINT 0 0 0 1 0 0 0\nPOINTS {n}\nDATA binary_compressed\n")
    return header.encode() + np.array([len(packed), len(block)], "<u4").tobytes() + packed


# ------------------------------------------------------------------------------- LZF
def test_lzf_literals_and_overlapping_back_references():
    # 'ab', then a copy of 7 bytes from 2 back (overlapping: repeats 'ab'), then 'Z'
    stream = bytes([1]) + b"ab" + bytes([(5 << 5) | 0, 1]) + bytes([0]) + b"Z"
    assert lzf_decompress(stream, 10) == b"ababababaZ"
    # long form: length 7 + extension byte
    stream = bytes([0]) + b"x" + bytes([7 << 5, 10, 0])
    assert lzf_decompress(stream, 1 + 7 + 10 + 2) == b"x" * 20


@pytest.mark.parametrize(("stream", "expected", "match"), [
    (bytes([5]) + b"abc", 6, "literal run past its end"),
    (bytes([0]) + b"a" + bytes([0x20, 5]), 4, "before the start"),
    (bytes([0]) + b"a" + bytes([0xE0]), 10, "truncated back-reference"),
    (bytes([2]) + b"abc", 2, "more than the 2 bytes"),
    (bytes([2]) + b"abc", 4, "unpacks to 3 bytes, 4 declared"),
    (b"\x00a", 10**9, "cannot unpack"),
])
def test_lzf_refuses_bad_streams(stream, expected, match):
    with pytest.raises(ScanFileError, match=match):
        lzf_decompress(stream, expected)


def test_lzf_matches_open3d_on_a_real_compressed_file(tmp_path):
    """open3d's writer uses back-references; our decoder must read exactly its values."""
    o3d = pytest.importorskip("open3d")
    scan = load_scan(SAMPLES / "right_f_normal_nofloor.pcd")
    cloud = o3d.geometry.PointCloud(o3d.utility.Vector3dVector(scan.points))
    cloud.normals = o3d.utility.Vector3dVector(scan.normals)
    path = tmp_path / "c.pcd"
    o3d.io.write_point_cloud(str(path), cloud, compressed=True)
    got = load_scan(path, units="mm")
    assert np.array_equal(got.points, scan.points.astype(np.float32))
    assert np.array_equal(got.normals, scan.normals.astype(np.float32))


def test_compressed_pcd_with_renamed_normal_field_is_measured_without_normals(tmp_path, rng):
    """Issue #16: `normal_x` renamed `foo_x` crashed open3d's reader (signal 11)."""
    scan = load_scan(SAMPLES / "right_f_normal_nofloor.pcd")
    cols = {"x": scan.points[:, 0], "y": scan.points[:, 1], "z": scan.points[:, 2],
            "normal_x": scan.normals[:, 0], "normal_y": scan.normals[:, 1],
            "normal_z": scan.normals[:, 2], "curvature": rng.random(len(scan.points))}
    path = tmp_path / "foo.pcd"
    path.write_bytes(compressed_pcd(cols, rename={"normal_x": "foo_x"}))
    got = load_scan(path)
    assert got.normals is None and got.points_kept == scan.points_kept
    np.testing.assert_allclose(got.points, scan.points, atol=1e-4)
    # the whole line runs on it, in a child process: no signal, exit 0
    out = subprocess.run([sys.executable, "-m", "footfit.app.cli", "process", str(path)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr


def test_loading_a_compressed_pcd_does_not_import_open3d(tmp_path):
    scan = load_scan(SAMPLES / "right_f_normal_nofloor.pcd")
    path = tmp_path / "c.pcd"
    path.write_bytes(compressed_pcd({"x": scan.points[:, 0], "y": scan.points[:, 1],
                                     "z": scan.points[:, 2]}))
    code = (f"import sys, footfit; footfit.load_scan({str(path)!r}); "
            "print('open3d' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("damage", ["truncate", "flip", "sizes"])
def test_damaged_compressed_pcd_is_an_invalid_scan(tmp_path, rng, damage):
    pts = rng.uniform(0, 250, (2000, 3))
    data = bytearray(compressed_pcd({"x": pts[:, 0], "y": pts[:, 1], "z": pts[:, 2]}))
    start = data.index(b"binary_compressed\n") + len("binary_compressed\n")
    if damage == "truncate":
        data = data[: start + 8] + data[start + 8 : start + 5000]
        data[start : start + 4] = np.array([4992], "<u4").tobytes()
    elif damage == "flip":
        for i in rng.integers(start + 8, len(data), 200):
            data[i] = 0xFF
    else:
        data[start : start + 8] = np.array([10, 2000 * 12], "<u4").tobytes()
    path = tmp_path / "bad.pcd"
    path.write_bytes(bytes(data))
    with pytest.raises(InvalidScanError, match=r"bad\.pcd: corrupt"):
        load_scan(path)


# ------------------------------------------------------------- bounded, robust loading
def test_one_stray_point_at_1e30_is_dropped_and_the_scan_measured(tmp_path):
    """Issue #16: one point at (1e30, 1e30, 1e30) got a good scan refused (size 0)."""
    from footfit.pipeline import FootFitter

    pts = load_scan(SAMPLES / "demo_right_m.ply").points
    path = save_scan(np.vstack([pts, [[1e30, 1e30, 1e30]]]), tmp_path / "stray.ply")
    scan = load_scan(path)
    assert scan.units_detected == "mm" and scan.points_kept == len(pts)
    assert any("absurdly far" in w for w in scan.warnings)
    fitter = FootFitter()
    clean = fitter.process(pts).feet[0].measurements
    stray = fitter.process(str(path)).feet[0].measurements
    assert stray.foot_length_mm == pytest.approx(clean.foot_length_mm, abs=1e-6)


@pytest.mark.parametrize("value", [1e306, 1e30, 1e12])
def test_metres_cloud_with_one_absurd_row_is_read_in_metres(tmp_path, value):
    pts = load_scan(SAMPLES / "demo_right_m.ply").points / 1000.0
    pts[5] = value
    scan = load_scan(save_scan(pts, tmp_path / "m.ply"))
    assert scan.units_detected == "m" and np.isfinite(scan.points).all()
    assert scan.points_kept == len(pts) - 1


def stl_bytes(tri: np.ndarray) -> bytes:
    rec = np.zeros(len(tri), dtype=[("n", "<f4", (3,)), ("v", "<f4", (3, 3)), ("a", "<u2")])
    rec["v"] = tri
    return bytes(80) + np.array([len(tri)], "<u4").tobytes() + rec.tobytes()


def sample_triangles() -> np.ndarray:
    from footfit.io._mesh import read_stl

    raw = read_stl(SAMPLES / "right_m_high.stl", max_points=5_000_000)
    return raw.points[raw.faces].astype(np.float32)


def test_stl_with_a_vertex_at_2_8e10_loads_without_a_memory_bomb(tmp_path):
    """Issue #16: 7.5 GB and 30+ s, the surface samples landing on the spike's triangles."""
    tri = sample_triangles()
    spike = tri[0, 0].copy()
    tri[np.all(tri == spike, axis=2)] = [2.8e10, spike[1], spike[2]]
    path = tmp_path / "spike.stl"
    path.write_bytes(stl_bytes(tri))
    scan = load_scan(path)
    good = load_scan(SAMPLES / "right_m_high.stl")
    assert scan.units_detected == "mm"
    assert abs(scan.points_kept - good.points_kept) < 0.02 * good.points_kept
    assert np.ptp(scan.points, axis=0).max() < 500


def test_stl_with_half_its_triangles_nan_is_refused(tmp_path):
    """Issue #16: it gave a 142 mm 'left foot' with a 285 mm ball girth."""
    tri = sample_triangles()
    tri[::2] = np.nan
    path = tmp_path / "half.stl"
    path.write_bytes(stl_bytes(tri))
    with pytest.raises(InvalidScanError, match=r"half\.stl: \d+ of \d+ faces have a corner"):
        load_scan(path)


MESH = ("v 0 0 0\nv 100 0 0\nv 0 100 0\nv 0 0 100\n", "OFF\n4 2 0\n0 0 0\n100 0 0\n0 100 0\n"
        "0 0 100\n")


@pytest.mark.parametrize("word", ["inf", "-inf", "nan", "1e300", "-1e300", "1.5"])
@pytest.mark.parametrize("fmt", ["obj", "off", "ply"])
def test_non_integer_face_indices_are_corrupt_faces(tmp_path, word, fmt):
    if fmt == "obj":
        text = MESH[0] + f"f 1 2 3\nf 1 {word} 4\n"
    elif fmt == "off":
        text = MESH[1] + f"3 0 1 2\n3 0 {word} 3\n"
    else:
        text = ("ply\nformat ascii 1.0\nelement vertex 4\nproperty float x\nproperty float y\n"
                "property float z\nelement face 2\nproperty list uchar int vertex_indices\n"
                "end_header\n0 0 0\n100 0 0\n0 100 0\n0 0 100\n"
                f"3 0 1 2\n3 0 {word} 3\n")
    path = tmp_path / f"bad.{fmt}"
    path.write_text(text)
    with pytest.raises(InvalidScanError, match=rf"bad\.{fmt}: corrupt (face|PLY body)"):
        load_scan(path, min_points=1)


@pytest.mark.parametrize("types", ["float int", "uchar float", "double double"])
def test_ply_face_lists_of_non_integer_types_are_refused(tmp_path, types):
    header = ("ply\nformat binary_little_endian 1.0\nelement vertex 3\nproperty float x\n"
              "property float y\nproperty float z\nelement face 1\n"
              f"property list {types} vertex_indices\nend_header\n")
    path = tmp_path / "t.ply"
    path.write_bytes(header.encode() + bytes(64))
    with pytest.raises(InvalidScanError, match=r"t\.ply: corrupt PLY header line .*integer"):
        load_scan(path)


def test_ply_face_claiming_more_corners_than_the_file_holds(tmp_path):
    header = ("ply\nformat binary_little_endian 1.0\nelement vertex 3\nproperty float x\n"
              "property float y\nproperty float z\nelement face 1\n"
              "property list uint int vertex_indices\nend_header\n")
    body = np.zeros(9, "<f4").tobytes() + np.array([2**31], "<u4").tobytes() + bytes(12)
    path = tmp_path / "k.ply"
    path.write_bytes(header.encode() + body)
    with pytest.raises(InvalidScanError, match=r"k\.ply: corrupt PLY face"):
        load_scan(path, min_points=1)


def npy_with_header(header: str) -> bytes:
    text = header.encode("latin-1")
    text += b" " * (64 - (10 + len(text) + 1) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + np.array([len(text)], "<u2").tobytes() + text + bytes(64)


@pytest.mark.parametrize(("shape", "descr", "match"), [
    ("(10**400, 3)", "<f8", "corrupt NPY file header"),
    ("(-5, 3)", "<f8", r"shape \(-5, 3\)"),
    ("(100, -3)", "<f8", r"shape \(100, -3\)"),
    ("(100, 3)", "|S0", "holds |S0 values"),
    ("(100, 3)", "|V0", "holds |V0 values"),
    ("(100, 3)", "<U4", "holds <U4 values"),
    ("(100, 3)", "<c16", "holds <c16 values"),
    ("(2**62, 3)", "<f8", "corrupt NPY file header"),
    ("(4, 3, 2, 2)", "<f8", "expected \\(n, 3\\)"),
])
def test_npy_headers_with_absurd_shapes_or_dtypes(tmp_path, shape, descr, match):
    path = tmp_path / "h.npy"
    path.write_bytes(npy_with_header(
        f"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}"))
    with pytest.raises(InvalidScanError, match=r"h\.npy: .*" + match):
        load_scan(path)


def test_npz_member_with_the_encrypted_flag(tmp_path):
    import io

    buf = io.BytesIO()
    np.savez_compressed(buf, points=np.ones((600, 3)))
    data = bytearray(buf.getvalue())
    data[data.find(b"PK\x03\x04") + 6] |= 1
    data[data.find(b"PK\x01\x02") + 8] |= 1
    path = tmp_path / "e.npz"
    path.write_bytes(bytes(data))
    with pytest.raises(InvalidScanError, match=r"e\.npz: corrupt NPZ member 'points'"):
        load_scan(path)


def test_garbage_doubles_over_hundreds_of_magnitudes_do_not_fool_the_measurement(rng):
    """Random bit patterns as coordinates (a damaged binary body): mostly absurd -> refused;
    otherwise the strays are dropped or isolated away and the foot measures as without them.
    """
    from footfit.pipeline import FootFitter

    pts = load_scan(SAMPLES / "demo_right_m.ply").points[::3].copy()
    fitter = FootFitter()
    ref = fitter.process(pts).feet[0].measurements.foot_length_mm
    for every in (1, 2, 4):
        bad = pts.copy()
        junk = rng.integers(0, 2**63, bad[::every].shape, dtype=np.int64).view(np.float64)
        bad[::every] = np.where(np.isfinite(junk), junk, 1.0)
        if every == 1:
            with pytest.raises(InvalidScanError, match="absurd coordinates"):
                load_scan(bad)
            continue
        feet = fitter.process(bad).feet
        assert len(feet) == 1
        assert feet[0].measurements.foot_length_mm == pytest.approx(ref, abs=2.0)


def test_pcd_with_extra_unknown_fields_is_measured_normally(tmp_path, rng):
    """A valid oddity: fields footfit does not know (rgb, intensity, a 3-count field)."""
    scan = load_scan(SAMPLES / "right_f_normal_nofloor.pcd")
    n = scan.points_kept
    dt = np.dtype([("rgb", "<f4"), ("x", "<f4"), ("y", "<f4"), ("z", "<f4"),
                   ("intensity", "<u2"), ("desc", "<f4", (3,))])
    rec = np.zeros(n, dtype=dt)
    rec["x"], rec["y"], rec["z"] = scan.points.T
    rec["intensity"] = rng.integers(0, 60000, n)
    header = ("VERSION 0.7\nFIELDS rgb x y z intensity desc\nSIZE 4 4 4 4 2 4\n"
              "TYPE F F F F U F\nCOUNT 1 1 1 1 1 3\n"
              f"WIDTH {n}\nHEIGHT 1\nVIEWPOINT 0 0 0 1 0 0 0\nPOINTS {n}\nDATA binary\n")
    path = tmp_path / "extra.pcd"
    path.write_bytes(header.encode() + rec.tobytes())
    got = load_scan(path)
    np.testing.assert_allclose(got.points, scan.points, atol=1e-4)
    comp = tmp_path / "extra_c.pcd"
    comp.write_bytes(compressed_pcd({"x": scan.points[:, 0], "y": scan.points[:, 1],
                                     "z": scan.points[:, 2], "intensity": rng.random(n),
                                     "label": rng.random(n)}))
    from footfit.pipeline import FootFitter

    fitter = FootFitter()
    ref = fitter.process(scan.points).feet[0].measurements.foot_length_mm
    for p in (path, comp):
        assert fitter.process(str(p)).feet[0].measurements.foot_length_mm == pytest.approx(
            ref, abs=0.5)


# ---------------------------------------------------------------------- non-foot guards
@pytest.mark.realscans
@pytest.mark.parametrize("front_mm", [70, 90])
def test_front_of_a_real_foot_is_refused_not_measured(tmp_path, realscans, front_mm):
    """Issue #16: the front 70 mm of a real foot printed an 88.7 mm foot with a full table."""
    from footfit.exceptions import DegenerateScanError
    from footfit.pipeline import FootFitter

    pts = load_scan(realscans / "orbbec-6view" / "left.asc").points
    toes = pts[pts[:, 1] < pts[:, 1].min() + front_mm]  # toes toward -y (README there)
    path = save_scan(toes, tmp_path / "toes.xyz")
    # refused as no foot-like object (isolation) or as no whole foot (the length guard)
    with pytest.raises(DegenerateScanError, match=r"toes\.xyz: no (whole foot: .* shorter "
                                                  r"than the 100 mm|foot-like object)"):
        FootFitter().process(str(path))


def test_front_of_a_foot_measured_along_its_diagonal_is_refused(tmp_path):
    """Found by the fuzz corpus: the front 70 mm of the demo foot measured as a 104.9 mm foot
    (its diagonal) with a 159 mm ball girth: 1.5x its length, no whole foot has that.
    """
    from footfit.exceptions import DegenerateScanError
    from footfit.pipeline import FootFitter

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from fuzz_corpus import _toes

    toes = _toes(SAMPLES / "demo_right_m.ply")
    path = save_scan(toes[toes[:, 1] > toes[:, 1].max() - 70.0], tmp_path / "front.xyz")
    with pytest.raises(DegenerateScanError, match=r"front\.xyz: no whole foot: .* ball girth "
                                                  r"\(1\.\d\dx its length"):
        FootFitter().process(str(path))


def test_mixed_polygon_faces_are_read_without_a_loop_over_lines(tmp_path, rng):
    """OFF/OBJ faces of mixed sizes (and OFF colours after the indices) are fanned by numpy
    (the loop over lines it replaces took ~4 s per 35k faces; time is not asserted here).
    """
    n = 100_000
    pts = rng.uniform(0, 250, (n, 3))
    quads = rng.integers(0, n, (n // 2, 4))
    tris = rng.integers(0, n, (n // 2, 3))
    lines = [f"4 {a} {b} {c} {d}" for a, b, c, d in quads]
    lines += [f"3 {a} {b} {c} 255 0 0" for a, b, c in tris]
    text = (f"OFF\n{n} {n} 0\n" + "\n".join(f"{x} {y} {z}" for x, y, z in pts) + "\n"
            + "\n".join(lines) + "\n")
    path = tmp_path / "mixed.off"
    path.write_text(text)
    from footfit.io._mesh import read_off

    raw = read_off(path, max_points=5_000_000)
    expected = np.vstack([quads[:, [0, 1, 2]], quads[:, [0, 2, 3]], tris])
    got = raw.faces
    assert got.shape == (n // 2 * 3, 3)
    assert {tuple(f) for f in got.tolist()} == {tuple(f) for f in expected.tolist()}


def test_ply_declaring_far_more_faces_than_vertices_is_refused_before_reading(tmp_path):
    header = ("ply\nformat binary_little_endian 1.0\nelement vertex 3\nproperty float x\n"
              "property float y\nproperty float z\nelement face 200000000\n"
              "property list uchar int vertex_indices\nend_header\n")
    path = tmp_path / "f.ply"
    path.write_bytes(header.encode() + bytes(36) + bytes(64))
    with pytest.raises(InvalidScanError, match=r"f\.ply: header declares 200000000 faces for 3"):
        load_scan(path)
