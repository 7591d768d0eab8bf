"""Figure builders of the three toy pages: traces, frames, axes, no NaN, JSON.

No Streamlit runtime: the builders are pure functions of the core's results.
"""

from __future__ import annotations

import json
import math

import numpy as np
import plotly.graph_objects as go
import pytest

from mlp_core import moons
from mlp_core.toys import backprop_toy, initial_toy_params, lr_toy, toy_forward
from mlp_ui import backprop_toy as bpt
from mlp_ui import figures
from mlp_ui import lr_toy as lrt
from mlp_ui import moons_toy as mt
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


def test_symlog_round_trip_and_ticks():
    v = np.array([-12755.16, -1.0, 0.0, 0.5, 3.0, 1e30])
    np.testing.assert_allclose(common.symlog_inverse(common.symlog(v)), v, rtol=1e-9)
    vals, text = common.symlog_ticks(float(common.symlog(-700.0)), float(common.symlog(13000.0)))
    assert "0" in text and "1e4" in text and len(vals) == len(text)
    assert all(math.isfinite(x) for x in vals)


def test_finite_lists_replace_nan_and_inf_with_none():
    assert figures.finite_list(np.array([1.0, np.nan, np.inf])) == [1.0, None, None]
    assert figures.positive_list(np.array([2.0, 0.0, -1.0])) == [2.0, None, None]


# --- learning rate -----------------------------------------------------------------------


def test_lr_figure_has_traces_frames_and_controls(lr_fig, lr_runs):
    assert isinstance(lr_fig, go.Figure)
    frames = common.frame_epochs(1000)
    assert len(lr_fig.frames) == len(frames)
    assert len(lr_fig.data) == 7 * len(RATES)  # 2 static + 5 moving traces per rate
    assert all(len(f.traces) == 5 * len(RATES) for f in lr_fig.frames)
    assert [f.name for f in lr_fig.frames] == [str(e) for e in frames]
    labels = [b.label for b in lr_fig.layout.updatemenus[0].buttons]
    assert any("Play" in label for label in labels) and any("Pause" in label for label in labels)
    slider = lr_fig.layout.sliders[0]
    assert len(slider.steps) == len(frames) and slider.currentvalue.prefix == "Epoch "
    titles = [a.text for a in lr_fig.layout.annotations]
    assert "lr = 0.01" in titles and "lr = 0.1" in titles
    assert any(t.startswith("lr = 1 ") for t in titles)  # "(w axis: signed log)"


def test_lr_figure_axes(lr_fig):
    layout = lr_fig.layout
    assert layout.yaxis.title.text == "w after the epoch"
    assert layout.yaxis5.title.text == "loss (log)" and layout.yaxis5.type == "log"
    assert layout.yaxis9.title.text == "loss at w (log)" and layout.yaxis9.type == "log"
    assert layout.xaxis.title.text == "epoch (log)" and layout.xaxis.type == "log"
    assert layout.xaxis9.title.text == "w"


def test_lr_figure_has_no_nan_and_serialises(lr_fig):
    assert_all_finite(lr_fig)
    spec = json.loads(lr_fig.to_json())
    assert len(spec["frames"]) == len(lr_fig.frames)
    assert len(lr_fig.to_json()) < 2_000_000  # small enough to play smoothly


def test_lr_frame_markers_follow_the_run(lr_fig, lr_runs):
    """In frame e the weight marker of lr = 0.01 (linear axis) sits at w after epoch e."""
    run = lr_runs[0]
    for frame in lr_fig.frames[:30:7]:
        e = int(frame.name)
        marker = frame.data[0]
        assert list(marker.x) == [e]
        assert marker.y[0] == pytest.approx(float(run.w[e - 1]), rel=1e-6)
        assert frame.data[1].y[0] == pytest.approx(float(run.loss[e - 1]), rel=1e-9)


def test_lr_one_exact_overflow_is_flagged_not_plotted():
    runs = [lr_toy(1.0, 60, "exact")]
    fig = lrt.lr_toy_figure(runs, np.arange(1, 61))
    assert_all_finite(fig)
    late = fig.frames[40]  # epoch 41: w is nan
    assert late.data[0].y == (None,)
    assert "w overflowed float32 at epoch 32" in late.data[4].text[0]
    assert fig.frames[0].data[4].text[0] == " "
    assert fig.layout.yaxis.tickmode == "array"  # signed-log ticks


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
    assert any("w11 -0.005" in a.text for a in fig.layout.annotations)
    assert any("0.589" in t for t in nodes.text)  # a_h1 = sigmoid(0.36)
    assert_all_finite(fig)
    fig.to_json()


def test_backprop_loss_figure():
    run = backprop_toy()
    fig = bpt.backprop_loss_figure(run, 30)
    assert fig.layout.yaxis.type == "log"
    assert fig.layout.xaxis.title.text == "epochs done"
    assert len(fig.data[0].x) == 101 and len(fig.data[1].x) == 31
    assert fig.data[2].y[0] == pytest.approx(run.loss[30])
    assert "after 30 epochs" in fig.layout.title.text
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
    assert fig.layout.sliders[0].active == 2  # opens on the trained boundary
    assert fig.layout.xaxis.title.text == "x\u2081" and fig.layout.yaxis.title.text == "x\u2082"
    np.testing.assert_array_equal(fig.data[0].z, fig.frames[-1].data[0].z)
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
