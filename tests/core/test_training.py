"""The Trainer: a hand-worked SGD step, determinism, resumability, endings, and learning."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from mlp_core.config import TrainConfig
from mlp_core.history import EpochStats, History, Status
from mlp_core.network import MLP
from mlp_core.optimizers import SGD
from mlp_core.training import Minibatches, PlainStep, Trainer, fit, train_batch
from tests.splits import Split


def _random_split(n=60, d=5, k=3, dtype=np.float32, seed=0) -> Split:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n + 20, d)).astype(dtype)
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int) + (X[:, 2] > 1).astype(int)
    y = np.minimum(y, k - 1)
    y[:k] = np.arange(k)  # every class present
    return Split(X[:n], y[:n], X[n:], y[n:])


def _params(model: MLP) -> list[np.ndarray]:
    return [p.copy() for p in model.parameters()]


def _assert_same_weights(a: MLP, b: MLP) -> None:
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        np.testing.assert_array_equal(p, q)


def _without_seconds(history: History) -> list[tuple]:
    return [(e.epoch, e.loss, e.train_acc, e.valid_acc) for e in history.epochs]


# -- a hand-worked step ---------------------------------------------------------------
X_HAND = np.array([[1.0, 2.0], [-1.0, 0.5], [0.3, -0.7], [2.0, 1.0]])
Y_HAND = np.array([0, 1, 1, 0])
W_HAND = [np.array([[0.5, -0.3], [0.2, 0.8]]), np.array([[0.7, -0.4], [-0.6, 0.9]])]
B_HAND = [np.array([0.1, -0.2]), np.array([0.05, -0.05])]


def _hand_gradients(W, b, activation, loss, reduction):
    """Backprop for a 2-2-2 net in plain float64 NumPy, independent of mlp_core."""
    X, Y = X_HAND, np.eye(2)[Y_HAND]
    Z1 = X @ W[0] + b[0]
    A1 = {"sigmoid": 1 / (1 + np.exp(-Z1)), "tanh": np.tanh(Z1), "relu": np.maximum(Z1, 0)}[
        activation
    ]
    Z2 = A1 @ W[1] + b[1]
    if loss == "softmax_ce":
        A2 = np.exp(Z2) / np.exp(Z2).sum(axis=1, keepdims=True)
    elif loss == "sigmoid_bce":
        A2 = 1 / (1 + np.exp(-Z2))
    else:
        A2 = Z2
    dZ2 = (A2 - Y) / (len(X) if reduction == "mean" else 1)
    dA1 = dZ2 @ W[1].T
    dZ1 = dA1 * {"sigmoid": A1 * (1 - A1), "tanh": 1 - A1**2, "relu": (Z1 > 0) * 1.0}[activation]
    return [X.T @ dZ1, A1.T @ dZ2], [dZ1.sum(axis=0), dZ2.sum(axis=0)]


def _hand_steps(steps, activation, loss, reduction, lr, l2, momentum):
    """The book's rule: g = dW + l2 W; W -= lr g, or v = mom v - lr g; W += v."""
    W, b = [w.copy() for w in W_HAND], [v.copy() for v in B_HAND]
    vW, vb = [np.zeros_like(w) for w in W], [np.zeros_like(v) for v in b]
    for _ in range(steps):
        dW, db = _hand_gradients(W, b, activation, loss, reduction)
        for l in range(2):
            gW = dW[l] + l2 * W[l]
            if momentum:
                vW[l] = momentum * vW[l] - lr * gW
                vb[l] = momentum * vb[l] - lr * db[l]
                W[l], b[l] = W[l] + vW[l], b[l] + vb[l]
            else:
                W[l], b[l] = W[l] - lr * gW, b[l] - lr * db[l]
    return W, b


def _hand_trainer(activation, loss, reduction, momentum, l2=0.01, epochs=2, dtype=np.float64):
    config = TrainConfig(
        hidden=2,
        activation=activation,
        loss=loss,
        reduction=reduction,
        momentum=momentum,
        lr=0.1,
        l2=l2,
        batch_size=len(X_HAND),  # one full batch: the shuffle cannot matter
        epochs=epochs,
        dtype=np.dtype(dtype).name,
    )
    model = MLP(
        [w.astype(dtype) for w in W_HAND], [v.astype(dtype) for v in B_HAND], activation, loss
    )
    data = Split(X_HAND.astype(dtype), Y_HAND, X_HAND.astype(dtype), Y_HAND)
    return Trainer(config, data, model)


