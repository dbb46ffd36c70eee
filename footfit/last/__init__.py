"""Shoe lasts: parameters of a custom last, styles, and the graded stock last library.

``generate_last`` turns a measured foot into :class:`LastParameters` for a style and fit
preference; ``nearest_stock_last`` finds the closest last of the graded library
(``footfit/data/lasts.csv``) and lists the modifications the factory makes to it.
"""

from footfit.last.bend import bend_points
from footfit.last.custom import CustomLast, build_custom_last
from footfit.last.mesh import (
    build_last_mesh,
    build_last_surface,
    last_bottom_profile,
    last_mesh_path,
    section_girth,
    write_last_mesh,
)
from footfit.last.params import (
    LAST_DIMENSIONS,
    LastParameters,
    foot_ball_height,
    generate_last,
    heel_height_class,
    toe_spring_for_heel,
)
from footfit.last.stock import (
    StockLastLibrary,
    StockLastMatch,
    build_up_map,
    load_stock_lasts,
    match_stock_last,
    nearest_stock_last,
    stock_last_parameters,
)
from footfit.last.styles import FITS, STYLE_NAMES, available_styles

__all__ = [
    "FITS",
    "LAST_DIMENSIONS",
    "LastParameters",
    "STYLE_NAMES",
    "StockLastLibrary",
    "StockLastMatch",
    "available_styles",
    "build_last_mesh",
    "build_last_surface",
    "build_up_map",
    "foot_ball_height",
    "generate_last",
    "bend_points",
    "build_custom_last",
    "CustomLast",
    "heel_height_class",
    "last_bottom_profile",
    "toe_spring_for_heel",
    "last_mesh_path",
    "load_stock_lasts",
    "match_stock_last",
    "nearest_stock_last",
    "section_girth",
    "write_last_mesh",
    "stock_last_parameters",
]
