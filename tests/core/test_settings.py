"""The settings schema on its own: a third settings type (a challenge's rules) needs only
its fields, and gets validation, one-line messages and the URL round-trip."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from mlp_core.config import TrainConfig
from mlp_core.settings import Settings, allowed, check, format, parse, schema, setting

TRAIN_FIELDS = tuple(schema(TrainConfig))


@dataclass(frozen=True)
class Rules(Settings):
    """The shape of a teacher's challenge: limits, and settings the students may not change."""

    max_hidden: int = setting(100, "maxh", 1, 4096, label="most hidden units")
    max_layers: int = setting(2, "maxl", 1, 5, label="most hidden layers")
    max_epochs: int = setting(10, "maxe", 1, 1000, label="most epochs")
    fixed: tuple[str, ...] = setting((), "fixed", choices=TRAIN_FIELDS, label="fixed settings")
    min_lr: float = setting(1e-4, "minlr", 1e-7, 10.0, label="smallest learning rate")

    def check_together(self) -> None:
        if self.max_hidden < self.max_layers:
            raise ValueError("most hidden units must be at least the most hidden layers")


def test_a_new_settings_type_gets_the_schema_from_its_fields():
    rows = schema(Rules)
    assert list(rows) == ["max_hidden", "max_layers", "max_epochs", "fixed", "min_lr"]
    assert rows["max_epochs"].key == "maxe" and rows["max_epochs"].default == 10
    assert rows["fixed"].kind is tuple and rows["min_lr"].kind is float


def test_round_trip_and_only_what_differs():
    rules = Rules(max_hidden=30, fixed=("activation", "lr"))
    assert rules.to_query() == {"maxh": "30", "fixed": "activation,lr"}
    assert Rules.read_query(rules.to_query()) == (rules, [])
    assert Rules().to_query() == {} and Rules.from_query({"fixed": "0"}) == Rules()


def test_bad_link_values_fall_back_with_one_line_each():
    rules, problems = Rules.read_query({"maxe": "5000", "fixed": "lr,colour", "maxh": "1"})
    assert rules == Rules()
    assert problems == [
        "maxh=1: most hidden units must be at least the most hidden layers; using 100",
        "maxe=5000: most epochs must be a whole number from 1 to 1000; using 10",
        "fixed=lr,colour: fixed settings must be any of "
        + ", ".join(TRAIN_FIELDS)
        + ", each once; using 0",
    ]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"max_epochs": 0}, "max_epochs (most epochs) must be between 1 and 1000; got 0"),
        ({"fixed": ("lr", "lr")}, "fixed settings must be any of"),
        ({"min_lr": "small"}, "min_lr (smallest learning rate) must be a number, got 'small'"),
        ({"max_hidden": 1, "max_layers": 2}, "most hidden units must be at least"),
    ],
)
def test_invalid_settings_raise_one_line(changes, message):
    with pytest.raises(ValueError) as error:
        Rules(**changes)
    assert message in str(error.value) and "\n" not in str(error.value)


def test_parse_check_format_one_value():
    field = schema(Rules)["min_lr"]
    assert parse(field, "1e-3") == 0.001 and format(0.001) == "0.001"
    check(field, 0.001)
    with pytest.raises(ValueError, match="between 1e-07 and 10"):
        check(field, 0.0)
    assert allowed(field) == "smallest learning rate must be a number from 1e-07 to 10"
    assert format((8, 8)) == "8,8" and format(True) == "1" and format(1 / 3) == repr(1 / 3)
