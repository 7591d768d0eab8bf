"""Step-wise training: the textbook minibatch step, and a Trainer that keeps the books.

One minibatch is `train_batch`: forward pass, loss and output delta, backward pass,
optimizer step, each in its own module (network.py, losses.py, optimizers.py). `Trainer`
only keeps the books around it: the order of the examples, epochs, statistics,
divergence and early stopping. It runs one minibatch, one epoch or a time budget at a
time, so a UI can drive it in small slices (Stop takes effect within a fraction of a
second) and nothing is lost between slices; `fit()` simply loops to the end.

The minibatches go through a back-end: `PlainStep`, `train_batch` one batch after the
other, unless the caller hands the Trainer another one with the same `run` method (the
fast back-end in the `mlp_fast` package computes the same step on two cores). Nothing
here imports it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from mlp_core.config import TrainConfig
from mlp_core.history import EpochStats, History, Point, Status
from mlp_core.losses import LOSSES
from mlp_core.network import MLP
from mlp_core.optimizers import SGD

DIVERGE_FACTOR = 2.0
"""An epoch whose training loss exceeds this multiple of the starting loss has diverged."""
DIVERGE_GROWTH = 100.0
"""Weights whose norm grew this many times since the start have diverged (sane runs: < 10)."""
POINTS_PER_EPOCH = 10
"""Sub-epoch points a run records per epoch (fewer when an epoch has fewer minibatches)."""


# -- one minibatch, the textbook way ----------------------------------------------------
def train_batch(
    model: MLP, optimizer: SGD, X: np.ndarray, y: np.ndarray, reduction: str = "mean"
) -> tuple[float, int]:
    """Forward, loss and delta, backward, update on one minibatch X (n, d_in), labels y (n,).

    Returns the batch's summed loss and how many of its examples the model got right.
    """
    A = model.forward(X)  # [X, A1, ..., A_L]
    loss, dZ = LOSSES[model.loss].delta(A[-1], y, reduction)  # dZ = A_L - Y (/ n)
    dW, db = model.backward(A, dZ)  # the gradients, layer by layer
    optimizer.step(dW, db)  # W -= lr * (dW + l2 * W), b -= lr * db
    return loss, count_correct(A[-1], y)


def count_correct(A_L: np.ndarray, y: np.ndarray) -> int:
    """How many rows of the output A_L (n, k) have their largest value at the label y (n,)."""
    return int(np.count_nonzero(A_L.argmax(axis=1) == y))


# -- the loop: a Trainer keeps the books around train_batch --------------------------------
class Trainer:
    """Trains `model` on `data` with `config`, resumable at any minibatch.

    `backend` runs the minibatches (default: `PlainStep`); `backend_used` says which did.
    """

    def __init__(
        self,
        config: TrainConfig,
        data: Split,
        model: MLP | None = None,
        backend: Backend | None = None,
    ) -> None:
        self.config = config
        self.X = data.X_train[: config.n_train]
        self.y = np.asarray(data.y_train[: config.n_train])
        self.X_valid, self.y_valid = data.X_valid, np.asarray(data.y_valid)
        n_out = int(max(self.y.max(), self.y_valid.max())) + 1
        self.model = model if model is not None else new_model(config, self.X.shape[1], n_out)
        self._check_data()
        self.backend = backend if backend is not None else PlainStep()
        self.history = History()
        self.target_epochs = config.epochs
        self.optimizer = SGD(self.model.W, self.model.b, config.lr, config.momentum, config.l2)
        self._rng = np.random.default_rng((config.seed, 1))
        self._perm: np.ndarray | None = None
        self._pos = 0
        self._epoch_start = self.model.copy()
        self._best: tuple[int, float, MLP] | None = None  # epoch, validation accuracy, weights
        self._loss_sum = self._correct = self._seconds = 0.0
        self._point_loss, self._point_correct, self._point_n = 0.0, 0, 0  # since the last point
        X, y = (self.X_valid, self.y_valid) if len(self.X_valid) else (self.X, self.y)
        start_loss = evaluate(self.model, X[:1000], y[:1000])[0] / len(X[:1000])
        self._start = (weight_norm(self.model), start_loss)  # for `blew_up`

    def _check_data(self) -> None:
        if self.X.dtype != self.model.dtype:
            raise ValueError(f"data is {self.X.dtype} but the model is {self.model.dtype}")
        if self.X.shape[1] != self.model.sizes[0]:
            raise ValueError(
                f"data has {self.X.shape[1]} features, the model expects {self.model.sizes[0]}"
            )
        if self.config.batch_size > len(self.X):
            raise ValueError(
                f"batch size {self.config.batch_size} is larger than the "
                f"{len(self.X)} training examples"
            )

    # -- progress ---------------------------------------------------------------------
    @property
    def epoch(self) -> int:
        """Completed epochs."""
        return len(self.history.epochs)

    @property
    def progress(self) -> float:
        """Fraction of the current epoch done, in [0, 1)."""
        return self._pos / len(self.X) if self._perm is not None else 0.0

    @property
    def finished(self) -> bool:
        return self.history.status.finished

    @property
    def backend_used(self) -> str:
        """Which back-end trained this run, in words (e.g. "plain NumPy step (1 thread)")."""
        return self.backend.describe()

    def extend(self, extra_epochs: int) -> None:
        """Allow `extra_epochs` more epochs after the run has finished (Continue)."""
        if self.history.status is Status.DIVERGED:
            raise ValueError("this run diverged; start a new run with a smaller learning rate")
        self.target_epochs = max(self.target_epochs, self.epoch) + extra_epochs
        self.history.status = Status.STOPPED

    # -- the loop -----------------------------------------------------------------------
    def step(
        self,
        max_batches: int | None = None,
        max_seconds: float | None = None,
        to_epoch_end: bool = False,
    ) -> list[EpochStats]:
        """Train until `max_batches` minibatches or `max_seconds` have passed, an epoch ends
        (with `to_epoch_end`), or the run ends.

        Returns the epochs completed during this call (often none, or one).
        """
        done: list[EpochStats] = []
        deadline = None if max_seconds is None else time.perf_counter() + max_seconds
        batches = 0
        while not self.finished and self.epoch < self.target_epochs:
            self.history.status = Status.RUNNING
            limit = None if max_batches is None else max_batches - batches
            try:
                stats, n = self._run_batches(limit, deadline)
            except BackendError as exc:  # the run stops; its model and books are intact
                self.history.status = Status.STOPPED
                why = str(exc)
                self.history.message = (
                    f"{why[:1].upper()}{why[1:]}. The model is kept as it was before those "
                    "minibatches: press Continue to go on."
                )
                break
            batches += n
            if stats is not None:
                done.append(stats)
                if to_epoch_end:
                    break
            if max_batches is not None and batches >= max_batches:
                break
            if deadline is not None and time.perf_counter() >= deadline:
                break
        if not self.finished and self.epoch >= self.target_epochs:
            self._finish(Status.DONE, f"trained {self.epoch} epochs")
        return done

    def _run_batches(
        self, limit: int | None, deadline: float | None
    ) -> tuple[EpochStats | None, int]:
        """The rest of the epoch (at most `limit` batches, until `deadline`) through the
        back-end; returns the finished epoch's stats (or None) and the batch count."""
        t0 = time.perf_counter()
        job = self._minibatches(limit)
        bad: list[float] = []

        def after_batch(i: int, loss: float, correct: int) -> bool:
            self._pos += len(job.batches[i])
            if not math.isfinite(loss):
                bad.append(loss)
                return False
            self._loss_sum += loss
            self._correct += correct
            self._count_for_point(loss, correct, len(job.batches[i]))
            return deadline is None or time.perf_counter() < deadline

        n = self.backend.run(job, after_batch)
        self._seconds += time.perf_counter() - t0
        if bad:
            self._diverge(f"the loss became {bad[0]}")
            return None, n
        return (self._end_epoch() if self._pos >= len(self.X) else None), n

    def _count_for_point(self, loss: float, correct: int, n: int) -> None:
        """Add the batch of n examples just trained to the next point; record the point
        when the batch took the epoch past another 1/POINTS_PER_EPOCH of its examples."""
        self._point_loss += loss
        self._point_correct += correct
        self._point_n += n
        N, before = len(self.X), self._pos - n
        if before * POINTS_PER_EPOCH // N == self._pos * POINTS_PER_EPOCH // N:
            return
        scale = 1 if self.config.reduction == "mean" else N  # "sum": the epoch's loss is a sum
        loss = self._point_loss / self._point_n * scale + l2_penalty(self.model, self.config.l2)
        at = self.epoch + self._pos / N
        self.history.points.append(Point(at, float(loss), self._point_correct / self._point_n))
        self._point_loss, self._point_correct, self._point_n = 0.0, 0, 0

    def _minibatches(self, limit: int | None) -> Minibatches:
        """The epoch's next minibatches (at most `limit`); draws a new order at its start."""
        if self._perm is None:
            self._perm = self._rng.permutation(len(self.X))
            self._pos = 0
            self._point_loss, self._point_correct, self._point_n = 0.0, 0, 0
        size = self.config.batch_size
        starts = range(self._pos, len(self.X), size)[:limit]
        batches = [self._perm[s : s + size] for s in starts]
        return Minibatches(
            self.model, self.optimizer, self.X, self.y, batches, self.config.reduction
        )

    def train_epoch(self) -> EpochStats | None:
        """Train to the end of the current epoch; None if the run ended without one."""
        while not self.finished and self.epoch < self.target_epochs:
            stats = self.step(to_epoch_end=True)
            if stats:
                return stats[-1]
        return None

    def run(self) -> History:
        """Train to the end (all target epochs, early stop or divergence)."""
        while not self.finished and self.epoch < self.target_epochs:
            self.step()
        return self.history

    def _end_epoch(self) -> EpochStats | None:
        t0 = time.perf_counter()
        n = len(self.X)
        if not self.model.is_finite():
            self._diverge("a weight became infinite or NaN")
            return None
        if self.config.exact_eval:
            loss, train_acc = evaluate(self.model, self.X, self.y)
        else:
            loss, train_acc = self._loss_sum, self._correct / n
        if why := blew_up(self.model, loss / n, *self._start):
            self._diverge(why)
            return None
        if self.config.reduction == "mean":
            loss /= n
        loss += l2_penalty(self.model, self.config.l2)
        valid_acc = self.accuracy(self.X_valid, self.y_valid)
        seconds = self._seconds + time.perf_counter() - t0
        stats = EpochStats(self.epoch + 1, float(loss), float(train_acc), valid_acc, seconds)
        self.history.epochs.append(stats)
        self._perm, self._pos = None, 0
        self._loss_sum = self._correct = self._seconds = 0.0
        self._epoch_start = self.model.copy()
        self._early_stopping(valid_acc)
        return stats

    # -- evaluation and endings ---------------------------------------------------------
    def accuracy(self, X: np.ndarray, y: np.ndarray) -> float:
        return float(np.mean(self.model.predict(X) == y)) if len(X) else float("nan")

    def _early_stopping(self, valid_acc: float) -> None:
        """Keep the best weights; after `patience` epochs without a better one, restore them."""
        if not self.config.patience:
            return
        if self._best is None or valid_acc > self._best[1]:
            self._best = (self.epoch, valid_acc, self.model.copy())
        elif self.epoch - self._best[0] >= self.config.patience:
            self._restore(self._best[2])
            self._finish(
                Status.EARLY_STOPPED,
                f"validation accuracy stopped improving; restored "
                f"the weights of epoch {self._best[0]}",
            )

    def _diverge(self, why: str) -> None:
        at = self.epoch + self.progress
        self._restore(self._epoch_start)
        self.history.diverged_at = at
        self._finish(
            Status.DIVERGED,
            f"Training diverged at epoch {at:.2f}: {why}. The learning "
            f"rate ({self.config.lr:g}) is probably too large for these settings. "
            f"The weights from the end of epoch {self.epoch} were kept.",
        )

    def _restore(self, source: MLP) -> None:
        for dst, src in zip(self.model.parameters(), source.parameters(), strict=True):
            dst[...] = src

    def _finish(self, status: Status, message: str) -> None:
        self.history.status, self.history.message = status, message
        self._perm, self._pos = None, 0
        self.backend.close()  # e.g. a helper process waits for no one now (Continue starts another)


