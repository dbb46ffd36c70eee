"""Advice for the pair, in words: the size line, the insole pair to sell, each last's verdict.

Everything here reads the report's JSON form (``FitReport.to_dict()``), so a report read
back from a file or the service gives the same sentences. Words come from
:mod:`footfit.words` (English or Simplified Chinese); the figures from the report.

Examples
--------
>>> s = {"eu": 41.0, "uk": 8.0, "us_men": 9.0, "us_women": 10.0, "jp_cm": 26.0,
...      "cn": "260", "cn_width_type": "一", "us_width": "A", "uk_width": "C",
...      "jp_width": "C", "child": False, "sex": None}
>>> size_line(s)
'EU 41 · UK 8 C · US men 9 A · US women 10 · JIS 26 C · CN 260 一型'
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from footfit.words import (
    class_label,
    foot_name,
    format_value,
    measure_name,
    readable,
    side_name,
    term,
    ui,
)

__all__ = [
    "customer_summary",
    "insole_advice",
    "last_verdicts",
    "load_advice_table",
    "quality_lines",
    "size_line",
]

_PATH = Path(__file__).resolve().parent / "data" / "advice.json"


@functools.lru_cache(maxsize=1)
def load_advice_table() -> dict[str, Any]:
    """Return the thresholds of the advice (``footfit/data/advice.json``)."""
    return json.loads(_PATH.read_text(encoding="utf-8"))


def _size(v: Any) -> str:
    return format_value(v, "size")


def size_line(sizes: Mapping[str, Any] | None, lang: str = "en") -> str:
    """One line of sizes with the width letters: US/UK/JIS letters, the Chinese 型.

    Children's sizes are on the children's scales: one unisex US size, no men/women.

    Examples
    --------
    >>> size_line({"eu": 24.5, "uk": 7.0, "us_men": 7.5, "us_women": 7.5, "jp_cm": 15.0,
    ...            "cn": "150", "child": True})
    'EU 24.5 · UK children 7 · US children 7.5 · JIS 15 · CN 150'
    """
    if not sizes:
        return ""
    s = sizes
    t = functools.partial(term, "size_systems", lang=lang)

    def letter(key: str) -> str:
        return f" {s[key]}" if s.get(key) else ""

    parts = [f"{t('eu')} {_size(s.get('eu'))}"]
    if s.get("child"):
        parts.append(f"{t('uk_child')} {_size(s.get('uk'))}{letter('uk_width')}")
        parts.append(f"{t('us_child')} {_size(s.get('us_men'))}{letter('us_width')}")
    else:
        women = s.get("sex") == "female"
        parts.append(f"{t('uk')} {_size(s.get('uk'))}{letter('uk_width')}")
        parts.append(f"{t('us_men')} {_size(s.get('us_men'))}"
                     + ("" if women else letter("us_width")))
        parts.append(f"{t('us_women')} {_size(s.get('us_women'))}"
                     + (letter("us_width") if women else ""))
    if s.get("jp_cm") is not None:
        parts.append(f"{t('jp_cm')} {_size(s.get('jp_cm'))}{letter('jp_width')}")
    cn = str(s.get("cn") or s.get("cn_label") or "")
    if cn:
        cn_type = s.get("cn_width_type")
        if cn_type and "(" not in cn:
            cn += " " + ui("cn_type", "zh", t=cn_type)  # the type is written 一型 everywhere
        parts.append(f"{t('cn')} {cn}")
    return " · ".join(parts)


def _pair_threshold(pair: Mapping[str, Any] | None) -> float:
    """Return the score below which a pre-made insole 'does not fit well'.

    The report's own threshold when it carries one (``threshold``, ``min_score`` or
    ``score_threshold`` of ``pair_insole``), else ``footfit/data/advice.json``.
    """
    for key in ("threshold", "min_score", "score_threshold", "acceptable_score"):
        v = (pair or {}).get(key)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return float(v)
    return float(load_advice_table()["insole"]["min_score"])


_ARCH_SUPPORT = {"flat": "low", "normal": "medium", "high": "high"}
_WIDTH_FITTING = {"narrow": "narrow", "normal": "medium", "wide": "wide"}


def _insole_mismatch(foot: Mapping[str, Any], sku: str, lang: str) -> str:
    """Why the best pre-made device is still far from this foot (what differs)."""
    ins = next((i for i in foot.get("insoles") or [] if i.get("sku") == sku), None)
    if ins is None:
        ins = (foot.get("insoles") or [{}])[0]
    dev = ins.get("device") or {}
    m = foot.get("measurements") or {}
    c = foot.get("classification") or {}
    words: list[str] = []
    fl = m.get("foot_length_mm")
    lo, hi = dev.get("length_min_mm"), dev.get("length_max_mm")
    if fl is not None and lo is not None and hi is not None:
        margin = float(load_advice_table()["insole"]["length_margin_mm"])
        if not lo <= fl <= hi or min(fl - lo, hi - fl) < margin:
            words.append(_say("length_edge", lang, length=format_value(fl, "mm", lang),
                              lo=format_value(lo, "mm", lang), hi=format_value(hi, "mm", lang)))
    arch = c.get("arch_type")
    support = dev.get("arch_support")
    if arch and support and _ARCH_SUPPORT.get(arch) != str(support):
        words.append(_say("arch", lang, support=_device(support, lang),
                          arch=class_label("arch_type", arch, lang)))
    width = c.get("width_class")
    fitting = dev.get("width_fitting")
    if width and fitting and _WIDTH_FITTING.get(width) != str(fitting):
        words.append(_say("width", lang, fitting=_device(fitting, lang),
                          width=class_label("width_class", width, lang)))
    post = dev.get("rearfoot_post_deg")
    grade = c.get("hallux_valgus_grade")
    if post and float(post) > 0 and grade in ("normal", None):
        words.append(_say("post", lang, deg=format_value(post, "deg", lang)))
    if not words:
        words.append(_say("far", lang))
    return ("；" if lang == "zh" else "; ").join(words)


def _device(word: Any, lang: str) -> str:
    entry = load_advice_table()["device"].get(str(word))
    return str((entry or {}).get(lang) or (entry or {}).get("en") or word).replace("_", " ")


def _say(key: str, lang: str, **values: Any) -> str:
    entry = load_advice_table()["words"][key]
    return str(entry.get(lang) or entry["en"]).format(**values)


def insole_advice(data: Mapping[str, Any], lang: str = "en") -> dict[str, Any]:
    """Return the one insole pair to sell, or a plain 'no pre-made insole fits well' and why.

    Parameters
    ----------
    data : mapping
        The report's JSON form.
    lang : {'en', 'zh'}

    Returns
    -------
    dict
        ``{'sell': bool, 'headline': str, 'detail': str, 'sku': str or None}``.
    """
    pair = data.get("pair_insole")
    feet = list(data.get("feet") or [])
    threshold = _pair_threshold(pair)
    if not pair or not pair.get("sku"):
        why = next((readable(w, lang) for w in data.get("warnings") or []
                    if "insole" in str(w).lower()), ui("no_insole_none", lang))
        return {"sell": False, "headline": ui("no_insole", lang),
                "detail": f"{why}{_semi(lang)}{ui('custom_insole_advice', lang)}", "sku": None}
    scores = {str(k): float(v) for k, v in (pair.get("fit_scores") or {}).items()
              if isinstance(v, (int, float))}
    fits_flag = pair.get("fits_well", pair.get("acceptable"))
    worst_side = min(scores, key=scores.get) if scores else None
    too_low = (fits_flag is False) or (worst_side is not None
                                       and scores[worst_side] < threshold)
    score_text = ", ".join(f"{foot_name(s, lang)} {format_value(v, 'score', lang)}"
                           for s, v in scores.items())
    if too_low:
        foot = next((f for f in feet if f.get("side") == worst_side), feet[0] if feet else {})
        why = _insole_mismatch(foot, str(pair["sku"]), lang)
        detail = ui("no_insole_why", lang, score=format_value(scores.get(worst_side), "count"),
                    side=side_name(worst_side, lang), threshold=format_value(threshold, "count"),
                    why=why)
        return {"sell": False, "headline": ui("no_insole", lang),
                "detail": f"{detail}{_semi(lang)}{ui('custom_insole_advice', lang)}",
                "sku": pair["sku"]}
    return {"sell": True, "headline": f"{pair.get('name', '')} ({pair['sku']})",
            "detail": ui("insole_fit", lang, scores=score_text), "sku": pair["sku"]}


def last_verdicts(data: Mapping[str, Any], lang: str = "en") -> list[str]:
    """For each foot, the last's verdict in one sentence (from the fit simulation if run)."""
    style = term("styles", (data.get("options") or {}).get("style", ""), lang)
    out = []
    for f in data.get("feet") or []:
        side = side_name(f.get("side"), lang)
        fit = f.get("fit") if isinstance(f.get("fit"), Mapping) else None
        custom = (fit or {}).get("custom") if fit else None
        if isinstance(custom, Mapping) and custom.get("score") is not None:
            zones = [z for z in custom.get("zones") or [] if isinstance(z, Mapping)]
            tight = [z for z in zones if z.get("verdict") == "tight"]
            loose = [z for z in zones if z.get("verdict") == "loose"]
            score = format_value(custom.get("score"), "count")
            if tight:
                worst = max(float(z.get("pressure_mm") or 0.0) for z in tight)
                names = _join([term("zones", z.get("zone"), lang) for z in tight], lang)
                out.append(ui("last_tight", lang, side=side, style=style, zones=names,
                              mm=format_value(worst, "count")))
            elif loose:
                names = _join([term("zones", z.get("zone"), lang) for z in loose], lang)
                out.append(ui("last_loose", lang, side=side, style=style, zones=names))
            else:
                room = (custom.get("room") or {}).get("toe_room_mm")
                out.append(ui("last_good", lang, side=side, style=style, score=score,
                              room=format_value(room, "count")))
            continue
        last = f.get("last")
        if not last:
            out.append(ui("last_none", lang, side=side))
            continue
        stock = last.get("stock_last") or {}
        ident = stock.get("id") or (stock.get("stock_last") if isinstance(
            stock.get("stock_last"), str) else None) or "–"
        mods = last.get("modifications") or []
        how = (ui("last_stock_mods", lang, n=len(mods)) if mods
               else ui("last_stock_nomod", lang))
        out.append(ui("last_stock", lang, side=side, style=style,
                      length=format_value(last.get("bottom_length_mm"), "mm", lang),
                      girth=format_value(last.get("ball_girth_mm"), "mm", lang),
                      stock=ident, mods=how))
    return out


