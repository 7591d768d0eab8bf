"""A class challenge's rules: limits a run must keep, settings it may not change, and
the measure the board ranks on. The limits are a settings type (`Limits`, on
mlp_core.settings' one schema: checking, parsing, formatting and the words), as
TrainConfig is for the Train page's settings.

A rule at 0 is no limit. `fixed` maps settings to the values every run of the challenge
must use, and the page applies and locks them:
- an MNIST challenge (`data` "mnist"): Train settings (TrainConfig field names), on the
  Train page; ranked by test accuracy;
- a Playground challenge (`data` "playground"): Playground settings (PlaygroundConfig
  field names) on the Playground page. It always fixes its data (PLAY_DATA: the data
  set, noise, number of points, training share and seed), never the student's own
  points; ranked by test loss (lower is better) or test accuracy, on private points
  (mlp_core.play_holdout).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mlp_core.config import SCHEMA, TrainConfig
from mlp_core.idx import N_PIXELS
from mlp_core.playground import DATASETS as PLAY_SETS
from mlp_core.playground_config import SCHEMA as PLAY_SCHEMA
from mlp_core.playground_config import PlaygroundConfig
from mlp_core.provenance import Kind, TrainedOn, unseen
from mlp_core.settings import Settings, format, parse, schema, setting

MEASURES = ("test accuracy", "test loss")
DATA = ("mnist", "playground")
PLAY_DATA = ("dataset", "noise", "n_points", "train_pct", "seed")
"""The Playground settings that make the points: a Playground challenge fixes them all."""


@dataclass(frozen=True)
class Measure:
    """How the board ranks and writes a score."""

    name: str
    column: str  # the ranking's column
    lower_is_better: bool
    percent: bool  # a fraction shown in percent

    def text(self, score: float) -> str:
        """'97.50%' or 'loss 0.1234'."""
        return f"{score:.2%}" if self.percent else f"loss {score:.4f}"

    def shown(self, score: float) -> float:
        """The number in the ranking's column."""
        return round(100 * score, 2) if self.percent else round(score, 4)


MEASURE = {
    "test accuracy": Measure("test accuracy", "accuracy (%)", False, True),
    "test loss": Measure("test loss", "test loss (lower is better)", True, False),
}


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
        if self.data == "playground":
            made = _play_fixed(self.fixed, self.measure)
        else:
            made = _train_fixed(self.fixed, self.measure)
        # each value as its settings type holds it (a list from JSON is a tuple there)
        object.__setattr__(self, "fixed", {n: getattr(made, n) for n in self.fixed})

    @property
    def playground(self) -> bool:
        return self.data == "playground"

    @property
    def ranked_by(self) -> Measure:
        return MEASURE[self.measure]

    def apply(self, config: Any) -> Any:
        """`config` (a TrainConfig, or a PlaygroundConfig for a Playground challenge)
        with the fixed settings set."""
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
    def from_text(
        cls,
        limits: dict[str, str],
        fixed: dict[str, str],
        data: str = "mnist",
        measure: str = "test accuracy",
    ) -> Rules:
        """From a form: limit name -> typed text, setting -> typed text (Train settings,
        or Playground settings for data 'playground')."""
        settings = PLAY_SCHEMA if data == "playground" else SCHEMA
        values = {n: parse(RULES[n], t.strip() or "0") for n, t in limits.items()}
        unknown = sorted(set(fixed) - set(settings))
        if unknown:
            raise ValueError(f"unknown settings: {unknown}")
        fixed_values = {n: parse(settings[n], t.strip()) for n, t in fixed.items()}
        return cls(**values, fixed=fixed_values, data=data, measure=measure)

    def lines(self) -> list[str]:
        """The rules in words, one line each."""
        out = [
            f"at most {format(getattr(self, n))} {r.label}"
            for n, r in RULES.items()
            if getattr(self, n)
        ]
        labels = PLAY_SCHEMA if self.playground else SCHEMA
        out += [
            f"{labels[n].label} fixed at {_shown(n, v)}"
            for n, v in self.fixed.items()
            if not (self.playground and n in PLAY_DATA)
        ]
        data = [f"data: {self.data_line()}"] if self.playground else []
        return data + out or ["no limits"]

    def data_line(self) -> str:
        """The challenge's data in words ('MNIST digits', 'Spiral, noise 10 %, ...')."""
        if not self.playground:
            return "MNIST digits"
        f = self.fixed
        return (
            f"{PLAY_SETS[f['dataset']].label}, noise {f['noise']} %, {f['n_points']} points, "
            f"{f['train_pct']} % for training, seed {f['seed']}"
        )


