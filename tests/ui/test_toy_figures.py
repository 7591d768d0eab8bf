"""Figure builders of the three toy pages: traces, frames, axes, no NaN, JSON.

No Streamlit runtime: the builders are pure functions of the core's results.
"""

from __future__ import annotations

import json
import math
import re

import numpy as np
import plotly.graph_objects as go
import pytest

from mlp_core import moons
from mlp_core.toys import backprop_toy, initial_toy_params, lr_toy, toy_forward
from mlp_ui import backprop_figures as bpt
from mlp_ui import figures
from mlp_ui import lr_figures as lrt
from mlp_ui import moons_figures as mt
from mlp_ui import toy_common as common

RATES = (0.01, 0.1, 1.0, 0.05)


def _walk_numbers(obj, path="fig"):
    """Yield (path, value) for every number in a figure dict (lists, arrays, scalars)."""
    if isinstance(obj, dict):
        for key, value in obj.items():
            yield from _walk_numbers(value, f"{path}.{key}")
    elif isinstance(obj, list | tuple):
        for i, value in enumerate(obj):
            yield from _walk_numbers(value, f"{path}[{i}]")
    elif isinstance(obj, np.ndarray):
        if obj.dtype.kind == "f":
            for i, value in enumerate(obj.ravel()):
                yield f"{path}[{i}]", float(value)
    elif isinstance(obj, float | np.floating):
        yield path, float(obj)


def assert_all_finite(fig: go.Figure) -> None:
    """No NaN or inf anywhere in the figure, frames included (gaps must be None)."""
    bad = [p for p, v in _walk_numbers(fig.to_dict()) if not math.isfinite(v)]
    assert not bad, bad[:5]


@pytest.fixture(scope="module", params=["forward", "exact"])
def lr_runs(request):
    return [lr_toy(lr, 1000, request.param) for lr in RATES]


@pytest.fixture(scope="module")
def lr_fig(lr_runs):
    return lrt.lr_toy_figure(lr_runs, common.frame_epochs(1000))


# --- helpers -----------------------------------------------------------------------------


def test_frame_epochs_log_keeps_every_early_epoch_and_the_last():
    frames = common.frame_epochs(1000, n=150, spacing="log")
    assert frames[0] == 1 and frames[-1] == 1000
    assert len(frames) <= 150
    np.testing.assert_array_equal(frames[:20], np.arange(1, 21))
    assert np.all(np.diff(frames) > 0)


def test_frame_epochs_uniform_and_short_runs():
    uniform = common.frame_epochs(1000, n=100, spacing="uniform")
    assert uniform[0] == 1 and uniform[-1] == 1000 and len(uniform) == 100
    np.testing.assert_array_equal(common.frame_epochs(30, n=150), np.arange(1, 31))
    with pytest.raises(ValueError):
        common.frame_epochs(10, spacing="random")


PLAIN_TICK = re.compile(
    r"^(\u2212?[0-9][0-9,]*(\.[0-9]+)?|10[\u207b\u2070\u00b9\u00b2\u00b3\u2074-\u2079]+)$"
)
"""A tick label a student reads: 0.001, 3, 12,755, 1,000,000 or 10 with a superscript."""


def test_plain_tick_labels():
    assert [common.plain_number(v) for v in (0, 0.5, 3, 12755, 0.001, 1e6)] == [
        "0",
        "0.5",
        "3",
        "12,755",
        "0.001",
        "1,000,000",
    ]
    assert common.decade_label(-6) == "10\u207b\u2076" and common.decade_label(9) == "10\u2079"
    ticks = common.log_ticks(-8.3, 9.4)
    assert len(ticks["tickvals"]) <= 7 and all(PLAIN_TICK.match(t) for t in ticks["ticktext"])


def test_finite_lists_replace_nan_and_inf_with_none():
    assert figures.finite_list(np.array([1.0, np.nan, np.inf])) == [1.0, None, None]
    assert figures.positive_list(np.array([2.0, 0.0, -1.0])) == [2.0, None, None]


# --- learning rate -----------------------------------------------------------------------


def _tick_texts(fig: go.Figure) -> list[str]:
    """Every tick label the figure sets itself (log axes), across all its axes."""
    layout = fig.to_dict()["layout"]
    return [t for k, v in layout.items() if "axis" in k for t in v.get("ticktext", [])]


def test_lr_figure_has_one_large_panel_per_rate(lr_fig):
    assert isinstance(lr_fig, go.Figure)
    frames = common.frame_epochs(1000)
    assert len(lr_fig.frames) == len(frames)
    assert len(lr_fig.data) == 3 * len(RATES)  # trail, dot, note per rate: no faint ending
    assert all(len(f.traces) == 3 * len(RATES) for f in lr_fig.frames)
    assert [f.name for f in lr_fig.frames] == [str(e) for e in frames]
    assert "yaxis2" in lr_fig.layout and "xaxis5" not in lr_fig.layout  # one row only
    titles = [a.text for a in lr_fig.layout.annotations]
    assert titles == ["lr = 0.01", "lr = 0.1", "lr = 1", "lr = 0.05"]  # no "signed log"


