"""Exceptions raised by footfit.

Every error footfit raises on purpose derives from :class:`FootfitError`, so a kiosk can catch
one class. The specific classes also derive from the built-in class a caller would expect
(``ValueError`` for bad data, ``AttributeError`` for an unfitted estimator), following
scikit-learn's ``NotFittedError(ValueError, AttributeError)``.
"""

from __future__ import annotations

__all__ = [
    "DegenerateScanError",
    "FootfitError",
    "InvalidMeasurementError",
    "InvalidParameterError",
    "InvalidScanError",
    "NotFittedError",
]


class FootfitError(Exception):
    """Base class of every error footfit raises on purpose."""


class InvalidScanError(FootfitError, ValueError):
    """A scan file or array cannot be read or used.

    The message names the file (or ``<array>``) and the problem in one line, e.g.
    ``"scan.ply: truncated binary body (expected 120000 vertices, found 8113)"``.
    """


class DegenerateScanError(FootfitError, ValueError):
    """The scan was read, but holds no measurable foot (a plane, a blob, noise...).

    The message says what was found instead.
    """


class InvalidMeasurementError(FootfitError, ValueError):
    """A measurement is missing or outside the human range for the requested computation.

    The message names the field and echoes the value, e.g.
    ``"foot_length_mm must be within 80-360 mm; got 400.0"``.
    """


class InvalidParameterError(FootfitError, ValueError):
    """An argument or option is outside its domain (an unknown style, a negative count...).

    The message names the parameter and echoes the value, e.g.
    ``"style must be one of casual, dress, sport; got 'sandal'"``.
    """


class NotFittedError(FootfitError, AttributeError):
    """An estimator (e.g. :class:`footfit.insoles.InsoleMatcher`) was used before ``fit``."""
