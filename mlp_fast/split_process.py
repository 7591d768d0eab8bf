"""The first layer's units split with a helper process: the fast way to train on two cores.

The caller owns the first layer's units [0, h0), a helper process the units [h0, H);
the caller alone runs everything above the first layer's products (mlp_fast.layers:
the same arithmetic as mlp_core's step, from layer 1 up). A process, not a thread: two
threads share one interpreter lock. The two sides meet in a block of shared memory
(`os.memfd_create`; its layout and the first layer's numerics: mlp_fast.split_block)
through lock-free counters (mlp_fast.split_protocol). When the helper keeps waiting for
a core (another program has it), the run ends early with `busy` set and the back-end
trains on one thread for a while (mlp_fast.backend.FastBackend).

Per minibatch:

- the helper gathers the minibatch's rows, from a copy of the training examples in
  shared memory (one per examples array, shared by the runs that use it, as the worker
  pool's), and compacts them (only the columns some row uses);
- each side its columns of Z1 = X @ W1; the caller, once the helper's columns are in,
  the bias, the activation and everything above, down to dZ1, while the helper gathers
  and compacts the next minibatch; each side then its columns of W1's and b1's
  gradients and their update (an SGD over its own columns).

The first layer's weights, biases and velocities live in the shared block during a run
and are copied back into the model and the optimizer's velocities at its end, so the
model is always an ordinary array. What it computes is the plain step's arithmetic up
to rounding (tests/fast/test_split_process.py). Measurements:
benchmarks/training_speed.md.

Linux on x86-64 only (memfd, eventfd, x86's store order). The helper process starts at
a run's first minibatch (about 0.2 s, to import NumPy), waits on a pipe (no spinning)
between slices, and ends with its run, with the interpreter, or when the parent dies.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import platform
import select
import subprocess
import sys
import time
import traceback
import weakref
from collections.abc import Sequence

import numpy as np

from mlp_core.network import MLP
from mlp_core.optimizers import SGD
from mlp_core.training import AfterBatch, Minibatches, count_correct
from mlp_fast import layers, shared_data
from mlp_fast.processes import start_python
from mlp_fast.split_block import SLOTS, Block, Layout, Part, inputs, prepare, rule_of
from mlp_fast.split_protocol import ABORT, BWD, COMPACT, DELTA, FAILED, FWD, LAST, Side
from mlp_fast.threads import blas_found, one_blas_thread

SHARE = 0.5
"""Fraction of the first layer's units the caller keeps at batch 100 (rounded to a multiple
of 8: 48 of 100, 152 of 300). The caller also runs everything above the first layer; the
helper gathers and compacts the next minibatch meanwhile (the measurements that chose it:
benchmarks/training_speed.md)."""
SHARE_AT_1000 = 0.64
"""The same at batch 1000, where gathering and compacting 1,000 rows weigh more than the
caller's part; `share_for` interpolates on the logarithm of the batch size."""
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
START_TIMEOUT = 30.0
"""Seconds the helper may take to start (import NumPy) before the plain step is used."""


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