def test_lr_play_pause_are_big(lr_fig):
    menu = lr_fig.layout.updatemenus[0]
    labels = [b.label for b in menu.buttons]
    assert any("Play" in label for label in labels) and any("Pause" in label for label in labels)
    assert menu.font.size >= 24
    slider = lr_fig.layout.sliders[0]
    assert slider.currentvalue.prefix == "Epoch " and slider.currentvalue.font.size >= 24
    big = lrt.lr_toy_figure([lr_toy(0.1, 30)], range(1, 31), big=True)
    assert big.layout.updatemenus[0].font.size >= 30


@pytest.mark.parametrize("view", ["w", "loss", "bowl"])
def test_lr_figure_axes_are_plain(lr_runs, view):
    fig = lrt.lr_toy_figure(lr_runs, common.frame_epochs(1000, n=20), view=view)
    layout = fig.layout
    if view == "w":
        assert layout.yaxis.title.text == "w after the epoch"
        assert layout.yaxis.tickformat == lrt.PLAIN  # 12,755 rather than 12.8k
    else:
        assert layout.yaxis.type == "log" and layout.yaxis.tickmode == "array"
    if view == "bowl":
        assert layout.xaxis.title.text == "w" and layout.xaxis.tickformat == lrt.PLAIN
    else:
        assert layout.xaxis.title.text == "epoch (log)" and layout.xaxis.type == "log"
    texts = _tick_texts(fig)
    assert texts and all(PLAIN_TICK.match(t) for t in texts), texts
    for axis in ("yaxis", "yaxis2", "yaxis3", "yaxis4"):  # nothing reaches 10^70
        low, high = layout[axis].range
        if layout[axis].type == "log":
            assert high <= 12.3  # decades: a loss of 10^12 at most, then "diverged"
        else:
            assert max(-low, high) <= 1.1 * lrt.W_LIMIT


def test_lr_figure_has_no_nan_and_serialises(lr_fig):
    assert_all_finite(lr_fig)
    spec = json.loads(lr_fig.to_json())
    assert len(spec["frames"]) == len(lr_fig.frames)
    assert len(lr_fig.to_json()) < 2_000_000  # small enough to play smoothly


def test_lr_frame_markers_follow_the_run(lr_fig, lr_runs):
    """In frame e the dot of lr = 0.01 sits at w after epoch e, its trail behind it."""
    run = lr_runs[0]
    for frame in lr_fig.frames[:30:7]:
        e = int(frame.name)
        trail, dot = frame.data[0], frame.data[1]
        assert list(dot.x) == [e] and max(trail.x) == e
        assert dot.y[0] == pytest.approx(float(run.w[e - 1]), rel=1e-6)


def test_lr_one_exact_divergence_is_labelled_not_plotted():
    """w passes 100,000 at epoch 4 and overflows float32 at 32: the dot stays on the
    chart's edge as a red triangle and the panel says so; no axis runs to 10^38."""
    fig = lrt.lr_toy_figure([lr_toy(1.0, 60, "exact")], np.arange(1, 61))
    assert_all_finite(fig)
    late = fig.frames[40]  # epoch 41: w is nan
    assert late.data[1].y == (lrt.W_LIMIT,) and late.data[1].marker.symbol == "triangle-up"
    note = late.data[2].text[0]
    assert "diverged: w passed 100,000 at epoch 4" in note
    assert "w overflowed float32 at epoch 32" in note
    assert fig.frames[0].data[2].text[0] == " "
    assert fig.layout.yaxis.range[1] == pytest.approx(1.1 * lrt.W_LIMIT)
    loss = lrt.lr_toy_figure([lr_toy(1.0, 60, "exact")], np.arange(1, 61), view="loss")
    assert "the loss is infinite at epoch" in loss.frames[-1].data[2].text[0]
    assert loss.layout.yaxis.range[1] < 13


def test_lr_book_rate_one_stays_on_the_chart():
    """The book's lr = 1 freezes at w = 12,755.16: a linear axis shows it, no label."""
    fig = lrt.lr_toy_figure([lr_toy(1.0, 50)], np.arange(1, 51))
    assert fig.frames[-1].data[1].y[0] == pytest.approx(12755.16, abs=0.01)
    assert fig.frames[-1].data[2].text[0] == " "
    assert fig.layout.yaxis.range[1] < 15_000


def test_lr_figure_linear_epochs():
    fig = lrt.lr_toy_figure([lr_toy(0.1, 50)], common.frame_epochs(50), log_epochs=False)
    assert fig.layout.xaxis.type == "linear" and fig.layout.xaxis.title.text == "epoch"


# --- backprop ------------------------------------------------------------------------------


