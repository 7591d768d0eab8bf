"""The charts' sentences and tables, the guesses' verdicts and the Train page's progress
words: pure functions, checked on known numbers."""

from __future__ import annotations

import numpy as np

from mlp_core.toys import lr_toy
from mlp_core.training import EpochStats, History, Point, Status
from mlp_ui import mistakes_text as mt
from mlp_ui.backprop_view import GUESSES, loss_outcome
from mlp_ui.lr_toy_text import lr_verdict
from mlp_ui.train_text import curves_alt, curves_table, diverged_epoch, progress_text


def _cm() -> np.ndarray:
    cm = np.diag([100, 110, 90]).astype(int)
    cm[2, 1], cm[0, 2], cm[1, 0] = 7, 2, 1
    return cm


def test_matrix_sentence_names_the_wrong_count_and_the_commonest_mix_up():
    assert mt.matrix_alt(_cm()) == (
        "Confusion matrix: 10 of 310 test digits wrong, most often a 2 read as 1 (7 times)."
    )
    assert mt.matrix_alt(np.diag([5, 5])).endswith("0 of 10 test digits wrong.")
    table = mt.matrix_table(_cm())
    assert list(table.columns) == ["true digit", "read as 0", "read as 1", "read as 2"]
    assert table.loc[2, "read as 1"] == 7


def test_accuracy_sentence_names_best_and_worst_with_their_counts():
    cm = _cm()
    acc, counts = np.diag(cm) / cm.sum(axis=1), cm.sum(axis=1)
    text = mt.class_accuracy_alt(acc, counts)
    assert "from 0 to 100 %" in text and "best 1 (99.1% of 111)" in text
    assert "worst 2 (92.8% of 97)" in text
    assert list(mt.class_accuracy_table(acc, counts)["test digits"]) == [102, 111, 97]


def test_probability_sentence_names_answer_and_label():
    proba = np.array([0.1, 0.7, 0.2])
    assert mt.probability_alt(proba, 1, 2).endswith("the answer 1 at 70%, the label 2 at 20%.")
    assert "label" not in mt.probability_alt(proba, 1, 1)


def test_the_learning_rate_verdict_follows_where_the_runs_end():
    runs = [lr_toy(lr, 1000) for lr in (0.01, 0.1, 1.0)]
    assert "right" in lr_verdict(runs, "lr = 0.1") and "Reached w = 3: lr = 0.1" in lr_verdict(
        runs, "lr = 1"
    )
    assert "not this time" in lr_verdict(runs, "lr = 1")
    assert lr_verdict(runs, None) == ""


def test_the_backprop_loss_outcome():
    assert loss_outcome(0.33, 0.0003) == GUESSES[0]
    assert loss_outcome(0.33, 0.2) == GUESSES[1]
    assert loss_outcome(0.33, 0.33) == GUESSES[2]
    assert loss_outcome(0.33, float("nan")) == GUESSES[3]


def _history(status: Status = Status.RUNNING) -> History:
    h = History()
    h.points = [Point(0.1, 2.3, 0.1), Point(1.0, 0.05, 0.9)]
    h.epochs = [EpochStats(1, 0.05, 0.9, 0.913, 1.5)]
    h.status = status
    return h


def test_training_sentence_says_how_the_loss_fell_and_where_accuracy_is():
    text = curves_alt("#1 784-100-10", _history(), 5000)
    assert text == (
        "Chart of run #1 784-100-10: the loss went from 2.3 to 0.05 in 1 epoch; validation "
        "accuracy 91.3% on 5,000 validation digits after epoch 1."
    )
    assert list(curves_table(_history())["validation accuracy"]) == ["91.30%"]


def test_progress_words_are_a_students_and_divergence_agrees_with_them():
    text = progress_text(1, 10, 0.5, _history(), 1.5, 5000)
    assert text.startswith("1 of 10 epochs done, 50% of the way through epoch 2")
    assert "1.5 s of training" in text and "91.3% on 5,000 validation digits" in text
    assert "back-end" not in text and "trained by" not in text
    diverged = History(status=Status.DIVERGED, diverged_at=1.0)
    words = progress_text(0, 10, 0.0, diverged, 0.0, 5000)
    assert words == "0 of 10 epochs done; diverged in epoch 1"
    assert diverged_epoch(1.0) == 1 and diverged_epoch(2.4) == 3


# -- mlp_ui.chart_text: the other charts' sentences and tables --------------------------
def _entry(k: int, name: str, score: float, removed: str | None = None):
    from mlp_class.api import Entry

    epochs = [{"epoch": 1, "valid_acc": score - 0.02}, {"epoch": 2, "valid_acc": score}]
    return Entry(k, k, name, score, 1000 * k, 2.5 * k, 2, 0.0, {}, {"epochs": epochs}, removed)


