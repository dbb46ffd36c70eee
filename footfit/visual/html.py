"""One self-contained HTML fitting report: a customer summary on top, the fitter's detail below.

The page needs no network and stays small (well under 2 MB): styles are inline, figures are
inline SVG and the 3D view is a small self-written canvas viewer
(:mod:`footfit.visual.viewer`). Every word a person reads comes from the vocabulary
(:mod:`footfit.words`, English or Simplified Chinese); the numbers from the report's JSON
form (the same a kiosk app reads); pictures from the per-foot objects (aligned cloud,
sections, fit simulation). When the scan should be redone the page opens with that.
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from footfit._core.typing import PathType
from footfit.advice import customer_summary, size_line
from footfit.visual.scene import FootDrawing
from footfit.visual.svg import foot_figures
from footfit.words import (
    check_language,
    class_label,
    foot_name,
    format_measure,
    format_value,
    load_vocabulary,
    measure_name,
    readable,
    term,
    ui,
)

if TYPE_CHECKING:
    from footfit.report import FitReport

__all__ = ["foot_drawings", "render_html", "write_html"]

#: Measures of the detail table, in order (names and formats from the vocabulary).
_MEASURES: tuple[str, ...] = (
    "foot_length_mm", "ball_width_mm", "ball_girth_mm", "instep_girth_mm",
    "short_heel_girth_mm", "long_heel_girth_mm", "ankle_girth_mm", "heel_width_mm",
    "ball_length_mm", "instep_height_mm", "arch_height_mm", "arch_index",
    "chippaux_smirak_index", "staheli_index", "hallux_valgus_angle_deg", "toe_shape",
    "foot_volume_cm3",
)

_CAPTIONS = {"top-view": "cap_top", "side-view": "cap_side", "girths": "cap_girths",
             "clearance": "cap_clearance"}

_CSS = """
:root{--ink:#222;--muted:#5f5f5f;--line:#ddd;--accent:#3d6fa8;--warn:#b35c00;--bad:#b3261e}
*{box-sizing:border-box}
body{font-family:"Noto Sans CJK SC","WenQuanYi Zen Hei","Microsoft YaHei","PingFang SC",
Helvetica,Arial,sans-serif;color:var(--ink);margin:0;background:#f6f6f4}
main{max-width:1280px;margin:0 auto;padding:18px 24px 40px}
h1{font-size:26px;margin:8px 0 2px}h2{font-size:20px;margin:28px 0 10px;
border-bottom:2px solid var(--accent);padding-bottom:4px}h3{font-size:16px;margin:14px 0 6px}
.meta{color:var(--muted);font-size:13px;margin:0 0 10px}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:12px 16px;
min-width:220px;flex:1}
.card .big{font-size:30px;font-weight:bold;color:var(--accent)}
.card .label{font-size:12px;color:var(--muted);letter-spacing:.04em;text-transform:uppercase}
.card.no .big{color:var(--warn)}#insole .big{font-size:20px}#lastcard{flex-basis:100%}
.sizeline{font-size:18px;font-weight:bold;margin:4px 0}
.rescan{background:#fdecea;border:2px solid var(--bad);border-radius:8px;padding:12px 16px;
margin:12px 0}.rescan h2{border:0;color:var(--bad);margin:0 0 6px}
.warn{background:#fff4e5;border-left:4px solid var(--warn);padding:8px 14px;margin:12px 0}
.warn li,.rescan li{margin:2px 0}
.chip{display:inline-block;border-radius:12px;padding:2px 10px;font-size:13px;
background:#e7f1e8;color:#235b2c}.chip.bad{background:#fdecea;color:var(--bad)}
table{border-collapse:collapse;background:#fff;font-size:14px}
th,td{border:1px solid var(--line);padding:5px 10px;text-align:left;vertical-align:top}
th{background:#eef2f7}td.num{text-align:right;font-variant-numeric:tabular-nums}
.why{color:var(--muted);font-size:12px}
.feet{display:grid;grid-template-columns:repeat(var(--nfeet),minmax(0,1fr));gap:18px}
figure{margin:0 0 14px;background:#fff;border:1px solid var(--line);border-radius:8px;
padding:8px}
figure svg{width:100%;height:auto;display:block}
figcaption{font-size:12px;color:var(--muted);margin-top:4px}
.one .figs{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:0 18px}
.one .figs figure[data-figure="top-view"]{grid-row:span 2}
ol.insoles{padding-left:20px}ol.insoles li{margin:0 0 8px}
.score{display:inline-block;background:var(--accent);color:#fff;border-radius:10px;
padding:0 8px;font-size:12px;margin-left:6px}
.ff3d-row{display:flex;flex-wrap:wrap;gap:12px}.ff3d{flex:1;min-width:280px}
.ff3d canvas{width:100%;height:auto;touch-action:none;cursor:grab;display:block}
footer{color:var(--muted);font-size:12px;margin-top:30px}
@media print{.noprint{display:none}body{background:#fff}}
"""


def _h(v: Any) -> str:
    return escape(str(v))


@functools.lru_cache(maxsize=1)
def _figure_phrases() -> tuple[tuple[str, dict[str, str]], ...]:
    phrases = load_vocabulary().get("figure_phrases") or {}
    items = [(k, v) for k, v in phrases.items() if not k.startswith("_")]
    return tuple(sorted(items, key=lambda kv: -len(kv[0])))


def _figure_words(svg: str, lang: str) -> str:
    """Translate the figures' labels into ``lang`` (the SVG writer draws English phrases)."""
    def words(m: re.Match[str]) -> str:
        text = m.group(2)
        for phrase, entry in _figure_phrases():
            if phrase in text:
                text = text.replace(phrase, entry.get(lang) or entry.get("en") or phrase)
        return m.group(1) + text + m.group(3)

    return re.sub(r"(<text[^>]*>)(.*?)(</text>)", words, svg, flags=re.S)


def _title(key: str, lang: str) -> str:
    if key in load_vocabulary()["measures"] or key in load_vocabulary()["last_measures"]:
        return measure_name(key, lang)
    text = key.removesuffix("_mm").replace("_", " ")
    return re.sub(r"\bmth(\d)", r"MTH\1", text)


def foot_drawings(
    report: FitReport | Mapping[str, Any],
) -> tuple[list[FootDrawing | None], list[str]]:
    """Drawings of the report's feet, and a note for each foot that cannot be drawn.

    Parameters
    ----------
    report : FitReport or mapping
        A mapping (a report read back from JSON) has no scan data: no drawing.

    Returns
    -------
    drawings : list of FootDrawing or None
        One per entry of ``feet``, in order.
    notes : list of str
        Why a foot has no pictures.
    """
    data = report.to_dict() if hasattr(report, "to_dict") else dict(report)
    feet_json = list(data.get("feet") or [])
    feet_obj = [] if isinstance(report, Mapping) else list(getattr(report, "feet", ()) or ())
    drawings: list[FootDrawing | None] = []
    notes: list[str] = []
    for i, fj in enumerate(feet_json):
        obj = feet_obj[i] if i < len(feet_obj) else None
        side = fj.get("side", "?")
        if obj is None:
            drawings.append(None)
            notes.append(f"{side} foot: no pictures (no scan data in this report)")
            continue
        try:
            drawings.append(FootDrawing.from_foot_report(obj))
        except (ValueError, ArithmeticError) as exc:
            drawings.append(None)
            notes.append(f"{side} foot: no pictures ({exc})")
    return drawings, notes


def render_html(report: FitReport | Mapping[str, Any], *, lang: str | None = None,
                customer: str | None = None,
                max_points: int = 8000, include_3d: bool = True,
                drawings: Sequence[FootDrawing | None] | None = None) -> str:
    """Return the visual fitting report as one self-contained HTML page.

    Parameters
    ----------
    report : FitReport or mapping
        The pipeline's result (pictures need its per-foot ``aligned`` clouds; a report read
        back from JSON gives the text sections only, and says so).
    lang : {'en', 'zh'} or None, default=None
        Language of the page (``None``: the locale's).
    customer : str, optional
        Name shown at the top ("For ...").
    max_points : int, default=8000
        Points per foot in the 3D view (about 16 KB each).
    include_3d : bool, default=True
        Embed the 3D view (footfit's own canvas viewer, no plotly).
    drawings : sequence of FootDrawing or None, optional
        Precomputed :func:`foot_drawings` (a server keeps these instead of whole reports).

    Returns
    -------
    str
        The HTML document.
    """
    lang = check_language(lang)
    data = report.to_dict() if hasattr(report, "to_dict") else dict(report)
    feet_json: list[dict[str, Any]] = list(data.get("feet") or [])
    if drawings is None:
        drawings, picture_notes = foot_drawings(report)
    else:
        drawings = list(drawings)
        picture_notes = [f"{f.get('side', '?')} foot: no pictures"
                         for f, d in zip(feet_json, drawings, strict=False) if d is None]
    nfeet = max(len(feet_json), 1)
    scan = data.get("scan") or {}
    opts = data.get("options") or {}
    src = Path(str(scan.get("source", ""))).name or "scan"
    cs = customer_summary(data, lang)
    n = int(scan.get("feet_found") or 0)
    feet_text = ui("one_foot", lang) if n == 1 else ui("feet_found", lang, n=n)
    html_lang = "zh-CN" if lang == "zh" else "en"
    scan_line = ui("scan_line", lang, name=src, points=scan.get("points_in"), feet=feet_text)
    style_fit = ui("style_fit", lang, style=term("styles", opts.get("style", ""), lang),
                   fit=term("fits", opts.get("fit", ""), lang))
    out: list[str] = [
        "<!DOCTYPE html>",
        f'<html lang="{html_lang}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="footfit">',
        f"<title>{_h(ui('title', lang))} - {_h(src)}</title>",
        f"<style>{_CSS}</style></head>",
        f'<body><main style="--nfeet:{nfeet}">',
        f"<header><h1>{_h(ui('title', lang))}</h1>",
        (f"<p class=\"meta\"><b>{_h(ui('for_customer', lang, customer=customer))}</b></p>"
         if customer else ""),
        f'<p class="meta">{_h(scan_line)} · {_h(style_fit)}'
        f' · {_dt.datetime.now().strftime("%Y-%m-%d %H:%M")}</p></header>',
    ]
    out.append(_rescan(cs["quality"], lang))
    out.append(_customer(cs, lang))
    out.append(f'<h2 id="detail">{_h(ui("engineer_detail", lang))}</h2>')
    warnings = [readable(w, lang) for w in list(data.get("warnings") or []) + picture_notes]
    if warnings:
        out.append(f'<section id="warnings" class="warn"><b>{_h(ui("please_note", lang))}</b>'
                   "<ul>" + "".join(f"<li>{_h(w)}</li>" for w in warnings) + "</ul></section>")
    out.append(_pictures(drawings, lang))
    out.append(_measurements(feet_json, scan.get("quality") or {}, lang))
    out.append(_sizes(data.get("sizes"), lang))
    out.append(_insoles(feet_json, opts, lang))
    out.append(_lasts(feet_json, lang))
    out.append(_fit(feet_json, drawings, lang))
    if include_3d:
        out.append(_view3d([d for d in drawings if d is not None], max_points, lang))
    timings = data.get("timings_ms") or {}
    out.append(
        f"<footer>{_h(ui('generated', lang, version=data.get('footfit_version', '')))} · "
        f"{_h(ui('times', lang))}: "
        + ", ".join(f"{_h(k)} {format_value(v, 'ms', lang)}" for k, v in timings.items())
        + ". ISO 7250 / GB/T 3293.1; Cavanagh &amp; Rodgers 1987.</footer>"
    )
    out.append("</main></body></html>")
    return "\n".join(x for x in out if x)


def write_html(report: FitReport | Mapping[str, Any], path: PathType,
               **kwargs: Any) -> Path:
    """Write :func:`render_html` to ``path`` atomically and return the path.

    Parameters
    ----------
    report : FitReport
    path : str or path-like
        Output file (``.html``).
    **kwargs
        Passed to :func:`render_html` (``lang``, ``customer``, ...).

    Returns
    -------
    pathlib.Path
    """
    from footfit.visual._io import write_atomic

    return write_atomic(path, render_html(report, **kwargs).encode("utf-8"))


# ---------------------------------------------------------------------------- customer
def _rescan(q: Mapping[str, Any], lang: str) -> str:
    if not q.get("rescan"):
        return ""
    items = "".join(f"<li>{_h(r)}</li>" for r in q.get("severe") or q.get("reasons") or [])
    return (f'<section id="rescan" class="rescan"><h2>{_h(ui("rescan", lang))}</h2>'
            f"<p>{_h(ui('rescan_why', lang))} "
            f'<span class="chip bad">{_h(ui("quality_score", lang, score=q.get("score")))}'
            f"</span></p><ul>{items}</ul></section>")


def _customer(cs: Mapping[str, Any], lang: str) -> str:
    cards = []
    if cs["size_line"]:
        cards.append(
            f'<div class="card" id="size"><div class="label">{_h(ui("your_size", lang))}</div>'
            f'<div class="big">{_h(cs["size"])}</div>'
            f'<div class="sizeline">{_h(cs["size_line"])}</div>'
            f'<div class="why">{_h(cs["size_from"])}</div></div>')
    for f in cs["feet"]:
        vals = "".join(f"<div>{_h(k)} {_h(v)}</div>" for k, v in f["values"])
        cards.append(
            f'<div class="card"><div class="label">{_h(f["name"])}</div>'
            f'<div class="big">{_h(f["length"])}</div>{vals}'
            f'<div>{_h(" · ".join(f["classes"]))}</div></div>')
    ins = cs["insole"]
    label = ui("insole_to_sell", lang)
    cards.append(
        f'<div class="card{"" if ins["sell"] else " no"}" id="insole">'
        f'<div class="label">{_h(label)}</div><div class="big">{_h(ins["headline"])}</div>'
        f'<div class="why">{_h(ins["detail"])}</div></div>')
    lasts = "".join(f"<li>{_h(v)}</li>" for v in cs["lasts"])
    q = cs["quality"]
    chip = ""
    if q["present"]:
        cls = "chip bad" if q["rescan"] else "chip"
        chip = f'<span class="{cls}">{_h(ui("quality_score", lang, score=q["score"]))}</span>'
    cautions = "".join(f"<li>{_h(c)}</li>" for c in q.get("cautions") or [])
    minor = "" if q.get("rescan") else "".join(f"<li>{_h(r)}</li>" for r in q.get("reasons")
                                                 or [])
    cards.append(
        f'<div class="card" id="lastcard"><div class="label">{_h(ui("last_verdict", lang))}'
        f"</div><ul>{lasts}</ul><div>{chip}</div>"
        + (f'<ul class="why">{minor}</ul>' if minor else "")
        + (f'<div class="label">{_h(ui("cautions", lang))}</div><ul class="why">{cautions}'
           "</ul>" if cautions else "") + "</div>")
    return '<section id="summary" class="cards">' + "".join(cards) + "</section>"


# ---------------------------------------------------------------------------- detail
def _pictures(drawings: Sequence[FootDrawing | None], lang: str) -> str:
    cols = []
    for d in drawings:
        if d is None:
            cols.append("<div></div>")
            continue
        figs = foot_figures(d)
        figs.pop("clearance", None)  # shown with the fit simulation
        cols.append('<div class="figs">' + "".join(
            f'<figure data-figure="{name}">{_figure_words(svg, lang)}<figcaption>'
            f"{_h(ui(_CAPTIONS[name], lang))}</figcaption></figure>"
            for name, svg in figs.items()) + "</div>")
    if not any(d is not None for d in drawings):
        return ""
    one = " one" if len(drawings) == 1 else ""
    return (f'<section id="pictures"><h2>{_h(ui("pictures", lang))}</h2>'
            f'<div class="feet{one}">' + "".join(cols) + "</div></section>")


def _error(quality: Mapping[str, Any], side: Any, key: str, lang: str) -> str:
    foot = ((quality or {}).get("feet") or {}).get(side) or {}
    e = (foot.get("expected_error") or {}).get(key)
    if not e or e.get("mae") is None:
        return ""
    unit = "index" if key == "arch_index" else ("cm3" if key.endswith("cm3") else "mm")
    pre = "≥ " if foot.get("beyond_evaluation") else "≈ "
    value = format_value(e["mae"], unit, lang)
    return f'<div class="why">{_h(ui("expected_error", lang))} {pre}{_h(value)}</div>'


def _measurements(feet: Sequence[Mapping[str, Any]], quality: Mapping[str, Any],
                  lang: str) -> str:
    head = "".join(f"<th>{_h(foot_name(f.get('side'), lang))}</th>" for f in feet)
    rows = []
    for key in _MEASURES:
        cells = []
        for f in feet:
            v = (f.get("measurements") or {}).get(key)
            if v is None:
                why = readable((f.get("missing") or {}).get(key, ""), lang)
                cells.append(f'<td>–<div class="why">{_h(ui("not_measurable", lang))}'
                             + (f": {_h(why)}" if why else "") + "</div></td>")
            else:
                cells.append(f'<td class="num">{_h(format_measure(key, v, lang))}'
                             f'{_error(quality, f.get("side"), key, lang)}</td>')
        note = (load_vocabulary().get("measure_notes") or {}).get(key)
        label = _h(measure_name(key, lang)) + (
            f'<div class="why">{_h(note.get(lang) or note["en"])}</div>' if note else "")
        rows.append(f"<tr><th>{label}</th>{''.join(cells)}</tr>")
    kinds = ("arch_type", "width_class", "toe_shape", "hallux_valgus_grade")
    cls_rows = []
    for kind in kinds:
        cells = []
        for f in feet:
            c = f.get("classification") or {}
            extra = ""
            if kind == "arch_type":
                extra = term("rules", c.get("arch_rule", ""), lang)
                if c.get("arch_value") is not None:
                    extra = f"{format_value(c['arch_value'], 'index')}; {extra}"
            elif kind == "width_class":
                extra = term("rules", c.get("width_rule", ""), lang)
            elif kind == "hallux_valgus_grade" and c.get("hallux_valgus_angle_deg") is not None:
                extra = format_value(c["hallux_valgus_angle_deg"], "deg", lang)
            cells.append(f"<td>{_h(class_label(kind, c.get(kind), lang))}"
                         + (f'<div class="why">{_h(extra)}</div>' if extra else "") + "</td>")
        name = term("class_names", kind, lang)
        cls_rows.append(f"<tr><th>{_h(name)}</th>{''.join(cells)}</tr>")
    reasons = []
    for f in feet:
        rs = (f.get("classification") or {}).get("reasons") or {}
        if rs:
            reasons.append(f"<div><b>{_h(foot_name(f.get('side'), lang))}</b><ul class=why>"
                           + "".join(f"<li>{_h(readable(r, lang))}</li>" for r in rs.values())
                           + "</ul></div>")
    note = ui("expected_error_note", lang) if quality else ""
    return (f'<section id="measurements"><h2>{_h(ui("measurements", lang))}</h2>'
            f"<table><tr><th>{_h(ui('measurement', lang))}</th>{head}</tr>"
            + "".join(rows) + "</table>"
            + (f'<p class="why">{_h(note)}</p>' if note else "")
            + f"<h3>{_h(ui('foot_type', lang))}</h3><table><tr><th></th>{head}</tr>"
            + "".join(cls_rows) + "</table>"
            + (f'<div class="feet">{"".join(reasons)}</div>' if reasons else "")
            + "</section>")


def _sizes(s: Mapping[str, Any] | None, lang: str) -> str:
    title = f'<h2>{_h(ui("sizes", lang))}</h2>'
    if not s:
        return f'<section id="sizes">{title}<p>–</p></section>'
    per = s.get("per_foot") or []
    extra = ""
    if per:
        extra = (f"<h3>{_h(ui('per_foot_sizes', lang))}</h3><table>"
                 + "".join(f"<tr><th>{_h(foot_name(p.get('side'), lang))} "
                           f"{_h(format_value(p.get('foot_length_mm'), 'mm', lang))}</th>"
                           f"<td>{_h(size_line(dict(p, child=s.get('child')), lang))}</td></tr>"
                           for p in per) + "</table>")
    notes = "".join(f"<li>{_h(readable(n, lang))}</li>" for n in s.get("notes") or [])
    return (f'<section id="sizes">{title}<p class="sizeline">{_h(size_line(s, lang))} · '
            f'Mondopoint {_h(s.get("mondopoint"))}</p>{extra}'
            + (f'<ul class="why">{notes}</ul>' if notes else "") + "</section>")


def _insoles(feet: Sequence[Mapping[str, Any]], opts: Mapping[str, Any], lang: str) -> str:
    cols = []
    for f in feet:
        items = []
        for i in f.get("insoles") or []:
            reasons = "".join(f"<li>{_h(readable(r, lang))}</li>" for r in i.get("reasons")
                              or [])
            items.append(
                f"<li><b>{_h(i.get('name', ''))}</b> <span class=why>{_h(i.get('sku', ''))}"
                f"</span><span class=score>{_h(ui('fit_score', lang))} "
                f"{_h(format_value(i.get('fit_score'), 'score'))}</span>"
                f"<ul class=why>{reasons}</ul></li>")
        notes = "".join(f"<div class=why>{_h(readable(n, lang))}</div>"
                        for n in f.get("insole_notes") or [])
        body = f'<ol class="insoles">{"".join(items)}</ol>' if items else "<p>–</p>"
        cols.append(f"<div><h3>{_h(foot_name(f.get('side'), lang))}</h3>{body}{notes}</div>")
    style = term("styles", opts.get("style", ""), lang)
    return (f'<section id="insoles"><h2>{_h(ui("insoles", lang, style=style))}</h2>'
            f'<div class="feet">{"".join(cols)}</div></section>')


def _lasts(feet: Sequence[Mapping[str, Any]], lang: str) -> str:
    cols = []
    for f in feet:
        last = f.get("last")
        name = foot_name(f.get("side"), lang)
        if not last:
            cols.append(f"<div><h3>{_h(name)}</h3><p>–</p></div>")
            continue
        head = (f"{term('styles', last.get('style', ''), lang)}, "
                f"{term('fits', last.get('fit', ''), lang)}"
                + (f", {last['size_label']}" if last.get("size_label") else ""))
        rows = "".join(
            f"<tr><th>{_h(_title(k, lang))}</th><td class=num>"
            f"{_h(format_value(v, 'mm', lang))}</td></tr>"
            for k, v in last.items()
            if k.endswith("_mm") and isinstance(v, (int, float)) and not isinstance(v, bool))
        stock = last.get("stock_last") or {}
        ident = stock.get("id") if isinstance(stock, Mapping) else stock
        mods = "".join(f"<li>{_h(readable(m, lang))}</li>"
                       for m in last.get("modifications") or [])
        stock_html = ""
        if stock:
            stock_html = (f"<p>{_h(ui('stock_last', lang))} <b>{_h(ident)}</b>"
                          + (f" ({_h(format_value(stock.get('distance'), 'mm', lang))})"
                             if isinstance(stock, Mapping) and stock.get("distance") is not None
                             else "")
                          + (f"; {_h(ui('modifications', lang))}:</p><ul>{mods}</ul>" if mods
                             else "</p>"))
        notes = "".join(f"<div class=why>{_h(readable(n, lang))}</div>"
                        for n in last.get("notes") or [])
        cols.append(f"<div><h3>{_h(name)}: {_h(head)}</h3>{stock_html}"
                    f"<table>{rows}</table>{notes}</div>")
    return (f'<section id="last"><h2>{_h(ui("lasts", lang))}</h2><div class="feet">'
            + "".join(cols) + "</div></section>")


def _fit(feet: Sequence[Mapping[str, Any]], drawings: Sequence[FootDrawing | None],
         lang: str) -> str:
    from footfit.visual.svg import clearance_svg

    cols, any_fit = [], False
    for f, d in zip(feet, list(drawings) + [None] * len(feet), strict=False):
        fj = f.get("fit")
        svg = clearance_svg(d) if d is not None else None
        if not fj and svg is None:
            cols.append("<div></div>")
            continue
        any_fit = True
        parts = [f"<h3>{_h(foot_name(f.get('side'), lang))}</h3>"]
        if svg:
            parts.append(f'<figure data-figure="clearance">{_figure_words(svg, lang)}'
                         f"<figcaption>{_h(ui('cap_clearance', lang))}</figcaption></figure>")
        parts.append(_fit_text(fj if isinstance(fj, Mapping) else {}, d, lang))
        cols.append("<div>" + "".join(parts) + "</div>")
    if not any_fit:
        return ""
    return (f'<section id="fit"><h2>{_h(ui("fit_sim", lang))}</h2><div class="feet">'
            + "".join(cols) + "</div></section>")


def _fit_text(fj: Mapping[str, Any], d: FootDrawing | None, lang: str) -> str:
    obj = d.fit if d is not None else None
    inner = fj.get("custom") if isinstance(fj.get("custom"), Mapping) else fj
    zones = inner.get("zones") or [z.to_dict() for z in getattr(obj, "zones", ()) or ()]
    summary = inner.get("summary") or list(getattr(obj, "summary", ()) or ())
    score = inner.get("score", getattr(obj, "score", None))
    out = []
    if score is not None:
        out.append(f"<p>{_h(ui('fit_score', lang))} <b>{_h(format_value(score, 'score'))}</b></p>")
    if summary:
        out.append("<ul>" + "".join(f"<li>{_h(readable(s, lang))}</li>" for s in summary)
                   + "</ul>")
    if zones:
        out.append(
            f"<table><tr><th>{_h(ui('zone', lang))}</th><th>{_h(ui('verdict', lang))}</th>"
            f"<th>{_h(ui('min_gap', lang))}</th><th>{_h(ui('median_gap', lang))}</th>"
            f"<th>{_h(ui('pressed_area', lang))}</th></tr>" + "".join(
                f"<tr><td>{_h(term('zones', z.get('zone'), lang))}</td>"
                f"<td>{_h(term('verdicts', z.get('verdict'), lang))}</td>"
                f"<td class=num>{_h(format_value(z.get('min_clearance_mm'), 'mm', lang))}</td>"
                f"<td class=num>{_h(format_value(z.get('median_clearance_mm'), 'mm', lang))}</td>"
                f"<td class=num>{_h(format_value(z.get('pressed_area_cm2'), 'cm2', lang))}</td>"
                "</tr>" for z in zones) + "</table>")
    stock = fj.get("stock_size")
    if isinstance(stock, Mapping):
        out.append(_stock_size(stock, lang))
    for note in fj.get("notes") or []:
        out.append(f'<div class="why">{_h(readable(note, lang))}</div>')
    return "".join(out)


def _stock_size(st: Mapping[str, Any], lang: str) -> str:
    """Stock size by simulation beside the formula size, with the candidates tried."""
    best, formula = st.get("recommended") or {}, st.get("formula") or {}
    text = ui("stock_size_text", lang, best=best.get("label", best.get("id", "?")),
              best_score=format_value(best.get("score"), "score"),
              formula=formula.get("label", formula.get("id", "?")),
              formula_score=format_value(formula.get("score"), "score"))
    head = (f"<h3>{_h(ui('stock_size_sim', lang))}</h3><p>{_h(text)} "
            f"{_h(readable(st.get('explanation', ''), lang))}</p>")
    rows = "".join(
        f"<tr><td>{_h(c.get('label', c.get('id', '')))}</td>"
        f"<td class=num>{_h(format_value(c.get('score'), 'score'))}</td>"
        f"<td>{_h('; '.join(readable(x, lang) for x in c.get('summary') or []))}</td></tr>"
        for c in st.get("candidates") or [])
    table = (f"<table><tr><th>{_h(ui('stock_tried', lang))}</th>"
             f"<th>{_h(ui('fit_score', lang))}</th><th>{_h(ui('where', lang))}</th></tr>"
             f"{rows}</table>") if rows else ""
    return head + table


def _view3d(drawings: Sequence[FootDrawing], max_points: int, lang: str) -> str:
    if not drawings:
        return ""
    from footfit.visual.viewer import viewer_html

    titles = [foot_name(d.side, lang) for d in drawings]
    body = viewer_html(drawings, max_points=max_points, titles=titles,
                       help_text=ui("view3d_help", lang))
    return (f'<section id="view3d"><h2>{_h(ui("view3d", lang))}</h2>{body}'
            f'<p class="why">{_h(ui("cap_3d", lang))}</p></section>')


