"""Locate the data tables under ``models/`` (catalogues, styles, population statistics)."""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = ["load_table", "models_dir", "model_path"]


def models_dir() -> Path:
    """Return the folder holding footfit's data tables.

    ``$FOOTFIT_MODELS`` wins when set; otherwise the ``models/`` folder of the source tree
    (footfit is installed editable, see README).
    """
    env = os.environ.get("FOOTFIT_MODELS")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "models"


def model_path(name: str) -> Path:
    """Return the path of the data table ``name`` under :func:`models_dir`.

    Raises
    ------
    FileNotFoundError
        If the table does not exist, naming the path looked at.
    """
    path = models_dir() / name
    if not path.is_file():
        raise FileNotFoundError(f"{path}: footfit data table not found (set FOOTFIT_MODELS?)")
    return path


@lru_cache(maxsize=32)
def load_table(name: str) -> dict[str, Any]:
    """Return the JSON data table ``name`` under :func:`models_dir`, read once per process.

    The result is shared by every caller: treat it as read-only.
    """
    return json.loads(model_path(name).read_text(encoding="utf-8"))
