"""The first layer split with a helper process (mlp_core.split_process): same training as
one thread, same endings, and a helper that never outlives its trainer.

Like the thread split, it changes only the order of float additions, so in float64 it
agrees with the one-thread loop to rounding, with and without compacted minibatches.
Nothing here times anything.
"""

from __future__ import annotations

import gc
import time

import numpy as np
import pytest

from mlp_core import split_process
from mlp_core.config import TrainConfig
from mlp_core.split_process import HelperFailed, ProcessSplit
from mlp_core.training import Trainer
from tests.core.test_training import Split

pytestmark = pytest.mark.skipif(
    not split_process.available(), reason="the process split needs Linux on x86-64"
)

D, HIDDEN, BATCH = 784, 64, 50  # 2 * 50 * 784 * 64 = 5.0e6 flops: worth splitting


def _digits_like(
    n: int = 530, dtype=np.float64, seed: int = 0, margins: bool = True, n_train: int = 500
) -> Split:
    """Random 784-pixel 'images'; with `margins`, like MNIST: a border of columns that are
    always zero and most other pixels zero too, so minibatches get compacted."""
    rng = np.random.default_rng(seed)
    X = rng.random((n, D)).astype(dtype)
    if margins:
        X[:, : D // 3] = 0
        X[rng.random((n, D)) < 0.8] = 0
    y = (X[:, -10:].sum(axis=1) * 2).astype(int) % 10
    return Split(X[:n_train], y[:n_train], X[n_train:], y[n_train:])


def _config(**kw) -> TrainConfig:
    base = dict(hidden=HIDDEN, batch_size=BATCH, epochs=2, seed=3, dtype="float64", lr=0.05)
    return TrainConfig(**{**base, **kw})


def _trainer(config: TrainConfig, data: Split, threads: int = 2) -> Trainer:
    trainer = Trainer(config, data)
    trainer.threads, trainer.split = threads, "process"
    return trainer


def _same(one: Trainer, two: Trainer) -> None:
    for p, q in zip(one.model.parameters(), two.model.parameters(), strict=True):
        np.testing.assert_allclose(q, p, rtol=1e-9, atol=1e-11)
    for a, b in zip(one.history.epochs, two.history.epochs, strict=True):
        assert b.loss == pytest.approx(a.loss, rel=1e-9)
        assert (b.train_acc, b.valid_acc) == (a.train_acc, a.valid_acc)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
@pytest.mark.parametrize("loss", ["softmax_ce", "sigmoid_bce", "identity_mse"])
def test_process_split_trains_like_one_thread(activation: str, loss: str) -> None:
    data = _digits_like()
    config = _config(activation=activation, loss=loss, momentum=0.9, l2=0.01)
    one, two = _trainer(config, data, 1), _trainer(config, data)
    two.step(max_batches=1)
    assert isinstance(two._split, ProcessSplit)  # the process split really runs
    one.run(), two.run()
    assert one._split is None
    _same(one, two)


@pytest.mark.parametrize("margins", [True, False], ids=["compacted", "full"])
@pytest.mark.parametrize(("momentum", "l2"), [(0.0, 0.0), (0.9, 0.0), (0.0, 0.01)])
def test_every_update_rule_with_and_without_compacting(
    margins: bool, momentum: float, l2: float
) -> None:
    data = _digits_like(margins=margins)
    config = _config(momentum=momentum, l2=l2)
    one, two = _trainer(config, data, 1), _trainer(config, data)
    two.step(max_batches=1)
    split = two._split
    one.run(), two.run()
    _same(one, two)
    compacted = [int(split.block.k0[0]), int(split.block.k1[0])]
    assert all(k > 0 for k in compacted) if margins else compacted == [-1, -1]


@pytest.mark.parametrize("layers", [2, 3])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_more_layers_and_either_reduction(layers: int, reduction: str) -> None:
    data = _digits_like()
    lr = 0.05 if reduction == "mean" else 0.001
    config = _config(layers=layers, reduction=reduction, lr=lr, momentum=0.5, l2=0.001)
    one, two = _trainer(config, data, 1), _trainer(config, data)
    one.run(), two.run()
    _same(one, two)


def test_float32_stays_close() -> None:
    data = _digits_like(dtype=np.float32)
    config = _config(dtype="float32")
    one, two = _trainer(config, data, 1), _trainer(config, data)
    one.run(), two.run()
    for p, q in zip(one.model.parameters(), two.model.parameters(), strict=True):
        np.testing.assert_allclose(q, p, rtol=1e-4, atol=1e-5)


def test_a_short_last_minibatch() -> None:
    data = _digits_like()
    config = _config(batch_size=60, momentum=0.9)  # 500 = 8 * 60 + 20
    one, two = _trainer(config, data, 1), _trainer(config, data)
    one.run(), two.run()
    _same(one, two)


def test_stepping_batch_by_batch_is_bit_identical_to_whole_epochs() -> None:
    data = _digits_like()
    config = _config(momentum=0.9)
    whole, stepped = _trainer(config, data), _trainer(config, data)
    whole.run()
    while not stepped.finished:
        stepped.step(max_batches=3)
    for p, q in zip(whole.model.parameters(), stepped.model.parameters(), strict=True):
        np.testing.assert_array_equal(q, p)
    assert [e.loss for e in whole.history.epochs] == [e.loss for e in stepped.history.epochs]


def test_time_budget_stops_after_one_batch() -> None:
    trainer = _trainer(_config(), _digits_like())
    assert trainer.step(max_seconds=0.0) == []
    assert trainer.progress == pytest.approx(BATCH / 500)
    trainer.step(max_batches=2)
    assert trainer.progress == pytest.approx(3 * BATCH / 500)


def test_divergence_is_caught_and_the_epoch_start_restored() -> None:
    data = _digits_like()
    config = _config(activation="relu", loss="identity_mse", lr=10.0, init="normal")
    one, two = _trainer(config, data, 1), _trainer(config, data)
    one.run(), two.run()
    assert two.history.status == one.history.status == "diverged"
    assert np.isfinite(two.model.W[0]).all()
    assert two.history.message.split(":")[0] == one.history.message.split(":")[0]


def test_a_helper_that_dies_mid_run_is_reported_then_replaced(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    trainer = _trainer(_config(epochs=3), _digits_like())
    trainer.step(max_batches=2)
    split = trainer._split
    real = ProcessSplit._upper

    def killing(self, y):
        if trainer.progress >= 0.5 and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        return real(self, y)

    monkeypatch.setattr(ProcessSplit, "_upper", killing)
    with pytest.raises(HelperFailed, match="helper process ended"):
        trainer.step(to_epoch_end=True)
    monkeypatch.undo()
    assert not split.alive
    trainer.step(max_batches=1)  # a new helper takes over
    assert trainer._split is not split and trainer._split.alive
    trainer.run()
    assert trainer.history.status == "done"
    assert all(np.isfinite(p).all() for p in trainer.model.parameters())


def test_an_error_in_the_caller_stops_the_helper_cleanly(monkeypatch: pytest.MonkeyPatch) -> None:
    data = _digits_like()
    trainer = _trainer(_config(epochs=1), data)
    real = ProcessSplit._upper

    def failing(self, y):
        if trainer.progress >= 0.5:
            raise MemoryError("no room")
        return real(self, y)

    monkeypatch.setattr(ProcessSplit, "_upper", failing)
    with pytest.raises(MemoryError):
        trainer.step(to_epoch_end=True)
    monkeypatch.undo()
    assert trainer._split.alive  # the helper called its run off and waits for the next
    split = trainer._split
    trainer.step(max_batches=1)
    assert trainer._split is split
    trainer.run()
    assert trainer.history.status == "done"


def test_the_helper_ends_with_its_trainer() -> None:
    trainer = _trainer(_config(epochs=1), _digits_like())
    trainer.step(max_batches=2)
    proc = trainer._split.proc
    assert proc.poll() is None
    del trainer
    gc.collect()
    assert proc.wait(timeout=5) == 0


def test_the_helper_ends_when_the_run_does_and_continue_starts_another() -> None:
    trainer = _trainer(_config(epochs=1), _digits_like())
    trainer.step(max_batches=2)
    proc = trainer._split.proc
    trainer.run()
    assert trainer._split is None and proc.wait(timeout=5) == 0
    trainer.extend(1)
    trainer.run()
    assert trainer.epoch == 2 and trainer.history.status == "done"


def test_close_ends_the_helper_and_the_trainer_starts_another() -> None:
    trainer = _trainer(_config(epochs=2), _digits_like())
    trainer.step(max_batches=1)
    first = trainer._split
    first.close()
    assert not first.alive
    trainer.step(max_batches=1)
    assert trainer._split is not first and trainer._split.alive


def test_the_thread_split_is_used_where_no_helper_can_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_process(*args, **kwargs):
        raise OSError("no processes here")

    monkeypatch.setattr(split_process.subprocess, "Popen", no_process)
    trainer = _trainer(_config(epochs=1), _digits_like())
    trainer.step(max_batches=1)
    assert type(trainer._split).__name__ == "SplitStep"


def test_trainers_on_the_same_examples_share_one_copy() -> None:
    data, other = _digits_like(), _digits_like(seed=1)
    a, b, c = (_trainer(_config(epochs=1), d) for d in (data, data, other))
    for t in (a, b, c):
        t.step(max_batches=1)
    assert a._split._examples is b._split._examples
    assert c._split._examples is not a._split._examples


def test_a_busy_second_core_sends_training_to_one_thread_for_a_while(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = _digits_like(n=100 * BATCH + 30, n_train=100 * BATCH)  # 100 minibatches an epoch
    config = _config(epochs=4, momentum=0.9, n_train=100 * BATCH)
    one, trainer = _trainer(config, data, 1), _trainer(config, data)
    monkeypatch.setattr(split_process, "BUSY_WAITING", 2.0)  # never busy
    trainer.step(to_epoch_end=True)
    trainer.step(to_epoch_end=True)  # 200 minibatches: past a helper's first 128
    split = trainer._split
    monkeypatch.setattr(split_process, "BUSY_WAITING", -1.0)  # every wait "too long"
    monkeypatch.setattr(split_process, "BUSY_MIN_RUN", 0.0)
    trainer.step(max_batches=80)  # the run stops at its 64th minibatch, 16 on one thread
    assert trainer.progress == pytest.approx(0.8)
    assert trainer._split is split and not split.busy  # seen, and the pause begun
    assert trainer._solo_until > time.monotonic() and trainer._splitter() is None
    monkeypatch.setattr(split_process, "BUSY_WAITING", 2.0)
    trainer._solo_until = 0.0  # the pause is over: the same helper again
    assert trainer._splitter() is split
    one.run(), trainer.run()
    _same(one, trainer)  # the same training, whichever way each minibatch went


def test_minibatches_of_blank_images_train_like_one_thread() -> None:
    data = _digits_like()
    data.X_train[:] = 0  # every column inactive: the compacted products are empty
    config = _config(momentum=0.9, l2=0.01)
    one, two = _trainer(config, data, 1), _trainer(config, data)
    two.step(max_batches=1)
    assert int(two._split.block.k0[0]) == 0
    one.run(), two.run()
    _same(one, two)
