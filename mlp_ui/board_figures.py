"""The board's figures, pure: the spread of every submission and the top five's curves.

Names are people's typed text: plotly reads a few HTML tags in text and hover labels
(<b>, <br>, <a href>), so every name goes in escaped (`html.escape`) and shows as typed.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go

from mlp_class.api import Entry
from mlp_core.challenge import MEASURE, Measure, Rules
from mlp_ui import theme

ACCURACY = MEASURE["test accuracy"]


@dataclass(frozen=True)
class Curve:
    """The per-epoch number the top five's curves show: its key in each epoch's row of an
    entry's history, the axis title, the factor it is shown with, its name, and where
    it was measured (for the chart's title)."""

    key: str
    title: str
    scale: float
    what: str
    where: str = ""


VALID = Curve("valid_acc", "Validation accuracy (%)", 100.0, "validation accuracy")
TEST_LOSS = Curve(
    "test_loss",
    "Test loss",
    1.0,
    "test loss on the page's test points",
    ", on the page's test points",
)


def curve_of(rules: Rules) -> Curve:
    """A Playground entry keeps its test loss per epoch; an MNIST one its accuracies."""
    return TEST_LOSS if rules.playground else VALID


LOG_TICKS = dict(dtick="D2", tickformat="~s")
AXES = {
    "params": ("Parameters (weights and biases)", "log"),
    "seconds": ("Training time (s)", "linear"),
}


def seconds(s: float) -> float:
    """Training seconds as shown: two significant digits under 10 s (a tiny run's 0.04 s
    is not 0), one decimal above."""
    return float(f"{s:.2g}") if s < 10 else round(s, 1)


def _label(e: Entry, measure: Measure) -> str:
    return (
        f"{html.escape(e.name)}: {measure.text(e.score)}, {e.params:,} parameters, "
        f"{seconds(e.seconds):g} s"
    )


def y_title(measure: Measure) -> str:
    return "Private half (%)" if measure.percent else "Private test loss"


def spread(
    entries: Sequence[Entry], best: Sequence[Entry], x: str = "params", measure: Measure = ACCURACY
) -> go.Figure:
    """The measure (accuracy, or a Playground challenge's loss) against parameters (or
    training seconds): every submission a grey dot, each student's best a coloured one."""
    title, scale = AXES[x]
    best_ids = {e.id for e in best}
    rest = [e for e in entries if e.id not in best_ids and e.removed is None]
    traces = [
        _dots(rest, x, "earlier submissions", theme.MUTED, 9, measure),
        _dots(list(best), x, "each student's best", theme.RUN_COLOURS[0], 14, measure),
    ]
    layout = dict(
        title=dict(text="Every entry vs " + title.split(" (")[0].lower()),
        # a log axis labels 1, 2 and 5 of each decade, as 10k (every digit's full number
        # ran together: "70,00080,000")
        xaxis=dict(title=dict(text=title), type=scale, **(LOG_TICKS if scale == "log" else {})),
        yaxis=dict(title=dict(text=y_title(measure))),
        height=theme.CHART_HEIGHT,
        legend=dict(orientation="h", y=-0.3, yanchor="top"),  # below the axis title
        margin=dict(t=60, l=90, r=20, b=110),
    )
    return go.Figure(dict(data=traces, layout=layout))


def _dots(
    entries: Sequence[Entry], x: str, name: str, colour: str, size: int, measure: Measure
) -> dict:
    return dict(
        type="scatter",
        mode="markers",
        name=name,
        x=[getattr(e, x) for e in entries],
        y=[(100 if measure.percent else 1) * e.score for e in entries],
        hovertext=[_label(e, measure) for e in entries],
        hoverinfo="text",
        marker=dict(color=colour, size=size, line=dict(color="#ffffff", width=1)),
    )


def top_curves(top: Sequence[Entry], curve: Curve = VALID) -> go.Figure:
    """Validation accuracy (or a Playground entry's test loss) per epoch of the top
    entries, one colour each."""
    traces = []
    for k, e in enumerate(top):
        epochs = e.history.get("epochs", [])
        traces.append(
            dict(
                type="scatter",
                mode="lines+markers",
                name=f"{k + 1}. {html.escape(e.name)}",
                x=[row["epoch"] for row in epochs],
                y=[curve.scale * row[curve.key] for row in epochs],
                line=dict(color=theme.colour(k), width=2),
            )
        )
    layout = dict(
        title=dict(text="Top five while training" + curve.where),
        xaxis=dict(title=dict(text="Epoch")),
        yaxis=dict(title=dict(text=curve.title)),
        height=theme.CHART_HEIGHT,
        legend=dict(orientation="h", y=-0.3, yanchor="top"),  # below the axis title
        margin=dict(t=60, l=90, r=20, b=110),
    )
    return go.Figure(dict(data=traces, layout=layout))