class _Abort(Exception):
    """The caller called the run off."""


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
        self.momentum = bool(optimizer.velocities())
        layout = Layout(batch, d, H, h0, model.dtype.name, self.momentum, len(X))
        self.examples = shared_data.shared(X)  # the copy the worker pool uses too
        flags = os.EFD_CLOEXEC | os.EFD_NONBLOCK
        efds = (os.eventfd(0, flags), os.eventfd(0, flags))  # the caller's, the helper's
        fd = os.memfd_create("mlp_fast-split", os.MFD_CLOEXEC)
        try:
            os.ftruncate(fd, layout.size())
            self._mm = mmap.mmap(fd, layout.size())
            self.proc = _start_helper((fd, *efds), self.examples.name, layout)
        except BaseException:
            for e in efds:
                os.close(e)
            raise
        finally:
            os.close(fd)
        self.block = Block(self._mm, layout)
        self.side = Side(self.block.counters, efds, helper=False)
        self.parts = (slice(0, h0), slice(h0, H))
        self.part = Part(self.block, 0, self.parts[0], rule_of(optimizer))
        self.upper = layers.Upper(model, optimizer)  # layers 1 and up, in this process
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
        self.block.counters[LAST] = len(job.batches) - 1
        sizes = [len(b) for b in job.batches]  # all sizes[0] but the last
        if max(sizes) > self.batch:
            raise ValueError(f"minibatches of {max(sizes)} exceed this split's {self.batch}")
        np.concatenate(job.batches, out=self.block.idx[: sum(sizes)])  # the helper gathers
        rule = " ".join(repr(v) for v in rule_of(self.optimizer))
        self._send(f"run {rule} {len(sizes)} {sizes[0]} {sizes[-1]}")
        try:
            done = self._batches(job, after_batch)
            self._wait(BWD, done)
            reply = self._reply()
            if reply != "ok":
                raise HelperFailed(f"the training helper process failed: {reply}")
        except BaseException:
            self.side.post(ABORT, 1)
            self._settle()
            raise
        finally:
            self._store()
        return done

    def _batches(self, job: Minibatches, after_batch: AfterBatch) -> int:
        """The caller's side of every minibatch; returns how many were trained."""
        block, c, side = self.block, self.block.counters, self.side
        done, start = 0, time.perf_counter()
        queued = queued_seconds(self.proc.pid)
        for i, idx in enumerate(job.batches):
            self._wait(COMPACT, i + 1)
            A, cols = inputs(block, i % SLOTS, len(idx))
            self.part.forward(A, cols)
            self._wait(FWD, i + 1)
            loss, correct = self._upper(job.y[idx], job.reduction)
            busy = i % 64 == 63 and self._busy_since(start, queued)
            if not after_batch(i, loss, correct) or busy:
                c[LAST] = i
            side.post(DELTA, i + 1)
            self.part.backward(A, cols)
            done = i + 1
            if c[LAST] <= i:
                break
        return done

    def _load(self) -> None:
        """The first layer's parameters (and velocities) into the block; the rule to use."""
        model, opt, block = self.model, self.optimizer, self.block
        block.ctl[:] = 0
        for p, s in enumerate(self.parts):
            block.W1[p][...] = model.W[0][:, s]
            if self.momentum:
                block.vW1[p][...] = opt.velocities()[0][:, s]
        block.b1[...] = model.b[0]
        if self.momentum:
            block.vb1[...] = opt.velocities()[1]
        self.part.set_rule(rule_of(opt))

    def _store(self) -> None:
        """The first layer's parameters (and velocities) back into the model and optimizer."""
        model, opt, block = self.model, self.optimizer, self.block
        for p, s in enumerate(self.parts):
            model.W[0][:, s] = block.W1[p]
            if self.momentum:
                opt.velocities()[0][:, s] = block.vW1[p]
        model.b[0][...] = block.b1
        if self.momentum:
            opt.velocities()[1][...] = block.vb1

    def _busy_since(self, start: float, queued: float | None) -> bool:
        """Whether the helper waited for a core more than BUSY_WAITING of the time since
        `start`, when it had waited `queued` seconds (then `busy` is set and the run ends
        here). Never where the kernel does not tell (no /proc/<pid>/schedstat)."""
        elapsed = time.perf_counter() - start
        if (
            elapsed < BUSY_MIN_RUN
            or queued is None
            or (now := queued_seconds(self.proc.pid)) is None
        ):
            return False
        self.busy = now - queued > BUSY_WAITING * elapsed
        return self.busy

    def _upper(self, y: np.ndarray, reduction: str) -> tuple[float, int]:
        """The caller's part between the hand-overs: the textbook step from layer 1 up, with
        the first layer's pre-activations in the shared block; dZ1 goes back into it."""
        model, n = self.model, len(y)
        Z1 = self.block.Z1[:n]
        Z1 += self.block.b1
        loss, A_L, dZ1 = self.upper.step(layers.activate(model, 0, Z1), y, reduction)
        self.block.dZ1[:n] = dZ1  # the parts update layer 0 from it
        return loss, count_correct(A_L, y)

    # -- talking to the helper -----------------------------------------------------------
    def _wait(self, slot: int, value: int) -> None:
        self.side.wait(slot, value, self._check)

    def _check(self, waited: float) -> None:
        if self.block.counters[FAILED]:
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


def queued_seconds(pid: int) -> float | None:
    """Seconds process `pid` has spent ready to run but waiting for a core (None: unknown)."""
    try:
        with open(f"/proc/{pid}/schedstat", "rb") as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return None


def _start_helper(fds: tuple[int, ...], examples: str, layout: Layout) -> subprocess.Popen:
    args = [str(v) for v in (*fds, os.getpid(), examples)] + layout.args()
    code = "import sys; from mlp_fast.split_process import serve; serve(sys.argv[1:])"
    proc = start_python(code, args, fds, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
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
    layout = Layout.parse(argv[5:])
    d, n, dtype = layout.d, layout.n, np.dtype(layout.dtype)
    mm = mmap.mmap(fd, layout.size())
    # the trainer's training examples, in the copy the worker pool shares (shm: kept open)
    shm, X = shared_data.SharedArray(argv[4], (n, d), dtype.str).attach()
    os.close(fd)
    block = Block(mm, layout)
    momentum = 0.9 if layout.momentum else 0.0  # the run's rule comes with each run
    part = Part(block, 1, slice(layout.h0, layout.H), (0.0, momentum, 0.0, 0.0))
    c = block.counters
    side = Side(c, (caller_efd, helper_efd), helper=True)

    def check(waited: float) -> None:
        if c[ABORT]:
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
                    rows, j = (last if i == count - 1 else size), i % SLOTS
                    if i == 0:
                        prepare(side, block, X, 0, size, rows)
                    A, cols = inputs(block, j, rows)
                    part.forward(A, cols)
                    side.post(FWD, i + 1)
                    if i + 1 < count:  # the next minibatch, while the caller runs the layers above
                        prepare(side, block, X, i + 1, size, last if i + 1 == count - 1 else size)
                    wait(DELTA, i + 1)
                    part.backward(A, cols)
                    side.post(BWD, i + 1)
                    if c[LAST] <= i:
                        break
                reply = b"ok"
            except _Abort:
                reply = b"aborted"
            except Exception as exc:  # told to the caller, which raises it
                side.post(FAILED, 1)
                detail = traceback.format_exception_only(exc)[-1].strip()
                reply = b"error " + detail.encode(errors="replace")
            out.write(reply + b"\n")
            out.flush()
