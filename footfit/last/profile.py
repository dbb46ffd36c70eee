"""The bottom profile of a last, and the small curve helpers its builders share.

:func:`last_bottom_profile` is the centre line of the last bottom (heel seat, shank, tread,
toe spring) that both last builders (:mod:`footfit.last.mesh`, :mod:`footfit.last.custom`)
and the bend of :mod:`footfit.last.bend` stand on; :func:`_taper` and :func:`_pchip` are the
plan and profile curves of the sections.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from footfit._core.typing import FloatArray
from footfit.exceptions import InvalidParameterError
from footfit.last.params import LastParameters

__all__ = ["as_last_parameters", "last_bottom_profile"]


def as_last_parameters(params: LastParameters | Mapping[str, Any]) -> LastParameters:
    """Return ``params`` as :class:`LastParameters` (a stock-library row is typed here).

    Raises
    ------
    TypeError
        Neither a LastParameters nor a mapping (a stock-library row).
    """
    if isinstance(params, LastParameters):
        return params
    if isinstance(params, Mapping):
        from footfit.last.stock import stock_last_parameters

        return stock_last_parameters(params)
    raise TypeError(f"`params` must be LastParameters (or a stock-library row); got "
                    f"{type(params).__name__}")


def _field(params: Any, name: str) -> float:
    try:
        value = float(getattr(params, name))
    except AttributeError as exc:
        raise TypeError(f"`params` has no field {name!r}: a LastParameters is expected") from exc
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError(f"last parameter {name} must be a number; got "
                         f"{getattr(params, name)!r}") from exc
    if not np.isfinite(value):
        raise InvalidParameterError(f"last parameter {name} must be finite; got {value!r}")
    return value


def _positive(params: Any, name: str, *, allow_zero: bool = False) -> float:
    v = _field(params, name)
    if v < 0 or (v == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise InvalidParameterError(f"last parameter {name} must be {bound}; got {v:g}")
    return v


# ----------------------------------------------------------------------------- bottom curve
@dataclass(frozen=True)
class _Bottom:
    s: FloatArray  # arc length from the back of the bottom, mm
    y: FloatArray
    z: FloatArray

    def y_at(self, s: Any) -> Any:
        return np.interp(s, self.s, self.y)

    def z_at_y(self, y: Any) -> Any:
        return np.interp(y, self.y, self.z)


def _bump_drop(theta_max: float, t: FloatArray, ds: float) -> float:
    return float(np.sum(np.sin(theta_max * np.sin(np.pi * t))) * ds)


def last_bottom_profile(
    params: LastParameters | Mapping[str, Any], *, n: int = 2001
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Return the bottom centre line of the last: arc length, y and z (mm).

    The bottom runs from its heel end (``s = 0``, at ``y = heel_allowance_mm``) to the toe tip
    (``s = bottom_length_mm``). Its tangent angle is 0 on the heel seat (a flat seat at
    ``z = heel_height_mm``), dips smoothly (a half-sine bump of the
    angle, at most 80 degrees) from the heel centre
    to the MTH5 tread down to z = 0 (starting earlier, down to 5 % of the bottom, when a high heel
    needs a longer shank), stays flat to MTH1, then turns up linearly so that the toe
    tip stands ``toe_spring_mm`` high. Lengths along the bottom are arc lengths, so the
    projected length shortens as the heel and the toe spring rise.

    Parameters
    ----------
    params : LastParameters or mapping
        The last.
    n : int, default=2001
        Samples of the curve.

    Returns
    -------
    s, y, z : (n,) ndarray of float64, mm
    """
    params = as_last_parameters(params)
    bl = _positive(params, "bottom_length_mm")
    ha = _positive(params, "heel_allowance_mm", allow_zero=True)
    heel = _positive(params, "heel_height_mm", allow_zero=True)
    spring = _positive(params, "toe_spring_mm", allow_zero=True)
    s_hc = _field(params, "heel_centre_position_mm")
    s_m5 = _field(params, "mth5_position_mm")
    s_m1 = _field(params, "mth1_position_mm")
    if not 0.0 < s_hc < s_m5 < s_m1 < bl:
        raise InvalidParameterError(
            "last positions must increase heel centre < MTH5 < MTH1 < bottom length; got "
            f"{s_hc:g}, {s_m5:g}, {s_m1:g}, {bl:g} mm"
        )
    s = np.linspace(0.0, bl, n)
    ds = s[1] - s[0]
    theta = np.zeros_like(s)
    if heel > 0:
        # a steep heel needs a longer shank: start the descent earlier if needed
        start = s_hc
        while True:
            t = np.clip((s - start) / (s_m5 - start), 0.0, 1.0)
            inside = (s > start) & (s < s_m5)
            cap = _bump_drop(np.deg2rad(80.0), t[inside], ds)
            if cap >= heel or start <= 0.05 * bl:
                break
            start = max(0.05 * bl, start - 0.05 * bl)
        if cap < heel:
            raise InvalidParameterError(
                f"last parameter heel_height_mm {heel:g} is too high for a "
                f"{bl:g} mm bottom (the shank cannot drop it)"
            )
        lo, hi = 0.0, np.deg2rad(80.0)
        for _ in range(50):
            mid = 0.5 * (lo + hi)
            if _bump_drop(mid, t[inside], ds) < heel:
                lo = mid
            else:
                hi = mid
        theta[inside] = 0.5 * (lo + hi) * np.sin(np.pi * t[inside])
    if spring > 0:
        front = s > s_m1
        u = (s[front] - s_m1) / (bl - s_m1)
        lo, hi = 0.0, np.deg2rad(60.0)
        for _ in range(50):
            mid = 0.5 * (lo + hi)
            rise = float(np.sum(np.sin(mid * u)) * ds)
            lo, hi = (mid, hi) if rise < spring else (lo, mid)
        theta[front] = -0.5 * (lo + hi) * u
    # integrate (trapezoid) the unit tangent (cos, -sin) of the angle
    cy, sz = np.cos(theta), np.sin(theta)
    y = ha + np.concatenate([[0.0], np.cumsum(0.5 * (cy[1:] + cy[:-1]) * ds)])
    z = heel - np.concatenate([[0.0], np.cumsum(0.5 * (sz[1:] + sz[:-1]) * ds)])
    z[np.abs(z) < 1e-9] = 0.0
    return s, y, z


