"""Minibatch SGD with optional momentum and L2 on weights (never biases)."""

from __future__ import annotations

import numpy as np


class SGD:
    """W -= lr * (dW + l2 * W), b -= lr * db; with momentum, through velocities.

    The update is the book's: the L2 term adds l2 * W to the weight gradient. The
    gradient arrays passed to `update` are scratch space and are overwritten.
    """

    def __init__(
        self,
        W: list[np.ndarray],
        b: list[np.ndarray],
        lr: float,
        momentum: float = 0.0,
        l2: float = 0.0,
    ) -> None:
        self.W, self.b = W, b
        self.lr, self.momentum, self.l2 = lr, momentum, l2
        self.vW = [np.zeros_like(w) for w in W] if momentum else None
        self.vb = [np.zeros_like(v) for v in b] if momentum else None

    def update(self, l: int, dW: np.ndarray, db: np.ndarray) -> None:
        """Apply one step to layer l in place. dW (fan_in, fan_out), db (fan_out,)."""
        dW *= self.lr
        db *= self.lr
        self.update_scaled(l, dW, db)

    def update_scaled(self, l: int, dW: np.ndarray, db: np.ndarray) -> None:
        """`update` for gradients already multiplied by lr, lr * dW and lr * db.

        The training loop scales the small output delta by lr instead, so every gradient
        arrives scaled and the large dW is not passed over once more just to scale it.
        """
        W, b = self.W[l], self.b[l]
        if self.l2:
            dW += (self.lr * self.l2) * W
        if self.vW is None:
            W -= dW
            b -= db
            return
        vW, vb = self.vW[l], self.vb[l]
        vW *= self.momentum
        vW -= dW
        W += vW
        vb *= self.momentum
        vb -= db
        b += vb
