"""Training speed: mlp_core against scikit-learn, PyTorch and the matrix-product floor.

Every runner trains the same network on the same float32 digits: sigmoid hidden layers,
softmax + cross-entropy output (mean over the batch), plain minibatch SGD (lr 0.1, no
momentum, no L2). One epoch is one shuffled pass over the training set, the running
training loss and accuracy, and the accuracy on the validation set, which is what
mlp_core's Trainer does by default (`exact_eval` off).

The runners take turns, one epoch each, in an order that rotates every round, so a
burst of load from elsewhere on the machine hits them alike, with a short rest before
each epoch so that the previous runner's idle threads have gone to sleep. The first
epoch of each is a warm-up: seconds per epoch is the median of the others, with their
min and max.

mlp_core runs twice: with the fast back-end (mlp_fast.FastBackend, as the app and the
CLI use it for a run alone on its server) and with the plain readable step on one BLAS
thread (mlp_core.training.PlainStep), the code students read.

The GEMM floor times only the matrix products such an epoch needs, with the same
shapes and dtype and the operands already in place; its best BLAS thread count is used.

scikit-learn and PyTorch are optional and imported only here, only when asked for;
`pip install torch==2.13.0` adds the PyTorch column.
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from mlp_core.training import Split
from mlp_fast.threads import blas_threads
from mlp_lab.bench_runners import CASES, LR, BenchOptions, Case, Runner, make_runners

SETTLE = 0.3
"""Seconds of rest before each timed epoch. OpenBLAS's and PyTorch's idle worker threads
spin for up to about 0.1 s after a multithreaded product before they sleep; without the
rest they take the second core from whichever runner comes next (mlp_core's two-thread
epoch measured 0.30 s instead of 0.23 s right after the two-thread GEMM floor)."""
TARGETS = {"torch": 0.5, "torch_loader": 0.5, "gemm": 1.3}
"""mlp_core's time (fast back-end) over the runner's that counts as on target (issues 7
and 13). The issue's PyTorch figure (0.8-1.0 s an epoch at batch 100) is what the
DataLoader loop takes here; the tuned loop takes less than half of that, so both are
held to the target."""
PLAIN_TARGETS = {"torch": 1.0}
"""The plain step on one thread over the runner's: not slower than PyTorch's tuned loop."""


# -- the run --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Timing:
    """One runner's epochs in one case: seconds of every epoch, last validation accuracy."""

    runner: Runner
    seconds: tuple[float, ...]
    valid_acc: float

    @property
    def counted(self) -> tuple[float, ...]:
        return self.seconds[1:] or self.seconds

    @property
    def median(self) -> float:
        return statistics.median(self.counted)


def time_case(runners: list[Runner], epochs: int) -> list[Timing]:
    """Run every runner `epochs` times, taking turns in a rotating order."""
    seconds: dict[str, list[float]] = {r.name: [] for r in runners}
    acc: dict[str, float] = {}
    for e in range(epochs):
        k = e % len(runners)
        for r in runners[k:] + runners[:k]:
            time.sleep(SETTLE)
            t0 = time.perf_counter()
            acc[r.name] = r.epoch()
            seconds[r.name].append(time.perf_counter() - t0)
    return [Timing(r, tuple(seconds[r.name]), acc[r.name]) for r in runners]


def floor_of(timings: list[Timing]) -> Timing | None:
    """The fastest GEMM-floor timing (over BLAS thread counts)."""
    gemms = [t for t in timings if t.runner.name.startswith("gemm")]
    return min(gemms, key=lambda t: t.median) if gemms else None


# -- reports --------------------------------------------------------------------------------
def machine() -> dict[str, Any]:
    """CPU model, core count, Python, NumPy and its BLAS (with threads, when known)."""
    lib = np.show_config(mode="dicts").get("Build Dependencies", {}).get("blas", {})
    info = {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": f"{lib.get('name', '?')} {lib.get('version', '')}".strip(),
    }

    if blas_threads() is not None:
        info["blas_threads"] = blas_threads()
    return info


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def case_records(case: Case, timings: list[Timing], n_train: int) -> list[dict[str, Any]]:
    """One record per runner, then the case's summary (mlp_core's time over each peer's)."""
    ours = next((t.median for t in timings if t.runner.name == "mlp_core"), None)
    records = [_record(case, t, n_train, ours) for t in timings]
    peers = {t.runner.name: t.median for t in timings if not t.runner.name.startswith("gemm")}
    if (floor := floor_of(timings)) is not None:
        peers["gemm"] = floor.median
    summary = {"case": case.key, "summary": True, "label": case.label()}
    for who, key, targets in (
        ("mlp_core", "", TARGETS),
        ("mlp_core_plain", "plain_", PLAIN_TARGETS),
    ):
        mine = peers.get(who)
        ratios = {} if mine is None else {k: mine / v for k, v in peers.items() if k != who}
        summary[f"{key}ratios"] = ratios
        summary[f"on_target{'_plain' if key else ''}"] = {
            k: ratios[k] <= _target(case, k, targets) for k in targets if k in ratios
        }
    return [*records, summary]


