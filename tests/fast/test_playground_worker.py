"""The Playground's worker process (mlp_fast.playground_worker): slices trained there are
the run's own `train`, bit for bit; the worker keeps the run between slices, and its
whole state travels only when the worker may not have it (the first slice, a change
made in this process, a new worker); this process's run is complete after every slice
(training goes on here as there); a killed worker loses nothing the run had; the points
travel once per run and worker.

Oracle: the same run trained in this process with the same slices' limits."""

from __future__ import annotations

import os
import signal
import time

import numpy as np
import pytest

from mlp_core import playground as core
from mlp_core.playground_config import PlaygroundConfig
from mlp_fast import playground_worker as pw
from tests.waiting import wait_until

pytestmark = pytest.mark.skipif(os.name != "posix", reason="a worker process needs POSIX")
SETTINGS = dict(dataset="spiral", hidden=(8, 8, 8), n_points=300, noise=10, seed=5)


def _run(**more) -> core.PlaygroundRun:
    config = PlaygroundConfig(**{**SETTINGS, **more})
    points = core.make_points(config.dataset, config.n_points, config.noise, config.seed)
    return core.PlaygroundRun(config, points)


def _params(run: core.PlaygroundRun) -> list[bytes]:
    return [p.tobytes() for p in run.model.parameters()]


@pytest.fixture
def worker():
    w = pw.Worker()
    yield w
    w.stop()


def _same(a: core.PlaygroundRun, b: core.PlaygroundRun) -> None:
    assert _params(a) == _params(b)
    assert (a.epoch, a.steps, a.undone) == (b.epoch, b.steps, b.undone)
    assert a.rng.bit_generator.state == b.rng.bit_generator.state
    assert a.curves.epoch == b.curves.epoch and a.curves.test_loss == b.curves.test_loss
    assert np.array_equal(a.curves.grad_rms, b.curves.grad_rms)
    assert (a.partial is None) == (b.partial is None)
    if a.partial is not None:
        p, q = a.partial, b.partial
        assert np.array_equal(p.order, q.order) and p.size == q.size and p.grads == q.grads
        assert p.shuffle == q.shuffle and _params_of(p.before) == _params_of(q.before)


def _params_of(model) -> list[bytes]:
    return [p.tobytes() for p in model.parameters()]


def test_slices_in_the_worker_train_the_run_bit_for_bit_as_in_this_process(worker):
    """Whole epochs, then a crowded server's pieces of epochs (one minibatch each, the
    epoch in progress carried across slices), then whole again: the worker's run and
    this process's agree in every bit, curves and random stream included."""
    here, there = _run(), _run()
    slices = [dict(epochs=3, seconds=float("inf"), budget=0.0, whole=True)]
    slices += [dict(epochs=50, seconds=0.0, budget=0.0, whole=False)] * 40
    slices += [dict(epochs=2, seconds=float("inf"), budget=0.0, whole=True)]
    for limits in slices:
        assert here.train(**limits) == ""
        message, cpu = worker.train(there, 7, **limits)
        assert message == "" and cpu > 0
        _same(here, there)
    assert there.epoch == 3 + 40 // 15 + 2 and there.steps == 7 * 15  # 15 minibatches an epoch


def test_the_worker_keeps_the_run_and_is_sent_its_state_only_when_it_changed_here(worker):
    """Pieces of epochs in the worker: the state travels with the first slice only. Then
    a Step in this process, new training settings, an epoch finished here (Pause): each
    time the next slice carries the state again, and the run agrees with one trained
    only here; this process's copy trains on here as the oracle does (a dead worker's
    fallback), the epoch in progress included."""
    here, there = _run(), _run()
    piece = dict(epochs=50, seconds=0.0, budget=0.0, whole=False)

    def slices(n: int) -> None:
        for _ in range(n):
            assert here.train(**piece) == "" and worker.train(there, 9, **piece)[0] == ""
            _same(here, there)

    slices(20)
    assert worker.states_sent == 1 and there.partial is not None
    for run in (here, there):  # a Step here, the epoch in progress finished first
        run.train(1)
    slices(3)
    assert worker.states_sent == 2
    faster = PlaygroundConfig(**{**SETTINGS, "lr": 0.1})
    for run in (here, there):
        run.retune(faster)
    slices(4)
    assert worker.states_sent == 3
    for run in (here, there):  # Pause: the epoch in progress finished here
        run.finish_epoch()
    slices(7)
    assert worker.states_sent == 4 and there.partial is not None
    for run in (here, there):  # the worker's last piece goes on here
        run.train(2)
    _same(here, there)
    assert worker.states_sent == 4


