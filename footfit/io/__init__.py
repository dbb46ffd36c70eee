"""Load and save foot scans: every common point and mesh format, units detected, bad files refused.

:func:`load_scan` reads PLY (ASCII and binary, cloud or mesh), PCD (ASCII, binary,
binary_compressed), XYZ / ASC / TXT / CSV point lists, OBJ, STL (ASCII and binary), OFF and
NPY / NPZ, converts the coordinates to millimetres and returns a :class:`Scan`. Anything it
cannot use raises :class:`~footfit.exceptions.InvalidScanError` with the file and the problem
in one line. :func:`save_scan` writes the point formats.
"""

from __future__ import annotations

from footfit.io._units import detect_units
from footfit.io.describe import PLAUSIBLE_EXTENT_MM, check_foot_scan_extent, describe_scan
from footfit.io.load import FORMATS, load_scan, preload_readers, read_mesh
from footfit.io.load import _readers as _readers  # footfit.pipeline warms up with it
from footfit.io.save import WRITABLE, save_scan
from footfit.io.scan import Scan

__all__ = ["FORMATS", "PLAUSIBLE_EXTENT_MM", "WRITABLE", "Scan", "check_foot_scan_extent",
           "describe_scan", "detect_units", "load_scan", "preload_readers", "read_mesh",
           "save_scan"]
