"""The Train page's training curves: pure functions from histories to figures.

No Streamlit and no training here: each builder takes data and returns a `go.Figure`
(or the dict it is built from), so it can be tested (and reused) without a running app.
The two subplots are laid out by hand rather than with `make_subplots`, which costs tens
of milliseconds per call and the curves are redrawn every time an epoch ends.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import plotly.graph_objects as go

from mlp_core.history import History
from mlp_ui import theme
from mlp_ui.screen_style import screen_spec

LOSS_AXIS = "Loss (log scale)"
ACC_AXIS = "Accuracy"
"""The two plots' titles (above them: the y axes have none, to leave the plots room)."""
EPOCH_AXIS = "epoch"
EMPTY_TEXT = "A point appears here<br>after every epoch."
LIVE_EMPTY_TEXT = "The curves grow here<br>while a run trains."
"""What an empty chart says, with points after every epoch or within epochs."""
MOST_POINTS = 600
"""Sub-epoch points drawn per run at most (a long run's are thinned: every redraw sends them)."""


def update_in_place(fig: go.Figure, before: dict, after: dict) -> bool:
    """Bring `fig`, built from the spec `before`, to the spec `after` by setting only the
    properties that differ (plotly validates just those: about 0.4 ms for the growing
    curves of a run, against about 7 ms for building the figure anew). False, with `fig`
    untouched, where `after` has other traces or other properties: build it anew then.
    Each property set is replaced whole, as building the figure from `after` would."""
    old_traces, new_traces = before["data"], after["data"]
    old_layout, new_layout = before["layout"], after["layout"]
    if len(old_traces) != len(new_traces) or old_layout.keys() != new_layout.keys():
        return False
    if any(o.keys() != n.keys() for o, n in zip(old_traces, new_traces, strict=True)):
        return False
    with fig.batch_update():
        for trace, old, new in zip(fig.data, old_traces, new_traces, strict=True):
            for key, value in new.items():
                if old[key] != value:
                    trace[key] = value
        for key, value in new_layout.items():
            if old_layout[key] != value:
                fig.layout[key] = value
    return True


def training_curves(
    histories: list[tuple[str, History]],
    colours: list[str] | None = None,
    x_max: float | None = None,
    within_epochs: bool = False,
    big: bool = False,
    styled: bool = False,
) -> go.Figure:
    """The figure of `training_curves_spec` (same arguments), validated once by `go.Figure`."""
    return go.Figure(training_curves_spec(histories, colours, x_max, within_epochs, big, styled))


def training_curves_spec(
    histories: list[tuple[str, History]],
    colours: list[str] | None = None,
    x_max: float | None = None,
    within_epochs: bool = False,
    big: bool = False,
    styled: bool = False,
) -> dict:
    """Loss (left) and training vs validation accuracy (right), one colour per run.

    Three traces per run, in order: loss, training accuracy (solid), validation accuracy
    (dashed). With `within_epochs`, loss and training accuracy are drawn from the run's
    sub-epoch points (`History.points`, every tenth of an epoch: the curves grow while
    an epoch trains) when it has any (an older model file has none); otherwise from its
    epoch ends. Validation accuracy is only measured at epoch ends. A run that diverged
    gets a vertical "diverged here" line on both plots. `x_max` fixes the epoch axis
    (e.g. to the target epochs, so the curves grow into it). `big`: room for
    projector-sized text (`classroom.style(fig, True)`). `styled`: styled for the screen
    as it is built (`screen_style.screen_spec`; the Train page redraws it several times
    a second). A plain dict ({"data": [...], "layout": {...}}), not yet validated.
    """
    colours = colours or [theme.colour(i) for i in range(99)]
    if not within_epochs:
        histories = [(label, replace(h, points=[])) for label, h in histories]
    layout = _curves_layout(histories, x_max)
    if big:  # the legend clear of the larger axis titles
        layout.update(height=theme.CHART_HEIGHT + 40, margin={**layout["margin"], "b": 90})
        layout["legend"]["y"] = -0.3
    traces = [_placeholder("x", "y"), _placeholder("x2", "y2")] if not histories else []
    for (label, history), colour in zip(histories, colours, strict=False):
        traces += _run_traces(label, history, colour)
        if history.diverged_at is not None:
            _mark_divergence(layout, label if len(histories) > 1 else "", history.diverged_at)
    if not any(h.epochs or h.points or h.diverged_at is not None for _, h in histories):
        layout["annotations"].append(
            {
                "text": LIVE_EMPTY_TEXT if within_epochs else EMPTY_TEXT,
                "showarrow": False,
                "xref": "x domain",  # the middle of the loss plot, clear of the other's axis
                "yref": "y domain",
                "x": 0.5,
                "y": 0.5,
                "font": {"color": theme.MUTED, "size": theme.FONT_SIZE + 1},
            }
        )
    spec = {"data": traces, "layout": layout}
    return screen_spec(spec, big) if styled else spec


