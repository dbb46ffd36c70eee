"""footfit: scan-to-spec shoe fitting.

Turns a 3D foot scan into a fitting spec: a cleaned and aligned foot, ISO/GB-defined
measurements, foot-type classification, shoe sizes in every system, the best pre-made insoles
from a catalogue, and the parameters of a custom shoe last.

Importing footfit imports numpy only; open3d, trimesh and scikit-learn are imported by the
functions that need them.
"""

from .align import AlignedFoot, align_foot
from .classify import FootClassification, classify_arch_index, classify_foot
from .clean import FootCloud, Isolation, isolate_feet
from .exceptions import (
    DegenerateScanError,
    FootfitError,
    InvalidMeasurementError,
    InvalidScanError,
    NotFittedError,
)
from .insoles import (
    BatchMatch,
    InsoleCatalog,
    InsoleMatch,
    InsoleMatcher,
    load_insole_catalog,
)
from .io import Scan, load_scan, save_scan
from .last import (
    LastParameters,
    StockLastMatch,
    generate_last,
    load_stock_lasts,
    nearest_stock_last,
)
from .measure import Landmarks, MeasuredFoot, measure_foot
from .measure.results import FootMeasurements
from .pipeline import FootFitter, process
from .report import FitReport
from .sizes import ShoeSizes, compute_sizes, foot_length_from_size, sizes_for_feet

__version__ = "0.1.0"

__all__ = [
    "AlignedFoot",
    "BatchMatch",
    "DegenerateScanError",
    "FitReport",
    "FootClassification",
    "FootCloud",
    "FootFitter",
    "FootMeasurements",
    "FootfitError",
    "InsoleCatalog",
    "InsoleMatch",
    "InsoleMatcher",
    "InvalidMeasurementError",
    "InvalidScanError",
    "Isolation",
    "Landmarks",
    "LastParameters",
    "MeasuredFoot",
    "NotFittedError",
    "Scan",
    "ShoeSizes",
    "StockLastMatch",
    "align_foot",
    "classify_arch_index",
    "classify_foot",
    "compute_sizes",
    "foot_length_from_size",
    "generate_last",
    "isolate_feet",
    "load_insole_catalog",
    "load_scan",
    "load_stock_lasts",
    "measure_foot",
    "nearest_stock_last",
    "process",
    "save_scan",
    "sizes_for_feet",
    "__version__",
]
