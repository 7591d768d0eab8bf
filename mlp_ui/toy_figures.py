"""Plotly figures for the three textbook toys: learning rate, backprop, decision boundary.

Pure builders: arrays (or the core's run objects) in, ``go.Figure`` out. No Streamlit,
no training. Plotted data never contain NaN or inf: non-finite values become ``None``
(a gap in a line, a missing marker), and the learning-rate figure says in a text trace
when a weight has overflowed.

Animations use plotly frames with a play/pause menu and an epoch slider, so they run
in the browser without a round trip to the server. Only the traces that move are put
in the frames, which keeps the JSON small and the playback smooth.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from mlp_core.toys import BackpropRun, LrToyRun, lr_toy_loss_curve
from mlp_ui.figures import finite_list, positive_list
from mlp_ui.theme import colour

POSITIVE, NEGATIVE = "#2166ac", "#b2182b"  # edge colours: weight > 0, weight < 0
CLASS_COLORS = ("#b2182b", "#2166ac")  # moons class 0, class 1
BOUNDARY_SCALE = [[0.0, "#f4a582"], [0.5, "#f7f7f7"], [1.0, "#92c5de"]]
SYMLOG_ABOVE = 100.0
"""A weight axis turns signed-logarithmic when |w| goes beyond this."""
TARGET_W = 3.0
"""The weight the 1-D toy should find (y = 3x)."""


# --- small helpers ------------------------------------------------------------------


def symlog(values: np.ndarray) -> np.ndarray:
    """Signed log: sign(v) * log10(1 + |v|). Linear near 0, logarithmic for large |v|."""
    v = np.asarray(values, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return np.sign(v) * np.log10(1 + np.abs(v))


def symlog_inverse(values: np.ndarray) -> np.ndarray:
    """Inverse of ``symlog``."""
    v = np.asarray(values, dtype=np.float64)
    return np.sign(v) * (10 ** np.abs(v) - 1)


def symlog_ticks(lo: float, hi: float) -> tuple[list[float], list[str]]:
    """Tick positions (in symlog units) and labels 0, ±10, ±1e3, ... covering [lo, hi]."""
    top = int(np.floor(max(abs(lo), abs(hi), 1.0)))  # largest decade inside the range
    step = max(1, -(-top // 3))  # at most 3 ticks each side of 0
    values = [0.0]
    for k in range(top, 0, -step):
        values += [10.0**k, -(10.0**k)]
    ticks = sorted(v for v in values if lo <= symlog(v) <= hi)
    return [float(symlog(v)) for v in ticks], [_power_label(v) for v in ticks]


def _power_label(v: float) -> str:
    """0, 10, 100, 1e3 ... with a proper minus sign."""
    if v == 0:
        return "0"
    k = int(round(np.log10(abs(v))))
    text = f"{abs(v):.0f}" if k <= 2 else f"1e{k}"
    return ("\u2212" if v < 0 else "") + text


def frame_epochs(epochs: int, n: int = 150, spacing: str = "log") -> np.ndarray:
    """Which epochs (1-based) become animation frames: at most n of them, always 1 and last.

    ``"log"`` keeps every early epoch (where lr = 0.1 oscillates) and thins out later;
    ``"uniform"`` spreads them evenly.
    """
    if spacing not in ("log", "uniform"):
        raise ValueError(f"spacing must be 'log' or 'uniform', got {spacing!r}")
    if epochs <= n:
        return np.arange(1, epochs + 1)
    grid = np.geomspace(1, epochs, n) if spacing == "log" else np.linspace(1, epochs, n)
    return np.unique(np.round(grid).astype(int))


def _play_controls(
    labels: Sequence[str],
    names: Sequence[str],
    duration: int,
    redraw: bool,
    y: float,
    from_start: bool = False,
):
    """A play/pause menu and a slider driving frames ``names``, at height y (paper units).

    Play resumes from the current frame, or replays from the first with ``from_start``.
    The slider's current-value label ("Epoch 12") sits at its right end, clear of the
    buttons.
    """
    play = {
        "frame": {"duration": duration, "redraw": redraw},
        "fromcurrent": not from_start,
        "transition": {"duration": 0},
        "mode": "immediate",
    }
    pause = {
        "frame": {"duration": 0, "redraw": False},
        "mode": "immediate",
        "transition": {"duration": 0},
    }
    menu = dict(
        type="buttons",
        direction="left",
        x=0.0,
        y=y,
        xanchor="left",
        yanchor="top",
        pad={"r": 8, "t": 8},
        showactive=False,
        buttons=[
            dict(label="\u25b6 Play", method="animate", args=[None, play]),
            dict(label="\u275a\u275a Pause", method="animate", args=[[None], pause]),
        ],
    )
    steps = [
        dict(
            label=lab,
            method="animate",
            args=[
                [name],
                {
                    "frame": {"duration": 0, "redraw": redraw},
                    "mode": "immediate",
                    "transition": {"duration": 0},
                },
            ],
        )
        for lab, name in zip(labels, names, strict=True)
    ]
    slider = dict(
        active=0,
        steps=steps,
        x=0.16,
        len=0.84,
        y=y,
        yanchor="top",
        pad={"t": 8},
        currentvalue={"prefix": "Epoch ", "font": {"size": 14}, "xanchor": "right"},
    )
    return [menu], [slider]


# --- 1. the learning-rate toy ---------------------------------------------------------


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
    fig.layout.updatemenus, fig.layout.sliders = _play_controls(labels, labels, 90, False, -0.075)
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


# --- 2. the backprop toy --------------------------------------------------------------

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


# --- 3. the moons toy -----------------------------------------------------------------


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
        menus, sliders = _play_controls(list(labels), names, 150, True, -0.16, from_start=True)
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
