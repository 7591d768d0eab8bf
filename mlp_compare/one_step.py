"""Proof that the libraries train the same network: one SGD step from the same weights.

From identical initial weights and one identical minibatch, one step in mlp_core, in
scikit-learn (weights set on the estimator, then `partial_fit`) and in PyTorch. The
weights after the step agree to float32 rounding: each library sums the same products
in its own order, so they differ by a few units in the last place, never more.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mlp_compare import conversions as cv
from mlp_core.config import TrainConfig
from mlp_core.losses import LOSSES
from mlp_core.network import MLP, one_hot
from mlp_core.optimizers import SGD

ULPS = 8
"""How many units in the last place two libraries' results may differ by (see `tolerance`)."""


def mlp_core_step(model: MLP, X: np.ndarray, y: np.ndarray, config: TrainConfig) -> list:
    """One SGD step of a copy of `model` on (X, y) through mlp_core's public API.

    The one place that calls the engine's step, so a change of its API changes only this.
    Returns the stepped parameters [W0, b0, W1, b1, ...].
    """
    model = model.copy()
    A = model.forward(X)
    _, dZ = LOSSES[model.loss].delta(A[-1], y, config.reduction)  # A_L - Y (/ n)
    dW, db = model.backward(A, dZ)
    SGD(model.W, model.b, config.lr, config.momentum, config.l2).step(dW, db)
    return model.parameters()


def sklearn_step(model: MLP, X: np.ndarray, y: np.ndarray, config: TrainConfig) -> list:
    """One `partial_fit` of a scikit-learn estimator that holds `model`'s weights."""
    est = cv.sklearn_start(config, model, X, y)
    est.partial_fit(X, cv.sklearn_y(config, y, model.sizes[-1]))
    return cv.sklearn_weights(est)


def torch_step(model: MLP, X: np.ndarray, y: np.ndarray, config: TrainConfig) -> list:
    """One `optimizer.step()` of a torch network that holds `model`'s weights."""
    import torch

    net = cv.torch_network(model)
    optimizer = cv.torch_optimizer(net, config)
    Xt, yt = torch.from_numpy(np.array(X)), torch.from_numpy(np.array(y, dtype=np.int64))
    Y = torch.from_numpy(one_hot(y, model.sizes[-1], model.dtype))
    optimizer.zero_grad()
    cv.torch_loss(config, net(Xt), yt, Y).backward()
    optimizer.step()
    return cv.torch_weights(net)


STEPS = {"scikit-learn": sklearn_step, "PyTorch": torch_step}


def tolerance(before: list, after: list) -> float:
    """The largest difference float32 rounding explains, from np.finfo(dtype).eps.

    W' = W - lr * g: the libraries round W' (half an ulp of |W'| each) and compute g by
    sums in different orders (a few ulps of the terms, which are at most the step).
    So ULPS * eps * (largest |W'| + largest step), in the parameters' own dtype.
    """
    eps = float(np.finfo(after[0].dtype).eps)
    big = max(float(np.abs(p).max()) for p in after)
    step = max(float(np.abs(a - b).max()) for a, b in zip(after, before, strict=True))
    return ULPS * eps * (big + step)


@dataclass(frozen=True)
class StepResult:
    """One library's step against mlp_core's."""

    library: str
    max_diff: float  # largest |parameter - mlp_core's| after the step
    max_step: float  # largest change of a parameter in mlp_core's step
    tolerance: float

    @property
    def agrees(self) -> bool:
        return self.max_diff <= self.tolerance


def compare(model: MLP, X: np.ndarray, y: np.ndarray, config: TrainConfig) -> list[StepResult]:
    """One step in mlp_core and every available library; X is one minibatch (n, d_in)."""
    config = config.replace(batch_size=len(X))  # the conversions are for this batch's n
    ours = mlp_core_step(model, X, y, config)
    before = model.parameters()
    step = max(float(np.abs(a - b).max()) for a, b in zip(ours, before, strict=True))
    results = []
    for library, one_step in STEPS.items():
        if library == "PyTorch" and not cv.torch_available():
            continue
        theirs = one_step(model, X, y, config)
        diff = max(float(np.abs(a - b).max()) for a, b in zip(theirs, ours, strict=True))
        results.append(StepResult(library, diff, step, tolerance(before, ours)))
    return results
