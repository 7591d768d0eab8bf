"""The learning-rate toy (Modern Computer Vision with PyTorch, ch. 1): cached runs and the
animated figure, w and the loss over the epochs for several learning rates side by side.

The numbers come from mlp_core.toys; the animation runs in the browser (plotly frames,
only the moving traces in them). Tables and words: mlp_ui.lr_toy_text.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from mlp_core import toys
from mlp_core.toys import LrToyRun, lr_toy_loss_curve
from mlp_ui.figures import finite_list, positive_list
from mlp_ui.lr_toy_text import TARGET_W
from mlp_ui.theme import colour
from mlp_ui.toy_common import frame_epochs, play_controls, symlog, symlog_inverse, symlog_ticks

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
    frames = frame_epochs(epochs, n=150, spacing=spacing)
    return lr_toy_figure(runs, frames, log_epochs=spacing == "log")


SYMLOG_ABOVE = 100.0
"""A weight axis turns signed-logarithmic when |w| goes beyond this."""


def _w_scale(run: LrToyRun) -> str:
    """'symlog' when the weights of a run get huge, else 'linear'."""
    w = np.concatenate([run.w_before, run.w]).astype(np.float64)
    w = w[np.isfinite(w)]
    return "symlog" if w.size and np.abs(w).max() > SYMLOG_ABOVE else "linear"


def _w_axis(values: np.ndarray, scale: str) -> np.ndarray:
    """Weights as plotted on a weight axis of the given scale."""
    return symlog(values) if scale == "symlog" else np.asarray(values, dtype=np.float64)


def _w_grid(run: LrToyRun, scale: str, points: int = 121) -> np.ndarray:
    """Weights at which to draw the loss curve: the visited range and w = 3, padded."""
    w = np.concatenate([run.w_before, run.w, [TARGET_W, 0.0]]).astype(np.float64)
    t = _w_axis(w[np.isfinite(w)], scale)
    lo, hi = t.min(), t.max()
    pad = 0.08 * (hi - lo) or 1.0
    grid = np.linspace(lo - pad, hi + pad, points)
    return symlog_inverse(grid) if scale == "symlog" else grid


def plot_array(values: np.ndarray) -> np.ndarray | list[float | None]:
    """Values for a frame: a compact float32 array when all finite and small enough,
    else a list with None for the gaps (plotly frames then carry no NaN)."""
    arr = np.asarray(values, dtype=np.float64).ravel()
    if np.all(np.isfinite(arr)) and np.all(arr > 0) and arr.max() < 1e30:
        return arr.astype(np.float32)
    return positive_list(arr)


def _lr_moving(color: str) -> list[go.Scatter]:
    """The five styled traces of one run that frames move (data filled per frame)."""
    marker = dict(color=color, size=10, line=dict(color="white", width=1))
    return [
        go.Scatter(mode="markers", marker=marker, hoverinfo="x+y"),
        go.Scatter(mode="markers", marker=marker, hoverinfo="x+y"),
        go.Scatter(mode="lines", line=dict(color="#888", width=1.5), hoverinfo="skip"),
        go.Scatter(
            mode="lines+markers",
            line=dict(color=color, width=2),
            marker=dict(color=color, size=[11, 6], symbol=["circle", "x"]),
            hoverinfo="x+y",
        ),
        go.Scatter(mode="text", textfont=dict(color="#b2182b", size=12), hoverinfo="skip"),
    ]


def _lr_frame(run: LrToyRun, e: int, scale: str, grid: np.ndarray, note_xy) -> list[dict]:
    """What moves at epoch e (1-based), one dict per moving trace (see ``_lr_moving``).

    The loss curve's x (the grid) never changes, so frames carry only its y.
    """
    i = e - 1
    wb, bb, wa = (np.float64(v[i]) for v in (run.w_before, run.b_before, run.w))
    with np.errstate(over="ignore", invalid="ignore"):
        curve = lr_toy_loss_curve(grid, bb) if np.isfinite(bb) else np.full(grid.shape, np.nan)
        step_loss = lr_toy_loss_curve(np.array([wb, wa]), bb)
    note = " "  # not "": a text element must exist for frames to update it
    if not (np.isfinite(wa) and np.isfinite(run.loss[i])):
        first = int(np.flatnonzero(~np.isfinite(run.w))[0]) + 1
        note = f"w overflowed float32 at epoch {first}<br>now w = {wa:g}, loss = {run.loss[i]:g}"
    return [
        {"x": [e], "y": finite_list(_w_axis([wa], scale))},
        {"x": [e], "y": positive_list([run.loss[i]])},
        {"y": plot_array(curve)},
        {"x": finite_list(_w_axis([wb, wa], scale)), "y": positive_list(step_loss)},
        {"x": [note_xy[0]], "y": [note_xy[1]], "text": [note]},
    ]


def _lr_static(run: LrToyRun, scale: str, color: str) -> list:
    """Full-length faint curves of w and loss over epochs for one run."""
    faint = dict(color=color, width=1.5)
    return [
        go.Scatter(
            x=run.epochs,
            y=finite_list(_w_axis(run.w, scale)),
            mode="lines",
            line=faint,
            opacity=0.45,
            hoverinfo="x+y",
        ),
        go.Scatter(
            x=run.epochs,
            y=positive_list(run.loss),
            mode="lines",
            line=faint,
            opacity=0.45,
            hoverinfo="x+y",
        ),
    ]


def _lr_style(k: int, run: LrToyRun, scale: str, grid: np.ndarray) -> dict:
    """Colour of run k and the centre of its bottom panel (for the overflow note)."""
    x = float(np.mean(_w_axis(grid[[0, -1]], scale)))
    y = float(10 ** np.mean(_curve_range(run, grid)))
    return {"color": colour(k), "note_xy": (x, y)}


def _log_range(values: list[float | None], pad: float = 0.3) -> list[float]:
    """Log-axis range (in decades) around the positive values."""
    v = np.array([x for x in values if x is not None], dtype=np.float64)
    if v.size == 0:
        return [-1.0, 1.0]
    return [float(np.log10(v.min()) - pad), float(np.log10(v.max()) + pad)]


def _lin_range(values: list[float | None]) -> list[float]:
    """Linear range around the values with 8 % padding."""
    v = np.array([x for x in values if x is not None], dtype=np.float64)
    lo, hi = (v.min(), v.max()) if v.size else (-1.0, 1.0)
    pad = 0.08 * (hi - lo) or 1.0
    return [float(lo - pad), float(hi + pad)]


def lr_toy_figure(
    runs: Sequence[LrToyRun], epochs_shown: Sequence[int], log_epochs: bool = True
) -> go.Figure:
    """The 1-D toy for several learning rates side by side, animated over epochs.

    One column per run; rows: the weight after each epoch, the loss before each update
    (log axis), and the loss as a function of w (b held at its value that epoch) with the
    epoch's step drawn on it. Weight axes become signed-logarithmic when |w| > 100.
    ``epochs_shown`` (1-based) are the animation frames (see ``frame_epochs``);
    ``log_epochs`` puts the epoch axes on a log scale (pairs with log-spaced frames).
    """
    epochs_shown = [int(e) for e in epochs_shown]
    scales = [_w_scale(r) for r in runs]
    grids = [_w_grid(r, s) for r, s in zip(runs, scales, strict=True)]
    styles = [_lr_style(k, *rsg) for k, rsg in enumerate(zip(runs, scales, grids, strict=True))]
    fig = _lr_layout(runs, scales)
    for k, (run, scale) in enumerate(zip(runs, scales, strict=True)):
        for row, trace in enumerate(_lr_static(run, scale, colour(k)), start=1):
            fig.add_trace(trace, row=row, col=k + 1)
    first = len(fig.data)
    for k, (style, grid) in enumerate(zip(styles, grids, strict=True)):
        for row, trace in zip((1, 2, 3, 3, 3), _lr_moving(style["color"]), strict=True):
            fig.add_trace(trace, row=row, col=k + 1)
        fig.data[first + 5 * k + 2].x = _w_axis(grid, scales[k]).astype(np.float32)

    def moving(e: int) -> list[dict]:
        data = []
        for k, run in enumerate(runs):
            data += _lr_frame(run, e, scales[k], grids[k], styles[k]["note_xy"])
        return data

    for trace, update in zip(fig.data[first:], moving(epochs_shown[0]), strict=True):
        trace.update(update)
    indices = list(range(first, len(fig.data)))
    fig.frames = [
        go.Frame(data=[go.Scatter(d) for d in moving(e)], traces=indices, name=str(e))
        for e in epochs_shown
    ]
    _lr_ranges(fig, runs, scales, grids)
    _epoch_axes(fig, len(runs), len(runs[0].loss), log_epochs)
    labels = [str(e) for e in epochs_shown]
    fig.layout.updatemenus, fig.layout.sliders = play_controls(labels, labels, 90, False, -0.075)
    return fig


def _lr_layout(runs: Sequence[LrToyRun], scales: Sequence[str]) -> go.Figure:
    """Empty 3 x n grid of subplots with titles and axis labels."""
    n = len(runs)
    titles = [
        f"lr = {r.lr:g}" + (" (w axis: signed log)" if s == "symlog" else "")
        for r, s in zip(runs, scales, strict=True)
    ]
    fig = make_subplots(
        rows=3,
        cols=n,
        subplot_titles=titles + [""] * (2 * n),
        vertical_spacing=0.09,
        horizontal_spacing=0.06,
    )
    for k in range(1, n + 1):
        fig.update_xaxes(title_text="w", zeroline=False, row=3, col=k)
        fig.update_yaxes(type="log", row=2, col=k)
        fig.update_yaxes(type="log", row=3, col=k)
    fig.update_yaxes(title_text="w after the epoch", row=1, col=1)
    fig.update_yaxes(title_text="loss (log)", row=2, col=1)
    fig.update_yaxes(title_text="loss at w (log)", row=3, col=1)
    fig.update_layout(
        height=840, showlegend=False, margin=dict(t=40, b=120, l=60, r=20), hovermode="closest"
    )
    return fig


def _lr_ranges(fig: go.Figure, runs, scales, grids) -> None:
    """Fix every axis range, so frames never rescale the axes, and set symlog ticks."""
    for k, (run, scale, grid) in enumerate(zip(runs, scales, grids, strict=True), start=1):
        w_plot = finite_list(_w_axis(np.append(run.w, TARGET_W), scale))
        w_range = _lin_range(w_plot)
        fig.update_yaxes(range=w_range, row=1, col=k)
        fig.update_yaxes(range=_log_range(positive_list(run.loss)), row=2, col=k)
        x3 = finite_list(_w_axis(grid, scale))
        fig.update_xaxes(range=[x3[0], x3[-1]], row=3, col=k)
        fig.update_yaxes(range=_curve_range(run, grid), row=3, col=k)
        if scale == "symlog":
            for row, axis_range in ((1, w_range), (3, [x3[0], x3[-1]])):
                vals, text = symlog_ticks(*axis_range)
                update = fig.update_yaxes if row == 1 else fig.update_xaxes
                update(tickmode="array", tickvals=vals, ticktext=text, row=row, col=k)
        fig.add_hline(
            y=float(_w_axis([TARGET_W], scale)[0]),
            line_dash="dot",
            line_color="#2ca02c",
            row=1,
            col=k,
        )


def _epoch_axes(fig: go.Figure, n_runs: int, epochs: int, log: bool) -> None:
    """Epoch axes of the top two rows: log (early epochs get room) or linear."""
    if log:
        axis = dict(type="log", range=[np.log10(0.8), np.log10(epochs * 1.15)], dtick=1)
        axis["title_text"] = "epoch (log)"
    else:
        axis = dict(type="linear", range=[0, epochs + 1], title_text="epoch")
    for k in range(1, n_runs + 1):
        for row in (1, 2):
            fig.update_xaxes(row=row, col=k, **axis)


def _curve_range(run: LrToyRun, grid: np.ndarray) -> list[float]:
    """Log range covering the loss curves of every epoch (b changes from epoch to epoch)."""
    b = run.b_before.astype(np.float64)
    b = np.unique(b[np.isfinite(b)])
    with np.errstate(over="ignore", invalid="ignore"):
        curves = np.array([lr_toy_loss_curve(grid, v) for v in b]) if b.size else np.ones(1)
    lo = max(float(np.nanmin(np.where(curves > 0, curves, np.inf))), 1e-8)
    hi = float(np.nanmax(np.where(np.isfinite(curves), curves, 0)))
    return _log_range([lo, max(hi, lo * 10)])
