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
        self.update_part(l, (), dW, (), db)

    def update_part(
        self, l: int, w_index: tuple, dW: np.ndarray, b_index: slice | tuple, db: np.ndarray
    ) -> None:
        """`update_scaled` on part of layer l: W[l][w_index] with dW, b[l][b_index] with db.

        Two threads may update disjoint parts of one layer at the same time
        (mlp_core.parallel).
        """
        vW = None if self.vW is None else self.vW[l][w_index]
        self._apply(self.W[l][w_index], dW, vW, self.l2)
        vb = None if self.vb is None else self.vb[l][b_index]
        self._apply(self.b[l][b_index], db, vb, 0.0)

    def _apply(self, P: np.ndarray, dP: np.ndarray, vP: np.ndarray | None, l2: float) -> None:
        """P -= dP (+ L2), or through the velocity vP; dP is lr-scaled and overwritten."""
        if l2:
            dP += (self.lr * l2) * P
        if vP is None:
            P -= dP
            return
        vP *= self.momentum
        vP -= dP
        P += vP