@pytest.mark.parametrize("momentum", [0.0, 0.9])
@pytest.mark.parametrize("reduction", ["sum", "mean"])
@pytest.mark.parametrize("loss", ["softmax_ce", "sigmoid_bce", "identity_mse"])
@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_two_sgd_steps_by_hand(activation, loss, reduction, momentum):
    """Two steps, so that momentum's velocity from the first step shows in the second."""
    trainer = _hand_trainer(activation, loss, reduction, momentum)
    for steps in (1, 2):
        trainer.step(max_batches=1)
        W, b = _hand_steps(steps, activation, loss, reduction, 0.1, 0.01, momentum)
        for l in range(2):
            np.testing.assert_allclose(trainer.model.W[l], W[l], rtol=1e-12, atol=1e-14)
            np.testing.assert_allclose(trainer.model.b[l], b[l], rtol=1e-12, atol=1e-14)


def test_the_hand_worked_step_moves_the_weights():
    """Guard for the test above: one step changes every parameter array."""
    W, b = _hand_steps(1, "sigmoid", "sigmoid_bce", "sum", 0.1, 0.01, 0.0)
    for new, old in zip(W + b, W_HAND + B_HAND, strict=True):
        assert np.abs(new - old).max() > 1e-3


def test_l2_shrinks_weights_but_not_biases():
    plain = _hand_trainer("sigmoid", "sigmoid_bce", "sum", 0.0, l2=0.0, epochs=1)
    decayed = _hand_trainer("sigmoid", "sigmoid_bce", "sum", 0.0, l2=1.0, epochs=1)
    plain.run()
    decayed.run()
    for l in range(2):  # the only difference is lr * l2 * W
        np.testing.assert_allclose(decayed.model.W[l], plain.model.W[l] - 0.1 * W_HAND[l])
        np.testing.assert_allclose(decayed.model.b[l], plain.model.b[l])


def test_epoch_stats_of_a_one_batch_epoch():
    """Without exact_eval, the loss and accuracy are those seen while training: for a
    single full batch, the loss and accuracy of the starting weights."""
    trainer = _hand_trainer("sigmoid", "softmax_ce", "mean", 0.0, l2=0.0, epochs=1)
    (stats,) = trainer.step(max_batches=1)
    Z1 = X_HAND @ W_HAND[0] + B_HAND[0]
    Z2 = 1 / (1 + np.exp(-Z1)) @ W_HAND[1] + B_HAND[1]
    P = np.exp(Z2) / np.exp(Z2).sum(axis=1, keepdims=True)
    expected_loss = -np.mean(np.log(P[np.arange(4), Y_HAND]))
    assert stats.epoch == 1
    assert stats.loss == pytest.approx(expected_loss, rel=1e-12)
    assert stats.train_acc == np.mean(P.argmax(axis=1) == Y_HAND)
    assert stats.valid_acc == trainer.accuracy(X_HAND, Y_HAND)  # after the step


# -- dtype and determinism ------------------------------------------------------------
def test_float32_stays_float32():
    trainer = Trainer(TrainConfig(hidden=8, epochs=2, batch_size=10), _random_split())
    trainer.run()
    assert all(p.dtype == np.float32 for p in trainer.model.parameters())
    assert trainer.model.predict_proba(trainer.X_valid).dtype == np.float32
    for stats in trainer.history.epochs:
        assert all(type(v) in (int, float) for v in dataclasses.astuple(stats))


def test_float64_on_request():
    data = _random_split(dtype=np.float64)
    trainer = Trainer(TrainConfig(hidden=8, epochs=1, batch_size=10, dtype="float64"), data)
    trainer.run()
    assert trainer.model.dtype == np.float64


def test_data_and_model_dtypes_must_agree():
    with pytest.raises(ValueError, match="float64"):
        Trainer(TrainConfig(hidden=8), _random_split(dtype=np.float64))


def test_bad_data_shapes_are_value_errors():
    data = _random_split()
    with pytest.raises(ValueError, match="batch size"):
        Trainer(TrainConfig(hidden=8, batch_size=1000), data)
    with pytest.raises(ValueError, match="features"):
        Trainer(TrainConfig(hidden=8), data, MLP.create((7, 8, 3)))


def test_same_seed_same_history_and_weights():
    config = TrainConfig(hidden=8, epochs=3, batch_size=7, seed=5)
    a, b = Trainer(config, _random_split()), Trainer(config, _random_split())
    a.run(), b.run()
    assert _without_seconds(a.history) == _without_seconds(b.history)
    _assert_same_weights(a.model, b.model)


