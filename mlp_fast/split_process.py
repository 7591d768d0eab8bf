"""The first layer's units split with a helper process: the fast way to train on two cores.

The caller owns the first layer's units [0, h0), a helper process the units [h0, H);
the caller alone runs everything above the first layer's products, through the model's
own `forward`/`backward` (from layer 1 up) and the optimizer's `step`. A process, not a
thread: two threads share one interpreter lock, and waking a waiting thread costs 10-40
us on these virtual machines, a few hundred times a second. The two sides meet through
a block of shared memory (`os.memfd_create`): the arrays they exchange and a few
counters each side spins on until the other has written its part, so a hand-over costs
well under a microsecond. A side that has spun for SPIN seconds sleeps on an eventfd
until the other wakes it; when the helper keeps waiting for a core (another program
has it), the run ends early with `busy` set and the back-end trains on one thread for
a while (mlp_fast.FastBackend).

Per minibatch:

- the helper gathers the minibatch's rows, from a copy of the training examples in
  shared memory (one per examples array, shared by the runs that use it), and compacts
  them: MNIST's margins leave about a third of the 784 pixels zero in all of 100
  digits, and a zero input column adds nothing to X @ W1 and leaves its row of W1's
  gradient zero, so both sides multiply only the active columns;
- each side its columns of Z1 = X @ W1; the caller, once the helper's columns are in,
  the bias, the activation and everything above, down to dZ1, while the helper gathers
  and compacts the next minibatch; each side then its columns of W1's and b1's
  gradients and their update (an SGD over its own columns).

The first layer's weights, biases and velocities live in the shared block during a run
and are copied back into the model at its end, so the model is always an ordinary array.
What it computes is the plain step's arithmetic up to the order of float additions
(tests/fast/test_split_process.py). Measurements: benchmarks/training_speed.md.

The counters are plain 8-byte stores and loads, which x86-64 keeps in program order
between cores; on other processors they would need fences, so there `available()` is
False. Linux only (memfd). The helper process starts at a run's first minibatch (about
0.2 s, to import NumPy), waits on a pipe (no spinning) between slices, and ends with
its run, with the interpreter, or when the parent dies.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import platform
import select
import subprocess
import sys
import threading
import time
import traceback
import weakref
from collections.abc import Callable, Sequence
from dataclasses import astuple, dataclass
from pathlib import Path

import numpy as np

from mlp_core.losses import LOSSES
from mlp_core.network import MLP
from mlp_core.optimizers import SGD
from mlp_core.training import AfterBatch, Minibatches, count_correct
from mlp_fast import pool
from mlp_fast.threads import blas_found, one_blas_thread

SHARE = 0.5
"""Fraction of the first layer's units the caller keeps at batch 100 (rounded to a multiple
of 8: 48 of 100, 152 of 300). The caller also runs everything above the first layer; the
helper gathers and compacts the next minibatch meanwhile (the measurements that chose it:
benchmarks/training_speed.md)."""
SHARE_AT_1000 = 0.64
"""The same at batch 1000, where gathering and compacting 1,000 rows weigh more than the
caller's part; `share_for` interpolates on the logarithm of the batch size."""
COMPACT_AT = 0.9
"""A minibatch is compacted when at most this fraction of its input columns are active."""
BUSY_WAITING = 0.25
"""The helper waiting for a core more than this fraction of a run's time means its core
is busy with something else: the kernel's own count of the time the helper was ready to
run but not running (/proc/<pid>/schedstat; measured for a CPU-bound process: 0.00 with
a core to itself, 0.50 beside another one of the same priority on its core). A run
checks every 64 minibatches once it has lasted BUSY_MIN_RUN seconds; when it is so, the
run ends there with `busy` set, and the back-end trains on one thread for BUSY_PAUSE
seconds. (How long the caller waits for the helper does not tell: on an idle 2-core VM
it waited 25-58 % of each minibatch, depending on its share and on where the host placed
the two vCPUs.)"""
BUSY_MIN_RUN = 0.1
"""Seconds a run lasts before it is judged: shorter stretches are too noisy (a helper
descheduled for a few ms by the host is not a busy machine)."""
BUSY_PAUSE = 5.0
"""Seconds of one-thread training after the helper's core was found busy; then the split
is tried again."""
SPIN = 2e-4
"""Seconds a side spins for the other before it sleeps (see _Side)."""
START_TIMEOUT = 30.0
"""Seconds the helper may take to start (import NumPy) before the plain step is used."""