def test_network_figure_edges_by_weight():
    params = initial_toy_params()
    fig = bpt.network_figure(params, toy_forward(params))
    assert isinstance(fig, go.Figure)
    edges, nodes = fig.data[:9], fig.data[9]
    assert len(fig.data) == 10 and len(nodes.x) == 6
    widths = [e.line.width for e in edges]
    weights = np.append(params["W_hidden"].ravel(), params["W_out"].ravel())
    assert np.argmax(widths) == np.argmax(np.abs(weights))  # w12 = -0.582 is widest
    colors = {e.line.color for e, w in zip(edges, weights, strict=True) if w < 0}
    assert colors == {bpt.NEGATIVE}
    texts = [a.text for a in fig.layout.annotations]
    assert "\u22120.005" in texts  # w11, with a true minus sign
    assert any("a = 0.589" in t for t in texts)  # a_h1 = sigmoid(0.36)
    assert_all_finite(fig)
    fig.to_json()


@pytest.mark.parametrize(
    ("big", "narrow", "font"), [(False, False, 16), (True, False, 18), (False, True, 12)]
)
def test_network_labels_clear_of_edges_and_nodes(big, narrow, font):
    """Every weight label and node caption found a spot clear of the lines, the nodes
    and the other labels (as the placer measures them), in every screen mode (a phone's
    narrow figure included: there the wide one was squeezed, its ŷ label on its node)."""
    spots = bpt.label_spots(big, narrow)
    assert len(spots) == 15
    assert {name: clash for name, (_, _, clash) in spots.items() if clash} == {}
    params = initial_toy_params()
    fig = bpt.network_figure(params, toy_forward(params), big=big, narrow=narrow)
    sizes = {a.font.size for a in fig.layout.annotations}
    assert min(sizes) >= font
    assert fig.layout.width == (350 if narrow else 590 if big else 610)


def test_backprop_loss_figure_shows_no_future():
    run = backprop_toy()
    fig = bpt.backprop_loss_figure(run, 30)
    assert fig.layout.yaxis.type == "log" and fig.layout.yaxis.tickmode == "array"
    assert fig.layout.xaxis.title.text == "epochs done"
    assert len(fig.data) == 2 and len(fig.data[0].x) == 31
    assert max(fig.data[0].x) == 30  # nothing drawn beyond the epochs done
    assert fig.data[1].y[0] == pytest.approx(run.loss[30])
    assert list(fig.layout.xaxis.range) == list(
        bpt.backprop_loss_figure(run, 90).layout.xaxis.range
    )
    assert_all_finite(fig)
    fig.to_json()


# --- moons -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def moons_grids():
    X, y = moons.make_moons_np()
    xlim, ylim = moons.grid_limits(X)
    grids = [moons.predict_grid(moons.init_moons_params(h), xlim, ylim, 30)[2] for h in (1, 3, 50)]
    xs, ys = np.linspace(*xlim, 30), np.linspace(*ylim, 30)
    return X, y, xs, ys, grids


def test_boundary_figure_animates_snapshots(moons_grids):
    X, y, xs, ys, grids = moons_grids
    fig = mt.moons_boundary_figure(X, y, xs, ys, grids, ["0", "10", "20"], "3 hidden")
    assert isinstance(fig, go.Figure)
    assert len(fig.frames) == 3 and fig.frames[0].traces == (0,)
    assert isinstance(fig.data[0], go.Contour) and len(fig.data[1].x) == len(X)
    assert fig.data[0].contours.start == fig.data[0].contours.end == 0  # the line P = 0.5
    assert fig.layout.sliders[0].active == 0  # opens untrained: the ending is to be watched
    assert fig.layout.xaxis.title.text == "x\u2081" and fig.layout.yaxis.title.text == "x\u2082"
    np.testing.assert_array_equal(fig.data[0].z, fig.frames[0].data[0].z)
    assert_all_finite(fig)
    fig.to_json()


def test_boundary_figure_log_odds_are_clipped(moons_grids):
    X, y, xs, ys, _ = moons_grids
    Z = np.full((len(ys), len(xs)), 0.5)
    Z[0, 0], Z[0, 1], Z[0, 2] = 0.0, 1.0, np.nan
    fig = mt.moons_boundary_figure(X, y, xs, ys, [Z], ["end"])
    z = np.asarray(fig.data[0].z)
    far = np.float32(np.log((1 - mt.P_CLIP) / mt.P_CLIP))  # finite, well past the colours
    # 1 - P_CLIP in float64 is off by up to 1e-16, i.e. 1e-4 of P_CLIP: 1e-4 in log-odds
    np.testing.assert_allclose(z[0, :2], [-far, far], atol=1e-3)
    assert z[0, 2] == 0
    assert (fig.data[0].zmin, fig.data[0].zmax) == (-mt.LOGIT_CLIP, mt.LOGIT_CLIP)
    assert not fig.frames and not fig.layout.sliders
    assert_all_finite(fig)


def test_gallery_figure_panels(moons_grids):
    X, y, xs, ys, grids = moons_grids
    titles = ["a", "b", "c"]
    fig = mt.moons_gallery_figure(X, y, xs, ys, grids, titles, cols=2)
    assert len(fig.data) == 6  # a heatmap and the points per panel
    assert [a.text for a in fig.layout.annotations] == titles
    assert fig.layout.height == 600  # two rows
    assert_all_finite(fig)
    fig.to_json()
