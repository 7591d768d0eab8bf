"""Minibatch SGD with optional momentum and L2 on weights (never biases)."""

from __future__ import annotations

import numpy as np

from mlp_core import blas


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

    def update_product(
        self,
        l: int,
        w_index: tuple,
        A: np.ndarray,
        dZ: np.ndarray,
        scratch: np.ndarray,
        b_index: slice | tuple,
        db: np.ndarray,
        rows: np.ndarray | None = None,
        Wr: np.ndarray | None = None,
    ) -> None:
        """`update_part` with layer l's weight gradient given as a product, A.T @ dZ (dZ
        lr-scaled): the product goes straight into W (or the velocity, or the L2 sum) in
        one BLAS call, instead of out to a buffer and back (mlp_core.blas.add_product_t).
        The same arithmetic as `update_part`, bit for bit at minibatches of a few hundred.
        `scratch`, of W[l][w_index]'s shape, holds the L2 term.

        With `rows`, the layer's input is zero outside those of its columns
        (mlp_core.split_process compacts such minibatches): A (n, k) holds only the active
        columns, the gradient is zero outside `rows`, and only the L2 and momentum passes
        go over every row. Wr (k, width) is W[l][w_index][rows] as gathered for the forward
        pass; it is overwritten."""
        P = self.W[l][w_index]
        vP = None if self.vW is None else self.vW[l][w_index]
        if self.l2:  # G = lr * l2 * W, plus the product; then as usual
            G = np.multiply(P, self.lr * self.l2, out=scratch)
            _add_product(G, A, dZ, 1.0, rows, Wr)
            self._apply(P, G, vP, 0.0)
        elif vP is None:  # P -= A.T @ dZ (Wr already holds P's rows)
            _add_product(P, A, dZ, -1.0, rows, Wr, gathered=True)
        else:  # v = momentum * v - A.T @ dZ; P += v
            vP *= self.momentum
            _add_product(vP, A, dZ, -1.0, rows, Wr)
            P += vP
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


def _add_product(
    C: np.ndarray,
    A: np.ndarray,
    B: np.ndarray,
    alpha: float,
    rows: np.ndarray | None = None,
    buf: np.ndarray | None = None,
    gathered: bool = False,
) -> None:
    """C += alpha * A.T @ B, in one BLAS call where NumPy's OpenBLAS is found; with `rows`,
    only into those rows of C, through `buf` (which already holds them if `gathered`)."""
    if rows is not None:
        Cr = buf if gathered else np.take(C, rows, axis=0, out=buf, mode="clip")
        _add_product(Cr, A, B, alpha)
        C[rows] = Cr
    elif not blas.add_product_t(C, A, B, alpha):
        C += alpha * np.matmul(A.T, B)
