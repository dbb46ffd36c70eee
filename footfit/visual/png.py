"""One summary image (PNG) of a fitting report, drawn with matplotlib.

Why matplotlib (the ``report`` extra) rather than rasterising the SVG figures: every SVG
rasteriser for Python either needs a system library (cairosvg -> libcairo) or a browser
(plotly/kaleido -> Chrome), or ships no fonts, so text silently disappears on a kiosk without
system fonts. matplotlib installs from wheels everywhere, bundles its fonts (DejaVu) and
renders headless with the Agg backend. It draws the same
:class:`~footfit.visual.scene.FootDrawing` geometry as the SVG figures.

The image is made to be read on a phone: 900 px wide, no text under 11 pt (legible when
shown 600 px wide), every line wrapped rather than cut, values in captions under each
picture instead of labels on it (no collisions), a caption on every picture. Chinese text
needs a CJK font (Noto Sans CJK or WenQuanYi, e.g. Debian ``fonts-noto-cjk``); without one
the image falls back to English.
"""

from __future__ import annotations

import functools
import io
import unicodedata
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from footfit._core.typing import PathType
from footfit.advice import customer_summary
from footfit.exceptions import InvalidParameterError
from footfit.visual import palette as pal
from footfit.visual.scene import FootDrawing
from footfit.words import check_language, format_value, measure_name, ui

if TYPE_CHECKING:
    from footfit.report import FitReport

__all__ = ["render_png", "write_png"]

_WIDTH_IN = 9.0  # 900 px at 100 dpi
_MIN_PT = 11.0
_CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "WenQuanYi Zen Hei",
              "WenQuanYi Micro Hei", "Source Han Sans SC", "SimHei", "Microsoft YaHei")


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


@functools.lru_cache(maxsize=1)
def _cjk_font() -> str | None:
    """Name of an installed font with Chinese glyphs, or None."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    found = next((n for n in _CJK_FONTS if n in names), None)
    if found is None:  # installed after matplotlib cached its font list: add the files
        for path in font_manager.findSystemFonts():
            low = path.lower()
            if any(k in low for k in ("wqy", "notosanscjk", "noto-cjk", "sourcehansans")):
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):  # an unreadable font file
                    continue
        names = {f.name for f in font_manager.fontManager.ttflist}
        found = next((n for n in _CJK_FONTS if n in names), None)
    return found


_TYPES = {"一": "1", "二": "2", "三": "3", "四": "4", "五": "5"}


def _latin_types(text: str) -> str:
    for cn, digit in _TYPES.items():
        text = text.replace(f"{cn}型", f"type {digit}").replace(f"({cn})", f" type {digit}")
    return text


def _display_width(text: str) -> float:
    return sum(1.0 if unicodedata.east_asian_width(c) in ("W", "F") else 0.55 for c in text)


def _wrap(text: str, size_pt: float, width_in: float) -> list[str]:
    """Wrap ``text`` to ``width_in`` inches at ``size_pt`` (CJK glyphs one em, Latin ~0.55)."""
    limit = width_in * 72.0 / size_pt  # in ems
    lines: list[str] = []
    for para in str(text).split("\n"):
        line = ""
        tokens = _tokens(para)
        for tok in tokens:
            if line and _display_width(line + tok) > limit:
                lines.append(line.rstrip())
                line = tok.lstrip()
            else:
                line += tok
        lines.append(line.rstrip())
    return lines


def _tokens(text: str) -> list[str]:
    """Words (with their following space) and single CJK characters: the break points."""
    out, word = [], ""
    for c in text:
        if unicodedata.east_asian_width(c) in ("W", "F"):
            if word:
                out.append(word)
                word = ""
            out.append(c)
        elif c == " ":
            out.append(word + " ")
            word = ""
        else:
            word += c
    if word:
        out.append(word)
    return out


class _Column:
    """Lays text and axes out top-down in inches on a figure of fixed width."""

    def __init__(self, *, latin: bool = False) -> None:
        self.items: list[tuple[str, Any]] = []
        self.height = 0.25
        self.latin = latin

    def text(self, text: str, size: float = _MIN_PT, **style: Any) -> None:
        if self.latin:  # no CJK font: 一型 -> type 1
            text = _latin_types(text)
        for line in _wrap(text, size, _WIDTH_IN - 0.5):
            self.items.append(("text", (self.height, line, size, style)))
            self.height += size * 1.45 / 72.0

    def gap(self, inches: float = 0.12) -> None:
        self.height += inches

    def legend(self, entries: Sequence[tuple[str, str]], height: float = 0.55) -> None:
        self.items.append(("legend", (self.height, entries, height)))
        self.height += height

    def row(self, n: int, height: float, draw: Any) -> None:
        self.items.append(("row", (self.height, n, height, draw)))
        self.height += height


def render_png(report: FitReport | Mapping[str, Any], *, dpi: int = 100,
               lang: str | None = None,
               drawings: Sequence[FootDrawing | None] | None = None) -> bytes:
    """Return a PNG summary of the report: size, insole, last verdict, each foot's pictures.

    Parameters
    ----------
    report : FitReport or mapping
        Pictures need the per-foot ``aligned`` clouds (or ``drawings``).
    dpi : int, default=100
        The image is 9 inches wide (900 pixels at 100 dpi); its height follows the content.
    lang : {'en', 'zh'} or None, default=None
        ``None``: the locale's. Chinese falls back to English without a CJK font.
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
    lang = check_language(lang)
    font = _cjk_font()
    if lang == "zh" and font is None:
        lang = "en"
    data = report.to_dict() if hasattr(report, "to_dict") else dict(report)
    if drawings is None:
        drawings = [FootDrawing.from_foot_report(f) for f in getattr(report, "feet", ())]
    drawings = [d for d in drawings if d is not None]
    if not drawings:
        raise InvalidParameterError("the report holds no foot with scan data to draw")
    import logging

    import matplotlib

    # a CJK font without a bold face makes matplotlib log a line per text: not news
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    family = [font, "DejaVu Sans"] if font else ["DejaVu Sans"]
    with matplotlib.rc_context({"font.family": family, "axes.unicode_minus": False}):
        return _render(Figure, data, drawings, lang, dpi, cjk=font is not None)


