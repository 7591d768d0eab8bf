"""The first layer's units split over two threads, for training on two cores.

At MNIST's shapes a minibatch step is a handful of small matrix products. OpenBLAS's own
threads split each product and meet after every one of them, which costs about as much
as they save (see benchmarks/training_speed.md). Here the work is split once, by the
first hidden layer's units: thread 0 (the caller) owns units [0, h0) and the helper
thread units [h0, H). Each computes, for its own units and one BLAS thread,

- forward: its columns of Z1 = X @ W1;
- backward: its columns of W1's and b1's gradients (X.T @ dZ1 and the column sums of
  dZ1), and updates those columns.

In between, the caller alone runs the rest, with the Trainer's own loops: the first
layer's bias and activation, everything above it forward, the loss, and the backward pass
down to dZ1 (the first layer's delta), updating every layer above the first. Two
hand-overs per minibatch (helper -> caller after the forward part, caller -> helper with
dZ1), and the helper gathers the next minibatch's rows while the caller works alone. No
gradient has to be added across threads: the two halves of each product write disjoint
columns, so the result is the one-thread loop's up to float rounding. NumPy releases the
GIL inside matrix products and element-wise loops, so the threads run in parallel; what
costs is taking the GIL back after each call while the other thread holds it, so the
helper makes few calls (six a minibatch with plain SGD, three of them products).

Used by `Trainer` when the process may use two CPUs (it does not check that they are
idle) and the first layer is big enough for the split to pay; `Trainer.threads` and
$MLP_LAB_THREADS decide. Where it can, Trainer splits with a helper process instead
(mlp_core.split_process: no shared GIL, and compacted minibatches), which is faster; this
thread split is what it falls back to (other processors than x86-64, other systems than
Linux, no helper process could start) and what $MLP_LAB_SPLIT=thread asks for.
"""

from __future__ import annotations

import _thread
import os
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from mlp_core.training import Trainer

MIN_FLOPS = 4e6
"""Smallest first-layer forward product (2 * batch * inputs * units) worth splitting: below
it the two hand-overs per minibatch cost more than the second core saves."""
SHARE = 0.6
"""Fraction of the first layer's units the caller keeps (rounded to a multiple of 16: 64
of 100). The caller also runs everything between the hand-overs, and the helper gathers
the next minibatch meanwhile, so the helper gets fewer units. Measured at 784-100-10,
batch 100 (one timed run each, on a busy machine): 64 units 0.236 s an epoch, 56 units 0.240 s,
48 units 0.248 s; the caller gathering instead, 0.26-0.28 s."""


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


def wanted_split() -> str:
    """How to split over two CPUs: $MLP_LAB_SPLIT ("process" or "thread"), else "process"
    (mlp_core.split_process; Trainer falls back to threads where it is not available)."""
    raw = os.environ.get("MLP_LAB_SPLIT", "").strip().lower()
    return raw if raw in ("process", "thread") else "process"


def worth_splitting(sizes: Sequence[int], batch: int) -> bool:
    """Whether a net of layer `sizes` (inputs first) trains faster split at this batch."""
    return len(sizes) >= 3 and sizes[1] >= 2 and 2.0 * batch * sizes[0] * sizes[1] >= MIN_FLOPS


class SplitStep:
    """Runs minibatches of one Trainer with the first layer split over two threads."""

    def __init__(self, trainer: Trainer, share: float = SHARE) -> None:
        self.t = trainer
        model, B = trainer.model, len(trainer._ws.X)
        dtype, (d, H) = model.dtype, model.sizes[:2]
        h0 = min(max(_aligned(H * share), 1), H - 1)
        self.parts = (slice(0, h0), slice(h0, H))
        widths = (h0, H - h0)
        self.dW1 = [np.empty((d, w), dtype) for w in widths]
        self.db1 = [np.empty(w, dtype) for w in widths]
        self.X = [np.empty((B, d), dtype) for _ in range(3)]  # minibatch t in X[t % 3]
        self.dZ1: np.ndarray | None = None

    def close(self) -> None:
        """Nothing to end: the helper thread lives only during `run`."""

    # -- the two halves -----------------------------------------------------------------
    def _forward_part(self, p: int, X: np.ndarray) -> None:
        """This thread's columns of X @ W1 (bias and activation come in `_upper`)."""
        s = self.parts[p]
        np.matmul(X, self.t.model.W[0][:, s], out=self.t._ws.Z[0][: len(X), s])

    def _backward_part(self, p: int, X: np.ndarray) -> None:
        """This thread's columns of W1's and b1's gradients, and their update."""
        s, n, dZ1 = self.parts[p], len(X), self.dZ1[:, self.parts[p]]
        db1 = np.matmul(self.t._ws.ones[:n], dZ1, out=self.db1[p])
        self.t.optimizer.update_product(0, (slice(None), s), X, dZ1, self.dW1[p], s, db1)

    def _upper(self, y: np.ndarray) -> float:
        """The caller's part between the hand-overs: the first layer's bias and activation,
        everything above it forward and backward, and the first layer's delta (self.dZ1)."""
        tr, n = self.t, len(y)
        Z1 = tr._ws.Z[0][:n]
        Z1 += tr.model.b[0]
        A = tr._forward_from([None, tr._activate(0, Z1)])
        loss = tr._output_delta(A[-1], y)
        self.dZ1 = tr._backward(A, A[-1], stop=1)  # updates layers 2 and up
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

        def gather(i: int) -> None:
            """Minibatch i's rows into X[i % 3], then tell the caller."""
            if i < len(batches):
                gather_rows(Xall, batches[i], self.X[i % 3][: len(batches[i])])
                _signal(gathered[i % 2])

        def helper() -> None:
            try:
                for i in range(len(batches)):
                    if state["last"] < i:  # the caller stopped early or failed
                        return
                    X = self.X[i % 3][: len(batches[i])]
                    self._forward_part(1, X)
                    _signal(forward_done)
                    gather(i + 1)
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

        gather_rows(Xall, batches[0], self.X[0][: len(batches[0])])
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


def gather_rows(X: np.ndarray, idx: np.ndarray, out: np.ndarray) -> np.ndarray:
    """X[idx] into `out`: a minibatch's rows. The indices come from a permutation of X's
    rows, so they are never out of range; with np.take's default mode ("raise") NumPy
    would gather into a temporary and copy it over (550 gathers of 100 rows: 0.031 s an
    epoch against 0.022 s straight into `out`)."""
    return np.take(X, idx, axis=0, out=out, mode="clip")


def _aligned(units: float) -> int:
    """`units` rounded to a multiple of 16 (when that leaves some): OpenBLAS's float32
    kernels are about 20 % faster per column on 48 or 64 columns than on 44 or 60."""
    return round(units / 16) * 16 or round(units)


def _signal(lock: _thread.LockType) -> None:
    """Release a hand-over lock. In a normal run it is always held here (the threads take
    turns); after the caller stopped early it may not be, and then there is no one to wake."""
    if lock.locked():
        lock.release()
