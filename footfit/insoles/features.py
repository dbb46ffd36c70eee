"""The matcher's feature space: what foot each device is designed for, and foot features.

A catalogue row describes a *device*; the matcher compares feet with the foot each device is
designed for (its *target*). The mapping and the weights are data in
``footfit/data/insole_weights.json``; this module applies them.

References
----------
.. [1] Gordon CC et al. (2014). 2012 Anthropometric Survey of U.S. Army Personnel (ANSUR II),
   NATICK/TR-15/007 (ball and heel width lines of ``footfit/data/width_calibration.json``).
.. [2] Cavanagh PR, Rodgers MM (1987). The arch index. J Biomech 20(5):547-551.
.. [3] DOMAIN.md sections 3, 4 and 6.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from footfit._core.typing import FloatArray
from footfit._data import model_path
from footfit.exceptions import InvalidMeasurementError, InvalidParameterError
from footfit.insoles.catalog import ARCH_SUPPORTS, USES, InsoleCatalog
from footfit.measure.results import FootMeasurements

if TYPE_CHECKING:
    from footfit._core.typing import ArrayLike

__all__ = [
    "EXTRAS", "FEATURES", "STYLES", "device_targets", "foot_feature_rows", "load_insole_design",
]

#: Foot features of the distance, in column order.
FEATURES: tuple[str, ...] = (
    "foot_length_mm",
    "ball_width_mm",
    "heel_width_mm",
    "arch_index",
)
#: Observations that are not distances but select devices by rule (``rules.py``): the
#: hallux angle (toe-box advice only), a measured FPI-6 and forefoot-overload evidence.
EXTRAS: tuple[str, ...] = ("hallux_valgus_angle_deg", "foot_posture_index", "forefoot_overload")
#: Shoe styles (keys of ``footfit/data/style_uses.json``; the styles of
#: ``footfit/data/styles.json``).
STYLES: tuple[str, ...] = (
    "sport", "casual", "dress_round", "dress_pointed", "boot", "open_sandal", "closed_sandal",
)
_RANGES = {
    "foot_length_mm": (80.0, 380.0),
    "ball_width_mm": (30.0, 160.0),
    "heel_width_mm": (20.0, 120.0),
    "arch_index": (0.0, 1.0),
}
_EXTRA_RANGES = {"hallux_valgus_angle_deg": (-30.0, 80.0), "foot_posture_index": (-12.0, 12.0)}


@lru_cache(maxsize=4)
def _read(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def load_insole_design() -> dict[str, Any]:
    """Return the design tables (cached; do not mutate).

    Returns
    -------
    dict
        ``weights`` (``footfit/data/insole_weights.json``), ``style_uses``
        (``footfit/data/style_uses.json`` ``styles``), ``lines`` (pooled ANSUR II ball and heel
        width lines of ``footfit/data/width_calibration.json``), ``scale`` (``(4,)`` population SD
        of each feature: ANSUR II for length and the width residuals, ``scaling.sd`` of the
        weights file for the arch index).

    Raises
    ------
    ValueError
        If a table lacks a feature, a style or a use, naming the file.
    """
    wpath = str(model_path("insole_weights.json"))
    spath = str(model_path("style_uses.json"))
    weights = _read(wpath)
    styles = _read(spath)["styles"]
    missing = [f for f in FEATURES if f not in weights["features"]]
    if missing:
        raise InvalidParameterError(f"{wpath}: features block lacks {missing}")
    for s in STYLES:
        if s not in styles:
            raise InvalidParameterError(f"{spath}: no entry for style {s!r}")
        bad = [u for u in styles[s] if u not in USES]
        if bad:
            raise InvalidParameterError(f"{spath}: style {s!r} lists unknown use(s) {bad}")
    for a in ARCH_SUPPORTS:
        if a not in weights["arch_support_targets"]:
            raise InvalidParameterError(f"{wpath}: arch_support_targets lacks {a!r}")
    calib_name = "width_calibration.json"
    pooled = _read(str(model_path(calib_name)))["groups"]["pooled"]
    lines = {k: (float(pooled[k]["intercept"]), float(pooled[k]["slope"]))
             for k in ("ball_width_mm", "heel_width_mm")}
    sd = weights["scaling"]["sd"]
    scale = np.array([
        float(pooled["foot_length_sd_mm"]),
        float(pooled["ball_width_mm"]["residual_sd"]),
        float(pooled["heel_width_mm"]["residual_sd"]),
        float(sd["arch_index"]),
    ])
    return {"weights": weights, "style_uses": styles, "lines": lines, "scale": scale}


def _line(design: Mapping[str, Any], name: str, length: FloatArray) -> FloatArray:
    a, b = design["lines"][name]
    return a + b * length


def device_targets(catalog: InsoleCatalog, design: Mapping[str, Any]) -> FloatArray:
    """Return the ``(n, 4)`` target foot of each device, in the matcher's feature space.

    Columns follow :data:`FEATURES`: the middle of the length range; forefoot and heel-cup
    widths (less the offsets of ``device_to_foot``) as residuals from the ANSUR II pooled
    lines at that length; the arch index the support class aims at. Posting, pads and
    cushioning are not distances: the rules of ``rules.py`` select them.
    """
    c = catalog.columns
    d2f = design["weights"]["device_to_foot"]
    mid = 0.5 * (c["length_min_mm"] + c["length_max_mm"])
    bw = c["forefoot_width_mm"] - float(d2f["forefoot_offset_mm"])
    hw = c["heel_cup_width_mm"] - float(d2f["heel_cup_offset_mm"])
    targets = design["weights"]["arch_support_targets"]
    ai = np.array([float(targets[a]["arch_index"]) for a in c["arch_support"]])
    return np.column_stack([
        mid,
        bw - _line(design, "ball_width_mm", mid),
        hw - _line(design, "heel_width_mm", mid),
        ai,
    ]).astype(np.float64)


def _value(v: Any, name: str) -> float:
    if v is None:
        return math.nan
    if isinstance(v, (bool, str)):
        raise TypeError(f"`{name}` must be a number or None; got {v!r}")
    try:
        x = float(v)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"`{name}` must be a number or None; got {v!r}") from exc
    return x


def _check_extras(extras: Mapping[str, np.ndarray], *, where: str) -> None:
    for name, (lo, hi) in _EXTRA_RANGES.items():
        col = extras[name]
        out = np.isinf(col) | (np.isfinite(col) & ((col < lo) | (col > hi)))
        if out.any():
            i = int(np.flatnonzero(out)[0])
            raise InvalidMeasurementError(
                f"{where}{name} must be within {lo:g} to {hi:g}; got {float(col[i])!r} (row {i})"
            )


def _check_raw(raw: FloatArray, *, where: str) -> None:
    """Validate an ``(n, 4)`` raw feature array (NaN = missing) in place of many checks."""
    fl = raw[:, 0]
    bad = ~np.isfinite(fl)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InvalidMeasurementError(
            f"{where}foot_length_mm is required to match an insole (the length range is a hard "
            f"constraint); got {float(raw[i, 0])!r} in row {i}"
        )
    for j, name in enumerate(FEATURES):
        col = raw[:, j]
        lo, hi = _RANGES[name]
        out = np.isinf(col) | (np.isfinite(col) & ((col < lo) | (col > hi)))
        if out.any():
            i = int(np.flatnonzero(out)[0])
            raise InvalidMeasurementError(
                f"{where}{name} must be within {lo:g}-{hi:g}; got {float(col[i])!r} (row {i})"
            )


def foot_feature_rows(raw: FloatArray, design: Mapping[str, Any]) -> FloatArray:
    """Map raw foot measurements ``(n, 4)`` (NaN = missing) to the matcher's feature space.

    Ball and heel widths become residuals from the ANSUR II pooled lines at the foot's own
    length, as the device targets are (:func:`device_targets`).
    """
    out = raw.copy()
    fl = raw[:, 0]
    out[:, 1] = raw[:, 1] - _line(design, "ball_width_mm", fl)
    out[:, 2] = raw[:, 2] - _line(design, "heel_width_mm", fl)
    return out


def _flag(v: Any, name: str) -> float:
    """Read a caller's yes/no evidence: True/False/None (and 1/0, NaN) -> 1.0/0.0/NaN."""
    if v is None:
        return math.nan
    if isinstance(v, (bool, np.bool_)):
        return float(v)
    if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
        if math.isnan(float(v)):
            return math.nan
        if float(v) in (0.0, 1.0):
            return float(v)
    raise TypeError(f"`{name}` must be True, False or None; got {v!r}")


