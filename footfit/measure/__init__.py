"""Measurement stage: landmarks and ISO/GB-defined measurements of an aligned foot."""

from .results import MEASUREMENT_FIELDS, FootMeasurements

__all__ = ["MEASUREMENT_FIELDS", "FootMeasurements"]
