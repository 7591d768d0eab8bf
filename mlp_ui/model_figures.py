"""Pictures of one model: its first layer's weights as images, its layers as a diagram.
Pure functions from arrays and sizes to figures (no Streamlit, no training), as in
mlp_ui.figures, which draws its training curves.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from mlp_core.idx import N_PIXELS, ROWS
from mlp_ui import theme
from mlp_ui.screen_style import screen_spec


def weights_grid(
    W0: np.ndarray,
    n_max: int = 100,
    side: int = ROWS,
    height: int = theme.WEIGHTS_HEIGHT,
    screen: bool | None = None,
) -> go.Figure:
    """The first layer's weights as images: one side x side tile per hidden unit, in a
    figure `height` pixels tall (a phone's narrow page needs less: the grid is square).
    `screen`: styled for a normal screen (False) or a projector (True) as it is built,
    checked by plotly once (`classroom.chart(..., styled=True)`); None: not styled.

    W0 (side * side, h) -> a grid of min(h, n_max) tiles, row by row. Each tile is scaled
    by its own largest |weight|, so every unit uses the full colour range: red pixels
    excite the unit, blue ones inhibit it. Tiles are separated by white (zero) lines.
    """
    W0 = np.asarray(W0, dtype=np.float32)
    if W0.ndim != 2 or W0.shape[0] != side * side:
        raise ValueError(f"W0 must have {side * side} rows (one per pixel), got {W0.shape}")
    n = min(W0.shape[1], n_max)
    cols = math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    mosaic = np.zeros((rows * (side + 1) - 1, cols * (side + 1) - 1), np.float32)
    tiles = W0[:, :n] / np.maximum(np.abs(W0[:, :n]).max(axis=0), 1e-12)
    for j in range(n):
        r, c = divmod(j, cols)
        y0, x0 = r * (side + 1), c * (side + 1)
        mosaic[y0 : y0 + side, x0 : x0 + side] = tiles[:, j].reshape(side, side)
    return _weights_figure(mosaic, n, W0.shape[1], height, screen)


def weights_title(shown: int, total: int) -> str:
    """What the weights chart shows: all the hidden units, or how many of them."""
    which = f"all {total:,}" if shown == total else f"{shown:,} of {total:,}"
    return f"First-layer weights of {which} hidden units"


def _weights_figure(
    mosaic: np.ndarray, shown: int, total: int, height: int, screen: bool | None
) -> go.Figure:
    heatmap = {
        "type": "heatmap",
        "z": np.round(mosaic, 3),
        "zmin": -1,
        "zmax": 1,
        "zmid": 0,
        "colorscale": theme.WEIGHTS_SCALE,
        "colorbar": {
            "title": {"text": "weight"},
            "tickvals": [-1, 0, 1],
            "ticktext": ["most negative", "0", "most positive"],
            "len": 0.6,
        },
        "hovertemplate": "scaled weight %{z:.2f}<extra></extra>",
    }
    hidden = {"showticklabels": False, "showgrid": False, "zeroline": False, "ticks": ""}
    layout = {
        "title": {"text": weights_title(shown, total)},
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 50, "b": 10},
        "xaxis": {**hidden, "constrain": "domain"},
        "yaxis": {**hidden, "autorange": "reversed", "scaleanchor": "x"},
    }
    spec = {"data": [heatmap], "layout": layout}
    return go.Figure(spec if screen is None else screen_spec(spec, screen))


# -- the network as a diagram -------------------------------------------------------------
OUTPUT_UNITS = {"softmax_ce": "softmax", "sigmoid_bce": "sigmoid", "identity_mse": "linear"}
"""What the output units compute, by loss name."""
ACTIVATION_NAMES = {"relu": "ReLU", "tanh": "tanh", "sigmoid": "sigmoid"}
SHOWN_UNITS = 6
"""Units drawn per layer at most: three on the left, a gap, three on the right."""
UNIT_COLOURS = ("#8a8a8a", "#0072B2", "#D55E00")
"""Inputs, hidden units, outputs."""
ROW = 1.6
"""Vertical distance between two layers' rows of units (a unit is 1 wide)."""


def network_diagram(
    sizes: tuple[int, ...], activation: str, loss: str, big: bool = False
) -> go.Figure:
    """The network drawn layer by layer, inputs at the top and outputs at the bottom: a
    row of units per layer (at most SHOWN_UNITS drawn, "..." standing for the rest),
    every drawn unit joined to the next layer's, and above each row its unit count and
    what its units compute. Narrow and tall, to stand beside the training curves.

    `sizes` (n_in, hidden..., n_out), e.g. (784, 100, 10); `activation` of the hidden
    units; `loss` a key of OUTPUT_UNITS. `big`: sized for `classroom.style(fig, True)`.
    """
    rows = [_unit_positions(n) for n in sizes]
    traces = [_layer_units(i, xs, sizes, big) for i, xs in enumerate(rows)]
    notes = [_layer_note(i, sizes, activation, loss) for i in range(len(sizes))]
    layout = _diagram_layout(sizes, notes)
    layout["shapes"] = [  # shapes, not a trace: chart styles thicken traces' lines
        {
            "type": "line",
            "x0": x0,
            "y0": -i * ROW,
            "x1": x1,
            "y1": -(i + 1) * ROW,
            "line": {"color": "#c4c4c4", "width": 1},
            "layer": "below",
        }
        for i in range(len(sizes) - 1)
        for x0 in rows[i]
        for x1 in rows[i + 1]
    ]
    return go.Figure(traces, layout=layout)


def _unit_positions(n: int) -> list[float]:
    """Where a layer of n units draws them across, centred on 0, a gap in the middle
    when some are left out."""
    if n <= SHOWN_UNITS:
        return [k - (n - 1) / 2 for k in range(n)]
    half = SHOWN_UNITS // 2
    left = [-half - 0.5 + k for k in range(half)]
    return left + [-x for x in reversed(left)]


def _layer_units(i: int, xs: list[float], sizes: tuple[int, ...], big: bool) -> dict:
    kind = 0 if i == 0 else 2 if i == len(sizes) - 1 else 1
    return {
        "type": "scatter",
        "mode": "markers",
        "x": xs,
        "y": [-i * ROW] * len(xs),
        "marker": {
            "size": 12 if big else 13,  # projector styles scale markers 1.5-fold
            "color": UNIT_COLOURS[kind],
            "line": {"color": "white", "width": 1.5},
        },
        "hovertemplate": f"{sizes[i]:,} units<extra></extra>",
    }


def _layer_note(i: int, sizes: tuple[int, ...], activation: str, loss: str) -> str:
    """The label above layer i: its size and what its units do."""
    if i == 0:
        what = "pixels in" if sizes[0] == N_PIXELS else "inputs"
    elif i == len(sizes) - 1:
        what = f"{OUTPUT_UNITS.get(loss, loss)} out"
    else:
        what = ACTIVATION_NAMES.get(activation, activation)
    return f"<b>{sizes[i]:,}</b> {what}"


def _diagram_layout(sizes: tuple[int, ...], notes: list[str]) -> dict:
    parameters = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:], strict=True))
    hidden = {"visible": False, "fixedrange": True}
    labels = [
        {
            "x": 0,
            "y": -i * ROW + 0.42,
            "text": note,
            "showarrow": False,
            "yanchor": "bottom",
            "bgcolor": "rgba(255,255,255,0.9)",
        }
        for i, note in enumerate(notes)
    ]
    gaps = [
        {"x": 0, "y": -i * ROW, "text": "···", "showarrow": False, "font": {"color": theme.MUTED}}
        for i, n in enumerate(sizes)
        if n > SHOWN_UNITS
    ]
    total = {
        "x": 0,
        "y": -(len(sizes) - 1) * ROW - 0.4,
        "yanchor": "top",
        "showarrow": False,
        "text": f"{parameters:,} weights<br>and biases",
        "font": {"color": theme.MUTED},
    }
    half = SHOWN_UNITS / 2 + 1.1
    return {
        "height": theme.CHART_HEIGHT,
        "margin": {"l": 4, "r": 4, "t": 4, "b": 4},
        "showlegend": False,
        "xaxis": {**hidden, "range": [-half, half]},
        "yaxis": {**hidden, "range": [-(len(sizes) - 1) * ROW - 1.6, 1.1]},
        "annotations": [*labels, *gaps, total],
        "plot_bgcolor": "white",
    }
