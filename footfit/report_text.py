"""The readable text summary of a report (what ``footfit process`` prints), in en or zh.

It leads with what a customer and a fitter act on (a rescan when advised, the size line with
width letters, the insole pair, each last's verdict), then the engineer's table with the
expected error of every measurement. Words and number formats come from
:mod:`footfit.words`; sentences from :mod:`footfit.advice`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from footfit.advice import customer_summary
from footfit.words import (
    check_language,
    class_label,
    foot_name,
    format_measure,
    format_value,
    measure_name,
    readable,
    term,
    ui,
)

__all__ = ["SUMMARY_MEASURES", "format_summary_text"]

#: Measures of the summary's table, in order (names from the vocabulary).
SUMMARY_MEASURES: tuple[str, ...] = (
    "foot_length_mm", "ball_width_mm", "ball_girth_mm", "instep_girth_mm",
    "short_heel_girth_mm", "long_heel_girth_mm", "ankle_girth_mm", "heel_width_mm",
    "ball_length_mm", "instep_height_mm", "arch_height_mm", "arch_index",
    "chippaux_smirak_index", "staheli_index", "hallux_valgus_angle_deg", "toe_shape",
    "foot_volume_cm3",
)

_WORDS = {
    "scan": {"en": "scan: {fmt}, {n_in} points read, {n_used} on the feet, units {units}, "
                   "{feet}, floor {floor}, cut at {cut} mm",
             "zh": "扫描：{fmt}，读入 {n_in} 个点，脚上 {n_used} 个，单位 {units}，{feet}，"
                   "{floor}，截取高度 {cut} mm"},
    "floor_yes": {"en": "removed", "zh": "已去除地面"},
    "floor_no": {"en": "not seen", "zh": "未见地面"},
    "insoles_for": {"en": "insoles for the {foot} ({style})", "zh": "{foot}鞋垫（{style}）"},
    "because": {"en": "because", "zh": "依据"},
    "last_line": {"en": "custom last ({foot}, {style}, {fit} fit): {dims}",
                  "zh": "定制鞋楦（{foot}，{style}，{fit}）：{dims}"},
    "stock": {"en": "stock last of the pair {id}; changes: {mods}",
              "zh": "一双共用的库存鞋楦 {id}；修改：{mods}"},
    "last_room": {"en": "  room for the insole: {insole} ({fore} under the forefoot, {heel} under "
                        "the heel) and a sock",
                  "zh": "  留出鞋垫空间：{insole}（前掌 {fore}，后跟 {heel}）及袜子余量"},
    "built_from_scan": {"en": " (built from the scan)", "zh": "（按扫描构建）"},
    "build_up": {"en": "  build-up (+) / grind (-) per zone: {zones}",
                 "zh": "  各区加贴（+）/打磨（-）：{zones}"},
    "sections": {"en": "  foot vs last by section (ease, band): {rows}",
                 "zh": "  逐截面脚与楦对比（余量，判定）：{rows}"},
    "fit_sim": {"en": "fit simulation ({foot}, {last}): score {score}",
                "zh": "试穿模拟（{foot}，{last}）：匹配度 {score}"},
    "stock_size": {"en": "stock size by simulation: {text}", "zh": "模拟选出的库存尺码：{text}"},
    "warnings": {"en": "notes", "zh": "备注"},
    "time": {"en": "time", "zh": "耗时"},
    "rules": {"en": "rules: {arch}; width: {width}", "zh": "判定规则：{arch}；宽度：{width}"},
    "sizes_head": {"en": "sizes", "zh": "鞋码"},
    "mondopoint": {"en": "Mondopoint {m}", "zh": "Mondopoint {m}"},
}


#: Zones of a build-up map and rows of the foot-minus-last table, in words.
_LAST_TERMS = {
    "toe_box": ("toe box", "楦头"), "ball_medial": ("ball, inner", "跖趾内侧"),
    "ball_lateral": ("ball, outer", "跖趾外侧"), "instep": ("instep", "跗背"),
    "waist": ("waist", "腰窝"), "heel": ("heel", "后跟"),
    "ball_girth": ("ball girth", "跖围"), "instep_girth": ("instep girth", "跗围"),
    "bottom_width": ("ball width over the bottom width", "跖宽与楦底宽之差"),
    "heel_seat": ("heel width over the seat", "后跟宽与踵心宽之差"),
    "toe_room": ("toe room", "前部余量"), "dorsal_toe_box": ("room over the toes", "楦头背部余量"),
    "dorsal_instep": ("room over the instep", "跗背余量"),
    "dorsal_waist": ("room over the waist", "腰窝背部余量"),
    "mth1_ball_line": ("first ball joint against the last's", "第一跖趾关节与楦的位置差"),
    "ok": ("ok", "合适"), "tight": ("tight", "偏紧"), "loose": ("loose", "偏松"),
    "fail": ("out of range", "不合格"),
}


def _lt(key: str, lang: str) -> str:
    pair = _LAST_TERMS.get(key)
    return key.replace("_", " ") if pair is None else pair[1 if lang == "zh" else 0]


def _w(key: str, lang: str, **values: Any) -> str:
    entry = _WORDS[key]
    return (entry.get(lang) or entry["en"]).format(**values)


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def _pad(text: str, width: int, *, right: bool = False) -> str:
    gap = " " * max(0, width - _width(text))
    return gap + text if right else text + gap


def _error_cell(quality: Mapping[str, Any], key: str, lang: str) -> str:
    feet = (quality or {}).get("feet") or {}
    maes, beyond = [], False
    for foot in feet.values():
        e = (foot.get("expected_error") or {}).get(key)
        if e and e.get("mae") is not None:
            maes.append(float(e["mae"]))
            beyond = beyond or bool(foot.get("beyond_evaluation"))
    if not maes:
        return ""
    unit = "index" if key == "arch_index" else ("cm3" if key.endswith("cm3") else "mm")
    text = format_value(max(maes), unit, lang)
    return ("≥ " if beyond else "≈ ") + text


def format_summary_text(data: Mapping[str, Any], *, lang: str | None = "en") -> str:
    """Return the readable summary of a report's JSON form.

    Parameters
    ----------
    data : mapping
        ``FitReport.to_dict()`` (or the JSON read back).
    lang : {'en', 'zh'} or None, default='en'
        ``None``: the locale's language.

    Returns
    -------
    str
        The summary, one block after the other: the scan, its quality, the customer's
        size/insole/last lines, the measurement table, classes, sizes, insoles and lasts,
        the fit simulation, warnings and timings.
    """
    lang = check_language(lang)
    cs = customer_summary(data, lang)
    feet = list(data.get("feet") or [])
    lines = _scan_block(data, lang) + _quality_block(cs["quality"], lang)
    lines += _customer_block(cs, lang)
    lines += _table_block(feet, (data.get("scan") or {}).get("quality") or {}, lang)
    lines += _class_block(feet, lang)
    if data.get("sizes"):
        lines += ["", f"{_w('sizes_head', lang)}: {cs['size_line']} · "
                  + _w("mondopoint", lang, m=data["sizes"].get("mondopoint"))]
    style = term("styles", (data.get("options") or {}).get("style", ""), lang)
    for f in feet:
        lines += _insole_block(f, style, lang) + _last_block(f, lang)
    for f in feet:
        lines += _fit_block(f, lang)
    warnings = data.get("warnings") or []
    if warnings:
        lines += ["", _w("warnings", lang) + ":"] + [f"  - {readable(w, lang)}"
                                                     for w in warnings]
    t = data.get("timings_ms") or {}
    if t:
        lines += ["", _w("time", lang) + ": " + ", ".join(
            f"{k} {float(v):.1f}" for k, v in t.items()) + " ms"]
    return "\n".join(lines)


def _scan_block(data: Mapping[str, Any], lang: str) -> list[str]:
    """Return the header: version, file, what was read and found."""
    scan = data.get("scan") or {}
    n_feet = int(scan.get("feet_found") or 0)
    return [
        f"footfit {data.get('footfit_version', '')}  -  {Path(str(scan.get('source', ''))).name}",
        _w("scan", lang, fmt=scan.get("format", "?"), n_in=scan.get("points_in"),
           n_used=scan.get("points_used"), units=scan.get("units_detected"),
           feet=ui("one_foot", lang) if n_feet == 1 else ui("feet_found", lang, n=n_feet),
           floor=_w("floor_yes" if scan.get("floor_found") else "floor_no", lang),
           cut=format_value(scan.get("leg_cut_height_mm"), "count")),
        "",
    ]


def _quality_block(q: Mapping[str, Any], lang: str) -> list[str]:
    """Return the scan-quality block: score, rescan advice, reasons, cautions."""
    if not q["present"]:
        return []
    head = ui("quality_score", lang, score=q["score"])
    if q["rescan"]:
        lines = [f"!! {ui('rescan', lang).upper()} ({head})", f"   {ui('rescan_why', lang)}"]
    else:
        lines = [head + (":" if q["reasons"] else "")]
    lines += [f"   - {r}" for r in q["reasons"]]
    if q["cautions"]:
        lines.append(ui("cautions", lang) + ":")
        lines += [f"   - {c}" for c in q["cautions"]]
    return lines + [""]


def _customer_block(cs: Mapping[str, Any], lang: str) -> list[str]:
    """Return the customer's lines: size, the insole pair, each last's verdict."""
    lines = []
    if cs["size_line"]:
        lines.append(f"{ui('your_size', lang)}: {cs['size_line']}"
                     + (f"  ({cs['size_from']})" if cs["size_from"] else ""))
    ins = cs["insole"]
    lines.append(f"{ui('insole_to_sell', lang)}: {ins['headline']}  ({ins['detail']})"
                 if ins["sell"] else f"{ins['headline']}: {ins['detail']}")
    lines += [f"{ui('last_verdict', lang)}: {verdict}" for verdict in cs["lasts"]]
    return lines + [""]


def _table_block(feet: list[Mapping[str, Any]], quality: Mapping[str, Any],
                 lang: str) -> list[str]:
    """Return the measurement table: one row per measure, one column per foot."""
    label_w = max(_width(measure_name(k, lang)) for k in SUMMARY_MEASURES) + 2
    col = 14
    head = _pad(ui("measurement", lang), label_w) + "".join(
        _pad(foot_name(f.get("side"), lang), col, right=True) for f in feet)
    if quality:
        head += "  " + ui("expected_error", lang)
    lines = [head, "-" * _width(head)]
    for key in SUMMARY_MEASURES:
        cells = []
        for f in feet:
            v = (f.get("measurements") or {}).get(key)
            text = format_measure(key, v, lang) if v is not None else "–"
            if key == "toe_shape" and v is not None:  # the short name in the table
                text = class_label("toe_shape", v, lang).split("（")[0].split(" (")[0]
            cells.append(_pad(text, col, right=True))
        row = _pad(measure_name(key, lang), label_w) + "".join(cells)
        if quality:
            row += "  " + _error_cell(quality, key, lang)
        lines.append(row.rstrip())
    return lines + [""]


def _class_block(feet: list[Mapping[str, Any]], lang: str) -> list[str]:
    """Return each foot's classes and the rules they were decided by."""
    lines = []
    for f in feet:
        c = f.get("classification") or {}
        lines.append(
            f"{foot_name(f.get('side'), lang)}: "
            + ", ".join(class_label(k, c.get(k), lang) for k in
                        ("arch_type", "width_class", "toe_shape", "hallux_valgus_grade")))
    if feet:
        c = feet[0].get("classification") or {}
        lines.append(_w("rules", lang, arch=term("rules", c.get("arch_rule", ""), lang),
                        width=term("rules", c.get("width_rule", ""), lang)))
    return lines


