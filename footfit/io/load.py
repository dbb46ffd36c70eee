"""Reading a scan: :func:`load_scan` (a file, an array or a :class:`Scan`) in millimetres.

The format readers (``_ply``, ``_pcd``, ``_text``, ``_mesh``, ``_npy``) return a raw
:class:`~footfit.io._common.RawScan`; :func:`_finish` turns it into a :class:`Scan` in named
steps: counts checked, bad rows dropped with a warning, units detected, meshes sampled.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from footfit._core.typing import ArrayLike, BoolArray, FloatArray, IntArray, PathType
from footfit._core.validation import check_choice
from footfit.exceptions import InvalidScanError
from footfit.io._common import RawScan, ScanFileError
from footfit.io._units import UNIT_SCALES, detect_units, find_far_points
from footfit.io.scan import Scan

__all__ = ["FORMATS", "load_scan", "preload_readers", "read_mesh"]

#: File extensions read by :func:`load_scan` (the format name is the extension).
FORMATS = ("ply", "pcd", "xyz", "asc", "txt", "csv", "obj", "stl", "off", "npy", "npz")
_UNITS = ("auto", *UNIT_SCALES)


def _readers() -> dict[str, Any]:
    from footfit.io._mesh import read_obj, read_off, read_stl
    from footfit.io._npy import read_npy, read_npz
    from footfit.io._pcd import read_pcd
    from footfit.io._ply import read_ply
    from footfit.io._text import read_points_text

    text = read_points_text
    return {
        "ply": read_ply, "pcd": read_pcd, "xyz": text, "asc": text, "txt": text, "csv": text,
        "obj": read_obj, "stl": read_stl, "off": read_off, "npy": read_npy, "npz": read_npz,
    }  # fmt: skip


def preload_readers() -> None:
    """Import every format reader now (a server warms up with it; else on first use)."""
    _readers()


def read_mesh(path: PathType, *, max_points: int = 10_000_000) -> tuple[FloatArray, IntArray]:
    """Return the vertices and triangles of a mesh file as stored (no units, no cleaning).

    For tools that resample a surface themselves (the real-shaped benchmark scans); an STL
    gives its unmerged triangle corners. Scans for measuring go through :func:`load_scan`.

    Parameters
    ----------
    path : path
        An OBJ, STL, OFF or PLY mesh.
    max_points : int, default=10_000_000
        Ceiling on the vertices.

    Returns
    -------
    vertices : (n, 3) float
    faces : (m, 3) int

    Raises
    ------
    InvalidScanError
        Missing, unreadable or corrupt file, an unknown extension, or no faces.
    """
    name = os.fspath(path)
    fmt, raw = _read_file(Path(name), name, max_points)
    if raw.faces is None or not len(raw.faces):
        raise InvalidScanError(f"{name}: no faces (not a mesh)")
    return np.asarray(raw.points, dtype=np.float64), np.asarray(raw.faces, dtype=np.intp)


def load_scan(
    source: PathType | ArrayLike | Scan,
    *,
    units: str = "auto",
    max_points: int = 5_000_000,
    min_points: int = 500,
    sample_mesh: bool = True,
) -> Scan:
    """Load a foot scan from a file, an array or a :class:`Scan`, in millimetres.

    Parameters
    ----------
    source : path, (n, 3) array_like of float or Scan
        Scan file (format from the extension, see :data:`FORMATS`), coordinates, or a scan
        already loaded (returned unchanged, or converted when ``units`` is given).
    units : {'auto', 'mm', 'cm', 'm', 'in'}, default='auto'
        Unit of the source coordinates; ``'auto'`` detects it from the size
        (:func:`detect_units`).
    max_points : int, default=5_000_000
        Ceiling on the points (vertices) a source may hold; larger files are refused before
        their body is read.
    min_points : int, default=500
        Fewest finite points accepted (after mesh sampling).
    sample_mesh : bool, default=True
        Add area-weighted surface samples to meshes whose vertices are sparser than one per
        4 mm^2, at most 400 000 (seeded, so the same file always gives the same points;
        figures in ``footfit/data/scan_loading.json``).

    Returns
    -------
    Scan

    Raises
    ------
    InvalidScanError
        Missing, empty, unreadable, truncated or corrupt file; unknown extension; most
        coordinates not finite; too few or too many points; a size that fits no unit.
    ValueError
        If ``units`` is not one of the choices.
    TypeError
        If ``source`` is neither a path, an array nor a Scan.

    Notes
    -----
    Rows with NaN or infinite coordinates are dropped with a warning when they are a
    minority, and the scan refused when they are most of it.

    Examples
    --------
    >>> import numpy as np
    >>> pts = np.random.default_rng(0).uniform([0, 0, 0], [10, 26, 8], (1000, 3))
    >>> scan = load_scan(pts)
    >>> scan.units_detected, scan.scale_to_mm, bool(np.ptp(scan.points[:, 1]) > 250)
    ('cm', 10.0, True)
    """
    return _load(source, units=units, max_points=max_points, min_points=min_points,
                 sample_mesh=sample_mesh)[0]


def _load(source, *, units, max_points, min_points, sample_mesh) -> tuple[Scan, dict]:
    check_choice(units, _UNITS, name="units")
    if isinstance(source, Scan):
        return _reunit(source, units), {}
    if isinstance(source, (str, os.PathLike)):
        name = os.fspath(source)
        fmt, raw = _read_file(Path(name), name, max_points)
    elif isinstance(source, (bytes, bytearray)):
        raise TypeError("`source` must be a path, an (n, 3) array or a Scan; got bytes")
    else:
        name, fmt = "<array>", "array"
        try:
            arr = np.asarray(source, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            kind = type(source).__name__
            raise TypeError(
                f"`source` must be a path, an (n, 3) array or a Scan; got {kind}"
            ) from exc
        if arr.ndim != 2 or arr.shape[1] != 3:
            raise InvalidScanError(f"<array>: shape {arr.shape}; expected (n, 3)")
        if arr.shape[0] > max_points:
            raise InvalidScanError(
                f"<array>: {arr.shape[0]} points, more than the ceiling max_points={max_points}"
            )
        raw = RawScan(arr.copy())
    try:
        return _finish(raw, name, fmt, units, max_points, min_points, sample_mesh)
    except ScanFileError as exc:
        raise InvalidScanError(f"{name}: {exc}") from None


def _read_file(path: Path, name: str, max_points: int) -> tuple[str, RawScan]:
    if not path.exists():
        raise InvalidScanError(f"{name}: no such file")
    if path.is_dir():
        raise InvalidScanError(f"{name}: is a folder, not a scan file")
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        shown = path.suffix or "(none)"
        raise InvalidScanError(
            f"{name}: unknown extension {shown}; footfit reads {', '.join(FORMATS)}"
        )
    try:
        if path.stat().st_size == 0:
            raise InvalidScanError(f"{name}: empty file (0 bytes)")
        # Garbage bytes may decode as signalling NaNs or huge values: casting them must not
        # warn; they are counted and dropped (or refused) with the other non-finite values.
        with np.errstate(invalid="ignore", over="ignore"):
            raw = _readers()[fmt](path, max_points=max_points)
    except ScanFileError as exc:
        raise InvalidScanError(f"{name}: {exc}") from None
    except OSError as exc:
        raise InvalidScanError(f"{name}: cannot read ({exc.strerror or exc})") from None
    return fmt, raw


def _check_counts(raw: RawScan, max_points: int) -> None:
    """Refuse a source without points, with faces naming absent vertices, or too large."""
    points, faces = raw.points, raw.faces
    n_in = points.shape[0]
    if n_in == 0:
        raise ScanFileError("no points")
    if faces is not None and faces.size and (faces.min() < 0 or faces.max() >= n_in):
        bad = int(faces.max() if faces.max() >= n_in else faces.min())
        raise ScanFileError(f"face index {bad} out of range ({n_in} vertices)")
    if n_in > max_points:
        raise ScanFileError(f"{n_in} points, more than the ceiling max_points={max_points}")


def _usable_rows(points: FloatArray) -> tuple[BoolArray, int, int]:
    """Rows to keep: finite and not absurdly far; with the counts of the two kinds dropped.

    Absurd strays (a 1e30 row, a vertex at 2.8e10) are dropped before they can decide the
    units, the size or where a mesh's surface samples go (issue #16).
    """
    n_in = points.shape[0]
    # One reduction settles the common all-finite case (NaN and inf propagate through a sum).
    with np.errstate(over="ignore", invalid="ignore"):
        all_finite = bool(np.isfinite(points.sum()))
    finite = np.ones(n_in, dtype=bool) if all_finite else np.isfinite(points).all(axis=1)
    n_bad = n_in - int(finite.sum())
    far = find_far_points(points if all_finite else points[finite])
    n_far = int(far.sum())
    if n_far:
        if all_finite:
            finite = ~far
        else:
            finite[np.flatnonzero(finite)[far]] = False
    return finite, n_bad, n_far


def _drop_warnings(raw: RawScan, n_bad: int, n_far: int) -> list[str]:
    """Refuse a scan that is mostly bad rows; else the warnings saying what was dropped."""
    n_in = raw.points.shape[0]
    organized = raw.meta.get("organized")
    if (n_bad + n_far) * 2 > n_in and not organized:
        what = "NaN, infinite or absurd" if n_far else "NaN or infinite"
        raise ScanFileError(
            f"{n_bad + n_far} of {n_in} points have {what} coordinates (most of the scan)"
        )
    warnings = []
    if n_bad and organized:  # empty depth pixels, not damage: say it, do not refuse
        warnings.append(f"dropped {n_bad} of {n_in} empty (NaN) pixels of an organized "
                        f"{organized} cloud")
    elif n_bad:
        warnings.append(f"dropped {n_bad} of {n_in} points with NaN or infinite coordinates")
    if n_far:
        warnings.append(f"dropped {n_far} of {n_in} points absurdly far from the rest of the "
                        "scan (stray values)")
    return warnings


def _keep_rows(points, normals, faces, keep: BoolArray) -> tuple:
    """Drop the rows not in ``keep`` from points and normals, and the faces touching them."""
    points = points[keep]
    normals = None if normals is None else normals[keep]
    if faces is not None:
        n_faces = faces.shape[0]
        remap = np.cumsum(keep) - 1
        faces = faces[keep[faces].all(axis=1)] if faces.size else faces
        faces = remap[faces]
        if faces.shape[0] * 2 <= n_faces:
            raise ScanFileError(
                f"{n_faces - faces.shape[0]} of {n_faces} faces have a corner with NaN, "
                "infinite or absurd coordinates (most of the mesh)"
            )
    return points, normals, faces


def _to_mm(points: FloatArray, units: str) -> tuple[FloatArray, str, float, list[str]]:
    """Detect (or take) the units and scale the points to millimetres."""
    warnings: list[str] = []
    if units == "auto":
        try:
            unit, scale, warnings = detect_units(points)
        except InvalidScanError as exc:
            raise ScanFileError(str(exc)) from None
        warnings = list(warnings)
    else:
        unit, scale = units, UNIT_SCALES[units]
    if scale != 1.0:
        with np.errstate(over="ignore"):
            points = points * scale
        if not np.isfinite(points).all():  # 1e306 m is no longer a float in mm
            raise ScanFileError(
                f"coordinates too large to convert from {unit} to mm (absurd values)"
            )
    return points, unit, scale, warnings


def _finish(raw: RawScan, name, fmt, units, max_points, min_points, sample_mesh) -> tuple:
    """Turn what a reader returned into a :class:`Scan` (and the reading's metadata).

    In steps: counts checked, bad rows dropped (with warnings), units to mm, a mesh's
    surface sampled.
    """
    from footfit.io._mesh import prepare_mesh

    _check_counts(raw, max_points)
    points, normals, faces = raw.points, raw.normals, raw.faces
    n_in = points.shape[0]
    keep, n_bad, n_far = _usable_rows(points)
    warnings = [*raw.warnings, *_drop_warnings(raw, n_bad, n_far)]
    n_bad += n_far
    if n_bad:
        points, normals, faces = _keep_rows(points, normals, faces, keep)
    if normals is not None and not np.isfinite(normals).all():
        warnings.append("normals with NaN or infinite values ignored")
        normals = None
    is_mesh = faces is not None and faces.shape[0] > 0
    if not is_mesh and points.shape[0] < min_points:
        raise ScanFileError(
            f"too few points to measure a foot: found {points.shape[0]}, need {min_points}"
        )
    points, unit, scale, unit_warnings = _to_mm(points, units)
    warnings.extend(unit_warnings)
    meta: dict[str, Any] = {"faces": 0, "vertices": points.shape[0], "samples": 0,
                            "dropped": n_bad, **raw.meta}
    if is_mesh:
        with np.errstate(invalid="ignore", over="ignore"):  # absurd stray vertices
            points, normals, mesh_meta, mesh_warnings = prepare_mesh(
                points, faces, normals, sample=sample_mesh, max_points=max_points
            )
        meta.update(mesh_meta)
        warnings.extend(mesh_warnings)
        if points.shape[0] < min_points:
            raise ScanFileError(
                f"too few points to measure a foot: found {points.shape[0]} (mesh vertices and "
                f"samples), need {min_points}"
            )
    scan = Scan(
        points=np.ascontiguousarray(points),
        normals=None if normals is None else np.ascontiguousarray(normals, dtype=np.float64),
        source=name, format=fmt, units_detected=unit, scale_to_mm=float(scale),
        points_in=n_in, points_kept=points.shape[0], is_mesh=is_mesh,
        warnings=tuple(warnings),
    )  # fmt: skip
    return scan, meta


def _reunit(scan: Scan, units: str) -> Scan:
    if units == "auto" or UNIT_SCALES[units] == scan.scale_to_mm:
        return scan
    factor = UNIT_SCALES[units] / scan.scale_to_mm
    kept = tuple(w for w in scan.warnings if not w.startswith("units ambiguous"))
    return replace(scan, points=scan.points * factor, units_detected=units,
                   scale_to_mm=UNIT_SCALES[units], warnings=kept)
