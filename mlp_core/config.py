"""Training configuration: one frozen dataclass on the settings schema (mlp_core.settings).

Its fields' schema rows drive validation, `to_query()` and `read_query()`, so a link
with query parameters reproduces a run. Weights are never put in a URL: they are
rebuilt from the config (and its seed).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from mlp_core.settings import Field, Settings, schema, setting

DTYPE = np.float32
"""The default floating-point type of the whole engine. Inputs are cast once, at the edge."""

HIDDEN_ACTIVATIONS = ("sigmoid", "tanh", "relu")
LOSS_NAMES = ("softmax_ce", "sigmoid_bce", "identity_mse")
INITS = ("normal", "xavier", "he")
REDUCTIONS = ("mean", "sum")
SCALINGS = ("pm1", "01")
DTYPES = ("float32", "float64")
MAX_TRAINING_BYTES = 512 * 2**20
"""One run's memory at most: a class server holds thirty sessions (the defaults need 1 MB)."""


@dataclass(frozen=True)
class TrainConfig(Settings):
    """Everything that defines a training run. Invalid values raise ValueError.

    Limits are what the engine accepts; the Train page may offer less."""

    hidden: int = setting(100, "hidden", 1, 4096, label="hidden units per layer")
    layers: int = setting(1, "layers", 1, 5, label="hidden layers")
    activation: str = setting("relu", "act", choices=HIDDEN_ACTIVATIONS, label="hidden activation")
    loss: str = setting("softmax_ce", "loss", choices=LOSS_NAMES, label="output / loss")
    lr: float = setting(0.1, "lr", 1e-7, 10.0, label="learning rate")
    l2: float = setting(0.0, "l2", 0.0, 10.0, label="L2 strength")
    momentum: float = setting(0.9, "mom", 0.0, 0.99, label="momentum")
    batch_size: int = setting(100, "batch", 1, 60000, label="batch size")
    epochs: int = setting(10, "epochs", 1, 1000, label="epochs")
    seed: int = setting(1, "seed", 0, 2**31 - 1, label="seed")
    n_train: int = setting(55000, "n", 10, 60000, label="training examples")
    init: str = setting("he", "init", choices=INITS, label="weight initialisation")
    reduction: str = setting("mean", "red", choices=REDUCTIONS, label="gradient reduction")
    scaling: str = setting("01", "scale", choices=SCALINGS, label="pixel scaling")
    dtype: str = setting("float32", "dtype", choices=DTYPES, label="float type")
    patience: int = setting(0, "pat", 0, 1000, label="early-stopping patience (0 = off)")
    exact_eval: bool = setting(False, "exact", label="full-training-set loss and accuracy")

    def check_together(self) -> None:
        if (need := self.training_bytes()) > MAX_TRAINING_BYTES:
            raise ValueError(
                f"this network with batches of {self.batch_size:,} would need about "
                f"{need / 2**20:,.0f} MB while training; at most "
                f"{MAX_TRAINING_BYTES / 2**20:,.0f} MB (use fewer hidden units or layers, "
                "or smaller batches)"
            )

    def training_bytes(self, n_in: int = 784, n_out: int = 10) -> int:
        """About how much memory training takes: weights, their gradients and velocities,
        and a batch's inputs and activations (forward, and deltas backward)."""
        sizes = (n_in, *self.hidden_sizes, n_out)
        params = sum((i + 1) * o for i, o in zip(sizes, sizes[1:], strict=False))
        units = sum(sizes[1:])
        return np.dtype(self.dtype).itemsize * (3 * params + self.batch_size * (n_in + 2 * units))

    @property
    def hidden_sizes(self) -> tuple[int, ...]:
        return (self.hidden,) * self.layers

    @property
    def np_dtype(self) -> np.dtype:
        return np.dtype(self.dtype)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        """From a saved config; unknown keys are an error (the file is not ours)."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown config keys: {sorted(unknown)}")
        return cls(**data)


SCHEMA: dict[str, Field] = schema(TrainConfig)
"""name -> Field: the URL keys, limits, choices and labels of TrainConfig."""


BOOK = TrainConfig(
    hidden=100,
    layers=1,
    activation="sigmoid",
    loss="sigmoid_bce",
    lr=0.0005,
    l2=0.01,
    momentum=0.0,
    batch_size=100,
    epochs=200,
    seed=1,
    n_train=55000,
    init="normal",
    reduction="sum",
    scaling="pm1",
    exact_eval=True,
)
"""Raschka et al.'s NeuralNetMLP run (see README.md): 784-100-10, sigmoid, summed gradients."""

PRESETS: dict[str, TrainConfig] = {"default": TrainConfig(), "book": BOOK}


def scaling_of(config: TrainConfig | None) -> str:
    """The pixel scaling a model was trained with: its config's, or for a model file that
    has no config (the first model files) the book's [-1, 1]."""
    return config.scaling if config is not None else "pm1"
