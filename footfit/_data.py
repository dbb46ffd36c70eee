"""Locate the data tables shipped in ``footfit/data/`` (catalogues, styles, population statistics).

The tables are package data, read through :mod:`importlib.resources`, so an installed wheel
finds them as well as a source checkout. ``$FOOTFIT_MODELS`` points footfit at another folder
of tables (a factory's own catalogue, a test's edited copy).
"""

from __future__ import annotations

import atexit
import json
import os
from contextlib import ExitStack
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = ["DEMO_SCAN", "demo_scan_path", "load_table", "model_path", "models_dir", "sample_path"]

#: Environment variable naming a folder of tables to use instead of the packaged ones.
ENV_VAR = "FOOTFIT_MODELS"

#: The bundled sample scan ``footfit demo`` processes (both feet of a synthetic man).
DEMO_SCAN = "demo_two_feet.ply"

_extracted = ExitStack()  # keeps data extracted from a zipped install alive for the process
atexit.register(_extracted.close)


@lru_cache(maxsize=1)
def _package_data_dir() -> Path:
    """Return ``footfit/data`` as a real folder (extracted once when footfit runs from a zip)."""
    root = resources.files("footfit") / "data"
    if isinstance(root, Path):
        return root
    return _extracted.enter_context(resources.as_file(root))


def models_dir() -> Path:
    """Return the folder holding footfit's data tables.

    ``$FOOTFIT_MODELS`` wins when set; otherwise the ``data`` folder of the installed
    ``footfit`` package (``footfit/data/`` in a source checkout).
    """
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    return _package_data_dir()


def model_path(name: str) -> Path:
    """Return the path of the data table ``name`` under :func:`models_dir`.

    Raises
    ------
    FileNotFoundError
        If the table does not exist, naming the path looked at.
    """
    path = models_dir() / name
    if not path.is_file():
        hint = f" (${ENV_VAR} is set)" if os.environ.get(ENV_VAR) else ""
        raise FileNotFoundError(f"{path}: footfit data table not found{hint}")
    return path


def sample_path(name: str) -> Path:
    """Return the path of the bundled sample scan ``name`` (``footfit/data/samples/``).

    Samples always come from the package: ``$FOOTFIT_MODELS`` replaces tables, not scans.

    Raises
    ------
    FileNotFoundError
        If the sample is not installed, naming the path looked at.
    """
    path = _package_data_dir() / "samples" / name
    if not path.is_file():
        raise FileNotFoundError(f"{path}: bundled sample scan not found")
    return path


def demo_scan_path() -> Path:
    """Return the path of the bundled sample scan that ``footfit demo`` processes."""
    return sample_path(DEMO_SCAN)


@lru_cache(maxsize=32)
def load_table(name: str) -> dict[str, Any]:
    """Return the JSON data table ``name`` under :func:`models_dir`, read once per process.

    The result is shared by every caller: treat it as read-only.
    """
    return json.loads(model_path(name).read_text(encoding="utf-8"))
