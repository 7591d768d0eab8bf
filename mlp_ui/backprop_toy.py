"""The 2-3-1 backprop toy (the same chapter): the network drawn with its weights, the loss
curve, the forward pass and every gradient as tables, and the epoch position (per
session, behind the bp_* accessors, keys toy_*).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from mlp_core import toys
from mlp_core.toys import BackpropRun
from mlp_ui.figures import positive_list
from mlp_ui.theme import colour

POSITIVE, NEGATIVE = "#2166ac", "#b2182b"  # edge colours: weight > 0, weight < 0

INPUT_Y = (0.72, 0.28)

HIDDEN_Y = (0.88, 0.5, 0.12)


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


def network_figure(params: dict[str, np.ndarray], forward: dict | None = None) -> go.Figure:
    """The 2-3-1 network with its weights on the edges (width |w|, blue > 0, red < 0).

    ``params``: W_hidden (2, 3), b_hidden (3,), W_out (3, 1), b_out (1,). ``forward``
    (optional, from ``toy_forward``) adds the input values, the hidden activations and
    the output to the nodes.
    """
    Wh, Wo = np.asarray(params["W_hidden"], float), np.asarray(params["W_out"], float)
    wmax = max(np.abs(Wh).max(), np.abs(Wo).max(), 1e-9)
    fig = go.Figure()
    labels = []
    for i in range(2):
        for j in range(3):
            name = f"w{i + 1}{j + 1}"
            fig.add_trace(_edge(0, INPUT_Y[i], 1, HIDDEN_Y[j], Wh[i, j], wmax, name))
            labels.append((0.28, INPUT_Y[i] + 0.28 * (HIDDEN_Y[j] - INPUT_Y[i]), name, Wh[i, j]))
    for j in range(3):
        name = f"v{j + 1}"
        fig.add_trace(_edge(1, HIDDEN_Y[j], 2, 0.5, Wo[j, 0], wmax, name))
        labels.append((1.5, (HIDDEN_Y[j] + 0.5) / 2, name, Wo[j, 0]))
    for x, y, name, w in labels:
        fig.add_annotation(
            x=x,
            y=y,
            text=f"{name} {w:+.3f}",
            showarrow=False,
            font=dict(size=12, color="#222"),
            bgcolor="white",
            bordercolor="#ccc",
        )
    fig.add_trace(_nodes(params, forward))
    fig.update_layout(
        height=380,
        showlegend=False,
        margin=dict(t=10, b=10, l=10, r=10),
        xaxis=dict(visible=False, range=[-0.45, 2.45]),
        yaxis=dict(visible=False, range=[-0.05, 1.05]),
    )
    return fig


def _nodes(params: dict[str, np.ndarray], forward: dict | None) -> go.Scatter:
    """Input, hidden and output nodes with their values underneath."""
    bh, bo = np.asarray(params["b_hidden"], float), float(np.asarray(params["b_out"])[0])
    xs = [0, 0, 1, 1, 1, 2]
    ys = [*INPUT_Y, *HIDDEN_Y, 0.5]
    names = ["x\u2081", "x\u2082", "h\u2081", "h\u2082", "h\u2083", "\u0177"]
    text = [f"{n}" for n in names]
    if forward is not None:
        x, a, out = forward["x"][0], forward["a_h"][0], float(forward["output"][0, 0])
        text = [f"x\u2081 = {x[0]}", f"x\u2082 = {x[1]}"]
        text += [f"h{j + 1}: a = {a[j]:.3f}<br>b = {bh[j]:+.3f}" for j in range(3)]
        text += [f"\u0177 = {out:+.4f}<br>b = {bo:+.3f}"]
    return go.Scatter(
        x=xs,
        y=ys,
        mode="markers+text",
        text=text,
        textposition="bottom center",
        marker=dict(
            size=34,
            color=["#ddd", "#ddd", "#fdd49e", "#fdd49e", "#fdd49e", "#c7e9c0"],
            line=dict(color="#333", width=1.5),
        ),
        hoverinfo="text",
        hovertext=names,
        textfont=dict(size=13, color="#222"),
        cliponaxis=False,
    )


def backprop_loss_figure(run: BackpropRun, epoch: int) -> go.Figure:
    """Loss over the toy's epochs (log axis): all epochs faint, those done so far solid.

    ``run.loss[i]`` is the loss before update i + 1; ``epoch`` updates have been made, so
    the current loss is the one before update ``epoch + 1`` (or the final loss).
    """
    losses = np.append(run.loss, run.final_loss)
    x = np.arange(len(losses))
    done = min(max(epoch, 0), len(losses) - 1)
    fig = go.Figure(
        [
            go.Scatter(
                x=x,
                y=positive_list(losses),
                mode="lines",
                name="all epochs",
                line=dict(color="#bbb", width=1.5),
            ),
            go.Scatter(
                x=x[: done + 1],
                y=positive_list(losses[: done + 1]),
                mode="lines",
                name="done",
                line=dict(color=colour(0), width=2.5),
            ),
            go.Scatter(
                x=[done],
                y=positive_list(losses[done : done + 1]),
                mode="markers",
                name=f"after {done} epochs",
                marker=dict(size=11, color=colour(0)),
            ),
        ]
    )
    fig.update_layout(
        height=300,
        margin=dict(t=30, b=40, l=60, r=10),
        showlegend=False,
        xaxis_title="epochs done",
        yaxis_title="loss (MSE, log)",
        yaxis=dict(type="log", dtick=1),
        title=f"Loss: {losses[done]:.6f} after {done} epochs",
    )
    return fig


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


def bp_epoch() -> int:
    """How many epochs of the backprop toy this session has run (0..100)."""
    return int(st.session_state.get(_BP_EPOCH, 0))


def set_bp_epoch(epoch: int) -> None:
    """Move the backprop toy to ``epoch`` (clipped to 0..100)."""
    st.session_state[_BP_EPOCH] = int(min(max(epoch, 0), BP_EPOCHS))


def bp_step() -> None:
    """Button callback: one more epoch."""
    set_bp_epoch(bp_epoch() + 1)


def bp_run_all() -> None:
    """Button callback: jump to the end of the 100 epochs."""
    set_bp_epoch(BP_EPOCHS)


def bp_reset() -> None:
    """Button callback: back to the book's initial weights."""
    set_bp_epoch(0)


def bp_mode() -> str:
    """Which gradient drives the updates: 'forward' (the book) or 'chain'."""
    return st.session_state.get(BP_MODE_KEY, "forward")


@st.cache_data(show_spinner=False)
def bp_run(gradient: str) -> toys.BackpropRun:
    """The book's 100 epochs of the 2-3-1 toy with the given gradient (cached)."""
    return toys.backprop_toy(BP_EPOCHS, BP_LR, gradient)


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


def final_table(run: toys.BackpropRun) -> pd.DataFrame:
    """Final weights after 100 epochs next to the ones the book prints."""
    rows = [
        {
            "parameter": label,
            "this app": float(run.params[key][idx]),
            "book": float(BOOK_FINAL[key][idx]),
            "difference": float(run.params[key][idx] - BOOK_FINAL[key][idx]),
        }
        for label, key, idx in _param_names(run.params)
    ]
    return pd.DataFrame(rows).set_index("parameter")
