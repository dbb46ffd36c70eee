"""The printable job ticket of an order: one self-contained HTML page with a QR code.

The QR code (inline SVG, drawn by segno, a pure-Python encoder) holds the order code, so a
scanner at any station of the line pulls up the order. Everything from the order is escaped.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

__all__ = ["qr_svg", "render_ticket"]


def qr_svg(text: str, *, scale: int = 6) -> str:
    """Return an inline ``<svg>`` QR code of ``text`` (error correction M, quiet zone 4).

    Raises
    ------
    ImportError
        segno is missing (``pip install 'footfit[records]'``).
    """
    try:
        import segno
    except ImportError as exc:
        raise ImportError("the job ticket's QR code needs segno: "
                          "pip install 'footfit[records]'") from exc
    qr = segno.make_qr(text, error="m", boost_error=False)
    return qr.svg_inline(scale=scale, border=4, title=f"order {text}")


def _fmt(value: Any, unit: str = "") -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, float):
        text = f"{value:.1f}".rstrip("0").rstrip(".")
    else:
        text = str(value)
    return html.escape(text + (f" {unit}" if unit else ""))


def _foot_html(foot: Mapping[str, Any]) -> str:
    sizes = foot.get("sizes") or {}
    last = foot.get("last") or {}
    stock = last.get("stock") or None
    custom = last.get("custom") or None
    insole = foot.get("insole") or {}
    rows = [
        ("Size", f"EU {_fmt(sizes.get('eu'))} · UK {_fmt(sizes.get('uk'))} · "
                 f"US M {_fmt(sizes.get('us_men'))} · Mondopoint {_fmt(sizes.get('mondopoint'))}"
                 f" · CN {_fmt(sizes.get('cn_label'))}"),
    ]
    if stock:
        builds = ", ".join(f"{html.escape(k.removesuffix('_mm').replace('_', ' '))} "
                           f"+{_fmt(v)} mm" for k, v in (last.get("build_up_mm") or {}).items())
        rows.append(("Stock last", f"{_fmt(stock.get('id'))} ({_fmt(stock.get('family'))}, "
                                   f"{_fmt(stock.get('size_mm'), 'mm')}, width "
                                   f"{_fmt(stock.get('width'))})"))
        rows.append(("Build-ups", builds or "none"))
    if custom:
        rows.append(("Custom last", f"{_fmt(custom.get('size_label'))}, mesh "
                                    f"{_fmt(custom.get('mesh'))}"))
    rows.append(("Insole", f"{_fmt(insole.get('sku'))} {_fmt(insole.get('name'))}"
                 if insole.get("kind") == "pre-made" else "custom insole (from the scan)"))
    body = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    notes = "".join(f"<li>{html.escape(str(n))}</li>" for n in foot.get("notes") or ())
    return (f"<section class=foot><h2>{_fmt(str(foot.get('side', '?')).title())} foot</h2>"
            f"<table>{body}</table>" + (f"<ul class=notes>{notes}</ul>" if notes else "")
            + "</section>")


def render_ticket(order: Mapping[str, Any]) -> str:
    """Return the job ticket of ``order`` (an ``order.json`` document) as an HTML page."""
    code = str(order.get("code", ""))
    feet = "".join(_foot_html(f) for f in order.get("feet") or ())
    notes = "".join(f"<li>{html.escape(str(n))}</li>" for n in order.get("notes") or ())
    steps = "".join(f"<span class=box>&#9744; {s}</span>"
                    for s in ("last prepared", "upper lasted", "sole attached", "insole fitted",
                              "checked"))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Job ticket {html.escape(code)}</title>
<style>
body {{ font: 14px/1.4 system-ui, sans-serif; margin: 1.5cm; color: #111; }}
header {{ display: flex; justify-content: space-between; align-items: center;
          border-bottom: 3px solid #111; padding-bottom: .5em; }}
.code {{ font: bold 40px/1 ui-monospace, monospace; letter-spacing: .12em; }}
table {{ border-collapse: collapse; width: 100%; margin: .4em 0; }}
th, td {{ text-align: left; border-bottom: 1px solid #ccc; padding: .25em .5em;
          vertical-align: top; }}
th {{ width: 9em; }}
.feet {{ display: grid; grid-template-columns: 1fr 1fr; gap: 1.5em; }}
.notes {{ font-size: 12px; color: #444; }}
.box {{ margin-right: 1.5em; white-space: nowrap; }}
@media print {{ body {{ margin: 0; }} @page {{ size: A4; margin: 1.2cm; }} }}
</style></head>
<body>
<header><div><div>footfit job ticket</div><div class=code>{html.escape(code)}</div>
<div>order {_fmt(order.get("order_id"))}</div></div>
<div class=qr>{qr_svg(code)}</div></header>
<table>
<tr><th>Customer</th><td>{_fmt(order.get("customer_id"))}</td></tr>
<tr><th>Style</th><td>{_fmt(order.get("style"))} ({_fmt(order.get("fit"))} fit)</td></tr>
<tr><th>Heel height</th><td>{_fmt(order.get("heel_height_mm"), "mm")}</td></tr>
<tr><th>Status</th><td>{_fmt(order.get("status"))}</td></tr>
<tr><th>Fitting</th><td>{_fmt(order.get("fitting_id"))}</td></tr>
</table>
<div class=feet>{feet}</div>
{f"<h3>Notes</h3><ul class=notes>{notes}</ul>" if notes else ""}
<p>{steps}</p>
</body></html>
"""
