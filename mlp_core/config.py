"""Training configuration: one frozen dataclass, one schema table for URLs.

The schema table drives validation, `to_query()` and `from_query()`, so a link with
query parameters reproduces a run. Weights are never put in a URL: they are rebuilt
from the config (and its seed).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

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
class Field:
    """One row of the schema: URL key, type, limits or choices, short label."""

    key: str
    kind: type
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] | None = None
    label: str = ""


# name -> Field. Limits are what the engine accepts; the UI may offer less.
SCHEMA: dict[str, Field] = {
    "hidden": Field("hidden", int, 1, 4096, label="hidden units per layer"),
    "layers": Field("layers", int, 1, 5, label="hidden layers"),
    "activation": Field("act", str, choices=HIDDEN_ACTIVATIONS, label="hidden activation"),
    "loss": Field("loss", str, choices=LOSS_NAMES, label="output / loss"),
    "lr": Field("lr", float, 1e-7, 10.0, label="learning rate"),
    "l2": Field("l2", float, 0.0, 10.0, label="L2 strength"),
    "momentum": Field("mom", float, 0.0, 0.99, label="momentum"),
    "batch_size": Field("batch", int, 1, 60000, label="batch size"),
    "epochs": Field("epochs", int, 1, 1000, label="epochs"),
    "seed": Field("seed", int, 0, 2**31 - 1, label="seed"),
    "n_train": Field("n", int, 10, 60000, label="training examples"),
    "init": Field("init", str, choices=INITS, label="weight initialisation"),
    "reduction": Field("red", str, choices=REDUCTIONS, label="gradient reduction"),
    "scaling": Field("scale", str, choices=SCALINGS, label="pixel scaling"),
    "dtype": Field("dtype", str, choices=DTYPES, label="float type"),
    "patience": Field("pat", int, 0, 1000, label="early-stopping patience (0 = off)"),
    "exact_eval": Field("exact", bool, label="full-training-set loss and accuracy"),
}


@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a training run. Invalid values raise ValueError."""

    hidden: int = 100
    layers: int = 1
    activation: str = "relu"
    loss: str = "softmax_ce"
    lr: float = 0.1
    l2: float = 0.0
    momentum: float = 0.9
    batch_size: int = 100
    epochs: int = 10
    seed: int = 1
    n_train: int = 55000
    init: str = "he"
    reduction: str = "mean"
    scaling: str = "01"
    dtype: str = "float32"
    patience: int = 0
    exact_eval: bool = False

    def __post_init__(self) -> None:
        for name, field in SCHEMA.items():
            value = getattr(self, name)
            if isinstance(value, np.generic):  # widgets and arrays hand over NumPy scalars
                object.__setattr__(self, name, value.item())
            _check_field(name, field, getattr(self, name))
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

    def replace(self, **changes: Any) -> TrainConfig:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_query(self) -> dict[str, str]:
        """Only the fields that differ from the defaults, as short URL keys."""
        default = TrainConfig()
        out = {}
        for name, field in SCHEMA.items():
            value = getattr(self, name)
            if value != getattr(default, name):
                out[field.key] = _format(value)
        return out

    @classmethod
    def from_query(cls, query: dict[str, Any], base: TrainConfig | None = None) -> TrainConfig:
        """Read URL parameters; a bad value falls back to `base` (default config)."""
        return cls.read_query(query, base)[0]

    @classmethod
    def read_query(
        cls, query: dict[str, Any], base: TrainConfig | None = None
    ) -> tuple[TrainConfig, list[str]]:
        """Read URL parameters -> the config, and one line per value that could not be used
        (what it was, why not, and the value used instead). Unknown keys are left alone:
        other pages and Streamlit keep their own parameters in the same URL."""
        config, problems = base or cls(), []
        for name, field, raw in query_values(SCHEMA, query):
            try:
                config = config.replace(**{name: _parse(field.kind, raw)})
            except ValueError as exc:
                why = str(exc) if _fits_alone(name, field, raw) else _allowed(field)
                used = _format(getattr(config, name))
                problems.append(f"{field.key}={raw}: {why}; using {used}")
        return config, problems

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        """From a saved config; unknown keys are an error (the file is not ours)."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown config keys: {sorted(unknown)}")
        return cls(**data)


def _check_field(name: str, field: Field, value: Any) -> None:
    if field.kind is bool:
        if not isinstance(value, bool):
            raise ValueError(f"{name} must be true or false, got {value!r}")
        return
    if field.choices is not None:
        if value not in field.choices:
            raise ValueError(f"{name} must be one of {', '.join(field.choices)}; got {value!r}")
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be a number, got {value!r}")
    if not field.low <= value <= field.high:  # NaN fails every comparison, so lands here
        who = name if field.label == name else f"{name} ({field.label})"
        raise ValueError(
            f"{who} must be between {_format(field.low)} "
            f"and {_format(field.high)}; got {_format(value)}"
        )
    if field.kind is int and int(value) != value:
        raise ValueError(f"{name} must be a whole number, got {value!r}")


def _format(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):  # short, but never at the cost of changing the value
        short = f"{value:g}"
        return short if float(short) == value else repr(value)
    return str(value)


def query_values(schema: dict[str, Field], query: dict[str, Any]) -> Iterator[tuple]:
    """(name, field, raw text) for each field of `schema` that the URL query sets; a key
    given twice counts with its last value."""
    for name, field in schema.items():
        raw = query.get(field.key)
        if isinstance(raw, list):
            raw = raw[-1] if raw else None
        if raw is not None:
            yield name, field, str(raw)


def _fits_alone(name: str, field: Field, raw: str) -> bool:
    """Whether a URL value is fine for its field alone (then the whole run is what fails)."""
    try:
        _check_field(name, field, _parse(field.kind, raw))
    except ValueError:
        return False
    return True


def _allowed(field: Field) -> str:
    """What a URL value of this field may be, in words."""
    if field.choices is not None:
        return f"{field.label} must be one of {', '.join(field.choices)}"
    if field.kind is bool:
        return f"{field.label} must be 1 or 0"
    kind = "a whole number" if field.kind is int else "a number"
    return f"{field.label} must be {kind} from {_format(field.low)} to {_format(field.high)}"


def _parse(kind: type, raw: str) -> Any:
    if kind is bool:
        if raw.lower() in ("1", "true", "yes"):
            return True
        if raw.lower() in ("0", "false", "no"):
            return False
        raise ValueError(raw)
    if kind is int:
        return int(float(raw)) if float(raw).is_integer() else int(raw)
    if kind is float:
        return float(raw)
    return raw


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