def _training_line(history: History) -> tuple[list[float], np.ndarray, np.ndarray, str]:
    """x, loss and training accuracy of a run's curves, and the x's hover format: its
    points (thinned to MOST_POINTS, the latest kept), else its epoch ends."""
    points = history.points
    if not points:
        x = history.column("epoch").tolist()
        return x, history.column("loss"), history.column("train_acc"), "%{x}"
    if len(points) > MOST_POINTS:
        points = points[:: math.ceil(len(points) / MOST_POINTS)] + [points[-1]]
    loss = np.array([p.loss for p in points], dtype=float)
    acc = np.array([p.train_acc for p in points], dtype=float)
    return [p.at for p in points], loss, acc, "%{x:.1f}"


def _run_traces(label: str, history: History, colour: str) -> list[dict]:
    """Loss, training accuracy and validation accuracy of one run."""
    x, loss_y, train_y, at = _training_line(history)
    line_only = bool(history.points)
    common = {
        "type": "scatter",
        "mode": "lines" if line_only else "lines+markers",
        "legendgroup": label,
        "marker": {"size": 5},
    }
    loss = {
        **common,
        "x": x,
        "y": finite_list(loss_y),
        "name": label,
        "line": {"color": colour},
        "hovertemplate": f"epoch {at}<br>loss %{{y:.4g}}<extra>{label}</extra>",
    }
    accs = [
        {
            **common,
            "x": xs,
            "y": finite_list(ys),
            "name": f"{label}: {what}",
            "xaxis": "x2",
            "yaxis": "y2",
            "showlegend": False,
            "line": {"color": colour, "dash": dash},
            "hovertemplate": f"epoch {fmt}<br>{what} %{{y:.2%}}<extra>{label}</extra>",
        }
        for xs, ys, what, dash, fmt in (
            (x, train_y, "training", "solid", at),
            (
                history.column("epoch").tolist(),
                history.column("valid_acc"),
                "validation",
                "dash",
                "%{x}",
            ),
        )
    ]
    accs[1]["mode"] = "lines+markers"  # measured at epoch ends only
    accs[1]["marker"] = {"size": 7 if line_only else 5}
    return [loss, *accs]


def _placeholder(x: str, y: str) -> dict:
    return {
        "type": "scatter",
        "x": [],
        "y": [],
        "xaxis": x,
        "yaxis": y,
        "showlegend": False,
        "hoverinfo": "skip",
    }


def finite_list(values: np.ndarray) -> list[float | None]:
    """Plain floats for plotly, with NaN and inf replaced by None (drawn as gaps)."""
    arr = np.asarray(values, dtype=np.float64).ravel()
    return [float(v) if np.isfinite(v) else None for v in arr]


def positive_list(values: np.ndarray) -> list[float | None]:
    """As `finite_list`, but also drops values <= 0 (they have no place on a log axis)."""
    return [v if v is not None and v > 0 else None for v in finite_list(values)]


STYLES = "solid: training · dashed: validation"