def fit(
    config: TrainConfig, data: Split, model: MLP | None = None, backend: Backend | None = None
) -> tuple[MLP, History]:
    """Train a model to the end; returns the model and its history."""
    trainer = Trainer(config, data, model, backend)
    trainer.run()
    return trainer.model, trainer.history


# -- the back-end seam: who runs the minibatches --------------------------------------
@dataclass(frozen=True)
class Minibatches:
    """What a back-end trains: the model, its optimizer, the training examples X (N, d_in)
    and labels y (N,), and the minibatches as index arrays into them, in order."""

    model: MLP
    optimizer: SGD
    X: np.ndarray
    y: np.ndarray
    batches: Sequence[np.ndarray]
    reduction: str = "mean"


AfterBatch = Callable[[int, float, int], bool]
"""after_batch(i, loss, correct), called once batch i is trained (or at least its loss is
known and it will be applied in full); returns False to make batch i the last."""


class BackendError(RuntimeError):
    """A back-end could not train some minibatches (e.g. its worker process died). The
    model is as it was after the last minibatch `after_batch` was told of."""


class Backend(Protocol):
    """A way to run minibatches: `run` returns how many it trained, all in full.

    `exact`: whether every minibatch it trained so far ran `train_batch` itself (the code
    the Train page shows), so that the same run on `PlainStep` gives the same bits."""

    exact: bool

    def run(self, job: Minibatches, after_batch: AfterBatch) -> int: ...

    def describe(self) -> str: ...

    def close(self) -> None: ...


