"""Plain-SVG figures of one foot: top view, side profile, girth tapes, clearance map.

Every figure is a standalone ``<svg>`` string (valid XML, no scripts, no external resources)
with ``data-figure`` naming it, so it can be inlined into the HTML report, written to a file or
checked by a test. Geometry comes from :class:`~footfit.visual.scene.FootDrawing`; numbers are
the report's measurements.

References
----------
.. [1] Cavanagh P.R., Rodgers M.M. (1987). The arch index: a useful measure from footprints.
   J. Biomech. 20(5), 547-551.
.. [2] GB/T 3293.1-1998, Chinese shoe-last design practice (ball girth through MTH1 and MTH5;
   instep and heel girths); DOMAIN.md section 3.
"""

from __future__ import annotations

from html import escape
from typing import Any

import numpy as np

from footfit._core.typing import FloatArray
from footfit.visual import palette as pal
from footfit.visual.scene import (
    GIRTH_LABELS,
    LANDMARK_SHORT,
    FootDrawing,
    front_cells,
    latin_cn,
    loop_perimeter,
)

__all__ = [
    "FIGURES",
    "clearance_svg",
    "foot_figures",
    "girths_svg",
    "side_view_svg",
    "top_view_svg",
]

#: Figure names (``data-figure`` values) in report order.
FIGURES: tuple[str, ...] = ("top-view", "side-view", "girths", "clearance")

_FONT = 5.0  # mm; figures are drawn 1 user unit = 1 mm
_PX_PER_MM = 1.6


def _f(v: float) -> str:
    return f"{float(v):.1f}"


def _pts(a: FloatArray) -> str:
    a = np.asarray(a, dtype=np.float64)
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in a.tolist())


def _fmt(v: Any, unit: str = " mm", digits: int = 1) -> str:
    if v is None:
        return "not measured"
    if isinstance(v, str):
        return v
    return f"{float(v):.{digits}f}{unit}"


class _Svg:
    """Tiny SVG writer in world millimetres with a y-up helper."""

    def __init__(self, figure: str, side: str, title: str, *, font: float = _FONT) -> None:
        self.figure, self.side, self.title, self.font = figure, side, title, font
        self.parts: list[str] = []
        self.lo = np.array([np.inf, np.inf])
        self.hi = np.array([-np.inf, -np.inf])

    def _grow(self, xy: FloatArray) -> None:
        xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        if len(xy):
            self.lo = np.minimum(self.lo, xy.min(axis=0))
            self.hi = np.maximum(self.hi, xy.max(axis=0))

    def add(self, element: str, *, extent: FloatArray | None = None) -> None:
        self.parts.append(element)
        if extent is not None:
            self._grow(extent)

    def polygon(self, xy: FloatArray, **style: Any) -> None:
        self.add(f'<polygon points="{_pts(xy)}"{_style(style)}/>', extent=xy)

    def polyline(self, xy: FloatArray, **style: Any) -> None:
        self.add(f'<polyline fill="none" points="{_pts(xy)}"{_style(style)}/>', extent=xy)

    def line(self, a: FloatArray, b: FloatArray, **style: Any) -> None:
        self.add(
            f'<line x1="{_f(a[0])}" y1="{_f(a[1])}" x2="{_f(b[0])}" y2="{_f(b[1])}"'
            f"{_style(style)}/>",
            extent=np.array([a, b]),
        )

    def circle(self, c: FloatArray, r: float, **style: Any) -> None:
        self.add(f'<circle cx="{_f(c[0])}" cy="{_f(c[1])}" r="{r:.2f}"{_style(style)}/>',
                 extent=np.array([c]) + [[-r, -r]])

    def text(self, xy: FloatArray, text: str, *, size: float | None = None,
             anchor: str = "start", **style: Any) -> None:
        size = self.font if size is None else size
        width = 0.55 * size * len(text)
        x0 = {"start": xy[0], "middle": xy[0] - width / 2, "end": xy[0] - width}[anchor]
        self.add(
            f'<text x="{_f(xy[0])}" y="{_f(xy[1])}" font-size="{size:.1f}" '
            f'text-anchor="{anchor}"{_style(style)}>{escape(text)}</text>',
            extent=np.array([[x0, xy[1] - size], [x0 + width, xy[1] + 0.3 * size]]),
        )

    def to_string(self, *, margin: float = 6.0) -> str:
        lo, hi = self.lo - margin, self.hi + margin
        lo[1] -= self.font * 1.8  # title line
        w, h = hi - lo
        head = (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="ff-fig" '
            f'data-figure="{self.figure}" data-side="{self.side}" '
            f'viewBox="{_f(lo[0])} {_f(lo[1])} {_f(w)} {_f(h)}" '
            f'width="{w * _PX_PER_MM:.0f}" height="{h * _PX_PER_MM:.0f}" '
            f'font-family="Helvetica, Arial, sans-serif" role="img">'
            f"<title>{escape(self.title)}</title>"
            f'<rect x="{_f(lo[0])}" y="{_f(lo[1])}" width="{_f(w)}" height="{_f(h)}" '
            f'fill="#ffffff"/>'
            f'<text x="{_f(lo[0] + margin)}" y="{_f(lo[1] + self.font * 1.5)}" '
            f'font-size="{self.font * 1.2:.1f}" font-weight="bold" fill="{pal.INK}">'
            f"{escape(self.title)}</text>"
        )
        return head + "".join(self.parts) + "</svg>"


