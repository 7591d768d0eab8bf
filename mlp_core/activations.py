"""Activation functions, as a name -> Activation table.

Convention (as in scikit-learn): every derivative is written in terms of the layer's
*output* A, not its input Z, so backpropagation needs only the stored activations.
`forward` works in place on Z and returns it; `backward(dA, A)` multiplies dA by
f'(A) in place. Both keep the input's dtype.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Activation:
    """f(Z) in place, and dA *= f'(A) in place."""

    name: str
    forward: Callable[[np.ndarray], np.ndarray]
    backward: Callable[[np.ndarray, np.ndarray], np.ndarray]


def sigmoid(Z: np.ndarray) -> np.ndarray:
    """Logistic function A = 1 / (1 + e^-Z) in place, Z (n, o) -> A (n, o)."""
    # In float32, e^-Z overflows to inf for Z < -88.7 and underflows below the smallest
    # normal number for Z > 87.3, each with a warning. Beyond +-87, A is already 0 (below
    # 1.7e-38) or exactly 1 in float32, so Z is clipped there first: no inf, no warning,
    # and the arithmetic stays in Z's dtype.
    np.clip(Z, -87.0, 87.0, out=Z)
    return np.divide(1.0, 1.0 + np.exp(-Z), out=Z)


def sigmoid_backward(dA: np.ndarray, A: np.ndarray) -> np.ndarray:
    """dA *= A * (1 - A)."""
    dA *= A
    dA -= dA * A
    return dA


def tanh(Z: np.ndarray) -> np.ndarray:
    """Hyperbolic tangent in place."""
    return np.tanh(Z, out=Z)


def tanh_backward(dA: np.ndarray, A: np.ndarray) -> np.ndarray:
    """dA *= 1 - A**2."""
    dA -= dA * A * A
    return dA


def relu(Z: np.ndarray) -> np.ndarray:
    """max(Z, 0) in place."""
    return np.maximum(Z, 0, out=Z)


def relu_backward(dA: np.ndarray, A: np.ndarray) -> np.ndarray:
    """dA *= (A > 0)."""
    return np.multiply(dA, A > 0, out=dA)


def identity(Z: np.ndarray) -> np.ndarray:
    """Leave Z as it is."""
    return Z


def identity_backward(dA: np.ndarray, A: np.ndarray) -> np.ndarray:
    """f'(A) = 1."""
    return dA


def softmax(Z: np.ndarray) -> np.ndarray:
    """Row-wise softmax e^Z / sum(e^Z) in place, Z (n, k) -> A (n, k); rows sum to 1.

    Each row's largest entry is subtracted first (the same A, as e^(Z - c) / sum e^(Z - c)
    = e^Z / sum e^Z): the largest e^Z becomes 1 and nothing overflows.
    """
    Z -= Z.max(axis=1, keepdims=True)
    np.exp(Z, out=Z)
    Z /= Z.sum(axis=1, keepdims=True)
    return Z


ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation("sigmoid", sigmoid, sigmoid_backward),
    "tanh": Activation("tanh", tanh, tanh_backward),
    "relu": Activation("relu", relu, relu_backward),
    "identity": Activation("identity", identity, identity_backward),
    "linear": Activation("linear", identity, identity_backward),  # the same, by its other name
}
