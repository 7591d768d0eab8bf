"""The configured network trained in mlp_core, scikit-learn and PyTorch side by side.

Every run steps for a time budget and can stop between any two chunks of minibatches,
like mlp_core's Trainer, so a page can drive them in slices and Stop takes effect
within one slice. All start from mlp_core's first weights for the config (so the
initialisation is the same) and see the same minibatches in the same order (the
Trainer's: `default_rng((seed, 1))`, one permutation per epoch), so what differs is only
each library's arithmetic. Each run keeps an mlp_core `History`: per epoch
the loss (mlp_core's definition: the running data loss over the epoch's minibatches,
per example for the mean reduction, plus L2 x sum of squared weights), the running
training accuracy, the validation accuracy and the seconds it took.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from mlp_compare import conversions as cv
from mlp_core.config import TrainConfig
from mlp_core.history import EpochStats, History, Status
from mlp_core.losses import LOSSES
from mlp_core.training import Split, Trainer, new_model

LIBRARIES = ("mlp_core", "scikit-learn", "PyTorch")
CHUNK_SECONDS = 0.1  # scikit-learn trains this long per partial_fit call (Stop waits at most that)
THREADS = 1
"""Every library trains on one thread here (BLAS through mlp_fast.threads, torch its own):
like for like in the seconds per epoch; and on a shared server (a class, other sessions)
a second BLAS or torch thread that has to wait for a busy core costs far more than it
brings (measured on a loaded 2-core machine: epochs 10-30 times slower)."""


class MlpCoreRun:
    """mlp_core's Trainer, exactly as the Train page runs it."""

    library = "mlp_core"

    def __init__(self, config: TrainConfig, data: Split) -> None:
        import mlp_fast

        # the textbook step on one BLAS thread (no split over two cores), like the others
        self.trainer = Trainer(config, data, backend=mlp_fast.OneThread("the Libraries page"))
        self.history = self.trainer.history
        self.n_params = self.trainer.model.n_params

    @property
    def finished(self) -> bool:
        return self.trainer.finished

    def step(self, max_seconds: float) -> None:
        self.trainer.step(max_seconds=max_seconds)

    def accuracy(self, X: np.ndarray, y: np.ndarray) -> float:
        return self.trainer.accuracy(X, y)


