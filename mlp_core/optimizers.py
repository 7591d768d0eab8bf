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
    then P += v. `velocities` (with momentum): the arrays to keep them in, listed as
    `velocities()` lists them (default: new zeros); like W and b, they are updated in place.
    """

    def __init__(
        self,
        W: list[np.ndarray],
        b: list[np.ndarray],
        lr: float,
        momentum: float = 0.0,
        l2: float = 0.0,
        l1: float = 0.0,
        velocities: list[np.ndarray] | None = None,
    ) -> None:
        self.W, self.b = W, b
        self.lr, self.momentum, self.l2, self.l1 = lr, momentum, l2, l1
        if momentum and velocities is None:
            velocities = [np.zeros_like(p) for Wb in zip(W, b, strict=True) for p in Wb]
        self.vW = velocities[0::2] if momentum else None
        self.vb = velocities[1::2] if momentum else None

    def step(self, dW: list, db: list) -> None:
        """One update of every layer from its gradients dW[l] (fan_in, fan_out), db[l]
        (fan_out,)."""
        for l in range(len(self.W)):
            gW = dW[l]
            if self.l2:
                gW = gW + self.l2 * self.W[l]
            if self.l1:
                gW = gW + self.l1 * np.sign(self.W[l])
            self.update(self.W[l], gW, None if self.vW is None else self.vW[l])
            self.update(self.b[l], db[l], None if self.vb is None else self.vb[l])

    def update(self, P: np.ndarray, g: np.ndarray, v: np.ndarray | None) -> None:
        """P -= lr * g, or through the velocity v; in place."""
        if v is None:
            P -= self.lr * g
            return
        v *= self.momentum
        v -= self.lr * g
        P += v

    def velocities(self) -> list[np.ndarray]:
        """[vW0, vb0, vW1, vb1, ...], the arrays themselves, as `MLP.parameters()` gives the
        parameters (empty without momentum): what a copy of the optimizer must carry."""
        if self.vW is None:
            return []
        return [v for vWb in zip(self.vW, self.vb, strict=True) for v in vWb]

    def load_velocities(self, values: list[np.ndarray]) -> None:
        """Copy `values` (as `velocities()` lists them) into this optimizer's velocities."""
        mine = self.velocities()
        if len(values) != len(mine):
            raise ValueError(f"{len(values)} velocities given, this optimizer has {len(mine)}")
        for v, value in zip(mine, values, strict=True):
            v[...] = value
