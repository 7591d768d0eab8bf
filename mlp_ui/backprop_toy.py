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


GUESSES = ("fall to nearly 0", "fall a little", "stay about the same", "grow")
GUESS_KEY = "toy_bp_guess"


def predict() -> str | None:
    """Before the run: the student's guess of what the loss does over the 100 epochs."""
    return st.radio(
        f"Your guess first: over {BP_EPOCHS} epochs, the loss (ŷ − 0)² will...",
        GUESSES,
        index=None,
        horizontal=True,
        key=GUESS_KEY,
    )


def loss_outcome(first: float, last: float) -> str:
    """Which of GUESSES the run did, from its first and last loss."""
    if not np.isfinite(last) or last > first * 1.05:
        return GUESSES[3]
    if last < first * 0.05:
        return GUESSES[0]
    return GUESSES[1] if last < first * 0.95 else GUESSES[2]


def show_final(run: toys.BackpropRun, lr: float, guess: str | None = None) -> None:
    """Where the 100 epochs ended: losses, the prediction and the weights (the book's too),
    and what that says of the student's guess."""
    st.header(f"After all {BP_EPOCHS} epochs")
    if guess is not None:
        did = loss_outcome(float(run.loss[0]), float(run.final_loss))
        word = "right" if did == guess else "not this time"
        st.markdown(f"You guessed the loss would **{guess}**: {word}. It did {did}.")
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
