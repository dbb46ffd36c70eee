"""Measurement stage: landmarks and ISO/GB-defined measurements of an aligned foot."""

from footfit.measure.core import MeasuredFoot, measure_foot
from footfit.measure.footprint import FootprintResult, compute_footprint, has_plantar_surface
from footfit.measure.landmarks import LANDMARK_NAMES, Landmarks, surface_extreme
from footfit.measure.results import MEASUREMENT_FIELDS, FootMeasurements
from footfit.measure.sections import Section, hull_perimeter, plane_section

__all__ = [
    "LANDMARK_NAMES",
    "MEASUREMENT_FIELDS",
    "FootMeasurements",
    "FootprintResult",
    "Landmarks",
    "MeasuredFoot",
    "Section",
    "compute_footprint",
    "has_plantar_surface",
    "hull_perimeter",
    "measure_foot",
    "plane_section",
    "surface_extreme",
]