class LibraryRun:
    """Epoch bookkeeping shared by the scikit-learn and PyTorch runs.

    Subclasses implement `train_chunk(idx)` (train on the minibatches of those example
    indices, in order; return the summed data loss and the correct count), `scores(X)`
    and `weights()`.
    """

    library = ""

    def __init__(self, config: TrainConfig, data: Split) -> None:
        self.config = config
        self.X, self.y = data.X_train[: config.n_train], np.asarray(data.y_train[: config.n_train])
        self.X_valid, self.y_valid = data.X_valid, np.asarray(data.y_valid)
        self.model = new_model(config, self.X.shape[1], 10)  # mlp_core's first weights
        self.n_params = self.model.n_params
        self.history = History()
        self._rng = np.random.default_rng((config.seed, 1))  # the Trainer's minibatch order
        self._perm: np.ndarray | None = None
        self._pos, self._loss, self._correct, self._seconds = 0, 0.0, 0, 0.0
        self._batches_per_call = 1

    @property
    def finished(self) -> bool:
        return self.history.status in (Status.DONE, Status.DIVERGED)

    @property
    def progress(self) -> float:
        """Fraction of the current epoch done, in [0, 1) (as Trainer.progress)."""
        return self._pos / len(self.X) if self._perm is not None else 0.0

    def step(self, max_seconds: float) -> None:
        """Train for about `max_seconds` on THREADS threads."""
        with self._threads():
            self._step(max_seconds)

    def _threads(self) -> contextlib.AbstractContextManager:
        return contextlib.nullcontext()

    def _step(self, max_seconds: float) -> None:
        """Train for about `max_seconds` (at least one call), in calls of
        `_batches_per_call` minibatches."""
        deadline = time.perf_counter() + max_seconds
        while not self.finished:
            self.history.status = Status.RUNNING
            if self._perm is None:
                self._perm, self._pos = self._rng.permutation(len(self.X)), 0
            t0 = time.perf_counter()
            stop = self._pos + self._batches_per_call * self.config.batch_size
            try:
                loss, correct = self.train_chunk(self._perm[self._pos : stop])
            except ValueError as exc:  # scikit-learn refuses non-finite weights
                self._diverge(str(exc))
                return
            took = time.perf_counter() - t0
            self._tune(took)
            self._pos, self._seconds = min(stop, len(self.X)), self._seconds + took
            self._loss, self._correct = self._loss + loss, self._correct + correct
            if self._pos >= len(self.X):
                self._end_epoch()
            if time.perf_counter() >= deadline:
                break

    def _diverge(self, why: str) -> None:
        at = len(self.history.epochs) + self._pos / len(self.X)
        self.history.status, self.history.diverged_at = Status.DIVERGED, at
        self.history.message = f"{self.library} diverged at epoch {at:.2f}: {why}"

    def _tune(self, took: float) -> None:
        """Aim at CHUNK_SECONDS per call: short enough for Stop, long enough to be cheap."""
        per_batch = took / self._batches_per_call
        self._batches_per_call = max(1, min(1000, int(CHUNK_SECONDS / max(per_batch, 1e-6))))

    def _end_epoch(self) -> None:
        t0 = time.perf_counter()
        n = len(self.X)
        loss = self._loss / n if self.config.reduction == "mean" else self._loss
        loss += self.config.l2 * sum(float(np.vdot(W, W)) for W in self.weights())
        valid = self.accuracy(self.X_valid, self.y_valid)
        seconds = self._seconds + time.perf_counter() - t0
        epoch = len(self.history.epochs) + 1
        self.history.epochs.append(EpochStats(epoch, loss, self._correct / n, valid, seconds))
        self._perm, self._loss, self._correct, self._seconds = None, 0.0, 0, 0.0
        if not math.isfinite(loss):
            self.history.epochs.pop()
            self._diverge(f"the loss became {loss}")
        elif epoch >= self.config.epochs:
            self.history.status, self.history.message = Status.DONE, f"trained {epoch} epochs"

    def accuracy(self, X: np.ndarray, y: np.ndarray) -> float:
        return float(np.mean(self.scores(X).argmax(axis=1) == y))


class _Tally:
    """Summed data loss and correct answers of the minibatches scikit-learn trains on."""

    def __init__(self, loss_name: str) -> None:
        self.value = LOSSES[loss_name].value
        self.loss, self.correct = 0.0, 0

    def add(self, A: np.ndarray, Y: np.ndarray) -> None:
        self.loss += self.value(A, np.asarray(Y, dtype=A.dtype))
        self.correct += int(np.count_nonzero(A.argmax(axis=1) == np.asarray(Y).argmax(axis=1)))


def _tallied(estimator_class: type) -> type:
    """The estimator class with its minibatch loss and accuracy counted, as mlp_core counts.

    `_backprop` (private) gets each minibatch's one-hot targets and leaves the output
    activations in `activations[-1]`; the arithmetic of training is scikit-learn's own.
    """

    class Tallied(estimator_class):
        def _backprop(self, X, y, sample_weight, activations, deltas, coef_grads, int_grads):
            out = super()._backprop(X, y, sample_weight, activations, deltas, coef_grads, int_grads)
            if getattr(self, "tally_", None) is not None:
                self.tally_.add(activations[-1], y)
            return out

    Tallied.__name__ = estimator_class.__name__
    return Tallied