def _curves_layout(histories: list[tuple[str, History]], x_max: float | None) -> dict:
    """Two side-by-side plots sharing an epoch range that leaves room for every run."""
    right = max([_extent(h) for _, h in histories] + [x_max or 0, 1 if histories else 10])
    empty = not any(h.epochs or h.points for _, h in histories)
    left = 0.5 if histories and not any(h.points for _, h in histories) else 0  # 0: points
    line = {"showline": True, "linecolor": "#bbbbbb", "zeroline": False}
    epoch = {**line, "range": [left, right + 0.5], "title": {"text": EPOCH_AXIS}}
    if right <= 12:  # whole epochs only, every other one if they would crowd
        epoch.update(tick0=0, dtick=1 if right <= 6 else 2)
    losses = [v for _, h in histories for v in h.column("loss")]
    loss_ticks = loss_axis(losses + [p.loss for _, h in histories for p in h.points])
    return {
        "height": theme.CHART_HEIGHT,
        "margin": {"l": 10, "r": 10, "t": 40, "b": 50},
        "font": {"size": theme.FONT_SIZE},
        "uirevision": "curves",  # keep the user's zoom while the curves grow
        # the line styles over the runs' names: inside the accuracy plot the note covered
        # the start of its curve on a phone
        "legend": {
            "orientation": "h",
            "y": -0.22,
            "x": 0,
            "title": {"text": STYLES, "side": "top"},
        },
        "xaxis": {**epoch, "domain": [0, 0.42]},
        "yaxis": {**line, **loss_ticks, "type": "log", "automargin": True},
        "xaxis2": {**epoch, "domain": [0.62, 1], "anchor": "y2"},
        "yaxis2": {
            **line,
            "anchor": "x2",
            "tickformat": ".0%",
            "range": [0, 1] if empty else None,
        },
        "annotations": [
            _title(LOSS_AXIS, 0.21),
            _title(ACC_AXIS, 0.81),
        ],
        "shapes": [],
    }


def loss_axis(losses: list[float]) -> dict:
    """Range, tick values and labels of the log loss axis, the labels written out in full.

    Plotly's own log ticks label minor ticks with a bare digit ("2", "5") and show none
    at all on a short range, both puzzling for a loss that goes from 2.3 to 0.05. A
    range narrower than a factor of 2.5 (e.g. a single epoch) is widened around it.
    """
    values = [v for v in losses if math.isfinite(v) and v > 0] or [0.1, 10.0]
    lo, hi = min(values), max(values)
    if hi / lo < 2.5:
        middle = math.sqrt(lo * hi)
        lo, hi = middle / 1.6, middle * 1.6
    if hi / lo < 4:  # a short range: evenly spaced round numbers
        step = _nice((hi - lo) / 5)
        ticks = np.arange(math.floor(lo / step), math.ceil(hi / step) + 1) * step
    else:
        mantissas = (1, 2, 5) if hi / lo < 1e3 else (1,)
        decades = range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)
        ticks = np.array([m * 10.0**e for e in decades for m in mantissas])
    ticks = ticks[ticks > 0]
    # A tick just outside the curves joins the range, so that the lowest and the highest
    # points have a labelled value beside them (0.027 gets 0.02, not a bare axis below 0.05).
    below, above = ticks[ticks <= lo], ticks[ticks >= hi]
    if len(below) and lo / below.max() <= 1.6:
        lo = below.max()
    if len(above) and above.min() / hi <= 1.6:
        hi = above.min()
    pad = 0.05 * math.log10(hi / lo)
    return {
        "range": [math.log10(lo) - pad, math.log10(hi) + pad],
        "tickvals": ticks.tolist(),
        "ticktext": [f"{t:,.0f}" if t >= 1000 else f"{t:.3g}" for t in ticks],
    }


def _nice(x: float) -> float:
    """The smallest of 1, 2, 2.5, 5 times a power of ten that is at least x."""
    power = 10.0 ** math.floor(math.log10(x))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= x)


def _extent(history: History) -> float:
    """How far along the epoch axis a run reaches (including where it diverged)."""
    last = history.points[-1].at if history.points else 0.0
    return max(len(history.epochs), math.ceil(max(last, history.diverged_at or 0.0)))


def _title(text: str, x: float) -> dict:
    return {
        "text": f"<b>{text}</b>",
        "x": x,
        "y": 1.0,
        "xref": "paper",
        "yref": "paper",
        "xanchor": "center",
        "yanchor": "bottom",
        "showarrow": False,
    }


def _mark_divergence(layout: dict, label: str, at: float) -> None:
    """A dotted vertical line on both plots where the run's loss blew up."""
    line = {"color": theme.DIVERGED, "width": 2, "dash": "dot"}
    for x, y in (("x", "y"), ("x2", "y2")):
        layout["shapes"].append(
            {
                "type": "line",
                "x0": at,
                "x1": at,
                "y0": 0,
                "y1": 1,
                "xref": x,
                "yref": f"{y} domain",
                "line": line,
            }
        )
    text = f"{label} diverged here" if label else "diverged here"
    layout["annotations"].append(
        {
            "x": at,
            "y": 0.95,
            "xref": "x",
            "yref": "y domain",
            "text": text,
            "showarrow": False,
            "xanchor": "right",
            "font": {"color": theme.DIVERGED},
            "bgcolor": "rgba(255,255,255,0.8)",
        }
    )
