"""One summary image (PNG) of a fitting report, drawn with matplotlib.

Why matplotlib (the ``report`` extra) rather than rasterising the SVG figures: every SVG
rasteriser for Python either needs a system library (cairosvg -> libcairo) or a browser
(plotly/kaleido -> Chrome), or ships no fonts, so text silently disappears on a kiosk without
system fonts. matplotlib installs from wheels everywhere, bundles its fonts (DejaVu) and
renders headless with the Agg backend. It draws the same
:class:`~footfit.visual.scene.FootDrawing` geometry as the SVG figures, so the image agrees
with the HTML report.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .._typing import PathType
from . import palette as pal
from .scene import GIRTH_LABELS, LANDMARK_SHORT, FootDrawing, latin_cn

__all__ = ["render_png", "write_png"]


def _mpl() -> Any:
    try:
        import matplotlib
    except ImportError as exc:
        raise ImportError(
            "--png needs matplotlib: pip install 'footfit[report]' "
            "(the HTML report does not need it)"
        ) from exc
    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    return Figure


def _fmt(v: Any, unit: str = " mm", digits: int = 1) -> str:
    return "–" if v is None else (v if isinstance(v, str) else f"{float(v):.{digits}f}{unit}")


def render_png(report: Any, *, dpi: int = 100,
               drawings: Sequence[FootDrawing | None] | None = None) -> bytes:
    """Return a PNG summary of the report: top and side view of each foot, key numbers.

    Parameters
    ----------
    report : FitReport
        Needs the per-foot ``aligned`` clouds (a report straight from the pipeline).
    dpi : int, default=100
        The image is 16 x 10 inches (1600 x 1000 pixels at 100 dpi).
    drawings : sequence of FootDrawing or None, optional
        Precomputed drawings (see :func:`footfit.visual.html.foot_drawings`).

    Returns
    -------
    bytes
        The PNG file.

    Raises
    ------
    ImportError
        If matplotlib is not installed.
    ValueError
        If the report holds no foot with scan data to draw.
    """
    Figure = _mpl()
    data = report.to_dict() if hasattr(report, "to_dict") else dict(report)
    if drawings is None:
        drawings = [FootDrawing.from_foot_report(f) for f in getattr(report, "feet", ())]
    drawings = [d for d in drawings if d is not None]
    if not drawings:
        raise ValueError("the report holds no foot with scan data to draw")
    has_fit = any(d.clearance is not None for d in drawings)
    n = len(drawings)
    fig = Figure(figsize=(16, 10), dpi=dpi, facecolor="white")
    rows = 3 if has_fit else 2
    gs = fig.add_gridspec(rows, n + 1, width_ratios=[1.0] * n + [1.1],
                          height_ratios=[1.6, 1.0] + ([1.0] if has_fit else []),
                          left=0.02, right=0.99, top=0.92, bottom=0.03, wspace=0.08,
                          hspace=0.18)
    src = str((data.get("scan") or {}).get("source", ""))
    fig.suptitle(f"footfit fitting summary  -  {src.rsplit('/', 1)[-1]}", x=0.02, ha="left",
                 fontsize=16, fontweight="bold")
    for i, d in enumerate(drawings):
        _top(fig.add_subplot(gs[0, i]), d)
        _side(fig.add_subplot(gs[1, i]), d)
        if has_fit:
            _clearance(fig.add_subplot(gs[2, i]), d)
    _text(fig.add_subplot(gs[:, n]), data)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
    return buf.getvalue()


def write_png(report: Any, path: PathType, **kwargs: Any) -> Any:
    """Write :func:`render_png` to ``path`` atomically and return the path."""
    from ._io import write_atomic

    return write_atomic(path, render_png(report, **kwargs))


def _clean_axes(ax: Any, title: str) -> None:
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for s in ax.spines.values():
        s.set_visible(False)
    ax.set_title(title, fontsize=12, loc="left", fontweight="bold")


def _top(ax: Any, d: FootDrawing) -> None:
    from matplotlib.collections import PolyCollection

    _clean_axes(ax, f"{d.side} foot from above")
    ax.fill(d.outline[:, 0], d.outline[:, 1], color=pal.SKIN, ec=pal.SKIN_EDGE, lw=1.0)
    for rects, alpha in ((d.footprint, 0.8), (d.toe_prints, 0.35)):
        if len(rects):
            x, y, w, h = rects.T
            quads = np.stack([np.column_stack([x, y]), np.column_stack([x + w, y]),
                              np.column_stack([x + w, y + h]), np.column_stack([x, y + h])],
                             axis=1)
            ax.add_collection(PolyCollection(quads, facecolors=pal.PRINT, alpha=alpha,
                                             edgecolors="none"))
    x_lo, x_hi = d.outline[:, 0].min(), d.outline[:, 0].max()
    if d.zones is not None:
        e, areas = d.zones["edges"], d.zones["areas_mm2"]
        for y in e:
            ax.plot([x_lo - 3, x_hi + 3], [y, y], color=pal.MUTED, lw=0.7, ls="--")
        for k, name in enumerate("CBA"):
            ax.text(x_lo - 14, (e[k] + e[k + 1]) / 2, f"{name} {areas[k] / 100:.0f} cm²",
                    ha="right", va="center", fontsize=8)
        ai = d.zones["arch_index"]
        ax.text((x_lo + x_hi) / 2, e[0] - 14, f"arch index {_fmt(ai, '', 3)}", ha="center",
                va="top", fontsize=9, color=pal.PRINT, fontweight="bold")
    elif not d.plantar_visible:
        ax.text((x_lo + x_hi) / 2, -10, "no sole in the scan", ha="center", va="top",
                fontsize=9, color=pal.ACCENT)
    for line, label in ((d.ball_line, "ball_width_mm"), (d.heel_line, "heel_width_mm")):
        if line is not None:
            ax.plot(line[:, 0], line[:, 1], color=pal.ACCENT, lw=1.6)
            ax.text(x_hi + 14, line[:, 1].mean(), f"{label.split('_')[0]} width\n"
                    f"{_fmt(d.value(label))}", fontsize=8, color=pal.ACCENT, va="center")
    for name in ("pternion", "akropodion", "mth1", "mth5"):
        p = d.landmarks.get(name)
        if p is not None:
            ax.plot(p[0], p[1], "o", color=pal.INK, ms=4)
            right = p[0] >= (x_lo + x_hi) / 2
            ax.text(p[0] + (3 if right else -3), p[1] - 6, LANDMARK_SHORT[name], fontsize=7,
                    ha="left" if right else "right")
    ax.set_xlim(x_lo - 45, x_hi + 55)
    ax.set_ylim(-26, d.length_mm + 8)


def _side(ax: Any, d: FootDrawing) -> None:
    _clean_axes(ax, f"{d.side} foot, medial side")
    ax.fill(d.profile[:, 0], d.profile[:, 1], color=pal.SKIN, ec=pal.SKIN_EDGE, lw=1.0)
    ax.axhline(0, color=pal.INK, lw=0.8)
    if d.plantar_visible and len(d.medial_profile):
        ax.plot(d.medial_profile[:, 0], d.medial_profile[:, 1], color=pal.PRINT, lw=1.2)
    for name, loop in d.sections.items():
        q = np.vstack([loop, loop[:1]])
        ax.plot(q[:, 1], q[:, 2], color=pal.GIRTH_COLORS[name], lw=1.3,
                label=f"{GIRTH_LABELS[name]} {_fmt(d.value(name))}")
    for pt, key, color, ha in ((d.instep, "instep_height_mm", pal.ACCENT, "left"),
                               (d.arch, "arch_height_mm", "#34495e", "right")):
        if pt is not None:
            ax.annotate("", xy=(pt[0], pt[1]), xytext=(pt[0], 0),
                        arrowprops=dict(arrowstyle="<->", color=color, lw=1.0))
            ax.text(pt[0] + (2 if ha == "left" else -2), pt[1] + 4,
                    f"{key.split('_')[0]} height {_fmt(d.value(key))}", fontsize=8,
                    color=color, ha=ha)
    if d.sections:
        ax.legend(loc="upper right", fontsize=7, frameon=False, ncol=1)
    ax.set_xlim(d.profile[:, 0].min() - 5, d.profile[:, 0].max() + 5)
    ax.set_ylim(-5, max(d.leg_cut_mm, float(d.profile[:, 1].max())) + 30)


def _clearance(ax: Any, d: FootDrawing) -> None:
    if d.clearance is None:
        ax.set_axis_off()
        return
    p, c = d.clearance
    label = getattr(d.fit, "last_label", "last")
    score = getattr(d.fit, "score", None)
    _clean_axes(ax, f"{d.side} foot in {latin_cn(label)}"
                + (f": fit {float(score):.0f}/100" if score is not None else ""))
    from matplotlib.collections import PolyCollection

    from .scene import front_cells

    cell = 3.0
    # seen from above, turned a quarter clockwise (toes right): screen (y, -x)
    idx, corners = front_cells(np.column_stack([p[:, 1], -p[:, 0]]), p[:, 2], cell=cell)
    sq = np.array([[0.0, 0.0], [cell, 0.0], [cell, cell], [0.0, cell]])
    ax.add_collection(PolyCollection(corners[:, None, :] + sq, facecolors=pal.clearance_rgb(
        c[idx]) / 255.0, edgecolors="none"))
    ax.set_xlim(corners[:, 0].min() - 3, corners[:, 0].max() + cell + 3)
    ax.set_ylim(corners[:, 1].min() - 3, corners[:, 1].max() + cell + 3)
    ax.text(0.0, -0.02, "red: presses   yellow: touches   blue: loose "
            f"(scale ±{pal.CLEARANCE_LIMIT_MM:.0f} mm)", transform=ax.transAxes, fontsize=8,
            va="top")


def _text(ax: Any, data: Mapping[str, Any]) -> None:
    ax.set_axis_off()
    lines: list[tuple[str, dict[str, Any]]] = []
    s = data.get("sizes")
    if s:
        lines += [(f"EU {_fmt(s.get('eu'), '', 1)}   UK {_fmt(s.get('uk'), '', 1)}",
                   dict(fontsize=20, fontweight="bold", color=pal.PRINT)),
                  (f"US men {_fmt(s.get('us_men'), '', 1)}  US women "
                   f"{_fmt(s.get('us_women'), '', 1)}  Mondopoint {s.get('mondopoint')}  "
                   f"CN {latin_cn(s.get('cn_label'))}", dict(fontsize=10)),
                  (f"size from the {s.get('decided_by') or 'measured'} foot", dict(fontsize=9,
                                                                                  color="#666"))]
    else:
        lines.append(("no shoe size (foot length not measured)", dict(fontsize=12)))
    for f in data.get("feet") or []:
        m, c = f.get("measurements") or {}, f.get("classification") or {}
        lines.append(("", {}))
        lines.append((f"{f.get('side')} foot", dict(fontsize=13, fontweight="bold")))
        lines.append((f"length {_fmt(m.get('foot_length_mm'))}   ball width "
                      f"{_fmt(m.get('ball_width_mm'))}", dict(fontsize=10)))
        lines.append((f"ball girth {_fmt(m.get('ball_girth_mm'))}   instep girth "
                      f"{_fmt(m.get('instep_girth_mm'))}", dict(fontsize=10)))
        lines.append((f"arch {c.get('arch_type') or 'not measurable'} (index "
                      f"{_fmt(m.get('arch_index'), '', 3)}), width {c.get('width_class') or '–'}"
                      f", toes {c.get('toe_shape') or m.get('toe_shape') or '–'}",
                      dict(fontsize=10)))
        ins = f.get("insoles") or []
        if ins:
            score = _fmt(ins[0].get("fit_score"), "", 0)
            lines.append((f"insole: {ins[0].get('name', '')} ({score}/100)", dict(fontsize=10)))
            for r in (ins[0].get("reasons") or [])[:2]:
                lines.append((f"  - {_short(r)}", dict(fontsize=8, color="#555")))
        last = f.get("last")
        if last:
            stock = last.get("stock_last") or {}
            lines.append((f"last: {last.get('style')}, bottom {_fmt(last.get('bottom_length_mm'))}"
                          f", ball girth {_fmt(last.get('ball_girth_mm'))}", dict(fontsize=10)))
            if stock:
                mods = ", ".join(last.get("modifications") or []) or "no change"
                lines.append((f"  stock last {stock.get('id', '?')}: {_short(mods, 60)}",
                              dict(fontsize=8, color="#555")))
    warnings = data.get("warnings") or []
    if warnings:
        lines.append(("", {}))
        lines.append(("notes", dict(fontsize=11, fontweight="bold", color="#b35c00")))
        lines += [(f"- {_short(w)}", dict(fontsize=8, color="#b35c00")) for w in warnings[:6]]
    y = 1.0
    for text, style in lines:
        size = style.get("fontsize", 10)
        ax.text(0.0, y, latin_cn(text), transform=ax.transAxes, va="top", ha="left", **style)
        y -= (size + 6) / 1000 * 1.45


def _short(text: str, n: int = 70) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"
