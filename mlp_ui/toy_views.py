"""Helpers for the three textbook-toy pages: cached runs, tables, texts and state.

The pages (``pages/learning_rate.py``, ``pages/backprop.py``,
``pages/decision_boundary.py``) stay thin: they lay out widgets and call these. All the
numbers come from ``mlp_core.toys`` and ``mlp_core.moons``; the figures from
``mlp_ui.toy_figures``. Runs are cached with ``st.cache_data`` keyed by the settings that
produce them (small, immutable); finished figures with ``st.cache_resource`` (read-only,
shared, not re-unpickled on every rerun). The backprop toy's epoch position is
per-session state, reached only through the ``bp_*`` accessors below (keys ``toy_*``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from mlp_core import moons, toys
from mlp_ui import toy_figures as tf

# --- 1. learning rate -------------------------------------------------------------------

BOOK_RATES = toys.LR_TOY_RATES
GRADIENT_LABELS = {"forward": "forward difference (the book)", "exact": "exact gradient"}
LR_TABLE_FORMAT = {
    name: st.column_config.NumberColumn(format="%.4f")
    for name in (
        "weight",
        "loss",
        "loss after +0.0001",
        "gradient",
        "updated weight",
        "book's slope",
    )
}
"""Four decimals: enough to see the nudge move the loss (the book rounds to two)."""


@st.cache_data(show_spinner=False, max_entries=64)
def lr_run(lr: float, epochs: int, gradient: str) -> toys.LrToyRun:
    """The 1-D toy for one learning rate (cached by lr, epochs, gradient)."""
    return toys.lr_toy(float(lr), int(epochs), gradient)


@st.cache_resource(show_spinner="Drawing the animation...", max_entries=32)
def lr_figure(rates: tuple[float, ...], epochs: int, gradient: str, spacing: str) -> go.Figure:
    """The animated side-by-side figure for these rates (cached: it takes ~0.5 s to build).

    Figures are cached as shared resources, not copied per rerun: ``st.plotly_chart``
    only reads them (it serialises a copy), and unpickling a figure with a hundred
    frames would cost a quarter of a second on every rerun.
    """
    runs = [lr_run(lr, epochs, gradient) for lr in rates]
    frames = tf.frame_epochs(epochs, n=150, spacing=spacing)
    return tf.lr_toy_figure(runs, frames, log_epochs=spacing == "log")


def lr_table(run: toys.LrToyRun, n: int = 10) -> pd.DataFrame:
    """The book's first-n-epochs table: weight, loss, loss after the nudge, gradient, update.

    Values are the core's, unrounded (the page formats them). With the exact gradient
    the forward-difference slope the book would have measured is added for comparison.
    """
    rows = toys.lr_toy_table(run, n)
    table = pd.DataFrame(rows).set_index("epoch")
    table.columns = ["weight", "loss", "loss after +0.0001", "gradient", "updated weight"]
    if run.gradient == "exact":
        m = len(table)
        table["book's slope"] = (run.loss_plus_w[:m] - run.loss[:m]) / toys.STEP
    return table


def _float32_gap(w: float) -> float:
    """Distance from w to the next float32 number: the smallest change w can take."""
    return float(np.spacing(np.float32(abs(w))))


def lr_outcome(run: toys.LrToyRun) -> str:
    """One line on what this run did: converged, crept, stuck (and why) or overflowed."""
    w = run.w.astype(np.float64)
    bad = np.flatnonzero(~np.isfinite(w))
    if bad.size:
        return f"overflowed: w reached \u00b1inf at epoch {bad[0] + 1}, then nan"
    final = float(w[-1])
    moving = np.flatnonzero(w != w[-1])
    frozen_from = int(moving[-1]) + 2 if moving.size else 1
    if abs(final - tf.TARGET_W) < 0.01:
        return f"reached w = {final:.4f} (the answer is 3)"
    if frozen_from < len(w) and run.grad_w[-1] == 0:
        gap = _float32_gap(final)
        return (
            f"stuck since epoch {frozen_from} at w = {final:,.2f}: float32 numbers there "
            f"are {gap:.5f} apart, so w + 0.0001 rounds back to w and the slope reads 0"
        )
    gap = np.abs(w - tf.TARGET_W)  # oscillations alternate: compare envelopes
    if len(w) >= 20 and gap[-10:].max() > gap[len(w) // 2 - 5 : len(w) // 2 + 5].max():
        return f"moving away from 3: w = {final:.4f} after {len(w)} epochs, and |w \u2212 3| grows"
    return f"still on its way: w = {final:.4f} after {len(w)} epochs"


def show_number(v: float, digits: int = 4) -> str:
    """A number for a table cell: fixed decimals when moderate, else 4 significant digits;
    nan and inf spelled out (a dataframe would show them as an empty 'None')."""
    if not np.isfinite(v):
        return "nan" if np.isnan(v) else ("\u2212inf" if v < 0 else "inf")
    if v != 0 and not 1e-3 <= abs(v) < 1e6:
        return f"{v:.4g}"
    return f"{v:,.{digits}f}"


def lr_summary(runs: list[toys.LrToyRun]) -> pd.DataFrame:
    """Where each run ended: final w, b and the loss there, one row per learning rate.

    Cells are text (see ``show_number``): with the exact gradient lr = 1 ends at nan.
    """
    rows = []
    for run in runs:
        with np.errstate(over="ignore", invalid="ignore"):
            final_loss = toys.lr_toy_loss_curve(np.array([run.w[-1]]), run.b[-1])[0]
        rows.append(
            {
                "learning rate": f"{run.lr:g}",
                "w at the end": show_number(float(run.w[-1])),
                "b at the end": show_number(float(run.b[-1])),
                "loss at the end": show_number(float(final_loss)),
            }
        )
    return pd.DataFrame(rows).set_index("learning rate")


def lr_outcomes(runs: list[toys.LrToyRun]) -> str:
    """A markdown list: what each run did."""
    return "\n".join(f"- **lr = {run.lr:g}**: {lr_outcome(run)}" for run in runs)


EXACT_EXPLANATION = """
**Why lr = 1 freezes with the book's gradient.** The book never differentiates. It adds
0.0001 to the weight, reruns the model and divides the change in loss by 0.0001. The
weight is a 32-bit float, which holds about seven significant digits. Three epochs in,
at lr = 1, the weight is 12,755.16, and the float32 numbers around it are about 0.001
apart: 12,755.16 + 0.0001 rounds straight back to 12,755.16. The nudged loss equals the
original loss, the measured slope is exactly 0, and the update leaves the weight where
it is, for good, while the loss sits at about 1.5 billion. The bias freezes the same way
at 3,765.97.