def test_different_seed_different_weights():
    a = Trainer(TrainConfig(hidden=8, epochs=2, batch_size=7, seed=5), _random_split())
    b = Trainer(TrainConfig(hidden=8, epochs=2, batch_size=7, seed=6), _random_split())
    a.run(), b.run()
    assert not np.array_equal(a.model.W[0], b.model.W[0])


def test_the_shuffle_is_seeded_too():
    """Same starting weights, different seed: only the minibatch order differs."""
    data = _random_split()
    start = MLP.create((5, 8, 3), seed=1)
    a = Trainer(TrainConfig(hidden=8, epochs=1, batch_size=7, seed=1), data, start.copy())
    b = Trainer(TrainConfig(hidden=8, epochs=1, batch_size=7, seed=2), data, start.copy())
    a.run(), b.run()
    assert not np.array_equal(a.model.W[0], b.model.W[0])


# -- resumable stepping ---------------------------------------------------------------
RESUME = TrainConfig(hidden=8, epochs=3, batch_size=8, momentum=0.9, l2=0.001, seed=3)
N_RESUME = 60  # 8 batches per epoch, the last one of 4 examples


def _finished_by(drive) -> Trainer:
    trainer = Trainer(RESUME, _random_split(N_RESUME))
    calls = 0
    while not trainer.finished:
        drive(trainer)
        calls += 1
        assert calls < 1000
    trainer.calls = calls
    return trainer


@pytest.fixture(scope="module")
def reference() -> Trainer:
    trainer = Trainer(RESUME, _random_split(N_RESUME))
    trainer.run()
    return trainer


@pytest.mark.parametrize(
    "drive",
    [
        lambda t: t.step(max_batches=1),
        lambda t: t.step(max_batches=3),
        lambda t: t.step(max_seconds=1e-4),
        lambda t: t.step(to_epoch_end=True),
        lambda t: t.train_epoch(),
    ],
    ids=["one-batch", "three-batches", "time-budget", "to-epoch-end", "train_epoch"],
)
def test_stepping_in_slices_equals_run(reference, drive):
    trainer = _finished_by(drive)
    _assert_same_weights(trainer.model, reference.model)
    assert _without_seconds(trainer.history) == _without_seconds(reference.history)
    assert trainer.history.status == reference.history.status == Status.DONE


def test_step_with_max_batches_1_does_exactly_one_minibatch():
    trainer = _finished_by(lambda t: t.step(max_batches=1))
    assert trainer.calls == RESUME.epochs * math.ceil(N_RESUME / RESUME.batch_size)


def test_step_reports_the_epochs_it_completed_and_progress():
    trainer = Trainer(RESUME, _random_split(N_RESUME))
    assert (trainer.epoch, trainer.progress) == (0, 0.0)
    done = trainer.step(max_batches=3)
    assert done == [] and trainer.epoch == 0
    assert trainer.progress == pytest.approx(24 / N_RESUME)
    done = trainer.step(max_batches=5)  # five more batches end epoch 1
    assert [s.epoch for s in done] == [1] and trainer.epoch == 1
    assert 0.0 <= trainer.progress < 1.0
    done = trainer.step(max_batches=100)
    assert [s.epoch for s in done] == [2, 3]
    assert trainer.finished and trainer.step(max_batches=1) == []  # nothing left to do


def test_fit_equals_run(reference):
    model, history = fit(RESUME, _random_split(N_RESUME))
    _assert_same_weights(model, reference.model)
    assert _without_seconds(history) == _without_seconds(reference.history)


def test_extend_after_done_allows_more_epochs_and_equals_a_longer_run():
    short = Trainer(RESUME.replace(epochs=2), _random_split(N_RESUME))
    short.run()
    assert short.history.status is Status.DONE and short.finished
    short.extend(1)
    assert not short.finished
    short.run()
    assert short.epoch == 3 and short.history.status is Status.DONE
    longer = Trainer(RESUME, _random_split(N_RESUME))
    longer.run()
    _assert_same_weights(short.model, longer.model)
    assert _without_seconds(short.history) == _without_seconds(longer.history)


# -- what each epoch reports ----------------------------------------------------------
def test_epoch_stats_fields_and_ranges(reference):
    assert [f.name for f in dataclasses.fields(EpochStats)] == [
        "epoch",
        "loss",
        "train_acc",
        "valid_acc",
        "seconds",
    ]
    history = reference.history
    assert [e.epoch for e in history.epochs] == [1, 2, 3]
    for e in history.epochs:
        assert math.isfinite(e.loss) and e.loss > 0
        assert 0.0 <= e.train_acc <= 1.0 and 0.0 <= e.valid_acc <= 1.0
        assert e.seconds >= 0.0
    assert history.status is Status.DONE and history.diverged_at is None
    np.testing.assert_array_equal(history.column("epoch"), [1, 2, 3])
    assert history.epochs[-1].valid_acc == reference.accuracy(reference.X_valid, reference.y_valid)


