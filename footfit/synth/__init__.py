"""Synthetic feet with exact ground truth.

- :class:`FootParams`, :func:`sample_population`, :func:`sample_population_arrays`:
  anthropometric parameters drawn from ANSUR II by sex (``footfit/data/population_ansur2.json``).
- :func:`make_foot_mesh`: a closed, watertight parametric foot mesh in the canonical frame.
- :func:`simulate_scan`: what a platform scanner would see of it (points, normals, pose, units).
- :func:`reference_measurements`: the measurement set of docs/measurement_conventions.md on
  the exact clean mesh, the ground truth the fast measurement core is judged against.
- :func:`write_synthetic_scan`, :func:`generate_dataset`: ``NAME.<fmt>`` plus
  ``NAME.truth.json``.

trimesh and scipy are imported by the functions that need them.
"""

from footfit.synth.dataset import SCAN_FORMATS, arch_class, generate_dataset, write_synthetic_scan
from footfit.synth.model import STUMP_TOP_MM, FootShape, make_foot_mesh, solve_foot_shape
from footfit.synth.params import ARCH_TYPES, SEXES, SIDES, TOE_SHAPES, FootParams
from footfit.synth.population import load_population, sample_population, sample_population_arrays
from footfit.synth.reference import LEG_CUT_MM, reference_measurements
from footfit.synth.scanner import UNIT_SCALE, SimulatedFoot, SimulatedScan, simulate_scan

__all__ = [
    "ARCH_TYPES",
    "LEG_CUT_MM",
    "SCAN_FORMATS",
    "SEXES",
    "SIDES",
    "STUMP_TOP_MM",
    "TOE_SHAPES",
    "UNIT_SCALE",
    "FootParams",
    "FootShape",
    "SimulatedFoot",
    "SimulatedScan",
    "arch_class",
    "generate_dataset",
    "load_population",
    "make_foot_mesh",
    "reference_measurements",
    "sample_population",
    "sample_population_arrays",
    "simulate_scan",
    "solve_foot_shape",
    "write_synthetic_scan",
]