def _semi(lang: str) -> str:
    return "；" if lang == "zh" else "; "


def _join(items: Sequence[str], lang: str) -> str:
    return ("、" if lang == "zh" else ", ").join(dict.fromkeys(items))


def quality_lines(data: Mapping[str, Any], lang: str = "en") -> dict[str, Any]:
    """Return the scan-quality block in words: score, rescan advice, reasons and cautions."""
    from footfit.words import load_vocabulary

    q = (data.get("scan") or {}).get("quality")
    if not q:
        return {"present": False, "rescan": False, "score": None, "reasons": [],
                "cautions": []}
    vocab = load_vocabulary()

    def say(block: str, item: Mapping[str, Any]) -> str:
        values = dict(item.get("values") or {})
        if "measure" in values:
            values["measure"] = measure_name(str(values["measure"]), lang)
        if "arch" in values:
            values["arch"] = class_label("arch_type", values["arch"], lang)
        side = side_name(item["side"], lang) if item.get("side") else ""
        entry = vocab[block].get(item.get("code"), {})
        template = entry.get(lang) or entry.get("en")
        if not template:
            return readable(item.get("text", ""), lang)
        return template.format(side=side, **values)

    return {
        "present": True,
        "rescan": bool(q.get("rescan_recommended")),
        "score": q.get("score"),
        "reasons": [say("quality", r) for r in q.get("reasons") or []],
        "severe": [say("quality", r) for r in q.get("reasons") or []
                   if r.get("severity") in ("major", "severe")],
        "cautions": [say("cautions", c) for c in q.get("cautions") or []],
    }