def test_history_round_trips_through_a_dict(reference):
    again = History.from_dict(reference.history.to_dict())
    assert again == reference.history
    assert reference.history.to_dict()["status"] == "done"  # the string model files hold


def test_the_status_is_an_enum_that_reads_the_stored_strings():
    history = History.from_dict({"epochs": [], "status": "early_stopped"})
    assert history.status is Status.EARLY_STOPPED and history.status.finished
    history.status = "stopped"  # as sessions and older callers set it
    assert history.status is Status.STOPPED and not history.status.finished
    assert history.status is Status.STOPPED and f"{history.status}" == "stopped"
    with pytest.raises(ValueError):
        history.status = "paused"


class _Recording(PlainStep):
    """A back-end that records what it is handed, then trains as the plain step."""

    def __init__(self) -> None:
        self.jobs: list[Minibatches] = []

    def run(self, job, after_batch):
        self.jobs.append(job)
        return super().run(job, after_batch)


def test_a_back_end_gets_the_model_optimizer_data_and_batches():
    data, backend = _random_split(), _Recording()
    trainer = Trainer(TrainConfig(hidden=8, epochs=1, batch_size=25), data, backend=backend)
    assert trainer.backend_used == "plain NumPy step"
    trainer.step(max_batches=2)
    (job,) = backend.jobs
    assert job.model is trainer.model and job.optimizer is trainer.optimizer
    assert job.X is trainer.X and job.y is trainer.y and job.reduction == "mean"
    assert [len(b) for b in job.batches] == [25, 25]
    trainer.step()
    assert [len(b) for b in backend.jobs[-1].batches] == [10]  # 60 = 2 * 25 + 10


def test_train_batch_is_the_step_the_trainer_takes():
    """The plain back-end is `train_batch`: the same calls, so the same bits."""
    data = _random_split()
    config = TrainConfig(hidden=8, epochs=1, batch_size=60, momentum=0.5, l2=0.01)
    trainer = Trainer(config, data)
    model = trainer.model.copy()
    perm = np.random.default_rng((config.seed, 1)).permutation(60)
    optimizer = SGD(model.W, model.b, config.lr, config.momentum, config.l2)
    loss, correct = train_batch(model, optimizer, data.X_train[perm], data.y_train[perm])
    (stats,) = trainer.step(max_batches=1)
    _assert_same_weights(model, trainer.model)
    assert stats.train_acc == correct / 60


def _bce_sum(model: MLP, X: np.ndarray, y: np.ndarray) -> float:
    """Independent float64 forward pass and summed binary cross-entropy."""
    A = X.astype(np.float64)
    for l, (W, b) in enumerate(zip(model.W, model.b, strict=True)):
        Z = A @ W.astype(np.float64) + b
        A = 1 / (1 + np.exp(-Z)) if l == len(model.W) - 1 or model.activation == "sigmoid" else Z
    Y = np.eye(A.shape[1])[y]
    return float(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)))


@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_exact_eval_loss_is_the_full_training_set_cost(reduction):
    """The book's reported cost: summed BCE over all training examples + l2 * sum(W**2)
    (divided by n first for the mean reduction, the L2 term is never divided)."""
    config = TrainConfig(
        hidden=6,
        activation="sigmoid",
        loss="sigmoid_bce",
        reduction=reduction,
        init="normal",
        lr=0.01,
        l2=0.01,
        momentum=0.0,
        batch_size=10,
        epochs=2,
        exact_eval=True,
        dtype="float64",
    )
    data = _random_split(dtype=np.float64)
    trainer = Trainer(config, data)
    while (stats := trainer.train_epoch()) is not None:
        data_loss = _bce_sum(trainer.model, data.X_train, data.y_train)
        if reduction == "mean":
            data_loss /= len(data.X_train)
        l2_term = 0.01 * sum(float(np.sum(W**2)) for W in trainer.model.W)
        assert stats.loss == pytest.approx(data_loss + l2_term, rel=1e-10)
        accuracy = np.mean(trainer.model.predict(data.X_train) == data.y_train)
        assert stats.train_acc == accuracy


# -- endings --------------------------------------------------------------------------
DIVERGING = TrainConfig(
    hidden=16, loss="identity_mse", activation="relu", lr=10.0, batch_size=10, epochs=20
)


