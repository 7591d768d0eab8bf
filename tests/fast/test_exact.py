"""Same settings, same seed, same weights on one server, whoever trains when: a run
chosen with `mlp_fast.choose(exact=True)` (a class challenge's runs) takes one route for
its whole life, and the routes it can take (the worker pool, the plain step here) agree
to the bit. Through the public back-end interface, with the server busy and idle."""

from __future__ import annotations

import gc
import threading

import numpy as np
import pytest

import mlp_fast
from mlp_core.config import TrainConfig
from mlp_core.training import Trainer
from mlp_fast import OneThread
from tests.fast.digits import BATCH, digits_like
from tests.waiting import wait_until

CONFIG = TrainConfig(hidden=64, batch_size=BATCH, epochs=2, seed=5, lr=0.05)


@pytest.fixture(autouse=True)
def no_other_runs() -> None:
    gc.collect()
    wait_until(lambda: not mlp_fast.active_runs(), 2 * mlp_fast.ACTIVE_WINDOW, "no run trains")


def _weights(backend) -> tuple[list[np.ndarray], str]:
    trainer = Trainer(CONFIG, digits_like(dtype=np.float32), backend=backend)
    trainer.run()
    assert trainer.history.status.finished
    used = trainer.backend_used
    trainer.backend.close()
    return [*trainer.model.W, *trainer.model.b], used


class _Busy:
    """Another run training in this process meanwhile, until stopped."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.trainer = Trainer(
            CONFIG.replace(epochs=1000),
            digits_like(dtype=np.float32, seed=9),
            backend=mlp_fast.choose(),
        )
        self.thread = threading.Thread(target=self._train, daemon=True)

    def _train(self) -> None:
        while not self.stop.is_set() and not self.trainer.finished:
            self.trainer.step(max_batches=4)

    def __enter__(self) -> _Busy:
        self.thread.start()
        wait_until(lambda: mlp_fast.active_runs() >= 1, 60, "the other run trains")
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(60)
        self.trainer.backend.close()


def _same_bits(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    return all(x.dtype == y.dtype and x.tobytes() == y.tobytes() for x, y in zip(a, b, strict=True))


def test_an_exact_run_gets_the_same_bits_alone_busy_and_in_process() -> None:
    alone, used_alone = _weights(mlp_fast.choose(exact=True))
    with _Busy():
        busy, used_busy = _weights(mlp_fast.choose(exact=True))
    here, _ = _weights(OneThread("the reference"))
    assert mlp_fast.EXACT in used_alone and mlp_fast.EXACT in used_busy
    assert "fast back-end (2 processes)" not in used_alone + used_busy
    assert _same_bits(alone, busy)
    assert _same_bits(alone, here)


def test_an_exact_run_never_starts_a_helper_process() -> None:
    backend = mlp_fast.choose(exact=True)
    trainer = Trainer(CONFIG, digits_like(dtype=np.float32), backend=backend)
    trainer.step(max_batches=5)
    assert backend.helper is None
    backend.close()
