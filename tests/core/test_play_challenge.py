"""A Playground challenge: its rules (mlp_core.challenge: the data fixed, every broken
rule named) and its private points (mlp_core.play_holdout: another random stream than the
page's, none of the page's points, the same on every call), and the score on them."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest

from mlp_core import play_holdout, playground
from mlp_core.challenge import MEASURE, PlayEvidence, Rules, broken, broken_play, n_params
from mlp_core.config import TrainConfig
from mlp_core.playground import PlaygroundRun, feature_map, make_points
from mlp_core.playground_config import PlaygroundConfig
from tests.core.test_challenge import evidence_of as mnist_run

DATA = dict(dataset="spiral", noise=10, n_points=300, train_pct=60, seed=7)


def _rules(**kw) -> Rules:
    return Rules(**{"data": "playground", "measure": "test loss", "fixed": DATA, **kw})


def _play(config: PlaygroundConfig, epochs: int = 10, seconds: float = 1.0, here=True):
    sizes = (len(config.features), *config.hidden, 1)
    return PlayEvidence(config, sizes, epochs, seconds, here)


def test_a_playground_challenge_round_trips_through_json_and_says_its_data() -> None:
    rules = _rules(max_hidden=4, fixed={**DATA, "features": ("x1", "x2", "x1x2")})
    back = Rules.from_dict(json.loads(json.dumps(rules.to_dict())))
    assert back == rules and back.fixed["features"] == ("x1", "x2", "x1x2")  # not a list
    assert back.playground and back.ranked_by.lower_is_better
    assert back.lines() == [
        "data: Spiral, noise 10 %, 300 points, 60 % for training, seed 7",
        "at most 4 hidden units per layer",
        "input features fixed at x1,x2,x1x2",
    ]
    assert rules.apply(PlaygroundConfig()).dataset == "spiral"


def test_the_form_reads_a_playground_challenge() -> None:
    text = {k: str(v) for k, v in DATA.items()}
    rules = Rules.from_text({"max_epochs": "200"}, text, "playground", "test accuracy")
    assert rules == Rules(max_epochs=200, fixed=DATA, data="playground")
    with pytest.raises(ValueError, match="unknown settings"):
        Rules.from_text({}, {**text, "hidden_units": "3"}, "playground")


@pytest.mark.parametrize(
    "bad, message",
    [
        (dict(fixed={"dataset": "spiral"}), "fixes its data; missing: \\['noise'"),
        (dict(fixed={**DATA, "dataset": "own"}), "not own points"),
        (dict(fixed={**DATA, "dataset": "wave"}, measure="test accuracy"), "no accuracy"),
        (dict(fixed={**DATA, "lr_rate": 1}), "must be Playground settings; unknown"),
        (dict(fixed={**DATA, "noise": 80}), "noise \\(noise in percent\\) must be between"),
        (dict(data="mnist", fixed={}), "an MNIST challenge is ranked by test accuracy"),
    ],
)
def test_bad_playground_rules_are_refused(bad: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _rules(**bad)


def test_a_run_on_the_challenge_data_within_the_limits_breaks_none() -> None:
    config = PlaygroundConfig(**DATA, hidden=(4, 4))
    assert broken_play(_rules(max_hidden=4, max_epochs=10), _play(config)) == []


def test_every_broken_playground_rule_is_named() -> None:
    rules = _rules(max_hidden=4, max_layers=1, max_params=20, max_epochs=5, max_seconds=0.5)
    config = PlaygroundConfig(**{**DATA, "noise": 20, "seed": 8}, hidden=(5, 2))
    assert broken_play(rules, _play(config, epochs=6, seconds=0.9)) == [
        "5 hidden units in a layer: the rule is at most 4",
        "2 hidden layers: the rule is at most 1",
        f"{n_params((2, 5, 2, 1))} parameters: the rule is at most 20",
        "6 epochs: the rule is at most 5",
        "0.9 seconds of training: the rule is at most 0.5",
        "noise in percent is 20: the challenge fixes it at 10",
        "seed is 8: the challenge fixes it at 7",
    ]
    other = PlaygroundConfig(**{**DATA, "dataset": "moons"})
    assert broken_play(_rules(), _play(other)) == [
        "data set is Moons: the challenge fixes it at Spiral"
    ]


def test_own_points_a_file_or_the_other_kind_of_challenge_are_never_scored() -> None:
    own = PlaygroundConfig(**{**DATA, "dataset": "own"})
    assert broken_play(_rules(), _play(own)) == [
        "a run on your own points is never scored: the challenge's data is "
        "Spiral, noise 10 %, 300 points, 60 % for training, seed 7"
    ]
    assert broken_play(_rules(), _play(PlaygroundConfig(**DATA), here=False))[0].startswith(
        "only runs trained here"
    )
    mnist = Rules(max_hidden=50)
    assert broken_play(mnist, _play(PlaygroundConfig(**DATA))) == [
        "this challenge is on MNIST digits: train for it on the Train page"
    ]
    assert broken(_rules(), mnist_run(TrainConfig(hidden=10)), "full") == [
        "this is a Playground challenge: play for it on the Playground page"
    ]


def test_the_measures_rank_and_write_their_scores() -> None:
    assert MEASURE["test loss"].lower_is_better and not MEASURE["test accuracy"].lower_is_better
    assert MEASURE["test accuracy"].text(0.975) == "97.50%"
    assert MEASURE["test loss"].text(0.12344) == "loss 0.1234"


# -- the private points -------------------------------------------------------------------


@pytest.mark.parametrize("dataset", ["spiral", "circles", "xor", "moons", "wave", "spiral4"])
@pytest.mark.parametrize("noise", [0, 25])
def test_the_private_points_are_fixed_and_none_is_a_page_point(dataset: str, noise: int) -> None:
    config = PlaygroundConfig(dataset=dataset, noise=noise, n_points=1000, seed=3)
    X, y = play_holdout.private_points(config)
    again = play_holdout.private_points(config)
    assert np.array_equal(X, again[0]) and np.array_equal(y, again[1])  # the same every time
    assert X.shape == (play_holdout.N_PRIVATE, 2) and len(y) == len(X)
    assert not X.flags.writeable
    page, _ = make_points(dataset, 1000, noise, 3)
    page_rows = {tuple(p) for p in page}
    assert not any(tuple(p) in page_rows for p in X)
    assert len({tuple(p) for p in X}) == len(X) or noise == 0  # no repeats where drawn


def test_the_private_stream_is_not_the_page_stream() -> None:
    config = PlaygroundConfig(dataset="circles", noise=20, n_points=1000, seed=3)
    X, _ = play_holdout.private_points(config)
    # the page's stream made with as many points as drawn privately: other points
    page_big, _ = make_points("circles", 4000, 20, 3)
    assert not {tuple(p) for p in X} & {tuple(p) for p in page_big}
    other, _ = play_holdout.private_points(config.replace(seed=4))
    assert not np.array_equal(X, other)
    # n_points and features do not change the private points (at noise > 0)
    same, _ = play_holdout.private_points(config.replace(n_points=200, features=("x1",)))
    assert np.array_equal(X, same)


def test_at_noise_0_a_spiral_page_point_that_would_come_back_is_left_out() -> None:
    """The spiral at noise 0 puts points at fixed places: 1,000 page points would be among
    the 4,000 drawn privately if they were not left out."""
    config = PlaygroundConfig(dataset="spiral", noise=0, n_points=1000, seed=1)
    drawn = play_holdout._rows_in(*[make_points("spiral", n, 0, 1)[0] for n in (4000, 1000)])
    assert drawn.sum() == 1000  # the page's points are there in a plain draw ...
    X, y = play_holdout.private_points(config)
    assert abs(int(y.sum()) - 500) < 60  # ... left out, both arms still there


def test_a_trained_run_is_scored_on_the_private_points_like_its_own_test_points() -> None:
    config = PlaygroundConfig(
        dataset="circles", noise=10, features=("x1sq", "x2sq"), hidden=(4,), lr=0.1
    )
    run = PlaygroundRun(config, make_points("circles", 500, 10, config.seed))
    run.train(60)
    found = play_holdout.score(run.model, config)
    assert found.n == 1000 and found.accuracy > 0.9 and run.accuracy() > 0.9
    X, y = play_holdout.private_points(config)
    F = feature_map(X, config.features)
    assert found.loss == pytest.approx(run.loss(F, y[:, None].astype(np.float32)), rel=1e-6)
    assert found.accuracy == float(np.mean(run.predict(F) == y))
    assert abs(found.loss - run.losses()[1]) < 0.1  # near its own test loss


def test_a_model_that_does_not_fit_the_data_is_not_scored_and_regression_has_no_accuracy() -> None:
    config = PlaygroundConfig(dataset="wave", noise=5)
    run = PlaygroundRun(config, make_points("wave", 500, 5, 1))
    run.train(2)
    found = play_holdout.score(run.model, config)
    assert found.accuracy is None and np.isfinite(found.loss)
    with pytest.raises(ValueError, match="does not fit"):
        play_holdout.score(run.model, config.replace(features=("x1", "x2", "x1x2")))


def test_a_run_counts_its_training_seconds_and_notes_new_training_settings() -> None:
    config = PlaygroundConfig(**DATA)
    run = PlaygroundRun(config, make_points("spiral", 300, 10, 7))
    run.retune(config.replace(lr=0.1))  # before training: the run is as if made with it
    assert not run.retuned and run.seconds == 0.0
    run.train(3)
    assert run.seconds > 0.0
    run.retune(run.config.replace(show_test=True))  # display only
    assert not run.retuned
    run.retune(run.config.replace(lr=0.3))
    assert run.retuned


def _bits(run: PlaygroundRun) -> list[bytes]:
    return [p.tobytes() for p in run.model.parameters()]


def test_a_limit_of_training_seconds_stops_play_within_it_and_the_run_trains_again() -> None:
    """Slices as Play trains them (50 epochs, 8 ms each) with a budget of 0.05 training
    seconds: training stops inside the limit, the rule is kept, and the epochs kept are
    what the same settings train again, bit for bit (an epoch past the limit was undone
    with its shuffle)."""
    config = PlaygroundConfig(**DATA, hidden=(8, 8))
    points = make_points("spiral", 300, 10, 7)
    run = PlaygroundRun(config, points)
    for _ in range(10_000):
        assert run.train(50, 0.008, budget=0.05) == ""
        if run.out_of_time:
            break
    assert run.out_of_time and run.epoch > 0 and 0.0 < run.seconds <= 0.05
    sizes = run.model.sizes
    evidence = PlayEvidence(config, sizes, run.epoch, run.seconds, True)
    assert broken_play(_rules(max_seconds=0.05), evidence) == []
    again = PlaygroundRun(config, points)
    again.train(run.epoch)
    assert _bits(again) == _bits(run) and again.curves.test_loss == run.curves.test_loss
    # spent: no epoch starts; without a budget the run goes on as one that never stopped
    epoch, seconds = run.epoch, run.seconds
    assert run.train(5, budget=0.05) == "" and run.out_of_time and run.epoch == epoch
    assert run.seconds - seconds < 0.01
    run.train(3)
    again.train(3)
    assert not run.out_of_time and _bits(again) == _bits(run)


def test_an_epoch_that_would_end_past_the_limit_is_undone_and_its_time_not_counted() -> None:
    """A budget of a third of one epoch's time: the epoch starts, ends past the limit and
    is undone: the weights, the random stream and the epoch count as before it, and the
    training seconds still inside the limit."""
    config = PlaygroundConfig(**{**DATA, "n_points": 1000}, hidden=(8, 8, 8), batch_size=1)
    points = make_points("spiral", 1000, 10, 7)
    timing = PlaygroundRun(config, points)
    timing.train(3)
    budget = timing.seconds / 3 / 3
    run = PlaygroundRun(config, points)
    model, stream, weights = run.model, run.rng.bit_generator.state, _bits(run)
    assert run.train(1, budget=budget) == "" and run.out_of_time
    assert run.model is not model, "the epoch was trained and undone (not refused before)"
    assert run.epoch == 0 and _bits(run) == weights and run.rng.bit_generator.state == stream
    assert run.seconds < budget and len(run.curves.epoch) == 1


def test_a_limit_of_training_seconds_holds_for_epochs_trained_in_pieces() -> None:
    """As above, with a crowded server's slices (a few minibatches each, whole=False):
    the epoch in progress when the seconds run out is undone with its shuffle, and the
    epochs kept train again bit for bit."""
    config = PlaygroundConfig(**DATA, hidden=(8, 8))
    points = make_points("spiral", 300, 10, 7)
    run = PlaygroundRun(config, points)
    for _ in range(100_000):
        assert run.train(50, 0.0005, budget=0.05, whole=False) == ""
        if run.out_of_time:
            break
    assert run.out_of_time and run.epoch > 0 and run.partial is None
    assert 0.0 < run.seconds <= 0.05
    again = PlaygroundRun(config, points)
    again.train(run.epoch)
    assert _bits(again) == _bits(run)
    assert again.rng.bit_generator.state == run.rng.bit_generator.state


def test_the_training_seconds_kept_are_those_checked_against_the_limit(monkeypatch) -> None:
    """On a clock that moves on at every reading (a loaded machine, exaggerated), the
    run's training seconds never pass the limit: the time kept after an epoch is the
    reading that was checked against it, not a later one (CI once saw 0.10004 of 0.1)."""
    ticks = iter(range(10**9))
    monkeypatch.setattr(
        playground, "time", SimpleNamespace(perf_counter=lambda: next(ticks) * 0.003)
    )
    config = PlaygroundConfig(**DATA, hidden=(8, 8))
    run = PlaygroundRun(config, make_points("spiral", 300, 10, 7))
    for whole in (True, False) * 50:
        run.train(50, 0.01, budget=0.1, whole=whole)
        assert run.seconds <= 0.1, run.seconds
    assert run.out_of_time and run.epoch > 0
