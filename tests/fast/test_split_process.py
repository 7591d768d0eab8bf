"""The fast back-end's process split (mlp_fast.split_process): the same training as the
plain step, the same endings, and a helper that never outlives its run.

The split changes only the order of float additions, so it agrees with the plain step
to rounding: the tolerances are multiples of the dtype's machine epsilon (a few
thousand roundings accumulate over two epochs). Nothing here times anything.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import time

import numpy as np
import pytest

import mlp_fast
from mlp_core.config import TrainConfig
from mlp_core.history import Status
from mlp_core.training import PlainStep, Trainer
from mlp_fast import FastBackend, backend, pool, split_process
from mlp_fast.split_process import HelperFailed, ProcessSplit
from tests.fast.digits import BATCH, Split, digits_like, job_of
from tests.waiting import wait_until

pytestmark = pytest.mark.skipif(
    not split_process.available(), reason="the process split needs Linux on x86-64"
)

RTOL64 = 1e7 * np.finfo(np.float64).eps  # 2.2e-9
RTOL32 = 1e3 * np.finfo(np.float32).eps  # 1.2e-4


@pytest.fixture(autouse=True)
def alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each trainer here counts as the only run of the process (see test_backend.py for the
    rule that a second active run trains on one thread)."""
    monkeypatch.setattr(backend, "ACTIVE_WINDOW", 0.0)


def _config(**kw) -> TrainConfig:
    base = dict(hidden=64, batch_size=BATCH, epochs=2, seed=3, dtype="float64", lr=0.05)
    return TrainConfig(**{**base, **kw})


def _trainer(config: TrainConfig, data: Split, fast: bool = True) -> Trainer:
    return Trainer(config, data, backend=FastBackend() if fast else PlainStep())


def _same(one: Trainer, two: Trainer) -> None:
    for p, q in zip(one.model.parameters(), two.model.parameters(), strict=True):
        np.testing.assert_allclose(q, p, rtol=RTOL64, atol=RTOL64 * np.abs(p).max())
    for a, b in zip(one.history.epochs, two.history.epochs, strict=True):
        assert b.loss == pytest.approx(a.loss, rel=RTOL64)
        assert (b.train_acc, b.valid_acc) == (a.train_acc, a.valid_acc)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
@pytest.mark.parametrize("loss", ["softmax_ce", "sigmoid_bce", "identity_mse"])
def test_process_split_trains_like_the_plain_step(activation: str, loss: str) -> None:
    data = digits_like()
    config = _config(activation=activation, loss=loss, momentum=0.9, l2=0.01)
    one, two = _trainer(config, data, fast=False), _trainer(config, data)
    two.step(max_batches=1)
    assert isinstance(two.backend.helper, ProcessSplit)  # the process split really runs
    one.run(), two.run()
    assert two.backend_used == mlp_fast.SPLIT
    assert one.backend.exact and not two.backend.exact  # the split rounds its own way
    _same(one, two)


@pytest.mark.parametrize("margins", [True, False], ids=["compacted", "full"])
@pytest.mark.parametrize(("momentum", "l2"), [(0.0, 0.0), (0.9, 0.0), (0.0, 0.01)])
def test_every_update_rule_with_and_without_compacting(
    margins: bool, momentum: float, l2: float
) -> None:
    data = digits_like(margins=margins)
    config = _config(momentum=momentum, l2=l2)
    one, two = _trainer(config, data, fast=False), _trainer(config, data)
    two.step(max_batches=1)
    split = two.backend.helper
    one.run(), two.run()
    _same(one, two)
    compacted = [int(split.block.k0[0]), int(split.block.k1[0])]
    assert all(k > 0 for k in compacted) if margins else compacted == [-1, -1]


def test_l1_on_the_first_layer_too() -> None:
    data = digits_like()
    config = _config(momentum=0.9)
    one, two = _trainer(config, data, fast=False), _trainer(config, data)
    for t in (one, two):
        t.optimizer.l1 = 1e-3
    one.run(), two.run()
    _same(one, two)


@pytest.mark.parametrize("layers", [2, 3])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_more_layers_and_either_reduction(layers: int, reduction: str) -> None:
    data = digits_like()
    lr = 0.05 if reduction == "mean" else 0.001
    config = _config(layers=layers, reduction=reduction, lr=lr, momentum=0.5, l2=0.001)
    one, two = _trainer(config, data, fast=False), _trainer(config, data)
    one.run(), two.run()
    _same(one, two)


def test_float32_stays_close() -> None:
    data = digits_like(dtype=np.float32)
    config = _config(dtype="float32")
    one, two = _trainer(config, data, fast=False), _trainer(config, data)
    one.run(), two.run()
    for p, q in zip(one.model.parameters(), two.model.parameters(), strict=True):
        np.testing.assert_allclose(q, p, rtol=RTOL32, atol=RTOL32 * np.abs(p).max())