def _style(style: dict[str, Any]) -> str:
    return "".join(f' {k.replace("_", "-")}="{escape(str(v))}"' for k, v in style.items())


def _up(xy: FloatArray) -> FloatArray:
    """World (x, y-up) to SVG (x, y-down)."""
    a = np.array(xy, dtype=np.float64)
    a[..., 1] = -a[..., 1]
    return a


def _dimension(s: _Svg, a: FloatArray, b: FloatArray, label: str, *, color: str,
               label_at: FloatArray, anchor: str = "start") -> None:
    """Draw a measured distance: a line with end ticks and a label (SVG coordinates)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    s.line(a, b, stroke=color, stroke_width=0.8)
    d = b - a
    n = np.array([-d[1], d[0]]) / (np.linalg.norm(d) or 1.0) * 2.5
    for p in (a, b):
        s.line(p - n, p + n, stroke=color, stroke_width=0.8)
    s.text(label_at, label, anchor=anchor, fill=color)


# ================================================================== top view
def _footprint_layer(s: _Svg, d: FootDrawing, cid: str, x_lo: float, x_hi: float) -> None:
    """Draw the arch-index zones (tinted bands clipped to the outline) and the footprint."""
    if d.zones is not None:
        e = d.zones["edges"]
        tints = ("#e3efe0", "#fbeed2", "#e6e3f3")  # C, B, A
        for k in range(3):
            s.add(f'<rect x="{_f(x_lo - 2)}" y="{_f(-e[k + 1])}" width="{_f(x_hi - x_lo + 4)}" '
                  f'height="{_f(e[k + 1] - e[k])}" fill="{tints[k]}" clip-path="url(#{cid})"/>')
    for rects, opacity in ((d.footprint, 0.8), (d.toe_prints, 0.35)):
        if len(rects):
            path = "".join(f"M{x:.1f} {-(y + h):.1f}h{w:.1f}v{h:.1f}h{-w:.1f}z"
                           for x, y, w, h in rects.tolist())
            s.add(f'<path d="{path}" fill="{pal.PRINT}" fill-opacity="{opacity}" '
                  f'data-layer="footprint"/>')


def _zone_labels(s: _Svg, d: FootDrawing, x_lo: float, x_hi: float, label_x_left: float,
                 dim_x: float) -> None:
    """Label the zones and the arch index, or say why there is no footprint."""
    if d.zones is not None:
        e, areas = d.zones["edges"], d.zones["areas_mm2"]
        for y in e:
            s.line((x_lo - 4, -y), (x_hi + 4, -y), stroke=pal.MUTED, stroke_width=0.5,
                   stroke_dasharray="2 1.5")
        for k, name in enumerate(("C rear", "B mid", "A fore")):
            s.text((label_x_left, -(e[k] + e[k + 1]) / 2 + 2),
                   f"{name} {areas[k] / 100:.1f} cm²", anchor="end", fill=pal.INK)
        ai = d.zones["arch_index"]
        s.text((dim_x, 9), f"arch index {_fmt(ai, '', 3)} = B / (A+B+C)", fill=pal.PRINT,
               font_weight="bold")
    elif not d.plantar_visible:
        s.text(((x_lo + x_hi) / 2, 12), "no sole in the scan: no footprint, no arch index",
               anchor="middle", fill=pal.ACCENT)
    elif d.missing.get("arch_index"):
        s.text(((x_lo + x_hi) / 2, 12), f"arch index: {d.missing['arch_index']}",
               anchor="middle", fill=pal.ACCENT)


def top_view_svg(d: FootDrawing) -> str:
    """Top view: outline, footprint, arch-index zones, ball and heel width, landmarks.

    Parameters
    ----------
    d : FootDrawing

    Returns
    -------
    str
        An ``<svg data-figure="top-view">`` element.
    """
    s = _Svg("top-view", d.side, f"{d.side.capitalize()} foot, seen from above")
    L = d.length_mm
    outline = _up(d.outline)
    x_lo, x_hi = float(d.outline[:, 0].min()), float(d.outline[:, 0].max())
    cid = f"ff-clip-{d.side}-top"
    s.add(f'<defs><clipPath id="{cid}"><polygon points="{_pts(outline)}"/></clipPath></defs>')
    s.polygon(outline, fill=pal.SKIN, stroke=pal.SKIN_EDGE, stroke_width=0.8)

    _footprint_layer(s, d, cid, x_lo, x_hi)
    s.polygon(outline, fill="none", stroke=pal.SKIN_EDGE, stroke_width=0.8)

    label_x_right = x_hi + 16
    label_x_left = x_lo - 16  # clear of the MTH5/MTH1 labels at the outline
    dim_x = x_lo - 62
    _zone_labels(s, d, x_lo, x_hi, label_x_left, dim_x)

    # foot axis and length
    s.line((0, 0), (0, -L), stroke=pal.MUTED, stroke_width=0.4, stroke_dasharray="4 2")
    _dimension(s, (dim_x, 0), (dim_x, -L), "", color=pal.INK, label_at=(dim_x, 0))
    s.add(f'<text x="0" y="0" font-size="{_FONT:.1f}" text-anchor="middle" fill="{pal.INK}" '
          f'transform="translate({_f(dim_x - 2)} {_f(-L / 2)}) rotate(-90)">'
          f"foot length {escape(_fmt(d.value('foot_length_mm') or L))}</text>",
          extent=np.array([[dim_x - 8, -L / 2]]))
    for pct in (0.5, 0.8):
        s.text((x_hi + 2, -pct * L + 1.5), f"{pct:.0%}", size=3.5, fill=pal.MUTED)

    if d.ball_line is not None:
        a, b = _up(d.ball_line)
        y = min(a[1], b[1]) - 3
        s.line(a, b, stroke=pal.ACCENT, stroke_width=1.0)
        s.line((label_x_right - 6, (a[1] + b[1]) / 2), (label_x_right - 1, y),
               stroke=pal.ACCENT, stroke_width=0.4)
        s.text((label_x_right, y + 2), f"ball width {_fmt(d.value('ball_width_mm'))}",
               fill=pal.ACCENT)
    if d.heel_line is not None:
        a, b = _up(d.heel_line)
        s.line(a, b, stroke=pal.ACCENT, stroke_width=1.0)
        s.text((label_x_right, a[1] + 2), f"heel width {_fmt(d.value('heel_width_mm'))}",
               fill=pal.ACCENT)
    for q, label in _landmark_labels(d):
        s.circle(q, 1.6, fill=pal.INK, stroke="#ffffff", stroke_width=0.5)
        right = q[0] >= (x_lo + x_hi) / 2
        s.text((q[0] + (3 if right else -3), q[1] - 2), label, size=3.8,
               anchor="start" if right else "end", fill=pal.INK)
    _scale_bar(s, (x_hi - 50, 18))
    return s.to_string()


def _landmark_labels(d: FootDrawing) -> list[tuple[FloatArray, str]]:
    """Top-view landmark dots (SVG coordinates) and labels; coincident ones share a label."""
    out: list[tuple[FloatArray, str]] = []
    for name in ("pternion", "akropodion", "hallux_tip", "second_toe_tip", "mth1", "mth5",
                 "heel_centre"):
        p = d.landmarks.get(name)
        if p is None:
            continue
        q = _up(p[:2])
        for k, (other, label) in enumerate(out):
            if np.hypot(*(other - q)) < 3.0:
                out[k] = (other, f"{label} / {LANDMARK_SHORT[name]}")
                break
        else:
            out.append((q, LANDMARK_SHORT[name]))
    return out


def _scale_bar(s: _Svg, at: tuple[float, float]) -> None:
    x, y = at
    s.line((x, y), (x + 50, y), stroke=pal.INK, stroke_width=1.0)
    for t in (0, 50):
        s.line((x + t, y - 1.5), (x + t, y + 1.5), stroke=pal.INK, stroke_width=0.8)
    s.text((x + 25, y + 7), "50 mm", anchor="middle", size=4, fill=pal.INK)


# ================================================================== side view
def side_view_svg(d: FootDrawing) -> str:
    """Medial side profile: silhouette, arch curve, instep and arch heights, girth planes.

    Parameters
    ----------
    d : FootDrawing

    Returns
    -------
    str
        An ``<svg data-figure="side-view">`` element.
    """
    s = _Svg("side-view", d.side, f"{d.side.capitalize()} foot, medial side", font=6.5)
    L = d.length_mm
    s.polygon(_up(d.profile), fill=pal.SKIN, stroke=pal.SKIN_EDGE, stroke_width=0.8)
    y_lo, y_hi = float(d.profile[:, 0].min()), float(d.profile[:, 0].max())
    s.line((y_lo - 10, 0), (y_hi + 10, 0), stroke=pal.INK, stroke_width=0.8)
    if len(d.medial_profile) and d.plantar_visible:
        s.polyline(_up(d.medial_profile), stroke=pal.PRINT, stroke_width=1.0)
        k = int(np.argmax(d.medial_profile[:, 1] * (np.abs(d.medial_profile[:, 0] - 0.45 * L)
                                                    < 0.15 * L)))
        peak = _up(d.medial_profile[k])
        s.text((peak[0], peak[1] - 3), "medial arch", anchor="middle", size=5.0,
               fill=pal.PRINT)
    cut = d.leg_cut_mm
    s.line((y_lo - 10, -cut), (y_hi + 10, -cut), stroke=pal.MUTED, stroke_width=0.5,
           stroke_dasharray="3 2")
    s.text((y_hi + 10, -cut - 2), f"leg cut {cut:.0f} mm", anchor="end", size=5.0,
           fill=pal.MUTED)
    for name, loop in d.sections.items():
        yz = _up(loop[:, 1:3])
        s.polygon(yz, fill="none", stroke=pal.GIRTH_COLORS[name], stroke_width=1.2,
                  stroke_opacity=0.9, data_girth=name)
    if d.instep is not None:
        y, z = d.instep
        _dimension(s, (y, 0), (y, -z), f"instep height {_fmt(d.value('instep_height_mm'))}",
                   color=pal.ACCENT, label_at=(y + 3, -z - 6))
    if d.arch is not None:
        y, z = d.arch
        _dimension(s, (y, 0), (y, -z), f"arch height (50 %) {_fmt(d.value('arch_height_mm'))}",
                   color="#34495e", label_at=(y - 3, -z - 6), anchor="end")
    for pct in (0.0, 0.25, 0.5, 0.75, 1.0):
        x = pct * L
        s.line((x, 0), (x, 3), stroke=pal.INK, stroke_width=0.6)
        s.text((x, 8), f"{pct:.0%}", anchor="middle", size=5.0, fill=pal.INK)
    _legend(s, d, at=(y_lo, 16))
    return s.to_string()


def _legend(s: _Svg, d: FootDrawing, *, at: tuple[float, float]) -> None:
    x, y = at
    for i, name in enumerate(d.sections):
        row, col = divmod(i, 2)
        px, py = x + col * 140, y + row * 8
        s.line((px, py - 1.5), (px + 8, py - 1.5), stroke=pal.GIRTH_COLORS[name],
               stroke_width=2)
        s.text((px + 10, py), f"{GIRTH_LABELS[name]} {_fmt(d.value(name))}", size=5.5,
               fill=pal.INK)


# ================================================================== girths
def _camera(side: str) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Screen axes (right, up) and view direction for an oblique medial view (no mirror)."""
    medial = 1.0 if side == "left" else -1.0  # shown frame: a left foot's medial side is +x
    c = np.array([medial * 1.0, 0.45, 0.75])
    c /= np.linalg.norm(c)
    f = -c
    right = np.cross(f, [0.0, 0.0, 1.0])
    right /= np.linalg.norm(right)
    up = np.cross(right, f)
    return right, up, c


