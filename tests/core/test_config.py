"""TrainConfig: validation, the URL round-trip driven by SCHEMA, and the book preset."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlp_core.config import BOOK, PRESETS, SCHEMA, TrainConfig


def test_defaults_are_valid_and_match_the_docs():
    config = TrainConfig()
    assert (config.hidden, config.layers, config.activation, config.loss) == (
        100,
        1,
        "relu",
        "softmax_ce",
    )
    assert config.hidden_sizes == (100,)
    assert config.dtype == "float32" and config.np_dtype.name == "float32"


def test_schema_covers_every_field_with_unique_url_keys():
    names = [f.name for f in dataclasses.fields(TrainConfig)]
    assert sorted(SCHEMA) == sorted(names)
    keys = [field.key for field in SCHEMA.values()]
    assert len(set(keys)) == len(keys)
    for name, field in SCHEMA.items():
        default = getattr(TrainConfig(), name)
        if field.choices is not None:
            assert default in field.choices
        elif field.kind is not bool:
            assert field.low <= default <= field.high


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"lr": 0.0}, ["lr", "learning rate", "between"]),
        ({"lr": 1e9}, ["lr", "learning rate", "between"]),
        ({"lr": -1.0}, ["lr", "between"]),
        ({"lr": math.nan}, ["lr", "nan"]),
        ({"lr": math.inf}, ["lr", "inf"]),
        ({"l2": math.nan}, ["l2"]),
        ({"hidden": 0}, ["hidden", "between 1 and 4096"]),
        ({"hidden": 2.5}, ["hidden", "whole number"]),
        ({"hidden": math.inf}, ["hidden"]),
        ({"hidden": 10**400}, ["hidden"]),
        ({"hidden": "100"}, ["hidden", "number"]),
        ({"hidden": True}, ["hidden", "number"]),
        ({"batch_size": 0}, ["batch_size", "batch size"]),
        ({"epochs": 100000}, ["epochs"]),
        ({"momentum": 1.0}, ["momentum"]),
        ({"seed": -1}, ["seed"]),
        ({"activation": "swish"}, ["activation", "sigmoid, tanh, relu", "swish"]),
        ({"loss": "hinge"}, ["loss", "softmax_ce"]),
        ({"init": "zeros"}, ["init"]),
        ({"dtype": "float16"}, ["dtype"]),
        ({"exact_eval": "yes"}, ["exact_eval", "true or false"]),
    ],
    ids=lambda v: repr(v)[:40] if isinstance(v, dict) else "",
)
def test_absurd_values_are_value_errors_that_say_what_is_wrong(changes, words):
    with pytest.raises(ValueError) as error:
        TrainConfig(**changes)
    message = str(error.value)
    assert "\n" not in message
    for word in words:
        assert word in message, (word, message)


def test_replace_validates_too():
    with pytest.raises(ValueError, match="lr"):
        TrainConfig().replace(lr=0)


def test_config_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        TrainConfig().lr = 1.0


def test_limits_themselves_are_accepted():
    low = {n: f.low for n, f in SCHEMA.items() if f.kind is not bool and f.choices is None}
    TrainConfig(**{n: SCHEMA[n].kind(v) for n, v in low.items()})
    for name, field in SCHEMA.items():  # each at its top, the others at their defaults
        if field.kind is not bool and field.choices is None:
            TrainConfig(**{name: field.kind(field.high)})


def test_a_run_too_big_for_a_shared_server_is_refused_with_its_size():
    with pytest.raises(ValueError, match=r"would need about 1,624 MB while training; at most 512"):
        TrainConfig(hidden=1024, layers=3, batch_size=60000)
    assert TrainConfig().training_bytes() < 2 * 2**20  # the defaults: about 1.3 MB


# -- URL round-trip -------------------------------------------------------------------
def _value(field):
    if field.kind is bool:
        return st.booleans()
    if field.choices is not None:
        return st.sampled_from(field.choices)
    if field.kind is int:
        return st.integers(int(field.low), int(field.high))
    return st.floats(field.low, field.high, allow_nan=False)


def _fits(values: dict) -> bool:
    """Within each field's limits is not enough: the whole run must fit in memory too."""
    try:
        TrainConfig(**values)
    except ValueError:
        return False
    return True


VALID_CONFIGS = (
    st.fixed_dictionaries({n: _value(f) for n, f in SCHEMA.items()})
    .filter(_fits)
    .map(lambda values: TrainConfig(**values))
)


@settings(max_examples=200, deadline=None)
@given(VALID_CONFIGS)
def test_query_round_trip(config):
    query = config.to_query()
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in query.items())
    assert TrainConfig.from_query(query) == config


