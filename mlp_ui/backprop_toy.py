"""The 2-3-1 backprop toy (the same chapter): the cached runs and figures (built in
mlp_ui.backprop_figures), the forward pass and every gradient as tables, the "Try this"
experiments, the guess before a run, and the epoch position and the "Run all" animation
state (per session, behind the bp_* accessors, keys toy_*).

The animation is a timed redraw (the page's fragment, every TICK seconds); the figures
of each epoch are cached and shared, so a class watching it costs one build per epoch.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from mlp_core import toys
from mlp_ui import classroom
from mlp_ui.backprop_figures import backprop_loss_figure, network_figure


@st.cache_resource(show_spinner=False, max_entries=2000)
def live_figures(
    gradient: str, lr: float, epoch: int, big: bool, narrow: bool = False
) -> tuple[go.Figure, go.Figure]:
    """The network and loss figures at ``epoch``, styled for the screen and cached: the
    animation redraws them several times a second, for every session that runs it."""
    run = bp_run(gradient, lr)
    params = bp_params(run, epoch)
    net = network_figure(params, toys.toy_forward(params), big, narrow)
    return classroom.style(net, big), classroom.style(backprop_loss_figure(run, epoch, big), big)


BP_EPOCHS = 100

BP_LR = 0.01

BP_MODES = {"forward": "forward differences (the book)", "chain": "chain rule (backprop)"}

BP_EPOCH_KEY = "toy_bp_epoch"

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
BP_RUNNING_KEY = "toy_bp_running"
TICK = 0.2
"""Seconds between the animation's redraws (it moves EPOCHS_PER_TICK epochs each)."""
EPOCHS_PER_TICK = 2


def bp_epoch() -> int:
    """How many epochs of the backprop toy this session has run (0..100)."""
    return int(st.session_state.get(BP_EPOCH_KEY, 0))


def set_bp_epoch(epoch: int) -> None:
    """Move the backprop toy to ``epoch`` (clipped to 0..100)."""
    st.session_state[BP_EPOCH_KEY] = int(min(max(epoch, 0), BP_EPOCHS))


def bp_step() -> None:
    """Button callback: one more epoch."""
    set_bp_epoch(bp_epoch() + 1)


def bp_running() -> bool:
    """Whether "Run all" is animating (the page redraws every TICK seconds)."""
    return bool(st.session_state.get(BP_RUNNING_KEY, False))


def bp_run_all() -> None:
    """Button callback: animate the epochs up to 100 (from 0 if all were done)."""
    if bp_epoch() >= BP_EPOCHS:
        set_bp_epoch(0)
    st.session_state[BP_RUNNING_KEY] = True


def bp_stop() -> None:
    """Button callback: stop the animation where it is."""
    st.session_state[BP_RUNNING_KEY] = False


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


def bp_losses(run: toys.BackpropRun) -> list[float]:
    """The loss after 0, 1, ..., 100 updates."""
    return [float(v) for v in np.append(run.loss, run.final_loss)]


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