def _shown(name: str, value: Any) -> str:
    if name == "dataset" and value in PLAY_SETS:
        return PLAY_SETS[value].label
    return format(value)


def _train_fixed(fixed: dict[str, Any], measure: str) -> TrainConfig:
    """An MNIST challenge's fixed settings as a TrainConfig (ValueError if one is bad)."""
    if measure != "test accuracy":
        raise ValueError("an MNIST challenge is ranked by test accuracy")
    unknown = sorted(set(fixed) - set(SCHEMA))
    if unknown:
        raise ValueError(f"fixed settings must be Train settings; unknown: {unknown}")
    return TrainConfig(**fixed)  # each fixed value must be a valid setting


def _play_fixed(fixed: dict[str, Any], measure: str) -> PlaygroundConfig:
    """A Playground challenge's fixed settings as a PlaygroundConfig (ValueError if one
    is bad, its data is not all fixed, or it is the student's own points)."""
    unknown = sorted(set(fixed) - set(PLAY_SCHEMA))
    if unknown:
        raise ValueError(f"fixed settings must be Playground settings; unknown: {unknown}")
    missing = [n for n in PLAY_DATA if n not in fixed]
    if missing:
        raise ValueError(f"a Playground challenge fixes its data; missing: {missing}")
    if fixed["dataset"] == "own":
        raise ValueError(
            "a Playground challenge's data must be a generated data set, not own points"
        )
    if measure == "test accuracy" and PLAY_SETS[fixed["dataset"]].task != "classify":
        raise ValueError("a regression data set has no accuracy: rank it by test loss")
    return PlaygroundConfig(**fixed)


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


FROM_FILE = "only runs trained here can be submitted: a model from a file is never scored"


def broken(rules: Rules, run: Evidence, test_kind: Kind) -> list[str]:
    """Every rule the run breaks, one line each naming the rule and the allowed value;
    `test_kind`: the data whose private test half scores it."""
    if rules.playground:
        return ["this is a Playground challenge: play for it on the Playground page"]
    if not run.trained_here:
        return [FROM_FILE]
    if unseen(run.trained_on, test_kind) is not True or run.sizes[0] != N_PIXELS:
        return ["only runs trained on this server's MNIST digits can be scored"]
    return _limits(rules, run.sizes, run.epochs, run.seconds) + _fixed(rules, run.config, SCHEMA)


@dataclass(frozen=True)
class PlayEvidence:
    """What the server knows of a Playground run it is asked to score."""

    config: PlaygroundConfig
    sizes: tuple[int, ...]  # features, hidden layers, outputs
    epochs: int
    seconds: float
    trained_here: bool  # trained by this server's Playground, on the points its config makes


def broken_play(rules: Rules, run: PlayEvidence) -> list[str]:
    """Every rule a Playground run breaks, one line each (as `broken`)."""
    if not rules.playground:
        return ["this challenge is on MNIST digits: train for it on the Train page"]
    if not run.trained_here:
        return [FROM_FILE]
    if run.config.dataset == "own":
        return [
            "a run on your own points is never scored: the challenge's data is " + rules.data_line()
        ]
    return _limits(rules, run.sizes, run.epochs, run.seconds) + _fixed(
        rules, run.config, PLAY_SCHEMA
    )


def _limits(rules: Rules, sizes: tuple[int, ...], epochs: int, seconds: float) -> list[str]:
    hidden = sizes[1:-1]
    checks = [
        ("max_hidden", max(hidden, default=0), "hidden units in a layer"),
        ("max_layers", len(hidden), "hidden layers"),
        ("max_params", n_params(sizes), "parameters"),
        ("max_epochs", epochs, "epochs"),
        ("max_seconds", seconds, "seconds of training"),
    ]
    return [
        f"{format(round(value, 1))} {what}: the rule is at most {format(getattr(rules, n))}"
        for n, value, what in checks
        if getattr(rules, n) and value > getattr(rules, n)
    ]


def _fixed(rules: Rules, config: Any, labels: dict) -> list[str]:
    out = []
    for name, value in rules.fixed.items():
        if getattr(config, name) != value:
            got = _shown(name, getattr(config, name))
            out.append(
                f"{labels[name].label} is {got}: the challenge fixes it at {_shown(name, value)}"
            )
    return out


def accuracy(predicted: np.ndarray, y: np.ndarray) -> float:
    """Fraction of digits whose predicted class is the label."""
    return float(np.mean(np.asarray(predicted) == np.asarray(y))) if len(y) else 0.0
