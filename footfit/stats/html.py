"""The ``footfit stats --html`` page: one self-contained file, pictures as inline SVG (no
script, no network, no plotting package).
"""

from __future__ import annotations

import html
import os
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from footfit.stats.collect import MEASURES, Population
from footfit.stats.tables import SYSTEMS, size_order, width_order

__all__ = ["render_stats_html", "write_stats_html"]

_COLOURS = {"female": "#c2410c", "male": "#1d4ed8", "unknown": "#6b7280", "all": "#374151"}
_WIDTH_COLOURS = ("#1e3a8a", "#2563eb", "#60a5fa", "#34d399", "#fbbf24", "#f97316",
                  "#dc2626", "#a21caf", "#6b7280", "#0f766e", "#84cc16", "#e11d48", "#7c3aed")
_NAMES = {
    "foot_length_mm": "foot length (mm)", "ball_width_mm": "ball width (mm)",
    "ball_girth_mm": "ball girth (mm)", "instep_girth_mm": "instep girth (mm)",
    "heel_width_mm": "heel width (mm)", "instep_height_mm": "instep height (mm)",
    "arch_index": "arch index", "hallux_valgus_angle_deg": "hallux angle (deg)",
}
_SYSTEM_NAMES = {"cn": "Chinese size x width type (GB/T 43293)",
                 "us": "US size x width letter", "jp": "Japanese size x JIS letter"}

