"""Shared pieces of the fit simulation: zone names and the zone table."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
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


#: The zone table held for the duration of one simulation (:func:`pinned_config`).
_PINNED: ContextVar[dict[str, Any] | None] = ContextVar("footfit_fit_config", default=None)


def _config() -> dict[str, Any]:
    pinned = _PINNED.get()
    if pinned is not None:
        return pinned
    path = model_path("fit_zones.json")
    return _config_cached(str(path), path.stat().st_mtime)


@contextmanager
def pinned_config() -> Iterator[dict[str, Any]]:
    """Hold the zone table for a whole simulation: one look at the file, not one per step.

    The steps of a simulation read ``fit_zones.json`` about ten times; each read checks the
    file's modification time (a ``stat``), ~1 ms a simulation in all. Within this block they
    all get the table read at its start (per thread and task: a context variable), so a
    simulation also never mixes two versions of an edited table. Nested blocks keep the
    outer table.
    """
    held = _PINNED.get()
    if held is not None:
        yield held
        return
    token = _PINNED.set(_config())
    try:
        yield _PINNED.get()  # type: ignore[misc]
    finally:
        _PINNED.reset(token)
