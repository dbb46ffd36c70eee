"""Interactive 3D view of the scanned feet (plotly, JavaScript embedded, works offline)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import palette as pal
from .scene import GIRTH_LABELS, LANDMARK_SHORT, FootDrawing

__all__ = ["view3d_html"]


def view3d_html(
    drawings: Sequence[FootDrawing],
    *,
    max_points: int = 12000,
    include_plotlyjs: bool | str = True,
    div_id: str = "ff-view3d",
) -> str:
    """Return an HTML fragment with a rotatable 3D view of each foot, side by side.

    Points are coloured by height, or by the fit simulation's clearance when the foot has
    one; landmarks are labelled and the girth tapes drawn as loops.

    Parameters
    ----------
    drawings : sequence of FootDrawing
        One per foot, left first.
    max_points : int, default=12000
        Points shown per foot (an even random subset, seeded): keeps the page a few MB.
    include_plotlyjs : bool or str, default=True
        ``True`` embeds plotly.js (about 4.7 MB) so the page needs no network.
    div_id : str, default="ff-view3d"

    Returns
    -------
    str
        A ``<div>`` with its ``<script>``.

    Raises
    ------
    ImportError
        If plotly is not installed (``pip install footfit[report]``).
    """
    try:
        import plotly.graph_objects as go
        from plotly.subplots import make_subplots
    except ImportError as exc:  # pragma: no cover - plotly comes with open3d's dash
        raise ImportError("the 3D view requires plotly (pip install 'footfit[report]')") from exc

    n = max(len(drawings), 1)
    titles = [f"{d.side} foot" + (" - clearance in the last" if d.clearance is not None else "")
              for d in drawings]
    fig = make_subplots(rows=1, cols=n, specs=[[{"type": "scene"}] * n],
                        subplot_titles=titles, horizontal_spacing=0.02)
    lim = pal.CLEARANCE_LIMIT_MM
    scale = [[(s + 1) / 2, f"rgb{c}"] for s, c in pal.CLEARANCE_STOPS]
    for i, d in enumerate(drawings, start=1):
        scene = "scene" if i == 1 else f"scene{i}"
        if d.clearance is not None:
            pts, c = d.clearance
            idx = _subset(len(pts), max_points)
            p, color = pts[idx], c[idx]
            outside = ~np.isfinite(color)
            if outside.any():  # above the shoe's opening: grey, no clearance
                q = np.round(p[outside], 1).astype(np.float32)
                fig.add_trace(go.Scatter3d(
                    x=q[:, 0], y=q[:, 1], z=q[:, 2], mode="markers", name="outside the shoe",
                    marker=dict(size=2, color=f"rgb{pal.OUTSIDE_RGB}"),
                    hovertemplate="outside the shoe<extra></extra>", showlegend=False,
                ), row=1, col=i)
                p, color = p[~outside], color[~outside]
            marker = dict(size=2, color=color.astype(np.float32), colorscale=scale, cmin=-lim,
                          cmax=lim, colorbar=dict(title="clearance mm", len=0.6,
                                                  x=(i - 0.08) / n))
            hover = "x %{x:.1f} y %{y:.1f} z %{z:.1f} mm<br>clearance %{marker.color:.1f} mm"
        else:
            idx = _subset(len(d.points), max_points)
            p = d.points[idx]
            marker = dict(size=2, color=p[:, 2].astype(np.float32), colorscale="Earth",
                          showscale=False)
            hover = "x %{x:.1f} y %{y:.1f} z %{z:.1f} mm"
        p = np.round(p, 1).astype(np.float32)
        fig.add_trace(go.Scatter3d(x=p[:, 0], y=p[:, 1], z=p[:, 2], mode="markers",
                                   marker=marker, name=f"{d.side} scan", hovertemplate=hover,
                                   showlegend=False), row=1, col=i)
        for name, loop in d.sections.items():
            q = np.vstack([loop, loop[:1]]).astype(np.float32)
            value = d.value(name)
            label = GIRTH_LABELS[name] + (f" {value:.1f} mm" if value is not None else "")
            fig.add_trace(go.Scatter3d(x=q[:, 0], y=q[:, 1], z=q[:, 2], mode="lines",
                                       line=dict(color=pal.GIRTH_COLORS[name], width=6),
                                       name=label, legendgroup=name, showlegend=i == 1,
                                       hovertemplate=label + "<extra></extra>"), row=1, col=i)
        if d.landmarks:
            names = list(d.landmarks)
            q = np.array([d.landmarks[k] for k in names], dtype=np.float32)
            fig.add_trace(go.Scatter3d(x=q[:, 0], y=q[:, 1], z=q[:, 2], mode="markers+text",
                                       text=[LANDMARK_SHORT.get(k, k) for k in names],
                                       marker=dict(size=4, color=pal.INK), name="landmarks",
                                       textfont=dict(size=11), showlegend=False,
                                       hovertemplate="%{text}<extra></extra>"), row=1, col=i)
        medial = 1.0 if d.side == "left" else -1.0
        fig.layout[scene].update(
            aspectmode="data",
            xaxis_title="x mm", yaxis_title="y mm (heel to toe)", zaxis_title="z mm",
            camera=dict(eye=dict(x=2.3 * medial, y=-1.1, z=1.3), up=dict(x=0, y=0, z=1)),
        )
    fig.update_layout(height=620, margin=dict(l=0, r=0, t=40, b=0),
                      legend=dict(orientation="h", y=-0.02), paper_bgcolor="white")
    return fig.to_html(full_html=False, include_plotlyjs=include_plotlyjs, div_id=div_id,
                       config={"displaylogo": False, "responsive": True})


def _subset(n: int, k: int) -> np.ndarray:
    if n <= k:
        return np.arange(n)
    return np.sort(np.random.default_rng(0).choice(n, size=k, replace=False))
