"""Choosing and running a back-end for a run: the process split, the pool or the plain step.

`choose()` is the one place that picks a back-end for a new run (the app's Train page
and `python -m mlp_lab train` call it):

- `FastBackend`, which decides before every stretch of minibatches:
  - the first layer's units split with a helper process (mlp_fast.split_process) when
    the run is alone: the network is big enough for that to pay, no other run of this
    process is training, and the helper's core was not found busy lately;
  - else the pool of worker processes (mlp_fast.pool), one per core, which trains the
    runs of a whole class in fair turns outside the server's interpreter lock (a run
    that joins a class closes its split helper);
  - else (no pool on this system) the same step in this process, on one thread.
  The pool and this process run mlp_core's own `PlainStep` (the code the Train page
  shows), so they agree to the bit with each other and with `OneThread`.
- `OneThread`: `mlp_core.training.PlainStep` in this process on one BLAS thread, when
  $MLP_LAB_FAST=0 switches the rest off: exactly the code students read.

`choose(exact=True)` never splits: its run goes to the pool (or the same step here) for
its whole life, whatever else trains. The pool and this process run the same code on one
BLAS thread and agree to the bit; the split adds the first layer's products in another
order (compacted columns), so a run that took it for some minibatches ends a few
hundredths of a point away (97.76-97.97 % for the defaults, seed 1, on one server). A
class challenge's runs are exact, so the teacher can re-train any submission and get its
weights bit for bit (tests/fast/test_exact.py).

`describe()` says which trained, and for what share of the minibatches.
"""

from __future__ import annotations

import math
import os
import threading
import time
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from mlp_core.training import AfterBatch, Minibatches, PlainStep
from mlp_fast import pool, split_process
from mlp_fast.processes import cpus
from mlp_fast.threads import one_blas_thread, one_blas_thread_from_now

ENV = "MLP_LAB_FAST"
"""Environment variable: 0 (or off, no, false) switches the fast back-end off."""
ACTIVE_WINDOW = 2.0
"""Seconds after its last minibatch that a run still counts as training (the Train page
steps in slices of half a second, with redraws between them)."""
MIN_FLOPS = 4e6
"""Smallest first-layer forward product (2 * batch * inputs * units) worth splitting: below
it the two hand-overs per minibatch cost more than the second core saves."""
PLAIN = "plain NumPy step (1 thread)"
SPLIT = "fast back-end (2 processes)"
POOL = "plain NumPy step in the server's worker pool"
CLASS = "other runs were training in this server: they share its cores in turns"
EXACT = "exact: one route for the whole run, the same bits whoever else trains"

_RUNS: weakref.WeakSet = weakref.WeakSet()
_RUNS_LOCK = threading.Lock()
"""Guards `_RUNS`: each session's run starts in its own script thread, and a WeakSet
that gains a member while another thread iterates it raises RuntimeError (seen with a
class of thirty pressing Start together)."""


def choose(exact: bool = False) -> OneThread | FastBackend:
    """The back-end for a new training run; `exact`: never the split (see above)."""
    if _switched_off():
        return OneThread(f"the fast back-end is switched off: {ENV}=0")
    return FastBackend(exact=exact)


def _switched_off() -> bool:
    return os.environ.get(ENV, "").strip().lower() in ("0", "off", "no", "false")


def warm(X, y) -> None:
    """Start the pool's workers and share the training data X (n, d), y (n,) now, before a
    run is timed: else the first run of a server counts their start (about 2 s) as its
    own training seconds, which a challenge limits and its board shows."""
    if _switched_off() or not pool.available():
        return
    try:
        if pool.pool().ready(pool.START_TIMEOUT):
            pool.shared(X)
            pool.shared(y)
    except OSError:
        return  # the run will say why it trains in the server's process


def active_runs() -> int:
    """Runs of this process that are training now (or were, ACTIVE_WINDOW seconds ago)."""
    return sum(r.active() for r in _runs())


def _runs() -> list[_Counted]:
    """The runs of this process, copied under the lock."""
    with _RUNS_LOCK:
        return list(_RUNS)


def worth_splitting(sizes: Sequence[int], batch: int) -> bool:
    """Whether a net of layer `sizes` (inputs first) trains faster split at this batch."""
    return len(sizes) >= 3 and sizes[1] >= 2 and 2.0 * batch * sizes[0] * sizes[1] >= MIN_FLOPS


class _Counted:
    """A run that counts in `active_runs` while it trains and ACTIVE_WINDOW s after."""

    def __init__(self) -> None:
        self._inside, self._last = False, -math.inf
        with _RUNS_LOCK:
            _RUNS.add(self)

    def active(self) -> bool:
        return self._inside or time.monotonic() - self._last < ACTIVE_WINDOW

    @contextmanager
    def _training(self) -> Iterator[None]:
        self._inside = True
        try:
            with one_blas_thread():
                yield
        finally:
            self._inside, self._last = False, time.monotonic()

    def close(self) -> None:
        """The run has ended: it no longer counts as training."""
        self._last = -math.inf


