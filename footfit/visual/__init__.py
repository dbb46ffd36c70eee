"""Pictures for people: the visual fitting report (HTML, SVG figures, PNG summary).

Everything here draws a :class:`~footfit.report.FitReport` the pipeline produced:

- :func:`render_html` / :func:`write_html`: one self-contained HTML page (no network needed)
  with a customer summary on top (en/zh), then measurements with their expected errors, sizes,
  insoles with reasons, last parameters, figures and a small 3D view of the scan (own canvas
  viewer, :mod:`footfit.visual.viewer`).
- :func:`foot_figures`: plain-SVG figures of one foot (top view with footprint, arch-index
  zones, ball and heel widths and landmarks; medial side profile with instep and arch heights;
  girths as the tape lies; fit-simulation clearance map when present).
- :func:`render_png` / :func:`write_png`: one summary image (needs matplotlib, the ``report``
  extra).

Heavy or optional packages (matplotlib, scipy) are imported by the functions that draw.
"""

from footfit.visual.html import foot_drawings, render_html, write_html
from footfit.visual.png import render_png, write_png
from footfit.visual.scene import FootDrawing
from footfit.visual.svg import (
    FIGURES,
    clearance_svg,
    foot_figures,
    girths_svg,
    side_view_svg,
    top_view_svg,
)

__all__ = [
    "FIGURES",
    "FootDrawing",
    "clearance_svg",
    "foot_drawings",
    "foot_figures",
    "girths_svg",
    "render_html",
    "render_png",
    "side_view_svg",
    "top_view_svg",
    "write_html",
    "write_png",
]
