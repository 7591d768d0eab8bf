"""The Libraries page's curves: the Train page's figure, one style per library."""

from __future__ import annotations

import plotly.graph_objects as go

from mlp_core.history import EpochStats, History
from mlp_ui import library_figures as lf


def _history(n: int, shift: float = 0.0) -> History:
    return History([EpochStats(i, 1 / i + shift, 0.9, 0.88, 0.2) for i in range(1, n + 1)])


def test_three_traces_per_library_with_its_colour_and_style():
    runs = [("mlp_core", _history(3)), ("scikit-learn", _history(3)), ("PyTorch", _history(2))]
    fig = lf.library_curves(runs, x_max=5)
    assert isinstance(fig, go.Figure) and len(fig.data) == 9
    for i, (name, _) in enumerate(runs):
        traces = fig.data[3 * i : 3 * i + 3]
        symbol, size, width = lf.LIBRARY_STYLE[name]
        assert {t.line.color for t in traces} == {lf.LIBRARY_COLOURS[name]}
        assert {(t.marker.symbol, t.marker.size, t.line.width) for t in traces} == {
            (symbol, size, width)
        }
        assert traces[0].name == name and list(traces[0].x) == list(range(1, len(traces[0].x) + 1))
    widths = [lf.LIBRARY_STYLE[name][2] for name, _ in runs]
    assert widths == sorted(widths, reverse=True)  # the thinner lines show inside the thick
    assert fig.layout.legend.title.text == "library"
    fig.to_json()


def test_no_runs_gives_the_empty_chart():
    fig = lf.library_curves([])
    assert all(len(t.x) == 0 for t in fig.data)
    assert any("after every epoch" in a.text for a in fig.layout.annotations)
