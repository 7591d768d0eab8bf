"""Minibatch SGD with optional momentum, L2 and L1 on the weights (never the biases).

Like scikit-learn's `_stochastic_optimizers`, the optimizer knows only the parameters
and their gradients: `step(dW, db)` after every minibatch, nothing about the network.
"""

from __future__ import annotations

import numpy as np


class SGD:
    """W -= lr * (dW + l2 * W + l1 * sign(W)), b -= lr * db; with momentum, through velocities.

    The L2 term is the book's: l2 * W added to the weight gradient (the gradient of
    l2/2 * sum(W**2)). L1 adds l1 * sign(W) (the gradient of l1 * sum(|W|)). With
    momentum the step goes through a velocity v per parameter: v = momentum * v - lr * g,
    then P += v.
    """

    def __init__(
        self,
        W: list[np.ndarray],
        b: list[np.ndarray],
        lr: float,
        momentum: float = 0.0,
        l2: float = 0.0,
        l1: float = 0.0,
    ) -> None:
        self.W, self.b = W, b
        self.lr, self.momentum, self.l2, self.l1 = lr, momentum, l2, l1
        self.vW = [np.zeros_like(w) for w in W] if momentum else None
        self.vb = [np.zeros_like(v) for v in b] if momentum else None

    def step(self, dW: list, db: list) -> None:
        """One update of every layer from its gradients dW[l] (fan_in, fan_out), db[l]
        (fan_out,); a layer whose gradients are None is left alone."""
        for l, (gW, gb) in enumerate(zip(dW, db, strict=True)):
            if gW is None:
                continue
            if self.l2:
                gW = gW + self.l2 * self.W[l]
            if self.l1:
                gW = gW + self.l1 * np.sign(self.W[l])
            self._update(self.W[l], gW, None if self.vW is None else self.vW[l])
            self._update(self.b[l], gb, None if self.vb is None else self.vb[l])

    def _update(self, P: np.ndarray, g: np.ndarray, v: np.ndarray | None) -> None:
        """P -= lr * g, or through the velocity v; in place."""
        if v is None:
            P -= self.lr * g
            return
        v *= self.momentum
        v -= self.lr * g
        P += v
