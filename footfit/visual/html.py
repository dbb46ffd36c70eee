"""One self-contained HTML fitting report: numbers, reasons, pictures and a 3D view.

The page needs no network: styles are inline, figures are inline SVG and the 3D view embeds
plotly.js. Text comes from the report's JSON form (the same names a kiosk app reads); pictures
come from the per-foot objects (aligned cloud, sections, fit simulation).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

from .._typing import PathType
from .scene import FootDrawing, latin_cn
from .svg import foot_figures

__all__ = ["foot_drawings", "render_html", "write_html"]

_MEASURES: tuple[tuple[str, str, str], ...] = (
    ("foot_length_mm", "Foot length", "mm"),
    ("ball_width_mm", "Ball width", "mm"),
    ("ball_girth_mm", "Ball girth", "mm"),
    ("instep_girth_mm", "Instep girth", "mm"),
    ("short_heel_girth_mm", "Short heel girth", "mm"),
    ("long_heel_girth_mm", "Long heel girth", "mm"),
    ("ankle_girth_mm", "Ankle girth", "mm"),
    ("heel_width_mm", "Heel width", "mm"),
    ("ball_length_mm", "Ball length (heel to MTH1)", "mm"),
    ("instep_height_mm", "Instep height", "mm"),
    ("arch_height_mm", "Arch height (dorsal, 50 %)", "mm"),
    ("arch_index", "Arch index (Cavanagh-Rodgers)", ""),
    ("chippaux_smirak_index", "Chippaux-Smirak index", ""),
    ("staheli_index", "Staheli index", ""),
    ("hallux_valgus_angle_deg", "Hallux valgus angle (surface proxy)", "°"),
    ("toe_shape", "Toe shape", ""),
    ("foot_volume_cm3", "Foot volume", "cm³"),
)

_SIZES: tuple[tuple[str, str], ...] = (
    ("eu", "EU"), ("uk", "UK"), ("us_men", "US men"), ("us_women", "US women"),
    ("mondopoint", "Mondopoint (ISO 9407)"), ("jp_cm", "Japan (cm)"), ("cn_label", "China"),
    ("us_width", "US width"), ("uk_width", "UK fitting"), ("jp_width", "JIS width"),
)

_FIGURE_CAPTIONS = {
    "top-view": "Footprint (blue: sole touching the floor; toes excluded above 80 %), the three "
                "arch-index zones, and where ball and heel width were taken.",
    "side-view": "Medial side: the arch curve (blue), instep and arch heights, and the planes "
                 "of the girths.",
    "girths": "Each girth as a tape lies around the foot (dashed: the far side).",
    "clearance": "Fit simulation: gap between foot and last at every point "
                 "(negative = the shoe would press).",
}

_CSS = """
:root{--ink:#222;--muted:#6b6b6b;--line:#ddd;--accent:#3d6fa8;--warn:#b35c00}
*{box-sizing:border-box}
body{font-family:Helvetica,Arial,sans-serif;color:var(--ink);margin:0;background:#f6f6f4}
main{max-width:1280px;margin:0 auto;padding:18px 24px 40px}
h1{font-size:26px;margin:8px 0 2px}h2{font-size:20px;margin:28px 0 10px;
border-bottom:2px solid var(--accent);padding-bottom:4px}h3{font-size:16px;margin:14px 0 6px}
.meta{color:var(--muted);font-size:13px;margin:0 0 10px}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:12px 16px;
min-width:200px;flex:1}
.card .big{font-size:30px;font-weight:bold;color:var(--accent)}
.card .label{font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
.warn{background:#fff4e5;border-left:4px solid var(--warn);padding:8px 14px;margin:12px 0}
.warn li{margin:2px 0}
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
footer{color:var(--muted);font-size:12px;margin-top:30px}
@media print{.noprint{display:none}body{background:#fff}}
"""


def _h(v: Any) -> str:
    return escape(str(v))


def _num(v: Any, unit: str = "", digits: int = 1, *, trim: bool = False) -> str:
    if v is None:
        return "–"
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return _h(v)
    text = f"{v:.0f}" if trim and float(v).is_integer() else f"{v:.{digits}f}"
    return text + (f" {unit}" if unit else "")


def _feet_found(n: Any) -> str:
    return "1 foot found" if n == 1 else f"{_num(n, trim=True)} feet found"


def _title(key: str) -> str:
    text = key.replace("_mm", "").replace("_", " ").capitalize()
    return text.replace("Mth", "MTH").replace(" mth", " MTH")


_CN_DIGITS = {"一": "1", "二": "2", "三": "3", "四": "4", "五": "5"}


def _cn(label: Any) -> str:
    """Chinese size label plus the width type in digits (readable without CJK fonts)."""
    if not label:
        return "–"
    text = str(label)
    digit = next((d for c, d in _CN_DIGITS.items() if c in text), None)
    return _h(text) + (f" (width type {digit})" if digit else "")


def foot_drawings(report: Any) -> tuple[list[FootDrawing | None], list[str]]:
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


def render_html(report: Any, *, max_points: int = 12000, include_3d: bool = True,
                drawings: Sequence[FootDrawing | None] | None = None) -> str:
    """Return the visual fitting report as one self-contained HTML page.

    Parameters
    ----------
    report : FitReport or mapping
        The pipeline's result (pictures need its per-foot ``aligned`` clouds; a report read
        back from JSON gives the text sections only, and says so).
    max_points : int, default=12000
        Points per foot in the 3D view.
    include_3d : bool, default=True
        Embed the interactive 3D view (plotly.js, about 4.7 MB). Without plotly installed the
        page says so and keeps everything else.
    drawings : sequence of FootDrawing or None, optional
        Precomputed :func:`foot_drawings` (a server keeps these instead of whole reports).

    Returns
    -------
    str
        The HTML document.
    """
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

    out: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="footfit">',
        f"<title>Foot fitting report - {_h(src)}</title>",
        f"<style>{_CSS}</style></head>",
        f'<body><main style="--nfeet:{nfeet}">',
        '<header><h1>Foot fitting report</h1>',
        f'<p class="meta">Scan <b>{_h(src)}</b> ({_h(scan.get("format", "?"))}, '
        f'{_num(scan.get("points_in"), trim=True)} points, units '
        f'{_h(scan.get("units_detected", "?"))}, '
        f'{_feet_found(scan.get("feet_found"))}) · style <b>{_h(opts.get("style"))}</b>'
        f' · fit {_h(opts.get("fit"))} · footfit {_h(data.get("footfit_version", ""))} · '
        f'{_dt.datetime.now().strftime("%Y-%m-%d %H:%M")}</p></header>',
    ]
    out.append(_summary(data, feet_json))
    warnings = list(data.get("warnings") or []) + picture_notes
    if warnings:
        out.append('<section id="warnings" class="warn"><b>Please note</b><ul>'
                   + "".join(f"<li>{_h(w)}</li>" for w in warnings) + "</ul></section>")
    out.append(_pictures(drawings))
    out.append(_measurements(feet_json))
    out.append(_sizes(data.get("sizes")))
    out.append(_insoles(feet_json, opts))
    out.append(_lasts(feet_json))
    out.append(_fit(feet_json, drawings))
    if include_3d:
        out.append(_view3d([d for d in drawings if d is not None], max_points))
    timings = data.get("timings_ms") or {}
    out.append(
        "<footer>Report schema " + _h(data.get("schema_version", "")) + ". Times: "
        + ", ".join(f"{_h(k)} {float(v):.0f} ms" for k, v in timings.items())
        + ". Measurements follow footfit's measurement conventions (ISO 7250 / GB/T 3293.1 "
        "definitions; arch index after Cavanagh &amp; Rodgers 1987).</footer>"
    )
    out.append("</main></body></html>")
    return "\n".join(out)


def write_html(report: Any, path: PathType, **kwargs: Any) -> Path:
    """Write :func:`render_html` to ``path`` atomically and return the path.

    Parameters
    ----------
    report : FitReport
    path : str or path-like
        Output file (``.html``).
    **kwargs
        Passed to :func:`render_html`.

    Returns
    -------
    pathlib.Path
    """
    from ._io import write_atomic

    return write_atomic(path, render_html(report, **kwargs).encode("utf-8"))


# ---------------------------------------------------------------------------- sections
def _summary(data: Mapping[str, Any], feet: Sequence[Mapping[str, Any]]) -> str:
    s = data.get("sizes") or {}
    cards = []
    if s:
        width = f" {s['us_width']}" if s.get("us_width") else ""
        cards.append(
            f'<div class="card"><div class="label">Shoe size (from the '
            f'{_h(s.get("decided_by") or "measured")} foot)</div>'
            f'<div class="big">EU {_num(s.get("eu"), trim=True)}</div>'
            f'<div>UK {_num(s.get("uk"), trim=True)} · US men '
            f'{_num(s.get("us_men"), trim=True)}{_h(width)} · '
            f'US women {_num(s.get("us_women"), trim=True)}</div>'
            f'<div>Mondopoint {_h(s.get("mondopoint"))} · CN {_cn(s.get("cn_label"))}</div></div>'
        )
    for f in feet:
        m, c = f.get("measurements") or {}, f.get("classification") or {}
        top = (f.get("insoles") or [{}])[0]
        cards.append(
            f'<div class="card"><div class="label">{_h(f.get("side"))} foot</div>'
            f'<div class="big">{_num(m.get("foot_length_mm"), "mm")}</div>'
            f'<div>ball width {_num(m.get("ball_width_mm"), "mm")} · '
            f'ball girth {_num(m.get("ball_girth_mm"), "mm")}</div>'
            f'<div>arch {_h(c.get("arch_type") or "not measurable")} · width '
            f'{_h(c.get("width_class") or "–")} · toes {_h(c.get("toe_shape") or "–")}</div>'
            + (f'<div>insole: <b>{_h(top.get("name", ""))}</b></div>' if top else "")
            + "</div>"
        )
    return '<section id="summary" class="cards">' + "".join(cards) + "</section>"


def _pictures(drawings: Sequence[FootDrawing | None]) -> str:
    cols = []
    for d in drawings:
        if d is None:
            cols.append("<div></div>")
            continue
        figs = foot_figures(d)
        figs.pop("clearance", None)  # shown with the fit simulation
        cols.append('<div class="figs">' + "".join(
            f'<figure data-figure="{name}">{svg}<figcaption>{_FIGURE_CAPTIONS[name]}'
            "</figcaption></figure>" for name, svg in figs.items()) + "</div>")
    if not any(d is not None for d in drawings):
        return ""
    one = " one" if len(drawings) == 1 else ""
    return (f'<section id="pictures"><h2>Your feet</h2><div class="feet{one}">'
            + "".join(cols) + "</div></section>")


def _measurements(feet: Sequence[Mapping[str, Any]]) -> str:
    head = "".join(f"<th>{_h(f.get('side'))} foot</th>" for f in feet)
    rows = []
    for key, label, unit in _MEASURES:
        cells = []
        for f in feet:
            v = (f.get("measurements") or {}).get(key)
            if v is None:
                why = (f.get("missing") or {}).get(key, "not measured")
                cells.append(f'<td>–<div class="why">{_h(why)}</div></td>')
            else:
                digits = 3 if unit == "" and isinstance(v, float) and abs(v) < 5 else 1
                cells.append(f'<td class="num">{_num(v, unit, digits)}</td>')
        rows.append(f"<tr><th>{_h(label)}</th>{''.join(cells)}</tr>")
    cls_rows = []
    keys: list[str] = []
    for f in feet:
        keys += [k for k in (f.get("classification") or {}) if k not in keys]
    for k in keys:
        cells = "".join(f"<td>{_fmt_any((f.get('classification') or {}).get(k))}</td>"
                        for f in feet)
        cls_rows.append(f"<tr><th>{_h(_title(k))}</th>{cells}</tr>")
    out = (f'<section id="measurements"><h2>Measurements</h2><table><tr><th></th>{head}</tr>'
           + "".join(rows) + "</table>")
    if cls_rows:
        out += (f"<h3>Foot type</h3><table><tr><th></th>{head}</tr>" + "".join(cls_rows)
                + "</table>")
    return out + "</section>"


def _fmt_any(v: Any) -> str:
    if isinstance(v, Mapping):
        return "; ".join(f"{_h(_title(str(k)))}: {_fmt_any(x)}" for k, x in v.items())
    if isinstance(v, (list, tuple)):
        if any(isinstance(x, str) and len(x) > 40 for x in v):  # sentences: a list
            return '<ul class="why">' + "".join(f"<li>{_fmt_any(x)}</li>" for x in v) + "</ul>"
        return ", ".join(_fmt_any(x) for x in v)
    if isinstance(v, float):
        return _num(v, "", 3 if abs(v) < 5 else 1)
    return "–" if v is None else _h(v)


def _sizes(s: Mapping[str, Any] | None) -> str:
    if not s:
        return ('<section id="sizes"><h2>Shoe sizes</h2><p>No shoe size: the foot length '
                "could not be measured.</p></section>")
    rows = "".join(
        f"<tr><th>{_h(label)}</th><td>"
        f"{_cn(s.get(k)) if k == 'cn_label' else _num(s.get(k), trim=True)}</td></tr>"
        for k, label in _SIZES if s.get(k) is not None)
    per = s.get("per_foot") or []
    extra = ""
    if per:
        extra = ("<h3>Each foot on its own</h3><table><tr><th>foot</th><th>length</th><th>EU"
                 "</th><th>UK</th><th>US men</th><th>US women</th><th>China</th></tr>"
                 + "".join(f"<tr><td>{_h(p.get('side'))}</td>"
                           f"<td class=num>{_num(p.get('foot_length_mm'), 'mm')}</td>"
                           f"<td class=num>{_num(p.get('eu'), trim=True)}</td>"
                           f"<td class=num>{_num(p.get('uk'), trim=True)}</td>"
                           f"<td class=num>{_num(p.get('us_men'), trim=True)}</td>"
                           f"<td class=num>{_num(p.get('us_women'), trim=True)}</td>"
                           f"<td>{_cn(p.get('cn_label'))}</td></tr>" for p in per)
                 + "</table>")
    notes = "".join(f"<li>{_h(n)}</li>" for n in s.get("notes") or [])
    return (f'<section id="sizes"><h2>Shoe sizes</h2><p>From the '
            f'{_h(s.get("decided_by") or "measured")} foot, conversion profile '
            f'<b>{_h(s.get("profile"))}</b>.</p><table>{rows}</table>{extra}'
            + (f'<ul class="why">{notes}</ul>' if notes else "") + "</section>")


def _insoles(feet: Sequence[Mapping[str, Any]], opts: Mapping[str, Any]) -> str:
    cols = []
    for f in feet:
        items = []
        for i in f.get("insoles") or []:
            reasons = "".join(f"<li>{_h(r)}</li>" for r in i.get("reasons") or [])
            items.append(
                f"<li><b>{_h(i.get('name', ''))}</b> <span class=why>{_h(i.get('sku', ''))}"
                f"</span><span class=score>fit {_num(i.get('fit_score'), '', 0)}/100</span>"
                f"<ul class=why>{reasons}</ul></li>"
            )
        notes = "".join(f"<div class=why>{_h(n)}</div>" for n in f.get("insole_notes") or [])
        body = f'<ol class="insoles">{"".join(items)}</ol>' if items else "<p>No insole.</p>"
        cols.append(f"<div><h3>{_h(f.get('side'))} foot</h3>{body}{notes}</div>")
    return (f'<section id="insoles"><h2>Insoles for {_h(opts.get("style", ""))} shoes</h2>'
            f'<div class="feet">{"".join(cols)}</div></section>')


def _lasts(feet: Sequence[Mapping[str, Any]]) -> str:
    cols = []
    for f in feet:
        last = f.get("last")
        if not last:
            cols.append(f"<div><h3>{_h(f.get('side'))} foot</h3><p>No last parameters "
                        "(see the notes above).</p></div>")
            continue
        head = (f"{_h(last.get('style', ''))}, {_h(last.get('fit', ''))} fit"
                + (f", size {_cn(last['size_label'])}" if last.get("size_label") else ""))
        rows = "".join(
            f"<tr><th>{_h(_title(k))}</th><td class=num>{_num(v, 'mm')}</td></tr>"
            for k, v in last.items()
            if k.endswith("_mm") and isinstance(v, (int, float)) and not isinstance(v, bool)
        )
        stock = last.get("stock_last") or {}
        ident = stock.get("id") or (stock.get("stock_last") or {}).get("id") if stock else None
        mods = "".join(f"<li>{_h(m)}</li>" for m in last.get("modifications") or [])
        stock_html = ""
        if stock:
            stock_html = (f"<p>Nearest stock last <b>{_h(ident)}</b>"
                          + (f" (distance {_num(stock.get('distance'), 'mm')})"
                             if stock.get("distance") is not None else "")
                          + (f"; modifications:</p><ul>{mods}</ul>" if mods
                             else "; no modification needed.</p>"))
        notes = "".join(f"<div class=why>{_h(n)}</div>" for n in last.get("notes") or [])
        cols.append(f"<div><h3>{_h(f.get('side'))} foot: {head}</h3>{stock_html}"
                    f"<table>{rows}</table>{notes}</div>")
    return ('<section id="last"><h2>Shoe last</h2><div class="feet">' + "".join(cols)
            + "</div></section>")


def _fit(feet: Sequence[Mapping[str, Any]], drawings: Sequence[FootDrawing | None]) -> str:
    from .svg import clearance_svg

    cols, any_fit = [], False
    for f, d in zip(feet, list(drawings) + [None] * len(feet), strict=False):
        fj = f.get("fit")
        svg = clearance_svg(d) if d is not None else None
        if not fj and svg is None:
            cols.append("<div></div>")
            continue
        any_fit = True
        parts = [f"<h3>{_h(f.get('side'))} foot</h3>"]
        if svg:
            parts.append(f'<figure data-figure="clearance">{svg}<figcaption>'
                         f'{_FIGURE_CAPTIONS["clearance"]}</figcaption></figure>')
        parts.append(_fit_text(fj if isinstance(fj, Mapping) else {}, d))
        cols.append("<div>" + "".join(parts) + "</div>")
    if not any_fit:
        return ""
    return ('<section id="fit"><h2>Fit simulation</h2><div class="feet">' + "".join(cols)
            + "</div></section>")


def _fit_text(fj: Mapping[str, Any], d: FootDrawing | None) -> str:
    obj = d.fit if d is not None else None
    inner = fj.get("custom") if isinstance(fj.get("custom"), Mapping) else fj
    zones = inner.get("zones") or [z.to_dict() for z in getattr(obj, "zones", ()) or ()]
    summary = inner.get("summary") or list(getattr(obj, "summary", ()) or ())
    score = inner.get("score", getattr(obj, "score", None))
    out = []
    if score is not None:
        out.append(f"<p>Fit score <b>{_num(score, '', 0)}/100</b></p>")
    if summary:
        out.append("<ul>" + "".join(f"<li>{_h(s)}</li>" for s in summary) + "</ul>")
    if zones:
        out.append("<table><tr><th>zone</th><th>verdict</th><th>min gap</th>"
                   "<th>median gap</th><th>pressed area</th></tr>" + "".join(
                       f"<tr><td>{_h(z.get('zone'))}</td><td>{_h(z.get('verdict'))}</td>"
                       f"<td class=num>{_num(z.get('min_clearance_mm'), 'mm')}</td>"
                       f"<td class=num>{_num(z.get('median_clearance_mm'), 'mm')}</td>"
                       f"<td class=num>{_num(z.get('pressed_area_cm2'), 'cm²')}</td></tr>"
                       for z in zones) + "</table>")
    stock = fj.get("stock_size")
    if isinstance(stock, Mapping):
        out.append(_stock_size(stock))
    for note in fj.get("notes") or []:
        out.append(f'<div class="why">{_h(note)}</div>')
    for key, value in fj.items():
        if key in ("custom", "zones", "summary", "score", "placement", "last", "stock_size",
                   "notes", "room", "last_label"):
            continue
        out.append(f"<p><b>{_h(_title(key))}</b>: {_fmt_any(value)}</p>")
    return "".join(out)


def _stock_size(st: Mapping[str, Any]) -> str:
    """Stock size by simulation beside the formula size, with the candidates tried."""
    best, formula = st.get("recommended") or {}, st.get("formula") or {}
    head = (f"<h3>Stock size by simulation</h3><p>Best fitting stock last "
            f"<b>{_h(latin_cn(best.get('label', best.get('id', '?'))))}</b> "
            f"(fit {_num(best.get('score'), '', 0)}/100); the formula picks "
            f"<b>{_h(latin_cn(formula.get('label', formula.get('id', '?'))))}</b> "
            f"(fit {_num(formula.get('score'), '', 0)}/100). "
            f"{_h(latin_cn(st.get('explanation', '')))}</p>")
    rows = "".join(
        f"<tr><td>{_h(latin_cn(c.get('label', c.get('id', ''))))}</td>"
        f"<td class=num>{_num(c.get('score'), '', 0)}</td>"
        f"<td>{_h('; '.join(c.get('summary') or []))}</td></tr>"
        for c in st.get("candidates") or [])
    table = ("<table><tr><th>stock last tried</th><th>fit</th><th>where</th></tr>"
             f"{rows}</table>") if rows else ""
    return head + table


def _view3d(drawings: Sequence[FootDrawing], max_points: int) -> str:
    if not drawings:
        return ""
    try:
        from .view3d import view3d_html

        body = view3d_html(drawings, max_points=max_points)
    except ImportError as exc:
        body = f"<p>{_h(exc)}</p>"
    return ('<section id="view3d"><h2>3D view</h2><p class="meta noprint">Drag to turn, '
            "scroll to zoom, hover a point for its coordinates.</p>" + body + "</section>")