def _insole_block(f: Mapping[str, Any], style: str, lang: str) -> list[str]:
    """Return one foot's insole list (the best one's reasons under it)."""
    if not f.get("insoles"):
        return []
    lines = ["", _w("insoles_for", lang, foot=foot_name(f.get("side"), lang),
                    style=style) + ":"]
    for i in f["insoles"]:
        lines.append(f"  {i['rank']}. {i['sku']}  {i['name']}  "
                     f"{ui('fit_score', lang)} {format_value(i['fit_score'], 'score')}")
        if i["rank"] == 1:
            lines += [f"       {_w('because', lang)}: {readable(r, lang)}"
                      for r in i.get("reasons", [])]
    return lines


_LAST_DIMS = ("bottom_length_mm", "stick_length_mm", "ball_girth_mm", "instep_girth_mm",
              "bottom_width_ball_mm", "heel_seat_width_mm", "heel_height_mm", "toe_spring_mm")


def _last_block(f: Mapping[str, Any], lang: str) -> list[str]:
    """Return one foot's last: dimensions, insole room, stock last and its build-up."""
    last = f.get("last")
    if not last:
        return []
    dims = ", ".join(
        f"{term('last_measures', k, lang)} {format_value(last.get(k), 'mm', lang)}"
        for k in _LAST_DIMS if last.get(k) is not None)
    lines = ["", _w("last_line", lang, foot=foot_name(f.get("side"), lang),
                    style=term("styles", last.get("style"), lang),
                    fit=term("fits", last.get("fit"), lang), dims=dims)
             + (_w("built_from_scan", lang) if last.get("built_from_scan") else "")]
    if last.get("insole_forefoot_mm") is not None:
        lines.append(_w("last_room", lang, insole=last.get("insole", "sock liner"),
                        fore=format_value(last.get("insole_forefoot_mm"), "mm", lang),
                        heel=format_value(last.get("insole_heel_mm"), "mm", lang)))
    stock = last.get("stock_last")
    if stock:
        ident = stock.get("id") if isinstance(stock, Mapping) else stock
        mods = "; ".join(readable(m, lang) for m in last.get("modifications") or []) \
            or ui("none", lang)
        lines.append("  " + _w("stock", lang, id=ident, mods=mods))
        build = last.get("build_up_mm") or {}
        if build:
            lines.append(_w("build_up", lang, zones=", ".join(
                f"{_lt(k, lang)} {float(v):+.1f} mm" for k, v in build.items())))
    return lines


def _fit_block(f: Mapping[str, Any], lang: str) -> list[str]:
    """Return one foot's fit simulation: score, summary, section eases, stock size."""
    fs = f.get("fit")
    if not (isinstance(fs, Mapping) and isinstance(fs.get("custom"), Mapping)):
        return []
    c = fs["custom"]
    lines = ["", _w("fit_sim", lang, foot=foot_name(f.get("side"), lang),
                    last=c.get("last", ""), score=format_value(c.get("score"), "score"))]
    lines += [f"  - {readable(w, lang)}" for w in c.get("summary") or []]
    rows = [r for r in c.get("sections") or [] if r.get("ease_mm") is not None]
    if rows:
        lines.append(_w("sections", lang, rows="; ".join(
            f"{_lt(r['name'], lang)} {float(r['ease_mm']):+.1f} mm "
            f"{_lt(r['band'], lang)}" for r in rows)))
    st = fs.get("stock_size")
    if isinstance(st, Mapping) and st.get("explanation"):
        lines.append("  " + _w("stock_size", lang, text=readable(st["explanation"], lang)))
    return lines
