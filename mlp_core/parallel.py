"""The first layer's units split over two threads, for training on two cores.

At MNIST's shapes a minibatch step is a handful of small matrix products. OpenBLAS's own
threads split each product and meet after every one of them, which costs about as much
as they save (see benchmarks/training_speed.md). Here the work is split once, by the
first hidden layer's units: thread 0 (the caller) owns units [0, h0) and the helper
thread units [h0, H). Each computes, for its own units and one BLAS thread,

- forward: its columns of A1 = f(X @ W1 + b1);
- backward: dA1 = dZ2 @ W2[own rows].T, then its rows of W2, its columns of W1 and its
  part of b1 are updated.

In between, the caller alone runs everything above the first hidden layer: the forward
pass from layer 2 up, the loss, and the backward pass down to dZ2 (the delta at layer 2),
updating those layers and b2. Two hand-overs per minibatch (helper -> caller after the
forward part, caller -> helper with dZ2), and the helper gathers the next minibatch's
rows while the caller works alone. No gradient has to be added across threads: the two
halves of each product write disjoint parts, so the result is the serial computation's up
to float rounding (layer 2's input product is summed over the two halves). NumPy releases
the GIL inside matrix products and element-wise loops, so the threads run in parallel.

Used by `Trainer` when the process may use two CPUs (it does not check that they are
idle) and the first layer is big enough for the split to pay; `Trainer.threads` and
$MLP_LAB_THREADS decide.
"""

from __future__ import annotations

import _thread
import os
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from mlp_core.activations import ACTIVATIONS

if TYPE_CHECKING:
    from mlp_core.training import Trainer

MIN_FLOPS = 4e6
"""Smallest first-layer forward product (2 * batch * inputs * units) worth splitting: below
it the two hand-overs per minibatch cost more than the second core saves."""
SHARE = 0.6
"""Fraction of the first layer's units the caller keeps (rounded to a multiple of 16: 64
of 100). The helper also gathers the next minibatch while the caller runs the layers
above, so it gets fewer units. Measured at 784-100-10, batch 100: 64 units 0.226 s an
epoch, 48 units 0.240 s; the caller gathering instead, 0.26-0.28 s."""


def wanted_threads() -> int:
    """Threads for training: $MLP_LAB_THREADS (1 or 2) if set, else 2 when this process may
    use at least two CPUs."""
    raw = os.environ.get("MLP_LAB_THREADS", "").strip()
    if raw in ("1", "2"):
        return int(raw)
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        cpus = os.cpu_count() or 1
    return 2 if cpus >= 2 else 1


def worth_splitting(sizes: Sequence[int], batch: int) -> bool:
    """Whether a net of layer `sizes` (inputs first) trains faster split at this batch."""
    return len(sizes) >= 3 and sizes[1] >= 2 and 2.0 * batch * sizes[0] * sizes[1] >= MIN_FLOPS


