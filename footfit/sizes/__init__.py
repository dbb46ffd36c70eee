"""Shoe sizes in every system, with width classes, from foot length and ball girth.

The conversion rules live in ``footfit/data/size_systems.json`` (named *profiles*: the ISO-formula
foot-to-last convention, the Chinese retail rule, ...) and the width classes in
``footfit/data/width_calibration.json`` (ball girth centre lines fitted to ANSUR II by
``tools/calibrate_widths.py``). Every scale is linear in foot length and is rounded to half
sizes, half up.

References
----------
.. [1] ISO 9407:2019, Shoe sizes - Mondopoint system of sizing and marking.
.. [2] GB/T 43293-2022, Shoe sizes (replaces GB/T 3293.1-1998): size = foot length in mm,
   five width types 7 mm of ball girth apart.
.. [3] DOMAIN.md section 4 (foot-to-last conventions, formulas and test vectors); the
   children's x1.08 rule of the open-source shoe-size-converter.
.. [4] Gordon C. C. et al. (2014), 2012 Anthropometric Survey of U.S. Army Personnel
   (ANSUR II), NATICK/TR-15/007.

Modules: ``convert`` (sizes and their inverse), ``widths`` (width classes and the calibrated
standard foot), ``_tables`` (loading and checking the tables).
"""

from footfit.sizes._tables import available_profiles, check_foot_length, is_child, round_half_up
from footfit.sizes.convert import (
    SIZE_SYSTEMS,
    ShoeSizes,
    compute_sizes,
    foot_length_from_size,
    sizes_for_feet,
)
from footfit.sizes.widths import base_ball_girth, standard_foot, width_labels

__all__ = [
    "SIZE_SYSTEMS",
    "ShoeSizes",
    "available_profiles",
    "base_ball_girth",
    "check_foot_length",
    "compute_sizes",
    "foot_length_from_size",
    "is_child",
    "round_half_up",
    "sizes_for_feet",
    "standard_foot",
    "width_labels",
]
