"""The fast back-end's child processes: how they start, and how many CPUs there are.

Both kinds of child, the worker pool's (mlp_fast.pool) and the process split's helper
(mlp_fast.split_process), are `python -c` processes of this interpreter that import
this checkout and use one BLAS thread (two processes training on two cores gain nothing
from a second BLAS thread each; they only make each other wait).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
"""The folder holding the mlp_core and mlp_fast packages, importable in every child."""


def cpus() -> int:
    """The CPUs this process may use (its affinity on Linux, else the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


MALLOC = "glibc.malloc.mmap_threshold=1048576:glibc.malloc.trim_threshold=8388608"
"""glibc's allocator in the children (GLIBC_TUNABLES; other C libraries ignore it): blocks
under 1 MiB from the heap, and the heap kept until 8 MiB of it is free. A pool worker
receives and answers each chunk with a ~0.6 MB model and optimizer; by default each such
buffer was mapped fresh and the heap handed back after it, page by page. A worker's CPU
per chunk of one minibatch of 784-100-10 (5 December): 2.3-2.5 ms before, 1.4 ms after;
a class of thirty trains about 1,100 chunks. It costs at most 8 MiB more per child."""


def start_python(
    code: str, args: Sequence[str], pass_fds: Sequence[int] = (), **popen
) -> subprocess.Popen:
    """`python -c code *args` with this checkout importable, one BLAS thread and the
    allocator set as `MALLOC` says (unless GLIBC_TUNABLES is set already); `popen` goes to
    subprocess.Popen (stdin, stdout). Raises OSError if it cannot start."""
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = {"GLIBC_TUNABLES": MALLOC, **os.environ, "PYTHONPATH": path, "OPENBLAS_NUM_THREADS": "1"}
    return subprocess.Popen(
        [sys.executable, "-c", code, *args], pass_fds=tuple(pass_fds), env=env, **popen
    )
