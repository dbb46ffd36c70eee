"""Load and save foot scans: every common point and mesh format, units detected, bad files refused.

:func:`load_scan` reads PLY (ASCII and binary, cloud or mesh), PCD (ASCII, binary,
binary_compressed), XYZ / ASC / TXT / CSV point lists, OBJ, STL (ASCII and binary), OFF and
NPY / NPZ, converts the coordinates to millimetres and returns a :class:`Scan`. Anything it
cannot use raises :class:`~footfit.exceptions.InvalidScanError` with the file and the problem
in one line. :func:`save_scan` writes the point formats.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from footfit._core.typing import ArrayLike, FloatArray, PathType
from footfit._core.validation import as_points, check_choice
from footfit.exceptions import InvalidScanError
from footfit.io._common import RawScan, ScanFileError
from footfit.io._units import UNIT_SCALES, detect_units, find_far_points

__all__ = ["FORMATS", "Scan", "check_foot_scan_extent", "describe_scan", "detect_units",
           "load_scan", "save_scan"]

#: File extensions read by :func:`load_scan` (the format name is the extension).
FORMATS = ("ply", "pcd", "xyz", "asc", "txt", "csv", "obj", "stl", "off", "npy", "npz")
#: Formats written by :func:`save_scan`.
WRITABLE = ("ply", "pcd", "xyz", "asc", "txt", "csv", "npy", "npz")
_UNITS = ("auto", *UNIT_SCALES)
_MESH_FORMATS = ("obj", "stl", "off")


@dataclass(frozen=True, eq=False)  # arrays: identity equality, hashable
class Scan:
    """A foot scan as loaded: points in millimetres and what was learnt reading them.

    Attributes
    ----------
    points : (n, 3) ndarray of float64, mm
        Finite coordinates (for a mesh: its vertices, then any surface samples).
    normals : (n, 3) ndarray of float64 or None
        Normals from the file (meshes: from the faces, pointing outward when the mesh is
        closed); ``None`` when the source has none.
    source : str
        The path as given, or ``"<array>"``.
    format : str
        ``"ply"``, ``"pcd"``, ``"xyz"``, ``"asc"``, ``"txt"``, ``"csv"``, ``"obj"``,
        ``"stl"``, ``"off"``, ``"npy"``, ``"npz"`` or ``"array"``.
    units_detected : {'mm', 'cm', 'm', 'in'}
        Unit of the source coordinates (detected, or as passed with ``units=``).
    scale_to_mm : float
        Factor applied to the source coordinates.
    points_in : int
        Rows (vertices) read from the source, including dropped non-finite ones.
    points_kept : int
        ``len(points)``.
    is_mesh : bool
        Whether the source had faces.
    warnings : tuple of str
        Things a user should know (dropped rows, ambiguous units, flipped normals...).
    """

    points: FloatArray
    normals: FloatArray | None
    source: str
    format: str
    units_detected: str
    scale_to_mm: float
    points_in: int
    points_kept: int
    is_mesh: bool
    warnings: tuple[str, ...] = ()

    def __repr__(self) -> str:
        normals = "normals" if self.normals is not None else "no normals"
        return (
            f"Scan({self.source!r}, {self.format}, {self.points_kept} points in mm "
            f"(from {self.units_detected}), {normals}, {len(self.warnings)} warnings)"
        )


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


def _finish(raw: RawScan, name, fmt, units, max_points, min_points, sample_mesh) -> tuple:
    from footfit.io._mesh import prepare_mesh

    points, normals, faces = raw.points, raw.normals, raw.faces
    warnings = list(raw.warnings)
    n_in = points.shape[0]
    if n_in == 0:
        raise ScanFileError("no points")
    if faces is not None and faces.size and (faces.min() < 0 or faces.max() >= n_in):
        bad = int(faces.max() if faces.max() >= n_in else faces.min())
        raise ScanFileError(f"face index {bad} out of range ({n_in} vertices)")
    if n_in > max_points:
        raise ScanFileError(f"{n_in} points, more than the ceiling max_points={max_points}")
    # One reduction settles the common all-finite case (NaN and inf propagate through a sum).
    with np.errstate(over="ignore", invalid="ignore"):
        all_finite = bool(np.isfinite(points.sum()))
    finite = np.ones(n_in, dtype=bool) if all_finite else np.isfinite(points).all(axis=1)
    n_bad = n_in - int(finite.sum())
    # Absurd strays (a 1e30 row, a vertex at 2.8e10) are dropped before they can decide the
    # units, the size or where a mesh's surface samples go (issue #16).
    far = find_far_points(points if all_finite else points[finite])
    n_far = int(far.sum())
    if n_far:
        if all_finite:
            finite = ~far
        else:
            finite[np.flatnonzero(finite)[far]] = False
    organized = raw.meta.get("organized")
    if (n_bad + n_far) * 2 > n_in and not organized:
        what = "NaN, infinite or absurd" if n_far else "NaN or infinite"
        raise ScanFileError(
            f"{n_bad + n_far} of {n_in} points have {what} coordinates (most of the scan)"
        )
    if n_bad and organized:  # empty depth pixels, not damage: say it, do not refuse
        warnings.append(f"dropped {n_bad} of {n_in} empty (NaN) pixels of an organized "
                        f"{organized} cloud")
    elif n_bad:
        warnings.append(f"dropped {n_bad} of {n_in} points with NaN or infinite coordinates")
    if n_far:
        warnings.append(f"dropped {n_far} of {n_in} points absurdly far from the rest of the "
                        "scan (stray values)")
    n_bad += n_far
    if n_bad:
        points = points[finite]
        normals = None if normals is None else normals[finite]
        if faces is not None:
            n_faces = faces.shape[0]
            remap = np.cumsum(finite) - 1
            faces = faces[finite[faces].all(axis=1)] if faces.size else faces
            faces = remap[faces]
            if faces.shape[0] * 2 <= n_faces:
                raise ScanFileError(
                    f"{n_faces - faces.shape[0]} of {n_faces} faces have a corner with NaN, "
                    "infinite or absurd coordinates (most of the mesh)"
                )
    if normals is not None and not np.isfinite(normals).all():
        warnings.append("normals with NaN or infinite values ignored")
        normals = None
    is_mesh = faces is not None and faces.shape[0] > 0
    if not is_mesh and points.shape[0] < min_points:
        raise ScanFileError(
            f"too few points to measure a foot: found {points.shape[0]}, need {min_points}"
        )
    if units == "auto":
        try:
            unit, scale, unit_warnings = detect_units(points)
        except InvalidScanError as exc:
            raise ScanFileError(str(exc)) from None
        warnings.extend(unit_warnings)
    else:
        unit, scale = units, UNIT_SCALES[units]
    if scale != 1.0:
        with np.errstate(over="ignore"):
            points = points * scale
        if not np.isfinite(points).all():  # 1e306 m is no longer a float in mm
            raise ScanFileError(
                f"coordinates too large to convert from {unit} to mm (absurd values)"
            )
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


#: A foot scan, floor and leg included, measures 50 mm to 2 m across (its robust extent,
#: tails trimmed; the samples and real scans here: 260-510 mm). Units given by the user
#: that make it larger or smaller are refused by the pipeline (:func:`check_foot_scan_extent`)
#: rather than processed into nonsense; ``load_scan`` itself loads any size.
PLAUSIBLE_EXTENT_MM = (50.0, 2000.0)
_UNIT_WORDS = {"mm": "millimetres", "cm": "centimetres", "m": "metres", "in": "inches"}


def check_foot_scan_extent(scan: Scan) -> None:
    """Refuse a scan whose size in mm cannot be a foot scan's (wrong ``units`` given).

    Raises
    ------
    InvalidScanError
        Naming the file, the extent and, when the size points to one, the likely units.
    """
    from footfit.io._units import robust_extent

    if scan.points.shape[0] < 10:
        return
    ext = float(robust_extent(scan.points)[0])
    lo, hi = PLAUSIBLE_EXTENT_MM
    if lo <= ext <= hi:
        return
    try:
        guess, _, _ = detect_units(scan.points / scan.scale_to_mm)
        hint = f"; its size suggests {guess} (units 'auto' detects it)"
    except InvalidScanError:
        hint = ""
    raise InvalidScanError(
        f"{scan.source}: read in {_UNIT_WORDS[scan.units_detected]}, the scan is {ext:.4g} mm "
        f"across, but a foot scan is {lo:g}-{hi:g} mm{hint}"
    )


def _reunit(scan: Scan, units: str) -> Scan:
    if units == "auto" or UNIT_SCALES[units] == scan.scale_to_mm:
        return scan
    factor = UNIT_SCALES[units] / scan.scale_to_mm
    kept = tuple(w for w in scan.warnings if not w.startswith("units ambiguous"))
    return replace(scan, points=scan.points * factor, units_detected=units,
                   scale_to_mm=UNIT_SCALES[units], warnings=kept)


def save_scan(
    scan_or_points: Scan | ArrayLike,
    path: PathType,
    *,
    normals: ArrayLike | None = None,
    format: str | None = None,
    ascii: bool = False,
) -> Path:
    """Write a point cloud (mm) to PLY, PCD, XYZ / ASC / TXT / CSV, NPY or NPZ.

    Parameters
    ----------
    scan_or_points : Scan or (n, 3) array_like of float, mm
        What to write; a Scan's normals are written unless ``normals`` is given.
    path : path
        Destination. Written through a temporary file, so it is complete or absent.
    normals : (n, 3) array_like of float, optional
        Per-point normals.
    format : {'ply', 'pcd', 'xyz', 'asc', 'txt', 'csv', 'npy', 'npz'}, optional
        Defaults to the extension of ``path``.
    ascii : bool, default=False
        PLY and PCD: write text instead of binary (the point lists are always text).

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    ValueError
        Unknown format, non-finite values, or normals not matching the points.

    Notes
    -----
    Coordinates are written as float64 (binary) or as the shortest text that reads back to
    the same float64, so ``load_scan(save_scan(p, f), units="mm").points`` equals ``p``.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> pts = np.random.default_rng(0).uniform(0, 250, (600, 3))
    >>> out = save_scan(pts, os.path.join(tempfile.mkdtemp(), "foot.ply"))
    >>> bool(np.array_equal(load_scan(out, units="mm").points, pts))
    True
    """
    if isinstance(scan_or_points, Scan):
        points = scan_or_points.points
        if normals is None:
            normals = scan_or_points.normals
    else:
        points = as_points(scan_or_points, name="scan_or_points")
    if normals is not None:
        normals = as_points(normals, name="normals")
        if normals.shape != points.shape:
            raise ValueError(
                f"`normals` must have the shape of the points {points.shape}; got {normals.shape}"
            )
    path = Path(os.fspath(path))
    fmt = format if format is not None else path.suffix.lower().lstrip(".")
    check_choice(fmt, WRITABLE, name="format")
    if fmt == "ply":
        from footfit.io._ply import write_ply

        write_ply(path, points, normals, ascii=ascii)
    elif fmt == "pcd":
        from footfit.io._pcd import write_pcd

        write_pcd(path, points, normals, ascii=ascii)
    elif fmt in ("npy", "npz"):
        from footfit.io._npy import write_npy, write_npz

        (write_npy if fmt == "npy" else write_npz)(path, points, normals)
    else:
        from footfit.io._text import write_points_text

        write_points_text(path, points, normals, csv=fmt == "csv")
    return path


def describe_scan(path: PathType, *, units: str = "auto") -> dict[str, Any]:
    """Describe a scan file: format, point counts, extent, units, normals, mesh, warnings.

    Parameters
    ----------
    path : path
        Scan file.
    units : {'auto', 'mm', 'cm', 'm', 'in'}, default='auto'
        As in :func:`load_scan`.

    Returns
    -------
    dict
        Ordered ``str -> str | int | float | bool | list`` (JSON-serialisable): ``file``,
        ``format``, ``points_in``, ``points``, ``dropped``, ``extent_mm`` (x, y, z of the
        bounding box), ``units_detected``, ``scale_to_mm``, ``normals`` and ``mesh``
        (bool), and for a mesh ``faces``, ``vertices``, ``surface_samples``; then
        ``warnings`` (list of str).

    Raises
    ------
    InvalidScanError
        As :func:`load_scan`.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"`path` must be a file path; got {type(path).__name__}")
    scan, meta = _load(path, units=units, max_points=5_000_000, min_points=1, sample_mesh=True)
    extent = scan.points.max(axis=0) - scan.points.min(axis=0)
    info: dict[str, Any] = {
        "file": scan.source,
        "format": scan.format,
        "points_in": scan.points_in,
        "points": scan.points_kept,
        "dropped": meta.get("dropped", 0),
        "extent_mm": [round(float(e), 1) for e in extent],
        "units_detected": scan.units_detected,
        "scale_to_mm": scan.scale_to_mm,
        "normals": scan.normals is not None,
        "mesh": bool(scan.is_mesh),
    }
    if scan.is_mesh:
        info["faces"] = meta["faces"]
        info["vertices"] = meta["vertices"]
        if "stl_corners" in meta:
            info["stl_corners_merged"] = meta["stl_corners"]
        info["surface_samples"] = meta["samples"]
    info["warnings"] = list(scan.warnings)
    return info