def test_backprop_sentences_follow_the_run():
    from mlp_core.toys import backprop_toy, toy_forward
    from mlp_ui import chart_text as ct
    from mlp_ui.backprop_toy import bp_losses, bp_params

    run = backprop_toy(100, 0.01, "chain")
    params = bp_params(run, 0)
    text = ct.backprop_net_alt(params, toy_forward(params), 0)
    assert text.startswith("Network diagram after 0 epochs: inputs 1 and 1")
    assert "hidden activations 0.589, 0.368, 0.464, output \u0177 = \u22120.5784" in text
    assert "largest weight is w12 = \u22120.582" in text
    table = ct.backprop_net_table(params)
    assert list(table["parameter"]) == [*ct.WEIGHT_NAMES, "b1", "b2", "b3", "c"]
    losses = bp_losses(run)
    assert ct.loss_so_far_alt(losses, 0) == "Loss chart (log scale): 0.3346 before the first epoch."
    later = ct.loss_so_far_alt(losses, 100)
    assert later.startswith("Loss chart (log scale): from 0.3346 to ") and "100 epochs" in later
    assert len(ct.loss_so_far_table(losses, 3)) == 4  # before the first update, and 3 after


def test_library_sentence_gives_each_library_its_last_epoch():
    from mlp_ui import chart_text as ct

    h = History()
    h.epochs.append(EpochStats(1, 0.5, 0.8, 0.75, 1.0))
    h.epochs.append(EpochStats(2, 0.25, 0.9, 0.85, 1.0))
    text = ct.library_curves_alt([("mlp_core", h), ("PyTorch", History())])
    assert text.endswith("mlp_core: loss 0.25, validation accuracy 85.0% after epoch 2.")
    assert "no epoch yet" in ct.library_curves_alt([])
    table = ct.library_curves_table([("mlp_core", h)])
    assert list(table["validation accuracy (%)"]) == [75.0, 85.0]


def test_train_diagram_and_weights_sentences():
    from mlp_ui import chart_text as ct

    assert ct.diagram_alt((784, 100, 10), "relu", "softmax_ce") == (
        "Network diagram: 784 inputs, 100 hidden units (1 layer, ReLU), 10 outputs (softmax)."
    )
    W0 = np.linspace(-0.5, 0.25, 784 * 3).reshape(784, 3)
    assert ct.weights_alt(W0, 3).endswith(
        "all 3 hidden units, each drawn as a 28x28 picture: weights from -0.50 to 0.25."
    )
    assert list(ct.weights_table(W0, 2)["hidden unit"]) == [1, 2]


def test_draw_sentences_count_ink_and_units():
    from mlp_ui import chart_text as ct

    image = np.zeros((28, 28))
    image[5:10, 5:7] = 1.0
    assert "10 of 784 pixels dark" in ct.picture_alt(image, "What the network sees")
    layers = [np.array([0.0, 0.9, 1.0, 0.2])]
    assert "layer 1: 2 of 4 units above half the strongest (1.00)" in ct.hidden_alt(layers)
    assert len(ct.hidden_table(layers)) == 4


def test_board_sentences_name_the_leader_and_skip_removed_entries():
    from mlp_ui import chart_text as ct

    best = [_entry(2, "Bob", 0.91), _entry(1, "Ada", 0.9)]
    entries = [*best, _entry(3, "Eve", 0.95, removed="twice")]
    text = ct.spread_alt(3, best, "Parameters (weights and biases)")
    assert "3 submissions by 2 students; the best, Bob, 91.00% with 2,000 parameters" in text
    assert list(ct.spread_table(entries)["name"]) == ["Bob", "Ada"]
    assert "1. Bob 91.0% at epoch 2; 2. Ada 90.0% at epoch 2" in ct.top_curves_alt(best)
    assert len(ct.top_curves_table(best)) == 4
    assert "no entry yet" in ct.spread_alt(0, [], "Training time (s)")


def test_a_playground_board_speaks_of_test_loss_on_private_points():
    from mlp_class.api import Entry
    from mlp_core.challenge import MEASURE
    from mlp_ui import board_figures
    from mlp_ui import chart_text as ct

    rows = [{"epoch": 0, "train_loss": 0.7, "test_loss": 0.69}, {"epoch": 5, "test_loss": 0.5}]
    best = [Entry(1, 1, "Ada", 0.4812, 25, 0.1, 5, 0.0, {}, {"epochs": rows}, None)]
    loss = MEASURE["test loss"]
    alt = ct.spread_alt(1, best, "Parameters (weights and biases)", loss)
    assert "test loss on the private points" in alt and "Ada, loss 0.4812" in alt
    assert list(ct.spread_table(best, loss).columns)[1] == "private test loss"
    curve = board_figures.TEST_LOSS
    assert "1. Ada 0.5000 at epoch 5" in ct.top_curves_alt(best, curve)
    assert list(ct.top_curves_table(best, curve)["test loss"]) == [0.69, 0.5]
    fig = board_figures.top_curves(best, curve)
    assert fig.layout.yaxis.title.text == "Test loss" and list(fig.data[0].y) == [0.69, 0.5]
    spread = board_figures.spread(best, best, "params", loss)
    assert spread.layout.yaxis.title.text == "Private test loss"
    assert list(spread.data[1].y) == [0.4812]


def test_the_spread_labels_a_log_axis_of_parameters_shortly():
    """1, 2 and 5 of each decade as 10k: every digit's full number ran together."""
    from mlp_ui import board_figures

    entries = [_entry(k, f"S{k}", 0.9) for k in (8, 16, 40, 80, 320)]
    axis = board_figures.spread(entries, entries[:2], "params").layout.xaxis
    assert (axis.type, axis.dtick, axis.tickformat) == ("log", "D2", "~s")
    assert board_figures.spread(entries, entries[:2], "seconds").layout.xaxis.dtick is None