def test_a_short_last_minibatch() -> None:
    data = digits_like()
    config = _config(batch_size=60, momentum=0.9)  # 500 = 8 * 60 + 20
    one, two = _trainer(config, data, fast=False), _trainer(config, data)
    one.run(), two.run()
    _same(one, two)


def test_stepping_batch_by_batch_is_bit_identical_to_whole_epochs() -> None:
    """The same code run twice (the same split, sliced differently): bit equality."""
    data = digits_like()
    config = _config(momentum=0.9)
    whole, stepped = _trainer(config, data), _trainer(config, data)
    whole.run()
    while not stepped.finished:
        stepped.step(max_batches=3)
    for p, q in zip(whole.model.parameters(), stepped.model.parameters(), strict=True):
        np.testing.assert_array_equal(q, p)
    assert [e.loss for e in whole.history.epochs] == [e.loss for e in stepped.history.epochs]


def test_time_budget_stops_after_one_batch() -> None:
    trainer = _trainer(_config(), digits_like())
    assert trainer.step(max_seconds=0.0) == []
    assert trainer.progress == pytest.approx(BATCH / 500)
    trainer.step(max_batches=2)
    assert trainer.progress == pytest.approx(3 * BATCH / 500)


def test_divergence_is_caught_and_the_epoch_start_restored() -> None:
    data = digits_like()
    config = _config(activation="relu", loss="identity_mse", lr=10.0, init="normal")
    one, two = _trainer(config, data, fast=False), _trainer(config, data)
    one.run(), two.run()
    assert two.history.status == one.history.status == Status.DIVERGED
    assert np.isfinite(two.model.W[0]).all()
    assert two.history.message.split(":")[0] == one.history.message.split(":")[0]


def test_a_helper_that_dies_mid_run_is_reported_then_replaced() -> None:
    trainer = _trainer(_config(epochs=3), digits_like())
    trainer.step(max_batches=2)
    split = trainer.backend.helper

    def killing(i: int, loss: float, correct: int) -> bool:
        if i == 3:
            split.proc.kill()
            split.proc.wait()
        return True

    with pytest.raises(HelperFailed, match="helper process ended"):
        split.run(job_of(trainer, 8), killing)
    assert not split.alive
    trainer.step(max_batches=1)  # a new helper takes over
    assert trainer.backend.helper is not split and trainer.backend.helper.alive
    trainer.run()
    assert trainer.history.status is Status.DONE
    assert all(np.isfinite(p).all() for p in trainer.model.parameters())


def test_an_error_in_the_caller_stops_the_helper_cleanly() -> None:
    trainer = _trainer(_config(epochs=1), digits_like())
    trainer.step(max_batches=1)
    split = trainer.backend.helper

    def failing(i: int, loss: float, correct: int) -> bool:
        if i == 3:
            raise MemoryError("no room")
        return True

    with pytest.raises(MemoryError):
        split.run(job_of(trainer, 8), failing)
    assert split.alive  # the helper called its run off and waits for the next
    trainer.step(max_batches=1)
    assert trainer.backend.helper is split
    trainer.run()
    assert trainer.history.status is Status.DONE


def test_the_helper_ends_with_its_trainer() -> None:
    trainer = _trainer(_config(epochs=1), digits_like())
    trainer.step(max_batches=2)
    proc = trainer.backend.helper.proc
    assert proc.poll() is None
    del trainer
    gc.collect()
    assert proc.wait(timeout=5) == 0


def test_the_helper_ends_when_the_run_does_and_continue_starts_another() -> None:
    trainer = _trainer(_config(epochs=1), digits_like())
    trainer.step(max_batches=2)
    proc = trainer.backend.helper.proc
    trainer.run()
    assert trainer.backend.helper is None and proc.wait(timeout=5) == 0
    trainer.extend(1)
    trainer.run()
    assert trainer.epoch == 2 and trainer.history.status is Status.DONE


def test_close_ends_the_helper_and_the_next_minibatch_starts_another() -> None:
    trainer = _trainer(_config(epochs=2), digits_like())
    trainer.step(max_batches=1)
    first = trainer.backend.helper
    first.close()
    assert not first.alive
    trainer.step(max_batches=1)
    assert trainer.backend.helper is not first and trainer.backend.helper.alive


def test_the_plain_step_is_used_where_no_helper_can_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_process(*args, **kwargs):
        raise OSError("no processes here")

    pool.close_pool()  # neither a split helper nor a pool worker can start
    monkeypatch.setattr(subprocess, "Popen", no_process)
    trainer = _trainer(_config(epochs=1), digits_like())
    trainer.run()
    assert trainer.backend.helper is None and trainer.history.status is Status.DONE
    assert trainer.backend_used == (
        f"{mlp_fast.PLAIN} (no worker process could start: no processes here)"
    )


