"""Which digits a model learned from, and whether a test set is unseen by it.

An accuracy means something only on digits the model never trained on. Full MNIST's
10,000 test digits are unseen by any model trained on MNIST training images. The offline
sample is different: its 5,000 digits are MNIST *training* images 0..5,847 (the first
500 of each class), so a model trained on full MNIST's first 55,000 training images has
seen every one of them. Model files record what they trained on (`TrainedOn`), and the
app scores a model only on a test set that `unseen` allows.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

SAMPLE_SOURCE_ROWS = 5848
"""The offline sample's digits are among MNIST's training images 0 .. SAMPLE_SOURCE_ROWS - 1
(checked against full MNIST in tests/core/test_provenance.py)."""

Kind = Literal["full", "sample"]


@dataclass(frozen=True)
class TrainedOn:
    """Training images start..stop-1 of the `kind` data (full MNIST, or the sample's split)."""

    kind: Kind
    start: int
    stop: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> TrainedOn | None:
        """From a model file's metadata; None when missing or malformed."""
        try:
            kind, start, stop = data["kind"], int(data["start"]), int(data["stop"])
        except (KeyError, TypeError, ValueError):
            return None
        return cls(kind, start, stop) if kind in ("full", "sample") and start <= stop else None

    def describe(self) -> str:
        if self.kind == "sample":
            return f"{self.stop - self.start:,} digits of the offline sample's training part"
        return f"MNIST training images {self.start:,} to {self.stop - 1:,}"


def trained_on(metadata: dict[str, Any], n_train: int | None = None) -> TrainedOn | None:
    """What a model file says it trained on, also for files written before `trained_on`
    existed (they name their data source, and trained on the first n_train images)."""
    recorded = TrainedOn.from_dict(metadata.get("trained_on"))
    if recorded is not None or n_train is None:
        return recorded
    source = str(metadata.get("data_source") or metadata.get("data") or "")
    if "offline sample" in source:
        return TrainedOn("sample", 0, n_train)
    if "MNIST" in source:
        return TrainedOn("full", 0, n_train)
    return None


def unseen(model: TrainedOn | None, test_kind: Kind) -> bool | None:
    """Whether the test digits of `test_kind` data are unseen by the model; None: unknown."""
    if model is None:
        return None
    if test_kind == "full" or model.kind == "sample":
        return True  # MNIST's test set; or the sample's test part, apart from its training part
    return model.start >= SAMPLE_SOURCE_ROWS or model.stop <= 0


def name_test_set(test_kind: Kind, n: int) -> str:
    """The name of a test set, for every accuracy shown on it."""
    if test_kind == "full":
        return f"{n:,} MNIST test digits"
    return f"{n:,} offline-sample test digits"
