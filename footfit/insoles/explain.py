"""Reasons for an insole match, in words and numbers."""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from footfit._core.typing import FloatArray
from footfit.classify import classify_arch_index, classify_width, load_foot_classes
from footfit.insoles.features import FEATURES

if TYPE_CHECKING:
    from footfit.classify import FootClassification
    from footfit.insoles.rules import InsolePrescription

__all__ = ["describe_foot", "explain_match"]

_LABEL = {
    "foot_length_mm": "foot length",
    "ball_width_mm": "ball width",
    "heel_width_mm": "heel width",
    "arch_index": "arch index",
}


def _sizes(row: Mapping[str, Any]) -> str:
    def span(a: str) -> str:
        lo, hi = row[f"{a}_min"], row[f"{a}_max"]
        return f"{lo:g}" if lo == hi else f"{lo:g}-{hi:g}"

    if row["use"] == "children":
        return f"EU {span('eu')}, UK {span('uk')}, US {span('us_men')}"
    return (f"EU {span('eu')}, UK {span('uk')}, US men {span('us_men')}, "
            f"US women {span('us_women')}")


def describe_foot(
    raw: FloatArray, missing: Mapping[str, str], *,
    classification: FootClassification | None = None,
) -> dict[str, Any]:
    """Return the foot's classes once per query (arch, width), for the reasons.

    Parameters
    ----------
    raw : (4,) float
        The foot's raw features (``FEATURES`` order; NaN = missing).
    missing : mapping of str to str
        Reasons the measurements are missing.
    classification : FootClassification, optional
        Its arch and width classes and rules are quoted when given.

    Returns
    -------
    dict
    """
    fl, bw, hw, ai = (float(v) for v in raw)
    out: dict[str, Any] = {"raw": (fl, bw, hw, ai), "missing": dict(missing)}
    if math.isfinite(ai):
        if classification is not None and getattr(classification, "arch_type", None):
            out["arch"] = (classification.arch_type, classification.arch_rule)
        else:
            rule = load_foot_classes()["arch_rules"]["cavanagh_rodgers"]["name"]
            out["arch"] = (classify_arch_index(ai), rule)
    if math.isfinite(bw):
        if classification is not None and getattr(classification, "width_class", None):
            out["width"] = (classification.width_class, classification.width_value)
        else:
            out["width"] = classify_width(fl, bw)[:2]
    return out


@lru_cache(maxsize=16)
def _rule_label(name: str) -> str:
    """Return the readable label of an arch rule (``footfit/data/foot_classes.json``).

    E.g. 'Cavanagh & Rodgers 1987 cut-offs' for 'cavanagh_rodgers_1987'.
    """
    for spec in load_foot_classes()["arch_rules"].values():
        if name in (spec.get("name"), spec.get("label")):
            return str(spec.get("label", name))
    return name


