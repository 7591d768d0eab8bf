"""The Train page's figure builders: pure functions, checked without a Streamlit runtime."""

from __future__ import annotations

import ast
import json
import math
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest

from mlp_core.history import EpochStats, History, Point
from mlp_ui import figures, model_figures, screen_style, theme


def _history(n: int, status: str = "done", diverged_at: float | None = None) -> History:
    epochs = [EpochStats(i, 2.3 / i, 0.8 + i / 100, 0.78 + i / 120, 0.3) for i in range(1, n + 1)]
    return History(epochs, status, "", diverged_at)


def _numbers(fig: go.Figure) -> list[float]:
    """Every number in the figure's traces (None gaps dropped)."""
    out = []
    for trace in fig.data:
        for name in ("x", "y", "z"):
            values = getattr(trace, name, None)
            if values is not None:
                out.extend(
                    float(v) for v in np.ravel(np.asarray(values, dtype=object)) if v is not None
                )
    return out


def test_curves_has_three_traces_per_run_in_colour_order():
    runs = [("#1 small", _history(3)), ("#2 big", _history(5))]
    fig = figures.training_curves(runs, colours=["#111111", "#222222"])
    assert isinstance(fig, go.Figure)
    assert len(fig.data) == 6
    assert [t.name for t in fig.data] == [
        "#1 small",
        "#1 small: training",
        "#1 small: validation",
        "#2 big",
        "#2 big: training",
        "#2 big: validation",
    ]
    assert [t.line.color for t in fig.data] == ["#111111"] * 3 + ["#222222"] * 3
    assert [t.line.dash for t in fig.data[1:3]] == ["solid", "dash"]
    assert list(fig.data[3].y) == pytest.approx([2.3 / i for i in range(1, 6)])
    assert [t.yaxis or "y" for t in fig.data[:3]] == ["y", "y2", "y2"]


def test_curves_axis_titles_and_log_loss_axis():
    fig = figures.training_curves([("run", _history(4))])
    layout = fig.layout
    assert layout.xaxis.title.text == layout.xaxis2.title.text == figures.EPOCH_AXIS
    titles = [a.text for a in layout.annotations]  # above the plots, not beside their axes
    assert f"<b>{figures.LOSS_AXIS}</b>" in titles and f"<b>{figures.ACC_AXIS}</b>" in titles
    assert layout.yaxis.type == "log"
    assert layout.yaxis2.tickformat == ".0%"
    assert all(t > 0 for t in layout.yaxis.tickvals)


def test_curves_json_has_no_nans_and_round_trips():
    fig = figures.training_curves([("a", _history(12)), ("b", _history(1))], x_max=20)
    assert all(math.isfinite(v) for v in _numbers(fig))
    text = fig.to_json()
    assert "NaN" not in text
    assert json.loads(text)["layout"]["xaxis"]["range"] == [0.5, 20.5]


def test_curves_empty_state_draws_both_axes_and_says_what_comes():
    fig = figures.training_curves([])
    assert len(fig.data) == 2 and {t.xaxis for t in fig.data} == {"x", "x2"}
    assert any(a.text == figures.EMPTY_TEXT for a in fig.layout.annotations)
    assert fig.layout.yaxis2.range == (0, 1)
    fig.to_json()


def test_curves_run_without_epochs_keeps_its_traces():
    fig = figures.training_curves([("fresh", History(status="running"))], x_max=10)
    assert len(fig.data) == 3 and all(len(t.x) == 0 for t in fig.data)
    assert any(a.text == figures.EMPTY_TEXT for a in fig.layout.annotations)


def test_curves_mark_where_a_run_diverged():
    runs = [("ok", _history(4)), ("bad", _history(2, "diverged", diverged_at=2.4))]
    fig = figures.training_curves(runs)
    lines = [s for s in fig.layout.shapes if s.type == "line"]
    assert {s.xref for s in lines} == {"x", "x2"}
    assert all(s.x0 == s.x1 == 2.4 for s in lines)
    assert all(s.line.color == theme.DIVERGED for s in lines)
    assert any("bad diverged here" in a.text for a in fig.layout.annotations)


def test_curves_divergence_before_the_first_epoch_is_visible():
    fig = figures.training_curves([("lr 10", History(status="diverged", diverged_at=1.0))])
    assert fig.layout.xaxis.range[0] < 1.0 < fig.layout.xaxis.range[1]
    assert any(a.text == "diverged here" for a in fig.layout.annotations)
    fig.to_json()