class SklearnRun(LibraryRun):
    """MLPClassifier (or MLPRegressor) with `partial_fit` on chunks of an epoch's order."""

    library = "scikit-learn"

    def __init__(self, config: TrainConfig, data: Split) -> None:
        super().__init__(config, data)
        from sklearn import neural_network

        cls = _tallied(getattr(neural_network, cv.sklearn_estimator_name(config)))
        est = cls(**{**cv.sklearn_params(config), "shuffle": False, "random_state": config.seed})
        n = config.batch_size
        self.est = cv.sklearn_start(config, self.model, self.X[:n], self.y[:n], est)
        self.targets = cv.sklearn_y(config, self.y)

    def _threads(self) -> contextlib.AbstractContextManager:
        from mlp_fast.threads import one_blas_thread  # threadpoolctl, counted across sessions

        return one_blas_thread()

    def train_chunk(self, idx: np.ndarray) -> tuple[float, int]:
        self.est.tally_ = _Tally(self.config.loss)
        with warnings.catch_warnings(), np.errstate(all="ignore"):  # a diverging run says so
            warnings.simplefilter("ignore", UserWarning)  # a short last chunk: batch "clipped"
            self.est.partial_fit(self.X[idx], self.targets[idx])
        return self.est.tally_.loss, self.est.tally_.correct

    def scores(self, X: np.ndarray) -> np.ndarray:
        if self.config.loss == "identity_mse":
            return self.est.predict(X)
        return self.est.predict_proba(X)

    def weights(self) -> list[np.ndarray]:
        return self.est.coefs_


class TorchRun(LibraryRun):
    """nn.Sequential and torch.optim.SGD, one minibatch at a time."""

    library = "PyTorch"

    def __init__(self, config: TrainConfig, data: Split) -> None:
        super().__init__(config, data)
        import torch

        self.torch = torch
        self.net = cv.torch_network(self.model)
        self.optimizer = cv.torch_optimizer(self.net, config)
        with warnings.catch_warnings():  # the shared data is read-only; torch only reads it
            warnings.simplefilter("ignore", UserWarning)
            self.Xt = torch.from_numpy(self.X)
        self.yt = torch.from_numpy(self.y.astype(np.int64))
        self.eye = torch.eye(10, dtype=self.Xt.dtype)

    @contextlib.contextmanager
    def _threads(self):
        before = self.torch.get_num_threads()  # a process-wide setting: put it back
        self.torch.set_num_threads(THREADS)
        try:
            yield
        finally:
            self.torch.set_num_threads(before)

    def train_chunk(self, idx: np.ndarray) -> tuple[float, int]:
        torch, n = self.torch, self.config.batch_size
        loss_sum, correct = 0.0, 0
        for start in range(0, len(idx), n):
            rows = torch.from_numpy(idx[start : start + n])
            Z, y = self.net(self.Xt[rows]), self.yt[rows]
            loss = cv.torch_loss(self.config, Z, y, self.eye[y])
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            scale = len(rows) if self.config.reduction == "mean" else 1
            loss_sum += float(loss.detach()) * scale
            correct += int((Z.argmax(dim=1) == y).sum())
        return loss_sum, correct

    def scores(self, X: np.ndarray) -> np.ndarray:
        with self.torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return self.net(self.torch.from_numpy(X)).numpy()

    def weights(self) -> list[np.ndarray]:
        return cv.torch_weights(self.net)[::2]


RUNNERS = {"mlp_core": MlpCoreRun, "scikit-learn": SklearnRun, "PyTorch": TorchRun}


@dataclass
class Comparison:
    """The runs of one comparison: the same settings and data in every library."""

    config: TrainConfig
    runs: dict[str, MlpCoreRun | LibraryRun]
    data_source: str = ""
    status: Status = Status.RUNNING  # RUNNING, STOPPED (by the page) or DONE
    test_scores: dict = field(default_factory=dict)  # (library, epochs) -> test accuracy
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

    @classmethod
    def start(cls, config: TrainConfig, data: Split, libraries: tuple[str, ...]) -> Comparison:
        """New runs for `libraries` (mlp_core always comes first)."""
        names = ["mlp_core", *(lib for lib in libraries if lib != "mlp_core")]
        runs = {name: RUNNERS[name](config, data) for name in names}
        return cls(config, runs, getattr(data, "source", ""))

    @property
    def finished(self) -> bool:
        return all(run.finished for run in self.runs.values())

    def step(self, max_seconds: float) -> None:
        """Give every unfinished run an equal share of `max_seconds`, one after another."""
        todo = [run for run in self.runs.values() if not run.finished]
        for run in todo:
            run.step(max_seconds / len(todo))
        if self.finished:
            self.status = Status.DONE


def seconds_per_epoch(history: History) -> float | None:
    """Median seconds of an epoch (training plus the validation pass), None before one ends."""
    seconds = [e.seconds for e in history.epochs]
    return float(np.median(seconds)) if seconds else None