def _extras_one(values: Mapping[str, Any]) -> dict[str, np.ndarray]:
    return {
        "hallux_valgus_angle_deg": np.array(
            [_value(values.get("hallux_valgus_angle_deg"), "hallux_valgus_angle_deg")]),
        "foot_posture_index": np.array(
            [_value(values.get("foot_posture_index"), "foot_posture_index")]),
        "forefoot_overload": np.array(
            [_flag(values.get("forefoot_overload"), "forefoot_overload")]),
    }


def raw_features_one(
    features: FootMeasurements | Mapping[str, Any],
) -> tuple[FloatArray, dict[str, str], dict[str, np.ndarray]]:
    """Return the ``(4,)`` raw features of one foot, the missing reasons and the rule inputs.

    Raw features: NaN = missing; the rule inputs are :data:`EXTRAS`, each a ``(1,)`` float
    array, NaN = not given.

    ``features`` is a :class:`FootMeasurements` or a mapping with the field names (plus,
    optionally, ``foot_posture_index`` and ``forefoot_overload``).
    """
    if isinstance(features, FootMeasurements):
        values = features.values()
        reasons = dict(features.missing)
    elif isinstance(features, Mapping):
        values = features
        reasons = dict(features.get("missing") or {})
    else:
        kind = type(features).__name__
        raise TypeError(f"`features` must be a FootMeasurements or a mapping; got {kind}")
    x = np.array([_value(values.get(name), name) for name in FEATURES], dtype=np.float64)
    extras = _extras_one(values)
    _check_extras(extras, where="")
    return x, reasons, extras


