"""Shared pieces of the fit simulation: zone names and the zone table."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from footfit._data import model_path

#: Zone labels of ``FitResult.zone`` (indices into this tuple); ``open`` = outside the shoe.
ZONE_NAMES: tuple[str, ...] = ("toe_box", "ball", "instep", "waist", "heel", "open")
_OPEN = ZONE_NAMES.index("open")


@lru_cache(maxsize=4)
def _config_cached(path: str, mtime: float) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def _config() -> dict[str, Any]:
    path = model_path("fit_zones.json")
    return _config_cached(str(path), path.stat().st_mtime)