def customer_summary(data: Mapping[str, Any], lang: str = "en") -> dict[str, Any]:
    """Everything the one-screen customer summary shows, in ``lang``.

    Returns
    -------
    dict
        ``quality`` (:func:`quality_lines`), ``size`` (headline EU size), ``size_line``,
        ``size_from``, ``feet`` (per foot: name, length, width, classes), ``insole``
        (:func:`insole_advice`), ``lasts`` (:func:`last_verdicts`).
    """
    s = data.get("sizes") or {}
    feet = []
    for f in data.get("feet") or []:
        m, c = f.get("measurements") or {}, f.get("classification") or {}
        feet.append({
            "side": f.get("side"),
            "name": foot_name(f.get("side"), lang),
            "length": format_value(m.get("foot_length_mm"), "mm", lang),
            "values": [(measure_name(k, lang), format_value(m.get(k), "mm", lang))
                       for k in ("ball_width_mm", "ball_girth_mm", "instep_girth_mm")],
            "classes": [class_label("arch_type", c.get("arch_type"), lang),
                        class_label("width_class", c.get("width_class"), lang),
                        class_label("toe_shape", c.get("toe_shape"), lang)],
        })
    decided = s.get("decided_by")
    n_feet = len(data.get("feet") or [])
    size_from = ""
    if decided:
        key = "size_from" if n_feet == 2 else "size_one_foot"
        size_from = ui(key, lang, side=side_name(decided, lang))
    return {
        "quality": quality_lines(data, lang),
        "size": f"{term('size_systems', 'eu', lang)} {_size(s.get('eu'))}" if s else "",
        "size_line": size_line(s, lang),
        "size_from": size_from,
        "feet": feet,
        "insole": insole_advice(data, lang),
        "lasts": last_verdicts(data, lang),
    }
