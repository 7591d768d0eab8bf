"""Benchmark, not a test: the Decision boundary page's gallery, trained in one go.

    python benchmarks/moons_gallery.py [REPEATS]

`mlp_core.moons.train_moons_many` trains the tutorial's seven hidden sizes (20,000
full-batch passes each) stacked into one wide network. Prints the CPU seconds per
gallery (CPU time says more than wall time on a loaded machine), the ratio to the
tutorial's seven separate loops (about 35 CPU s), and the load average. Target: under
5 CPU s, a seventh of the tutorial's.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mlp_core.moons import make_moons_np, train_moons_many  # noqa: E402

TUTORIAL_CPU_SECONDS = 35.0


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    data = make_moons_np()
    seconds = []
    for _ in range(repeats):
        start = time.process_time()
        train_moons_many(*data)
        seconds.append(time.process_time() - start)
    median = statistics.median(seconds)
    print(
        f"gallery: median {median:.2f} CPU s over {repeats} (min {min(seconds):.2f}); "
        f"{TUTORIAL_CPU_SECONDS / median:.1f}x faster than the tutorial's seven loops; "
        f"load {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
