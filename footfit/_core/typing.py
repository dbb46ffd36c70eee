"""Type aliases shared by footfit's public signatures."""

from __future__ import annotations

from os import PathLike
from typing import Union

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["ArrayLike", "FloatArray", "IntArray", "BoolArray", "PathType"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]
BoolArray = NDArray[np.bool_]
PathType = Union[str, "PathLike[str]"]
