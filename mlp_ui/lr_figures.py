"""The learning-rate toy's animated figure (pure: no Streamlit): one large panel per
learning rate showing the weight, the loss, or the loss bowl with each step.

The animation runs in the browser (plotly frames, only the moving traces in them); the
page presses its Play, Pause and Replay with buttons of its own (mlp_ui.animation). Each
panel draws the run only as far as the frame shown: nothing of the ending is given away
before it plays. Values that blow up are pinned to the chart's edge and labelled
"diverged" rather than stretching an axis; every tick is a plain number.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from mlp_core.toys import LrToyRun, lr_toy_loss_curve
from mlp_ui.figures import finite_list, positive_list
from mlp_ui.lr_toy_text import TARGET_W
from mlp_ui.theme import DIVERGED, colour
from mlp_ui.toy_common import log_range, log_ticks, plain_number, play_controls

W_LIMIT = 1e5
"""Weights beyond +-W_LIMIT are off the chart: marked 'diverged', not plotted."""
LOSS_LIMIT = 1e12
"""Losses beyond this are off the chart likewise (lr = 1 stuck: about 1.5e9, shown)."""


TARGET_COLOUR = "#000000"
"""The answer w = 3, dotted: black beside the runs' Okabe-Ito colours (plotly's green was
off the palette, and close to the third run's bluish green)."""