def girths_svg(d: FootDrawing, *, max_points: int = 2500) -> str:
    """Draw the girths as the tape lies on the foot (oblique view; hidden parts dashed).

    Parameters
    ----------
    d : FootDrawing
    max_points : int, default=2500
        Points of the foot drawn as shaded dots.

    Returns
    -------
    str
        An ``<svg data-figure="girths">`` element.
    """
    s = _Svg("girths", d.side, f"{d.side.capitalize()} foot, girths as the tape lies", font=6.5)
    right, up, c = _camera(d.side)
    p = d.sample(max_points)
    depth = p @ c
    order = np.argsort(depth)  # far first
    uv = np.column_stack([p @ right, -(p @ up)])[order]
    t = (depth[order] - depth.min()) / (np.ptp(depth) or 1.0)
    shade = np.rint(215 - 90 * t).astype(int)  # near = darker
    dots = "".join(
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="1.1" fill="rgb({g},{g - 8},{g - 20})"/>'
        for (x, y), g in zip(uv.tolist(), shade.tolist(), strict=True)
    )
    s.add(f'<g data-layer="points">{dots}</g>', extent=uv)
    for name, loop in d.sections.items():
        closed = np.vstack([loop, loop[:1]])
        q = np.column_stack([closed @ right, -(closed @ up)])
        centre = loop.mean(axis=0) @ c
        near = (closed @ c) >= centre - 1e-9
        seg_near = near[:-1] & near[1:]
        color = pal.GIRTH_COLORS[name]
        for mask, extra in ((~seg_near, ' stroke-dasharray="2.5 2" stroke-opacity="0.55"'),
                            (seg_near, "")):
            idx = np.flatnonzero(mask)
            if not len(idx):
                continue
            path = "".join(f"M{q[i, 0]:.1f} {q[i, 1]:.1f}L{q[i + 1, 0]:.1f} {q[i + 1, 1]:.1f}"
                           for i in idx.tolist())
            s.add(f'<path d="{path}" fill="none" stroke="{color}" stroke-width="1.6"'
                  f'{extra} data-girth="{name}"/>', extent=q)
    lo_y = float(uv[:, 1].max()) if len(uv) else 0.0
    x0 = float(uv[:, 0].min()) if len(uv) else 0.0
    for i, name in enumerate(d.sections):
        y = lo_y + 12 + i * 9
        s.line((x0, y - 2), (x0 + 10, y - 2), stroke=pal.GIRTH_COLORS[name], stroke_width=2.5)
        drawn = loop_perimeter(d.sections[name])
        s.text((x0 + 13, y), f"{GIRTH_LABELS[name]} {_fmt(d.value(name))}"
               f"  (tape drawn: {drawn:.0f} mm)", fill=pal.INK)
    if not d.sections:
        s.text((x0, lo_y + 10), "no girth could be measured on this scan", fill=pal.ACCENT)
    return s.to_string()


