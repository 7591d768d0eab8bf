"""BLAS threads, through threadpoolctl (the maintained library scikit-learn uses).

A training step's matrix products are small (100 x 784 by 784 x 100 at the default
batch). On a 2-core machine a second BLAS thread makes them faster only while the
machine is otherwise idle; as soon as anything else wants a core (a browser, another
session's training) the two threads keep waiting for each other and an epoch of 0.3 s
can take several seconds (benchmarks/training_speed.md). So both back-ends here train
on one BLAS thread.

The limit is process-wide: while a run trains, NumPy products in other threads of the
process use one thread too. Nested and concurrent uses are counted, and the last one
out restores the limits the first one found.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from threadpoolctl import ThreadpoolController

_lock = threading.Lock()
_users = 0
_limiter = None


@functools.cache
def _controller() -> ThreadpoolController:
    return ThreadpoolController()  # inspects the loaded libraries once (a few ms)


def one_blas_thread_from_now() -> None:
    """This process's BLAS uses one thread from now on: a server, whose worker pool
    (mlp_fast.pool) trains on every core, so its own products (a page's figures, a
    validation or test pass) would only make the workers wait (OpenBLAS's threads spin).
    Once per process; later calls do nothing."""
    global _for_good
    with _lock:
        if not _for_good:
            _controller().limit(limits=1, user_api="blas")
            _for_good = True


_for_good = False


def blas_found() -> bool:
    """Whether threadpoolctl finds a BLAS (NumPy's OpenBLAS, MKL, BLIS...) it can limit."""
    return bool(_controller().select(user_api="blas").lib_controllers)


def blas_threads() -> int | None:
    """How many threads the BLAS uses now; None if threadpoolctl finds none."""
    infos = _controller().select(user_api="blas").info()
    return max(i["num_threads"] for i in infos) if infos else None


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Inside, the BLAS uses one thread (counted across threads and nesting)."""
    global _users, _limiter
    with _lock:
        if _users == 0:
            _limiter = _controller().limit(limits=1, user_api="blas")
        _users += 1
    try:
        yield
    finally:
        with _lock:
            _users -= 1
            if _users == 0:
                if not _for_good:  # else one thread stays, even if the limit came inside
                    _limiter.restore_original_limits()
                _limiter = None