class OneThread(_Counted):
    """The plain step on one BLAS thread; `why`: why not the fast back-end."""

    exact = True

    def __init__(self, why: str = "") -> None:
        super().__init__()
        self.why = why

    def run(self, job: Minibatches, after_batch: AfterBatch) -> int:
        with self._training():
            return PlainStep().run(job, after_batch)

    def describe(self) -> str:
        return f"{PLAIN} ({self.why})" if self.why else PLAIN


class FastBackend(_Counted):
    """The process split when the run is alone and it pays, else the worker pool (else the
    plain step here); it counts the minibatches of each and why the split did not run."""

    def __init__(self, exact: bool = False) -> None:
        super().__init__()
        self._split: split_process.ProcessSplit | None = None
        self._pooled = pool.PoolRun() if pool.available() else None
        self.paused_until = 0.0  # time.monotonic() until which the split is not tried (busy core)
        self._unavailable = ""  # why no split can run, once known
        if exact:
            self._unavailable = EXACT
        elif cpus() < 2:
            self._unavailable = "this process may use one CPU"
        elif not split_process.available():
            self._unavailable = "the process split needs Linux on x86-64"
        self.batches = {SPLIT: 0, POOL: 0, PLAIN: 0}
        self.why_plain = ""

    def run(self, job: Minibatches, after_batch: AfterBatch) -> int:
        with self._training():
            split = self._splitter(job)
            if split is None:
                return self._unsplit(job, after_batch)
            n = split.run(job, after_batch)
            self.batches[SPLIT] += n
            if split.busy:  # the second core is taken: one thread is faster for a while
                split.busy = False
                self.paused_until = time.monotonic() + split_process.BUSY_PAUSE
            return n

    def _unsplit(self, job: Minibatches, after_batch: AfterBatch) -> int:
        """The minibatches through the pool (or the plain step where there is none)."""
        if self._pooled is None:
            n = PlainStep().run(job, after_batch)
            self.batches[PLAIN] += n
            return n
        n = self._pooled.run(job, after_batch)
        if self._pooled.unavailable:  # no worker could start: here from now on
            self.why_plain, self._pooled = self._pooled.unavailable, None
            self.batches[PLAIN] += n
        else:
            self.batches[POOL] += n
        return n

    def _splitter(self, job: Minibatches) -> split_process.ProcessSplit | None:
        """The split for this job, or None (and `why_plain` says why)."""
        if self._unavailable:  # e.g. an exact run: no need to size its minibatches
            self.why_plain = self._unavailable
            return None
        batch = max((len(b) for b in job.batches), default=0)
        if why := self._why_not(job, batch):
            self.why_plain = why  # the latest reason is the one `describe` gives
            if why == CLASS:
                self.close_helper()  # no idle helper process per run of a class
            return None
        split = self._split
        if split is None or not split.alive or split.batch < batch or split.X is not job.X:
            self.close_helper()
            # this process's other products (the validation pass) on one thread too: a
            # second BLAS thread spins on after its work, on the helper's core
            one_blas_thread_from_now()
            try:
                self._split = split_process.ProcessSplit(job.model, job.optimizer, job.X, batch)
            except OSError as exc:
                self._unavailable = self.why_plain = f"no helper process could start: {exc}"
                return None
        return self._split

    def _why_not(self, job: Minibatches, batch: int) -> str:
        """Why these minibatches do not go through the split ('' if they do)."""
        if self._unavailable:
            return self._unavailable
        if not worth_splitting(job.model.sizes, batch):
            return "the first layer is too small for two cores to pay"
        if any(r is not self and r.active() for r in _runs()):
            return CLASS
        if time.monotonic() < self.paused_until:
            return "the second core was busy"
        return ""

    @property
    def exact(self) -> bool:
        """No minibatch went through the split (the pool and this process run PlainStep)."""
        return not self.batches[SPLIT]

    @property
    def helper(self) -> split_process.ProcessSplit | None:
        """The process split of the latest minibatches that used one (None: none running)."""
        return self._split

    def describe(self) -> str:
        used = {name: n for name, n in self.batches.items() if n}
        if not used:
            return SPLIT
        why = f" ({self.why_plain})" if self.why_plain and used.keys() != {SPLIT} else ""
        if len(used) == 1:
            return next(iter(used)) + why
        total = sum(used.values())
        parts = [f"{name} for {n / total:.0%} of the minibatches" for name, n in used.items()]
        return ", ".join(parts) + why

    def close_helper(self) -> None:
        """End the helper process, if there is one (a later run starts another)."""
        if self._split is not None:
            self._split.close()
            self._split = None

    def close(self) -> None:
        super().close()
        self.close_helper()
