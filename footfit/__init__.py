"""footfit: scan-to-spec shoe fitting.

Turns a 3D foot scan into a fitting spec: a cleaned and aligned foot, ISO/GB-defined
measurements, foot-type classification, shoe sizes in every system, the best pre-made insoles
from a catalogue, and the parameters of a custom shoe last.

``import footfit`` imports no third-party package: each public name's submodule is imported
at its first use (numpy and scipy then; open3d and trimesh only by the functions that need
them).
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import TYPE_CHECKING, Any

from footfit.exceptions import (
    DegenerateScanError,
    FootfitError,
    InvalidMeasurementError,
    InvalidScanError,
    NotFittedError,
)

#: Public name -> submodule that defines it. The submodules are imported at first use of a
#: name (PEP 562): ``import footfit`` costs a few milliseconds instead of numpy plus every
#: stage (~140 ms), and ``footfit --help`` does not wait for the measuring code.
_LAZY: dict[str, str] = {
    "AlignedFoot": ".align",
    "align_foot": ".align",
    "FootClassification": ".classify",
    "classify_arch_index": ".classify",
    "classify_foot": ".classify",
    "FootCloud": ".clean",
    "Isolation": ".clean",
    "isolate_feet": ".clean",
    "BatchMatch": ".insoles",
    "InsoleCatalog": ".insoles",
    "InsoleMatch": ".insoles",
    "InsoleMatcher": ".insoles",
    "load_insole_catalog": ".insoles",
    "Scan": ".io",
    "load_scan": ".io",
    "save_scan": ".io",
    "LastParameters": ".last",
    "StockLastMatch": ".last",
    "generate_last": ".last",
    "load_stock_lasts": ".last",
    "nearest_stock_last": ".last",
    "Landmarks": ".measure",
    "MeasuredFoot": ".measure",
    "measure_foot": ".measure",
    "FootMeasurements": ".measure.results",
    "FitOptions": ".options",
    "FootFitter": ".pipeline",
    "process": ".pipeline",
    "FitReport": ".report",
    "ShoeSizes": ".sizes",
    "compute_sizes": ".sizes",
    "foot_length_from_size": ".sizes",
    "sizes_for_feet": ".sizes",
}

if TYPE_CHECKING:  # the eager imports, for type checkers and IDEs
    from footfit.align import AlignedFoot, align_foot
    from footfit.classify import FootClassification, classify_arch_index, classify_foot
    from footfit.clean import FootCloud, Isolation, isolate_feet
    from footfit.insoles import (
        BatchMatch,
        InsoleCatalog,
        InsoleMatch,
        InsoleMatcher,
        load_insole_catalog,
    )
    from footfit.io import Scan, load_scan, save_scan
    from footfit.last import (
        LastParameters,
        StockLastMatch,
        generate_last,
        load_stock_lasts,
        nearest_stock_last,
    )
    from footfit.measure import Landmarks, MeasuredFoot, measure_foot
    from footfit.measure.results import FootMeasurements
    from footfit.options import FitOptions
    from footfit.pipeline import FootFitter, process
    from footfit.report import FitReport
    from footfit.sizes import ShoeSizes, compute_sizes, foot_length_from_size, sizes_for_feet


def __getattr__(name: str) -> Any:
    """Import a public name's submodule at first use (PEP 562); also ``footfit.<submodule>``."""
    where = _LAZY.get(name)
    if where is not None:
        value = getattr(importlib.import_module(where, __name__), name)
        globals()[name] = value  # later lookups skip this function
        return value
    if not name.startswith("_") and importlib.util.find_spec(f"{__name__}.{name}") is not None:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__version__ = "0.1.0"

__all__ = [
    "AlignedFoot",
    "BatchMatch",
    "DegenerateScanError",
    "FitOptions",
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
