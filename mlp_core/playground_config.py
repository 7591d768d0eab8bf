"""The playground's settings: one frozen dataclass on the settings schema (mlp_core.settings).

As for `TrainConfig`, its fields' schema rows drive validation, `to_query()` and
`read_query()`, so a teacher's link ("spiral, 3 layers of 8, tanh, noise 20 %") sets up
the experiment, and a page shows each value it could not use with the value used
instead. Weights never go in a URL; they are rebuilt from the config and its seed.
"""

from __future__ import annotations

from dataclasses import dataclass

from mlp_core.settings import Field, Settings, schema, setting

DATASETS = ("circles", "xor", "blobs", "spiral", "moons", "wave")
"""Data sets (mlp_core.playground.DATASETS has their generators); `wave` is regression."""

FEATURES = ("x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2")
"""Input features (mlp_core.playground.FEATURES has their functions)."""

ACTIVATIONS = ("tanh", "relu", "sigmoid", "linear")
REGULARIZERS = ("none", "l1", "l2")
MAX_LAYERS = 6
MAX_NEURONS = 8

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
class PlaygroundConfig(Settings):
    """Everything that defines a playground run. Invalid values raise ValueError."""

    dataset: str = setting("circles", "data", choices=DATASETS, label="data set")
    noise: int = setting(0, "noise", 0, 50, label="noise in percent")
    train_pct: int = setting(50, "train", 10, 90, label="training share in percent")
    n_points: int = setting(500, "n", 50, 1000, label="number of points")
    seed: int = setting(1, "seed", 0, 2**31 - 1, label="seed")
    features: tuple[str, ...] = setting(
        ("x1", "x2"), "f", choices=FEATURES, least=1, label="input features"
    )
    hidden: tuple[int, ...] = setting(
        (4, 2),
        "layers",
        1,
        MAX_NEURONS,
        most=MAX_LAYERS,
        count_label="hidden layers",
        label="neurons per hidden layer",
    )
    activation: str = setting("tanh", "act", choices=ACTIVATIONS, label="activation")
    lr: float = setting(0.03, "lr", 1e-5, 10.0, label="learning rate")
    regularizer: str = setting("none", "reg", choices=REGULARIZERS, label="regularisation")
    reg_rate: float = setting(0.0, "rate", 0.0, 10.0, label="regularisation rate")
    batch_size: int = setting(10, "batch", 1, 1000, label="batch size")
    show_test: bool = setting(False, "test", label="show test data")

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


SCHEMA: dict[str, Field] = schema(PlaygroundConfig)
"""name -> Field: the URL keys, limits, choices and labels of PlaygroundConfig. A tuple
field holds several values, written "8,8,8" in a URL (neuron counts, or feature names)."""
