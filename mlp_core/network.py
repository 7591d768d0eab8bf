"""The multilayer perceptron: parameters, forward pass, backpropagation.

Shapes are batch-first, as in the textbooks: X (n, d_in), W[l] (fan_in, fan_out),
b[l] (fan_out,), Z = A_prev @ W + b, A[0] = X.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mlp_core.activations import ACTIVATIONS
from mlp_core.config import DTYPE
from mlp_core.losses import LOSSES


def init_weights(rng: np.random.Generator, fan_in: int, fan_out: int, init: str) -> np.ndarray:
    """Draw one weight matrix (fan_in, fan_out) in float64 (cast by the caller)."""
    if init == "normal":  # the book's: normal(0, 0.1)
        return rng.normal(0.0, 0.1, size=(fan_in, fan_out))
    if init == "xavier":  # Glorot & Bengio (2010), uniform variant
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-limit, limit, size=(fan_in, fan_out))
    if init == "he":  # He et al. (2015), for ReLU
        return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))
    raise ValueError(f"unknown initialisation {init!r}; use normal, xavier or he")


@dataclass
class MLP:
    """A perceptron with any number of hidden layers of one activation.

    Parameters
    ----------
    W, b : lists of weight matrices (fan_in, fan_out) and bias vectors (fan_out,).
    activation : hidden activation, a key of ACTIVATIONS.
    loss : output/loss pair, a key of LOSSES.
    """

    W: list[np.ndarray]
    b: list[np.ndarray]
    activation: str = "relu"
    loss: str = "softmax_ce"

    def __post_init__(self) -> None:
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {self.activation!r}")
        if self.loss not in LOSSES:
            raise ValueError(f"unknown loss {self.loss!r}")
        if len(self.W) != len(self.b) or not self.W:
            raise ValueError("need one bias vector per weight matrix, and at least one layer")
        for l, (W, b) in enumerate(zip(self.W, self.b, strict=True)):
            if W.ndim != 2 or b.shape != (W.shape[1],):
                raise ValueError(f"layer {l}: W {W.shape} and b {b.shape} do not fit")
            if l and W.shape[0] != self.W[l - 1].shape[1]:
                raise ValueError(
                    f"layer {l}: W has {W.shape[0]} inputs, previous layer gives "
                    f"{self.W[l - 1].shape[1]}"
                )

    @classmethod
    def create(
        cls,
        sizes: tuple[int, ...],
        activation: str = "relu",
        loss: str = "softmax_ce",
        init: str = "he",
        seed: int = 1,
        dtype: np.dtype | type = DTYPE,
    ) -> MLP:
        """New network with layer sizes like (784, 100, 10); biases start at 0."""
        rng = np.random.default_rng(seed)
        W = [
            init_weights(rng, i, o, init).astype(dtype)
            for i, o in zip(sizes, sizes[1:], strict=False)
        ]
        b = [np.zeros(o, dtype=dtype) for o in sizes[1:]]
        return cls(W, b, activation, loss)

    @property
    def sizes(self) -> tuple[int, ...]:
        return (self.W[0].shape[0], *(W.shape[1] for W in self.W))

    @property
    def dtype(self) -> np.dtype:
        return self.W[0].dtype

    @property
    def n_params(self) -> int:
        return sum(W.size + b.size for W, b in zip(self.W, self.b, strict=True))

    def parameters(self) -> list[np.ndarray]:
        """[W0, b0, W1, b1, ...], the arrays themselves (not copies)."""
        return [p for Wb in zip(self.W, self.b, strict=True) for p in Wb]

    def copy(self) -> MLP:
        return MLP(
            [W.copy() for W in self.W], [b.copy() for b in self.b], self.activation, self.loss
        )

    def is_finite(self) -> bool:
        return all(np.isfinite(p).all() for p in self.parameters())

    def __repr__(self) -> str:
        arch = "-".join(map(str, self.sizes))
        return f"MLP({arch}, {self.activation}, {self.loss}, {self.dtype})"

    def forward(self, X: np.ndarray) -> list[np.ndarray]:
        """Activations [X, A1, ..., A_L] of a batch X (n, d_in); A_L (n, k) is the output."""
        A = [X]
        for l in range(len(self.W)):
            Z = A[l] @ self.W[l] + self.b[l]
            A.append(self.activate(l, Z))
        return A

    def activate(self, l: int, Z: np.ndarray) -> np.ndarray:
        """Layer l's activation of its pre-activation Z, in place: the hidden layers' own,
        the output's (paired with the loss, see losses.py) for the last layer."""
        if l < len(self.W) - 1:
            return ACTIVATIONS[self.activation].forward(Z)
        return LOSSES[self.loss].output(Z)

    def predict_proba(self, X: np.ndarray, batch: int = 8192) -> np.ndarray:
        """Output activations, X (n, d_in) -> (n, k), in chunks to bound memory."""
        X = np.asarray(X, dtype=self.dtype)
        chunks = [self.forward(X[i : i + batch])[-1] for i in range(0, len(X), batch)]
        return np.concatenate(chunks) if chunks else np.zeros((0, self.sizes[-1]), self.dtype)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Class indices, X (n, d_in) -> (n,)."""
        return self.predict_proba(X).argmax(axis=1)

    def hidden_activations(self, X: np.ndarray) -> list[np.ndarray]:
        """Hidden layers' outputs [A1, ..., A_{L-1}] for X (n, d_in)."""
        return self.forward(np.asarray(X, dtype=self.dtype))[1:-1]

    def loss_value(self, X: np.ndarray, Y: np.ndarray) -> float:
        """Data loss summed over the examples (no L2), X (n, d_in), Y (n, k)."""
        return LOSSES[self.loss].value(self.forward(X)[-1], Y)

    def backward(self, A: list[np.ndarray], dZ: np.ndarray) -> tuple[list, list]:
        """Backpropagation: the gradients of the loss from the activations A of `forward`
        and the output delta dZ (n, k) (losses.py): dW[l] (fan_in, fan_out), db[l] (fan_out,).

        The gradients are sums over the batch's rows (the delta already carries the 1/n of
        a mean).
        """
        df = ACTIVATIONS[self.activation].backward  # f'(Z) from the output A, times dA
        dW, db = [None] * len(self.W), [None] * len(self.W)
        for l in range(len(self.W) - 1, -1, -1):
            dW[l] = A[l].T @ dZ  # A[l] is the layer's input: X for the first layer
            db[l] = dZ.sum(axis=0)
            if l > 0:  # the delta of the layer below, through the weights before any update
                dZ = df(dZ @ self.W[l].T, A[l])
        return dW, db


def one_hot(y: np.ndarray, k: int, dtype: np.dtype | type = DTYPE) -> np.ndarray:
    """Integer labels (n,) -> one-hot targets (n, k)."""
    return np.eye(k, dtype=dtype)[np.asarray(y)]
