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
    out = subprocess.run([sys.executable, "-m", "footfit.cli", "process", str(path)],
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
