"""Records to save in the store's tests: a real small network in the model file format."""

from __future__ import annotations

import numpy as np

from mlp_core.config import TrainConfig
from mlp_core.history import EpochStats, History, Point, Status
from mlp_core.serialize import SavedModel, model_to_bytes
from mlp_core.training import new_model
from mlp_store import RunRecord

CONFIG = TrainConfig(hidden=8, n_train=200, epochs=2, seed=3)


def history(epochs: int = 2) -> History:
    h = History(status=Status.DONE, message=f"trained {epochs} epochs")
    for e in range(epochs):
        h.epochs.append(EpochStats(e + 1, 1.0 / (e + 1), 0.5 + e / 10, 0.4 + e / 10, 0.25))
        h.points += [Point(e + k / 10, 1.0 / (e + 1), 0.5) for k in range(1, 11)]
    return h


def record(name: str = "relu lr 0.1", seed: int = 3, epochs: int = 2) -> RunRecord:
    config = CONFIG.replace(seed=seed)
    model = new_model(config, 784, 10)
    return RunRecord(
        name=name,
        status="done",
        history=history(epochs).to_dict(),
        model=model_to_bytes(SavedModel(model, config, {}), compressed=False),
        settings=config.to_dict(),
        provenance={"trained_on": {"kind": "sample", "start": 0, "stop": 200}},
        backend="plain NumPy step",
        seconds=0.5,
    )


def checkpoint(**changes) -> bytes:
    """A training checkpoint of CONFIG's network (784-8-10) after a few minibatches of
    random digits (`changes` to the config: another network)."""
    from mlp_core.serialize import checkpoint_to_bytes
    from mlp_core.training import Trainer
    from tests.splits import Split

    rng = np.random.default_rng(0)
    X = rng.random((260, 784), dtype=np.float32)
    y = np.arange(260) % 10
    trainer = Trainer(
        CONFIG.replace(momentum=0.9, **changes), Split(X[:200], y[:200], X[200:], y[200:])
    )
    trainer.step(max_batches=2)
    return checkpoint_to_bytes(trainer.checkpoint())


def weights(blob: bytes) -> list[np.ndarray]:
    from mlp_core.serialize import load_model

    return load_model(blob).model.parameters()