class SplitStep:
    """Runs minibatches of one Trainer with the first layer split over two threads."""

    def __init__(self, trainer: Trainer, share: float = SHARE) -> None:
        self.t = trainer
        model, B = trainer.model, len(trainer._ws.X)
        dtype, sizes = model.dtype, model.sizes
        d, H, k2 = sizes[0], sizes[1], sizes[2]
        h0 = min(max(_aligned(H * share), 1), H - 1)
        self.parts = (slice(0, h0), slice(h0, H))
        widths = (h0, H - h0)
        self.A = [np.empty((B, w), dtype) for w in widths]  # each thread's columns of A1
        self.dA = [np.empty((B, w), dtype) for w in widths]
        self.dW1 = [np.empty((d, w), dtype) for w in widths]
        self.db1 = [np.empty(w, dtype) for w in widths]
        self.dW2 = [np.empty((w, k2), dtype) for w in widths]
        self.X = [np.empty((B, d), dtype) for _ in range(3)]  # minibatch t in X[t % 3]
        self.Z2_other = np.empty((B, k2), dtype)
        self.dZ2: np.ndarray | None = None

    # -- the two halves -----------------------------------------------------------------
    def _forward_part(self, p: int, X: np.ndarray) -> None:
        model, s = self.t.model, self.parts[p]
        A = np.matmul(X, model.W[0][:, s], out=self.A[p][: len(X)])
        A += model.b[0][s]
        ACTIVATIONS[model.activation].forward(A)

    def _backward_part(self, p: int, X: np.ndarray) -> None:
        model, opt, s, n = self.t.model, self.t.optimizer, self.parts[p], len(X)
        dZ2, A = self.dZ2, self.A[p][:n]
        dA = np.matmul(dZ2, model.W[1][s].T, out=self.dA[p][:n])  # before W2's update
        opt.update_part(1, (s,), np.matmul(A.T, dZ2, out=self.dW2[p]))
        dZ1 = ACTIVATIONS[model.activation].backward(dA, A)
        dW1 = np.matmul(X.T, dZ1, out=self.dW1[p])
        db1 = np.matmul(self.t._ws.ones[:n], dZ1, out=self.db1[p])
        opt.update_part(0, (slice(None), s), dW1, s, db1)

    def _upper(self, y: np.ndarray) -> float:
        """The caller's part: layers 2 and up, forward and backward; sets self.dZ2."""
        tr = self.t
        model, ws, n = tr.model, tr._ws, len(y)
        W2 = model.W[1]
        Z = np.matmul(self.A[0][:n], W2[self.parts[0]], out=ws.Z[1][:n])
        Z += np.matmul(self.A[1][:n], W2[self.parts[1]], out=self.Z2_other[:n])
        Z += model.b[1]
        A = tr._forward_from([None, None, tr._activate(1, Z)])
        dZ = A[-1]
        loss = tr._output_delta(dZ, y)
        dZ = tr._backward(A, dZ, stop=2)  # the layers above layer 2; dZ is now layer 2's
        db2 = np.matmul(ws.ones[:n], dZ, out=ws.db[1])
        tr.optimizer.update_part(1, None, None, (), db2)  # W2 is updated in halves
        self.dZ2 = dZ
        return loss

    # -- a run of minibatches ---------------------------------------------------------------
    def run(
        self,
        batches: Sequence[np.ndarray],
        after_batch: Callable[[int, float], bool],
    ) -> int:
        """Train on `batches` (index arrays into the trainer's X) in order.

        `after_batch(i, loss)` is called by the caller's thread once batch i's loss is known
        and before its first-layer update; it returns False to make batch i the last.
        Returns how many batches were trained (all of them have been applied in full).
        """
        if not batches:
            return 0
        Xall = self.t.X
        forward_done = _thread.allocate_lock()
        delta_ready = _thread.allocate_lock()
        gathered = [_thread.allocate_lock(), _thread.allocate_lock()]
        for lock in (forward_done, delta_ready, *gathered):
            lock.acquire()
        state = {"last": len(batches) - 1, "error": None}

        def helper() -> None:
            try:
                for i in range(len(batches)):
                    if state["last"] < i:  # the caller stopped early or failed
                        return
                    X = self.X[i % 3][: len(batches[i])]
                    self._forward_part(1, X)
                    _signal(forward_done)
                    if i + 1 < len(batches):  # the next batch, while the caller works alone
                        nxt = batches[i + 1]
                        np.take(Xall, nxt, axis=0, out=self.X[(i + 1) % 3][: len(nxt)])
                        _signal(gathered[(i + 1) % 2])
                    delta_ready.acquire()
                    if state["error"] is not None or i > state["last"]:
                        return
                    self._backward_part(1, X)
                    if i == state["last"]:
                        return
            except BaseException as exc:  # handed to the caller, which re-raises it
                state["error"] = exc
                for lock in (forward_done, *gathered):  # wake the caller wherever it waits
                    if lock.locked():
                        lock.release()

        np.take(Xall, batches[0], axis=0, out=self.X[0][: len(batches[0])])
        worker = threading.Thread(target=helper, name="mlp_core-split", daemon=True)
        worker.start()
        done = 0
        try:
            for i, idx in enumerate(batches):
                if i:
                    gathered[i % 2].acquire()
                    self._raise_helper_error(state)
                X = self.X[i % 3][: len(idx)]
                self._forward_part(0, X)
                forward_done.acquire()
                self._raise_helper_error(state)
                loss = self._upper(self.t.y[idx])
                if not after_batch(i, loss):
                    state["last"] = i
                delta_ready.release()
                self._backward_part(0, X)
                done = i + 1
                if i == state["last"]:
                    break
        except BaseException as exc:
            if state["error"] is None:
                state["error"] = exc
            state["last"] = -1
            if delta_ready.locked():
                delta_ready.release()
            worker.join()
            raise
        worker.join()
        self._raise_helper_error(state)
        return done

    @staticmethod
    def _raise_helper_error(state: dict) -> None:
        if state["error"] is not None:
            raise RuntimeError("the training helper thread failed") from state["error"]


def _aligned(units: float) -> int:
    """`units` rounded to a multiple of 16 (when that leaves some): OpenBLAS's float32
    kernels are about 20 % faster per column on 48 or 64 columns than on 44 or 60."""
    return round(units / 16) * 16 or round(units)


def _signal(lock: _thread.LockType) -> None:
    """Release a hand-over lock. In a normal run it is always held here (the threads take
    turns); after the caller stopped early it may not be, and then there is no one to wake."""
    if lock.locked():
        lock.release()
