"""Detect the length unit of a scan from its size."""

from __future__ import annotations

import numpy as np

from footfit._core.typing import ArrayLike
from footfit.exceptions import InvalidScanError
from footfit.io._common import loading_params

__all__ = ["UNIT_SCALES", "UNITS_BY_PREFERENCE", "detect_units", "find_far_points",
           "robust_extent"]

#: Millimetres per unit of the file's coordinates.
UNIT_SCALES = {"mm": 1.0, "cm": 10.0, "m": 1000.0, "in": 25.4}
#: Ties go to the unit scanners use more (issue #2): mm, then m, then cm, then inch.
UNITS_BY_PREFERENCE = ("mm", "m", "cm", "in")

# The size windows, trimming and sample size are design choices kept in
# footfit/data/scan_loading.json ("units"), with their sources.


def _sample(pts: np.ndarray, size: int) -> np.ndarray:
    """At most ``size`` rows of ``pts``, by a deterministic stride."""
    return pts[:: pts.shape[0] // size + 1] if pts.shape[0] > size else pts


def _bulk_bound(sample: np.ndarray) -> tuple[np.ndarray, float]:
    """Median centre and the distance beyond which a point is an absurd stray (inf: none)."""
    cfg = loading_params()["outliers"]
    with np.errstate(over="ignore", invalid="ignore"):
        centre = np.median(sample, axis=0)
        spread = float(np.median(np.abs(sample - centre).max(axis=1)))
    if not (np.isfinite(spread) and spread > 0):  # half the points identical: no scale
        return centre, np.inf
    return centre, float(cfg["far_factor"]) * spread


def find_far_points(points: ArrayLike) -> np.ndarray:
    """Flag points absurdly far from the bulk of a cloud (a 1e30 stray, a vertex at 2.8e10).

    Parameters
    ----------
    points : (n, 3) array_like of float
        Finite coordinates in any unit.

    Returns
    -------
    (n,) ndarray of bool
        True where a point lies farther from the median centre (along any axis) than
        ``far_factor`` (``models/scan_loading.json``, ``outliers``) times the median such
        distance. Robust to strays being up to half the cloud, and unit-free.

    Examples
    --------
    >>> import numpy as np
    >>> pts = np.random.default_rng(0).uniform(0, 250, (1000, 3))
    >>> pts[7] = 1e30
    >>> np.flatnonzero(find_far_points(pts)).tolist()
    [7]
    """
    pts = np.asarray(points, dtype=np.float64)
    if pts.shape[0] < 3:
        return np.zeros(pts.shape[0], dtype=bool)
    cfg = loading_params()["units"]
    far = np.zeros(pts.shape[0], dtype=bool)
    # Again on what is left while that drops something (at most 4 rounds): garbage values
    # spread over hundreds of orders of magnitude widen the first bound; a real scan's is
    # stable after one round.
    for _ in range(4):
        near = np.flatnonzero(~far)
        if near.size < 3:
            break
        sub = pts if near.size == len(pts) else pts[near]  # round one: no copy
        centre, bound = _bulk_bound(_sample(sub, int(cfg["sample_points"])))
        if not np.isfinite(bound):
            break
        with np.errstate(over="ignore", invalid="ignore"):
            out = ~(np.abs(sub - centre) <= bound).all(axis=1)
        if not out.any():
            break
        far[near[out]] = True
    return far


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
        ``footfit/data/scan_loading.json``) along the principal axes, so that a scan in an oblique
        pose is not oversized by its bounding box diagonal and a few stray points do not
        count. Points absurdly far from the bulk (:func:`find_far_points`) are left out
        first: one point at 1e30 would otherwise swamp the centre and the principal axes
        and cancel the foot's extent numerically (issue #16).
    """
    cfg = loading_params()["units"]
    pts = _sample(np.asarray(points, dtype=np.float64), int(cfg["sample_points"]))
    trim = float(cfg["trim_percent"])
    centre, bound = _bulk_bound(pts)
    if np.isfinite(bound):
        with np.errstate(over="ignore", invalid="ignore"):
            near = (np.abs(pts - centre) <= bound).all(axis=1)
        if near.sum() >= 3:
            pts = pts[near]
    with np.errstate(over="ignore", invalid="ignore"):
        centred = pts - np.median(pts, axis=0)
        cov = centred.T @ centred
    if np.isfinite(cov).all():
        proj = centred @ np.linalg.eigh(cov)[1]
    else:  # absurd values (1e308) overflow: their box is enough to refuse them
        proj = pts
    lo, hi = np.percentile(proj, [trim, 100 - trim], axis=0)
    return np.sort(hi - lo)[::-1]


def detect_units(points: ArrayLike) -> tuple[str, float, tuple[str, ...]]:
    r"""Detect whether a foot scan is in mm, cm, m or inches from its size.

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
    The size is the largest robust extent :math:`L_1` (see :func:`robust_extent`). A lone
    foot is elongated (:math:`L_2 \le 0.6 L_1` and :math:`L_3 \le 0.5 L_1`): a unit fits
    when :math:`L_1` times its scale is a foot length, 90-360 mm [1]_, or failing that a
    scene of 360-1000 mm (foot with leg). A compact cloud (a foot on a floor patch, two feet,
    a leg, outliers) is a scene first, 230-1000 mm, and only failing that a foot; mm and m
    win wherever they fit. Units fitting are resolved in the order mm, m, cm, in, with a
    warning that also names the units the other reading would give; only cm and in tie (a
    foot 10-14 units long, a compact scene 23-39 units). Windows and ratios are in
    ``footfit/data/scan_loading.json``, with how they were chosen.

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
    extent = robust_extent(pts)
    size = float(extent[0])
    cfg = loading_params()["units"]
    foot, scene = cfg["foot_window_mm"], cfg["scene_window_mm"]
    second, third = cfg["compact_ratios"]
    compact = bool(extent[1] > second * extent[0] or extent[2] > third * extent[0])

    def fitting(window: list[float]) -> list[str]:
        lo, hi = window
        return [u for u in UNITS_BY_PREFERENCE if lo <= size * UNIT_SCALES[u] <= hi]

    if compact:
        # mm and m, the common scanner units, win wherever they fit; between cm and inch a
        # compact cloud is read as a scene first (an inch scene, not a small cm foot).
        in_scene, in_foot = fitting(cfg["compact_scene_window_mm"]), fitting(foot)
        common = [u for u in ("mm", "m") if u in in_scene or u in in_foot]
        fits = list(dict.fromkeys(common + in_scene + in_foot))
    else:
        fits = fitting(foot) or fitting(scene)
    if not fits:
        shape = "compact " if compact else ""
        raise InvalidScanError(
            f"size {size:.4g} (largest extent of a {shape}cloud) fits no unit: a foot is "
            f"100-350 mm long, a scan up to {scene[1]:.0f} mm; pass units='mm'|'cm'|'m'|'in' "
            "(CLI: --units)"
        )
    unit, others = fits[0], fits[1:]
    warnings: tuple[str, ...] = ()
    if others:
        alt = " or ".join(f"{u} ({size * UNIT_SCALES[u]:.0f} mm)" for u in others)
        warnings = (
            f"units ambiguous: size {size:.4g} fits {unit} ({size * UNIT_SCALES[unit]:.0f} mm) "
            f"or {alt}; took {unit}, pass units= (CLI: --units) to override",
        )
    return unit, UNIT_SCALES[unit], warnings
