"""A training checkpoint: a run stopped after any minibatch, its model, history and
checkpoint written to bytes and read by a new Trainer (another process, another day),
goes on exactly as the run that never stopped: the same weights and curves, to the bit.
Momentum, the epoch's order of examples, early stopping's best weights and the weights
divergence goes back to are all carried. Malformed checkpoints are refused."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from mlp_core.config import TrainConfig
from mlp_core.history import History
from mlp_core.serialize import (
    ModelFileError,
    SavedModel,
    checkpoint_to_bytes,
    load_checkpoint,
    load_model,
    model_to_bytes,
)
from mlp_core.training import Trainer
from tests.splits import Split


def _split(n=90, d=6, seed=0) -> Split:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n + 30, d)).astype(np.float32)
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int) + (X[:, 2] > 1).astype(int)
    y[:3] = np.arange(3)
    return Split(X[:n], y[:n], X[n:], y[n:])


def _config(**changes) -> TrainConfig:
    base = dict(hidden=7, layers=2, epochs=4, batch_size=8, lr=0.1, momentum=0.9, n_train=90)
    return TrainConfig(**{**base, **changes})


def _moved(trainer: Trainer, config: TrainConfig, data: Split) -> Trainer:
    """What another process makes of the trainer's saved state: bytes only."""
    model_bytes = model_to_bytes(SavedModel(trainer.model, config), compressed=False)
    history = trainer.history.to_dict()
    point = checkpoint_to_bytes(trainer.checkpoint())
    again = Trainer(config, data, load_model(model_bytes).model)
    again.history = History.from_dict(copy.deepcopy(history))
    again.resume(load_checkpoint(point))
    return again


@pytest.mark.parametrize(
    "changes",
    [{}, {"momentum": 0.0}, {"patience": 1, "epochs": 6}, {"lr": 10.0, "momentum": 0.0}],
    ids=["momentum", "plain", "early-stopping", "diverges"],
)
@pytest.mark.parametrize("after", [1, 5, 12, 25])  # minibatches: mid-epoch and between
def test_a_resumed_run_ends_exactly_as_one_that_never_stopped(changes, after):
    config, data = _config(**changes), _split()
    whole = Trainer(config, data)
    whole.run()
    cut = Trainer(config, data)
    cut.step(max_batches=after)
    again = _moved(cut, config, data)
    again.run()
    for a, b in zip(whole.model.parameters(), again.model.parameters(), strict=True):
        np.testing.assert_array_equal(a, b)
    mine, theirs = whole.history.to_dict(), again.history.to_dict()
    for h in (mine, theirs):
        for e in h["epochs"]:
            e["seconds"] = 0.0  # wall-clock time is the one thing that differs
    assert mine == theirs


def test_a_checkpoint_is_a_copy_training_on_does_not_change():
    config, data = _config(), _split()
    t = Trainer(config, data)
    t.step(max_batches=3)
    point = t.checkpoint()
    before = [v.copy() for v in point.velocities]
    t.step(max_batches=3)
    for a, b in zip(before, point.velocities, strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_checkpoint_that_does_not_fit_is_refused_and_changes_nothing():
    data = _split()
    t = Trainer(_config(), data)
    t.step(max_batches=3)
    point = load_checkpoint(checkpoint_to_bytes(t.checkpoint()))
    other = Trainer(_config(hidden=5), data)
    with pytest.raises(ValueError, match="do not fit this network"):
        other.resume(point)
    plain = Trainer(_config(momentum=0.0), data)
    with pytest.raises(ValueError, match="momentum"):
        plain.resume(point)
    point.books["epoch"] = 3  # a checkpoint of a later epoch than the run's history
    fresh = Trainer(_config(), data)
    with pytest.raises(ValueError, match="of epoch 3"):
        fresh.resume(point)
    assert fresh.progress == 0.0 and fresh.optimizer.velocities()[0].any() == np.False_


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"", "empty"),
        (b"not a zip", "not an .npz"),
        (model_to_bytes(SavedModel(Trainer(_config(), _split()).model)), "not a training"),
    ],
)
def test_what_is_not_a_checkpoint_is_refused(data, why):
    with pytest.raises(ModelFileError, match=why):
        load_checkpoint(data)


def test_a_checkpoint_with_a_non_finite_velocity_is_refused():
    t = Trainer(_config(), _split())
    t.step(max_batches=2)
    point = t.checkpoint()
    point.velocities[0][0, 0] = np.nan
    with pytest.raises(ModelFileError, match="not finite"):
        load_checkpoint(checkpoint_to_bytes(point))
