"""The process split's shared block and its numerics: the first layer's columns, compacted.

The block (a memfd both processes map, see mlp_fast.split_process) holds the protocol's
counters (mlp_fast.split_protocol), the first layer's weights, biases and velocities
split in two arrays of columns (the caller's [0, h0), the helper's [h0, H)), Z1 and
dZ1, and three slots of minibatch rows: the helper gathers minibatch i + 1 while the
caller may still use minibatch i's.

Compacting: MNIST's margins leave about a third of the 784 pixels zero in all of 100
digits, and a zero input column adds nothing to X @ W1 and leaves its row of W1's
gradient zero, so both sides multiply only the active columns (`compact`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import astuple, dataclass

import numpy as np

from mlp_core.optimizers import SGD
from mlp_fast.split_protocol import COMPACT, CTL, Side

COMPACT_AT = 0.9
"""A minibatch is compacted when at most this fraction of its input columns are active."""
SLOTS = 3  # the helper gathers minibatch i + 1 while the caller may still use i's


class Block:
    """Views of the shared block: first-layer parameters, the exchanged arrays, counters."""

    def __init__(self, buf, layout: Layout) -> None:
        self.ctl = np.ndarray((CTL,), np.int64, buf, 0)
        self.counters = memoryview(buf)[: CTL * 8].cast("q")  # faster to poll than ctl
        offset = CTL * 8
        for name, shape, dt in layout.fields():
            arr = np.ndarray(shape, dt, buf, offset)
            setattr(self, name, arr)
            offset += aligned_size(arr.nbytes)
        self.W1 = (self.W1_0, self.W1_1)  # each side's columns of W1, contiguous
        self.vW1 = (self.vW1_0, self.vW1_1) if layout.momentum else None
        self.vb1 = getattr(self, "vb1", None)


@dataclass(frozen=True)
class Layout:
    """What the shared block holds, for a batch size, the first layer's shape and split,
    the dtype, momentum or not, and the number of training examples."""

    batch: int
    d: int
    H: int
    h0: int
    dtype: str
    momentum: bool
    n: int

    def fields(self) -> list[tuple[str, tuple[int, ...], np.dtype]]:
        B, d, H, dt = self.batch, self.d, self.H, np.dtype(self.dtype)
        widths = (self.h0, H - self.h0)
        out = [(f"W1_{p}", (d, w), dt) for p, w in enumerate(widths)]
        out += [("b1", (H,), dt), ("idx", (self.n,), np.dtype(np.int64))]
        if self.momentum:
            out += [(f"vW1_{p}", (d, w), dt) for p, w in enumerate(widths)]
            out += [("vb1", (H,), dt)]
        out += [("Z1", (B, H), dt), ("dZ1", (B, H), dt)]
        for j in range(SLOTS):  # minibatch i in slot i % 3
            out += [
                (f"X{j}", (B, d), dt),  # its rows
                (f"C{j}", (B * d,), dt),  # its active columns, (n, k) in the front
                (f"cols{j}", (d,), np.dtype(np.int64)),  # which columns those are
                (f"k{j}", (1,), np.dtype(np.int64)),  # how many (-1: not compacted)
            ]
        return out

    def size(self) -> int:
        return CTL * 8 + sum(
            aligned_size(int(np.prod(shape)) * dt.itemsize) for _, shape, dt in self.fields()
        )

    def args(self) -> list[str]:
        return [str(v) for v in astuple(self)]

    @classmethod
    def parse(cls, args: Sequence[str]) -> Layout:
        B, d, H, h0, dtype, momentum, n = args
        return cls(int(B), int(d), int(H), int(h0), dtype, momentum == "True", int(n))


def aligned_size(nbytes: int) -> int:
    return (nbytes + 63) // 64 * 64  # a cache line each: no two arrays share one


def compact(block: Block, j: int, n: int) -> None:
    """Slot j's active columns (nonzero in some row) into its compact copy, if few enough."""
    X = getattr(block, f"X{j}")[:n]
    active = X.any(axis=0)
    k = int(np.count_nonzero(active))
    count = getattr(block, f"k{j}")
    if k > COMPACT_AT * X.shape[1]:
        count[0] = -1
        return
    cols = getattr(block, f"cols{j}")[:k]
    cols[...] = np.flatnonzero(active)
    np.take(X, cols, axis=1, out=getattr(block, f"C{j}")[: n * k].reshape(n, k), mode="clip")
    count[0] = k