def _render(Figure: Any, data: Mapping[str, Any], drawings: Sequence[FootDrawing],
            lang: str, dpi: int, cjk: bool) -> bytes:
    """Lay out the customer summary and the pictures in one column and render the PNG."""
    col = _Column(latin=not cjk)
    _summary_text(col, data, lang)
    _figure_rows(col, drawings, lang)
    return _draw_column(Figure, col, drawings, dpi)


def _summary_text(col: _Column, data: Mapping[str, Any], lang: str) -> None:
    """Add the title, the rescan warning, size, insole, lasts and quality lines."""
    cs = customer_summary(data, lang)
    src = str((data.get("scan") or {}).get("source", "")).replace("\\", "/").rsplit("/", 1)[-1]
    col.text(f"{ui('png_title', lang)} - {src}", 16, fontweight="bold")
    q = cs["quality"]
    if q["present"] and q["rescan"]:
        col.text(f"{ui('rescan', lang)} ({ui('quality_score', lang, score=q['score'])})", 15,
                 fontweight="bold", color="#b3261e")
        for r in q["severe"][:4]:
            col.text(f"- {r}", _MIN_PT, color="#b3261e")
    col.gap()
    if cs["size_line"]:
        col.text(cs["size"], 22, fontweight="bold", color=pal.PRINT)
        col.text(cs["size_line"], 13)
        if cs["size_from"]:
            col.text(cs["size_from"], _MIN_PT, color="#555555")
    ins = cs["insole"]
    col.gap(0.08)
    col.text(f"{ui('insole_to_sell', lang)}: {ins['headline']}" if ins["sell"]
             else ins["headline"], 13, fontweight="bold",
             color=pal.INK if ins["sell"] else "#b35c00")
    col.text(ins["detail"], _MIN_PT, color="#444444")
    col.gap(0.08)
    for verdict in cs["lasts"]:
        col.text(verdict, _MIN_PT)
    if q["present"] and not q["rescan"]:
        col.text(ui("quality_score", lang, score=q["score"]), _MIN_PT, color="#235b2c")
    for c in q.get("cautions") or []:
        col.text(f"! {c}", _MIN_PT, color="#b35c00")