# Counters in the shared block (int64 each). Batch i of a run is done when a counter
# reaches i + 1.
_COMPACT, _FWD, _DELTA, _BWD, _LAST, _ABORT, _FAILED, _CALLER_PARKED, _HELPER_PARKED = range(9)
_CTL = 16  # counters reserved
_SLOTS = 3  # the helper gathers minibatch i + 1 while the caller may still use i's


def share_for(batch: int) -> float:
    """The caller's share of the first layer's units at this batch size."""
    t = min(max(np.log10(batch / 100), 0.0), 1.0)
    return SHARE + (SHARE_AT_1000 - SHARE) * float(t)


def available() -> bool:
    """Whether this machine can run the process split (Linux memfd, x86-64 ordering, a
    BLAS whose threads threadpoolctl can limit)."""
    return (
        hasattr(os, "memfd_create")
        and hasattr(os, "eventfd")
        and platform.machine().lower() in ("x86_64", "amd64")
        and blas_found()
    )


class HelperFailed(RuntimeError):
    """The helper process failed or died during a run."""


# -- the shared block ----------------------------------------------------------------------
class _Block:
    """Views of the shared block: first-layer parameters, the exchanged arrays, counters."""

    def __init__(self, buf, layout: _Layout) -> None:
        self.ctl = np.ndarray((_CTL,), np.int64, buf, 0)
        self.counters = memoryview(buf)[: _CTL * 8].cast("q")  # faster to poll than ctl
        offset = _CTL * 8
        for name, shape, dt in layout.fields():
            arr = np.ndarray(shape, dt, buf, offset)
            setattr(self, name, arr)
            offset += _aligned_size(arr.nbytes)
        self.W1 = (self.W1_0, self.W1_1)  # each side's columns of W1, contiguous
        self.vW1 = (self.vW1_0, self.vW1_1) if layout.momentum else None
        self.vb1 = getattr(self, "vb1", None)


@dataclass(frozen=True)
class _Layout:
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
        for j in range(_SLOTS):  # minibatch i in slot i % 3
            out += [
                (f"X{j}", (B, d), dt),  # its rows
                (f"C{j}", (B * d,), dt),  # its active columns, (n, k) in the front
                (f"cols{j}", (d,), np.dtype(np.int64)),  # which columns those are
                (f"k{j}", (1,), np.dtype(np.int64)),  # how many (-1: not compacted)
            ]
        return out

    def size(self) -> int:
        return _CTL * 8 + sum(
            _aligned_size(int(np.prod(shape)) * dt.itemsize) for _, shape, dt in self.fields()
        )

    def args(self) -> list[str]:
        return [str(v) for v in astuple(self)]

    @classmethod
    def parse(cls, args: Sequence[str]) -> _Layout:
        B, d, H, h0, dtype, momentum, n = args
        return cls(int(B), int(d), int(H), int(h0), dtype, momentum == "True", int(n))


def _aligned_size(nbytes: int) -> int:
    return (nbytes + 63) // 64 * 64  # a cache line each: no two arrays share one


def _compact(block: _Block, j: int, n: int) -> None:
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


def _prepare(side: _Side, block: _Block, X: np.ndarray, i: int, size: int, rows: int) -> None:
    """Minibatch i of the run (`rows` examples, all before it `size`): its rows of X into
    its slot, compacted; then tell the caller."""
    j = i % _SLOTS
    _gather(X, block.idx[i * size : i * size + rows], getattr(block, f"X{j}"))
    _compact(block, j, rows)
    side.post(_COMPACT, i + 1)