def test_a_killed_worker_is_replaced_by_the_next_slice_which_sends_the_points_again(worker):
    """Killed between slices: the next slice starts a new worker (which has none of the
    points: they are sent again) and the run trains on as in this process."""
    run, oracle = _run(), _run()
    for limits in ({"epochs": 2}, {"epochs": 1, "seconds": 0.0, "whole": False}):
        worker.train(run, 1, **{"seconds": float("inf"), "budget": 0.0, "whole": True, **limits})
        oracle.train(**{"seconds": float("inf"), "whole": True, **limits})
    _same(run, oracle)
    pid = worker.pid
    os.kill(pid, signal.SIGKILL)
    wait_until(lambda: worker.pid is None, 10, "the server's end saw the worker go")
    worker.train(run, 1, epochs=2, seconds=float("inf"), budget=0.0, whole=True)
    oracle.train(2)
    _same(run, oracle)
    assert worker.pid not in (None, pid)


def test_a_worker_killed_while_training_fails_that_slice_and_leaves_the_run_alone(worker):
    """A slice of a second's training, the worker killed part-way: WorkerDied, and the
    run's weights, epoch and stream are those it had before the slice."""
    import threading

    run = _run(n_points=1000, batch_size=1)
    run.train(1)
    worker.train(run, 3, epochs=1, seconds=0.0, budget=0.0, whole=False)  # started
    before = (_params(run), run.epoch, run.steps, run.rng.bit_generator.state)
    pid = worker.pid
    threading.Timer(0.3, os.kill, (pid, signal.SIGKILL)).start()
    with pytest.raises(pw.WorkerDied):
        worker.train(run, 3, epochs=50, seconds=5.0, budget=0.0, whole=True)
    assert (_params(run), run.epoch, run.steps, run.rng.bit_generator.state) == before


def test_a_stuck_worker_is_ended_and_fails_its_slice(worker, monkeypatch):
    """A worker that stops answering (SIGSTOP) is killed after SLICE_TIMEOUT: the slice
    fails with WorkerDied, the run unchanged, and the next slice has a new worker."""
    monkeypatch.setattr(pw, "SLICE_TIMEOUT", 1.0)
    run = _run()
    worker.train(run, 4, epochs=1, seconds=float("inf"), budget=0.0, whole=True)
    kept, pid = _params(run), worker.pid
    os.kill(pid, signal.SIGSTOP)
    with pytest.raises(pw.WorkerDied):
        worker.train(run, 4, epochs=1, seconds=float("inf"), budget=0.0, whole=True)
    assert _params(run) == kept and run.epoch == 1
    worker.train(run, 4, epochs=1, seconds=float("inf"), budget=0.0, whole=True)
    assert run.epoch == 2 and worker.pid not in (None, pid)


def test_stop_ends_the_worker_at_once_not_after_its_timeout():
    """stop() wakes the reader thread blocked on the pipe and the worker sees the end: it
    returns well within the 2 s it would otherwise wait, the worker process gone."""
    w = pw.Worker()
    w.train(_run(), 5, epochs=1, seconds=float("inf"), budget=0.0, whole=True)
    proc = w._proc
    start = time.monotonic()
    w.stop()
    assert time.monotonic() - start < 1.0
    assert proc.poll() == 0  # it exited on its own, not killed
    wait_until(lambda: w.pid is None, 5, "the reader saw the end")
