"""The 2-3-1 backprop toy's figures (pure: no Streamlit): the network drawn with its
weights beside the edges (labels placed by backprop_toy_labels) and the loss so far."""

from __future__ import annotations

import functools

import numpy as np
import plotly.graph_objects as go

from mlp_core.toys import BackpropRun
from mlp_ui import backprop_toy_labels as bl
from mlp_ui.figures import positive_list
from mlp_ui.theme import colour
from mlp_ui.toy_common import log_range, log_ticks

POSITIVE, NEGATIVE = "#2166ac", "#b2182b"  # edge colours: weight > 0, weight < 0

INPUT_Y = (0.72, 0.28)

HIDDEN_Y = (0.88, 0.5, 0.12)


SUB = str.maketrans("0123456789", "\u2080\u2081\u2082\u2083\u2084\u2085\u2086\u2087\u2088\u2089")


def _edge(x0, y0, x1, y1, w: float, wmax: float, name: str) -> go.Scatter:
    """One connection: width by |w|, colour by sign."""
    return go.Scatter(
        x=[x0, x1],
        y=[y0, y1],
        mode="lines",
        hoverinfo="text",
        text=[f"{name} = {w:+.4f}"] * 2,
        line=dict(width=1 + 9 * abs(w) / wmax, color=POSITIVE if w >= 0 else NEGATIVE),
    )


NET_COLUMN = 0.66
"""The diagram's share of the page's width, beside the loss chart."""
HIDDEN_X, OUTPUT_X = 1.3, 2.2
"""The layers' x (inputs at 0): the six crossing input weights get the most room."""
_X_RANGE, _Y_RANGE = (-0.25, 3.0), (-0.14, 1.08)
_NARROW_X_RANGE = (-0.25, 3.2)
"""On a phone: more room right of the output for its caption."""
_NODE_XY = ((0, INPUT_Y[0]), (0, INPUT_Y[1]), *((HIDDEN_X, y) for y in HIDDEN_Y), (OUTPUT_X, 0.5))
_NODE_NAMES = ("x\u2081", "x\u2082", "h\u2081", "h\u2082", "h\u2083", "\u0177")


def _sizes(big: bool, narrow: bool = False) -> dict:
    """Font, node diameter and figure size (px) for the screen (the width fits the
    diagram's column at 1400 px with the sidebar open; `narrow`: a phone's column, 358 px
    at 390, where the wide figure would be squeezed and its labels land on the nodes)."""
    if narrow:  # with one-line node captions and more room on the right (_x_range)
        return {"font": 12, "node": 32, "height": 560, "width": 350}
    if big:
        return {"font": 18, "node": 48, "height": 580, "width": 590}
    return {"font": 16, "node": 44, "height": 520, "width": 610}


def _segments() -> list[tuple]:
    """The nine edges in data coordinates: w11..w23 (input-major), then v1..v3."""
    ins = [((0, INPUT_Y[i]), (HIDDEN_X, HIDDEN_Y[j])) for i in range(2) for j in range(3)]
    return ins + [((HIDDEN_X, HIDDEN_Y[j]), (OUTPUT_X, 0.5)) for j in range(3)]


CAPTIONED = ("x1", "x2", "h1", "h2", "h3", "out")
WEIGHTS = ("w11", "w12", "w13", "w21", "w22", "w23", "v1", "v2", "v3")
"""The edges' names in the order of ``_segments``."""


@functools.lru_cache(maxsize=4)
def label_spots(big: bool, narrow: bool = False) -> dict[str, tuple[float, float, float]]:
    """Where each weight label and node caption goes, by name: (x, y, clash), clash 0
    when it is clear of every edge, node and other label. The crossing input weights
    are placed first (they have the least room), the output weights last."""
    z = _sizes(big, narrow)
    x_range = _NARROW_X_RANGE if narrow else _X_RANGE
    canvas = bl.Canvas(z["width"] - 10, z["height"] - 10, x_range, _Y_RANGE)
    size = functools.partial(bl.text_size, font=z["font"])
    segs = _segments()
    labels = [bl.edge_label(*seg, size(["+0.000"])) for seg in segs[:6]]
    labels += _caption_labels(size, z["node"] / 2 + 2, narrow)
    labels += [bl.edge_label(*seg, size(["+0.000"])) for seg in segs[6:]]
    nodes = [(xy, z["node"] / 2 + 2) for xy in _NODE_XY]
    spots = bl.place(canvas, labels, segs, nodes, line=5.5)
    return dict(zip(WEIGHTS[:6] + CAPTIONED + WEIGHTS[6:], spots, strict=True))


def _caption_labels(size, radius: float, narrow: bool = False) -> list[bl.Label]:
    """The node captions' sizes and candidate spots: inputs above and below, hidden
    units all around (and a little to the right), the output to the right. `narrow`:
    one line each (the activation, the output), as `_captions` writes them there."""
    x1, x2, *hidden, out = _NODE_XY
    hidden_lines = ["a = 0.000"] if narrow else ["a = 0.000", "b = +0.000"]
    out_lines = ["\u0177 = +0.0000"] if narrow else ["\u0177 = +0.0000", "c = +0.000"]
    around = ("down", "up", "up-right", "down-right", "up-left", "down-left")
    return [
        bl.Label(size(["x\u2081 = 1"]), ((x1, "up"), (x1, "left")), radius),
        bl.Label(size(["x\u2082 = 1"]), ((x2, "down"), (x2, "left")), radius),
        *(
            bl.Label(
                size(hidden_lines),
                tuple(((x + dx, y), d) for dx in (0, 0.1, 0.2) for d in around),
                radius,
            )
            for x, y in hidden
        ),
        bl.Label(
            size(out_lines),
            tuple((out, d) for d in ("right", "down", "up")),
            radius,
        ),
    ]


