"""Pieces shared by the scan readers and writers: the raw result, errors, safe file access."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from footfit._core.typing import FloatArray, IntArray
from footfit.exceptions import InvalidScanError

__all__ = [
    "RawScan",
    "ScanFileError",
    "loading_params",
    "read_all_bytes",
    "unit_normal_columns",
]


def loading_params() -> dict:
    """Return the design choices of scan loading, from ``footfit/data/scan_loading.json``."""
    from footfit._data import load_table

    return load_table("scan_loading.json")


class ScanFileError(InvalidScanError):
    """Raised by a reader with the problem only; :func:`footfit.io.load_scan` adds the file."""


@dataclass
class RawScan:
    """What a reader found, in the file's own units, before cleaning and unit detection."""

    points: FloatArray
    normals: FloatArray | None = None
    faces: IntArray | None = None
    warnings: list[str] = field(default_factory=list)
    meta: dict = field(default_factory=dict)  # extra facts for describe_scan


def read_all_bytes(path: Path, *, limit: int | None = None) -> bytes:
    """Return the whole file; ``limit`` (bytes) refuses files too large to hold in memory."""
    size = path.stat().st_size
    if limit is not None and size > limit:
        raise ScanFileError(
            f"file is {size / 1e6:.0f} MB, more than the {limit / 1e6:.0f} MB that "
            "`max_points` allows for this format"
        )
    return path.read_bytes()


def unit_normal_columns(block: FloatArray) -> bool:
    """Tell whether three columns hold unit normals (rather than colours or intensities).

    Columns are normals when the median row length is 1 within 5 % and at least 90 % of the
    rows are within 10 % of unit length (scanners write normals rounded to a few digits).
    """
    if block.shape[0] == 0 or block.shape[1] != 3:
        return False
    finite = np.isfinite(block).all(axis=1)
    n_finite = int(finite.sum())
    if not n_finite:
        return False
    # all rows finite (the usual case): stride the block itself, no filtered copy first
    rows = block if n_finite == len(block) else block[finite]
    with np.errstate(over="ignore", invalid="ignore"):
        norms = np.linalg.norm(rows[:: max(1, n_finite // 20_000)], axis=1)
        unit = np.abs(norms - 1.0)
    return bool(np.median(unit) < 0.05 and np.mean(unit < 0.1) > 0.9)
