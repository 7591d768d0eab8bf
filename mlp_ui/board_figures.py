"""The board's figures, pure: the spread of every submission and the top five's curves.

Names are people's typed text: plotly reads a few HTML tags in text and hover labels
(<b>, <br>, <a href>), so every name goes in escaped (`html.escape`) and shows as typed.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import plotly.graph_objects as go

from mlp_class.api import Entry
from mlp_ui import theme

AXES = {
    "params": ("Parameters (weights and biases)", "log"),
    "seconds": ("Training time (s)", "linear"),
}


def seconds(s: float) -> float:
    """Training seconds as shown: two significant digits under 10 s (a tiny run's 0.04 s
    is not 0), one decimal above."""
    return float(f"{s:.2g}") if s < 10 else round(s, 1)


def _label(e: Entry) -> str:
    return (
        f"{html.escape(e.name)}: {e.score:.2%}, {e.params:,} parameters, {seconds(e.seconds):g} s"
    )


def spread(entries: Sequence[Entry], best: Sequence[Entry], x: str = "params") -> go.Figure:
    """Accuracy against parameters (or training seconds): every submission a grey dot,
    each student's best a coloured one."""
    title, scale = AXES[x]
    best_ids = {e.id for e in best}
    rest = [e for e in entries if e.id not in best_ids and e.removed is None]
    traces = [
        _dots(rest, x, "earlier submissions", theme.MUTED, 9),
        _dots(list(best), x, "each student's best", theme.RUN_COLOURS[0], 14),
    ]
    layout = dict(
        title=dict(text="Every entry vs " + title.split(" (")[0].lower()),
        xaxis=dict(title=dict(text=title), type=scale, tickformat=",~r" if x == "params" else ""),
        yaxis=dict(title=dict(text="Private half (%)")),
        height=theme.CHART_HEIGHT,
        legend=dict(orientation="h", y=-0.3, yanchor="top"),  # below the axis title
        margin=dict(t=60, l=90, r=20, b=110),
    )
    return go.Figure(dict(data=traces, layout=layout))


def _dots(entries: Sequence[Entry], x: str, name: str, colour: str, size: int) -> dict:
    return dict(
        type="scatter",
        mode="markers",
        name=name,
        x=[getattr(e, x) for e in entries],
        y=[100 * e.score for e in entries],
        hovertext=[_label(e) for e in entries],
        hoverinfo="text",
        marker=dict(color=colour, size=size, line=dict(color="#ffffff", width=1)),
    )


def top_curves(top: Sequence[Entry]) -> go.Figure:
    """Validation accuracy per epoch of the top entries, one colour each."""
    traces = []
    for k, e in enumerate(top):
        epochs = e.history.get("epochs", [])
        traces.append(
            dict(
                type="scatter",
                mode="lines+markers",
                name=f"{k + 1}. {html.escape(e.name)}",
                x=[row["epoch"] for row in epochs],
                y=[100 * row["valid_acc"] for row in epochs],
                line=dict(color=theme.colour(k), width=2),
            )
        )
    layout = dict(
        title=dict(text="Top five while training"),
        xaxis=dict(title=dict(text="Epoch")),
        yaxis=dict(title=dict(text="Validation accuracy (%)")),
        height=theme.CHART_HEIGHT,
        legend=dict(orientation="h", y=-0.3, yanchor="top"),  # below the axis title
        margin=dict(t=60, l=90, r=20, b=110),
    )
    return go.Figure(dict(data=traces, layout=layout))