def test_curves_non_finite_values_become_gaps_not_nans():
    history = _history(3)
    history.epochs[1] = EpochStats(2, float("inf"), float("nan"), 0.5, 0.1)
    fig = figures.training_curves([("r", history)])
    assert fig.data[0].y[1] is None and fig.data[1].y[1] is None
    assert "NaN" not in fig.to_json()


@pytest.mark.parametrize(
    ("losses", "expect"),
    [
        ([2.3, 2.9], ["2", "3", "4"]),
        ([0.04, 0.25], ["0.05", "0.1", "0.2"]),
        ([0.02, 2.3], ["0.02", "0.1", "1", "2"]),
    ],
)
def test_loss_ticks_are_labelled_in_full(losses, expect):
    axis = figures.loss_axis(losses)
    assert set(expect) <= set(axis["ticktext"])
    low, high = (10**v for v in axis["range"])
    assert low < min(losses) and max(losses) < high


@pytest.mark.parametrize(
    "losses", [[0.027, 0.23], [0.0196, 0.23], [0.04, 0.25], [0.3, 2.3], [2.3, 2.9]]
)
def test_the_lowest_and_highest_losses_have_a_labelled_tick_nearby(losses):
    axis = figures.loss_axis(losses)
    low, high = (10**v for v in axis["range"])
    shown = [t for t in axis["tickvals"] if low <= t <= high]
    assert min(shown) <= min(losses) * 1.6 and max(shown) >= max(losses) / 1.6


def test_a_single_epoch_gets_a_readable_loss_range():
    axis = figures.training_curves([("one", _history(1))]).layout.yaxis
    low, high = (10**v for v in axis.range)
    assert high / low > 2.5 and sum(low <= t <= high for t in axis.tickvals) >= 3


@pytest.mark.parametrize(("hidden", "tiles"), [(100, 100), (30, 30), (300, 100), (1, 1)])
def test_weights_grid_one_tile_per_unit(hidden, tiles):
    W0 = np.random.default_rng(0).normal(size=(784, hidden)).astype(np.float32)
    fig = model_figures.weights_grid(W0)
    assert isinstance(fig, go.Figure)
    assert len(fig.data) == 1 and fig.data[0].type == "heatmap"
    z = np.asarray(fig.data[0].z, dtype=float)
    cols = math.ceil(math.sqrt(tiles))
    rows = math.ceil(tiles / cols)
    assert z.shape == (rows * 29 - 1, cols * 29 - 1)
    assert np.isfinite(z).all() and np.abs(z).max() <= 1.0
    shown = f"all {hidden}" if tiles == hidden else f"{tiles} of {hidden}"
    assert f"weights of {shown} hidden units" in fig.layout.title.text
    assert fig.layout.yaxis.autorange == "reversed"  # image rows top to bottom
    fig.to_json()


def test_weights_grid_tile_is_the_unit_reshaped():
    W0 = np.zeros((784, 4), np.float32)
    W0[0, 2] = -3.0  # top-left pixel of unit 2 (row 1, column 0 of a 2x2 grid)
    W0[783, 2] = 1.5
    z = np.asarray(model_figures.weights_grid(W0).data[0].z, dtype=float)
    assert z[29, 0] == -1.0 and z[29 + 27, 27] == 0.5


def test_weights_grid_all_zero_unit_stays_finite():
    fig = model_figures.weights_grid(np.zeros((784, 3), np.float32))
    assert np.isfinite(np.asarray(fig.data[0].z, dtype=float)).all()


def test_weights_grid_rejects_a_first_layer_that_is_not_28x28():
    with pytest.raises(ValueError, match="784 rows"):
        model_figures.weights_grid(np.zeros((100, 5)))


@pytest.mark.parametrize("module", [figures, model_figures, screen_style])
def test_builders_are_pure(module):
    """No Streamlit in the builders: they take data and return figures."""
    tree = ast.parse(Path(module.__file__).read_text())
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert not any(name.split(".")[0] == "streamlit" for name in imported)


