"""Numerical gradient check: backpropagation against central differences in float64."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mlp_core.activations import ACTIVATIONS
from mlp_core.losses import LOSSES
from mlp_core.network import MLP, one_hot

HIDDEN = ("sigmoid", "tanh", "relu")
FLOOR = 1e-2
"""Entries are compared relative to at least FLOOR x the largest gradient entry: the
round-off in a central difference (~1e-16 |loss| / eps) would otherwise swamp the
relative error of near-zero entries (vanishing gradients), failing a correct backprop."""


@dataclass(frozen=True)
class GradCheck:
    """Result for one activation x loss pair; errors are relative, per parameter array."""

    activation: str
    loss: str
    max_rel_error: float
    rel_errors: tuple[float, ...]  # one per parameter array: W0, b0, W1, b1, ...


def _objective(model: MLP, X: np.ndarray, Y: np.ndarray, l2: float, reduction: str) -> float:
    """The loss whose gradient backprop computes: data loss + l2/2 * sum(W**2)."""
    loss = model.loss_value(X, Y)
    if reduction == "mean":
        loss /= len(X)
    return loss + 0.5 * l2 * sum(float(np.sum(W * W)) for W in model.W)


def _numeric(model: MLP, X, Y, l2: float, reduction: str, eps: float) -> list[np.ndarray]:
    grads = []
    for p in model.parameters():
        g = np.zeros_like(p)
        for i in np.ndindex(p.shape):
            old = p[i]
            p[i] = old + eps
            up = _objective(model, X, Y, l2, reduction)
            p[i] = old - eps
            down = _objective(model, X, Y, l2, reduction)
            p[i] = old
            g[i] = (up - down) / (2 * eps)
        grads.append(g)
    return grads


def _problem(activation: str, loss: str, sizes: tuple[int, ...], seed: int):
    """A small random float64 net, inputs X (8, d) and suitable targets Y (8, k)."""
    rng = np.random.default_rng(seed)
    model = MLP.create(sizes, activation, loss, "xavier", seed, np.float64)
    for b in model.b:  # non-zero biases, so their gradients are tested too
        b[...] = rng.normal(0, 0.5, b.shape)
    X = rng.normal(0, 1, (8, sizes[0]))
    if loss == "softmax_ce":
        Y = one_hot(rng.integers(0, sizes[-1], 8), sizes[-1], np.float64)
    else:
        Y = rng.uniform(0, 1, (8, sizes[-1]))
    if activation == "relu":  # keep pre-activations away from the kink at 0
        X = X + np.sign(X) * 0.1
    return model, X, Y


def gradient_check(
    activation: str,
    loss: str,
    *,
    sizes: tuple[int, ...] = (2, 3, 2),
    l2: float = 0.1,
    reduction: str = "mean",
    seed: int = 0,
    eps: float = 1e-6,
) -> GradCheck:
    """Compare backprop with central differences on a small float64 net (default 2-3-2)."""
    if activation not in ACTIVATIONS or loss not in LOSSES:
        raise ValueError(f"unknown activation or loss: {activation!r}, {loss!r}")
    model, X, Y = _problem(activation, loss, sizes, seed)
    A = model.forward(X)
    _, dZ = LOSSES[loss].delta(A[-1], Y, reduction)
    dW, db = model.backward(A, dZ)
    analytic = _interleave([g + l2 * W for g, W in zip(dW, model.W, strict=True)], db)
    numeric = _numeric(model, X, Y, l2, reduction, eps)
    pairs = list(zip(analytic, numeric, strict=True))
    floor = FLOOR * max(float(np.max(np.abs(a) + np.abs(n))) for a, n in pairs)
    errors = tuple(_rel_error(a, n, floor) for a, n in pairs)
    return GradCheck(activation, loss, max(errors), errors)


def _interleave(first: list, second: list) -> list:
    return [x for pair in zip(first, second, strict=True) for x in pair]


def _rel_error(a: np.ndarray, n: np.ndarray, floor: float) -> float:
    """max |a - n| / max(|a| + |n|, floor), the floor at least 1e-8 so zeros compare equal."""
    return float(np.max(np.abs(a - n) / np.maximum(np.abs(a) + np.abs(n), max(floor, 1e-8))))


def check_all(**kwargs) -> list[GradCheck]:
    """Every hidden activation x loss pair."""
    return [gradient_check(a, loss, **kwargs) for a in HIDDEN for loss in LOSSES]
