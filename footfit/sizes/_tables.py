"""Load and check the sizing tables of ``footfit/data/`` (conversion profiles, calibration)."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from footfit._core.validation import as_finite, check_foot_length_range, is_child_length
from footfit._data import model_path
from footfit.exceptions import InvalidMeasurementError, InvalidParameterError

_LINEAR_SYSTEMS = ("eu", "uk", "us_men", "us_women")
_SEXES = (None, "male", "female")


# ----------------------------------------------------------------------------- helpers
def round_half_up(value: float, step: float) -> float:
    """Round ``value`` to a multiple of ``step``, halves up (``41.75 -> 42.0`` for step 0.5).

    The value is first rounded to 9 decimals in units of ``step`` so that binary floating
    point (``0.15 * 265 = 39.749999...``) does not turn an exact half into a round-down.

    Examples
    --------
    >>> round_half_up(41.75, 0.5), round_half_up(4.165, 0.5), round_half_up(262.5, 5)
    (42.0, 4.0, 265.0)
    """
    q = round(value / step, 9)
    return float(math.floor(q + 0.5) * step)


def _check_length(value: Any, *, name: str = "foot_length_mm") -> float:
    if value is None:
        raise InvalidMeasurementError(f"{name} is missing (None): it is needed for a size")
    return as_finite(value, name=name, error=InvalidMeasurementError, type_error=None)


def _optional(value: Any, *, name: str, lo: float, hi: float) -> float | None:
    if value is None:
        return None
    v = _check_length(value, name=name)
    if not lo <= v <= hi:
        raise InvalidMeasurementError(f"{name} must be within {lo:g}-{hi:g} mm; got {value!r}")
    return v


# ----------------------------------------------------------------------------- tables
def _load_json(name: str) -> tuple[Path, dict[str, Any]]:
    path = model_path(name)
    try:
        return path, json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InvalidParameterError(f"{path}: not valid JSON ({exc})") from exc


@lru_cache(maxsize=8)
def _systems_cached(path_key: str, mtime: float) -> dict[str, Any]:
    path, doc = _load_json("size_systems.json")
    for key in ("profiles", "rounding", "foot_length_range_mm", "child_below_foot_length_mm"):
        if key not in doc:
            raise InvalidParameterError(f"{path}: key {key!r} missing")
    rules: dict[str, dict[str, dict[str, tuple[float, float]]]] = {}
    for name in doc["profiles"]:
        rules[name] = _resolve_profile(path, doc["profiles"], name)
    return {"doc": doc, "rules": rules, "path": path}


def _resolve_profile(
    path: Path, profiles: Mapping[str, Any], name: str
) -> dict[str, dict[str, tuple[float, float]]]:
    """Return ``{'adult'|'child': {system: (slope, intercept)}}`` for profile ``name``."""
    chain = [name]
    while "inherits" in profiles[chain[-1]]:
        parent = profiles[chain[-1]]["inherits"]
        if parent not in profiles or parent in chain:
            raise InvalidParameterError(
                f"{path}: profiles.{chain[-1]}.inherits: bad parent {parent!r}"
            )
        chain.append(parent)
    out: dict[str, dict[str, tuple[float, float]]] = {}
    for group in ("adult", "child"):
        specs: dict[str, Any] = {}
        for prof in reversed(chain):
            specs.update(profiles[prof].get(group, {}))
        lin: dict[str, tuple[float, float]] = {}
        for system in _LINEAR_SYSTEMS:
            lin[system] = _rule(path, specs, system, f"profiles.{name}.{group}", lin)
        out[group] = lin
    return out


def _rule(
    path: Path, specs: Mapping[str, Any], system: str, where: str,
    done: dict[str, tuple[float, float]],
) -> tuple[float, float]:
    if system in done:
        return done[system]
    spec = specs.get(system)
    if spec is None:
        raise InvalidParameterError(f"{path}: {where}.{system} missing")
    kind = spec.get("kind")
    try:
        if kind == "linear":
            return float(spec["slope"]), float(spec["intercept"])
        if kind == "last_scale":
            unit = float(spec["unit_mm"])
            zero = float(spec["zero_units"])
            f2l = spec["foot_to_last"]
            if "add_units" in f2l:
                return 1.0 / unit, float(f2l["add_units"]) + zero
            return float(f2l["factor"]) / unit, zero
        if kind == "offset":
            slope, intercept = _rule(path, specs, spec["of"], where, done)
            return slope, intercept + float(spec["offset"])
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidParameterError(
            f"{path}: {where}.{system}: bad or missing field ({exc})"
        ) from exc
    raise InvalidParameterError(f"{path}: {where}.{system}: unknown kind {kind!r}")


def _systems() -> dict[str, Any]:
    path = model_path("size_systems.json")
    return _systems_cached(str(path), path.stat().st_mtime)


@lru_cache(maxsize=8)
def _calibration_cached(path_key: str, mtime: float) -> dict[str, Any]:
    path, doc = _load_json("width_calibration.json")
    for key in ("groups", "child", "cn_width_types", "us_width", "uk_width", "jp_width"):
        if key not in doc:
            raise InvalidParameterError(f"{path}: key {key!r} missing")
    return doc


def _calibration() -> dict[str, Any]:
    path = model_path("width_calibration.json")
    return _calibration_cached(str(path), path.stat().st_mtime)


def available_profiles() -> tuple[str, ...]:
    """Return the names of the conversion profiles in ``footfit/data/size_systems.json``.

    Examples
    --------
    >>> "iso" in available_profiles() and "cn_retail" in available_profiles()
    True
    """
    return tuple(_systems()["doc"]["profiles"])


def _group(sex: str | None, child: bool) -> str:
    if child:
        return "child"
    return sex if sex is not None else "pooled"


def _line(group: str, name: str) -> tuple[float, float]:
    cal = _calibration()
    src = cal["child"] if group == "child" else cal["groups"][group]
    return float(src[name]["intercept"]), float(src[name]["slope"])


def is_child(foot_length_mm: float, child: bool | None) -> bool:
    """Whether the children's scales apply: ``child`` if given, else a short foot.

    The threshold is ``child_below_foot_length_mm`` of ``size_systems.json``.
    """
    below = float(_systems()["doc"]["child_below_foot_length_mm"]["value"])
    return is_child_length(foot_length_mm, child, child_below_mm=below)


def check_foot_length(foot_length_mm: float, child: bool) -> None:
    """Raise InvalidMeasurementError unless the foot length can be sized on its scales.

    The ranges are ``foot_length_range_mm`` of ``size_systems.json``.
    """
    ranges = _systems()["doc"]["foot_length_range_mm"]
    check_foot_length_range(foot_length_mm, child=child, ranges=ranges)


_is_child = is_child  # the names the size conversions use
_check_range = check_foot_length
