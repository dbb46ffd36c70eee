"""Pre-made insole catalogue and the k-NN matcher that explains its choice.

Modules: ``catalog`` (load and validate ``footfit/data/insoles.csv``), ``features`` (the feature
space: the foot each device is designed for), ``rules`` (which observation justifies a post,
a pad, cushioning: ``footfit/data/insole_rules.json``), ``matcher`` (:class:`InsoleMatcher`),
``explain`` (reasons in words and numbers), ``room`` (:func:`insole_room`, the thickness the
last must leave room for).

References
----------
.. [1] DOMAIN.md section 6 (insoles; kiosks pick the nearest pre-made device).
"""

from footfit.insoles.catalog import (
    CATALOG_COLUMNS,
    USES,
    InsoleCatalog,
    InvalidCatalogError,
    load_insole_catalog,
)
from footfit.insoles.features import FEATURES, STYLES, load_insole_design
from footfit.insoles.matcher import BatchMatch, InsoleMatch, InsoleMatcher
from footfit.insoles.room import CUSTOM_SKU, InsoleRoom, insole_room
from footfit.insoles.rules import (
    FootPosture,
    InsolePrescription,
    estimate_foot_posture,
    prescribe_insole,
)

__all__ = [
    "BatchMatch",
    "CATALOG_COLUMNS",
    "CUSTOM_SKU",
    "FEATURES",
    "FootPosture",
    "InsoleCatalog",
    "InsoleMatch",
    "InsoleMatcher",
    "InsolePrescription",
    "InsoleRoom",
    "InvalidCatalogError",
    "STYLES",
    "USES",
    "estimate_foot_posture",
    "insole_room",
    "load_insole_catalog",
    "load_insole_design",
    "prescribe_insole",
]