def test_a_diverging_run_stops_with_a_message_and_finite_weights():
    data = _random_split(150, d=10)
    start = MLP.create((10, 16, 3), "relu", "identity_mse", seed=1)
    trainer = Trainer(DIVERGING, data, start.copy())
    with np.errstate(all="ignore"):  # the overflow is the point of this test
        history = trainer.run()
    assert history.status is Status.DIVERGED and trainer.finished
    assert "learning rate" in history.message and "10" in history.message
    assert history.diverged_at is not None and 0.0 <= history.diverged_at < 1.0
    assert history.epochs == []
    assert trainer.model.is_finite()
    _assert_same_weights(trainer.model, start)  # diverged in epoch 1: the start is kept
    with pytest.raises(ValueError, match="learning rate"):
        trainer.extend(5)


@pytest.mark.parametrize("seed", range(4))
def test_divergence_keeps_the_weights_of_the_last_completed_epoch(seed):
    config = DIVERGING.replace(lr=0.3, momentum=0.9, seed=seed, epochs=30)
    trainer = Trainer(config, _random_split(150, d=10, seed=seed))
    kept = trainer.model.copy()
    with np.errstate(all="ignore"):
        while trainer.train_epoch() is not None:
            kept = trainer.model.copy()
    assert trainer.history.status is Status.DIVERGED
    assert trainer.history.diverged_at >= len(trainer.history.epochs)
    assert trainer.model.is_finite()
    _assert_same_weights(trainer.model, kept)


def test_early_stopping_restores_the_best_weights():
    rng = np.random.default_rng(0)  # random labels: validation accuracy only wobbles
    X = rng.normal(size=(300, 10)).astype(np.float32)
    y = rng.integers(0, 3, 300)
    data = Split(X[:200], y[:200], X[200:], y[200:])
    config = TrainConfig(hidden=32, lr=0.1, batch_size=20, epochs=100, patience=3, seed=0)
    trainer = Trainer(config, data)
    snapshots = {}
    while (stats := trainer.train_epoch()) is not None:
        snapshots[stats.epoch] = trainer.model.copy()
    history = trainer.history
    valid = history.column("valid_acc")
    best_epoch = int(np.argmax(valid)) + 1  # the first epoch with the best accuracy
    assert history.status is Status.EARLY_STOPPED
    assert len(history.epochs) == best_epoch + 3 < 100
    assert valid[-1] < valid.max(), "a stop on the best epoch would prove nothing"
    assert trainer.accuracy(data.X_valid, data.y_valid) == valid.max()
    _assert_same_weights(trainer.model, snapshots[best_epoch])
    assert f"epoch {best_epoch}" in history.message


def test_no_early_stopping_with_patience_0():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 10)).astype(np.float32)
    y = rng.integers(0, 3, 300)
    data = Split(X[:200], y[:200], X[200:], y[200:])
    _, history = fit(TrainConfig(hidden=32, batch_size=20, epochs=12, patience=0), data)
    assert history.status is Status.DONE and len(history.epochs) == 12


def test_extend_after_early_stopping_continues():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 10)).astype(np.float32)
    y = rng.integers(0, 3, 300)
    data = Split(X[:200], y[:200], X[200:], y[200:])
    trainer = Trainer(TrainConfig(hidden=32, batch_size=20, epochs=100, patience=3), data)
    trainer.run()
    stopped_at = trainer.epoch
    assert trainer.history.status is Status.EARLY_STOPPED
    trainer.extend(2)
    trainer.step(to_epoch_end=True)
    assert trainer.epoch == stopped_at + 1


# -- it learns --------------------------------------------------------------------------
def test_xor():
    X4 = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    y4 = np.array([0, 1, 1, 0])
    data = Split(np.tile(X4, (25, 1)), np.tile(y4, 25), X4, y4)
    config = TrainConfig(hidden=8, activation="tanh", batch_size=10, epochs=50, seed=1)
    model, history = fit(config, data)
    assert history.status is Status.DONE
    assert np.mean(model.predict(X4) == y4) >= 0.95
    assert history.epochs[-1].valid_acc >= 0.95


def test_moons():
    sklearn_datasets = pytest.importorskip("sklearn.datasets")
    X, y = sklearn_datasets.make_moons(n_samples=500, noise=0.2, random_state=0)
    X = X.astype(np.float32)
    data = Split(X[:400], y[:400], X[400:], y[400:])
    config = TrainConfig(hidden=32, lr=0.05, batch_size=10, epochs=100, seed=1)
    model, history = fit(config, data)
    assert history.status is Status.DONE
    assert np.mean(model.predict(data.X_train) == data.y_train) >= 0.95
    assert history.epochs[-1].valid_acc >= 0.95
