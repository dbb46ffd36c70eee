"""What a scan file holds (:func:`describe_scan`) and whether its size can be a foot's."""

from __future__ import annotations

import os
from typing import Any

from footfit._core.typing import PathType
from footfit.exceptions import InvalidScanError
from footfit.io._units import detect_units
from footfit.io.load import _load
from footfit.io.scan import Scan

__all__ = ["PLAUSIBLE_EXTENT_MM", "check_foot_scan_extent", "describe_scan"]

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
