"""Figure builders for the Playground page: pure functions from arrays to figures.

Colours follow TensorFlow Playground: blue for positive values and class 1, orange for
negative values and class 0, white around zero. Every figure is drawn while training
plays, several times a second, so each is a few plain traces: one heatmap per unit
(float32, sent as binary), connection lines grouped by width and sign into a handful of
traces, and no `make_subplots`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from mlp_core.playground import DOMAIN, Curves
from mlp_ui import playground_raster as raster
from mlp_ui import theme

BLUE, ORANGE, PALE = "#0877BD", "#F59322", "#E8EAEB"
SCALE = [[0.0, ORANGE], [0.5, PALE], [1.0, BLUE]]
COLUMN_PX = 480  # the network column's usual width in pixels
LEVELS = 100  # colour values are sent as whole numbers from -LEVELS to LEVELS
FONT = {"size": theme.FONT_SIZE + 2}


def _figure(traces: list[dict], layout: dict) -> go.Figure:
    """Plain dicts into a figure, without plotly's property-by-property validation: it
    took most of a redraw (60 ms of 90 for six layers of eight). tests/ui/ validates
    every builder's figures in full instead."""
    return go.Figure(data=traces, layout=layout, _validate=False)


def levels(z: np.ndarray) -> np.ndarray:
    """Colour values in [-1, 1] as int8 in [-LEVELS, LEVELS]: a quarter of the bytes of
    float32 on every redraw, and steps of 1 % that no eye can tell apart."""
    return np.rint(np.clip(z, -1, 1) * LEVELS).astype(np.int8)


def shade(A: np.ndarray, activation: str) -> np.ndarray:
    """A unit's values (s, s) as colours in [-1, 1], float32.

    tanh stays as it is; sigmoid's [0, 1] becomes 2A - 1; unbounded units (ReLU,
    linear, input features) are divided by their largest magnitude when it exceeds 1.
    """
    if activation == "sigmoid":
        return (2 * A - 1).astype(np.float32)
    top = float(np.max(np.abs(A))) if A.size else 0.0
    return (A / top if top > 1 else A).astype(np.float32)


def boundary_picture(
    output: np.ndarray,
    train: tuple[np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray] | None,
    task: str,
) -> bytes:
    """PNG of the output over the plane, output (s, s), with the training points (white
    edge) and, if given, the test points (black edge). Classification shows P(class 1)
    as 2P - 1 (blue class 1, orange class 0); regression the value, clipped to [-1, 1]."""
    z = levels(2 * output - 1 if task == "classify" else output)
    colours = (
        raster.colours_of(train[1], task),
        None if test is None else raster.colours_of(test[1], task),
    )
    return raster.png(raster.boundary_image(z, train, test, colours, DOMAIN))


def _unit_markers(pos, names: list[list[str]]) -> dict:
    """Invisible markers over the tiles: hovering names a unit, clicking selects it
    (customdata = [column, unit])."""
    flat = [(c, j, x, y) for c, col in enumerate(pos) for j, (x, y) in enumerate(col)]
    return dict(
        type="scatter",
        x=[f[2] for f in flat],
        y=[f[3] for f in flat],
        customdata=[[f[0], f[1]] for f in flat],
        text=[names[c][j] for c, j, _, _ in flat],
        mode="markers",
        marker={"size": 34, "symbol": "square", "opacity": 0.01, "color": PALE},
        hovertemplate="%{text}<br>click to see it large<extra></extra>",
    )


@dataclass(frozen=True)
class NetworkPicture:
    """The network drawn as one PNG (mlp_ui.playground_raster); sizes: units per column."""

    png: bytes
    sizes: tuple[int, ...]


def network_picture(
    grids: Sequence[np.ndarray], W: Sequence[np.ndarray], activation: str, output: str
) -> NetworkPicture:
    """Every unit's output over the input plane as a small heatmap, laid out by layer,
    with the weights as lines. grids: [inputs (k, s, s), hidden layers..., output
    (1, s, s)] with s dividing raster.TILE; W[l] (units in column l, units in column
    l + 1); `output` is the output unit's activation (sigmoid, or linear for regression)."""
    kinds = ["linear", *[activation] * (len(grids) - 2), output]
    tiles = [
        levels(np.stack([shade(g, kind) for g in grid]))
        for grid, kind in zip(grids, kinds, strict=True)
    ]
    image = raster.network_image(tiles, W)
    return NetworkPicture(raster.png(image, 64), tuple(len(t) for t in tiles))


def network_figure(
    picture: NetworkPicture, names: list[list[str]], selected: tuple[int, int] | None = None
) -> go.Figure:
    """The network picture with a hover name and a click target over every unit;
    names[c][j] labels unit j of column c; `selected` (column, unit) gets a frame."""
    width, height = raster.canvas_size(picture.sizes)
    pos = raster.centres(picture.sizes)
    image = {
        "source": raster.data_uri(picture.png),
        "xref": "x",
        "yref": "y",
        "x": 0,
        "y": 0,
        "sizex": width,
        "sizey": height,
        "sizing": "stretch",
        "layer": "below",
    }
    return _figure(
        [_unit_markers(pos, names)],
        dict(
            # The picture keeps its shape (scaleanchor) inside the column's width: about
            # COLUMN_PX at 1400 pixels, so a wide network gets less height, not white space.
            height=round(height * min(1.0, COLUMN_PX / width)),
            margin={"l": 0, "r": 0, "t": 0, "b": 0},
            xaxis={"range": [0, width], "visible": False, "fixedrange": True},
            yaxis={"range": [height, 0], "visible": False, "fixedrange": True, "scaleanchor": "x"},
            showlegend=False,
            plot_bgcolor="white",
            images=[image],
            clickmode="event+select",  # a click selects the unit under it
            shapes=_frame(pos, selected),
            uirevision="network",
        ),
    )


