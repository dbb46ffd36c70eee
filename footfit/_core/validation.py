"""Argument validation shared by every public entry point (one dtype policy: float64)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from footfit._core.typing import ArrayLike, FloatArray
from footfit.exceptions import DegenerateScanError, InvalidMeasurementError, InvalidParameterError

__all__ = [
    "as_finite",
    "as_normals",
    "as_points",
    "check_choice",
    "check_foot_length_range",
    "check_positive",
    "is_child_length",
]


def as_points(points: ArrayLike, *, name: str = "points", min_points: int = 1) -> FloatArray:
    """Return ``points`` as a C-contiguous ``(n, 3)`` float64 array of finite values.

    Parameters
    ----------
    points : (n, 3) array_like of float
        Coordinates.
    name : str, default="points"
        Argument name used in error messages.
    min_points : int, default=1
        Fewest rows accepted.

    Returns
    -------
    (n, 3) ndarray of float64

    Raises
    ------
    TypeError
        If ``points`` cannot be converted to a numeric array.
    ValueError
        If the shape is not ``(n, 3)`` or a value is not finite.
    DegenerateScanError
        If there are fewer than ``min_points`` rows.

    Examples
    --------
    >>> as_points([[0, 0, 0], [1, 2, 3]]).dtype
    dtype('float64')
    """
    try:
        arr = np.ascontiguousarray(points, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        kind = type(points).__name__
        raise TypeError(f"`{name}` must be an (n, 3) array of numbers; got {kind}") from exc
    if arr.ndim != 2 or arr.shape[1] != 3:
        raise InvalidParameterError(f"`{name}` must have shape (n, 3); got {arr.shape}")
    if not np.isfinite(arr).all():
        bad = int((~np.isfinite(arr).all(axis=1)).sum())
        raise InvalidParameterError(f"`{name}` has {bad} rows with NaN or infinite values")
    if arr.shape[0] < min_points:
        raise DegenerateScanError(
            f"`{name}` has {arr.shape[0]} points; at least {min_points} are needed"
        )
    return arr


def as_normals(normals: ArrayLike, points: FloatArray, *, name: str = "normals") -> FloatArray:
    """Return ``normals`` validated like :func:`as_points` and shaped like ``points``.

    Raises
    ------
    ValueError
        If the shape differs from ``points.shape`` or a value is not finite.
    """
    nrm = as_points(normals, name=name)
    if nrm.shape != points.shape:
        raise InvalidParameterError(f"`{name}` must have shape {points.shape}; got {nrm.shape}")
    return nrm


def as_finite(
    value: object,
    *,
    name: str,
    error: type[Exception] = ValueError,
    type_error: type[Exception] | None = TypeError,
) -> float:
    """Return ``float(value)`` if it is a finite number, else raise naming ``name``.

    Parameters
    ----------
    value : object
        The value to check.
    name : str
        Argument name used in error messages.
    error : exception class, default=ValueError
        Raised for a value that is not finite.
    type_error : exception class, optional
        Raised for a value that is not a number; ``None`` raises ``error`` for it too.
    """
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise (type_error or error)(f"`{name}` must be a number; got {value!r}") from exc
    if not np.isfinite(v):
        raise error(f"`{name}` must be finite; got {shown(value)}")
    return v


def shown(value: object) -> str:
    """Return ``repr`` of a value for a message, numpy scalars as plain numbers.

    ``5.0``, not ``np.float64(5.0)``.
    """
    return repr(value.item() if isinstance(value, np.generic) else value)


def check_choice(value: object, choices: Iterable[object], *, name: str) -> object:
    """Return ``value`` if it is one of ``choices``, else raise ``ValueError`` naming both."""
    options = tuple(choices)
    if value not in options:
        listed = ", ".join(repr(c) for c in options)
        raise InvalidParameterError(f"`{name}` must be one of {listed}; got {shown(value)}")
    return value


def check_positive(value: float, *, name: str, allow_zero: bool = False) -> float:
    """Return ``float(value)`` if it is finite and positive (or zero when allowed)."""
    try:
        v = float(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"`{name}` must be a number; got {value!r}") from exc
    if not np.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise InvalidParameterError(
            f"`{name}` must be a finite number {bound}; got {shown(value)}"
        )
    return v


def is_child_length(foot_length_mm: float, child: bool | None, *, child_below_mm: float) -> bool:
    """Whether a foot is sized on the children's scales.

    ``child`` decides when given; otherwise a foot shorter than ``child_below_mm`` is a
    child's.

    Examples
    --------
    >>> is_child_length(180.0, None, child_below_mm=210.0), is_child_length(180.0, False,
    ...                                                                   child_below_mm=210.0)
    (True, False)
    """
    if child is not None:
        return bool(child)
    return foot_length_mm < child_below_mm


def check_foot_length_range(
    foot_length_mm: float, *, child: bool, ranges: Mapping[str, Sequence[float]]
) -> None:
    """Raise unless ``foot_length_mm`` lies in its scales' range.

    Parameters
    ----------
    foot_length_mm : float
        The foot length to size.
    child : bool
        Sized on the children's scales (else the adult ones).
    ranges : mapping
        ``{"child": (lo, hi), "adult": (lo, hi)}`` in mm.

    Raises
    ------
    InvalidMeasurementError
        Outside the range of its scales; the message gives the range of the other scale's
        union when the length is outside every scale.
    """
    lo, hi = (float(v) for v in ranges["child" if child else "adult"])
    if lo <= foot_length_mm <= hi:
        return
    scale = "children's" if child else "adult"
    all_lo = min(float(ranges["child"][0]), float(ranges["adult"][0]))
    all_hi = max(float(ranges["child"][1]), float(ranges["adult"][1]))
    if all_lo <= foot_length_mm <= all_hi:
        raise InvalidMeasurementError(
            f"foot_length_mm must be within {lo:g}-{hi:g} mm for the {scale} scales; "
            f"got {foot_length_mm:g}"
        )
    raise InvalidMeasurementError(
        f"foot_length_mm must be within {all_lo:g}-{all_hi:g} mm to be sized; "
        f"got {foot_length_mm:g}"
    )
