"""A Playground challenge through mlp_class on SQLite and PostgreSQL: its rules kept as
JSON (no new table or column), entries scored by the server on private points from their
saved model, the board ranked by the challenge's measure (a lower loss is better), and
the CSV export naming the data, the measure and both private scores."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

from mlp_class import scoring
from mlp_class.api import ClassStore, ranking
from mlp_core import play_holdout
from mlp_core.challenge import PlayEvidence, Rules
from mlp_core.playground import PlaygroundRun, make_points
from mlp_core.playground_config import PlaygroundConfig
from mlp_core.serialize import load_model
from mlp_store import identity_for, new_secret

DATA = dict(dataset="circles", noise=10, n_points=200, train_pct=50, seed=5)


def _who(store):
    return identity_for(store, new_secret(), create=True)


def _played(epochs: int, **settings) -> tuple[PlaygroundRun, PlayEvidence]:
    config = PlaygroundConfig(**{**DATA, "features": ("x1sq", "x2sq"), "lr": 0.1, **settings})
    run = PlaygroundRun(
        config,
        make_points(*(DATA[k] for k in ("dataset", "n_points")), DATA["noise"], DATA["seed"]),
    )
    run.train(epochs)
    sizes = run.model.sizes
    return run, PlayEvidence(run.config, sizes, run.epoch, run.seconds, True)


@pytest.fixture
def classes(store):
    return ClassStore(store)


@pytest.mark.parametrize("measure", ["test loss", "test accuracy"])
def test_a_playground_board_ranks_by_its_measure_scored_on_private_points(classes, store, measure):
    code, key = classes.create_class("Period 4", _who(store))
    rules = Rules(data="playground", measure=measure, max_hidden=4, fixed=DATA)
    ch = classes.add_challenge(code, key, "Circle, fewest neurons", rules)
    assert classes.challenge(code, ch)["rules"] == rules  # back from its JSON
    students = {"Ann": 1, "Ben": 40, "Cy": 8}
    for name, epochs in students.items():
        who = _who(store)
        classes.join(code, who, name)
        run, evidence = _played(epochs)
        entry = scoring.play_entry(run.model, evidence, run.curves, rules)
        classes.submit(code, ch, who, entry)
        # the score is the saved model's, on the private points
        saved = load_model(entry.model).model
        found = play_holdout.score(saved, run.config)
        assert entry.score == (found.loss if measure == "test loss" else found.accuracy)
        assert entry.history["epochs"][-1]["epoch"] == epochs
    entries = classes.entries(code, ch)
    board = ranking(entries, lower=rules.ranked_by.lower_is_better)
    assert [e.name for e in board] == ["Ben", "Cy", "Ann"]  # longest trained does best
    if measure == "test loss":
        assert board[0].score < board[-1].score
    else:
        assert board[0].score > board[-1].score


def test_the_export_names_data_measure_and_both_private_scores(classes, store):
    code, key = classes.create_class("Period 4", _who(store))
    mnist = classes.add_challenge(code, key, "Digits", Rules(max_hidden=50))
    rules = Rules(data="playground", measure="test loss", fixed=DATA)
    ch = classes.add_challenge(code, key, "Circle", rules)
    who = _who(store)
    classes.join(code, who, "Ann")
    run, evidence = _played(20)
    entry = scoring.play_entry(run.model, evidence, run.curves, rules)
    classes.submit(code, ch, who, entry)
    digits = scoring.NewEntry(b"m", 0.9, 10, 1.0, 1, {"hidden": 10}, {"epochs": []})
    classes.submit(code, mnist, who, digits)
    rows = {r["challenge"]: r for r in csv.DictReader(io.StringIO(classes.export_csv(code, key)))}
    play, digit = rows["Circle"], rows["Digits"]
    assert play["data"] == "Circle, noise 10 %, 200 points, 50 % for training, seed 5"
    assert play["measure"] == "test loss"
    scores = play_holdout.score(load_model(entry.model).model, run.config)
    assert float(play["private_loss"]) == pytest.approx(scores.loss, abs=1e-6)
    assert float(play["private_accuracy"]) == pytest.approx(scores.accuracy, abs=1e-6)
    assert float(play["private_score"]) == pytest.approx(scores.loss, abs=1e-6)
    assert (digit["data"], digit["measure"]) == ("MNIST digits", "test accuracy")
    assert (digit["private_loss"], digit["private_accuracy"]) == ("", "0.900000")


def test_a_playground_entry_keeps_the_settings_that_open_it_again(classes, store):
    run, evidence = _played(3, hidden=(3, 2))
    rules = Rules(data="playground", measure="test loss", fixed=DATA)
    entry = scoring.play_entry(run.model, evidence, run.curves, rules)
    assert scoring.play_config(entry.config) == run.config
    assert np.isfinite(entry.score) and entry.params == (2 + 1) * 3 + (3 + 1) * 2 + 3


def test_a_playground_entry_played_again_gives_its_weights_bit_for_bit():
    """Played in slices of any size (Play's frames, Step), as the page does: played again
    in one go, the same weights to the bit; a run retuned halfway is not."""
    rules = Rules(data="playground", measure="test accuracy", fixed=DATA)
    run, _ = _played(0, hidden=(4, 3))
    for epochs in (3, 1, 7, 1):
        run.train(epochs)
    entry = scoring.play_entry(run.model, _evidence(run), run.curves, rules)
    again = scoring.play_retrain(entry.model, entry.epochs, rules)
    assert again.same and again.equal == again.total == entry.params and again.largest == 0.0
    assert again.score == entry.score

    run.retune(run.config.replace(lr=0.3))
    run.train(2)
    changed = scoring.play_entry(run.model, _evidence(run), run.curves, rules)
    other = scoring.play_retrain(changed.model, changed.epochs, rules)
    assert not other.same and other.equal < other.total and other.largest > 0


def _evidence(run: PlaygroundRun) -> PlayEvidence:
    return PlayEvidence(run.config, run.model.sizes, run.epoch, run.seconds, True)
