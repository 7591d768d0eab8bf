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
def _library() -> tuple[ctypes.CDLL, str, str] | None:
    """NumPy's bundled OpenBLAS with its symbols' prefix and suffix, else None."""
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
                if hasattr(dll, f"{prefix}_get_num_threads{suffix}"):
                    return dll, prefix, suffix
    return None


@functools.cache
def _openblas() -> tuple[Callable[[], int], Callable[[int], None]] | None:
    """(get, set) of the thread count of the OpenBLAS in NumPy's wheel, else None."""
    found = _library()
    if found is None:
        return None
    dll, prefix, suffix = found
    get = getattr(dll, f"{prefix}_get_num_threads{suffix}", None)
    set_ = getattr(dll, f"{prefix}_set_num_threads{suffix}", None)
    if get is None or set_ is None:
        return None
    get.restype, set_.argtypes = ctypes.c_int, [ctypes.c_int]
    return get, set_


# -- C += alpha * A.T @ B in one call ---------------------------------------------------------
_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112


def add_product_t(C: np.ndarray, A: np.ndarray, B: np.ndarray, alpha: float) -> bool:
    """C += alpha * A.T @ B in place, in one BLAS call; False (C untouched) if it cannot.

    A is (k, m), B (k, n), C (m, n), all of C's dtype (float32 or float64), each with
    unit stride along its rows (views such as W[:, cols] are fine). A training step
    uses it to add the weight gradient, a product, straight into the weights (or the
    velocity) instead of writing it out and reading it back for the update: for the
    784 x 100 first layer that pass was a tenth of a minibatch step
    (benchmarks/training_speed.md). With the product's inner dimension k (the batch) in
    one of OpenBLAS's blocks, a few hundred, the result is bit for bit that of
    C -= np.matmul(A.T, B) (alpha -1): the same sums, added to C with one rounding.
    C must not overlap A or B. NumPy's OpenBLAS only; False elsewhere.
    """
    gemm = _gemm(C.dtype.char)
    if gemm is None or not (A.dtype == B.dtype == C.dtype):
        return False
    k, m = A.shape
    n = B.shape[1]
    if B.shape[0] != k or C.shape != (m, n):
        raise ValueError(f"shapes {A.shape}.T @ {B.shape} do not fit {C.shape}")
    if not C.flags.writeable:
        return False
    lds = [_leading(X) for X in (A, B, C)]
    if None in lds:
        return False
    if m and n and k:
        gemm(
            _ROW_MAJOR, _TRANS, _NO_TRANS, m, n, k, alpha,
            A.ctypes.data, lds[0], B.ctypes.data, lds[1], 1.0, C.ctypes.data, lds[2],
        )  # fmt: skip
    return True


def _leading(X: np.ndarray) -> int | None:
    """The row stride of a 2-D array in elements (BLAS's leading dimension), if BLAS can
    take it: unit stride within rows, rows apart by a whole number of elements."""
    if X.ndim != 2:
        return None
    size = X.itemsize
    rows, cols = X.shape
    if X.size == 0:  # nothing is read: any valid leading dimension
        return max(cols, 1)
    if cols > 1 and X.strides[1] != size:
        return None
    if rows <= 1:
        return max(cols, 1)
    step, rest = divmod(X.strides[0], size)
    return step if rest == 0 and step >= max(cols, 1) else None


@functools.cache
def _gemm(char: str) -> Callable | None:
    """cblas_sgemm ("f") or cblas_dgemm ("d") of NumPy's OpenBLAS, ready to call."""
    found = _library()
    if found is None or char not in "fd":
        return None
    dll, prefix, suffix = found
    name = ("s" if char == "f" else "d") + "gemm"
    fn = getattr(dll, f"{prefix.replace('openblas', '')}cblas_{name}{suffix}", None)
    if fn is None:
        return None
    index = ctypes.c_int64 if suffix == "64_" else ctypes.c_int
    real = ctypes.c_float if char == "f" else ctypes.c_double
    enum, ptr = ctypes.c_int, ctypes.c_void_p
    shape = [enum, enum, enum, index, index, index]  # order, op(A), op(B), m, n, k
    fn.argtypes = [*shape, real, ptr, index, ptr, index, real, ptr, index]  # alpha A B beta C
    fn.restype = None
    return fn