class PlainStep:
    """The default back-end: `train_batch`, one minibatch after the other. A subclass may
    put another step of the same signature in `step` (and say so in `exact`)."""

    step = staticmethod(train_batch)
    exact = True

    def run(self, job: Minibatches, after_batch: AfterBatch) -> int:
        for i, idx in enumerate(job.batches):
            loss, correct = self.step(
                job.model, job.optimizer, job.X[idx], job.y[idx], job.reduction
            )
            if not after_batch(i, loss, correct):
                return i + 1
        return len(job.batches)

    def describe(self) -> str:
        return "plain NumPy step"

    def close(self) -> None:
        """Nothing to end."""


# -- the books' arithmetic ------------------------------------------------------------------
class Split(Protocol):
    """What training needs of a dataset (mlp_core.data.Dataset has these)."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_valid: np.ndarray
    y_valid: np.ndarray


def l2_penalty(model: MLP, l2: float) -> float:
    """The book's reported L2 term: l2 * sum of squared weights (biases excluded)."""
    return l2 * sum(float(np.vdot(W, W)) for W in model.W) if l2 else 0.0


def weight_norm(model: MLP) -> float:
    """Euclidean norm of all weights together (biases excluded)."""
    return math.sqrt(sum(float(np.vdot(W, W)) for W in model.W))


