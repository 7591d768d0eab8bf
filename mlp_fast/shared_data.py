"""The training data, shared once per server: a read-only copy of each training set in
shared memory (`multiprocessing.shared_memory`, created once under a lock, 172 MB for
MNIST), which the pool's workers and the split's helper map by name (`SharedArray`).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading
import weakref
from dataclasses import dataclass
from multiprocessing import resource_tracker, shared_memory

import numpy as np


@dataclass(frozen=True)
class SharedArray:
    """Where a worker finds an array: a shared-memory block's name, shape and dtype."""

    name: str
    shape: tuple[int, ...]
    dtype: str

    def attach(self) -> tuple[shared_memory.SharedMemory, np.ndarray]:
        """Map the block (in a worker or helper process: keep the block while the array
        is used)."""
        block = open_block(self.name)
        return block, np.ndarray(self.shape, np.dtype(self.dtype), block.buf)


def open_block(name: str) -> shared_memory.SharedMemory:
    """Map the server's existing block `name` in a child process, which never unlinks it.

    Before Python 3.13 a process that merely maps a block registers it with its resource
    tracker, which unlinks it when that process ends (cpython issue 82300): a worker
    that exits would take the server's data with it. Python 3.13's `track=False` is the
    documented way out; before it, the block is taken off the tracker's list again with
    the tracker's own `unregister`, under the name it registered (POSIX's leading "/").
    """
    if sys.version_info >= (3, 13):
        return shared_memory.SharedMemory(name, track=False)
    block = shared_memory.SharedMemory(name)
    if os.name == "posix":  # elsewhere the operating system frees blocks itself
        resource_tracker.unregister("/" + block.name, "shared_memory")
    return block


_SHARED: dict[tuple, tuple[weakref.ref, SharedArray]] = {}
_SHARED_LOCK = threading.Lock()
"""Guards `_SHARED`: a class pressing Start together must make one copy, not thirty."""


def shared(a: np.ndarray) -> SharedArray:
    """A read-only shared copy of `a` (made once per array; freed when the array is)."""
    root, start = _root(a)
    if start:  # not a prefix view of its base: share the rows themselves
        root = a
    key = (id(root), root.__array_interface__["data"][0], root.shape, root.dtype.str)
    with _SHARED_LOCK:
        found = _SHARED.get(key)
        if found is not None and found[0]() is root:
            ref = found[1]
        else:
            ref = _copy(root)
            _SHARED[key] = (weakref.ref(root), ref)
            weakref.finalize(root, _forget, key, ref.name)
    return SharedArray(ref.name, a.shape, ref.dtype)


def _root(a: np.ndarray) -> tuple[np.ndarray, int]:
    """The array owning a's memory, and a's offset in it in bytes (0: a is its prefix)."""
    root = a
    while isinstance(root.base, np.ndarray):
        root = root.base
    offset = a.__array_interface__["data"][0] - root.__array_interface__["data"][0]
    same_rows = a.ndim == root.ndim and a.strides == root.strides and a.flags.c_contiguous
    return root, (offset if same_rows else -1)


def _copy(a: np.ndarray) -> SharedArray:
    block = shared_memory.SharedMemory(create=True, size=max(a.nbytes, 1))
    np.ndarray(a.shape, a.dtype, block.buf)[...] = a
    ref = SharedArray(block.name, a.shape, a.dtype.str)
    _BLOCKS[block.name] = block
    return ref


_BLOCKS: dict[str, shared_memory.SharedMemory] = {}


@atexit.register
def _free_all() -> None:
    """The shared copies go with the server (else Python's resource tracker warns)."""
    for key, (_, ref) in list(_SHARED.items()):
        _forget(key, ref.name)


def _forget(key: tuple, name: str) -> None:
    with _SHARED_LOCK:
        _SHARED.pop(key, None)
        block = _BLOCKS.pop(name, None)
    if block is not None:
        block.close()
        with contextlib.suppress(FileNotFoundError):
            block.unlink()