_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1100px;color:#111827}
h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #e5e7eb}
table{border-collapse:collapse;margin:8px 0 16px}td,th{padding:2px 7px;text-align:right;
border:1px solid #e5e7eb;font-variant-numeric:tabular-nums}th{background:#f9fafb}
.charts{display:flex;flex-wrap:wrap;gap:12px}.note{color:#4b5563}
svg text{font:11px system-ui,sans-serif;fill:#374151}
"""


def _e(x: Any) -> str:
    return html.escape(str(x))


def _fmt(v: Any, nd: int = 1) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.{nd}f}"
    return _e(v)


def svg_histogram(series: dict[str, list[float]], *, title: str, bins: int = 30,
                  width: int = 340, height: int = 190) -> str:
    """An SVG histogram of one or more series over shared bins (overlaid, translucent)."""
    allv = np.concatenate([np.asarray(v, float) for v in series.values() if len(v)] or
                          [np.zeros(0)])
    head = f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" ' \
           f'role="img" aria-label="{_e(title)}">'
    if allv.size == 0:
        return head + f'<text x="10" y="20">{_e(title)}: no values</text></svg>'
    lo, hi = float(allv.min()), float(allv.max())
    if hi <= lo:
        hi = lo + 1.0
    edges = np.linspace(lo, hi, bins + 1)
    counts = {k: np.histogram(np.asarray(v, float), bins=edges)[0] for k, v in series.items()}
    top = max(int(c.max()) for c in counts.values()) or 1
    left, right, y0, y1 = 34, width - 8, height - 30, 22
    bw = (right - left) / bins
    parts = [head, f'<text x="{left}" y="14">{_e(title)}</text>']
    for name, c in counts.items():
        colour = _COLOURS.get(name, "#374151")
        for i, n in enumerate(c):
            if n:
                h = (y0 - y1) * n / top
                parts.append(f'<rect x="{left + i * bw:.1f}" y="{y0 - h:.1f}" '
                             f'width="{max(bw - 1, 1):.1f}" height="{h:.1f}" fill="{colour}" '
                             f'fill-opacity="0.55"><title>{_e(name)}: {n} in '
                             f'[{edges[i]:.3g}, {edges[i + 1]:.3g})</title></rect>')
    parts.append(f'<line x1="{left}" y1="{y0}" x2="{right}" y2="{y0}" stroke="#9ca3af"/>')
    parts.append(f'<text x="{left}" y="{y0 + 14}">{lo:.3g}</text>')
    parts.append(f'<text x="{right}" y="{y0 + 14}" text-anchor="end">{hi:.3g}</text>')
    parts.append(f'<text x="{left - 4}" y="{y1 + 8}" text-anchor="end">{top}</text>')
    x = left + 40
    for name in series:
        parts.append(f'<rect x="{x}" y="{y0 + 6}" width="9" height="9" '
                     f'fill="{_COLOURS.get(name, "#374151")}" fill-opacity="0.7"/>'
                     f'<text x="{x + 12}" y="{y0 + 14}">{_e(name)}</text>')
        x += 70
    parts.append("</svg>")
    return "".join(parts)


def svg_coverage(overall: list[float], *, coverage: float, width: int = 340,
                 height: int = 190) -> str:
    """Share of feet covered by the k most common widths per length, k = 1, 2, ..."""
    left, right, y0, y1 = 40, width - 30, height - 30, 36
    k = len(overall)
    xs = [left + (right - left) * i / max(k - 1, 1) for i in range(k)]
    ys = [y0 - (y0 - y1) * s for s in overall]
    yc = y0 - (y0 - y1) * coverage
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'role="img" aria-label="width coverage">',
             f'<text x="{left}" y="14">feet covered by the k most common widths per size</text>',
             f'<line x1="{left}" y1="{yc:.1f}" x2="{right}" y2="{yc:.1f}" stroke="#dc2626" '
             f'stroke-dasharray="4 3"/><text x="{right}" y="{yc - 4:.1f}" '
             f'text-anchor="end">{coverage:.0%}</text>',
             f'<line x1="{left}" y1="{y0}" x2="{right}" y2="{y0}" stroke="#9ca3af"/>',
             '<polyline fill="none" stroke="#1d4ed8" stroke-width="2" points="'
             + " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True)) + '"/>']
    for i, (x, y) in enumerate(zip(xs, ys, strict=True)):
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#1d4ed8"><title>k = {i + 1}'
                     f': {overall[i]:.1%}</title></circle><text x="{x:.1f}" y="{y0 + 14}" '
                     f'text-anchor="middle">{i + 1}</text>'
                     f'<text x="{x:.1f}" y="{y - 6:.1f}" text-anchor="middle">'
                     f'{overall[i]:.0%}</text>')
    parts.append("</svg>")
    return "".join(parts)


def svg_stock(plan: dict[str, Any], *, width: int = 700, height: int = 230) -> str:
    """Stacked bars: lasts per 1,000 customers by size, coloured by width."""
    by_size: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for r in plan["rows"]:
        by_size[r["size"]].append((r["width"], r["per_1000"]))
    sizes = sorted(by_size, key=size_order)
    rank = width_order(plan["system"])
    widths = sorted({w for v in by_size.values() for w, _ in v}, key=lambda w: rank.get(w, 99))
    colour = {w: _WIDTH_COLOURS[i % len(_WIDTH_COLOURS)] for i, w in enumerate(widths)}
    left, right, y0, y1 = 40, width - 10, height - 34, 22
    top = max((sum(v for _, v in by_size[s]) for s in sizes), default=1.0) or 1.0
    bw = (right - left) / max(len(sizes), 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'role="img" aria-label="stock plan">',
             f'<text x="{left}" y="14">lasts to keep per {plan["per"]} customers, by size '
             f'and width</text>',
             f'<line x1="{left}" y1="{y0}" x2="{right}" y2="{y0}" stroke="#9ca3af"/>',
             f'<text x="{left - 4}" y="{y1 + 8}" text-anchor="end">{top:.0f}</text>']
    for i, s in enumerate(sizes):
        y = float(y0)
        for w, v in sorted(by_size[s], key=lambda t: rank.get(t[0], 99)):
            h = (y0 - y1) * v / top
            parts.append(f'<rect x="{left + i * bw + 1:.1f}" y="{y - h:.1f}" '
                         f'width="{max(bw - 2, 1):.1f}" height="{h:.1f}" fill="{colour[w]}">'
                         f'<title>{_e(s)}({_e(w)}): {v:.1f}</title></rect>')
            y -= h
        if len(sizes) <= 30 or i % 2 == 0:
            parts.append(f'<text x="{left + (i + 0.5) * bw:.1f}" y="{y0 + 13}" '
                         f'text-anchor="middle">{_e(s)}</text>')
    x = left
    for w in widths:
        parts.append(f'<rect x="{x}" y="{y0 + 20}" width="9" height="9" fill="{colour[w]}"/>'
                     f'<text x="{x + 12}" y="{y0 + 28}">{_e(w)}</text>')
        x += 40
    parts.append("</svg>")
    return "".join(parts)


def _pivot(rows: list[dict[str, Any]], system: str, sex: str | None, *,
           value: str = "feet", nd: int = 0) -> str:
    """A size x width table of ``value`` summed over ``rows`` (of ``sex``, or all)."""
    cells: dict[tuple[str, str], float] = defaultdict(float)
    for r in rows:
        if sex is None or r.get("sex") == sex:
            cells[(r["size"], r["width"])] += r[value]
    if not cells:
        return ""
    rank = width_order(system)
    sizes = sorted({z for z, _ in cells}, key=size_order)
    widths = sorted({w for _, w in cells}, key=lambda w: rank.get(w, 99))
    top = max(cells.values())
    out = ["<table><tr><th>size</th>", *(f"<th>{_e(w)}</th>" for w in widths),
           "<th>total</th></tr>"]
    for z in sizes:
        out.append(f"<tr><th>{_e(z)}</th>")
        for w in widths:
            n = cells.get((z, w), 0)
            shade = f' style="background:rgba(37,99,235,{0.08 + 0.6 * n / top:.2f})"' if n else ""
            out.append(f"<td{shade}>{f'{n:.{nd}f}' if n else ''}</td>")
        out.append(f"<td>{sum(cells.get((z, w), 0) for w in widths):.{nd}f}</td></tr>")
    out.append("<tr><th>total</th>" + "".join(
        f"<td>{sum(cells.get((z, w), 0) for z in sizes):.{nd}f}</td>" for w in widths)
        + f"<td>{sum(cells.values()):.{nd}f}</td></tr></table>")
    return "".join(out)


def render_stats_html(stats: dict[str, Any], pop: Population) -> str:
    """Return the page (a str) for :func:`~footfit.stats.compute_population_stats` output."""
    plan = stats["stock_plan"]
    cov = stats["width_coverage"]
    sexes = [s for s in ("female", "male", "unknown") if s in stats["feet_by_sex"]]
    p = ['<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
         "<title>footfit population statistics</title>", f"<style>{_CSS}</style></head><body>",
         "<h1>Population statistics</h1>",
         f'<p>{stats["feet"]} feet from {stats["scans"]} scans '
         f'({stats["failed_scans"]} failed), {stats["customers"]} customers sized; by sex: '
         + ", ".join(f"{_e(k)} {v}" for k, v in stats["feet_by_sex"].items())
         + f'. Source: {_e(stats["source"] or "-")}.</p>']
    p.append(f'<h2>Stock plan: lasts for {plan["coverage"]:.0%} of customers</h2>'
             f'<p>{plan["lasts"]} size-width lasts fit {plan["covered"]} of '
             f'{plan["customers"]} customers ({plan["covered_share"]:.1%}); in each size the '
             'most common widths are kept until they fit the asked share of that size '
             '(Jurca et al. 2019: at least 3 widths per length for 90 %). '
             f'{plan["unplanned"]} customers without a width are not planned.</p>')
    p.append(svg_stock(plan))
    p.append(f'<p>Lasts per {plan["per"]} customers (size x width; empty: not stocked, a '
             "custom last):</p>" + _pivot(plan["rows"], plan["system"], None,
                                          value="per_1000", nd=1))
    p.append("<h2>Widths per length</h2><div class=charts>"
             + svg_coverage(cov["overall"], coverage=plan["coverage"]) + "</div>")
    k = len(cov["overall"])
    p.append("<table><tr><th>size</th><th>feet</th>"
             + "".join(f"<th>k={i + 1}</th>" for i in range(k)) + "<th>widths, most common "
             "first</th></tr>")
    for r in cov["by_size"]:
        p.append(f'<tr><td>{_e(r["size"])}</td><td>{r["feet"]}</td>'
                 + "".join(f"<td>{s:.0%}</td>" for s in r["cumulative_share"])
                 + "<td>" + _e(", ".join(f"{w} {n}" for w, n in r["widths"])) + "</td></tr>")
    p.append("</table>")
    for system in SYSTEMS:
        rows = stats["size_width_counts"][system]
        p.append(f"<h2>Feet by {_e(_SYSTEM_NAMES[system])}</h2>")
        p.append("<h3>all</h3>" + _pivot(rows, system, None))
        for s in sexes:
            p.append(f"<details><summary>{_e(s)}</summary>{_pivot(rows, system, s)}</details>")
    p.append("<h2>Key measures</h2><div class=charts>")
    for m in MEASURES:
        series = {s: [v for v, x in zip(pop.feet[m], pop.feet["sex"], strict=True)
                      if v is not None and x == s] for s in sexes}
        if any(series.values()):  # a measure no foot has is only in the table's "missing"
            p.append(svg_histogram(series, title=_NAMES.get(m, m)))
    p.append("</div><table><tr><th>measure</th><th>group</th><th>n</th><th>mean</th>"
             "<th>sd</th><th>p5</th><th>p50</th><th>p95</th><th>missing</th></tr>")
    for m, entry in stats["measures"].items():
        for g, d in entry.items():
            if g == "missing" or not d.get("n"):
                continue
            nd = 3 if m == "arch_index" else 1
            p.append(f"<tr><td>{_e(_NAMES.get(m, m))}</td><td>{_e(g)}</td><td>{d['n']}</td>"
                     + "".join(f"<td>{_fmt(d[q], nd)}</td>" for q in
                               ("mean", "sd", "p5", "p50", "p95"))
                     + f"<td>{entry['missing']}</td></tr>")
    p.append("</table>")
    lr = stats["left_right"]
    p.append(f'<h2>Left-right differences</h2><p>{lr["pairs"]} scans with both feet; '
             f'{lr["length_over_5mm_share"]:.1%} differ by more than 5 mm in length, '
             f'{lr["cn_size_differs_share"]:.1%} in Chinese size.</p><div class=charts>'
             + svg_histogram({"all": lr["foot_length_differences"]},
                             title="foot length, right minus left (mm)") + "</div>")
    p.append("<table><tr><th>measure</th><th>n</th><th>mean</th><th>sd</th><th>|d| p50</th>"
             "<th>|d| p95</th><th>|d| max</th></tr>")
    for m, d in lr["measures"].items():
        if d.get("n"):
            nd = 3 if m == "arch_index" else 1
            p.append(f"<tr><td>{_e(_NAMES.get(m, m))}</td><td>{d['n']}</td>"
                     + "".join(f"<td>{_fmt(d[q], nd)}</td>" for q in
                               ("mean", "sd", "abs_p50", "abs_p95", "abs_max")) + "</tr>")
    p.append('</table><p class=note>Sizes per foot from footfit.sizes (profile of each '
             "record); Chinese width types calibrated on ANSUR II (see "
             "footfit/data/width_calibration.json).</p></body></html>")
    return "\n".join(p)


def write_stats_html(stats: dict[str, Any], pop: Population,
                     path: str | os.PathLike[str]) -> Path:
    """Write the page to ``path`` (atomically); return the path."""
    from footfit._core.atomic import write_atomic

    out = Path(path)
    write_atomic(out, [render_stats_html(stats, pop).encode("utf-8")])
    return out
