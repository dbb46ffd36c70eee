"""Detect the length unit of a scan from its size."""

from __future__ import annotations

import numpy as np

from .._typing import ArrayLike
from ..exceptions import InvalidScanError
from ._common import loading_params

__all__ = ["UNIT_SCALES", "UNITS_BY_PREFERENCE", "detect_units", "robust_extent"]

#: Millimetres per unit of the file's coordinates.
UNIT_SCALES = {"mm": 1.0, "cm": 10.0, "m": 1000.0, "in": 25.4}
#: Ties go to the unit scanners use more (issue #2): mm, then m, then cm, then inch.
UNITS_BY_PREFERENCE = ("mm", "m", "cm", "in")

# The size windows, trimming and sample size are design choices kept in
# models/scan_loading.json ("units"), with their sources.


def robust_extent(points: ArrayLike) -> np.ndarray:
    """Return the extents (largest first) along the principal axes, tails trimmed.

    Parameters
    ----------
    points : (n, 3) array_like of float
        Cloud in any unit.

    Returns
    -------
    (3,) ndarray of float64
        Ranges between the 0.1th and 99.9th percentiles (``trim_percent`` of
        ``models/scan_loading.json``) along the principal axes, so that a scan in an oblique
        pose is not oversized by its bounding box diagonal and a few stray points do not
        count.
    """
    cfg = loading_params()["units"]
    pts = np.asarray(points, dtype=np.float64)
    sample, trim = int(cfg["sample_points"]), float(cfg["trim_percent"])
    if pts.shape[0] > sample:  # deterministic stride
        pts = pts[:: pts.shape[0] // sample + 1]
    with np.errstate(over="ignore", invalid="ignore"):
        centred = pts - pts.mean(axis=0)
        cov = centred.T @ centred
    if np.isfinite(cov).all():
        proj = centred @ np.linalg.eigh(cov)[1]
    else:  # absurd values (1e308) overflow: their box is enough to refuse them
        proj = pts
    lo, hi = np.percentile(proj, [trim, 100 - trim], axis=0)
    return np.sort(hi - lo)[::-1]


def detect_units(points: ArrayLike) -> tuple[str, float, tuple[str, ...]]:
    """Detect whether a foot scan is in mm, cm, m or inches from its size.

    Parameters
    ----------
    points : (n, 3) array_like of float
        Finite coordinates in the file's unit.

    Returns
    -------
    units : {'mm', 'cm', 'm', 'in'}
        Detected unit.
    scale_to_mm : float
        Millimetres per unit.
    warnings : tuple of str
        One warning when another unit fits as well, telling how to override.

    Raises
    ------
    InvalidScanError
        If the size fits no unit (message gives the extent and the override).

    Notes
    -----
    The size is the largest robust extent :math:`L` (see :func:`robust_extent`). A unit fits
    when :math:`L` times its scale lies in 90-360 mm (a foot, [1]_), or failing that in
    360-1500 mm (a foot with leg, second foot or floor); the windows are in
    ``models/scan_loading.json``. Several fitting units are resolved
    in the order mm, m, cm, in, with a warning. Only cm and in can both fit: a foot 10-14
    units long, or 36-59 units for a larger scene.

    References
    ----------
    .. [1] footfit ``DOMAIN.md`` section 2 (canonical frame): "a foot is 100-350 mm long, so
       0.1-0.35 means metres, 10-35 centimetres, 4-14 inches; let the caller override".

    Examples
    --------
    >>> import numpy as np
    >>> box = np.random.default_rng(0).uniform([0, 0, 0], [0.1, 0.26, 0.08], (2000, 3))
    >>> detect_units(box)[:2]
    ('m', 1000.0)
    """
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 3 or pts.shape[0] < 2:
        raise InvalidScanError(f"cannot detect units of an array of shape {pts.shape}")
    size = float(robust_extent(pts)[0])
    cfg = loading_params()["units"]
    for lo, hi in (cfg["foot_window_mm"], cfg["scan_window_mm"]):
        fits = [u for u in UNITS_BY_PREFERENCE if lo <= size * UNIT_SCALES[u] <= hi]
        if fits:
            break
    if not fits:
        raise InvalidScanError(
            f"size {size:.4g} (largest extent) fits no unit: a foot is 100-350 mm long "
            "(scans up to 1500 mm); pass units='mm'|'cm'|'m'|'in' (CLI: --units)"
        )
    unit = fits[0]
    warnings: tuple[str, ...] = ()
    if len(fits) > 1:
        others = " or ".join(f"{u} ({size * UNIT_SCALES[u]:.0f} mm)" for u in fits[1:])
        warnings = (
            f"units ambiguous: size {size:.4g} fits {unit} ({size * UNIT_SCALES[unit]:.0f} mm) "
            f"or {others}; took {unit}, pass units= (CLI: --units) to override",
        )
    return unit, UNIT_SCALES[unit], warnings