def network_figure(
    params: dict[str, np.ndarray],
    forward: dict | None = None,
    big: bool = False,
    narrow: bool = False,
) -> go.Figure:
    """The 2-3-1 network with its weights beside the edges (width |w|, blue > 0, red < 0).

    ``params``: W_hidden (2, 3), b_hidden (3,), W_out (3, 1), b_out (1,). ``forward``
    (optional, from ``toy_forward``) adds the input values, the hidden activations and
    biases and the output beside the nodes. ``big``: projector sizes; ``narrow``: a
    phone's (a figure 350 px wide, smaller text). Labels sit where
    ``backprop_toy_labels`` found room, so none covers an edge or a node.
    """
    Wh, Wo = np.asarray(params["W_hidden"], float), np.asarray(params["W_out"], float)
    wmax = max(np.abs(Wh).max(), np.abs(Wo).max(), 1e-9)
    values = dict(zip(WEIGHTS, [*Wh.ravel(), *Wo.ravel()], strict=True))
    fig = go.Figure()
    for (a, b), name in zip(_segments(), WEIGHTS, strict=True):
        fig.add_trace(_edge(*a, *b, values[name], wmax, name))
    fig.add_trace(_nodes(big, narrow))
    z = _sizes(big, narrow)
    texts = {n: signed(w, 3) for n, w in values.items()}  # names: hover, caption
    texts |= dict(zip(CAPTIONED, _captions(params, forward, narrow), strict=True))
    for name, (x, y, _) in label_spots(big, narrow).items():
        font = dict(size=z["font"], color="#111111")
        fig.add_annotation(x=x, y=y, text=texts[name], showarrow=False, font=font)
    fig.update_layout(
        width=z["width"],
        height=z["height"],
        showlegend=False,
        margin=dict(t=5, b=5, l=5, r=5),
        xaxis=dict(visible=False, range=_NARROW_X_RANGE if narrow else _X_RANGE, fixedrange=True),
        yaxis=dict(visible=False, range=_Y_RANGE, fixedrange=True),
    )
    return fig


def signed(v: float, digits: int) -> str:
    """+0.153 or \u22120.582: always a sign, and a true minus (wider, clearer than '-')."""
    return f"{v:+.{digits}f}".replace("-", "\u2212")


def _captions(params: dict[str, np.ndarray], forward: dict | None, narrow: bool) -> list[str]:
    """What each node shows beside it: inputs, activations and biases, the output (on a
    phone's `narrow` figure without the biases: they are in the chart's table)."""
    bh, bo = np.asarray(params["b_hidden"], float), float(np.asarray(params["b_out"])[0])
    if forward is None:
        return ["x\u2081", "x\u2082", *(f"b = {signed(b, 3)}" for b in bh), f"c = {signed(bo, 3)}"]
    x, a, out = forward["x"][0], forward["a_h"][0], float(forward["output"][0, 0])
    text = [f"x\u2081 = {x[0]:g}", f"x\u2082 = {x[1]:g}"]
    if narrow:
        return [*text, *(f"a = {a[j]:.3f}" for j in range(3)), f"\u0177 = {signed(out, 4)}"]
    text += [f"a = {a[j]:.3f}<br>b = {signed(bh[j], 3)}" for j in range(3)]
    return text + [f"\u0177 = {signed(out, 4)}<br>c = {signed(bo, 3)}"]


def _nodes(big: bool, narrow: bool) -> go.Scatter:
    """The six nodes, each with its name inside."""
    z = _sizes(big, narrow)
    return go.Scatter(
        x=[xy[0] for xy in _NODE_XY],
        y=[xy[1] for xy in _NODE_XY],
        mode="markers+text",
        text=list(_NODE_NAMES),
        textposition="middle center",
        marker=dict(
            size=z["node"],
            color=["#ddd", "#ddd", "#fdd49e", "#fdd49e", "#fdd49e", "#c7e9c0"],
            line=dict(color="#333", width=1.5),
        ),
        hoverinfo="text",
        hovertext=list(_NODE_NAMES),
        textfont=dict(size=z["font"], color="#111111"),
        cliponaxis=False,
    )


def backprop_loss_figure(run: BackpropRun, epoch: int, big: bool = False) -> go.Figure:
    """Loss over the epochs done so far (log axis), on axes fixed for the whole run.

    ``run.loss[i]`` is the loss before update i + 1; ``epoch`` updates have been made, so
    the current loss is the one before update ``epoch + 1`` (or the final loss). Only the
    epochs done are drawn: the rest of the run is not shown before it happens.
    """
    losses = np.append(run.loss, run.final_loss)
    x = np.arange(len(losses))
    done = min(max(epoch, 0), len(losses) - 1)
    y = log_range(losses)
    fig = go.Figure(
        [
            go.Scatter(
                x=x[: done + 1],
                y=positive_list(losses[: done + 1]),
                mode="lines",
                name="done",
                line=dict(color=colour(0), width=3),
            ),
            go.Scatter(
                x=[done],
                y=positive_list(losses[done : done + 1]),
                mode="markers",
                name=f"after {done} epochs",
                marker=dict(size=14 if big else 11, color=colour(0)),
                cliponaxis=False,
            ),
        ]
    )
    fig.update_layout(
        height=300 if big else 280,
        margin=dict(t=20, b=50, l=80, r=20),
        showlegend=False,
        xaxis=dict(title_text="epochs done", range=[-3, len(losses) + 2], fixedrange=True),
        yaxis=dict(title_text="loss (log)", type="log", range=y, fixedrange=True, **log_ticks(*y)),
    )
    return fig
