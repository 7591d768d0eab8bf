"""The fast back-end's own step: layer ranges, and two faster forms of mlp_core's functions.

The process split (mlp_fast.split_process) computes the first layer's products in two
processes; the caller then runs the layers from `first` = 1 up: their forward pass from
A1, the loss and output delta, their backward pass down to layer 0's delta, and their
update (`Upper`). The worker pool (mlp_fast.pool) runs the whole step from layer 0
(`train_batch`, `FasterStep`). mlp_core's `MLP.forward`/`backward` always run the whole
network in the textbook's form (they are what students read), so this lives here, with
the same arithmetic through mlp_core's own tables (ACTIVATIONS, LOSSES), `Loss.delta`
and its SGD, except two faster forms of the same functions (measured:
benchmarks/training_speed.md, issue 22):

- sigmoid as 0.5 * (1 + tanh(Z / 2)): one NumPy ufunc pass instead of exp, add and
  divide, and it never overflows, so no clipping either;
- softmax with the row maxima read through argmax and the row sums from a product with
  a column of ones: for rows of 10, NumPy's reductions along a row cost far more than
  the arithmetic.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mlp_core.activations import ACTIVATIONS
from mlp_core.losses import LOSSES
from mlp_core.network import MLP
from mlp_core.optimizers import SGD
from mlp_core.training import PlainStep, count_correct


def sigmoid(Z: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-Z) in place, as 0.5 * (1 + tanh(Z / 2))."""
    Z *= 0.5
    np.tanh(Z, out=Z)
    Z *= 0.5
    Z += 0.5
    return Z


def softmax(Z: np.ndarray) -> np.ndarray:
    """Row-wise softmax in place, Z (n, k) -> A (n, k), row maxima and sums without
    NumPy's slow short-row reductions."""
    Z -= Z[np.arange(len(Z)), Z.argmax(axis=1)][:, None]
    np.exp(Z, out=Z)
    Z /= Z @ np.ones((Z.shape[1], 1), Z.dtype)
    return Z


FASTER_HIDDEN: dict[str, Callable[[np.ndarray], np.ndarray]] = {"sigmoid": sigmoid}
"""Hidden activation name -> a faster form of mlp_core's function."""
FASTER_OUTPUT: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "softmax_ce": softmax,
    "sigmoid_bce": sigmoid,
}
"""Loss name -> a faster form of its output activation."""


def activate(model: MLP, l: int, Z: np.ndarray) -> np.ndarray:
    """Layer l's activation of Z (n, o) in place, as `MLP.activate`, in the faster form
    where there is one."""
    if l < len(model.W) - 1:
        f = FASTER_HIDDEN.get(model.activation, ACTIVATIONS[model.activation].forward)
    else:
        f = FASTER_OUTPUT.get(model.loss, LOSSES[model.loss].output)
    return f(Z)


def forward_from(model: MLP, A_first: np.ndarray, first: int) -> list[np.ndarray]:
    """Activations [A_first, ..., A_L] from layer `first`'s input A_first (n, fan_in)."""
    A = [A_first]
    for l in range(first, len(model.W)):
        A.append(activate(model, l, A[-1] @ model.W[l] + model.b[l]))
    return A


def backward_to(
    model: MLP, A: list[np.ndarray], dZ: np.ndarray, first: int
) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray | None]:
    """The gradients of layers `first` and up from `forward_from`'s A and the output delta
    dZ (n, k), and the delta of layer first - 1 (n, fan_in of layer first; None for 0)."""
    df = ACTIVATIONS[model.activation].backward
    dW, db = [], []
    for l in range(len(model.W) - 1, first - 1, -1):
        A_in = A[l - first]
        dW.insert(0, A_in.T @ dZ)
        db.insert(0, dZ.sum(axis=0))
        if l > 0:  # the layer below is hidden: through its activation's derivative
            dZ = df(dZ @ model.W[l].T, A_in)
    return dW, db, (dZ if first > 0 else None)


def train_batch(
    model: MLP, optimizer: SGD, X: np.ndarray, y: np.ndarray, reduction: str = "mean"
) -> tuple[float, int]:
    """mlp_core.training.train_batch, with the faster forms: the worker pool's step."""
    A = forward_from(model, X, 0)
    loss, dZ = LOSSES[model.loss].delta(A[-1], y, reduction)
    dW, db, _ = backward_to(model, A, dZ, 0)
    optimizer.step(dW, db)
    return loss, count_correct(A[-1], y)


class FasterStep(PlainStep):
    """mlp_core's PlainStep loop with `train_batch` above as its step: one minibatch after
    the other, in this process (the pool's workers run it, and runs that have no pool)."""

    step = staticmethod(train_batch)
    exact = False  # the faster forms round differently from the code on screen

    def describe(self) -> str:
        return "NumPy step with faster sigmoid and softmax"


class Upper:
    """Training step of the layers from `first` up, given layer first - 1's activation:
    the model's arrays and, for the velocities, the optimizer's own (`velocities()`)."""

    def __init__(self, model: MLP, optimizer: SGD, first: int = 1) -> None:
        self.model, self.optimizer, self.first = model, optimizer, first
        velocities = optimizer.velocities()[2 * first :] or None
        self.sgd = SGD(model.W[first:], model.b[first:], optimizer.lr, optimizer.momentum,
                       optimizer.l2, optimizer.l1, velocities)  # fmt: skip

    def step(
        self, A_first: np.ndarray, y: np.ndarray, reduction: str
    ) -> tuple[float, np.ndarray, np.ndarray]:
        """Forward from A_first, loss and delta, backward, update of these layers; returns
        the loss, the output A_L and the delta of layer first - 1."""
        opt, sgd = self.optimizer, self.sgd
        sgd.lr, sgd.momentum, sgd.l2, sgd.l1 = opt.lr, opt.momentum, opt.l2, opt.l1
        A = forward_from(self.model, A_first, self.first)
        loss, dZ = LOSSES[self.model.loss].delta(A[-1], y, reduction)
        dW, db, dZ_below = backward_to(self.model, A, dZ, self.first)
        sgd.step(dW, db)
        return loss, A[-1], dZ_below
