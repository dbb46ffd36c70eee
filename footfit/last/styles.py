"""Shoe styles and fit preferences for the last generator (tables under ``footfit/data/``)."""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path
from typing import Any

from footfit._data import model_path
from footfit.exceptions import InvalidParameterError

__all__ = ["FITS", "STYLE_NAMES", "available_styles", "fit_preference", "style_spec",
           "styles_global"]

#: The styles every footfit installation ships (``footfit/data/styles.json`` may add more).
STYLE_NAMES: tuple[str, ...] = (
    "sport", "casual", "dress_round", "dress_pointed", "boot", "open_sandal", "closed_sandal",
)
#: Fit preferences (``footfit/data/fit_preferences.json``).
FITS: tuple[str, ...] = ("snug", "standard", "roomy")

_STYLE_NUMBERS = (
    "child_inner_length_extra_fraction", "ball_girth_ease_mm",
    "instep_girth_ease_mm", "waist_girth_offset_mm", "bottom_width_fraction_of_ball_girth",
    "hallux_taper_mm", "toe5_taper_mm", "toe_spring_mm", "toe_thickness_mm",
    "instep_height_ease_mm", "sock_liner_mm", "heel_girth_ease_mm",
)
_STYLE_MAPS = {
    "toe_allowance_mm": ("male", "female", "unknown"),
    "toe_shape_extra_mm": ("egyptian", "greek", "roman"),
    "heel_allowance_mm": ("male", "female", "unknown"),
    "default_heel_height_mm": ("male", "female", "unknown", "child"),
}
_FIT_NUMBERS = ("ball_girth_shift_mm", "instep_girth_shift_mm", "bottom_width_shift_mm",
                "heel_seat_shift_mm")


def _number(path: Path, where: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(
        value
    ):
        raise InvalidParameterError(f"{path}: {where} must be a finite number; got {value!r}")
    return float(value)


def _check_style(path: Path, name: str, spec: dict[str, Any]) -> None:
    """Refuse a style of the table without its numbers or their source notes."""
    sources = spec.get("sources") or {}
    for key in (*_STYLE_NUMBERS, *_STYLE_MAPS):
        if key not in spec:
            raise InvalidParameterError(f"{path}: styles.{name}.{key} missing")
        if not str(sources.get(key, "")).strip():
            raise InvalidParameterError(f"{path}: styles.{name}.sources.{key}: no source note")
    for key in _STYLE_NUMBERS:
        _number(path, f"styles.{name}.{key}", spec[key])
    for key, subkeys in _STYLE_MAPS.items():
        for sub in subkeys:
            if sub not in spec[key]:
                raise InvalidParameterError(f"{path}: styles.{name}.{key}.{sub} missing")
            _number(path, f"styles.{name}.{key}.{sub}", spec[key][sub])


@lru_cache(maxsize=8)
def _styles_cached(path_key: str, mtime: float) -> dict[str, Any]:
    path = Path(path_key)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InvalidParameterError(f"{path}: not valid JSON ({exc})") from exc
    if "styles" not in doc or "global" not in doc:
        raise InvalidParameterError(f"{path}: keys 'styles' and 'global' are required")
    missing = [s for s in STYLE_NAMES if s not in doc["styles"]]
    if missing:
        raise InvalidParameterError(f"{path}: styles {', '.join(missing)} missing")
    for name, spec in doc["styles"].items():
        _check_style(path, name, spec)
    for key, block in doc["global"].items():
        if isinstance(block, dict) and not str(block.get("source", "")).strip():
            raise InvalidParameterError(f"{path}: global.{key}: no source note")
    return doc


def _styles() -> dict[str, Any]:
    path = model_path("styles.json")
    return _styles_cached(str(path), path.stat().st_mtime)


@lru_cache(maxsize=8)
def _fits_cached(path_key: str, mtime: float) -> dict[str, Any]:
    path = Path(path_key)
    doc = json.loads(path.read_text(encoding="utf-8"))
    if not str(doc.get("source", "")).strip():
        raise InvalidParameterError(f"{path}: no source note")
    prefs = doc.get("preferences", {})
    for fit in FITS:
        if fit not in prefs:
            raise InvalidParameterError(f"{path}: preferences.{fit} missing")
        for key in _FIT_NUMBERS:
            _number(path, f"preferences.{fit}.{key}", prefs[fit].get(key))
    return doc


def available_styles() -> tuple[str, ...]:
    """Return the shoe styles of ``footfit/data/styles.json``.

    Examples
    --------
    >>> set(STYLE_NAMES) <= set(available_styles())
    True
    """
    return tuple(_styles()["styles"])


def style_spec(style: str) -> dict[str, Any]:
    """Return the table row of ``style`` (allowances, eases, profile; see styles.json)."""
    return _styles()["styles"][style]


def styles_global() -> dict[str, Any]:
    """Return the style-independent design figures of ``footfit/data/styles.json``."""
    return _styles()["global"]


def fit_preference(fit: str) -> dict[str, float]:
    """Return a fit preference's girth/width shifts (``footfit/data/fit_preferences.json``)."""
    path = model_path("fit_preferences.json")
    doc = _fits_cached(str(path), path.stat().st_mtime)
    return {k: float(v) for k, v in doc["preferences"][fit].items()}