def _off_chart(values: np.ndarray, limit: float) -> np.ndarray:
    """Where values are off the chart: inf, nan, or beyond +-limit."""
    v = np.asarray(values, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return ~(np.isfinite(v) & (np.abs(v) <= limit))


def _pinned(values: np.ndarray, limit: float) -> np.ndarray:
    """Values with the off-chart ones pinned to the edge they left by (nan: the top)."""
    v = np.asarray(values, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        edge = np.where(v < 0, -limit, limit)
    return np.where(_off_chart(v, limit), edge, v)


def _off_note(name: str, values: np.ndarray, limit: float, e: int) -> str:
    """What the panel says at epoch e once the run has left the chart (else ' ')."""
    off = np.flatnonzero(_off_chart(values[:e], limit))
    if not off.size:
        return " "  # not "": a text element must exist for frames to update it
    note = f"diverged: {name} passed {plain_number(limit)} at epoch {off[0] + 1}"
    inf = np.flatnonzero(~np.isfinite(np.asarray(values[:e], dtype=np.float64)))
    if inf.size:
        what = "w overflowed float32" if name == "w" else "the loss is infinite"
        note += f"<br>{what} at epoch {inf[0] + 1}"
    return note


def _dot(color: str, big: bool) -> dict:
    return dict(color=color, size=16 if big else 12, line=dict(color="white", width=1.5))


def _dot_at(values: np.ndarray, limit: float, e: int, color: str, listed) -> dict:
    """The dot at epoch e: on the chart, or pinned to its edge as a red triangle."""
    off = bool(_off_chart(values[e - 1 : e], limit)[0])
    symbol = ("triangle-down" if values[e - 1] < 0 else "triangle-up") if off else "circle"
    return {
        "x": [e],
        "y": listed(_pinned(values[e - 1 : e], limit)),
        "marker": {"symbol": symbol, "color": DIVERGED if off else color},
    }


def _series_panel(run: LrToyRun, shown: np.ndarray, view: str, color: str, big: bool):
    """The weight (or loss) over the epochs: the trail so far and a dot (no faint whole
    run: the ending is the student's to find out).

    Returns the static traces (none), the moving traces and a function of the epoch
    giving the moving traces' data.
    """
    name, values, limit = ("w", run.w, W_LIMIT) if view == "w" else ("loss", run.loss, LOSS_LIMIT)
    values = np.asarray(values, dtype=np.float64)
    kept = np.where(_off_chart(values, limit), np.nan, values)
    listed = finite_list if view == "w" else positive_list
    moving = [
        go.Scatter(mode="lines", name="so far", line=dict(color=color, width=3), hoverinfo="skip"),
        go.Scatter(mode="markers", name="now", marker=_dot(color, big), hoverinfo="x+y"),
        go.Scatter(
            mode="text", textfont=dict(color=DIVERGED, size=24 if big else 18), hoverinfo="skip"
        ),
    ]

    def frame(e: int) -> list[dict]:
        upto = shown[shown <= e]
        return [
            {"x": upto, "y": listed(kept[upto - 1])},
            _dot_at(values, limit, e, color, listed),
            {"text": [_off_note(name, values, limit, e)]},
        ]

    return [], moving, frame


def _w_grid(run: LrToyRun, points: int = 161) -> np.ndarray:
    """Weights at which to draw the bowl: the visited range on the chart, 0 and 3, padded."""
    w = np.concatenate([run.w_before, run.w, [TARGET_W, 0.0]]).astype(np.float64)
    w = w[~_off_chart(w, W_LIMIT)]
    lo, hi = w.min(), w.max()
    pad = 0.08 * (hi - lo) or 1.0
    return np.linspace(lo - pad, hi + pad, points)


def _bowl_panel(run: LrToyRun, grid: np.ndarray, color: str, big: bool):
    """The loss against w (b held at its value that epoch) and the epoch's step on it."""
    moving = [
        go.Scatter(x=grid, mode="lines", line=dict(color="#666666", width=2), hoverinfo="skip"),
        go.Scatter(
            mode="lines+markers",
            line=dict(color=color, width=3),
            marker=dict(color=color, size=[18, 11] if big else [14, 9], symbol=["circle", "x"]),
            hoverinfo="x+y",
        ),
        go.Scatter(
            mode="text", textfont=dict(color=DIVERGED, size=24 if big else 18), hoverinfo="skip"
        ),
    ]
    w_all = np.asarray(run.w, dtype=np.float64)
    edge = (grid[0], grid[-1])

    def frame(e: int) -> list[dict]:
        i = e - 1
        wb, bb, wa = (np.float64(v[i]) for v in (run.w_before, run.b_before, run.w))
        with np.errstate(over="ignore", invalid="ignore"):
            curve = lr_toy_loss_curve(grid, bb) if np.isfinite(bb) else np.full(grid.shape, np.nan)
            ends = np.clip(np.nan_to_num(np.array([wb, wa]), nan=edge[1]), *edge)
            step = lr_toy_loss_curve(ends, bb)
        step = np.where(step > LOSS_LIMIT, np.nan, step)
        return [
            {"y": plot_array(np.where(curve > LOSS_LIMIT, np.nan, curve))},
            {"x": ends, "y": positive_list(step)},
            {"text": [_off_note("w", w_all, W_LIMIT, e)]},
        ]

    return [], moving, frame


def plot_array(values: np.ndarray) -> np.ndarray | list[float | None]:
    """Values for a frame: a compact float32 array when all finite and small enough,
    else a list with None for the gaps (plotly frames then carry no NaN)."""
    arr = np.asarray(values, dtype=np.float64).ravel()
    if np.all(np.isfinite(arr)) and np.all(arr > 0) and arr.max() < 1e30:
        return arr.astype(np.float32)
    return positive_list(arr)


def lr_toy_figure(
    runs: Sequence[LrToyRun],
    epochs_shown: Sequence[int],
    log_epochs: bool = True,
    view: str = "w",
    big: bool = False,
    stacked: bool = False,
) -> go.Figure:
    """The 1-D toy for a few learning rates side by side (one large panel each), animated.

    ``view``: "w" (the weight after each epoch), "loss" (the loss before each update) or
    "bowl" (the loss against w, b held at its value that epoch, with the epoch's step).
    Values that leave the chart are pinned to its edge and labelled "diverged".
    ``epochs_shown`` (1-based) are the animation frames (see ``frame_epochs``);
    ``log_epochs`` puts the epoch axis on a log scale (pairs with log-spaced frames);
    ``big``: projector sizes (markers, buttons); ``stacked``: panels one under the other.
    """
    shown = np.asarray([int(e) for e in epochs_shown])
    fig = _lr_layout(runs, view, big, stacked)
    grids = [_w_grid(run) for run in runs]
    panels = [
        _bowl_panel(run, grid, colour(k), big)
        if view == "bowl"
        else _series_panel(run, shown, view, colour(k), big)
        for k, (run, grid) in enumerate(zip(runs, grids, strict=True))
    ]
    _animate(fig, panels, shown)
    for k, (run, grid) in enumerate(zip(runs, grids, strict=True), start=1):
        _panel_axes(fig, k, run, grid, view, log_epochs)
    labels = [str(e) for e in shown]
    menus, sliders = play_controls(
        labels, labels, 90, False, _controls_y(fig), size=_button(big), menu_hidden=True
    )
    fig.update_layout(updatemenus=menus, sliders=sliders)
    return fig


def _animate(fig: go.Figure, panels: list, shown: np.ndarray) -> None:
    """Add each panel's static and moving traces (panel k in column k + 1) and one frame
    per shown epoch, carrying only the moving traces' data."""
    for k, (static, _, _) in enumerate(panels):
        for trace in static:
            fig.add_trace(trace, **_cell(fig, k + 1))
    first = len(fig.data)
    for k, (_, moving, _) in enumerate(panels):
        for trace in moving:
            fig.add_trace(trace, **_cell(fig, k + 1))

    def moving_data(e: int) -> list[dict]:
        return [d for _, _, frame in panels for d in frame(int(e))]

    for trace, update in zip(fig.data[first:], moving_data(shown[0]), strict=True):
        trace.update(update)
    indices = list(range(first, len(fig.data)))
    fig.frames = [
        go.Frame(data=[go.Scatter(d) for d in moving_data(e)], traces=indices, name=str(e))
        for e in shown
    ]


def _button(big: bool) -> int:
    """Play/Pause text size in px: readable from the back of a room."""
    return 30 if big else 24


def _controls_y(fig: go.Figure) -> float:
    """Paper y of the Play/Pause row: under the x axis title, whatever the height."""
    m = fig.layout.margin
    return -95 / (fig.layout.height - m.t - m.b)


def _cell(fig: go.Figure, k: int) -> dict:
    """Where panel k (from 1) is: row 1, column k; or row k when the panels are stacked."""
    return {"row": k, "col": 1} if (fig.layout.meta or {}).get("stacked") else {"row": 1, "col": k}


def _lr_layout(runs: Sequence[LrToyRun], view: str, big: bool, stacked: bool) -> go.Figure:
    """One panel per learning rate, titled by the rate: side by side, or one under the
    other (`stacked`: a phone's width holds one panel)."""
    n = len(runs)
    titles = [f"lr = {r.lr:g}" for r in runs]
    if stacked:
        fig = make_subplots(rows=n, cols=1, subplot_titles=titles, vertical_spacing=0.42 / n)
    else:
        fig = make_subplots(
            rows=1, cols=n, subplot_titles=titles, horizontal_spacing=0.05 if n > 2 else 0.08
        )
    fig.layout.meta = {"stacked": stacked}  # read by _cell while the figure is built
    for note in fig.layout.annotations:
        note.font = dict(size=26 if big else 20, color="#111111")
    y_title = {"w": "w after the epoch", "loss": "loss before the update (log)"}
    fig.update_yaxes(title_text=y_title.get(view, "loss at w (log)"), row=1, col=1)
    fig.update_layout(
        # no room under the x axis for plotly's Play and slider: the page's own are above
        height=(510 if big else 470) if not stacked else 30 + 340 * n,
        margin=dict(t=50, b=70, l=70, r=20),
        hovermode="closest",
        showlegend=False,
    )
    return fig


PLAIN = ",~f"
"""d3 tick format of linear axes: 0.5, 3, 12,755 (no 12.8k, no 100u)."""


def _panel_axes(fig, k: int, run: LrToyRun, grid: np.ndarray, view: str, log_epochs: bool):
    """Fixed ranges (frames never rescale an axis), plain ticks, the answer w = 3."""
    if view == "bowl":
        fig.update_xaxes(
            range=[grid[0], grid[-1]], tickformat=PLAIN, title_text="w", **_cell(fig, k)
        )
        y = _curve_range(run, grid)
        x_mid = float(grid.mean())
        fig.add_vline(x=TARGET_W, line_dash="dot", line_color=TARGET_COLOUR, **_cell(fig, k))
    else:
        x_mid = _epoch_axis(fig, k, len(run.loss), log_epochs)
        values = np.asarray(run.w if view == "w" else run.loss, dtype=np.float64)
        limit = W_LIMIT if view == "w" else LOSS_LIMIT
        kept = values[~_off_chart(values, limit)]
        if view == "w":
            off = bool(_off_chart(values, limit).any())
            w_range = [-1.1 * limit, 1.1 * limit] if off else _lin_range([*kept, TARGET_W, 0.0])
            fig.update_yaxes(range=w_range, tickformat=PLAIN, **_cell(fig, k))
            fig.add_hline(y=TARGET_W, line_dash="dot", line_color=TARGET_COLOUR, **_cell(fig, k))
            _text_at(fig, k, x_mid, float(np.mean(w_range)))
            return
        top = LOSS_LIMIT if kept.size < values.size else None
        y = log_range([*kept[kept > 0], *([top] if top else [])])
    fig.update_yaxes(type="log", range=y, **_cell(fig, k), **log_ticks(*y))
    _text_at(fig, k, x_mid, float(10 ** np.mean(y)))


def _text_at(fig: go.Figure, k: int, x: float, y: float) -> None:
    """Put panel k's note (its text trace) at (x, y), the middle of the panel."""
    notes = [t for t in fig.data if t.mode == "text"]
    notes[k - 1].update(x=[x], y=[y])


def _epoch_axis(fig: go.Figure, k: int, epochs: int, log: bool) -> float:
    """Panel k's epoch axis, log (early epochs get room) or linear; returns its middle."""
    if log:
        ticks = [e for e in (1, 10, 100, 1000, 10_000) if e <= epochs]
        fig.update_xaxes(
            type="log",
            range=[np.log10(0.8), np.log10(epochs * 1.15)],
            tickmode="array",
            tickvals=ticks,
            ticktext=[plain_number(e) for e in ticks],
            title_text="epoch (log)",
            **_cell(fig, k),
        )
        return float(np.sqrt(epochs))
    fig.update_xaxes(
        type="linear", range=[0, epochs + 1], tickformat=",d", title_text="epoch", row=1, col=k
    )
    return epochs / 2


def _lin_range(values) -> list[float]:
    """Linear range around the values with 8 % padding."""
    v = np.array([x for x in values if x is not None], dtype=np.float64)
    lo, hi = (v.min(), v.max()) if v.size else (-1.0, 1.0)
    pad = 0.08 * (hi - lo) or 1.0
    return [float(lo - pad), float(hi + pad)]


def _curve_range(run: LrToyRun, grid: np.ndarray) -> list[float]:
    """Log range covering the bowl of every epoch (b changes from epoch to epoch)."""
    b = run.b_before.astype(np.float64)
    b = np.unique(b[np.isfinite(b)])
    with np.errstate(over="ignore", invalid="ignore"):
        curves = np.array([lr_toy_loss_curve(grid, v) for v in b]) if b.size else np.ones(1)
    curves = np.where(curves > LOSS_LIMIT, np.nan, curves)
    lo = max(float(np.nanmin(np.where(curves > 0, curves, np.inf))), 1e-8)
    hi = float(np.nanmax(np.where(np.isfinite(curves), curves, 0)))
    return log_range([lo, max(hi, lo * 10)])