def prepare(side: Side, block: Block, X: np.ndarray, i: int, size: int, rows: int) -> None:
    """Minibatch i of the run (`rows` examples, all before it `size`): its rows of X into
    its slot, compacted; then tell the caller."""
    j = i % SLOTS
    gather(X, block.idx[i * size : i * size + rows], getattr(block, f"X{j}"))
    compact(block, j, rows)
    side.post(COMPACT, i + 1)


def inputs(block: Block, j: int, n: int) -> tuple[np.ndarray, np.ndarray | None]:
    """Slot j's input to the first layer's products, and its active columns (None: all)."""
    k = int(getattr(block, f"k{j}")[0])
    if k < 0:
        return getattr(block, f"X{j}")[:n], None
    return getattr(block, f"C{j}")[: n * k].reshape(n, k), getattr(block, f"cols{j}")[:k]


class Part:
    """One side's columns s of the first layer (p 0: the caller's, 1: the helper's): its
    products and its update, by an SGD of its own over those columns. Its columns of W1
    (and their velocities) are an array of their own in the block, so every pass over
    them is contiguous."""

    def __init__(self, block: Block, p: int, s: slice, rule: tuple[float, ...]) -> None:
        self.block, self.s = block, s
        W = block.W1[p]
        d, w = W.shape
        velocities = None if block.vW1 is None else [block.vW1[p], block.vb1[s]]
        self.optimizer = SGD([W], [block.b1[s]], *rule, velocities=velocities)
        self.W = W
        self.rows = np.empty(d * w, W.dtype)  # W's active rows, flat
        self.dW = np.empty((d, w), W.dtype)  # the gradient of a compacted minibatch

    def set_rule(self, rule: tuple[float, ...]) -> None:
        """The optimizer's lr, momentum, l2, l1 (they may change between runs)."""
        opt = self.optimizer
        opt.lr, opt.momentum, opt.l2, opt.l1 = rule

    def forward(self, A: np.ndarray, cols: np.ndarray | None) -> None:
        """Z1[:, s] = A @ W1[cols, s]."""
        W = self.W
        if cols is not None:
            k, w = len(cols), W.shape[1]
            W = np.take(W, cols, axis=0, out=self.rows[: k * w].reshape(k, w), mode="clip")
        np.matmul(A, W, out=self.block.Z1[: len(A), self.s])

    def backward(self, A: np.ndarray, cols: np.ndarray | None) -> None:
        """W1's and b1's gradients in columns s, from dZ1, and their update."""
        dZ = self.block.dZ1[: len(A), self.s]
        dW = A.T @ dZ
        if cols is not None:  # a compacted minibatch: zero gradient in the inactive rows
            self.dW.fill(0)
            self.dW[cols] = dW
            dW = self.dW
        self.optimizer.step([dW], [dZ.sum(axis=0)])


def rule_of(opt: SGD) -> tuple[float, float, float, float]:
    return (opt.lr, opt.momentum, opt.l2, opt.l1)


def gather(X: np.ndarray, idx: np.ndarray, out: np.ndarray) -> None:
    """Rows idx of X into out. The indices come from a permutation of X's rows, so they are
    never out of range; with np.take's default mode ("raise") NumPy would gather into a
    temporary and copy it over."""
    np.take(X, idx, axis=0, out=out[: len(idx)], mode="clip")