# ----------------------------------------------------------------------------- geometry
def _taper(t: Any, p: float) -> Any:
    """Superellipse taper (1 - t^p)^(1/p) on [0, 1] (1 at 0, 0 at 1)."""
    t = np.clip(t, 0.0, 1.0)
    return np.clip(1.0 - t**p, 0.0, 1.0) ** (1.0 / p)


def _pchip(xk: list[float], yk: list[float], x: FloatArray) -> FloatArray:
    """Interpolate by monotone piecewise-cubic Hermite curves.

    Fritsch-Carlson, as scipy's ``PchipInterpolator``, clamped to the knots' range; numpy
    only, so building a last imports no scipy.interpolate.
    """
    xk_a = np.asarray(xk, dtype=np.float64)
    order = np.argsort(xk_a)
    xk_a = xk_a[order]
    yk_a = np.asarray(yk, dtype=np.float64)[order]
    keep = np.concatenate([[True], np.diff(xk_a) > 1e-6])
    xk_a, yk_a = xk_a[keep], yk_a[keep]
    x = np.clip(np.asarray(x, dtype=np.float64), xk_a[0], xk_a[-1])
    if len(xk_a) == 1:
        return np.full_like(x, yk_a[0])
    h = np.diff(xk_a)
    delta = np.diff(yk_a) / h
    d = np.zeros_like(yk_a)
    if len(xk_a) == 2:
        d[:] = delta[0]
    else:
        w1 = 2.0 * h[1:] + h[:-1]
        w2 = h[1:] + 2.0 * h[:-1]
        same = np.sign(delta[:-1]) * np.sign(delta[1:]) > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            inv = (w1 / delta[:-1] + w2 / delta[1:]) / (w1 + w2)
            d[1:-1] = np.where(same, 1.0 / inv, 0.0)

        def edge(h0: float, h1: float, m0: float, m1: float) -> float:
            e = ((2.0 * h0 + h1) * m0 - h0 * m1) / (h0 + h1)
            if np.sign(e) != np.sign(m0):
                return 0.0
            if np.sign(m0) != np.sign(m1) and abs(e) > abs(3.0 * m0):
                return 3.0 * m0
            return float(e)

        d[0] = edge(h[0], h[1], delta[0], delta[1])
        d[-1] = edge(h[-1], h[-2], delta[-1], delta[-2])
    i = np.clip(np.searchsorted(xk_a, x, side="right") - 1, 0, len(h) - 1)
    t = (x - xk_a[i]) / h[i]
    t2, t3 = t * t, t * t * t
    return ((2 * t3 - 3 * t2 + 1) * yk_a[i] + (t3 - 2 * t2 + t) * h[i] * d[i]
            + (-2 * t3 + 3 * t2) * yk_a[i + 1] + (t3 - t2) * h[i] * d[i + 1])


def _gauss1d(a: FloatArray, sigma: float, *, axis: int, mode: str) -> FloatArray:
    """Gaussian smoothing along one axis, as ``scipy.ndimage.gaussian_filter1d`` does it.

    The kernel is cut at 4 sigma; ``mode`` is ``'nearest'`` (the edge values repeated) or
    ``'wrap'`` (periodic). A few shifted sums: the last build imports no scipy.ndimage.
    """
    radius = int(4.0 * float(sigma) + 0.5)
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    kernel = np.exp(-0.5 * (x / float(sigma)) ** 2)
    kernel /= kernel.sum()
    moved = np.moveaxis(a, axis, 0)
    if mode == "wrap":
        idx = np.arange(-radius, len(moved) + radius) % len(moved)
    else:
        idx = np.clip(np.arange(-radius, len(moved) + radius), 0, len(moved) - 1)
    padded = moved[idx]
    out = np.zeros_like(moved, dtype=np.float64)
    for i, w in enumerate(kernel):
        out += w * padded[i:i + len(moved)]
    return np.moveaxis(out, 0, axis)