**With the exact gradient** (the derivative of the MSE, 2 · mean((w·x + b − y) · x))
nothing rounds away: at w = 12,755 the slope is enormous. With lr = 1 each step jumps
past the minimum and lands about 16 times farther away on the other side (lr times the
loss's curvature of 16.7, minus 1), so w flips sign and grows every epoch until it
passes the largest float32 (3.4 × 10³⁸) at epoch 32. It becomes −inf, and then nan
(inf − inf). Any lr above 2 / 16.7 ≈ 0.12 diverges this way. For lr 0.01 and 0.1 the
switch changes next to nothing: the nudge of 0.0001 only biases the slope by a hair.
"""


# --- 2. backprop ------------------------------------------------------------------------

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


# --- 3. decision boundary ---------------------------------------------------------------

GALLERY_HIDDEN = moons.GALLERY_HIDDEN
SNAPSHOTS = 30
ANIMATION_STEPS = 60  # grid points per side in the animated heatmap
GALLERY_STEPS = 90
MOONS_LRS = (0.001, 0.003, 0.01, 0.02, 0.03)
MOONS_REGS = (0.0, 0.001, 0.01, 0.1, 1.0)
MOONS_PASSES = (500, 1000, 2000, 5000, 10000, 20000, 40000)
GALLERY_FORMAT = {
    "training accuracy": st.column_config.NumberColumn(format="percent"),
    "final loss": st.column_config.NumberColumn(format="%.4f"),
}


@dataclass(frozen=True)
class MoonsSettings:
    """What the moons training depends on (besides the hidden size)."""

    passes: int = 20000
    lr: float = 0.01
    reg: float = 0.01


def snapshot_passes(passes: int, n: int = SNAPSHOTS) -> tuple[int, ...]:
    """Passes at which to keep a copy for the animation: 0, then log-spaced to the end.

    The boundary takes shape in the first few hundred passes and then only sharpens, so
    evenly spaced copies would show one jump and then nothing.
    """
    later = np.geomspace(5, max(passes, 5), n - 1).round().astype(int)
    return tuple(int(p) for p in np.unique(np.append(0, later)) if p <= passes)


@st.cache_data(show_spinner=False)
def moons_data() -> tuple[np.ndarray, np.ndarray]:
    """The tutorial's 200 moons (noise 0.2, seed 3)."""
    return moons.make_moons_np(200, 0.2, 3)


@st.cache_data(show_spinner=False, max_entries=16)
def moons_gallery_runs(passes: int, lr: float, reg: float) -> dict[int, moons.MoonsRun]:
    """The seven published sizes, trained together, with snapshots for the animation."""
    X, y = moons_data()
    snaps = snapshot_passes(passes)
    return moons.train_moons_many(X, y, GALLERY_HIDDEN, passes, lr, reg, snapshots=snaps)


@st.cache_data(show_spinner=False, max_entries=64)
def moons_single_run(hidden: int, passes: int, lr: float, reg: float) -> moons.MoonsRun:
    """One network of any hidden size, with snapshots for the animation."""
    X, y = moons_data()
    return moons.train_moons(X, y, hidden, passes, lr, reg, snapshots=snapshot_passes(passes))


def moons_run(hidden: int, s: MoonsSettings) -> moons.MoonsRun:
    """The run for ``hidden``: from the gallery when it is a published size, else alone."""
    if hidden in GALLERY_HIDDEN:
        return moons_gallery_runs(s.passes, s.lr, s.reg)[hidden]
    return moons_single_run(hidden, s.passes, s.lr, s.reg)


def _grid_axes(steps: int) -> tuple[np.ndarray, np.ndarray, tuple, tuple]:
    """Grid axes xs, ys over the data (padded as in the tutorial) and their limits."""
    xlim, ylim = moons.grid_limits(moons_data()[0])
    return np.linspace(*xlim, steps), np.linspace(*ylim, steps), xlim, ylim


def _proba_grid(params: dict[str, np.ndarray], steps: int) -> np.ndarray:
    """P(class 1) over the steps x steps grid."""
    _, _, xlim, ylim = _grid_axes(steps)
    return moons.predict_grid(params, xlim, ylim, steps)[2]


def _title(run: moons.MoonsRun) -> str:
    return f"{run.hidden} hidden: {run.accuracy:.1%} right, loss {run.loss[-1]:.3f}"


@st.cache_resource(show_spinner=False, max_entries=64)
def boundary_figure(hidden: int, passes: int, lr: float, reg: float) -> go.Figure:
    """Animated boundary of one network over its training snapshots."""
    run = moons_run(hidden, MoonsSettings(passes, lr, reg))
    xs, ys, _, _ = _grid_axes(ANIMATION_STEPS)
    grids = [_proba_grid(p, ANIMATION_STEPS) for p in run.snapshots]
    labels = [f"{int(p):,}" for p in run.snapshot_passes]
    X, y = moons_data()
    return tf.moons_boundary_figure(X, y, xs, ys, grids, labels, _title(run))


@st.cache_resource(show_spinner=False)
def baseline() -> tuple[go.Figure, float]:
    """Logistic-regression boundary (a straight line) and its accuracy."""
    X, y = moons_data()
    fit = moons.logistic_regression(X, y)
    xs, ys, _, _ = _grid_axes(ANIMATION_STEPS)
    title = f"Logistic regression: {fit.accuracy:.1%} right"
    fig = tf.moons_boundary_figure(
        X, y, xs, ys, [_proba_grid(fit.params, ANIMATION_STEPS)], ["end"], title
    )
    return fig, fit.accuracy


@st.cache_resource(show_spinner=False, max_entries=16)
def gallery_figure(passes: int, lr: float, reg: float) -> go.Figure:
    """The seven published sizes side by side, plus the logistic-regression line."""
    runs = moons_gallery_runs(passes, lr, reg)
    X, y = moons_data()
    xs, ys, _, _ = _grid_axes(GALLERY_STEPS)
    fit = moons.logistic_regression(X, y)
    grids = [_proba_grid(fit.params, GALLERY_STEPS)]
    titles = [f"logistic regression: {fit.accuracy:.1%}"]
    for h in GALLERY_HIDDEN:
        grids.append(_proba_grid(runs[h].params, GALLERY_STEPS))
        titles.append(f"{h} hidden: {runs[h].accuracy:.1%}")
    return tf.moons_gallery_figure(X, y, xs, ys, grids, titles)


def gallery_table(s: MoonsSettings) -> pd.DataFrame:
    """Accuracy and final loss of each published size."""
    runs = moons_gallery_runs(s.passes, s.lr, s.reg)
    return pd.DataFrame(
        [
            {"hidden units": h, "training accuracy": r.accuracy, "final loss": float(r.loss[-1])}
            for h, r in runs.items()
        ]
    )


def timed(fn: Callable[..., Any], *args: Any) -> tuple[Any, float]:
    """Call fn(*args) and return (result, seconds taken): cache hits show up as ~0 s."""
    start = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - start


MOONS_PILL_KEY, MOONS_HIDDEN_KEY = "toy_moons_pill", "toy_moons_hidden"


def pick_hidden() -> None:
    """Pills callback: a published size sets the hidden-size slider."""
    picked = st.session_state.get(MOONS_PILL_KEY)
    if picked is not None:
        st.session_state[MOONS_HIDDEN_KEY] = int(picked)


def sync_pill() -> None:
    """Slider callback: highlight the matching published size, or none."""
    hidden = st.session_state.get(MOONS_HIDDEN_KEY)
    st.session_state[MOONS_PILL_KEY] = hidden if hidden in GALLERY_HIDDEN else None