def _inputs(block: _Block, j: int, n: int) -> tuple[np.ndarray, np.ndarray | None]:
    """Slot j's input to the first layer's products, and its active columns (None: all)."""
    k = int(getattr(block, f"k{j}")[0])
    if k < 0:
        return getattr(block, f"X{j}")[:n], None
    return getattr(block, f"C{j}")[: n * k].reshape(n, k), getattr(block, f"cols{j}")[:k]


class _Part:
    """One side's columns s of the first layer (p 0: the caller's, 1: the helper's): its
    products and its update, by an SGD of its own over those columns. Its columns of W1
    (and their velocities) are an array of their own in the block, so every pass over
    them is contiguous."""

    def __init__(self, block: _Block, p: int, s: slice, rule: tuple[float, ...]) -> None:
        self.block, self.s = block, s
        W = block.W1[p]
        d, w = W.shape
        self.optimizer = SGD([W], [block.b1[s]], *rule)
        if block.vW1 is not None:  # the velocities live in the block too
            self.optimizer.vW, self.optimizer.vb = [block.vW1[p]], [block.vb1[s]]
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


def _rule(opt: SGD) -> tuple[float, float, float, float]:
    return (opt.lr, opt.momentum, opt.l2, opt.l1)


class _Abort(Exception):
    """The caller called the run off."""


class _Side:
    """One side's hand-overs: it posts the counters the other side waits for, and waits for
    the other side's. A wait spins for up to SPIN seconds (a hand-over on an idle machine
    takes a microsecond), then sleeps on the side's eventfd, which the other side writes
    to when it finds the sleeper's flag set: when the machine is busy, a side whose
    partner is not running gives its core away instead of spinning through it."""

    def __init__(self, counters: memoryview, efds: tuple[int, int], helper: bool) -> None:
        self.c = counters
        self.efd, self.other_efd = efds[::-1] if helper else efds
        self.parked, self.other_parked = (
            (_HELPER_PARKED, _CALLER_PARKED) if helper else (_CALLER_PARKED, _HELPER_PARKED)
        )

    def post(self, slot: int, value: int) -> None:
        c = self.c
        c[slot] = value
        _fence()  # the store above before the load below (x86 may swap a store and a load)
        if c[self.other_parked]:
            os.eventfd_write(self.other_efd, 1)

    def wait(self, slot: int, value: int, check: Callable[[float], None]) -> None:
        """Until counter `slot` reaches `value`; `check(seconds waited)` now and then may
        raise."""
        c = self.c
        if c[slot] >= value:
            return
        start, spins = time.perf_counter(), 0
        while c[slot] < value:
            spins += 1
            if spins & 0x3F == 0:
                waited = time.perf_counter() - start
                if waited > SPIN:
                    self._sleep(slot, value, check, start)
                    return
                check(waited)

    def _sleep(self, slot: int, value: int, check: Callable[[float], None], start: float) -> None:
        c = self.c
        try:
            while True:
                c[self.parked] = 1
                _fence()
                if c[slot] >= value:
                    return
                if select.select([self.efd], [], [], 0.002)[0]:  # 2 ms: a backstop only
                    with contextlib.suppress(BlockingIOError):
                        os.eventfd_read(self.efd)
                if c[slot] >= value:
                    return
                check(time.perf_counter() - start)
        finally:
            c[self.parked] = 0


_FENCE = threading.Lock()


def _fence() -> None:
    """A full memory fence: taking a lock is a locked instruction."""
    _FENCE.acquire()
    _FENCE.release()


