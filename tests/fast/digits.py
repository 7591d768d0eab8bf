"""Random digit-like data for the fast back-end's tests (a helper module, not tests)."""

from __future__ import annotations

import numpy as np

from tests.splits import Split

D, BATCH = 784, 50  # with 64 hidden units: 2 * 50 * 784 * 64 = 5.0e6 flops, worth splitting


def digits_like(
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


def job_of(trainer, n: int | None = None, repeat: int = 1):
    """The trainer's model and optimizer on its first n minibatches in order (all when n is
    None), the list repeated `repeat` times: what a back-end gets (Minibatches)."""
    from mlp_core.training import Minibatches

    size = trainer.config.batch_size
    starts = range(0, len(trainer.X), size)[:n]
    batches = [np.arange(s, min(s + size, len(trainer.X))) for s in starts] * repeat
    return Minibatches(trainer.model, trainer.optimizer, trainer.X, trainer.y, batches)
