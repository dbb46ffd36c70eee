"""Pre-made insole catalogue and the k-NN matcher that explains its choice.

Modules: ``catalog`` (load and validate ``models/insoles.csv``), ``features`` (the feature
space: the foot each device is designed for), ``matcher`` (:class:`InsoleMatcher`),
``explain`` (reasons in words and numbers).

References
----------
.. [1] DOMAIN.md section 6 (insoles; kiosks pick the nearest pre-made device).
"""

from .catalog import (
    CATALOG_COLUMNS,
    USES,
    InsoleCatalog,
    InvalidCatalogError,
    load_insole_catalog,
)
from .features import FEATURES, STYLES, load_insole_design
from .matcher import BatchMatch, InsoleMatch, InsoleMatcher

__all__ = [
    "BatchMatch",
    "CATALOG_COLUMNS",
    "FEATURES",
    "InsoleCatalog",
    "InsoleMatch",
    "InsoleMatcher",
    "InvalidCatalogError",
    "STYLES",
    "USES",
    "load_insole_catalog",
    "load_insole_design",
]