@pytest.mark.parametrize("big", [False, True])
def test_screen_styling_gives_a_valid_figure_and_leaves_the_original(big):
    """`classroom.style` gives a figure plotly accepts, unchanged by its checks, the same
    as a builder that styles its own dicts (`styled=True`), and the builder's figure
    stays as it was."""
    from mlp_ui import classroom
    from mlp_ui.digit_figures import confusion_matrix

    W0 = np.random.default_rng(0).normal(size=(784, 10)).astype(np.float32)
    built = [
        figures.training_curves([("#1", _history(3))], ["#111111"], big=big),
        model_figures.network_diagram((784, 100, 10), "relu", "softmax_ce", big=big),
        model_figures.weights_grid(W0),
        confusion_matrix(np.arange(100).reshape(10, 10), size=560),
    ]
    for fig in built:
        before = json.loads(fig.to_json())
        styled = classroom.style(fig, big)
        assert json.loads(fig.to_json()) == before
        checked = go.Figure(styled.to_dict())  # raises on anything plotly would refuse
        assert json.loads(checked.to_json()) == json.loads(styled.to_json())
        size = classroom.SCREENS[big].text
        assert styled.layout.font.size == size and styled.layout.xaxis.tickfont.size == size
    curves = figures.training_curves([("#1", _history(3))], ["#111111"], 5, True, big)
    built_styled = figures.training_curves([("#1", _history(3))], ["#111111"], 5, True, big, True)
    assert json.loads(built_styled.to_json()) == json.loads(classroom.style(curves, big).to_json())


@pytest.mark.parametrize("big", [False, True])
def test_weights_grid_built_for_a_screen_is_the_grid_restyled(big):
    """The Train page's weights chart, styled as it is built (`screen`), is what
    `classroom.style` makes of the plain grid, which stays as it was."""
    from mlp_ui import classroom

    W0 = np.random.default_rng(1).normal(size=(784, 30)).astype(np.float32)
    plain = model_figures.weights_grid(W0, 25, height=320)
    before = json.loads(plain.to_json())
    built = model_figures.weights_grid(W0, 25, height=320, screen=big)
    assert json.loads(built.to_json()) == json.loads(classroom.style(plain, big).to_json())
    assert json.loads(plain.to_json()) == before
    assert built.layout.font.size == classroom.SCREENS[big].text


def test_style_gives_the_same_figure_as_rebuilding_it_whole_and_keeps_a_template():
    """`style` skips checking the default template again; the figure it gives is the one
    a whole rebuild gives, and a figure on another template keeps that template."""
    import plotly.graph_objects as go

    bars = go.Figure(go.Bar(x=list("0123"), y=[0.1, 0.2, 0.3, 0.4]))
    for big in (False, True):
        whole = go.Figure(screen_style.screen_spec(bars.to_dict(), big))
        assert screen_style.style(bars, big).to_dict() == whole.to_dict()
    white = go.Figure(go.Bar(x=[1], y=[2]), layout={"template": "plotly_white"})
    assert screen_style.style(white, False).layout.template == white.layout.template


def _growing(steps: int, diverge_at: int | None = None):
    """A run's history as the Train page sees it at each redraw: points every tenth of an
    epoch, an epoch's row at each tenth point, perhaps a divergence."""
    history = History(status="running")
    for k in range(1, steps + 1):
        history.points.append(Point(k / 10, 2.3 / (1 + k / 10), min(0.5 + k / 100, 1.0)))
        if k % 10 == 0:
            e = k // 10
            history.epochs.append(EpochStats(e, 2.3 / e, 0.8 + e / 100, 0.78 + e / 120, 0.3))
        if k == diverge_at:
            history.diverged_at = k / 10
        yield History(
            list(history.epochs), history.status, "", history.diverged_at, list(history.points)
        )


@pytest.mark.parametrize("big", [False, True])
@pytest.mark.parametrize("diverge_at", [None, 37])
def test_a_figure_updated_in_place_is_the_figure_built_anew(big, diverge_at):
    """The Train page keeps one figure per view and sets only what changed at each redraw
    (figures.update_in_place): at every step it must be the figure built from scratch."""
    earlier = ("#1", _history(6))
    fig, before, updated = None, None, 0
    for history in _growing(80, diverge_at):
        runs = [("#2", history), earlier]
        spec = figures.training_curves_spec(runs, ["#111111", "#222222"], 10, True, big, True)
        if fig is not None and figures.update_in_place(fig, before, spec):
            updated += 1
        else:
            fig = go.Figure(spec)
        before = spec
        assert fig.to_dict() == go.Figure(spec).to_dict()
    assert updated > 60  # most redraws only set the curves' new points


def test_a_figure_with_other_traces_is_not_updated_in_place():
    one = figures.training_curves_spec([("#1", _history(3))], within_epochs=True)
    two = figures.training_curves_spec([("#1", _history(3)), ("#2", _history(2))], None, None, True)
    fig = go.Figure(one)
    assert not figures.update_in_place(fig, one, two)
    assert fig.to_dict() == go.Figure(one).to_dict()  # left as it was
