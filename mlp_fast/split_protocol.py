"""The process split's hand-over protocol: two processes meet in shared memory, lock-free.

The caller and the helper of the process split (mlp_fast.split_process) share a block
of memory whose first CTL int64 counters say how far each side has got: a side posts a
counter when it has written its part (batch i of a run is done when the counter reaches
i + 1) and the other side waits for it. A hand-over so costs well under a microsecond,
where waking a waiting thread or process costs 10-40 us on these virtual machines, a
few hundred times a second. A side that has spun for SPIN seconds sleeps on an eventfd
until the other wakes it: when the machine is busy, a side whose partner is not running
gives its core away instead of spinning through it.

The counters are plain 8-byte stores and loads, which x86-64 keeps in program order
between cores (only a store followed by a load may be swapped: `fence` between them);
on other processors they would need fences everywhere, so the split runs on x86-64 only.
"""

from __future__ import annotations

import contextlib
import os
import select
import threading
import time
from collections.abc import Callable

SPIN = 2e-4
"""Seconds a side spins for the other before it sleeps (see Side)."""

# Counters in the shared block (int64 each). Batch i of a run is done when a counter
# reaches i + 1.
COMPACT, FWD, DELTA, BWD, LAST, ABORT, FAILED, CALLER_PARKED, HELPER_PARKED = range(9)
"""COMPACT: the helper has gathered (and compacted) minibatch i; FWD: its columns of Z1
are in; DELTA: the caller's dZ1 is in; BWD: the helper has updated its columns; LAST:
the last minibatch of the run (the caller may lower it); ABORT: the caller called the
run off; FAILED: the helper failed; *_PARKED: that side sleeps on its eventfd."""
CTL = 16  # counters reserved


class Side:
    """One side's hand-overs: it posts the counters the other side waits for, and waits for
    the other side's. A wait spins for up to SPIN seconds (a hand-over on an idle machine
    takes a microsecond), then sleeps on the side's eventfd, which the other side writes
    to when it finds the sleeper's flag set: when the machine is busy, a side whose
    partner is not running gives its core away instead of spinning through it."""

    def __init__(self, counters: memoryview, efds: tuple[int, int], helper: bool) -> None:
        self.c = counters
        self.efd, self.other_efd = efds[::-1] if helper else efds
        self.parked, self.other_parked = (
            (HELPER_PARKED, CALLER_PARKED) if helper else (CALLER_PARKED, HELPER_PARKED)
        )

    def post(self, slot: int, value: int) -> None:
        c = self.c
        c[slot] = value
        fence()  # the store above before the load below (x86 may swap a store and a load)
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
                fence()
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


def fence() -> None:
    """A full memory fence: taking a lock is a locked instruction."""
    _FENCE.acquire()
    _FENCE.release()
