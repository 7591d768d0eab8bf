"""The two-thread split of the first layer (mlp_core.parallel): same training, same endings.

(The process split, mlp_core.split_process, has its own tests in test_split_process.py.)

The split computes what the one-thread loop computes, in a different order of float
additions only, so in float64 the two agree to rounding for every activation, loss,
reduction, momentum, L2 and depth. Nothing here times anything.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

from mlp_core import blas, parallel
from mlp_core.config import TrainConfig
from mlp_core.training import Trainer
from tests.core.test_training import Split

D, HIDDEN, BATCH = 784, 64, 50  # 2 * 50 * 784 * 64 = 5.0e6 flops: worth splitting


def _digits_like(n: int = 530, dtype=np.float64, seed: int = 0) -> Split:
    """Random 784-pixel 'images' whose class depends on a few pixels; 30 to validate."""
    rng = np.random.default_rng(seed)
    X = rng.random((n, D)).astype(dtype)
    y = (X[:, :10].sum(axis=1) * 2).astype(int) % 10
    return Split(X[:500], y[:500], X[500:], y[500:])


def _config(**kw) -> TrainConfig:
    base = dict(hidden=HIDDEN, batch_size=BATCH, epochs=2, seed=3, dtype="float64", lr=0.05)
    return TrainConfig(**{**base, **kw})


def _trainer(config: TrainConfig, data: Split, threads: int, split: str = "thread") -> Trainer:
    trainer = Trainer(config, data)
    trainer.threads, trainer.split = threads, split
    return trainer


@pytest.fixture(autouse=True)
def _no_stray_threads():
    before = threading.active_count()
    yield
    assert threading.active_count() == before, "a helper thread outlived its step"


needs_openblas = pytest.mark.skipif(
    blas.threads() is None, reason="the split needs NumPy's bundled OpenBLAS"
)


@needs_openblas
@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
@pytest.mark.parametrize("loss", ["softmax_ce", "sigmoid_bce", "identity_mse"])
def test_split_trains_like_one_thread(activation: str, loss: str) -> None:
    data = _digits_like()
    config = _config(activation=activation, loss=loss, momentum=0.9, l2=0.01)
    one, two = _trainer(config, data, 1), _trainer(config, data, 2)
    two.step(max_batches=1)
    assert isinstance(two._split, parallel.SplitStep)  # the split really runs
    h1, h2 = one.run(), two.run()
    assert one._split is None
    for p, q in zip(one.model.parameters(), two.model.parameters(), strict=True):
        np.testing.assert_allclose(q, p, rtol=1e-9, atol=1e-11)
    for a, b in zip(h1.epochs, h2.epochs, strict=True):
        assert b.loss == pytest.approx(a.loss, rel=1e-9)
        assert (b.train_acc, b.valid_acc) == (a.train_acc, a.valid_acc)


@needs_openblas
@pytest.mark.parametrize("layers", [2, 3])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_split_with_more_layers_and_either_reduction(layers: int, reduction: str) -> None:
    data = _digits_like()
    lr = 0.05 if reduction == "mean" else 0.001
    config = _config(layers=layers, reduction=reduction, lr=lr, momentum=0.5, l2=0.001)
    one, two = _trainer(config, data, 1), _trainer(config, data, 2)
    one.run(), two.run()
    for p, q in zip(one.model.parameters(), two.model.parameters(), strict=True):
        np.testing.assert_allclose(q, p, rtol=1e-9, atol=1e-11)


@needs_openblas
def test_split_in_float32_stays_close() -> None:
    data = _digits_like(dtype=np.float32)
    config = _config(dtype="float32")
    one, two = _trainer(config, data, 1), _trainer(config, data, 2)
    two.step(max_batches=1)
    assert two._split is not None
    one.run(), two.run()
    for p, q in zip(one.model.parameters(), two.model.parameters(), strict=True):
        np.testing.assert_allclose(q, p, rtol=1e-4, atol=1e-5)


@needs_openblas
def test_stepping_batch_by_batch_is_bit_identical_to_whole_epochs() -> None:
    data = _digits_like()
    config = _config(momentum=0.9)
    whole, stepped = _trainer(config, data, 2), _trainer(config, data, 2)
    whole.run()
    while not stepped.finished:
        stepped.step(max_batches=3)
    for p, q in zip(whole.model.parameters(), stepped.model.parameters(), strict=True):
        np.testing.assert_array_equal(q, p)
    assert [e.loss for e in whole.history.epochs] == [e.loss for e in stepped.history.epochs]


@needs_openblas
def test_time_budget_stops_after_one_batch() -> None:
    trainer = _trainer(_config(), _digits_like(), 2)
    assert trainer.step(max_seconds=0.0) == []
    assert trainer.progress == pytest.approx(BATCH / 500)
    trainer.step(max_batches=2)
    assert trainer.progress == pytest.approx(3 * BATCH / 500)


@needs_openblas
def test_divergence_is_caught_and_the_epoch_start_restored() -> None:
    data = _digits_like()
    config = _config(activation="relu", loss="identity_mse", lr=10.0, init="normal")
    one, two = _trainer(config, data, 1), _trainer(config, data, 2)
    one.run(), two.run()
    assert two.history.status == one.history.status == "diverged"
    assert np.isfinite(two.model.W[0]).all()
    assert two.history.message.split(":")[0] == one.history.message.split(":")[0]


@needs_openblas
def test_an_error_in_the_helper_reaches_the_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    trainer = _trainer(_config(), _digits_like(), 2)
    real = parallel.SplitStep._backward_part

    def failing(self, p, X):
        if p == 1 and trainer.progress > 0.3:
            raise MemoryError("no room")
        real(self, p, X)

    monkeypatch.setattr(parallel.SplitStep, "_backward_part", failing)
    with pytest.raises(RuntimeError, match="helper thread failed") as info:
        trainer.step(to_epoch_end=True)
    assert isinstance(info.value.__cause__, MemoryError)


@needs_openblas
def test_an_error_in_the_caller_stops_the_helper(monkeypatch: pytest.MonkeyPatch) -> None:
    trainer = _trainer(_config(), _digits_like(), 2)
    real = parallel.SplitStep._upper

    def failing(self, y):
        if trainer.progress > 0.3:
            raise KeyError("bad label")
        return real(self, y)

    monkeypatch.setattr(parallel.SplitStep, "_upper", failing)
    with pytest.raises(KeyError, match="bad label"):
        trainer.step(to_epoch_end=True)


def test_small_layers_and_one_thread_do_not_split(monkeypatch: pytest.MonkeyPatch) -> None:
    assert parallel.worth_splitting((784, 100, 10), 100)
    assert not parallel.worth_splitting((2, 8, 2), 32)  # the moons
    assert not parallel.worth_splitting((784, 10), 100)  # no hidden layer
    monkeypatch.setenv("MLP_LAB_THREADS", "1")
    assert parallel.wanted_threads() == 1
    monkeypatch.setenv("MLP_LAB_THREADS", "2")
    assert parallel.wanted_threads() == 2
    monkeypatch.setattr(blas, "threads", lambda: None)  # another BLAS: its threads unknown
    assert _trainer(_config(), _digits_like(), 2)._splitter() is None
