"""Reading `.npy` and `.npz` data in a server whose sessions are threads.

numpy reads every array's header with `ast.literal_eval`. CPython's `ast` keeps one
recursion counter per interpreter, not per thread: two threads building syntax trees at
once can leave it off, and the parse fails with "SystemError: AST constructor recursion
depth mismatch" (python/cpython#106905 and the reports around it). It happened to one of
30 students of one server saving their runs at once (`benchmarks/classroom.py --board`):
their page showed the error. Every read here takes one lock, so those parses take turns;
a header parse takes microseconds, a whole model file about a millisecond.
"""

from __future__ import annotations

import io
import os
import threading

import numpy as np

PARSE_LOCK = threading.Lock()
"""Held while numpy parses array headers (every read of this module)."""


def read_npz(data: bytes) -> dict[str, np.ndarray]:
    """Every array of the `.npz` bytes `data`, never unpickled."""
    with PARSE_LOCK, np.load(io.BytesIO(data), allow_pickle=False) as npz:
        return {name: npz[name] for name in npz.files}


def read_npy(path: str | os.PathLike) -> np.ndarray:
    """The array in the `.npy` file `path`, never unpickled."""
    with PARSE_LOCK:
        return np.load(path, allow_pickle=False)
