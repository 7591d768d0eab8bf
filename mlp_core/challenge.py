"""A class challenge's rules: limits a run must keep, settings it may not change, and
the measure the board ranks on. The limits are a settings type (`Limits`, on
mlp_core.settings' one schema: checking, parsing, formatting and the words), as
TrainConfig is for the Train page's settings.

A rule at 0 is no limit. `fixed` maps Train settings (TrainConfig field names) to the
values every run of the challenge must use: the Train page applies and locks them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mlp_core.config import SCHEMA, TrainConfig
from mlp_core.idx import N_PIXELS
from mlp_core.provenance import Kind, TrainedOn, unseen
from mlp_core.settings import Settings, format, parse, schema, setting

MEASURES = ("test accuracy",)
DATA = ("mnist",)


@dataclass(frozen=True)
class Limits(Settings):
    """A challenge's limits as a settings type (mlp_core.settings): each an upper limit,
    0 for none; the measure the board ranks on and the data."""

    max_hidden: int = setting(0, "rh", 0, 4096, label="hidden units per layer")
    max_layers: int = setting(0, "rl", 0, 5, label="hidden layers")
    max_params: int = setting(0, "rp", 0, 10**8, label="parameters (weights and biases)")
    max_epochs: int = setting(0, "re", 0, 1000, label="epochs")
    max_seconds: float = setting(0.0, "rs", 0.0, 86400.0, label="training seconds")
    measure: str = setting("test accuracy", "measure", choices=MEASURES)
    data: str = setting("mnist", "data", choices=DATA)


RULES = {n: f for n, f in schema(Limits).items() if n.startswith("max_")}
"""name -> Field of each limit."""


@dataclass(frozen=True)
class Rules:
    """What a challenge allows. Invalid values raise ValueError naming the allowed range."""

    max_hidden: int = 0
    max_layers: int = 0
    max_params: int = 0
    max_epochs: int = 0
    max_seconds: float = 0.0
    fixed: dict[str, Any] = field(default_factory=dict)
    measure: str = "test accuracy"
    data: str = "mnist"

    def __post_init__(self) -> None:
        Limits(**{n: getattr(self, n) for n in schema(Limits)})  # each value, checked
        unknown = sorted(set(self.fixed) - set(SCHEMA))
        if unknown:
            raise ValueError(f"fixed settings must be Train settings; unknown: {unknown}")
        TrainConfig(**self.fixed)  # each fixed value must be a valid setting

    def apply(self, config: TrainConfig) -> TrainConfig:
        """`config` with the fixed settings set."""
        return config.replace(**self.fixed) if self.fixed else config

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Rules:
        names = {f.name for f in dataclasses.fields(cls)}
        if unknown := sorted(set(data) - names):
            raise ValueError(f"unknown rule keys: {unknown}")
        return cls(**data)

    @classmethod
    def from_text(cls, limits: dict[str, str], fixed: dict[str, str]) -> Rules:
        """From a form: limit name -> typed text, Train setting -> typed text."""
        values = {n: parse(RULES[n], t.strip() or "0") for n, t in limits.items()}
        fixed_values = {n: parse(SCHEMA[n], t.strip()) for n, t in fixed.items()}
        return cls(**values, fixed=fixed_values)

    def lines(self) -> list[str]:
        """The rules in words, one line each."""
        out = [
            f"at most {format(getattr(self, n))} {r.label}"
            for n, r in RULES.items()
            if getattr(self, n)
        ]
        out += [f"{SCHEMA[n].label} fixed at {format(v)}" for n, v in self.fixed.items()]
        return out or ["no limits"]


def n_params(sizes: tuple[int, ...]) -> int:
    """Weights and biases of a dense net with layer `sizes` (inputs first)."""
    return sum((i + 1) * o for i, o in zip(sizes, sizes[1:], strict=False))


@dataclass(frozen=True)
class Evidence:
    """What the server knows of a run it is asked to score (never what a client says)."""

    config: TrainConfig
    sizes: tuple[int, ...]
    epochs: int
    seconds: float
    trained_here: bool  # trained by this app's Trainer, not loaded from a file
    trained_on: TrainedOn | None  # the digits it learned from


def broken(rules: Rules, run: Evidence, test_kind: Kind) -> list[str]:
    """Every rule the run breaks, one line each naming the rule and the allowed value;
    `test_kind`: the data whose private test half scores it."""
    if not run.trained_here:
        return ["only runs trained here can be submitted: a model from a file is never scored"]
    if unseen(run.trained_on, test_kind) is not True or run.sizes[0] != N_PIXELS:
        return ["only runs trained on this server's MNIST digits can be scored"]
    hidden = run.sizes[1:-1]
    checks = [
        ("max_hidden", max(hidden, default=0), "hidden units in a layer"),
        ("max_layers", len(hidden), "hidden layers"),
        ("max_params", n_params(run.sizes), "parameters"),
        ("max_epochs", run.epochs, "epochs"),
        ("max_seconds", run.seconds, "seconds of training"),
    ]
    out = [
        f"{format(round(value, 1))} {what}: the rule is at most {format(getattr(rules, n))}"
        for n, value, what in checks
        if getattr(rules, n) and value > getattr(rules, n)
    ]
    for name, value in rules.fixed.items():
        if getattr(run.config, name) != value:
            got = format(getattr(run.config, name))
            out.append(f"{SCHEMA[name].label} is {got}: the challenge fixes it at {format(value)}")
    return out


def accuracy(predicted: np.ndarray, y: np.ndarray) -> float:
    """Fraction of digits whose predicted class is the label."""
    return float(np.mean(np.asarray(predicted) == np.asarray(y))) if len(y) else 0.0
