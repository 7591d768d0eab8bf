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
MALLOC = {"MALLOC_MMAP_THRESHOLD_": str(32 << 20), "MALLOC_TRIM_THRESHOLD_": str(64 << 20)}
"""glibc's malloc in a child: a minibatch's temporaries (0.3 MB each for 784-100-10) from
the heap, kept between minibatches. With glibc's own moving thresholds, a pool worker
whose chunks allocate nothing large of their own (its weights wait in shared memory)
gave those temporaries fresh pages from the kernel at every minibatch: 147,000 page
faults instead of 1,900 for six small runs, twice the worker's CPU
(benchmarks/classroom.md). A value already in the environment is kept."""


def cpus() -> int:
    """The CPUs this process may use (its affinity on Linux, else the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def start_python(
    code: str, args: Sequence[str], pass_fds: Sequence[int] = (), **popen
) -> subprocess.Popen:
    """`python -c code *args` with this checkout importable, one BLAS thread and `MALLOC`;
    `popen` goes to subprocess.Popen (stdin, stdout). Raises OSError if it cannot start."""
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = {**MALLOC, **os.environ, "PYTHONPATH": path, "OPENBLAS_NUM_THREADS": "1"}
    return subprocess.Popen(
        [sys.executable, "-c", code, *args], pass_fds=tuple(pass_fds), env=env, **popen
    )
