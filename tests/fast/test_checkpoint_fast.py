"""A run trained by the fast back-end (the split across two processes keeps the first
layer's velocities in shared memory during a run) gives a checkpoint whose momentum is
the run's own: cut after some minibatches, written to bytes and resumed by a new Trainer
on a new back-end, it ends where the run that never stopped ends (to float rounding: which
route the fast back-end takes depends on what else the server trains)."""

from __future__ import annotations

import numpy as np

import mlp_fast
from mlp_core.config import TrainConfig
from mlp_core.history import History
from mlp_core.serialize import checkpoint_to_bytes, load_checkpoint
from mlp_core.training import Trainer
from tests.fast.digits import BATCH, digits_like

CONFIG = TrainConfig(hidden=64, batch_size=BATCH, epochs=2, seed=5, lr=0.05, momentum=0.9)


def test_a_fast_runs_checkpoint_carries_its_momentum():
    data = digits_like(dtype=np.float32)
    whole = Trainer(CONFIG, data, backend=mlp_fast.choose())
    whole.run()
    whole.backend.close()
    cut = Trainer(CONFIG, data, backend=mlp_fast.choose())
    cut.step(max_batches=7)
    assert cut.progress > 0 and cut.optimizer.velocities()[0].any()
    point = checkpoint_to_bytes(cut.checkpoint())
    books = cut.history.to_dict()
    cut.backend.close()
    again = Trainer(CONFIG, data, cut.model.copy(), backend=mlp_fast.choose())
    again.history = History.from_dict(books)
    again.resume(load_checkpoint(point))
    again.run()
    again.backend.close()
    assert len(again.history.epochs) == 2
    for a, b in zip(whole.model.parameters(), again.model.parameters(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)  # equal when it runs alone
    # Without the momentum the continued run would land elsewhere: the test can fail.
    lost = Trainer(CONFIG, data, cut.model.copy(), backend=mlp_fast.choose())
    lost.history = History.from_dict(books)
    point = load_checkpoint(point)
    point.velocities = [np.zeros_like(v) for v in point.velocities]
    lost.resume(point)
    lost.run()
    lost.backend.close()
    assert not np.allclose(whole.model.W[0], lost.model.W[0], rtol=1e-4, atol=1e-6)
