"""How many threads NumPy's bundled OpenBLAS may use, for a stretch of code.

The training loop's matrix products are small (100 x 784 by 784 x 100 for the default
batch). On a 2-core machine a second OpenBLAS thread makes them faster only while the
machine is otherwise idle; as soon as anything else wants a core (the browser, another
session's training, a test run), the two threads keep waiting for each other and an
epoch of 0.3 s can take several seconds. Training therefore runs on one BLAS thread
unless $MLP_LAB_BLAS_THREADS says otherwise; benchmarks/training_speed.md has the numbers.

Only the OpenBLAS that NumPy's wheels bundle is found (through ctypes, so the core still
needs nothing beyond NumPy and the standard library); with any other BLAS, `limited`
changes nothing. The setting is process-wide: while a trainer steps, NumPy products in
other threads of the process use one thread too. Nested and concurrent uses are counted,
and the last one out restores the count it found.
"""

from __future__ import annotations

import ctypes
import functools
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

_lock = threading.Lock()
_users = 0
_saved = 0


@contextmanager
def limited(threads: int | None) -> Iterator[None]:
    """Inside, NumPy's OpenBLAS uses at most `threads` threads (None: leave it alone)."""
    api = _openblas() if threads is not None else None
    if api is None:
        yield
        return
    _enter(api, threads)
    try:
        yield
    finally:
        _leave(api)


def training_threads() -> int | None:
    """BLAS threads for training: $MLP_LAB_BLAS_THREADS if it is a whole number (0 means
    NumPy's own count, for a machine that runs nothing else), else 1."""
    raw = os.environ.get("MLP_LAB_BLAS_THREADS", "").strip()
    if not raw.isdigit():
        return 1
    return int(raw) or None


def threads() -> int | None:
    """How many threads NumPy's bundled OpenBLAS uses now; None if it was not found."""
    api = _openblas()
    return None if api is None else api[0]()


def _enter(api: tuple[Callable, Callable], threads: int) -> None:
    global _users, _saved
    get, set_ = api
    with _lock:
        if _users == 0:
            _saved = get()
            if _saved > threads:
                set_(threads)
        _users += 1


def _leave(api: tuple[Callable, Callable]) -> None:
    global _users
    get, set_ = api
    with _lock:
        _users -= 1
        if _users == 0 and get() != _saved:
            set_(_saved)


@functools.cache
def _openblas() -> tuple[Callable[[], int], Callable[[int], None]] | None:
    """(get, set) of the thread count of the OpenBLAS in NumPy's wheel, else None."""
    root = Path(np.__file__).resolve().parent
    for lib in sorted(
        [*root.parent.glob("numpy.libs/*openblas*"), *root.glob(".dylibs/*openblas*")]
    ):
        try:
            dll = ctypes.CDLL(str(lib))
        except OSError:
            continue
        for prefix in ("scipy_openblas", "openblas"):
            for suffix in ("64_", ""):
                get = getattr(dll, f"{prefix}_get_num_threads{suffix}", None)
                set_ = getattr(dll, f"{prefix}_set_num_threads{suffix}", None)
                if get is not None and set_ is not None:
                    get.restype, set_.argtypes = ctypes.c_int, [ctypes.c_int]
                    return get, set_
    return None
