"""Colours shared by the SVG, PNG and 3D pictures, so one foot looks the same in each."""

from __future__ import annotations

import numpy as np

from footfit._core.typing import ArrayLike

__all__ = [
    "CLEARANCE_LIMIT_MM",
    "CLEARANCE_STOPS",
    "GIRTH_COLORS",
    "clearance_rgb",
    "hex_color",
]

#: Clearance is drawn on a scale clipped at +/- this many millimetres.
CLEARANCE_LIMIT_MM = 6.0

#: Diverging scale for clearance: red where the foot would press, yellow at contact,
#: blue where the shoe is loose (ColorBrewer RdYlBu, reversed sense: negative is red).
CLEARANCE_STOPS: tuple[tuple[float, tuple[int, int, int]], ...] = (
    (-1.0, (165, 0, 38)),
    (-0.5, (244, 109, 67)),
    (0.0, (255, 255, 191)),
    (0.5, (116, 173, 209)),
    (1.0, (49, 54, 149)),
)

#: One colour per girth tape (ColorBrewer Dark2).
GIRTH_COLORS: dict[str, str] = {
    "ball_girth_mm": "#d95f02",
    "instep_girth_mm": "#7570b3",
    "short_heel_girth_mm": "#1b9e77",
    "long_heel_girth_mm": "#e7298a",
    "ankle_girth_mm": "#66a61e",
}

#: Colour of foot points outside the shoe (no clearance).
OUTSIDE_RGB = (205, 205, 205)

SKIN = "#f4e1cf"
SKIN_EDGE = "#8c6d57"
PRINT = "#3d6fa8"
INK = "#222222"
MUTED = "#6b6b6b"
ACCENT = "#c0392b"


def clearance_rgb(clearance_mm: ArrayLike) -> np.ndarray:
    """Return (n, 3) uint8 colours of clearances on the clipped diverging scale.

    NaN (a point outside the shoe, above its opening) is drawn grey.

    Examples
    --------
    >>> clearance_rgb([-10.0, 0.0, 10.0, float("nan")]).tolist()
    [[165, 0, 38], [255, 255, 191], [49, 54, 149], [205, 205, 205]]
    """
    raw = np.asarray(clearance_mm, dtype=np.float64).reshape(-1)
    outside = ~np.isfinite(raw)
    c = np.clip(np.where(outside, 0.0, raw) / CLEARANCE_LIMIT_MM, -1.0, 1.0)
    xs = np.array([s for s, _ in CLEARANCE_STOPS])
    rgb = np.array([c_ for _, c_ in CLEARANCE_STOPS], dtype=np.float64)
    out = np.column_stack([np.interp(c, xs, rgb[:, k]) for k in range(3)])
    out[outside] = OUTSIDE_RGB
    return np.rint(out).astype(np.uint8)


def hex_color(rgb: ArrayLike) -> list[str]:
    """Return ``#rrggbb`` strings of (n, 3) uint8 colours."""
    a = np.asarray(rgb, dtype=np.uint8).reshape(-1, 3)
    return [f"#{r:02x}{g:02x}{b:02x}" for r, g, b in a.tolist()]