# -- the caller's side ------------------------------------------------------------------------
class ProcessSplit:
    """Runs minibatches of one model and optimizer with the first layer split with a
    helper process. `batch` is the largest minibatch it will get."""

    def __init__(
        self, model: MLP, optimizer: SGD, X: np.ndarray, batch: int, share: float | None = None
    ) -> None:
        if not available():
            raise OSError("the process split needs Linux on x86-64 and a BLAS threadpoolctl finds")
        self.model, self.optimizer, self.X, self.batch = model, optimizer, X, batch
        d, H = model.sizes[:2]
        share = share_for(batch) if share is None else share
        h0 = min(max(round(H * share / 8) * 8 or round(H * share), 1), H - 1)
        self.momentum = optimizer.vW is not None
        layout = _Layout(batch, d, H, h0, model.dtype.name, self.momentum, len(X))
        self._examples = pool.shared(X)  # the copy the worker pool uses too
        flags = os.EFD_CLOEXEC | os.EFD_NONBLOCK
        efds = (os.eventfd(0, flags), os.eventfd(0, flags))  # the caller's, the helper's
        fd = os.memfd_create("mlp_fast-split", os.MFD_CLOEXEC)
        try:
            os.ftruncate(fd, layout.size())
            self._mm = mmap.mmap(fd, layout.size())
            self.proc = _start_helper((fd, *efds), self._examples.name, layout)
        except BaseException:
            for e in efds:
                os.close(e)
            raise
        finally:
            os.close(fd)
        self.block = _Block(self._mm, layout)
        self.side = _Side(self.block.counters, efds, helper=False)
        self.parts = (slice(0, h0), slice(h0, H))
        self.part = _Part(self.block, 0, self.parts[0], _rule(optimizer))
        self._finalizer = weakref.finalize(self, _stop_helper, self.proc, efds)
        self.busy = False  # set by a run that found the helper's core busy (BUSY_WAITING)

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        """End the helper process (also done when the split is garbage collected)."""
        self._finalizer()

    def run(self, job: Minibatches, after_batch: AfterBatch) -> int:
        """Train on `job.batches` in order (the Backend interface of mlp_core.training).
        Returns how many batches were trained, all in full."""
        if not job.batches:
            return 0
        if not self.alive:
            raise HelperFailed("the training helper process is not running")
        self._load()
        self.block.counters[_LAST] = len(job.batches) - 1
        sizes = [len(b) for b in job.batches]  # all sizes[0] but the last
        if max(sizes) > self.batch:
            raise ValueError(f"minibatches of {max(sizes)} exceed this split's {self.batch}")
        np.concatenate(job.batches, out=self.block.idx[: sum(sizes)])  # the helper gathers
        rule = " ".join(repr(v) for v in _rule(self.optimizer))
        self._send(f"run {rule} {len(sizes)} {sizes[0]} {sizes[-1]}")
        try:
            done = self._batches(job, after_batch)
            self._wait(_BWD, done)
            reply = self._reply()
            if reply != "ok":
                raise HelperFailed(f"the training helper process failed: {reply}")
        except BaseException:
            self.side.post(_ABORT, 1)
            self._settle()
            raise
        finally:
            self._store()
        return done

    def _batches(self, job: Minibatches, after_batch: AfterBatch) -> int:
        """The caller's side of every minibatch; returns how many were trained."""
        block, c, side = self.block, self.block.counters, self.side
        done, start = 0, time.perf_counter()
        queued = _queued(self.proc.pid)
        for i, idx in enumerate(job.batches):
            self._wait(_COMPACT, i + 1)
            A, cols = _inputs(block, i % _SLOTS, len(idx))
            self.part.forward(A, cols)
            self._wait(_FWD, i + 1)
            loss, correct = self._upper(job.y[idx], job.reduction)
            busy = i % 64 == 63 and self._busy_since(start, queued)
            if not after_batch(i, loss, correct) or busy:
                c[_LAST] = i
            side.post(_DELTA, i + 1)
            self.part.backward(A, cols)
            done = i + 1
            if c[_LAST] <= i:
                break
        return done

    def _load(self) -> None:
        """The first layer's parameters (and velocities) into the block; the rule to use."""
        model, opt, block = self.model, self.optimizer, self.block
        block.ctl[:] = 0
        for p, s in enumerate(self.parts):
            block.W1[p][...] = model.W[0][:, s]
            if self.momentum:
                block.vW1[p][...] = opt.vW[0][:, s]
        block.b1[...] = model.b[0]
        if self.momentum:
            block.vb1[...] = opt.vb[0]
        self.part.set_rule(_rule(opt))

    def _store(self) -> None:
        """The first layer's parameters (and velocities) back into the model and optimizer."""
        model, opt, block = self.model, self.optimizer, self.block
        for p, s in enumerate(self.parts):
            model.W[0][:, s] = block.W1[p]
            if self.momentum:
                opt.vW[0][:, s] = block.vW1[p]
        model.b[0][...] = block.b1
        if self.momentum:
            opt.vb[0][...] = block.vb1

    def _busy_since(self, start: float, queued: float | None) -> bool:
        """Whether the helper waited for a core more than BUSY_WAITING of the time since
        `start`, when it had waited `queued` seconds (then `busy` is set and the run ends
        here). Never where the kernel does not tell (no /proc/<pid>/schedstat)."""
        elapsed = time.perf_counter() - start
        if elapsed < BUSY_MIN_RUN or queued is None or (now := _queued(self.proc.pid)) is None:
            return False
        self.busy = now - queued > BUSY_WAITING * elapsed
        return self.busy

    def _upper(self, y: np.ndarray, reduction: str) -> tuple[float, int]:
        """The caller's part between the hand-overs: the textbook step from layer 1 up, with
        the first layer's pre-activations in the shared block; dZ1 goes back into it."""
        model, n = self.model, len(y)
        Z1 = self.block.Z1[:n]
        Z1 += self.block.b1
        A = model.forward(model.activate(0, Z1), first=1)  # [A1, A2, ..., A_L]
        loss, dZ = LOSSES[model.loss].delta(A[-1], y, reduction)
        dW, db = model.backward(A, dZ, first=1, dZ_below=self.block.dZ1[:n])
        self.optimizer.step(dW, db)  # layers 1 and up; the parts update layer 0
        return loss, count_correct(A[-1], y)

    # -- talking to the helper -----------------------------------------------------------
    def _wait(self, slot: int, value: int) -> None:
        self.side.wait(slot, value, self._check)

    def _check(self, waited: float) -> None:
        if self.block.counters[_FAILED]:
            raise HelperFailed(f"the training helper process failed: {self._reply()}")
        if self.proc.poll() is not None:
            raise HelperFailed(
                f"the training helper process ended (exit code {self.proc.returncode})"
            )

    def _send(self, line: str) -> None:
        try:
            self.proc.stdin.write(line.encode() + b"\n")
            self.proc.stdin.flush()
        except OSError as exc:
            raise HelperFailed(f"the training helper process is gone ({exc})") from exc

    def _reply(self, timeout: float = 30.0) -> str:
        """The helper's answer to the run: 'ok', 'aborted' or the error it met."""
        out = self.proc.stdout
        ready, _, _ = select.select([out], [], [], timeout)
        line = out.readline().decode(errors="replace").strip() if ready else ""
        if line == "ok":
            return line
        if not line:
            _stop_helper(self.proc)
            raise HelperFailed("the training helper process stopped answering")
        return line.removeprefix("error ")

    def _settle(self) -> None:
        """After an error on the caller's side: let the helper finish or abort its run, or
        end it if it does not answer."""
        with contextlib.suppress(HelperFailed):
            self._reply(timeout=5.0)