# ================================================================== clearance
def clearance_svg(d: FootDrawing, *, cell_mm: float = 3.0) -> str | None:
    """Fit-simulation clearance map: foot in its last from above and from the medial side.

    Each view shows, per ``cell_mm`` square, the clearance of the foot point nearest the
    viewer (a z-buffer), so the top view is the dorsum and the side view the medial side.

    Parameters
    ----------
    d : FootDrawing
    cell_mm : float, default=3.0

    Returns
    -------
    str or None
        An ``<svg data-figure="clearance">`` element, or ``None`` without a fit simulation.
    """
    if d.clearance is None:
        return None
    p, c = d.clearance
    label = latin_cn(getattr(d.fit, "last_label", "the last"))
    s = _Svg("clearance", d.side,
             f"{d.side.capitalize()} foot in {label}: clearance (red presses, blue is loose)",
             font=6.5)
    medial_sign = 1.0 if d.side == "left" else -1.0
    shift = float(p[:, 0].max()) + 30.0 - float(p[:, 1].min())
    views = ((p[:, [0, 1]], p[:, 2], 0.0), (p[:, [1, 2]], medial_sign * p[:, 0], shift))
    lim = pal.CLEARANCE_LIMIT_MM
    for uv, depth, dx in views:
        idx, corners = front_cells(uv, depth, cell=cell_mm)
        value = c[idx]
        # one path per 0.5 mm colour step (and one for outside the shoe): a small file
        step = np.where(np.isfinite(value), np.rint(np.clip(value, -lim, lim) * 2) / 2, np.nan)
        paths = []
        for v in np.unique(step[np.isfinite(step)]).tolist() + [None]:
            sel = ~np.isfinite(step) if v is None else step == v
            if not sel.any():
                continue
            col = pal.hex_color(pal.clearance_rgb([np.nan if v is None else v]))[0]
            cells = "".join(f"M{x + dx:.1f} {-(y + cell_mm):.1f}h{cell_mm:g}v{cell_mm:g}"
                            f"h{-cell_mm:g}z" for x, y in corners[sel].tolist())
            paths.append(f'<path d="{cells}" fill="{col}"/>')
        extent = np.column_stack([corners[:, 0] + dx, -corners[:, 1] - cell_mm])
        s.add(f'<g data-layer="clearance" data-cells="{len(idx)}">{"".join(paths)}</g>',
              extent=np.vstack([extent, extent + [cell_mm, cell_mm]]))
    # colour bar
    x0, y0 = float(p[:, 0].min()), 18.0
    ticks = np.linspace(-lim, lim, 61)
    for t, col in zip(ticks, pal.hex_color(pal.clearance_rgb(ticks)), strict=True):
        s.add(f'<rect x="{x0 + (t + lim) * 8:.1f}" y="{y0:.1f}" width="1.75" height="5" '
              f'fill="{col}"/>', extent=np.array([[x0 + (t + lim) * 8, y0], [x0, y0 + 5]]))
    for t in (-lim, -3, 0, 3, lim):
        s.text((x0 + (t + lim) * 8, y0 + 12), f"{t:+.0f} mm" if t else "0 (contact)",
               anchor="middle", size=5.0, fill=pal.INK)
    s.add(f'<rect x="{x0 + 110:.1f}" y="{y0:.1f}" width="5" height="5" '
          f'fill="{pal.hex_color([pal.OUTSIDE_RGB])[0]}"/>')
    s.text((x0 + 117, y0 + 5), "outside the shoe", size=5.0, fill=pal.INK)
    score = getattr(d.fit, "score", None)
    if score is not None:
        s.text((x0, y0 + 24), f"fit score {float(score):.0f}/100", fill=pal.INK,
               font_weight="bold")
    return s.to_string()


def foot_figures(d: FootDrawing) -> dict[str, str]:
    """Return every figure of one foot, ``{figure name: svg}`` in :data:`FIGURES` order."""
    out = {"top-view": top_view_svg(d), "side-view": side_view_svg(d), "girths": girths_svg(d)}
    clr = clearance_svg(d)
    if clr is not None:
        out["clearance"] = clr
    return out
