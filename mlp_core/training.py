"""Step-wise training: a Trainer that can run one minibatch, one epoch, or a time budget.

A UI drives it in small slices (so Stop takes effect within a fraction of a second)
and nothing is lost between slices; `fit()` simply loops to the end. The core takes no
UI callbacks.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

import numpy as np

from mlp_core import blas, parallel, split_process
from mlp_core.activations import ACTIVATIONS
from mlp_core.config import TrainConfig
from mlp_core.losses import LOSSES
from mlp_core.network import MLP
from mlp_core.optimizers import SGD

DIVERGE_FACTOR = 2.0
"""An epoch whose training loss exceeds this multiple of the starting loss has diverged."""
DIVERGE_GROWTH = 100.0
"""Weights whose norm grew this many times since the start have diverged (sane runs: < 10)."""


class Split(Protocol):
    """What training needs of a dataset (mlp_core.data.Dataset has these)."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_valid: np.ndarray
    y_valid: np.ndarray


@dataclass(frozen=True)
class EpochStats:
    """What one epoch yields. Accuracies are fractions in [0, 1]."""

    epoch: int
    loss: float
    train_acc: float
    valid_acc: float
    seconds: float


@dataclass
class History:
    """Per-epoch statistics of one run, plus how it ended."""

    epochs: list[EpochStats] = field(default_factory=list)
    status: str = "ready"  # ready | running | done | stopped | diverged | early_stopped
    message: str = ""
    diverged_at: float | None = None  # epoch + fraction where the loss went non-finite

    def column(self, name: str) -> np.ndarray:
        return np.array([getattr(e, name) for e in self.epochs], dtype=float)

    def to_dict(self) -> dict[str, Any]:
        return {
            "epochs": [asdict(e) for e in self.epochs],
            "status": self.status,
            "message": self.message,
            "diverged_at": self.diverged_at,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> History:
        epochs = [EpochStats(**e) for e in data.get("epochs", [])]
        return cls(
            epochs, data.get("status", "done"), data.get("message", ""), data.get("diverged_at")
        )


def l2_penalty(model: MLP, l2: float) -> float:
    """The book's reported L2 term: l2 * sum of squared weights (biases excluded)."""
    return l2 * sum(float(np.vdot(W, W)) for W in model.W) if l2 else 0.0


def weight_norm(model: MLP) -> float:
    """Euclidean norm of all weights together (biases excluded)."""
    return math.sqrt(sum(float(np.vdot(W, W)) for W in model.W))


def new_model(config: TrainConfig, n_in: int = 784, n_out: int = 10) -> MLP:
    """A freshly initialised network for the config."""
    sizes = (n_in, *config.hidden_sizes, n_out)
    return MLP.create(
        sizes, config.activation, config.loss, config.init, config.seed, config.np_dtype
    )


class _Workspace:
    """Buffers reused by every minibatch, so the hot loop allocates next to nothing."""

    def __init__(self, model: MLP, batch: int) -> None:
        dtype, sizes = model.dtype, model.sizes
        self.X = np.empty((batch, sizes[0]), dtype)
        self.Z = [np.empty((batch, o), dtype) for o in sizes[1:]]  # A_1..A_L, then dZ_L
        self.dA = [np.empty((batch, o), dtype) for o in sizes[1:-1]]  # dZ_(l+1) @ W_(l+1).T
        self.dW = [np.empty_like(W) for W in model.W]
        self.db = [np.empty_like(b) for b in model.b]
        self.rows = np.arange(batch)
        self.ones = np.ones(batch, dtype)  # db = ones @ dZ: BLAS sums columns fastest


class Trainer:
    """Trains `model` on `data` with `config`, resumable at any minibatch."""

    blas_threads: int | None = blas.training_threads()
    """BLAS threads for training's matrix products: 1 unless $MLP_LAB_BLAS_THREADS says
    otherwise; None keeps NumPy's own count (see mlp_core.blas)."""

    threads: int = parallel.wanted_threads()
    """Threads for training: 2 splits the first layer's units over two cores (see
    mlp_core.parallel) when the layer is big enough; 1 trains on the caller's thread.
    Set from $MLP_LAB_THREADS, else 2 when the process may use two CPUs."""

    split: str = parallel.wanted_split()
    """How two threads split: "process" (a helper process, mlp_core.split_process, where
    available, else the thread split) or "thread" (mlp_core.parallel); $MLP_LAB_SPLIT."""

    def __init__(self, config: TrainConfig, data: Split, model: MLP | None = None) -> None:
        self.config = config
        self.X = data.X_train[: config.n_train]
        self.y = np.asarray(data.y_train[: config.n_train])
        self.X_valid, self.y_valid = data.X_valid, np.asarray(data.y_valid)
        self.model = (
            model
            if model is not None
            else new_model(config, self.X.shape[1], int(max(self.y.max(), self.y_valid.max())) + 1)
        )
        self._check_data()
        self.history = History()
        self.target_epochs = config.epochs
        self.optimizer = SGD(self.model.W, self.model.b, config.lr, config.momentum, config.l2)
        self._rng = np.random.default_rng((config.seed, 1))
        self._ws = _Workspace(self.model, min(config.batch_size, len(self.X)))
        self._perm: np.ndarray | None = None
        self._pos = 0
        self._split: parallel.SplitStep | split_process.ProcessSplit | None = None
        self._solo_until = 0.0  # time.monotonic() until which the machine is too busy to split
        self._epoch_start = self.model.copy()
        self._best: tuple[float, MLP] | None = None
        self._loss_sum = self._correct = self._seconds = 0.0
        self._start_loss = self._sample_loss()
        self._start_norm = weight_norm(self.model)

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
        return self.history.status in ("done", "diverged", "early_stopped")

    def extend(self, extra_epochs: int) -> None:
        """Allow `extra_epochs` more epochs after the run has finished (Continue)."""
        if self.history.status == "diverged":
            raise ValueError("this run diverged; start a new run with a smaller learning rate")
        self.target_epochs = max(self.target_epochs, self.epoch) + extra_epochs
        self.history.status = "stopped"

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
        with blas.limited(self.blas_threads):
            done = self._batches(max_batches, max_seconds, to_epoch_end)
        if not self.finished and self.epoch >= self.target_epochs:
            self._finish("done", f"trained {self.epoch} epochs")
        return done

    def _batches(
        self, max_batches: int | None, max_seconds: float | None, to_epoch_end: bool
    ) -> list[EpochStats]:
        done: list[EpochStats] = []
        start = time.perf_counter()
        deadline = None if max_seconds is None else start + max_seconds
        split = self._splitter()
        batches = 0
        while not self.finished and self.epoch < self.target_epochs:
            self.history.status = "running"
            if split is not None:
                limit = None if max_batches is None else max_batches - batches
                stats, n = self._split_batches(split, limit, deadline)
                split = self._splitter()  # a busy machine may have ended the split's run
            else:
                stats, n = self._one_batch(), 1
            batches += n
            if stats is not None:
                done.append(stats)
                if to_epoch_end:
                    break
            if max_batches is not None and batches >= max_batches:
                break
            if deadline is not None and time.perf_counter() >= deadline:
                break
        return done

    def _splitter(self) -> parallel.SplitStep | split_process.ProcessSplit | None:
        """The two-thread stepper when it is wanted and pays here, else None.

        Only with NumPy's own OpenBLAS held to one thread: two threads that each start
        BLAS threads of their own would fight over the cores.
        """
        if (
            self.threads < 2
            or self.blas_threads != 1
            or blas.threads() is None
            or not parallel.worth_splitting(self.model.sizes, len(self._ws.X))
        ):
            return None
        if isinstance(self._split, split_process.ProcessSplit):
            if not self._split.alive:
                self._split = None  # its helper died (the error was raised): start another
            elif self._split.busy:  # the second core is taken: one thread is faster now
                self._split.busy = False
                self._solo_until = time.monotonic() + split_process.BUSY_PAUSE
        if time.monotonic() < self._solo_until:
            return None
        if self._split is None:
            self._split = self._new_split()
        return self._split

    def _new_split(self) -> parallel.SplitStep | split_process.ProcessSplit:
        if self.split == "process" and split_process.available():
            try:
                return split_process.ProcessSplit(self)
            except OSError:  # no helper process here: the thread split still pays
                pass
        return parallel.SplitStep(self)

    def _split_batches(
        self,
        split: parallel.SplitStep | split_process.ProcessSplit,
        limit: int | None,
        deadline: float | None,
    ) -> tuple[EpochStats | None, int]:
        """Like `_one_batch`, for the rest of the epoch (at most `limit` batches, until
        `deadline`) on two threads; returns the finished epoch's stats and the batch count."""
        t0 = time.perf_counter()
        self._start_epoch()
        size = self.config.batch_size
        starts = range(self._pos, len(self.X), size)
        if limit is not None:
            starts = starts[:limit]
        batches = [self._perm[s : s + size] for s in starts]
        bad: list[float] = []

        def after_batch(i: int, loss: float) -> bool:
            self._pos += len(batches[i])
            if not math.isfinite(loss):
                bad.append(loss)
                return False
            self._loss_sum += loss
            return deadline is None or time.perf_counter() < deadline

        n = split.run(batches, after_batch)
        self._seconds += time.perf_counter() - t0
        if bad:
            self._diverge(f"the loss became {bad[0]}")
            return None, n
        if self._pos >= len(self.X):
            return self._end_epoch(), n
        return None, n

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

    def _start_epoch(self) -> None:
        """Draw the epoch's order of the training examples, unless one is under way."""
        if self._perm is None:
            self._perm = self._rng.permutation(len(self.X))
            self._pos = 0

    def _one_batch(self) -> EpochStats | None:
        t0 = time.perf_counter()
        self._start_epoch()
        idx = self._perm[self._pos : self._pos + self.config.batch_size]
        self._pos += len(idx)
        loss = self._train_batch(idx)
        self._seconds += time.perf_counter() - t0
        if not math.isfinite(loss):
            self._diverge(f"the loss became {loss}")
            return None
        self._loss_sum += loss
        if self._pos >= len(self.X):
            return self._end_epoch()
        return None

    def _train_batch(self, idx: np.ndarray) -> float:
        """Forward, backward and update on the examples `idx`; returns the batch's loss sum."""
        ws, n = self._ws, len(idx)
        A = self._forward(parallel.gather_rows(self.X, idx, ws.X[:n]))
        loss = self._output_delta(A[-1], self.y[idx])
        self._backward(A, A[-1])
        return loss

    def _output_delta(self, A_L: np.ndarray, y: np.ndarray) -> float:
        """Count the correct answers, then turn the output A_L into the output delta times lr,
        in place; returns the batch's loss sum."""
        n = len(y)
        self._correct += np.count_nonzero(A_L.argmax(axis=1) == y)
        loss = LOSSES[self.model.loss].value_labels(A_L, y)
        A_L[self._ws.rows[:n], y] -= 1  # the output delta A_L - Y, in place, with no one-hot Y
        # Scaling the small delta by lr (and 1/n for the mean) scales every gradient below.
        mean = self.config.reduction == "mean"
        A_L *= A_L.dtype.type(self.config.lr / n if mean else self.config.lr)
        return loss

    def _forward(self, X: np.ndarray) -> list[np.ndarray]:
        """Activations [X, A_1, ..., A_L] of a batch X (n, d_in), in the workspace."""
        return self._forward_from([X])

    def _forward_from(self, A: list) -> list:
        """Append the activations of the layers above A[-1] (A_l) to A, and return A."""
        model, ws, n = self.model, self._ws, len(A[-1])
        for l in range(len(A) - 1, len(model.W)):
            Z = np.matmul(A[l], model.W[l], out=ws.Z[l][:n])
            Z += model.b[l]
            A.append(self._activate(l, Z))
        return A

    def _activate(self, l: int, Z: np.ndarray) -> np.ndarray:
        """Layer l's activation (the output's for the last layer), in place on Z."""
        if l < len(self.model.W) - 1:
            return ACTIVATIONS[self.model.activation].forward(Z)
        return LOSSES[self.model.loss].output(Z)

    def _backward(self, A: list, dZ: np.ndarray, stop: int = 0) -> np.ndarray:
        """Backpropagate the output delta dZ (n, k), already times lr, updating layers
        L-1 down to `stop`; returns the delta of layer `stop` (the input's, unused, at 0)."""
        model, ws, n = self.model, self._ws, len(dZ)
        backward = ACTIVATIONS[model.activation].backward
        for l in range(len(model.W) - 1, stop - 1, -1):
            db = np.matmul(ws.ones[:n], dZ, out=ws.db[l])
            dZ_below = dZ
            if l:  # the delta of the layer below, through the weights before their update
                dZ_below = backward(np.matmul(dZ, model.W[l].T, out=ws.dA[l - 1][:n]), A[l])
            self.optimizer.update_product(l, (), A[l], dZ, ws.dW[l], (), db)
            dZ = dZ_below
        return dZ

    def _end_epoch(self) -> EpochStats | None:
        t0 = time.perf_counter()
        n = len(self.X)
        if not self.model.is_finite():
            self._diverge("a weight became infinite or NaN")
            return None
        if self.config.exact_eval:
            loss, train_acc = self.evaluate(self.X, self.y)
        else:
            loss, train_acc = self._loss_sum, self._correct / n
        if why := self._blew_up(loss / n):
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
    def evaluate(self, X: np.ndarray, y: np.ndarray, batch: int = 10000) -> tuple[float, float]:
        """Summed data loss and accuracy over (X, y), in chunks."""
        loss, correct = 0.0, 0
        out = LOSSES[self.model.loss]
        for i in range(0, len(X), batch):
            A = self.model.forward(X[i : i + batch])[-1]
            loss += out.value_labels(A, y[i : i + batch])
            correct += int(np.count_nonzero(A.argmax(axis=1) == y[i : i + batch]))
        return loss, correct / len(X)

    def _sample_loss(self, n: int = 1000) -> float:
        """Mean data loss per example on up to n validation (else training) examples."""
        X, y = (self.X_valid, self.y_valid) if len(self.X_valid) else (self.X, self.y)
        return self.evaluate(X[:n], y[:n])[0] / len(X[:n])

    def _blew_up(self, data_loss: float) -> str | None:
        """Why the epoch that just ended counts as divergence, or None.

        Clipped losses and dead ReLUs stay finite, so a non-finite check alone misses most
        runs that blow up (lr 10): exploding weights, or a loss far above the start, count.
        """
        growth = weight_norm(self.model) / self._start_norm if self._start_norm else 1.0
        if growth > DIVERGE_GROWTH:
            return f"the weights grew {growth:,.0f}-fold since the start"
        if data_loss > DIVERGE_FACTOR * self._start_loss:
            return (
                f"the training loss rose to {data_loss:.3g} per example, more than "
                f"{DIVERGE_FACTOR:g} times the {self._start_loss:.3g} it started from"
            )
        return None

    def accuracy(self, X: np.ndarray, y: np.ndarray) -> float:
        return float(np.mean(self.model.predict(X) == y)) if len(X) else float("nan")

    def _early_stopping(self, valid_acc: float) -> None:
        patience = self.config.patience
        if not patience:
            return
        if self._best is None or valid_acc > self._best[0]:
            self._best = (valid_acc, self.model.copy())
            self._best_epoch = self.epoch
        elif self.epoch - self._best_epoch >= patience:
            self._restore(self._best[1])
            self._finish(
                "early_stopped",
                f"validation accuracy stopped improving; restored "
                f"the weights of epoch {self._best_epoch}",
            )

    def _diverge(self, why: str) -> None:
        at = self.epoch + self.progress
        self._restore(self._epoch_start)
        self.history.diverged_at = at
        self._finish(
            "diverged",
            f"Training diverged at epoch {at:.2f}: {why}. The learning "
            f"rate ({self.config.lr:g}) is probably too large for these settings. "
            f"The weights from the end of epoch {self.epoch} were kept.",
        )

    def _restore(self, source: MLP) -> None:
        for dst, src in zip(self.model.parameters(), source.parameters(), strict=True):
            dst[...] = src

    def _finish(self, status: str, message: str) -> None:
        self.history.status, self.history.message = status, message
        self._perm, self._pos = None, 0
        if self._split is not None:  # a helper process waits for no one now (Continue
            self._split.close()  # starts another)
            self._split = None


def fit(config: TrainConfig, data: Split, model: MLP | None = None) -> tuple[MLP, History]:
    """Train a model to the end; returns the model and its history."""
    trainer = Trainer(config, data, model)
    trainer.run()
    return trainer.model, trainer.history
