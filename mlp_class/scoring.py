"""The server scores a submitted run itself, on the private half of the test digits
(mlp_core.holdout), from the model it trained: never a number a page or a file says."""

from __future__ import annotations

import numpy as np

from mlp_class.api import NewEntry
from mlp_core.challenge import Evidence, accuracy, n_params
from mlp_core.history import History
from mlp_core.network import MLP
from mlp_core.serialize import SavedModel, model_to_bytes


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