def test_trainers_on_the_same_examples_share_one_copy() -> None:
    data, other = digits_like(), digits_like(seed=1)
    a, b, c = (_trainer(_config(epochs=1), d) for d in (data, data, other))
    for t in (a, b, c):
        t.step(max_batches=1)
    assert a.backend.helper.examples.name == b.backend.helper.examples.name
    assert c.backend.helper.examples.name != a.backend.helper.examples.name


def test_a_busy_second_core_sends_training_to_one_thread_for_a_while(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = digits_like(n=100 * BATCH + 30, n_train=100 * BATCH)  # 100 minibatches an epoch
    config = _config(epochs=4, momentum=0.9, n_train=100 * BATCH)
    one, trainer = _trainer(config, data, fast=False), _trainer(config, data)
    monkeypatch.setattr(split_process, "BUSY_WAITING", 2.0)  # never busy
    trainer.step(to_epoch_end=True)
    trainer.step(to_epoch_end=True)  # 200 minibatches: past a helper's first 128
    split, counts = trainer.backend.helper, trainer.backend.batches
    monkeypatch.setattr(split_process, "BUSY_WAITING", -1.0)  # every wait "too long"
    monkeypatch.setattr(split_process, "BUSY_MIN_RUN", 0.0)
    monkeypatch.setattr(split_process, "BUSY_PAUSE", 0.5)
    trainer.step(max_batches=80)  # the run stops at its 64th minibatch, 16 in the pool
    assert trainer.progress == pytest.approx(0.8)
    assert counts == {mlp_fast.SPLIT: 264, mlp_fast.POOL: 16, mlp_fast.PLAIN: 0}
    assert "(the second core was busy)" in trainer.backend_used
    monkeypatch.setattr(split_process, "BUSY_WAITING", 2.0)
    wait_until(  # the pause ends (BUSY_PAUSE): the same helper takes the run again
        lambda: time.monotonic() >= trainer.backend.paused_until, 10, "the pause ends"
    )
    trainer.step(max_batches=10)
    assert trainer.backend.helper is split and counts[mlp_fast.SPLIT] == 274
    one.run(), trainer.run()
    _same(one, trainer)  # the same training, whichever way each minibatch went


@pytest.mark.skipif(
    len(os.sched_getaffinity(0)) < 2 or split_process.queued_seconds(os.getpid()) is None,
    reason="needs two CPUs and the kernel's /proc/<pid>/schedstat",
)
def test_a_program_on_the_helpers_core_sends_training_to_one_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A real CPU-bound process pinned to the helper's core: the helper waits for the core
    (the kernel counts it), and the split steps aside; on another core it stays."""
    monkeypatch.setattr(split_process, "BUSY_MIN_RUN", 0.0)  # an epoch here is 100 batches
    data = digits_like(n=100 * BATCH + 30, n_train=100 * BATCH)
    trainer = _trainer(_config(epochs=40, n_train=100 * BATCH), data)
    trainer.step(max_batches=1)
    helper, cpus = trainer.backend.helper, sorted(os.sched_getaffinity(0))
    mine, theirs = {cpus[0]}, {cpus[1]}
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(helper.proc.pid, theirs)
    trainer.step(max_batches=1000)
    if helper.busy or "busy" in trainer.backend_used:
        os.sched_setaffinity(0, before)
        pytest.skip(f"other programs keep the helper's core busy (load average "
                    f"{os.getloadavg()[0]:.1f}): the test needs that core free")  # fmt: skip
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        os.sched_setaffinity(0, mine)  # this thread
        os.sched_setaffinity(helper.proc.pid, theirs)
        os.sched_setaffinity(spinner.pid, mine)  # beside the caller: the helper's core is free
        trainer.step(max_batches=1000)
        assert not helper.busy and "busy" not in trainer.backend_used
        os.sched_setaffinity(spinner.pid, theirs)  # now it takes the helper's core
        trainer.step(max_batches=1000)
        assert "(the second core was busy)" in trainer.backend_used
        assert trainer.backend.batches[mlp_fast.POOL] > 0
    finally:
        spinner.kill()
        spinner.wait()
        os.sched_setaffinity(0, before)


def test_minibatches_of_blank_images_train_like_the_plain_step() -> None:
    data = digits_like()
    data.X_train[:] = 0  # every column inactive: the compacted products are empty
    config = _config(momentum=0.9, l2=0.01)
    one, two = _trainer(config, data, fast=False), _trainer(config, data)
    two.step(max_batches=1)
    assert int(two.backend.helper.block.k0[0]) == 0
    one.run(), two.run()
    _same(one, two)
