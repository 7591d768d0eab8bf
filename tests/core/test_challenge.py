"""The private half of the test digits (mlp_core.holdout) and a challenge's rules
(mlp_core.challenge): a fixed balanced split, and every broken rule named."""

from __future__ import annotations

import numpy as np
import pytest

from mlp_core import holdout
from mlp_core.challenge import Evidence, Rules, broken, n_params
from mlp_core.config import TrainConfig
from mlp_core.provenance import TrainedOn


def _labels(n: int = 1000, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 10, n)


def test_the_halves_are_disjoint_cover_the_test_set_and_hold_each_digit_alike() -> None:
    y = _labels()
    public, private = holdout.indices(y, "public"), holdout.indices(y, "private")
    assert not set(public) & set(private)
    assert sorted([*public, *private]) == list(range(len(y)))
    counts = np.bincount(y[public], minlength=10) - np.bincount(y[private], minlength=10)
    assert set(counts) <= {0, 1}  # each digit within one (the public half gets the odd one)


def test_the_split_is_fixed_and_named() -> None:
    y = _labels()
    assert np.array_equal(holdout.indices(y, "private"), holdout.indices(y.copy(), "private"))
    X = np.arange(len(y) * 2).reshape(-1, 2)
    Xp, yp = holdout.take(X, y, "private")
    assert np.array_equal(Xp[:, 0] // 2, holdout.indices(y, "private")) and len(yp) == len(Xp)
    name = holdout.describe("public", "1,000 offline-sample test digits", y)
    assert name.endswith("offline-sample test digits (the public half)")


def evidence_of(config: TrainConfig, epochs: int = 2, seconds: float = 5.0, **kw) -> Evidence:
    sizes = (784, *config.hidden_sizes, 10)
    defaults = dict(trained_here=True, trained_on=TrainedOn("full", 0, config.n_train))
    return Evidence(config, sizes, epochs, seconds, **{**defaults, **kw})


def test_a_run_within_the_rules_breaks_none() -> None:
    rules = Rules(max_hidden=50, max_epochs=10, fixed={"seed": 1})
    assert broken(rules, evidence_of(TrainConfig(hidden=50, seed=1)), "full") == []


def test_every_broken_rule_is_named_with_its_limit() -> None:
    rules = Rules(
        max_hidden=50,
        max_layers=1,
        max_params=1000,
        max_epochs=3,
        max_seconds=2,
        fixed={"lr": 0.05},
    )
    found = broken(
        rules, evidence_of(TrainConfig(hidden=60, layers=2), epochs=4, seconds=9), "full"
    )
    assert found == [
        "60 hidden units in a layer: the rule is at most 50",
        "2 hidden layers: the rule is at most 1",
        f"{n_params((784, 60, 60, 10)):,}".replace(",", "")
        + " parameters: the rule is at most 1000",
        "4 epochs: the rule is at most 3",
        "9 seconds of training: the rule is at most 2",
        "learning rate is 0.1: the challenge fixes it at 0.05",
    ]


def test_a_model_from_a_file_or_other_digits_is_never_scored() -> None:
    config = TrainConfig(hidden=10)
    assert broken(Rules(), evidence_of(config, trained_here=False), "full")[0].startswith(
        "only runs trained here"
    )
    assert broken(Rules(), evidence_of(config, trained_on=None), "full") == [
        "only runs trained on this server's MNIST digits can be scored"
    ]
    # a model trained on full MNIST has seen every offline-sample digit
    assert broken(Rules(), evidence_of(config), "sample") != []


@pytest.mark.parametrize(
    "bad, message",
    [
        (dict(max_hidden=-1), "max_hidden (hidden units per layer) must be between 0 and 4096"),
        (dict(max_epochs=1.5), "max_epochs (epochs) must be a whole number, got 1.5"),
        (dict(fixed={"nope": 1}), "fixed settings must be Train settings; unknown: ['nope']"),
        (dict(fixed={"lr": 99.0}), "lr (learning rate) must be between"),
        (dict(measure="loss"), "measure must be one of test accuracy"),
    ],
)
def test_bad_rules_are_refused_with_the_allowed_range(bad: dict, message: str) -> None:
    with pytest.raises(
        ValueError,
        match=message.replace("(", r"\(")
        .replace(")", r"\)")
        .replace("[", r"\[")
        .replace("]", r"\]"),
    ):
        Rules(**bad)


def test_rules_round_trip_and_read_a_form() -> None:
    rules = Rules.from_text({"max_hidden": "50", "max_epochs": ""}, {"seed": "3", "lr": "0.05"})
    assert rules == Rules(max_hidden=50, fixed={"seed": 3, "lr": 0.05})
    assert Rules.from_dict(rules.to_dict()) == rules
    assert rules.apply(TrainConfig()).lr == 0.05
    assert rules.lines() == [
        "at most 50 hidden units per layer",
        "seed fixed at 3",
        "learning rate fixed at 0.05",
    ]


def test_a_model_that_does_not_take_digits_is_never_scored() -> None:
    config = TrainConfig(hidden=10)
    run = Evidence(config, (2, 10, 10), 1, 1.0, True, TrainedOn("full", 0, 100))
    assert broken(Rules(), run, "full") == [
        "only runs trained on this server's MNIST digits can be scored"
    ]
