"""Fitting simulation: try the foot in a last and see where the shoe would press or be loose.

:func:`simulate_fit` places an aligned foot in a last (heel against the heel curve, sole on
the last bottom), computes the signed clearance of every foot point to the last surface
(negative where the foot would press) and summarises it per zone with a fit score and words.
:func:`size_by_simulation` tries the stock lasts around the formula size and recommends the
best-fitting one.

The last stands for the inside of the shoe: a foot point inside the last has room around it,
one outside it would push the upper out (pressure).
"""

from __future__ import annotations

from footfit.fit._common import ZONE_NAMES
from footfit.fit.clearance import signed_clearance
from footfit.fit.prepare import PreparedFoot, PreparedLast, prepare_foot, prepare_last
from footfit.fit.simulate import FitResult, simulate_fit
from footfit.fit.sizing import FootFit, SizeBySimulation, StockFit, fit_foot, size_by_simulation
from footfit.fit.zones import ZoneFit

__all__ = [
    "FitResult",
    "FootFit",
    "PreparedFoot",
    "PreparedLast",
    "SizeBySimulation",
    "StockFit",
    "ZONE_NAMES",
    "ZoneFit",
    "fit_foot",
    "prepare_foot",
    "prepare_last",
    "signed_clearance",
    "simulate_fit",
    "size_by_simulation",
]