def _frame(pos, selected: tuple[int, int] | None) -> list[dict]:
    if selected is None or selected[0] >= len(pos) or selected[1] >= len(pos[selected[0]]):
        return []
    x, y = pos[selected[0]][selected[1]]
    h = raster.TILE / 2 + 4
    line = {"color": "#222222", "width": 3}
    return [{"type": "rect", "x0": x - h, "x1": x + h, "y0": y - h, "y1": y + h, "line": line}]


def _note(text: str) -> dict:
    """A grey message in the middle of an empty chart."""
    return {
        "text": text,
        "showarrow": False,
        "xref": "paper",
        "yref": "paper",
        "x": 0.5,
        "y": 0.5,
        "font": {"color": theme.MUTED, **FONT},
    }


def _thin(values: Sequence, n: int = 400) -> list:
    """At most about n evenly spaced values, always the last (long runs stay light)."""
    if len(values) <= n:
        return list(values)
    idx = np.unique(np.linspace(0, len(values) - 1, n).round().astype(int))
    return [values[i] for i in idx]


def loss_figure(runs: Sequence[tuple[str, Curves]], height: int = 300) -> go.Figure:
    """Training (solid) and test (dashed) loss per epoch from 0 up, one colour per run;
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
                dict(
                    type="scatter",
                    x=x,
                    y=_thin(values),
                    mode="lines",
                    name=f"{name}: {label}",
                    line={"color": colour, "dash": dash, "width": 2.5 if k == 0 else 1.8},
                    hovertemplate="epoch %{x}: %{y:.4f}<extra>" + f"{name}: {label}</extra>",
                )
            )
    notes = (
        [] if any(len(c.epoch) > 1 for _, c in runs) else [_note("The curves grow as it trains.")]
    )
    return _figure(
        traces,
        dict(
            height=height,
            margin={"l": 10, "r": 10, "t": 10, "b": 10, "autoexpand": True},
            xaxis={"title": {"text": "epoch", "font": FONT}, "tickfont": FONT},
            yaxis={
                "title": {"text": "loss", "font": FONT},
                "rangemode": "tozero",
                "tickfont": FONT,
            },
            legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "font": FONT},
            annotations=notes,
            uirevision="loss",
        ),
    )


def gradient_figure(rms: np.ndarray, height: int = 260) -> go.Figure:
    """Each weight layer's root-mean-square gradient in the last epoch, log scale: the
    layers near the inputs fall behind when gradients vanish. rms (L,)."""
    L = len(rms)
    names = [f"{'in' if l == 0 else l}→{'out' if l == L - 1 else l + 1}" for l in range(L)]
    values = [float(v) if v > 0 else None for v in rms]
    bars = dict(
        type="bar",
        x=names,
        y=values,
        marker_color=BLUE,
        text=[f"{v:.1e}" if v else "" for v in values],
        textposition="outside",
        hovertemplate="weights %{x}: %{y:.2e}<extra></extra>",
    )
    empty = not any(values)
    layout_notes = [_note("No gradients yet:<br>press Step or Play.")] if empty else []
    return _figure(
        [bars],
        dict(
            height=height,
            margin={"l": 10, "r": 10, "t": 10, "b": 10},
            xaxis={"title": {"text": "weights between layers", "font": FONT}, "tickfont": FONT},
            yaxis={
                "title": {"text": "RMS gradient", "font": FONT},
                "type": "log",
                "tickfont": FONT,
                "showticklabels": not empty,
            },
            annotations=layout_notes,
            uirevision="grad",
        ),
    )


def neuron_figure(
    grid: np.ndarray,
    kind: str,
    weights: np.ndarray,
    bias: float,
    sources: list[str],
    source_layer: str = "the inputs",
) -> go.Figure:
    """One unit large: its output over the plane, grid (s, s) shaded as `kind`, and its
    incoming weights from `source_layer` (one bar per source unit named in `sources`,
    blue positive, orange negative) and its bias."""
    s = grid.shape[0]
    step = (DOMAIN[1] - DOMAIN[0]) / (s - 1)
    heat = dict(
        type="heatmap",
        z=levels(shade(grid, kind)),
        x0=DOMAIN[0],
        dx=step,
        y0=DOMAIN[0],
        dy=step,
        zmin=-LEVELS,
        zmax=LEVELS,
        zsmooth="fast",
        colorscale=SCALE,
        showscale=False,
        hoverinfo="skip",
    )
    values = [*map(float, weights), float(bias)]
    labels = [*sources, "bias"]
    bars = dict(
        type="bar",
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
    axis = {"range": list(DOMAIN), "showgrid": False, "zeroline": False, "tickfont": FONT}
    return _figure(
        [heat, bars],
        dict(
            height=340,
            margin={"l": 10, "r": 10, "t": 30, "b": 10},
            xaxis={**axis, "domain": [0, 0.5]},
            yaxis={**axis, "scaleanchor": "x"},
            xaxis2={
                "domain": [0.62, 1],
                "title": {"text": f"weights from {source_layer}", "font": FONT},
                "zeroline": True,
                "tickfont": FONT,
            },
            yaxis2={"anchor": "x2", "autorange": "reversed", "tickfont": FONT},
            showlegend=False,
            uirevision="neuron",
        ),
    )
