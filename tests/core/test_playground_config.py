"""PlaygroundConfig: validation, and the URL round-trip that reports what it cannot use."""

from __future__ import annotations

import dataclasses

import pytest

from mlp_core.playground_config import SCHEMA, STRUCTURE, PlaygroundConfig


def test_schema_covers_every_field_with_unique_url_keys():
    names = [f.name for f in dataclasses.fields(PlaygroundConfig)]
    assert sorted(SCHEMA) == sorted(names)
    keys = [field.key for field in SCHEMA.values()]
    assert len(set(keys)) == len(keys)
    assert set(STRUCTURE) <= set(SCHEMA)


def test_the_defaults_are_tensorflow_playgrounds():
    c = PlaygroundConfig()
    assert (c.dataset, c.hidden, c.activation, c.lr, c.batch_size) == (
        "circles",
        (4, 2),
        "tanh",
        0.03,
        10,
    )
    assert c.n_train == 250 and c.to_query() == {}


def test_a_teachers_link_round_trips():
    c = PlaygroundConfig(
        dataset="spiral",
        noise=20,
        hidden=(8, 8, 8),
        features=("x1", "x2", "sinx1"),
        activation="relu",
        lr=0.003,
        regularizer="l2",
        reg_rate=0.001,
        show_test=True,
    )
    query = c.to_query()
    assert query["data"] == "spiral" and query["layers"] == "8,8,8" and query["f"] == "x1,x2,sinx1"
    back, problems = PlaygroundConfig.read_query(query)
    assert back == c and problems == []


def test_no_hidden_layer_is_written_as_zero():
    c = PlaygroundConfig(hidden=())
    assert c.to_query()["layers"] == "0"
    assert PlaygroundConfig.read_query({"layers": "0"})[0].hidden == ()
    assert PlaygroundConfig.read_query({"layers": ""})[0].hidden == ()


@pytest.mark.parametrize(
    ("query", "field", "words"),
    [
        ({"noise": "80"}, "noise", "noise in percent must be a whole number from 0 to 50"),
        ({"layers": "8,8,8,8,8,8,8"}, "hidden", "from 0 to 6 hidden layers"),
        ({"layers": "9"}, "hidden", "each a whole number from 1 to 8"),
        ({"layers": "4,x"}, "hidden", "each a whole number from 1 to 8"),
        ({"f": "x1,x3"}, "features", "one or more of"),
        ({"data": "iris"}, "dataset", "one of"),
        ({"lr": "nan"}, "lr", "from 1e-05 to 10"),
        ({"test": "maybe"}, "show_test", "1 or 0"),
    ],
)
def test_a_bad_value_in_a_link_falls_back_and_says_so(query, field, words):
    config, problems = PlaygroundConfig.read_query({"data": "xor", **query})
    default = getattr(PlaygroundConfig(), field)
    assert getattr(config, field) == default
    assert len(problems) == 1
    key, raw = next(iter(query.items()))
    assert problems[0].startswith(f"{key}={raw}: ") and words in problems[0]
    assert "; using " in problems[0] and "\n" not in problems[0]
    if field != "dataset":
        assert config.dataset == "xor"  # the good values are kept


def test_invalid_configs_raise_with_the_allowed_range():
    with pytest.raises(ValueError, match="between 10 and 90"):
        PlaygroundConfig(train_pct=95)
    with pytest.raises(ValueError, match="each once"):
        PlaygroundConfig(features=("x1", "x1"))
    with pytest.raises(ValueError, match="one or more"):
        PlaygroundConfig(features=())


def test_regularisation_rates_and_the_split():
    c = PlaygroundConfig(regularizer="l1", reg_rate=0.3, n_points=50, train_pct=90)
    assert (c.l1, c.l2) == (0.3, 0.0)
    assert c.n_train == 45
    assert PlaygroundConfig(regularizer="none", reg_rate=0.3).l1 == 0.0
