"""The moons toy (WildML): cached runs, the decision boundary animated over training,
the gallery of hidden-layer sizes, and the logistic-regression baseline.

Grid evaluation is in the core (mlp_core.moons); figures are pure builders here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from mlp_core import moons
from mlp_ui.toy_common import play_controls

CLASS_COLORS = ("#b2182b", "#2166ac")  # moons class 0, class 1

BOUNDARY_SCALE = [[0.0, "#f4a582"], [0.5, "#f7f7f7"], [1.0, "#92c5de"]]


def _points(X: np.ndarray, y: np.ndarray, size: int = 6) -> go.Scatter:
    """The moons as one scatter trace, coloured by class."""
    colors = [CLASS_COLORS[int(c)] for c in y]
    return go.Scatter(
        x=X[:, 0],
        y=X[:, 1],
        mode="markers",
        hoverinfo="skip",
        marker=dict(color=colors, size=size, line=dict(color="white", width=0.6)),
    )


LOGIT_CLIP = 6.0
"""Shading saturates at log-odds ±6 (P = 0.0025 or 0.9975)."""


def _z(Z: np.ndarray) -> np.ndarray:
    """P(class 1) as clipped log-odds, float32 (half the JSON of float64); NaN -> 0.

    Contours are drawn by interpolating between grid points. P jumps from 0 to 1 within
    one cell of a coarse grid, so its contours zigzag; the log-odds are smooth (for a
    tanh net, the difference of two smooth outputs), so their contours are not.
    """
    P = np.clip(np.nan_to_num(np.asarray(Z, dtype=np.float64), nan=0.5), 1e-6, 1 - 1e-6)
    logit = np.clip(np.log(P / (1 - P)), -LOGIT_CLIP, LOGIT_CLIP)
    return logit.astype(np.float32)


def _heatmap(xs: np.ndarray, ys: np.ndarray, Z: np.ndarray, showscale: bool) -> go.Heatmap:
    """P(class 1) over the grid, Z (len(ys), len(xs)), shaded by its log-odds.

    The heatmap smooths between grid points (``zsmooth="best"``); interpolating the
    log-odds rather than P keeps the white boundary band smooth on a coarse grid. A
    heatmap draws much faster in the browser than filled contours.
    """
    ticks = np.array([0.01, 0.1, 0.5, 0.9, 0.99])
    return go.Heatmap(
        x=xs,
        y=ys,
        z=_z(Z),
        zmin=-LOGIT_CLIP,
        zmax=LOGIT_CLIP,
        zsmooth="best",
        colorscale=BOUNDARY_SCALE,
        showscale=showscale,
        colorbar=dict(
            title="P(class 1)",
            len=0.8,
            tickvals=np.log(ticks / (1 - ticks)).tolist(),
            ticktext=[f"{t:g}" for t in ticks],
        ),
        hoverinfo="skip",
    )


def _boundary_axes(fig: go.Figure, xs: np.ndarray, ys: np.ndarray, **where) -> None:
    fig.update_xaxes(range=[xs[0], xs[-1]], showgrid=False, zeroline=False, **where)
    fig.update_yaxes(range=[ys[0], ys[-1]], showgrid=False, zeroline=False, **where)


def moons_boundary_figure(
    X: np.ndarray,
    y: np.ndarray,
    xs: np.ndarray,
    ys: np.ndarray,
    grids: Sequence[np.ndarray],
    labels: Sequence[str],
    title: str = "",
) -> go.Figure:
    """Decision boundary as a heatmap of P(class 1) with the points on top.

    X (n, 2), y (n,); xs (gx,), ys (gy,) the grid axes; ``grids`` one Z (gy, gx) per
    snapshot, ``labels`` e.g. the pass number of each. With more than one grid the
    figure is animated (play/pause and a slider); it opens on the last grid, and Play
    replays from the first. Orange is class 0, blue class 1, white the 50/50 boundary.
    """
    fig = go.Figure([_heatmap(xs, ys, grids[-1], False), _points(X, y)])
    fig.update_layout(
        title=title,
        height=460,
        showlegend=False,
        margin=dict(t=40, b=130 if len(grids) > 1 else 40, l=40, r=10),
    )
    fig.update_xaxes(title_text="x\u2081")
    fig.update_yaxes(title_text="x\u2082")
    _boundary_axes(fig, xs, ys)
    if len(grids) > 1:
        names = [str(i) for i in range(len(grids))]
        fig.frames = [
            go.Frame(data=[go.Heatmap(z=_z(Z))], traces=[0], name=name)
            for Z, name in zip(grids, names, strict=True)
        ]
        menus, sliders = play_controls(list(labels), names, 150, True, -0.16, from_start=True)
        sliders[0]["currentvalue"]["prefix"] = "Pass "
        sliders[0]["active"] = len(grids) - 1
        fig.layout.updatemenus, fig.layout.sliders = menus, sliders
    return fig


def moons_gallery_figure(
    X: np.ndarray,
    y: np.ndarray,
    xs: np.ndarray,
    ys: np.ndarray,
    grids: Sequence[np.ndarray],
    titles: Sequence[str],
    cols: int = 4,
) -> go.Figure:
    """Several decision boundaries in a grid of small panels, same data in each."""
    rows = -(-len(grids) // cols)
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=list(titles),
        horizontal_spacing=0.03,
        vertical_spacing=0.1,
    )
    for k, Z in enumerate(grids):
        r, c = k // cols + 1, k % cols + 1
        fig.add_trace(_heatmap(xs, ys, Z, False), row=r, col=c)
        fig.add_trace(_points(X, y, size=4), row=r, col=c)
        _boundary_axes(fig, xs, ys, row=r, col=c)
    fig.update_xaxes(showticklabels=False)
    fig.update_yaxes(showticklabels=False)
    fig.update_layout(height=300 * rows, showlegend=False, margin=dict(t=40, b=10, l=10, r=10))
    return fig


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
    return moons_boundary_figure(X, y, xs, ys, grids, labels, _title(run))


@st.cache_resource(show_spinner=False)
def baseline() -> tuple[go.Figure, float]:
    """Logistic-regression boundary (a straight line) and its accuracy."""
    X, y = moons_data()
    fit = moons.logistic_regression(X, y)
    xs, ys, _, _ = _grid_axes(ANIMATION_STEPS)
    title = f"Logistic regression: {fit.accuracy:.1%} right"
    fig = moons_boundary_figure(
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
    return moons_gallery_figure(X, y, xs, ys, grids, titles)


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
