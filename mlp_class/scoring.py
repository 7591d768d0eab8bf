"""The server scores a submitted run itself, on the private half of the test digits
(mlp_core.holdout), from the model it trained: never a number a page or a file says.
The teacher can train a submission again (`retrain`): the same settings and seed on the
same server's exact route give the same weights, bit for bit, whoever else trains."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from mlp_class.api import NewEntry
from mlp_core.challenge import Evidence, accuracy, n_params
from mlp_core.history import History
from mlp_core.network import MLP
from mlp_core.serialize import SavedModel, load_model, model_to_bytes
from mlp_core.training import Backend, Split, Trainer


def entry(model: MLP, run: Evidence, history: History, X: np.ndarray, y: np.ndarray) -> NewEntry:
    """The run as a board entry, scored on X (n, 784), y (n,): the private half."""
    saved = SavedModel(model, run.config, {"history": history.to_dict(), "source": "class"})
    return NewEntry(
        model=model_to_bytes(saved),
        score=accuracy(model.predict(X), y),
        params=n_params(model.sizes),
        seconds=float(run.seconds),
        epochs=int(run.epochs),
        config=run.config.to_dict(),
        history=history.to_dict(),
    )


@dataclass(frozen=True)
class Retrained:
    """A submission trained again on this server: whether its weights came out the same."""

    same: bool  # every weight and bias equal to the saved model's, bit for bit
    equal: int  # parameters (weights and biases) equal to the bit
    total: int  # parameters in all
    largest: float  # the largest difference of one parameter (0.0 when the same)
    score: float  # the re-trained model on the private half
    trained_by: str  # the back-end's own words


def retrain(
    saved: bytes, epochs: int, data: Split, X: np.ndarray, y: np.ndarray, backend: Backend
) -> Retrained:
    """Train the saved model's settings (its seed included) for `epochs` epochs with
    `backend` (the caller's, e.g. mlp_fast.choose(exact=True); closed here), and compare
    the weights with the saved ones; X (n, 784), y (n,): the private half."""
    found = load_model(saved)
    trainer = Trainer(found.config.replace(epochs=int(epochs)), data, backend=backend)
    try:
        trainer.run()
        trained_by = trainer.backend_used
    finally:
        backend.close()
    new, old = trainer.model.parameters(), found.model.parameters()
    if [p.shape for p in new] != [p.shape for p in old]:
        return Retrained(False, 0, n_params(found.model.sizes), math.inf, 0.0, trained_by)
    equal = sum(int(np.sum(_same_bits(a, b))) for a, b in zip(new, old, strict=True))
    largest = max(
        float(np.max(np.abs(a.astype(np.float64) - b))) for a, b in zip(new, old, strict=True)
    )
    total = sum(p.size for p in old)
    score = accuracy(trainer.model.predict(X), y)
    return Retrained(equal == total, equal, total, largest, score, trained_by)


def _same_bits(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Element-wise: the same dtype and the same bits (NaN == NaN, 0.0 != -0.0)."""
    if a.dtype != b.dtype:
        return np.zeros(a.shape, bool)
    view = np.dtype(f"u{a.dtype.itemsize}")
    return np.ascontiguousarray(a).view(view) == np.ascontiguousarray(b).view(view)
