"""The Train page's newer figures: curves drawn within epochs, and the network diagram."""

from __future__ import annotations

import pytest

from mlp_core.history import EpochStats, History, Point
from mlp_ui import figures, model_figures


def _history(epochs: int, per_epoch: int = 10) -> History:
    points = [
        Point(e + k / per_epoch, 2.0 / (e + k / per_epoch), 0.9)
        for e in range(epochs)
        for k in range(1, per_epoch + 1)
    ]
    stats = [EpochStats(i, 2.0 / i, 0.9, 0.85, 0.1) for i in range(1, epochs + 1)]
    return History(stats, "running", "", None, points)


def test_within_epochs_the_loss_and_training_curves_are_the_points():
    fig = figures.training_curves([("run", _history(2))], within_epochs=True)
    loss, train, valid = fig.data
    assert list(loss.x) == pytest.approx([k / 10 for k in range(1, 21)])
    assert list(train.x) == list(loss.x) and loss.mode == train.mode == "lines"
    assert list(valid.x) == [1, 2] and valid.mode == "lines+markers"  # epoch ends only
    assert fig.layout.xaxis.range[0] == 0  # the first tenth of epoch 1 is in view
    assert "%{x:.1f}" in loss.hovertemplate


def test_a_run_still_inside_its_first_epoch_is_drawn_not_called_empty():
    history = History(status="running", points=[Point(0.1, 2.2, 0.3), Point(0.2, 1.5, 0.6)])
    fig = figures.training_curves([("run", history)], x_max=10, within_epochs=True)
    assert list(fig.data[0].x) == [0.1, 0.2] and list(fig.data[2].x) == []
    assert not any(a.text == figures.LIVE_EMPTY_TEXT for a in fig.layout.annotations)


def test_without_within_epochs_the_curves_are_per_epoch_as_before():
    fig = figures.training_curves([("run", _history(3))])  # e.g. the Libraries page
    assert [list(t.x) for t in fig.data] == [[1, 2, 3]] * 3


def test_a_long_run_s_points_are_thinned_and_keep_the_latest():
    fig = figures.training_curves([("run", _history(200))], within_epochs=True)
    x = list(fig.data[0].x)
    assert len(x) <= figures.MOST_POINTS + 1 and x[-1] == 200 and x == sorted(x)


def test_the_empty_chart_s_text_sits_inside_the_loss_plot():
    (note,) = [
        a for a in figures.training_curves([]).layout.annotations if a.text == figures.EMPTY_TEXT
    ]
    live = figures.training_curves([], within_epochs=True).layout.annotations
    assert any(a.text == figures.LIVE_EMPTY_TEXT for a in live)
    assert (note.xref, note.yref, note.x, note.y) == ("x domain", "y domain", 0.5, 0.5)
    assert "<br>" in note.text  # two short lines: clear of the accuracy plot


def test_the_diagram_draws_every_layer_with_its_size_and_units():
    fig = model_figures.network_diagram((784, 100, 10), "relu", "softmax_ce")
    notes = [a.text for a in fig.layout.annotations]
    assert notes[:3] == ["<b>784</b> pixels in", "<b>100</b> ReLU", "<b>10</b> softmax out"]
    assert "79,510 weights<br>and biases" in notes  # 784*100 + 100 + 100*10 + 10
    assert [len(t.x) for t in fig.data] == [6, 6, 6]  # at most SHOWN_UNITS drawn
    assert notes.count("···") == 3  # each layer has units left out
    assert len(fig.layout.shapes) == 2 * 6 * 6  # drawn units joined layer to layer
    fig.to_json()


def test_a_small_deep_network_draws_all_its_units():
    fig = model_figures.network_diagram((784, 4, 3, 10), "sigmoid", "sigmoid_bce", big=True)
    assert [len(t.x) for t in fig.data] == [6, 4, 3, 6]
    notes = [a.text for a in fig.layout.annotations]
    assert "<b>4</b> sigmoid" in notes and "<b>10</b> sigmoid out" in notes
    assert notes.count("···") == 2
