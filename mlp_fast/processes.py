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


def start_python(
    code: str, args: Sequence[str], pass_fds: Sequence[int] = (), **popen
) -> subprocess.Popen:
    """`python -c code *args` with this checkout importable and one BLAS thread; `popen`
    goes to subprocess.Popen (stdin, stdout). Raises OSError if it cannot start."""
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": path, "OPENBLAS_NUM_THREADS": "1"}
    return subprocess.Popen(
        [sys.executable, "-c", code, *args], pass_fds=tuple(pass_fds), env=env, **popen
    )
