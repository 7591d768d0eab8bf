"""What a run leaves behind: where it is (Status), its epochs and sub-epoch points.

Plain records, written by mlp_core.training's Trainer and read by the pages, the
figures and model files (`to_dict`/`from_dict` are the JSON a model file stores).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import numpy as np


class Status(str, Enum):
    """Where a run is. The values are the strings model files and sessions store."""

    READY = "ready"
    RUNNING = "running"
    DONE = "done"
    STOPPED = "stopped"
    DIVERGED = "diverged"
    EARLY_STOPPED = "early_stopped"

    @property
    def finished(self) -> bool:
        """Whether the run has ended by itself (Continue can still extend it, unless diverged)."""
        return self in (Status.DONE, Status.DIVERGED, Status.EARLY_STOPPED)

    def __str__(self) -> str:
        return self.value

    __format__ = str.__format__
    __hash__ = str.__hash__  # Enum hashes the name: a dict keyed by "done" must find DONE


@dataclass(frozen=True)
class EpochStats:
    """What one epoch yields. Accuracies are fractions in [0, 1]."""

    epoch: int
    loss: float
    train_acc: float
    valid_acc: float
    seconds: float


@dataclass(frozen=True)
class Point:
    """The minibatches trained since the previous point, summed up at epoch `at` (epoch +
    fraction, e.g. 2.3): their loss, on the scale of `EpochStats.loss`, and the fraction
    of their examples the model got right while training on them."""

    at: float
    loss: float
    train_acc: float


@dataclass
class History:
    """Per-epoch statistics of one run, sub-epoch points, plus how it ended."""

    epochs: list[EpochStats] = field(default_factory=list)
    status: Status = Status.READY
    message: str = ""
    diverged_at: float | None = None  # epoch + fraction where the loss went non-finite
    points: list[Point] = field(default_factory=list)  # about POINTS_PER_EPOCH per epoch

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "status":  # "done" from a model file or a caller becomes Status.DONE
            value = Status(value)
        super().__setattr__(name, value)

    def column(self, name: str) -> np.ndarray:
        return np.array([getattr(e, name) for e in self.epochs], dtype=float)

    def to_dict(self) -> dict[str, Any]:
        # Epochs and points hold plain numbers: a copy of each one's fields is enough
        # (dataclasses.asdict copies deeply, ~15x slower; a run is saved at every epoch).
        return {
            "epochs": [vars(e).copy() for e in self.epochs],
            "status": self.status.value,
            "message": self.message,
            "diverged_at": self.diverged_at,
            "points": [vars(p).copy() for p in self.points],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> History:
        """The history `to_dict` wrote; files older than sub-epoch points load without any."""
        epochs = [EpochStats(**e) for e in data.get("epochs", [])]
        points = [Point(**p) for p in data.get("points", [])]
        return cls(
            epochs,
            data.get("status", "done"),
            data.get("message", ""),
            data.get("diverged_at"),
            points,
        )