def _queued(pid: int) -> float | None:
    """Seconds process `pid` has spent ready to run but waiting for a core (None: unknown)."""
    try:
        with open(f"/proc/{pid}/schedstat", "rb") as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return None


def _gather(X: np.ndarray, idx: np.ndarray, out: np.ndarray) -> None:
    """Rows idx of X into out. The indices come from a permutation of X's rows, so they are
    never out of range; with np.take's default mode ("raise") NumPy would gather into a
    temporary and copy it over."""
    np.take(X, idx, axis=0, out=out[: len(idx)], mode="clip")


def _start_helper(fds: tuple[int, ...], examples: str, layout: _Layout) -> subprocess.Popen:
    root = str(Path(__file__).resolve().parent.parent)
    path = os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": path, "OPENBLAS_NUM_THREADS": "1"}
    args = [str(v) for v in (*fds, os.getpid(), examples)] + layout.args()
    code = "import sys; from mlp_fast.split_process import serve; serve(sys.argv[1:])"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        pass_fds=fds,
        env=env,
    )
    ready, _, _ = select.select([proc.stdout], [], [], START_TIMEOUT)
    line = proc.stdout.readline().strip() if ready else b""
    if line != b"ready":
        _stop_helper(proc)
        said = line.decode(errors="replace")
        raise OSError(f"the training helper process did not start ({said!r})")
    return proc