def _figure_rows(col: _Column, drawings: Sequence[FootDrawing], lang: str) -> None:
    """Add the top, side and clearance rows with their captions and legend."""
    col.gap(0.4)
    n = len(drawings)
    col.row(n, 4.4 if n == 2 else 5.2, lambda ax, d: _top(ax, d, lang))
    for d_text in _per_foot(drawings, lambda d: _top_caption(d, lang)):
        col.text(d_text, _MIN_PT)
    col.text(ui("cap_top", lang) + " " + ui("cap_dots", lang), _MIN_PT, color="#555555",
             style="italic")
    col.gap(0.4)
    col.row(n, 2.3 if n == 2 else 2.9, lambda ax, d: _side(ax, d, lang))
    girths = [k for k in pal.GIRTH_COLORS if any(k in d.sections for d in drawings)]
    col.legend([(measure_name(k, lang), pal.GIRTH_COLORS[k]) for k in girths]
               + [(measure_name("instep_height_mm", lang), pal.ACCENT),
                  (measure_name("arch_height_mm", lang), "#34495e"),
                  (ui("sole_line", lang), pal.PRINT)], height=0.6)
    for d_text in _per_foot(drawings, lambda d: _side_caption(d, lang)):
        col.text(d_text, _MIN_PT)
    col.text(ui("cap_side", lang), _MIN_PT, color="#555555", style="italic")
    if any(d.clearance is not None for d in drawings):
        col.gap(0.4)
        col.row(n, 2.6 if n == 2 else 3.2, lambda ax, d: _clearance(ax, d, lang))
        col.text(ui("cap_clearance", lang) + " "
                 + ui("legend_clearance", lang, lim=f"{pal.CLEARANCE_LIMIT_MM:.0f}"),
                 _MIN_PT, color="#555555", style="italic")


def _draw_column(Figure: Any, col: _Column, drawings: Sequence[FootDrawing], dpi: int) -> bytes:
    """Draw the laid-out column (texts, legend, rows of axes) and return the PNG bytes."""
    col.gap(0.1)
    height = col.height
    fig = Figure(figsize=(_WIDTH_IN, height), dpi=dpi, facecolor="white")
    for kind, item in col.items:
        if kind == "text":
            top, line, size, style = item
            fig.text(0.25 / _WIDTH_IN, 1.0 - (top + size / 72.0) / height, line,
                     fontsize=size, ha="left", va="baseline", **style)
        elif kind == "legend":
            top, entries, h = item
            ax = fig.add_axes((0.25 / _WIDTH_IN, 1.0 - (top + h) / height,
                               (_WIDTH_IN - 0.5) / _WIDTH_IN, h / height))
            ax.set_axis_off()
            from matplotlib.lines import Line2D

            handles = [Line2D([], [], color=c, lw=2.5, label=t) for t, c in entries]
            ax.legend(handles=handles, loc="center left", ncol=4, fontsize=_MIN_PT,
                      frameon=False, handlelength=1.6, columnspacing=1.2)
        else:
            top, k, h, draw = item
            w = (_WIDTH_IN - 0.5) / k
            for i, d in enumerate(drawings):
                ax = fig.add_axes(((0.25 + i * w) / _WIDTH_IN, 1.0 - (top + h) / height,
                                   (w - 0.1) / _WIDTH_IN, h / height))
                draw(ax, d)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
    return buf.getvalue()



def _per_foot(drawings: Sequence[FootDrawing], caption: Any) -> list[str]:
    return [caption(d) for d in drawings]


def write_png(report: FitReport | Mapping[str, Any], path: PathType,
              **kwargs: Any) -> Any:
    """Write :func:`render_png` to ``path`` atomically and return the path."""
    from footfit.visual._io import write_atomic

    return write_atomic(path, render_png(report, **kwargs))


def _clean_axes(ax: Any, title: str) -> None:
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for s in ax.spines.values():
        s.set_visible(False)
    ax.set_title(title, fontsize=12, loc="left", fontweight="bold")


def _mm(d: FootDrawing, key: str, lang: str) -> str:
    return format_value(d.value(key), "index" if key == "arch_index" else "mm", lang)


