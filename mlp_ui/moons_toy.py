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
from mlp_ui import classroom
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
P_CLIP = 1e-12
"""P is kept within [1e-12, 1 - 1e-12] (log-odds ±27.6) before it becomes log-odds."""
BOUNDARY_LINE = "#111111"


def _z(Z: np.ndarray) -> np.ndarray:
    """P(class 1) as log-odds, float32 (half the JSON of float64); NaN -> 0.

    The browser interpolates between grid points. P jumps from 0 to 1 within one cell of
    a coarse grid, so anything drawn from it zigzags along the cells; the log-odds are
    smooth (for a tanh net, the difference of two smooth outputs), so what is drawn from
    them is not. They are clipped far beyond the colours' ±6 only to stay finite: clipped
    at ±6, the band between the colours would again follow the cells.
    """
    P = np.clip(np.nan_to_num(np.asarray(Z, dtype=np.float64), nan=0.5), P_CLIP, 1 - P_CLIP)
    return np.log(P / (1 - P)).astype(np.float32)


def _heatmap(xs: np.ndarray, ys: np.ndarray, Z: np.ndarray, showscale: bool) -> go.Contour:
    """P(class 1) over the grid, Z (len(ys), len(xs)), shaded by its log-odds, with the
    boundary (P = 0.5) drawn as a smoothed line.

    One contour trace does both: ``coloring="heatmap"`` shades like a smoothed heatmap
    (drawn much faster in the browser than filled contours), and its one contour line is
    at log-odds 0. Interpolating the log-odds rather than P keeps both smooth on a
    coarse grid.
    """
    ticks = np.array([0.01, 0.1, 0.5, 0.9, 0.99])
    return go.Contour(
        x=xs,
        y=ys,
        z=_z(Z),
        zmin=-LOGIT_CLIP,
        zmax=LOGIT_CLIP,
        contours=dict(start=0, end=0, size=1, coloring="heatmap", showlines=True),
        line=dict(color=BOUNDARY_LINE, width=1.5, smoothing=1.3),
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
    title: str | Sequence[str] = "",
    big: bool = False,
) -> go.Figure:
    """Decision boundary as shading of P(class 1) with the points on top.

    X (n, 2), y (n,); xs (gx,), ys (gy,) the grid axes; ``grids`` one Z (gy, gx) per
    snapshot, ``labels`` the pass number of each (for the slider); ``title`` one for
    all, or one per grid (what the title says while that snapshot is shown). With more
    than one grid the figure is animated (play/pause and a slider); it opens on the last
    grid, and Play replays from the first. Orange is class 0, blue class 1, the line
    P = 0.5. ``big``: projector sizes.
    """
    titles = [title] * len(grids) if isinstance(title, str) else list(title)
    animated = len(grids) > 1
    fig = go.Figure([_heatmap(xs, ys, grids[-1], False), _points(X, y)])
    fig.update_layout(
        title=titles[-1],
        height=(560 if big else 470) if animated else (480 if big else 400),
        showlegend=False,
        margin=dict(
            t=80 if "<br>" in titles[-1] else 50,
            b=(170 if big else 130) if animated else 40,
            l=50,
            r=10,
        ),
    )
    fig.update_xaxes(title_text="x\u2081")
    fig.update_yaxes(title_text="x\u2082")
    fig.data[0].line.width = 3 if big else 1.5
    _boundary_axes(fig, xs, ys)
    if animated:
        _animate(fig, grids, labels, titles, big)
    return fig


def _animate(fig: go.Figure, grids, labels, titles, big: bool) -> None:
    """Frames of the shading, each with its own title, and the play/pause controls."""
    names = [str(i) for i in range(len(grids))]
    fig.frames = [
        go.Frame(data=[go.Contour(z=_z(Z))], traces=[0], name=name, layout={"title": title})
        for Z, name, title in zip(grids, names, titles, strict=True)
    ]
    menus, sliders = play_controls(list(labels), names, 150, True, -0.24 if big else -0.16, True)
    sliders[0]["currentvalue"].update(prefix="Pass ", font={"size": 20 if big else 15})
    sliders[0]["font"] = {"size": 16 if big else 12}
    menus[0]["font"] = {"size": 18 if big else 14}
    sliders[0]["active"] = len(grids) - 1
    fig.layout.updatemenus, fig.layout.sliders = menus, sliders


def moons_gallery_figure(
    X: np.ndarray,
    y: np.ndarray,
    xs: np.ndarray,
    ys: np.ndarray,
    grids: Sequence[np.ndarray],
    titles: Sequence[str],
    cols: int | None = None,
    big: bool = False,
) -> go.Figure:
    """Several decision boundaries in a grid of small framed panels, 4 to a row (3 with
    ``big``), same data and axes in each: x\u2081 ticks under each column's last panel,
    x\u2082 left of the first column."""
    cols = cols or (3 if big else 4)  # projected, the panels and their titles need the width
    rows = -(-len(grids) // cols)
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=list(titles),
        shared_xaxes=True,
        shared_yaxes=True,
        horizontal_spacing=0.02,
        vertical_spacing=0.1 if big else 0.12,
    )
    for k, Z in enumerate(grids):
        r, c = k // cols + 1, k % cols + 1
        fig.add_trace(_heatmap(xs, ys, Z, False), row=r, col=c)
        fig.add_trace(_points(X, y, size=4), row=r, col=c)
        _boundary_axes(fig, xs, ys, row=r, col=c)
    frame = dict(showline=True, mirror=True, linecolor="#444444", ticks="outside", nticks=4)
    fig.update_xaxes(**frame)
    fig.update_yaxes(**frame)
    for c in range(len(grids) - (rows - 1) * cols + 1, cols + 1):  # empty cells
        fig.update_xaxes(showticklabels=True, row=rows - 1, col=c)
        fig.update_xaxes(visible=False, row=rows, col=c)
        fig.update_yaxes(visible=False, row=rows, col=c)
    fig.update_xaxes(title_text="x\u2081", row=rows)
    fig.update_yaxes(title_text="x\u2082", col=1)
    fig.update_layout(
        height=(340 if big else 300) * rows,
        showlegend=False,
        margin=dict(t=40, b=10, l=60, r=10),
    )
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
    return classroom.style(moons_boundary_figure(X, y, xs, ys, grids, labels, titles, big), big)


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


EXPERIMENTS = (
    classroom.Experiment(
        "One unit: a line",
        "The boundary is a straight line, like the logistic regression beside it, and the "
        "title stays near 86 % however long it trains.",
        "One tanh unit sees the point only through one weighted sum w\u00b7x + b, so "
        "everything it says is constant along a straight line: it cannot bend.",
        _hidden(1),
    ),
    classroom.Experiment(
        "Too few units (2)",
        "Press Play: the line bends once, and a tongue of each moon stays on the wrong "
        "side (90 % right).",
        "Each hidden unit adds one soft step along its own line; two steps make one bend, "
        "and the moons need two.",
        _hidden(2),
    ),
    classroom.Experiment(
        "Many units, no L2",
        "The boundary makes detours to take in single stray points (look at the bottom "
        "of the V): 100 % of the training points right, in a shape new points would not "
        "follow.",
        "50 units can bend around every point; without L2 nothing keeps the weights small, "
        "so it learns the noise too (overfitting).",
        _hidden(50, **{MOONS_REG_KEY: 0.0}),
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
