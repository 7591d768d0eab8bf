"""Choosing the back-end (mlp_fast.choose), and the rule that keeps a class's server off
the process split: while another run of the process trains, a run takes the plain step."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path

import pytest

import mlp_fast
from mlp_core.config import TrainConfig
from mlp_core.training import Trainer
from mlp_fast import FastBackend, OneThread, pool, split_process
from mlp_fast.threads import blas_threads
from tests.fast.digits import BATCH, digits_like
from tests.waiting import wait_until

CONFIG = TrainConfig(hidden=64, batch_size=BATCH, epochs=1, seed=3, dtype="float64", lr=0.05)
needs_split = pytest.mark.skipif(
    not split_process.available(), reason="the process split needs Linux on x86-64"
)


@pytest.fixture(autouse=True)
def no_other_runs() -> None:
    """No run of an earlier test counts as training: those that are gone are collected
    (some wait in reference cycles), and any other has stopped stepping long enough."""
    gc.collect()
    wait_until(lambda: not mlp_fast.active_runs(), 2 * mlp_fast.ACTIVE_WINDOW, "no run trains")


def test_the_environment_switches_the_fast_back_end_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(mlp_fast.ENV, "0")
    backend = mlp_fast.choose()
    assert isinstance(backend, OneThread)
    assert backend.describe() == (
        "plain NumPy step (1 thread) (the fast back-end is switched off: MLP_LAB_FAST=0)"
    )


@needs_split
@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="sets this thread's CPUs")
def test_with_one_cpu_the_fast_back_end_uses_the_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(mlp_fast.ENV, raising=False)
    assert isinstance(mlp_fast.choose(), FastBackend)
    assert pool.pool().ready(timeout=60)  # its workers keep their CPUs
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(before)})  # this thread may use one CPU
    try:
        one_cpu = mlp_fast.choose()
    finally:
        os.sched_setaffinity(0, before)
    assert isinstance(one_cpu, FastBackend)
    Trainer(CONFIG, digits_like(), backend=one_cpu).step(max_batches=2)
    assert one_cpu.helper is None
    assert one_cpu.describe() == f"{mlp_fast.POOL} (this process may use one CPU)"


def test_the_plain_step_runs_on_one_blas_thread() -> None:
    seen = []

    class Watching(OneThread):
        """OneThread, noting the BLAS threads while each minibatch is reported."""

        def run(self, job, after_batch):
            def after(i, loss, correct):
                seen.append(blas_threads())
                return after_batch(i, loss, correct)

            return super().run(job, after)

    Trainer(CONFIG, digits_like(), backend=Watching()).step(max_batches=2)
    assert seen == [1, 1]


@needs_split
def test_a_second_active_run_goes_to_the_pool_until_the_first_ends() -> None:
    data = digits_like()
    first, second = (Trainer(CONFIG, data, backend=FastBackend()) for _ in range(2))
    first.step(max_batches=2)
    assert first.backend.helper is not None and mlp_fast.active_runs() >= 1
    second.step(max_batches=2)
    assert second.backend.helper is None
    assert second.backend_used == f"{mlp_fast.POOL} ({mlp_fast.CLASS})"
    assert second.backend.exact and not first.backend.exact  # the pool runs PlainStep
    first.run()  # the first run ends: it no longer counts
    second.run()
    assert second.backend.batches[mlp_fast.SPLIT] > 0 and not second.backend.exact
    assert second.backend_used.startswith("fast back-end (2 processes) for ")


def test_a_small_first_layer_is_not_split() -> None:
    trainer = Trainer(CONFIG.replace(hidden=4), digits_like(), backend=FastBackend())
    trainer.run()
    assert trainer.backend.helper is None
    assert trainer.backend_used == (
        f"{mlp_fast.POOL} (the first layer is too small for two cores to pay)"
    )


def test_an_exact_run_is_never_split_and_says_why() -> None:
    """An exact run's back-end does not even size its minibatches (each slice used to
    take the largest of all the epoch's left)."""

    class Unsized(list):
        def __iter__(self):
            raise AssertionError("an exact run's minibatches were looked over")

    trainer = Trainer(CONFIG, digits_like(), backend=FastBackend(exact=True))
    job = trainer._minibatches(None)
    assert trainer.backend._splitter(replace(job, batches=Unsized(job.batches))) is None
    trainer.run()
    assert trainer.backend.helper is None
    assert trainer.backend_used == f"{mlp_fast.POOL} ({mlp_fast.backend.EXACT})"


def test_runs_started_in_many_threads_at_once_are_counted_without_error() -> None:
    """A class pressing Start together: every session's run registers (and counts the
    others) in its own script thread. Before the registry had a lock, iterating it while
    another thread added a run raised "Set changed size during iteration" (one of thirty
    sessions of benchmarks/classroom.py got that error). Frequent thread switches and a
    long registry make the interleaving likely within a fraction of a second."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    kept = [OneThread("registered") for _ in range(300)]
    errors: list[BaseException] = []

    def start_runs() -> None:
        mine = []
        try:
            for _ in range(300):
                mine.append(OneThread("started"))
                mlp_fast.active_runs()
        except RuntimeError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start_runs) for _ in range(8)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        sys.setswitchinterval(previous)
    assert errors == [] and len(kept) == 300
    del kept


@needs_split
def test_a_process_that_splits_keeps_one_blas_thread_outside_training_too() -> None:
    """Its validation pass on two BLAS threads left OpenBLAS's second thread spinning on
    the helper's core for the rest of the run (the split then found that core busy). In
    a process of its own: the limit stays for the process's life."""
    code = """
from mlp_core.training import Trainer
from mlp_fast import FastBackend
from mlp_fast.threads import blas_threads
from tests.fast.digits import digits_like
from tests.fast.test_backend import CONFIG
before = blas_threads()
trainer = Trainer(CONFIG, digits_like(), backend=FastBackend())
trainer.step(max_batches=2)
assert trainer.backend.helper is not None
print(before, blas_threads())
"""
    root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": root, "OPENBLAS_NUM_THREADS": "2"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=root, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["2", "1"]
