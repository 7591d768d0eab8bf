"""Output/loss pairs, as a name -> Loss table.

Each loss is paired with the output activation that makes its output delta simply
dZ_L = A_L - Y (per example): softmax with categorical cross-entropy, sigmoid with
binary cross-entropy (the book's network), identity with squared error (written as
1/2 * sum of squares, so its delta is A - Y too). For the `mean` reduction the delta
is divided by the batch size; for `sum` (the book's) it is not: `Loss.delta` gives both
the batch's loss and its output delta, the step between the forward and the backward pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from mlp_core.activations import identity, sigmoid, softmax


@dataclass(frozen=True)
class Loss:
    """Output activation (in place) and the loss summed over a batch: value(A, Y) -> float.

    `value_labels(A, y)` is the same sum from integer labels y (n,) instead of one-hot
    targets Y (n, k): the training loop calls it every minibatch, and for cross-entropy
    it needs only the true classes' probabilities.
    """

    name: str
    label: str
    output: Callable[[np.ndarray], np.ndarray]
    value: Callable[[np.ndarray, np.ndarray], float]
    value_labels: Callable[[np.ndarray, np.ndarray], float] | None = None  # None: via one-hot

    def __post_init__(self) -> None:
        if self.value_labels is None:
            object.__setattr__(self, "value_labels", _with_labels(self.value))

    def delta(
        self, A: np.ndarray, y: np.ndarray, reduction: str = "mean"
    ) -> tuple[float, np.ndarray]:
        """The batch's loss (summed over its rows) and the output delta dZ = dLoss/dZ_L.

        A (n, k) is the output activation; y holds integer labels (n,) or targets Y (n, k).
        dZ (n, k) is A - Y, divided by n for the `mean` reduction; A is left as it is.
        """
        if y.ndim == 1:  # labels: Y is one-hot, so A - Y differs from A in one entry a row
            loss = self.value_labels(A, y)
            dZ = A.copy()
            dZ[np.arange(len(y)), y] -= 1
        else:
            loss = self.value(A, y)
            dZ = A - y
        if reduction == "mean":
            dZ /= len(A)
        return loss, dZ


def _eps(A: np.ndarray) -> float:
    return float(np.finfo(A.dtype).eps)


def categorical_ce(A: np.ndarray, Y: np.ndarray) -> float:
    """-sum(Y * log A), A and Y (n, k); finite even where A is 0."""
    return float(-np.sum(Y * np.log(np.clip(A, _eps(A), 1.0))))


def categorical_ce_labels(A: np.ndarray, y: np.ndarray) -> float:
    """categorical_ce(A, one-hot y), A (n, k), y (n,): only the true classes' log A count."""
    p = A[np.arange(len(y)), y]
    np.maximum(p, _eps(A), out=p)  # clip(p, eps, 1), without np.clip's slower wrapper
    np.minimum(p, 1.0, out=p)
    return -float(np.log(p, out=p).sum())


def _with_labels(value: Callable[[np.ndarray, np.ndarray], float]):
    """value(A, Y) -> value(A, y): the loss from integer labels through one-hot targets."""

    def value_labels(A: np.ndarray, y: np.ndarray) -> float:
        return value(A, np.eye(A.shape[1], dtype=A.dtype)[y])

    return value_labels


def binary_ce(A: np.ndarray, Y: np.ndarray) -> float:
    """-sum(Y log A + (1 - Y) log(1 - A)) over all n x k outputs, as the book's cost."""
    eps = _eps(A)
    A = np.clip(A, eps, 1.0 - eps)
    return float(-np.sum(Y * np.log(A) + (1.0 - Y) * np.log1p(-A)))


def half_sse(A: np.ndarray, Y: np.ndarray) -> float:
    """1/2 * sum((A - Y)**2), so that dL/dA = A - Y."""
    D = A - Y
    return float(0.5 * np.sum(D * D))


LOSSES: dict[str, Loss] = {
    "softmax_ce": Loss(
        "softmax_ce", "softmax + cross-entropy", softmax, categorical_ce, categorical_ce_labels
    ),
    "sigmoid_bce": Loss("sigmoid_bce", "sigmoid + binary cross-entropy", sigmoid, binary_ce),
    "identity_mse": Loss("identity_mse", "identity + squared error", identity, half_sse),
}