def _stop_helper(proc: subprocess.Popen, fds: Sequence[int] = ()) -> None:
    """Close the helper's pipe (it exits at once when idle), then make sure it is gone;
    close `fds` (the eventfds) after it."""
    if proc.poll() is None:
        with contextlib.suppress(OSError):
            proc.stdin.close()
        try:
            proc.wait(timeout=2.0)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    for pipe in (proc.stdin, proc.stdout):
        with contextlib.suppress(OSError):
            pipe.close()
    for fd in fds:
        with contextlib.suppress(OSError):
            os.close(fd)


# -- the helper's side ---------------------------------------------------------------------
def serve(argv: Sequence[str]) -> None:
    """The helper process: map the block, then run what the caller sends, until EOF."""
    fd, caller_efd, helper_efd, parent = (int(a) for a in argv[:4])
    layout = _Layout.parse(argv[5:])
    d, n, dtype = layout.d, layout.n, np.dtype(layout.dtype)
    mm = mmap.mmap(fd, layout.size())
    # the trainer's training examples, in the copy the worker pool shares (shm: kept open)
    shm, X = pool.SharedArray(argv[4], (n, d), dtype.str).attach()
    os.close(fd)
    block = _Block(mm, layout)
    momentum = 0.9 if layout.momentum else 0.0  # the run's rule comes with each run
    part = _Part(block, 1, slice(layout.h0, layout.H), (0.0, momentum, 0.0, 0.0))
    c = block.counters
    side = _Side(c, (caller_efd, helper_efd), helper=True)

    def check(waited: float) -> None:
        if c[_ABORT]:
            raise _Abort
        if waited > 0.05 and os.getppid() != parent:  # the caller is gone
            raise SystemExit(0)

    def wait(slot: int, value: int) -> None:
        side.wait(slot, value, check)

    out = sys.stdout.buffer
    out.write(b"ready\n")
    out.flush()
    with one_blas_thread():
        for line in sys.stdin.buffer:
            _, *rule, count, size, last = line.split()
            part.set_rule(tuple(float(v) for v in rule))
            count, size, last = int(count), int(size), int(last)

            try:
                for i in range(count):
                    rows, j = (last if i == count - 1 else size), i % _SLOTS
                    if i == 0:
                        _prepare(side, block, X, 0, size, rows)
                    A, cols = _inputs(block, j, rows)
                    part.forward(A, cols)
                    side.post(_FWD, i + 1)
                    if i + 1 < count:  # the next minibatch, while the caller runs the layers above
                        _prepare(side, block, X, i + 1, size, last if i + 1 == count - 1 else size)
                    wait(_DELTA, i + 1)
                    part.backward(A, cols)
                    side.post(_BWD, i + 1)
                    if c[_LAST] <= i:
                        break
                reply = b"ok"
            except _Abort:
                reply = b"aborted"
            except Exception as exc:  # told to the caller, which raises it
                side.post(_FAILED, 1)
                detail = traceback.format_exception_only(exc)[-1].strip()
                reply = b"error " + detail.encode(errors="replace")
            out.write(reply + b"\n")
            out.flush()