def evaluate(model: MLP, X: np.ndarray, y: np.ndarray, batch: int = 10000) -> tuple[float, float]:
    """Summed data loss and accuracy of `model` over X (n, d_in), labels y (n,), in chunks."""
    loss, correct = 0.0, 0
    for i in range(0, len(X), batch):
        A = model.forward(X[i : i + batch])[-1]
        loss += LOSSES[model.loss].value_labels(A, y[i : i + batch])
        correct += count_correct(A, y[i : i + batch])
    return loss, correct / len(X)


def blew_up(model: MLP, data_loss: float, start_norm: float, start_loss: float) -> str | None:
    """Why an epoch that ended with this mean data loss counts as divergence, or None.

    Clipped losses and dead ReLUs stay finite, so a non-finite check alone misses most
    runs that blow up (lr 10): exploding weights, or a loss far above the start's
    (`start_loss`, the mean over up to 1,000 examples), count.
    """
    growth = weight_norm(model) / start_norm if start_norm else 1.0
    if growth > DIVERGE_GROWTH:
        return f"the weights grew {growth:,.0f}-fold since the start"
    if data_loss > DIVERGE_FACTOR * start_loss:
        return (
            f"the training loss rose to {data_loss:.3g} per example, more than "
            f"{DIVERGE_FACTOR:g} times the {start_loss:.3g} it started from"
        )
    return None


def new_model(config: TrainConfig, n_in: int = 784, n_out: int = 10) -> MLP:
    """A freshly initialised network for the config."""
    sizes = (n_in, *config.hidden_sizes, n_out)
    return MLP.create(
        sizes, config.activation, config.loss, config.init, config.seed, config.np_dtype
    )
