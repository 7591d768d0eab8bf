"""The server scores a submitted run itself, on the private half of the test digits
(mlp_core.holdout), from the model it trained: never a number a page or a file says.
A Playground run (`play_entry`) is scored on its challenge's private points
(mlp_core.play_holdout), from its model file as saved for the board.
The teacher can train a submission again (`retrain`): the same settings and seed on the
same server's exact route give the same weights, bit for bit, whoever else trains."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from mlp_class.api import NewEntry
from mlp_core import play_holdout
from mlp_core.challenge import Evidence, PlayEvidence, Rules, accuracy, n_params
from mlp_core.history import History
from mlp_core.network import MLP
from mlp_core.playground import Curves, PlaygroundRun, make_points
from mlp_core.playground_config import PlaygroundConfig
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


CURVE_POINTS = 200
"""A Playground entry keeps its test loss at about this many epochs (the board's curves)."""


def play_entry(model: MLP, run: PlayEvidence, curves: Curves, rules: Rules) -> NewEntry:
    """A Playground run as a board entry: its model file, then the score of the model read
    back from that file on the challenge's private points, ranked by `rules`' measure.
    ValueError if it cannot be scored (a model that does not fit, a non-finite loss)."""
    meta = {"playground": run.config.to_query(), "source": "class playground"}
    saved = model_to_bytes(SavedModel(model, None, meta))
    found = load_model(saved)
    config = PlaygroundConfig.from_query(found.metadata["playground"])
    scores = play_holdout.score(found.model, config)
    score = scores.loss if rules.measure == "test loss" else scores.accuracy
    if score is None or not math.isfinite(score):
        raise ValueError("the model's loss on the private points is not a number")
    return NewEntry(
        model=saved,
        score=float(score),
        params=n_params(model.sizes),
        seconds=float(run.seconds),
        epochs=int(run.epochs),
        config=dataclasses.asdict(run.config),
        history={"epochs": _curve(curves), "private": dataclasses.asdict(scores)},
    )


def _curve(curves: Curves) -> list[dict]:
    """The test loss (and training loss) at up to CURVE_POINTS epochs, the last included."""
    step = max(1, -(-len(curves.epoch) // CURVE_POINTS))
    keep = sorted({*range(0, len(curves.epoch), step), len(curves.epoch) - 1} - {-1})
    return [
        {
            "epoch": int(curves.epoch[i]),
            "train_loss": float(curves.train_loss[i]),
            "test_loss": float(curves.test_loss[i]),
        }
        for i in keep
    ]


def play_config(entry_config: dict) -> PlaygroundConfig:
    """A Playground entry's settings, as `play_entry` kept them."""
    return PlaygroundConfig(**entry_config)


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
    score = lambda: accuracy(trainer.model.predict(X), y)  # noqa: E731
    return _compared(trainer.model, found.model, score, trained_by)


def play_retrain(saved: bytes, epochs: int, rules: Rules) -> Retrained:
    """Play a Playground entry's settings (its seed included) again for `epochs` epochs on
    the points they make, with the Playground's own NumPy step, and compare the weights
    with the saved ones; the score is the challenge's measure on its private points."""
    found = load_model(saved)
    config = PlaygroundConfig.from_query(found.metadata["playground"])
    run = PlaygroundRun(
        config, make_points(config.dataset, config.n_points, config.noise, config.seed)
    )
    stopped = run.train(int(epochs))
    if stopped:
        raise ValueError(f"after {run.epoch} epochs: {stopped}")

    def score() -> float:
        found_scores = play_holdout.score(run.model, config)
        value = found_scores.loss if rules.measure == "test loss" else found_scores.accuracy
        return float("nan") if value is None else value

    return _compared(run.model, found.model, score, "the Playground's NumPy step, in one thread")


def _compared(new_model: MLP, old_model: MLP, score, trained_by: str) -> Retrained:
    """A model trained again against the saved one, parameter by parameter."""
    new, old = new_model.parameters(), old_model.parameters()
    if [p.shape for p in new] != [p.shape for p in old]:
        return Retrained(False, 0, n_params(old_model.sizes), math.inf, 0.0, trained_by)
    equal = sum(int(np.sum(_same_bits(a, b))) for a, b in zip(new, old, strict=True))
    largest = max(
        float(np.max(np.abs(a.astype(np.float64) - b))) for a, b in zip(new, old, strict=True)
    )
    total = sum(p.size for p in old)
    return Retrained(equal == total, equal, total, largest, score(), trained_by)


def _same_bits(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Element-wise: the same dtype and the same bits (NaN == NaN, 0.0 != -0.0)."""
    if a.dtype != b.dtype:
        return np.zeros(a.shape, bool)
    view = np.dtype(f"u{a.dtype.itemsize}")
    return np.ascontiguousarray(a).view(view) == np.ascontiguousarray(b).view(view)