def _top_caption(d: FootDrawing, lang: str) -> str:
    from footfit.words import foot_name

    parts = [f"{measure_name(k, lang)} {_mm(d, k, lang)}"
             for k in ("foot_length_mm", "ball_width_mm", "heel_width_mm")]
    if d.zones is not None:
        parts.append(f"{measure_name('arch_index', lang)} "
                     f"{format_value(d.zones['arch_index'], 'index')}")
    elif not d.plantar_visible:
        parts.append(ui("no_sole", lang))
    return f"{foot_name(d.side, lang)}: " + " · ".join(parts)


def _side_caption(d: FootDrawing, lang: str) -> str:
    from footfit.words import foot_name

    keys = ["instep_height_mm", "arch_height_mm"] + list(d.sections)
    return f"{foot_name(d.side, lang)}: " + " · ".join(
        f"{measure_name(k, lang)} {_mm(d, k, lang)}" for k in keys)


def _top(ax: Any, d: FootDrawing, lang: str) -> None:
    from matplotlib.collections import PolyCollection

    from footfit.words import side_name

    _clean_axes(ax, ui("from_above", lang, side=side_name(d.side, lang)).capitalize())
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
        for y in d.zones["edges"]:
            ax.plot([x_lo - 3, x_hi + 3], [y, y], color=pal.MUTED, lw=0.8, ls="--")
    for line in (d.ball_line, d.heel_line):
        if line is not None:
            ax.plot(line[:, 0], line[:, 1], color=pal.ACCENT, lw=2.0)
    for name in ("pternion", "akropodion", "mth1", "mth5"):
        p = d.landmarks.get(name)
        if p is not None:
            ax.plot(p[0], p[1], "o", color=pal.INK, ms=4)
    ax.set_xlim(x_lo - 8, x_hi + 8)
    ax.set_ylim(-8, d.length_mm + 8)


def _side(ax: Any, d: FootDrawing, lang: str) -> None:
    from footfit.words import side_name

    _clean_axes(ax, ui("inner_side", lang, side=side_name(d.side, lang)).capitalize())
    ax.fill(d.profile[:, 0], d.profile[:, 1], color=pal.SKIN, ec=pal.SKIN_EDGE, lw=1.0)
    ax.axhline(0, color=pal.INK, lw=0.8)
    if d.plantar_visible and len(d.medial_profile):
        ax.plot(d.medial_profile[:, 0], d.medial_profile[:, 1], color=pal.PRINT, lw=1.4)
    for name, loop in d.sections.items():
        q = np.vstack([loop, loop[:1]])
        ax.plot(q[:, 1], q[:, 2], color=pal.GIRTH_COLORS[name], lw=1.5)
    for pt, color in ((d.instep, pal.ACCENT), (d.arch, "#34495e")):
        if pt is not None:
            ax.annotate("", xy=(pt[0], pt[1]), xytext=(pt[0], 0),
                        arrowprops=dict(arrowstyle="<->", color=color, lw=1.2))
    ax.set_xlim(d.profile[:, 0].min() - 5, d.profile[:, 0].max() + 5)
    ax.set_ylim(-5, max(d.leg_cut_mm, float(d.profile[:, 1].max())) + 8)


def _clearance(ax: Any, d: FootDrawing, lang: str) -> None:
    from footfit.words import side_name

    if d.clearance is None:
        ax.set_axis_off()
        return
    p, c = d.clearance
    score = getattr(d.fit, "score", None)
    title = ui("in_last", lang, side=side_name(d.side, lang)).capitalize()
    if score is not None:
        title += f": {ui('fit_score', lang)} {format_value(score, 'score')}"
    _clean_axes(ax, title)
    from matplotlib.collections import PolyCollection

    from footfit.visual.scene import front_cells

    cell = 3.0
    # seen from above, turned a quarter clockwise (toes right): screen (y, -x)
    idx, corners = front_cells(np.column_stack([p[:, 1], -p[:, 0]]), p[:, 2], cell=cell)
    sq = np.array([[0.0, 0.0], [cell, 0.0], [cell, cell], [0.0, cell]])
    ax.add_collection(PolyCollection(corners[:, None, :] + sq, facecolors=pal.clearance_rgb(
        c[idx]) / 255.0, edgecolors="none"))
    ax.set_xlim(corners[:, 0].min() - 3, corners[:, 0].max() + cell + 3)
    ax.set_ylim(corners[:, 1].min() - 3, corners[:, 1].max() + cell + 3)
