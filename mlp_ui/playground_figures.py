"""Figure builders for the Playground page: pure functions from arrays to figures.

Colours follow TensorFlow Playground: blue for positive values and class 1, orange for
negative values and class 0, white around zero. Every figure is drawn while training
plays, several times a second, so each is a few plain traces: one heatmap per unit
(float32, sent as binary), connection lines grouped by width and sign into a handful of
traces, and no `make_subplots`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from mlp_core.playground import DOMAIN, Curves
from mlp_ui import theme

BLUE, ORANGE, PALE = "#0877BD", "#F59322", "#E8EAEB"
SCALE = [[0.0, ORANGE], [0.5, PALE], [1.0, BLUE]]
TILE = 0.62  # a unit's heatmap, in column widths
ROW = 0.8  # vertical distance between units of a column
WIDTHS = 5  # connection lines come in this many widths
FONT = {"size": theme.FONT_SIZE + 2}


def shade(A: np.ndarray, activation: str) -> np.ndarray:
    """A unit's values (s, s) as colours in [-1, 1], float32.

    tanh stays as it is; sigmoid's [0, 1] becomes 2A - 1; unbounded units (ReLU,
    linear, input features) are divided by their largest magnitude when it exceeds 1.
    """
    if activation == "sigmoid":
        return (2 * A - 1).astype(np.float32)
    top = float(np.max(np.abs(A))) if A.size else 0.0
    return (A / top if top > 1 else A).astype(np.float32)


def _tile(z: np.ndarray, cx: float, cy: float, size: float) -> go.Heatmap:
    s = z.shape[0]
    return go.Heatmap(
        z=z,
        x0=cx - size / 2 + size / (2 * s),
        dx=size / s,
        y0=cy - size / 2 + size / (2 * s),
        dy=size / s,
        zmin=-1,
        zmax=1,
        colorscale=SCALE,
        showscale=False,
        hoverinfo="skip",
    )


def _points(X: np.ndarray, y: np.ndarray, task: str, name: str, edge: str) -> go.Scatter:
    """Data points coloured by class (or by target value for regression)."""
    colour = np.where(y > 0.5, BLUE, ORANGE).tolist() if task == "classify" else y.tolist()
    marker = {"size": 7, "color": colour, "line": {"color": edge, "width": 1.2}}
    if task != "classify":
        marker.update(colorscale=SCALE, cmin=-1, cmax=1)
    return go.Scatter(
        x=X[:, 0], y=X[:, 1], mode="markers", name=name, marker=marker, hoverinfo="skip"
    )


def boundary_figure(
    output: np.ndarray,
    train: tuple[np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray] | None,
    task: str,
    height: int = 420,
) -> go.Figure:
    """The output unit over the plane, output (s, s), with the training points (white
    edge) and, if given, the test points (black edge). Classification shows
    P(class 1) as 2P - 1; regression the value itself, clipped to [-1, 1]."""
    z = 2 * output - 1 if task == "classify" else np.clip(output, -1, 1)
    s = output.shape[0]
    step = (DOMAIN[1] - DOMAIN[0]) / (s - 1)
    heat = go.Heatmap(
        z=z.astype(np.float32),
        x0=DOMAIN[0],
        dx=step,
        y0=DOMAIN[0],
        dy=step,
        zmin=-1,
        zmax=1,
        zsmooth="best",
        colorscale=SCALE,
        colorbar={"len": 0.8, "thickness": 12, "tickvals": [-1, 0, 1]},
        hovertemplate="x₁ %{x:.1f}, x₂ %{y:.1f}: %{z:.2f}<extra></extra>",
    )
    traces = [heat, _points(*train, task, "training", "white")]
    if test is not None:
        traces.append(_points(*test, task, "test", "black"))
    fig = go.Figure(traces)
    axis = {"range": list(DOMAIN), "showgrid": False, "zeroline": False, "tickfont": FONT}
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis={**axis, "constrain": "domain"},
        yaxis={**axis, "scaleanchor": "x"},
        showlegend=False,
        uirevision="boundary",
    )
    return fig


def unit_positions(sizes: Sequence[int]) -> list[list[tuple[float, float]]]:
    """Centre (x, y) of every unit, column by column: column c at x = c, units spaced
    ROW apart and centred on y = 0 (y grows downwards in the figure)."""
    return [[(c, (j - (n - 1) / 2) * ROW) for j in range(n)] for c, n in enumerate(sizes)]


def _connections(W: Sequence[np.ndarray], pos) -> list[go.Scatter]:
    """One line per weight, from the right of its source tile to the left of its target;
    width grows with |w|, blue for positive, orange for negative. Lines of one width and
    sign share a trace (segments separated by None)."""
    edges = np.array([0.25, 0.5, 1.0, 2.0])
    widths = np.array([0.6, 1.3, 2.2, 3.4, 5.0])
    groups: dict[tuple[int, bool], tuple[list, list]] = {}
    for l, w in enumerate(W):
        level = np.searchsorted(edges, np.abs(w))
        for (i, j), value in np.ndenumerate(w):
            xs, ys = groups.setdefault((int(level[i, j]), bool(value > 0)), ([], []))
            (x0, y0), (x1, y1) = pos[l][i], pos[l + 1][j]
            xs += [x0 + TILE / 2, x1 - TILE / 2, None]
            ys += [y0, y1, None]
    return [
        go.Scatter(
            x=xs,
            y=ys,
            mode="lines",
            line={"width": float(widths[level]), "color": BLUE if positive else ORANGE},
            opacity=0.65,
            hoverinfo="skip",
        )
        for (level, positive), (xs, ys) in sorted(groups.items())
    ]


def _unit_markers(pos, names: list[list[str]]) -> go.Scatter:
    """Invisible markers over the tiles: hovering names a unit, clicking selects it
    (customdata = [column, unit])."""
    flat = [(c, j, x, y) for c, col in enumerate(pos) for j, (x, y) in enumerate(col)]
    return go.Scatter(
        x=[f[2] for f in flat],
        y=[f[3] for f in flat],
        customdata=[[f[0], f[1]] for f in flat],
        text=[names[c][j] for c, j, _, _ in flat],
        mode="markers",
        marker={"size": 36, "symbol": "square", "opacity": 0.01, "color": PALE},
        hovertemplate="%{text}<br>click to see it large<extra></extra>",
    )


def network_figure(
    grids: Sequence[np.ndarray],
    W: Sequence[np.ndarray],
    activation: str,
    names: list[list[str]],
    output: str = "sigmoid",
    selected: tuple[int, int] | None = None,
) -> go.Figure:
    """Every unit's output over the input plane as a small heatmap, laid out by layer,
    with the weights as lines. grids: [inputs (k, s, s), hidden layers..., output (1, s, s)];
    W[l] (units in column l, units in column l + 1); names[c][j] labels unit j of column c;
    `output` is the output unit's activation (sigmoid, or linear for regression);
    `selected` (column, unit) gets a frame."""
    pos = unit_positions([g.shape[0] for g in grids])
    traces = _connections(W, pos)
    kinds = ["linear", *[activation] * (len(grids) - 2), output]
    for c, grid in enumerate(grids):
        for j, (x, y) in enumerate(pos[c]):
            traces.append(_tile(shade(grid[j], kinds[c]), x, y, TILE))
    traces.append(_unit_markers(pos, names))
    rows = max(len(p) for p in pos)
    fig = go.Figure(traces)
    half = (rows - 1) / 2 * ROW + TILE / 2 + 0.08
    fig.update_layout(
        height=int(70 * rows + 70),
        margin={"l": 4, "r": 4, "t": 36, "b": 4},
        xaxis={"range": [-0.5, len(grids) - 0.5], "visible": False, "fixedrange": True},
        yaxis={"range": [half, -half], "visible": False, "fixedrange": True},
        showlegend=False,
        plot_bgcolor="white",
        annotations=_headers(grids, half),
        shapes=_frame(pos, selected),
        uirevision="network",
    )
    return fig


def _headers(grids: Sequence[np.ndarray], top: float) -> list[dict]:
    last = len(grids) - 1
    text = ["inputs", *(f"layer {c}" for c in range(1, last)), "output"]
    return [
        {
            "x": c,
            "y": -top,
            "yanchor": "bottom",
            "text": t,
            "showarrow": False,
            "font": FONT,
        }
        for c, t in enumerate(text)
    ]


def _frame(pos, selected: tuple[int, int] | None) -> list[dict]:
    if selected is None or selected[0] >= len(pos) or selected[1] >= len(pos[selected[0]]):
        return []
    x, y = pos[selected[0]][selected[1]]
    h = TILE / 2 + 0.05
    line = {"color": "#222222", "width": 3}
    return [{"type": "rect", "x0": x - h, "x1": x + h, "y0": y - h, "y1": y + h, "line": line}]


def _thin(values: Sequence, n: int = 400) -> list:
    """At most about n evenly spaced values, always the last (long runs stay light)."""
    if len(values) <= n:
        return list(values)
    idx = np.unique(np.linspace(0, len(values) - 1, n).round().astype(int))
    return [values[i] for i in idx]


def loss_figure(runs: Sequence[tuple[str, Curves]], height: int = 260) -> go.Figure:
    """Training (solid) and test (dashed) loss per epoch, log scale, one colour per run;
    the first run is the live one, the others snapshots."""
    traces = []
    for k, (name, curves) in enumerate(runs):
        colour = "#222222" if k == 0 else theme.RUN_COLOURS[(k - 1) % len(theme.RUN_COLOURS)]
        x = _thin(curves.epoch)
        for label, values, dash in (
            ("train", curves.train_loss, "solid"),
            ("test", curves.test_loss, "dash"),
        ):
            traces.append(
                go.Scatter(
                    x=x,
                    y=_thin(values),
                    mode="lines",
                    name=f"{name}: {label}",
                    line={"color": colour, "dash": dash, "width": 2.5 if k == 0 else 1.8},
                    hovertemplate="epoch %{x}: %{y:.4f}<extra>" + f"{name}: {label}</extra>",
                )
            )
    fig = go.Figure(traces)
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis={"title": {"text": "epoch", "font": FONT}, "tickfont": FONT},
        yaxis={"title": {"text": "loss", "font": FONT}, "type": "log", "tickfont": FONT},
        legend={"orientation": "h", "y": -0.3, "font": FONT},
        uirevision="loss",
    )
    return fig


def gradient_figure(rms: np.ndarray, height: int = 260) -> go.Figure:
    """Each weight layer's root-mean-square gradient in the last epoch, log scale: the
    layers near the inputs fall behind when gradients vanish. rms (L,)."""
    L = len(rms)
    names = [f"{'in' if l == 0 else l}→{'out' if l == L - 1 else l + 1}" for l in range(L)]
    values = [float(v) if v > 0 else None for v in rms]
    fig = go.Figure(
        go.Bar(
            x=names,
            y=values,
            marker_color=BLUE,
            text=[f"{v:.1e}" if v else "" for v in values],
            textposition="outside",
            hovertemplate="weights %{x}: %{y:.2e}<extra></extra>",
        )
    )
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis={"title": {"text": "weights between layers", "font": FONT}, "tickfont": FONT},
        yaxis={"title": {"text": "RMS gradient", "font": FONT}, "type": "log", "tickfont": FONT},
        uirevision="grad",
    )
    return fig


def neuron_figure(
    grid: np.ndarray, kind: str, weights: np.ndarray, bias: float, sources: list[str]
) -> go.Figure:
    """One unit large: its output over the plane, grid (s, s) shaded as `kind`, and its
    incoming weights (one bar per source unit, blue positive, orange negative) and bias."""
    s = grid.shape[0]
    step = (DOMAIN[1] - DOMAIN[0]) / (s - 1)
    heat = go.Heatmap(
        z=shade(grid, kind),
        x0=DOMAIN[0],
        dx=step,
        y0=DOMAIN[0],
        dy=step,
        zmin=-1,
        zmax=1,
        zsmooth="best",
        colorscale=SCALE,
        showscale=False,
        customdata=grid.astype(np.float32),
        hovertemplate="x₁ %{x:.1f}, x₂ %{y:.1f}: output %{customdata:.3f}<extra></extra>",
    )
    values = [*map(float, weights), float(bias)]
    labels = [*sources, "bias"]
    bars = go.Bar(
        x=values,
        y=labels,
        orientation="h",
        xaxis="x2",
        yaxis="y2",
        marker_color=[BLUE if v > 0 else ORANGE for v in values],
        text=[f"{v:+.2f}" for v in values],
        textposition="auto",
        hovertemplate="%{y}: %{x:.3f}<extra></extra>",
    )
    fig = go.Figure([heat, bars])
    axis = {"range": list(DOMAIN), "showgrid": False, "zeroline": False, "tickfont": FONT}
    fig.update_layout(
        height=340,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis={**axis, "domain": [0, 0.5]},
        yaxis={**axis, "scaleanchor": "x"},
        xaxis2={
            "domain": [0.62, 1],
            "title": {"text": "incoming weight", "font": FONT},
            "zeroline": True,
            "tickfont": FONT,
        },
        yaxis2={"anchor": "x2", "autorange": "reversed", "tickfont": FONT},
        showlegend=False,
        uirevision="neuron",
    )
    return fig