@settings(max_examples=50, deadline=None)
@given(VALID_CONFIGS)
def test_query_values_may_arrive_as_lists(config):
    query = {k: ["garbage", v] for k, v in config.to_query().items()}  # the last one wins
    assert TrainConfig.from_query(query) == config


def test_to_query_lists_only_what_differs_from_the_defaults():
    assert TrainConfig().to_query() == {}
    assert TrainConfig(hidden=30, lr=0.5).to_query() == {"hidden": "30", "lr": "0.5"}
    assert TrainConfig(exact_eval=True).to_query() == {"exact": "1"}


def test_from_query_reads_short_keys_and_strings():
    config = TrainConfig.from_query(
        {"hidden": "30", "act": "tanh", "lr": "0.5", "batch": "1e2", "exact": "true"}
    )
    assert (config.hidden, config.activation, config.lr) == (30, "tanh", 0.5)
    assert config.batch_size == 100 and config.exact_eval is True


@pytest.mark.parametrize(
    "query",
    [
        {"hidden": "0"},
        {"hidden": "lots"},
        {"hidden": "2.5"},
        {"hidden": "9" * 400},
        {"lr": "0"},
        {"lr": "1e9"},
        {"lr": "nan"},
        {"lr": "inf"},
        {"lr": ""},
        {"batch": "-3"},
        {"act": "swish"},
        {"act": ""},
        {"exact": "maybe"},
        {"seed": "0x10"},
        {"unknown": "1"},
        {"n_train": "10"},  # field names are not URL keys: the key is "n"
        {"hidden": None},
        {"hidden": []},
    ],
)
def test_bad_query_values_fall_back_to_the_defaults(query):
    assert TrainConfig.from_query(query) == TrainConfig()


def test_a_bad_key_does_not_spoil_the_good_ones():
    config = TrainConfig.from_query({"hidden": "lots", "lr": "0.5", "bogus": "x"})
    assert config == TrainConfig(lr=0.5)


def test_from_query_falls_back_to_the_given_base():
    config = TrainConfig.from_query({"lr": "nonsense", "hidden": "20"}, base=BOOK)
    assert config == BOOK.replace(hidden=20)


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from([f.key for f in SCHEMA.values()] + ["zzz", ""]),
        st.one_of(st.text(max_size=30), st.lists(st.text(max_size=10), max_size=3)),
    )
)
def test_garbage_queries_never_raise(query):
    config = TrainConfig.from_query(query)
    assert isinstance(config, TrainConfig)


def test_dict_round_trip_and_unknown_keys():
    assert TrainConfig.from_dict(BOOK.to_dict()) == BOOK
    with pytest.raises(ValueError, match="unknown config keys"):
        TrainConfig.from_dict({**BOOK.to_dict(), "dropout": 0.5})


# -- the book's run -------------------------------------------------------------------
def test_book_preset_is_the_published_run():
    """The book's run: 784-100-10 sigmoid, BCE summed over the minibatch, L2 0.01, eta 0.0005,
    minibatch 100, 200 epochs, seed 1, normal(0, 0.1) weights, pixels in [-1, 1], plain
    SGD on the first 55,000 training images."""
    assert PRESETS["book"] is BOOK
    assert PRESETS["default"] == TrainConfig()
    assert BOOK.hidden_sizes == (100,)
    assert BOOK.activation == "sigmoid"
    assert BOOK.loss == "sigmoid_bce"
    assert BOOK.reduction == "sum"
    assert BOOK.l2 == 0.01
    assert BOOK.lr == 0.0005
    assert BOOK.batch_size == 100
    assert BOOK.epochs == 200
    assert BOOK.seed == 1
    assert BOOK.init == "normal"
    assert BOOK.momentum == 0.0
    assert BOOK.scaling == "pm1"
    assert BOOK.n_train == 55000
    assert BOOK.patience == 0


def test_numpy_scalars_are_accepted_as_plain_numbers():
    config = TrainConfig(hidden=np.int64(100), lr=np.float32(0.5), l2=np.float64(0.01))
    assert config.hidden == 100 and type(config.hidden) is int
    assert type(config.lr) is float and type(config.l2) is float
    with pytest.raises(ValueError, match="whole number"):
        TrainConfig(hidden=np.float64(1.5))


def test_a_link_to_a_run_too_big_says_so_and_keeps_the_rest():
    config, problems = TrainConfig.read_query({"hidden": "1024", "layers": "3", "batch": "60000"})
    assert (config.hidden, config.layers, config.batch_size) == (1024, 3, 100)
    assert problems == [
        "batch=60000: this network with batches of 60,000 would need about 1,624 MB while "
        "training; at most 512 MB (use fewer hidden units or layers, or smaller batches); "
        "using 100"
    ]
