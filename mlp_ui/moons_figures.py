"""The moons toy's figures (pure: no Streamlit): the decision boundary as shading with
the points on top, animated over training, and the gallery of boundaries side by side.

The animated figure opens on its first snapshot (nothing of the ending shown before it
plays); the page presses Play, Pause and Replay with buttons of its own
(mlp_ui.animation), so the slider takes the whole width.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from mlp_ui.toy_common import play_controls

CLASS_COLORS = ("#b2182b", "#2166ac")  # moons class 0, class 1

BOUNDARY_SCALE = [[0.0, "#f4a582"], [0.5, "#f7f7f7"], [1.0, "#92c5de"]]


def _points(X: np.ndarray, y: np.ndarray, size: int = 6) -> go.Scatter:
    """The moons as one scatter trace, coloured by class."""
    colors = [CLASS_COLORS[int(c)] for c in y]
    return go.Scatter(
        x=X[:, 0],
        y=X[:, 1],
        mode="markers",
        hoverinfo="skip",
        marker=dict(color=colors, size=size, line=dict(color="white", width=0.6)),
    )


LOGIT_CLIP = 6.0
"""Shading saturates at log-odds ±6 (P = 0.0025 or 0.9975)."""
P_CLIP = 1e-12
"""P is kept within [1e-12, 1 - 1e-12] (log-odds ±27.6) before it becomes log-odds."""
BOUNDARY_LINE = "#111111"


def _z(Z: np.ndarray) -> np.ndarray:
    """P(class 1) as log-odds, float32 (half the JSON of float64); NaN -> 0.

    The browser interpolates between grid points. P jumps from 0 to 1 within one cell of
    a coarse grid, so anything drawn from it zigzags along the cells; the log-odds are
    smooth (for a tanh net, the difference of two smooth outputs), so what is drawn from
    them is not. They are clipped far beyond the colours' ±6 only to stay finite: clipped
    at ±6, the band between the colours would again follow the cells.
    """
    P = np.clip(np.nan_to_num(np.asarray(Z, dtype=np.float64), nan=0.5), P_CLIP, 1 - P_CLIP)
    return np.log(P / (1 - P)).astype(np.float32)


def _heatmap(xs: np.ndarray, ys: np.ndarray, Z: np.ndarray, showscale: bool) -> go.Contour:
    """P(class 1) over the grid, Z (len(ys), len(xs)), shaded by its log-odds, with the
    boundary (P = 0.5) drawn as a smoothed line.

    One contour trace does both: ``coloring="heatmap"`` shades like a smoothed heatmap
    (drawn much faster in the browser than filled contours), and its one contour line is
    at log-odds 0. Interpolating the log-odds rather than P keeps both smooth on a
    coarse grid.
    """
    ticks = np.array([0.01, 0.1, 0.5, 0.9, 0.99])
    return go.Contour(
        x=xs,
        y=ys,
        z=_z(Z),
        zmin=-LOGIT_CLIP,
        zmax=LOGIT_CLIP,
        contours=dict(start=0, end=0, size=1, coloring="heatmap", showlines=True),
        line=dict(color=BOUNDARY_LINE, width=1.5, smoothing=1.3),
        colorscale=BOUNDARY_SCALE,
        showscale=showscale,
        colorbar=dict(
            title="P(class 1)",
            len=0.8,
            tickvals=np.log(ticks / (1 - ticks)).tolist(),
            ticktext=[f"{t:g}" for t in ticks],
        ),
        hoverinfo="skip",
    )


def _boundary_axes(fig: go.Figure, xs: np.ndarray, ys: np.ndarray, **where) -> None:
    fig.update_xaxes(range=[xs[0], xs[-1]], showgrid=False, zeroline=False, **where)
    fig.update_yaxes(range=[ys[0], ys[-1]], showgrid=False, zeroline=False, **where)


def moons_boundary_figure(
    X: np.ndarray,
    y: np.ndarray,
    xs: np.ndarray,
    ys: np.ndarray,
    grids: Sequence[np.ndarray],
    labels: Sequence[str],
    title: str | Sequence[str] = "",
    big: bool = False,
) -> go.Figure:
    """Decision boundary as shading of P(class 1) with the points on top.

    X (n, 2), y (n,); xs (gx,), ys (gy,) the grid axes; ``grids`` one Z (gy, gx) per
    snapshot, ``labels`` the pass number of each (for the slider); ``title`` one for
    all, or one per grid (what the title says while that snapshot is shown). With more
    than one grid the figure is animated (play/pause and a slider); it opens on the first
    grid (the ending is the student's to watch), and Play plays from there. Orange is
    class 0, blue class 1, the line P = 0.5. ``big``: projector sizes.
    """
    titles = [title] * len(grids) if isinstance(title, str) else list(title)
    animated = len(grids) > 1
    fig = go.Figure([_heatmap(xs, ys, grids[0], False), _points(X, y)])
    fig.update_layout(
        title=titles[0],
        height=(470 if big else 400) if animated else (480 if big else 400),
        showlegend=False,
        margin=dict(
            t=80 if "<br>" in titles[0] else 50,
            b=(80 if big else 60) if animated else 40,  # the controls are the page's own
            l=50,
            r=10,
        ),
    )
    fig.update_xaxes(title_text="x\u2081")
    fig.update_yaxes(title_text="x\u2082")
    fig.data[0].line.width = 3 if big else 1.5
    _boundary_axes(fig, xs, ys)
    if animated:
        _animate(fig, grids, labels, titles, big)
    return fig


def _animate(fig: go.Figure, grids, labels, titles, big: bool) -> None:
    """Frames of the shading, each with its own title, and the play/pause controls."""
    names = [str(i) for i in range(len(grids))]
    fig.frames = [
        go.Frame(data=[go.Contour(z=_z(Z))], traces=[0], name=name, layout={"title": title})
        for Z, name, title in zip(grids, names, titles, strict=True)
    ]
    y = -0.24 if big else -0.16
    menus, sliders = play_controls(list(labels), names, 150, True, y, True, menu_hidden=True)
    sliders[0]["currentvalue"].update(prefix="Pass ", font={"size": 20 if big else 15})
    sliders[0]["font"] = {"size": 16 if big else 12}
    menus[0]["font"] = {"size": 18 if big else 14}
    sliders[0]["active"] = 0
    fig.layout.updatemenus, fig.layout.sliders = menus, sliders


def moons_gallery_figure(
    X: np.ndarray,
    y: np.ndarray,
    xs: np.ndarray,
    ys: np.ndarray,
    grids: Sequence[np.ndarray],
    titles: Sequence[str],
    cols: int | None = None,
    big: bool = False,
) -> go.Figure:
    """Several decision boundaries in a grid of small framed panels, 4 to a row (3 with
    ``big``), same data and axes in each: x\u2081 ticks under each column's last panel,
    x\u2082 left of the first column."""
    cols = cols or (3 if big else 4)  # projected, the panels and their titles need the width
    rows = -(-len(grids) // cols)
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=list(titles),
        shared_xaxes=True,
        shared_yaxes=True,
        horizontal_spacing=0.02,
        vertical_spacing=0.1 if big else 0.12,
    )
    for k, Z in enumerate(grids):
        r, c = k // cols + 1, k % cols + 1
        fig.add_trace(_heatmap(xs, ys, Z, False), row=r, col=c)
        fig.add_trace(_points(X, y, size=4), row=r, col=c)
        _boundary_axes(fig, xs, ys, row=r, col=c)
    frame = dict(showline=True, mirror=True, linecolor="#444444", ticks="outside", nticks=4)
    fig.update_xaxes(**frame)
    fig.update_yaxes(**frame)
    for c in range(len(grids) - (rows - 1) * cols + 1, cols + 1):  # empty cells
        fig.update_xaxes(showticklabels=True, row=rows - 1, col=c)
        fig.update_xaxes(visible=False, row=rows, col=c)
        fig.update_yaxes(visible=False, row=rows, col=c)
    fig.update_xaxes(title_text="x\u2081", row=rows)
    fig.update_yaxes(title_text="x\u2082", col=1)
    fig.update_layout(
        height=(340 if big else 300) * rows,
        showlegend=False,
        margin=dict(t=40, b=10, l=60, r=10),
    )
    return fig