def _column(table: Mapping[str, Any], name: str, n: int) -> FloatArray:
    if name not in table:
        return np.full(n, np.nan)
    v = np.asarray(table[name], dtype=object).reshape(-1)
    v = np.where(v == None, np.nan, v)  # noqa: E711 (elementwise None test)
    try:
        return np.asarray(v, dtype=np.float64).reshape(n)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"`features_table[{name!r}]` must be numeric") from exc


def raw_features_table(
    table: Mapping[str, ArrayLike] | Sequence[FootMeasurements | Mapping[str, Any]],
) -> tuple[FloatArray, dict[str, np.ndarray]]:
    """Return the ``(n, 4)`` raw features of a batch (NaN = missing) and the rule inputs.

    ``table`` is a mapping of column name -> ``(n,)`` array (absent column or NaN =
    missing), or a sequence of :class:`FootMeasurements` / mappings. The rule inputs
    (:data:`EXTRAS`) are ``(n,)`` float arrays (``forefoot_overload`` 1/0, NaN = not given).
    """
    if isinstance(table, Mapping):
        lens = {len(np.atleast_1d(np.asarray(v, dtype=object))) for k, v in table.items()
                if k in FEATURES or k in EXTRAS}
        if "foot_length_mm" not in table:
            raise InvalidMeasurementError(
                "`features_table` has no 'foot_length_mm' column (the hard constraint)"
            )
        if len(lens) != 1:
            raise InvalidParameterError(
                f"`features_table` columns differ in length: {sorted(lens)}"
            )
        n = lens.pop()
        raw = np.column_stack([_column(table, name, n) for name in FEATURES])
        extras = {name: _column(table, name, n) for name in EXTRAS if name != "forefoot_overload"}
        if "forefoot_overload" in table:
            flags = np.asarray(table["forefoot_overload"], dtype=object).reshape(-1)
            extras["forefoot_overload"] = np.array(
                [_flag(f, "forefoot_overload") for f in flags], dtype=np.float64)
        else:
            extras["forefoot_overload"] = np.full(n, np.nan)
        _check_extras(extras, where="`features_table`: ")
        return raw, extras
    try:
        items = list(table)
    except TypeError as exc:
        kind = type(table).__name__
        raise TypeError(
            f"`features_table` must be a mapping of columns or a sequence of feet; got {kind}"
        ) from exc
    if not items:
        return np.zeros((0, len(FEATURES))), {e: np.zeros(0) for e in EXTRAS}
    rows = [raw_features_one(it) for it in items]
    raw = np.vstack([r[0] for r in rows])
    extras = {e: np.concatenate([r[2][e] for r in rows]) for e in EXTRAS}
    return raw, extras
