"""The playground's settings: one frozen dataclass, one schema table for URLs.

Like `TrainConfig` (mlp_core.config), the table drives validation, `to_query()` and
`from_query()`, so a teacher's link ("spiral, 3 layers of 8, tanh, noise 20 %") sets up
the experiment. Unlike it, `from_query` says what it could not use: a page shows each
problem with the value it used instead. Weights never go in a URL; they are rebuilt from
the config and its seed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from mlp_core.config import Field, _check_field, _format, _parse, query_values

DATASETS = (
    "circles",
    "xor",
    "blobs",
    "spiral",
    "moons",
    "wave",
    "spiral3",
    "spiral4",
    "blobs3",
    "blobs4",
    "own",
)
"""Data sets (mlp_core.playground.DATASETS has their generators); `wave` is regression,
`spiral3` ... `blobs4` have 3 or 4 classes, `own` holds the student's points."""

FEATURES = ("x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2")
"""Input features (mlp_core.playground.FEATURES has their functions)."""

ACTIVATIONS = ("tanh", "relu", "sigmoid", "linear")
REGULARIZERS = ("none", "l1", "l2")
MAX_LAYERS = 6
MAX_NEURONS = 8

# name -> Field. `tuple` fields hold several values, written "8,8,8" in a URL: neuron
# counts (between low and high) or names (from choices).
SCHEMA: dict[str, Field] = {
    "dataset": Field("data", str, choices=DATASETS, label="data set"),
    "noise": Field("noise", int, 0, 50, label="noise in percent"),
    "train_pct": Field("train", int, 10, 90, label="training share in percent"),
    "n_points": Field("n", int, 50, 1000, label="number of points"),
    "seed": Field("seed", int, 0, 2**31 - 1, label="seed"),
    "features": Field("f", tuple, choices=FEATURES, label="input features"),
    "hidden": Field("layers", tuple, 1, MAX_NEURONS, label="neurons per hidden layer"),
    "activation": Field("act", str, choices=ACTIVATIONS, label="activation"),
    "lr": Field("lr", float, 1e-5, 10.0, label="learning rate"),
    "regularizer": Field("reg", str, choices=REGULARIZERS, label="regularisation"),
    "reg_rate": Field("rate", float, 0.0, 10.0, label="regularisation rate"),
    "batch_size": Field("batch", int, 1, 1000, label="batch size"),
    "show_test": Field("test", bool, label="show test data"),
}

STRUCTURE = (
    "dataset",
    "noise",
    "train_pct",
    "n_points",
    "seed",
    "features",
    "hidden",
    "activation",
)
"""Fields that define the data or the network: changing one starts a new network.
The others (learning rate, regularisation, batch size, display) apply while it trains."""


@dataclass(frozen=True)
class PlaygroundConfig:
    """Everything that defines a playground run. Invalid values raise ValueError."""

    dataset: str = "circles"
    noise: int = 0
    train_pct: int = 50
    n_points: int = 500
    seed: int = 1
    features: tuple[str, ...] = ("x1", "x2")
    hidden: tuple[int, ...] = (4, 2)
    activation: str = "tanh"
    lr: float = 0.03
    regularizer: str = "none"
    reg_rate: float = 0.0
    batch_size: int = 10
    show_test: bool = False

    def __post_init__(self) -> None:
        for name, field in SCHEMA.items():
            value = getattr(self, name)
            if isinstance(value, np.generic):  # widgets hand over NumPy scalars
                object.__setattr__(self, name, value.item())
            elif isinstance(value, list):
                object.__setattr__(self, name, tuple(value))
            _check(name, field, getattr(self, name))

    @property
    def n_train(self) -> int:
        """Points used for training (at least 1, and at least 1 left for testing)."""
        return min(max(1, round(self.n_points * self.train_pct / 100)), self.n_points - 1)

    @property
    def l1(self) -> float:
        return self.reg_rate if self.regularizer == "l1" else 0.0

    @property
    def l2(self) -> float:
        return self.reg_rate if self.regularizer == "l2" else 0.0

    def structure(self) -> tuple:
        """The values of the STRUCTURE fields: equal structures share a network."""
        return tuple(getattr(self, name) for name in STRUCTURE)

    def replace(self, **changes: Any) -> PlaygroundConfig:
        return dataclasses.replace(self, **changes)

    def to_query(self) -> dict[str, str]:
        """Only the fields that differ from the defaults, as short URL keys."""
        default = PlaygroundConfig()
        return {
            field.key: _write(getattr(self, name))
            for name, field in SCHEMA.items()
            if getattr(self, name) != getattr(default, name)
        }

    @classmethod
    def from_query(cls, query: dict[str, Any]) -> tuple[PlaygroundConfig, list[str]]:
        """Read URL parameters; each bad value falls back to the default, with a message."""
        config, problems = cls(), []
        for name, field, raw in query_values(SCHEMA, query):
            try:
                config = config.replace(**{name: _read(field, raw)})
            except ValueError as exc:
                used = _write(getattr(config, name))
                problems.append(f"{field.key}={raw!r} in the link: {exc}. Using {used!r}.")
        return config, problems


def _check(name: str, field: Field, value: Any) -> None:
    """Validate one value; tuples element by element, then their length."""
    if field.kind is not tuple:
        _check_field(field.key, field, value)  # named as in a link: noise, not its field
        return
    if not isinstance(value, tuple):
        raise ValueError(f"{name} must be a list of values, got {value!r}")
    if field.choices is not None:
        bad = [v for v in value if v not in field.choices]
        if bad or not value or len(set(value)) != len(value):
            raise ValueError(
                f"{field.label} must be one or more of {', '.join(field.choices)}, each once"
            )
        return
    if len(value) > MAX_LAYERS:
        raise ValueError(f"at most {MAX_LAYERS} hidden layers; got {len(value)}")
    for v in value:
        _check_field(field.key, field, v)


def _read(field: Field, raw: str) -> Any:
    if field.kind is not tuple:
        return _parse(field.kind, raw)
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    if field.choices is not None:
        return tuple(parts)
    return tuple(_parse(int, p) for p in parts if p != "0")  # "0" or "": no hidden layer


def _write(value: Any) -> str:
    if isinstance(value, tuple):
        return ",".join(map(str, value)) if value else "0"
    return _format(value)