def explain_match(
    foot: Mapping[str, Any],
    row: Mapping[str, Any],
    target: FloatArray,
    dropped: tuple[str, ...],
    *,
    design: Mapping[str, Any],
    prescription: InsolePrescription | None = None,
    confidence: float = 1.0,
    best_score: float | None = None,
    no_fit_score: float | None = None,
) -> tuple[str, ...]:
    """Return the reasons of one match.

    Length, arch, width, heel, the insole rules applied, what was dropped, and whether any
    pre-made device fits well.

    Parameters
    ----------
    foot : mapping
        :func:`describe_foot` of the foot.
    row : mapping
        The device's catalogue row.
    target : (4,) float
        The device's target foot (feature space).
    dropped : tuple of str
        Missing features.
    design : mapping
        :func:`footfit.insoles.features.load_insole_design`.
    prescription : InsolePrescription, optional
        The rules applied to this foot (:func:`footfit.insoles.rules.prescribe_insole`).
    confidence : float, default=1.0
        Share of the distance's weight measured.
    best_score, no_fit_score : float, optional
        The best device's score and the threshold below which no pre-made insole fits well.

    Returns
    -------
    tuple of str
    """
    fl, bw, hw, ai = foot["raw"]
    out = []
    if best_score is not None and no_fit_score is not None and best_score < no_fit_score:
        if confidence < 1.0:
            out.append(
                f"no pre-made insole can be said to fit well: the best scores "
                f"{best_score:.0f}/100 (below {no_fit_score:g}) with only "
                f"{round(100 * confidence)} % of the match measured; measure the foot in full "
                "(a scan with the sole) or choose the custom insole made from the scan"
            )
        else:
            out.append(
                f"no pre-made insole fits this foot well (the best scores {best_score:.0f}/100, "
                f"below {no_fit_score:g}): the custom insole made from the scan is suggested; "
                "the nearest pre-made devices are listed for comparison"
            )
    if dropped and set(FEATURES) - set(dropped) == {"foot_length_mm"}:
        out.append(
            "score rests on foot length only (arch and widths not measured): low confidence, "
            "every arch type and width is possible"
        )
    out.append(
        f"foot length {fl:.1f} mm within {row['length_min_mm']:g}-{row['length_max_mm']:g} mm "
        f"({_sizes(row)}); {row['use']} insole"
    )
    support = row["arch_support"]
    made_for = design["weights"]["arch_support_targets"][support]["foot_arch_type"]
    device = (f"{support} arch support, apex {row['arch_apex_height_mm']:g} mm at "
              f"{row['arch_apex_position_pct']:g} % of length (made for {made_for} arches)")
    if "arch" in foot:
        foot_type, rule = foot["arch"]
        agree = "" if foot_type == made_for else " - the nearest device overall, not an arch match"
        out.append(f"arch index {ai:.2f} -> {foot_type} ({_rule_label(rule)}); {device}{agree}")
    else:
        why = foot["missing"].get("arch_index", "not measured")
        out.append(f"arch index not measurable ({why}): arch left out of the match; {device}")
    if "width" in foot:
        wcls, z = foot["width"]
        ztxt = "" if z is None else f", z {z:+.1f} for its length"
        out.append(f"ball width {bw:.1f} mm{ztxt} -> {wcls}; forefoot {row['forefoot_width_mm']:g}"
                   f" mm ({row['width_fitting']} fitting)")
    else:
        out.append(f"ball width not measured: {row['width_fitting']} fitting "
                   f"(forefoot {row['forefoot_width_mm']:g} mm) chosen without it")
    cup = (f"heel cup {row['heel_cup_width_mm']:g} mm wide, {row['heel_cup_depth_mm']:g} mm "
           "deep")
    out.append(f"heel width {hw:.1f} mm; {cup}" if math.isfinite(hw) else f"{cup}")
    post = row["rearfoot_post"]
    ptxt = ("neutral rear foot (no post)" if post == "neutral"
            else f"{post} post {row['rearfoot_post_deg']:g} deg")
    if prescription is not None:
        out.append(f"{ptxt}; " + "; ".join(prescription.reasons))
    else:
        out.append(ptxt)
    extra = f"{row['volume']} volume, {row['top_cover_mm']:g} mm top cover"
    if row.get("cushion") == "full_length":
        extra += " (full-length cushioned, full contact)"
    if row["metatarsal_pad"] != "none":
        extra += f", metatarsal {row['metatarsal_pad']}"
    if "forefoot_thickness_mm" in row:
        extra += (f"; thickness {row['forefoot_thickness_mm']:g} / {row['arch_thickness_mm']:g}"
                  f" / {row['heel_thickness_mm']:g} mm under forefoot / arch / heel")
    out.append(extra)
    if dropped:
        names = ", ".join(_LABEL[f] for f in FEATURES if f in dropped)
        out.append(f"not measured: {names} - left out of the distance, other weights "
                   "renormalized")
    return tuple(out)
