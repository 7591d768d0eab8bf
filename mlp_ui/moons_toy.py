"""The moons toy (WildML): cached runs, the decision boundary animated over training,
the gallery of hidden-layer sizes, and the logistic-regression baseline.

Grid evaluation is in the core (mlp_core.moons); the figures' pure builders are in
mlp_ui.moons_figures, the page's guess and reveal at the end of this module.
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

from mlp_core import moons
from mlp_ui import animation, classroom
from mlp_ui.moons_figures import moons_boundary_figure, moons_gallery_figure
from mlp_ui.toy_common import PLAY

GALLERY_HIDDEN = moons.GALLERY_HIDDEN

BOUNDARY_KEY = "toy_moons_boundary"

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


def snapshot_table(run: moons.MoonsRun, reg: float) -> pd.DataFrame:
    """The animation's numbers: accuracy and loss on the 200 training points at each pass."""
    X, y = moons_data()
    return pd.DataFrame(
        [
            {
                "pass": int(p),
                "training accuracy": f"{moons.moons_accuracy(params, X, y):.1%}",
                "loss": round(float(moons.moons_loss(params, X, y, reg)), 4),
            }
            for p, params in zip(run.snapshot_passes, run.snapshots, strict=True)
        ]
    )


def snapshot_titles(run: moons.MoonsRun, reg: float) -> list[str]:
    """What the title says at each snapshot: the pass, and the accuracy and loss then."""
    X, y = moons_data()
    return [
        f"{run.hidden} hidden, pass {int(p):,}: {moons.moons_accuracy(params, X, y):.1%} "
        f"right, loss {moons.moons_loss(params, X, y, reg):.3f}"
        for p, params in zip(run.snapshot_passes, run.snapshots, strict=True)
    ]


@st.cache_resource(show_spinner=False, max_entries=64)
def boundary_figure(hidden: int, s: MoonsSettings, big: bool = False) -> go.Figure:
    """Animated boundary of one network over its training snapshots, styled for the
    screen (shared by every session: show it with `classroom.chart(..., styled=True)`)."""
    run = moons_run(hidden, s)
    xs, ys, _, _ = _grid_axes(ANIMATION_STEPS)
    grids = [_proba_grid(p, ANIMATION_STEPS) for p in run.snapshots]
    labels = [f"{int(p):,}" for p in run.snapshot_passes]
    X, y = moons_data()
    titles = snapshot_titles(run, s.reg)
    fig = moons_boundary_figure(X, y, xs, ys, grids, labels, titles, big)
    fig.layout.meta = f"moons-{hidden}-{s.passes}-{s.lr}-{s.reg}-{big}"  # for mlp_ui.animation
    return classroom.style(fig, big)


@st.cache_resource(show_spinner=False)
def baseline(big: bool = False) -> tuple[go.Figure, float]:
    """Logistic-regression boundary (a straight line), styled, and its accuracy (shared)."""
    X, y = moons_data()
    fit = moons.logistic_regression(X, y)
    xs, ys, _, _ = _grid_axes(ANIMATION_STEPS)
    title = f"Logistic regression<br>{fit.accuracy:.1%} right"
    grid = _proba_grid(fit.params, ANIMATION_STEPS)
    fig = moons_boundary_figure(X, y, xs, ys, [grid], ["end"], title, big)
    return classroom.style(fig, big), fit.accuracy


@st.cache_resource(show_spinner=False, max_entries=16)
def gallery_figure(s: MoonsSettings, big: bool = False) -> go.Figure:
    """The seven published sizes side by side, plus the logistic-regression line (styled,
    shared)."""
    runs = moons_gallery_runs(s.passes, s.lr, s.reg)
    X, y = moons_data()
    fit = moons.logistic_regression(X, y)
    grids = [_proba_grid(fit.params, GALLERY_STEPS)]
    titles = [f"logistic regression: {fit.accuracy:.1%}"]
    for h in GALLERY_HIDDEN:
        grids.append(_proba_grid(runs[h].params, GALLERY_STEPS))
        titles.append(f"{h} hidden: {runs[h].accuracy:.1%}")
    xs, ys, _, _ = _grid_axes(GALLERY_STEPS)
    return classroom.style(moons_gallery_figure(X, y, xs, ys, grids, titles, big=big), big)


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
MOONS_LR_KEY, MOONS_REG_KEY, MOONS_PASSES_KEY = "toy_moons_lr", "toy_moons_reg", "toy_moons_passes"
DEFAULTS = {
    MOONS_PILL_KEY: 3,
    MOONS_HIDDEN_KEY: 3,
    MOONS_LR_KEY: 0.01,
    MOONS_REG_KEY: 0.01,
    MOONS_PASSES_KEY: 20000,
}
"""The tutorial's settings: what the widgets show on a first visit."""


def seed_widgets() -> None:
    """Before the widgets are drawn: the tutorial's settings where the session has none.

    The widgets then get their values only from session state (no default passed), so
    setting them through it (the pills, "Try this") draws no warning.
    """
    for key, value in DEFAULTS.items():
        st.session_state.setdefault(key, value)


def settings() -> MoonsSettings:
    """The settings the widgets show."""
    state = st.session_state
    return MoonsSettings(state[MOONS_PASSES_KEY], state[MOONS_LR_KEY], state[MOONS_REG_KEY])


def _hidden(h: int, **more: Any) -> dict[str, Any]:
    """Try-this settings: the tutorial's, with h hidden units (and `more` keys changed)."""
    pill = h if h in GALLERY_HIDDEN else None
    return {**DEFAULTS, MOONS_PILL_KEY: pill, MOONS_HIDDEN_KEY: h, **more}


def _play() -> None:
    """Try-this action: the new boundary plays by itself once drawn."""
    animation.press(BOUNDARY_KEY, PLAY)


EXPERIMENTS = (
    classroom.Experiment(
        "One unit: a line",
        "The boundary is a straight line, like the logistic regression beside it, and the "
        "title stays near 86 % however long it trains.",
        "One tanh unit sees the point only through one weighted sum w\u00b7x + b, so "
        "everything it says is constant along a straight line: it cannot bend.",
        _hidden(1),
        _play,
    ),
    classroom.Experiment(
        "Too few units (2)",
        "Press Play: the line bends once, and a tongue of each moon stays on the wrong "
        "side (90 % right).",
        "Each hidden unit adds one soft step along its own line; two steps make one bend, "
        "and the moons need two.",
        _hidden(2),
        _play,
    ),
    classroom.Experiment(
        "Many units, no L2",
        "The boundary makes detours to take in single stray points (look at the bottom "
        "of the V): 100 % of the training points right, in a shape new points would not "
        "follow.",
        "50 units can bend around every point; without L2 nothing keeps the weights small, "
        "so it learns the noise too (overfitting).",
        _hidden(50, **{MOONS_REG_KEY: 0.0}),
        _play,
    ),
)
"""The page's "Try this": the tutorial's settings, one thing changed."""


def pick_hidden() -> None:
    """Pills callback: a published size sets the hidden-size slider."""
    picked = st.session_state.get(MOONS_PILL_KEY)
    if picked is not None:
        st.session_state[MOONS_HIDDEN_KEY] = int(picked)


def sync_pill() -> None:
    """Slider callback: highlight the matching published size, or none."""
    hidden = st.session_state.get(MOONS_HIDDEN_KEY)
    st.session_state[MOONS_PILL_KEY] = hidden if hidden in GALLERY_HIDDEN else None