def _record(case: Case, t: Timing, n_train: int, ours: float | None) -> dict[str, Any]:
    return {
        "case": case.key,
        "runner": t.runner.name,
        "label": t.runner.label,
        "backend": t.runner.backend() if t.runner.backend else None,
        "seconds_per_epoch": t.median,
        "min": min(t.counted),
        "max": max(t.counted),
        "epoch_seconds": list(t.seconds),
        "examples_per_second": n_train / t.median,
        "valid_acc": None if np.isnan(t.valid_acc) else t.valid_acc,
        "mlp_core_ratio": None if ours is None else ours / t.median,
    }


def _target(case: Case, peer: str, targets: dict[str, float] = TARGETS) -> float:
    """For the fast back-end, batch 1000 need only not be slower than PyTorch; elsewhere
    half its time."""
    if targets is TARGETS and peer.startswith("torch") and case.batch >= 1000:
        return 1.0
    return targets[peer]


def case_text(case: Case, records: list[dict[str, Any]], notes: list[str]) -> str:
    """A small table: seconds per epoch (min-max), examples per second, mlp_core / this."""
    lines = [f"\n{case.label()}  [{case.key}]"]
    lines.append(
        f"  {'runner':34s} {'s/epoch':>8s}  {'min-max':>13s}  {'examples/s':>10s}"
        f"  {'mlp_core/this':>13s}  {'valid acc':>9s}"
    )
    for r in records[:-1]:
        ratio = "" if r["mlp_core_ratio"] is None else f"{r['mlp_core_ratio']:.2f}"
        acc = "" if r["valid_acc"] is None else f"{r['valid_acc']:.2%}"
        lines.append(
            f"  {r['label']:34s} {r['seconds_per_epoch']:8.3f}  "
            f"{r['min']:6.3f}-{r['max']:<6.3f}  {r['examples_per_second']:10,.0f}"
            f"  {ratio:>13s}  {acc:>9s}"
        )
    summary = records[-1]
    lines += _verdicts(case, summary, "on_target", "ratios", "target", TARGETS)
    lines += _verdicts(
        case, summary, "on_target_plain", "plain_ratios", "plain step target", PLAIN_TARGETS
    )
    lines += [f"  trained by: {r['backend']}" for r in records[:-1] if r["backend"]]
    lines += [f"  note: {n}" for n in notes]
    return "\n".join(lines)


def _verdicts(case: Case, summary: dict, key: str, ratios: str, title: str, targets) -> list[str]:
    verdicts = [
        f"{'not slower than' if _target(case, k, targets) == 1.0 else '<='} "
        f"{_target(case, k, targets):g}x {k}: {'yes' if ok else 'NO'} "
        f"({summary[ratios][k]:.2f})"
        for k, ok in summary[key].items()
    ]
    return [f"  {title} " + "; ".join(verdicts)] if verdicts else []


def run_bench(data: Split, options: BenchOptions) -> Iterator[tuple[dict[str, Any], str]]:
    """(record, text) pairs: the machine, then for each case its runners and summary."""
    n = len(data.X_train)
    info = {
        "machine": machine(),
        "n_train": n,
        "n_valid": len(data.X_valid),
        "epochs": options.epochs,
    }
    yield info, _header(info)
    for key in options.cases:
        case = CASES[key]
        runners, notes = make_runners(case, data, options)
        records = case_records(case, time_case(runners, options.epochs), n)
        for r in records:
            r["notes"] = notes
        yield from ((r, "") for r in records[:-1])
        yield records[-1], case_text(case, records, notes)


def _header(info: dict[str, Any]) -> str:
    m = info["machine"]
    threads = f", {m['blas_threads']} threads" if "blas_threads" in m else ""
    return (
        f"machine: {m['cpu']}, {m['cores']} cores; Python {m['python']}; NumPy {m['numpy']} "
        f"({m['blas']}{threads})\n"
        f"{info['n_train']:,} training and {info['n_valid']:,} validation digits, float32; "
        f"plain SGD lr {LR:g}; {info['epochs']} epochs each, the first not counted"
    )
