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
    """Logistic function in place, Z (n, o) -> A (n, o).

    Written as 0.5 * (1 + tanh(Z / 2)): the same function, but it never overflows
    (exp(-Z) does in float32 for Z < -88) and needs no clipping.
    """
    Z *= 0.5
    np.tanh(Z, out=Z)
    Z *= 0.5
    Z += 0.5
    return Z


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
    """Row-wise softmax in place, Z (n, k) -> A (n, k); rows sum to 1.

    For short rows (k = 10) NumPy's reductions along a row cost far more than the
    arithmetic, so the row maxima are read through argmax (the same values, several
    times faster than max(axis=1)) and the row sums come from a matrix product.
    """
    Z -= Z[np.arange(len(Z)), Z.argmax(axis=1)][:, None]
    np.exp(Z, out=Z)
    Z /= Z @ np.ones((Z.shape[1], 1), Z.dtype)
    return Z


ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation("sigmoid", sigmoid, sigmoid_backward),
    "tanh": Activation("tanh", tanh, tanh_backward),
    "relu": Activation("relu", relu, relu_backward),
    "identity": Activation("identity", identity, identity_backward),
    "linear": Activation("linear", identity, identity_backward),  # the same, by its other name
}
