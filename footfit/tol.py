"""Numerical tolerances, kept in one place (after trimesh's ``constants.tol``).

The values come from ``footfit/data/conventions.json`` (:attr:`footfit.conventions.CONVENTIONS`
``.tol``, each with its reason). Set ``footfit.tol.tol.strict = True`` (the test-suite does)
to turn on internal self-checks that are too slow for production.
"""

from __future__ import annotations

from dataclasses import dataclass

from footfit.conventions import CONVENTIONS

__all__ = ["Tolerance", "tol"]


@dataclass
class Tolerance:
    """Tolerances used across footfit.

    Attributes
    ----------
    zero : float
        Below this (mm) a length is treated as zero.
    planar : float
        Points within this distance (mm) of a plane count as on it.
    strict : bool
        Run self-checks (slow) inside the algorithms.
    """

    zero: float = CONVENTIONS.tol.zero
    planar: float = CONVENTIONS.tol.planar
    strict: bool = False


tol = Tolerance()
