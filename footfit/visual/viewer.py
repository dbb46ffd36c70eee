"""A small, self-written 3D view of the feet: points on a <canvas>, about 10 KB of script.

Why not plotly: its full bundle is 4.6 MB, which made the report 5 MB, heavy to send to a
customer. The feet are point clouds; drawing them needs a rotation, a projection and a depth
sort, which a few lines of JavaScript do on a 2D canvas (no WebGL, so it also works in
headless browsers and old kiosks). The points travel as base64 (int16 at 0.25 mm, RGB bytes):
about 12 bytes a point, 8000 points a foot.
"""

from __future__ import annotations

import base64
import json
import struct
from collections.abc import Sequence
from html import escape

import numpy as np

from footfit.exceptions import InvalidParameterError
from footfit.visual import palette as pal
from footfit.visual.scene import FootDrawing

__all__ = ["viewer_html"]

_QUANTUM_MM = 0.25

_HEIGHT_STOPS = ((0.0, (49, 54, 149)), (0.25, (69, 117, 180)), (0.5, (116, 173, 209)),
                 (0.75, (253, 174, 97)), (1.0, (215, 48, 39)))


def _height_rgb(z: np.ndarray) -> np.ndarray:
    t = np.clip(z / max(float(np.max(z)), 1.0), 0.0, 1.0)
    xs = np.array([s for s, _ in _HEIGHT_STOPS])
    cols = np.array([c for _, c in _HEIGHT_STOPS], dtype=np.float64)
    out = np.stack([np.interp(t, xs, cols[:, k]) for k in range(3)], axis=1)
    return np.round(out).astype(np.uint8)


def _subset(n: int, k: int) -> np.ndarray:
    if n <= k:
        return np.arange(n)
    return np.sort(np.random.default_rng(0).choice(n, k, replace=False))


def _pack(points: np.ndarray, rgb: np.ndarray) -> str:
    q = np.clip(np.round(points / _QUANTUM_MM), -32767, 32767).astype("<i2")
    blob = struct.pack("<I", len(points)) + q.tobytes() + rgb.astype(np.uint8).tobytes()
    return base64.b64encode(blob).decode("ascii")


def viewer_html(drawings: Sequence[FootDrawing], *, max_points: int = 8000,
                titles: Sequence[str] | None = None, help_text: str = "",
                div_id: str = "ff-view3d") -> str:
    """Return an HTML fragment: one rotatable 3D view per foot, side by side.

    Points are coloured by height, or by the fit simulation's clearance when the foot has
    one (red presses, blue is loose, grey outside the shoe).

    Parameters
    ----------
    drawings : sequence of FootDrawing
    max_points : int, default=8000
        Points per foot (an even random subset, seeded).
    titles : sequence of str, optional
        Caption of each view (default: the side).
    help_text : str, default=""
        One line under the views (how to turn and zoom).
    div_id : str, default="ff-view3d"

    Returns
    -------
    str
        A ``<div>`` with the canvases and their ``<script>``; no external resource.
    """
    if max_points < 1:
        raise InvalidParameterError(f"`max_points` must be >= 1; got {max_points}")
    feet = []
    for i, d in enumerate(drawings):
        if d.clearance is not None:
            pts, c = d.clearance
            idx = _subset(len(pts), max_points)
            p, rgb = np.asarray(pts)[idx], pal.clearance_rgb(np.asarray(c)[idx])
        else:
            idx = _subset(len(d.points), max_points)
            p = np.asarray(d.points)[idx]
            rgb = _height_rgb(p[:, 2])
        title = titles[i] if titles is not None and i < len(titles) else d.side
        feet.append({"title": str(title), "data": _pack(np.asarray(p, dtype=np.float64), rgb)})
    canvases = "".join(
        f'<figure class="ff3d"><canvas width="560" height="420" aria-label="{escape(f["title"])}"'
        f' data-foot="{k}"></canvas><figcaption>{escape(f["title"])}</figcaption></figure>'
        for k, f in enumerate(feet))
    payload = json.dumps([f["data"] for f in feet])
    return (f'<div id="{escape(div_id)}" class="ff3d-row">{canvases}</div>'
            + (f'<p class="meta noprint">{escape(help_text)}</p>' if help_text else "")
            + f"<script>(function(){{var DATA={payload},Q={_QUANTUM_MM};"
            + f"var root=document.getElementById({json.dumps(div_id)});" + _script()
            + "})();</script>")


def _script() -> str:
    from pathlib import Path

    return (Path(__file__).resolve().parent.parent / "data" / "viewer.js").read_text(
        encoding="utf-8")
