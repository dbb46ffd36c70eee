"""Writing a point cloud: :func:`save_scan` (PLY, PCD, XYZ / ASC / TXT / CSV, NPY, NPZ)."""

from __future__ import annotations

import os
from pathlib import Path

from footfit._core.typing import ArrayLike, PathType
from footfit._core.validation import as_points, check_choice
from footfit.exceptions import InvalidParameterError
from footfit.io.scan import Scan

__all__ = ["WRITABLE", "save_scan"]

#: Formats written by :func:`save_scan`.
WRITABLE = ("ply", "pcd", "xyz", "asc", "txt", "csv", "npy", "npz")


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
    >>> from footfit.io import load_scan
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
            raise InvalidParameterError(
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
