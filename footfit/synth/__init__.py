"""Synthetic feet with exact ground truth.

- :class:`FootParams`, :func:`sample_population`, :func:`sample_population_arrays`:
  anthropometric parameters drawn from ANSUR II by sex (``models/population_ansur2.json``).
- :func:`make_foot_mesh`: a closed, watertight parametric foot mesh in the canonical frame.
- :func:`simulate_scan`: what a platform scanner would see of it (points, normals, pose, units).
- :func:`reference_measurements`: the measurement set of docs/measurement_conventions.md on
  the exact clean mesh, the ground truth the fast measurement core is judged against.
- :func:`write_synthetic_scan`: ``NAME.<fmt>`` plus ``NAME.truth.json``.
"""

from .params import ARCH_TYPES, SEXES, SIDES, TOE_SHAPES, FootParams
from .population import load_population, sample_population, sample_population_arrays

__all__ = [
    "ARCH_TYPES",
    "SEXES",
    "SIDES",
    "TOE_SHAPES",
    "FootParams",
    "load_population",
    "sample_population",
    "sample_population_arrays",
]
