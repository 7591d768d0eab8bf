"""The 2-3-1 backprop toy (the same chapter): the network drawn with its weights beside
the edges (labels placed by backprop_toy_labels), the loss so far, the forward pass and
every gradient as tables, the "Try this" experiments, and the epoch position and the
"Run all" animation state (per session, behind the bp_* accessors, keys toy_*).

The animation is a timed redraw (the page's fragment, every TICK seconds); the figures
of each epoch are cached and shared, so a class watching it costs one build per epoch.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from mlp_core import toys
from mlp_core.toys import BackpropRun
from mlp_ui import backprop_toy_labels as bl
from mlp_ui import classroom
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
_NODE_XY = ((0, INPUT_Y[0]), (0, INPUT_Y[1]), *((HIDDEN_X, y) for y in HIDDEN_Y), (OUTPUT_X, 0.5))
_NODE_NAMES = ("x\u2081", "x\u2082", "h\u2081", "h\u2082", "h\u2083", "\u0177")


def _sizes(big: bool) -> dict:
    """Font, node diameter and figure size (px) for the screen (the width fits the
    diagram's column at 1400 px with the sidebar open)."""
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


@functools.lru_cache(maxsize=2)
def label_spots(big: bool) -> dict[str, tuple[float, float, float]]:
    """Where each weight label and node caption goes, by name: (x, y, clash), clash 0
    when it is clear of every edge, node and other label. The crossing input weights
    are placed first (they have the least room), the output weights last."""
    z = _sizes(big)
    canvas = bl.Canvas(z["width"] - 10, z["height"] - 10, _X_RANGE, _Y_RANGE)
    size = functools.partial(bl.text_size, font=z["font"])
    segs = _segments()
    labels = [bl.edge_label(*seg, size(["+0.000"])) for seg in segs[:6]]
    labels += _caption_labels(size, z["node"] / 2 + 2)
    labels += [bl.edge_label(*seg, size(["+0.000"])) for seg in segs[6:]]
    nodes = [(xy, z["node"] / 2 + 2) for xy in _NODE_XY]
    spots = bl.place(canvas, labels, segs, nodes, line=5.5)
    return dict(zip(WEIGHTS[:6] + CAPTIONED + WEIGHTS[6:], spots, strict=True))


def _caption_labels(size, radius: float) -> list[bl.Label]:
    """The node captions' sizes and candidate spots: inputs above and below, hidden
    units all around (and a little to the right), the output to the right."""
    x1, x2, *hidden, out = _NODE_XY
    around = ("down", "up", "up-right", "down-right", "up-left", "down-left")
    return [
        bl.Label(size(["x\u2081 = 1"]), ((x1, "up"), (x1, "left")), radius),
        bl.Label(size(["x\u2082 = 1"]), ((x2, "down"), (x2, "left")), radius),
        *(
            bl.Label(
                size(["a = 0.000", "b = +0.000"]),
                tuple(((x + dx, y), d) for dx in (0, 0.1, 0.2) for d in around),
                radius,
            )
            for x, y in hidden
        ),
        bl.Label(
            size(["\u0177 = +0.0000", "c = +0.000"]),
            tuple((out, d) for d in ("right", "down", "up")),
            radius,
        ),
    ]


def network_figure(
    params: dict[str, np.ndarray], forward: dict | None = None, big: bool = False
) -> go.Figure:
    """The 2-3-1 network with its weights beside the edges (width |w|, blue > 0, red < 0).

    ``params``: W_hidden (2, 3), b_hidden (3,), W_out (3, 1), b_out (1,). ``forward``
    (optional, from ``toy_forward``) adds the input values, the hidden activations and
    biases and the output beside the nodes. ``big``: projector sizes. Labels sit where
    ``backprop_toy_labels`` found room, so none covers an edge or a node.
    """
    Wh, Wo = np.asarray(params["W_hidden"], float), np.asarray(params["W_out"], float)
    wmax = max(np.abs(Wh).max(), np.abs(Wo).max(), 1e-9)
    values = dict(zip(WEIGHTS, [*Wh.ravel(), *Wo.ravel()], strict=True))
    fig = go.Figure()
    for (a, b), name in zip(_segments(), WEIGHTS, strict=True):
        fig.add_trace(_edge(*a, *b, values[name], wmax, name))
    fig.add_trace(_nodes(big))
    z = _sizes(big)
    texts = {n: signed(w, 3) for n, w in values.items()}  # names: hover, caption
    texts |= dict(zip(CAPTIONED, _captions(params, forward), strict=True))
    for name, (x, y, _) in label_spots(big).items():
        font = dict(size=z["font"], color="#111111")
        fig.add_annotation(x=x, y=y, text=texts[name], showarrow=False, font=font)
    fig.update_layout(
        width=z["width"],
        height=z["height"],
        showlegend=False,
        margin=dict(t=5, b=5, l=5, r=5),
        xaxis=dict(visible=False, range=_X_RANGE, fixedrange=True),
        yaxis=dict(visible=False, range=_Y_RANGE, fixedrange=True),
    )
    return fig


def signed(v: float, digits: int) -> str:
    """+0.153 or \u22120.582: always a sign, and a true minus (wider, clearer than '-')."""
    return f"{v:+.{digits}f}".replace("-", "\u2212")


def _captions(params: dict[str, np.ndarray], forward: dict | None) -> list[str]:
    """What each node shows beside it: inputs, activations and biases, the output."""
    bh, bo = np.asarray(params["b_hidden"], float), float(np.asarray(params["b_out"])[0])
    if forward is None:
        return ["x\u2081", "x\u2082", *(f"b = {signed(b, 3)}" for b in bh), f"c = {signed(bo, 3)}"]
    x, a, out = forward["x"][0], forward["a_h"][0], float(forward["output"][0, 0])
    text = [f"x\u2081 = {x[0]:g}", f"x\u2082 = {x[1]:g}"]
    text += [f"a = {a[j]:.3f}<br>b = {signed(bh[j], 3)}" for j in range(3)]
    return text + [f"\u0177 = {signed(out, 4)}<br>c = {signed(bo, 3)}"]


def _nodes(big: bool) -> go.Scatter:
    """The six nodes, each with its name inside."""
    z = _sizes(big)
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


@st.cache_resource(show_spinner=False, max_entries=2000)
def live_figures(gradient: str, lr: float, epoch: int, big: bool) -> tuple[go.Figure, go.Figure]:
    """The network and loss figures at ``epoch``, styled for the screen and cached: the
    animation redraws them several times a second, for every session that runs it."""
    run = bp_run(gradient, lr)
    params = bp_params(run, epoch)
    net = network_figure(params, toys.toy_forward(params), big)
    return classroom.style(net, big), classroom.style(backprop_loss_figure(run, epoch, big), big)


BP_EPOCHS = 100

BP_LR = 0.01

BP_MODES = {"forward": "forward differences (the book)", "chain": "chain rule (backprop)"}

_BP_EPOCH = "toy_bp_epoch"

BP_MODE_KEY = "toy_bp_mode"

BOOK_FINAL = {
    "W_hidden": np.array(
        [[0.01424004, -0.5907864, -0.27549535], [0.39883757, -0.52918637, 0.18640439]]
    ),
    "b_hidden": np.array([0.00554004, 0.5519136, -0.06599568]),
    "W_out": np.array([[0.3475135], [-0.05529078], [0.03760847]]),
    "b_out": np.array([-0.22443289]),
}
"""The final weights the book prints after 100 epochs (forward differences, lr 0.01)."""

BOOK_PREDICTION = -0.017

_num = st.column_config.NumberColumn

FORWARD_FORMAT = {name: _num(format="%.6f") for name in ("z", "a = sigmoid(z)", "weight to ŷ")}

GRADIENT_FORMAT = {
    "value": _num(format="%.6f"),
    "forward difference": _num(format="%.6f"),
    "chain rule": _num(format="%.6f"),
    "difference": _num(format="%.2e"),
}

FINAL_FORMAT = {
    "this app": _num(format="%.8f"),
    "book": _num(format="%.8f"),
    "difference": _num(format="%.1e"),
}

BOOK_INITIAL_LOSS = 0.33


BP_LR_KEY = "toy_bp_lr"
BP_LRS = {0.01: "0.01 (the book)", 0.1: "0.1", 1.0: "1"}
"""The update's learning rate: the book's, and two bigger ones to compare."""
_RUNNING = "toy_bp_running"
TICK = 0.2
"""Seconds between the animation's redraws (it moves EPOCHS_PER_TICK epochs each)."""
EPOCHS_PER_TICK = 2


def bp_epoch() -> int:
    """How many epochs of the backprop toy this session has run (0..100)."""
    return int(st.session_state.get(_BP_EPOCH, 0))


def set_bp_epoch(epoch: int) -> None:
    """Move the backprop toy to ``epoch`` (clipped to 0..100)."""
    st.session_state[_BP_EPOCH] = int(min(max(epoch, 0), BP_EPOCHS))


def bp_step() -> None:
    """Button callback: one more epoch."""
    set_bp_epoch(bp_epoch() + 1)


def bp_running() -> bool:
    """Whether "Run all" is animating (the page redraws every TICK seconds)."""
    return bool(st.session_state.get(_RUNNING, False))


def bp_run_all() -> None:
    """Button callback: animate the epochs up to 100 (from 0 if all were done)."""
    if bp_epoch() >= BP_EPOCHS:
        set_bp_epoch(0)
    st.session_state[_RUNNING] = True


def bp_stop() -> None:
    """Button callback: stop the animation where it is."""
    st.session_state[_RUNNING] = False


def bp_tick() -> bool:
    """One animation step: EPOCHS_PER_TICK more epochs. Returns True when it just ended."""
    if not bp_running():
        return False
    set_bp_epoch(bp_epoch() + EPOCHS_PER_TICK)
    if bp_epoch() >= BP_EPOCHS:
        bp_stop()
        return True
    return False


def bp_reset() -> None:
    """Button callback: back to the book's initial weights, animation stopped."""
    bp_stop()
    set_bp_epoch(0)


def bp_mode() -> str:
    """Which gradient drives the updates: 'forward' (the book) or 'chain'."""
    return st.session_state.get(BP_MODE_KEY, "forward")


def bp_lr() -> float:
    """The learning rate of the updates (the book's 0.01 unless chosen)."""
    return float(st.session_state.get(BP_LR_KEY, BP_LR))


@st.cache_data(show_spinner=False)
def bp_run(gradient: str, lr: float = BP_LR) -> toys.BackpropRun:
    """100 epochs of the 2-3-1 toy with the given gradient and learning rate (cached)."""
    return toys.backprop_toy(BP_EPOCHS, lr, gradient)


def _restart(lr: float, start: bool) -> Callable[[], None]:
    def action() -> None:
        bp_reset()
        st.session_state[BP_LR_KEY] = lr
        st.session_state[BP_MODE_KEY] = "forward"
        if start:
            bp_run_all()
        else:
            bp_step()

    return action


EXPERIMENTS = [
    classroom.Experiment(
        "One step by hand",
        "Every weight moves a little and the loss drops from 0.3346 to 0.3121. Open "
        '"The slopes, both ways" below: each weight\'s slope, measured by nudging it and '
        "by the chain rule.",
        "Each weight moves by 0.01 \u00d7 its slope. The book measures the 13 slopes with "
        "13 nudged forward passes; backpropagation gets all 13 from one backward pass, "
        "and the two agree to about 0.0001.",
        action=_restart(BP_LR, start=False),
    ),
    classroom.Experiment(
        f"Run all {BP_EPOCHS}",
        "The loss falls every epoch, fast at first, then slower; the output \u0177 climbs "
        "from \u22120.578 to \u22120.017, close to the target 0.",
        "The slope of the loss is 2(\u0177 \u2212 0) times the rest of the chain: as \u0177 "
        "nears 0 the slopes shrink, and so do the steps.",
        action=_restart(BP_LR, start=True),
    ),
    classroom.Experiment(
        "Bigger rate",
        "With lr = 0.1 the loss is below 0.0001 by epoch 10, and \u0177 ends within 0.0001 of 0.",
        "Steps ten times bigger, and this loss is gentle enough that they still land "
        "downhill. Pick lr = 1 and run again: the steps overshoot, \u0177 jumps to +1.39 "
        "and the loss grows instead.",
        action=_restart(0.1, start=True),
    ),
]


def bp_params(run: toys.BackpropRun, epoch: int) -> dict[str, np.ndarray]:
    """The float32 parameters after ``epoch`` updates."""
    return {name: h[epoch] for name, h in run.history.items()}


def _param_names(params: dict[str, np.ndarray]) -> list[tuple[str, str, tuple]]:
    """(label, key, index) for each of the 13 parameters, in the book's order."""
    names = []
    for key, P in params.items():
        for idx in np.ndindex(P.shape):
            names.append((_label(key, idx), key, idx))
    return names


def _label(key: str, idx: tuple) -> str:
    """w11..w23 for input->hidden, b1..b3, v1..v3 for hidden->output, c for the output bias."""
    if key == "W_hidden":
        return f"w{idx[0] + 1}{idx[1] + 1}"
    if key == "b_hidden":
        return f"b{idx[0] + 1}"
    return f"v{idx[0] + 1}" if key == "W_out" else "c"


def forward_table(params: dict[str, np.ndarray]) -> pd.DataFrame:
    """The forward pass value by value: each hidden unit's sum and activation."""
    f = toys.toy_forward(params)
    W, b = params["W_hidden"], params["b_hidden"]
    rows = []
    for j in range(3):
        sum_text = f"1·({W[0, j]:+.4f}) + 1·({W[1, j]:+.4f}) + ({b[j]:+.4f})"
        rows.append(
            {
                "unit": f"h{j + 1}",
                "z = x·w + b": sum_text,
                "z": float(f["z_h"][0, j]),
                "a = sigmoid(z)": float(f["a_h"][0, j]),
                "weight to ŷ": float(params["W_out"][j, 0]),
            }
        )
    return pd.DataFrame(rows).set_index("unit")


def gradient_table(params: dict[str, np.ndarray]) -> pd.DataFrame:
    """All 13 gradients: forward difference vs chain rule, and their difference."""
    fd, chain = toys.toy_gradients(params)
    rows = [
        {
            "parameter": label,
            "value": float(params[key][idx]),
            "forward difference": float(fd[key][idx]),
            "chain rule": float(chain[key][idx]),
            "difference": float(fd[key][idx] - chain[key][idx]),
        }
        for label, key, idx in _param_names(params)
    ]
    return pd.DataFrame(rows).set_index("parameter")


def chain_rule_latex(params: dict[str, np.ndarray]) -> str:
    """dC/dw11 as the product of its four factors, with the numbers filled in."""
    f = toys.chain_rule_w11(params)
    return (
        r"\frac{\partial C}{\partial w_{11}}"
        r" = \underbrace{2(\hat y - y)}_{\partial C/\partial \hat y}"
        r" \cdot \underbrace{v_1}_{\partial \hat y/\partial a_1}"
        r" \cdot \underbrace{a_1(1-a_1)}_{\partial a_1/\partial z_1}"
        r" \cdot \underbrace{x_1}_{\partial z_1/\partial w_{11}}"
        rf" = ({f['dC_dyhat']:.5f}) \cdot ({f['dyhat_da_h1']:.5f}) \cdot"
        rf" ({f['da_h1_dz_h1']:.5f}) \cdot ({f['dz_h1_dw11']:.0f}) = {f['product']:.6f}"
    )


def final_table(run: toys.BackpropRun, book: bool = True) -> pd.DataFrame:
    """Final weights after 100 epochs next to the ones the book prints (with ``book``;
    the book's are for its own learning rate, 0.01)."""
    rows = [
        {
            "parameter": label,
            "this app": float(run.params[key][idx]),
            "book": float(BOOK_FINAL[key][idx]),
            "difference": float(run.params[key][idx] - BOOK_FINAL[key][idx]),
        }
        for label, key, idx in _param_names(run.params)
    ]
    table = pd.DataFrame(rows).set_index("parameter")
    return table if book else table[["this app"]]


@st.cache_resource(show_spinner=False, max_entries=1000)
def bp_forward(gradient: str, lr: float, epoch: int) -> dict:
    """The forward pass at ``epoch`` (cached with the figures the animation redraws)."""
    return toys.toy_forward(bp_params(bp_run(gradient, lr), epoch))


NETWORK_CAPTION = (
    "The number beside each edge is its weight; its width shows the size, blue positive, "
    "red negative. Hover an edge for its name: w\u2081\u2082 connects input 1 to hidden "
    "unit 2, v\u2081..v\u2083 lead to the output. a is a hidden unit's activation, b its "
    "bias, c the output's bias."
)

WHAT_IT_COMPUTES = """
The book's smallest network: two inputs, three sigmoid hidden units and one linear
output, taught a single example: input (1, 1), target 0. Each hidden unit adds up its
inputs times its weights plus its bias (z) and squashes the sum with the sigmoid (a);
the output adds up the hidden activations times v plus c. The loss is (\u0177 \u2212 0)\u00b2.
"""

BOTH_WAYS = """
Every epoch needs the slope of the loss for all 13 parameters. *Forward difference* (the
book): nudge one parameter by 0.0001, run the network again, divide the change in loss by
0.0001: one extra forward pass per parameter. *Chain rule* (backpropagation): the exact
derivative of all 13 at once, from one pass backwards through the network. They differ by
about 0.0001 at most: the nudge is not infinitely small, and it is rounded to float32.
"""


def show_explanations(params: dict[str, np.ndarray]) -> None:
    """The forward pass, the slopes both ways and the chain rule, each in a "Why?"."""
    with classroom.why("Why? What the network computes, value by value"):
        st.markdown(WHAT_IT_COMPUTES)
        st.dataframe(forward_table(params), column_config=FORWARD_FORMAT)
    with classroom.why("The slopes, both ways"):
        st.markdown(BOTH_WAYS)
        st.dataframe(gradient_table(params), column_config=GRADIENT_FORMAT, height="content")
        st.markdown(
            "**The chain rule for one weight**, w\u2081\u2081 (input 1 \u2192 hidden unit 1): "
            "the loss depends on it only through z\u2081, then a\u2081, then \u0177."
        )
        st.latex(chain_rule_latex(params))


def show_final(run: toys.BackpropRun, lr: float) -> None:
    """Where the 100 epochs ended: losses, the prediction and the weights (the book's too)."""
    st.header(f"After all {BP_EPOCHS} epochs")
    m1, m2, m3 = st.columns(3)
    m1.metric("Initial loss", f"{run.loss[0]:.4f}", help=f"The book: about {BOOK_INITIAL_LOSS}")
    m2.metric("Final loss", f"{run.final_loss:.6f}")
    m3.metric(
        "Final prediction for (1, 1)",
        f"{run.prediction:.4f}",
        help=f"The book prints {BOOK_PREDICTION} (lr 0.01); the target is 0.",
    )
    book = lr == BP_LR
    label = "The final weights, next to the book's" if book else "The final weights"
    with classroom.why(label):
        if book:
            st.markdown(
                f"With {BP_MODES[run.gradient]}, next to the ones the book prints (forward "
                "differences). The two methods end within about 0.0001 of each other."
            )
        else:
            st.markdown(f"With lr = {lr:g}; the book prints its weights for lr = 0.01.")
        st.dataframe(final_table(run, book), column_config=FINAL_FORMAT, height="content")
