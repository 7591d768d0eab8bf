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
