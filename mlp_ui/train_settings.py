"""The Train page's settings: one widget per TrainConfig field, seeded from the URL and
written back to it, so a link reproduces a run's settings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import streamlit as st

from mlp_core.config import (
    BOOK,
    DTYPES,
    HIDDEN_ACTIVATIONS,
    INITS,
    LOSS_NAMES,
    REDUCTIONS,
    SCALINGS,
    SCHEMA,
    TrainConfig,
)
from mlp_core.losses import LOSSES
from mlp_ui import class_state, class_train, classroom, state
from mlp_ui import data as ui_data


@dataclass(frozen=True)
class Control:
    """One settings widget: the TrainConfig field it sets, the widget kind, its limits."""

    name: str
    kind: str  # a key of _DRAW
    low: float | None = None
    high: float | None = None
    step: float | None = None
    options: tuple = ()
    help: str = ""


def _log_grid(low: int, high: int) -> tuple[float, ...]:
    """1, 2, 5 per decade from 10**low to 10**high: a log scale for a slider."""
    return tuple(float(f"{m}e{e}") for e in range(low, high) for m in (1, 2, 5)) + (10.0**high,)


MAIN = (
    Control("hidden", "number", 1, 1024, 10, help="Units in each hidden layer (1 to 1024)."),
    Control("layers", "slider", 1, 3, 1),
    Control("activation", "select", options=HIDDEN_ACTIVATIONS),
    Control(
        "loss",
        "select",
        options=LOSS_NAMES,
        help="The output units and the loss paired "
        "with them. The book's network uses sigmoid outputs with binary cross-entropy.",
    ),
    Control(
        "lr",
        "grid",
        options=_log_grid(-5, 1),
        help="Step size, on a log scale. 0.1 suits "
        "the defaults; the book's summed gradients need 0.0005; 10 blows up.",
    ),
    Control(
        "l2",
        "grid",
        options=(0.0, *_log_grid(-5, 0)),
        help="Weight decay: adds "
        "L2 x sum of squared weights to the loss. It shrinks the train/validation gap.",
    ),
    Control("batch_size", "grid", options=(1, 10, 20, 32, 50, 64, 100, 128, 200, 500, 1000)),
    Control("epochs", "number", 1, 1000, 1, help="Passes over the training examples."),
    Control(
        "n_train",
        "number",
        10,
        55000,
        500,
        help="Use only the first n training digits (at most what the loaded data has); "
        "fewer examples train faster and overfit more.",
    ),
    Control(
        "seed",
        "number",
        0,
        2**31 - 1,
        1,
        help="The initial weights and the shuffling order depend only on the seed. Same seed "
        "and settings give the same run, bit for bit, on this machine when the same back-end "
        "trained every minibatch (the results say which: 'trained by'). The fast two-core "
        "back-end adds up in another order, so a run it trained differs from the plain "
        "step's in the last digits, and on a busy server one run may use both.",
    ),
)

ADVANCED = (
    Control("momentum", "slider", 0.0, 0.99, 0.01),
    Control("init", "select", options=INITS),
    Control("reduction", "select", options=REDUCTIONS),
    Control("scaling", "select", options=SCALINGS),
    Control(
        "patience",
        "number",
        0,
        1000,
        1,
        help="Stop when validation accuracy has not "
        "improved for this many epochs, and keep the best weights.",
    ),
    Control(
        "exact_eval",
        "check",
        help="Recompute the loss and accuracy over the whole "
        "training set after each epoch (slower; the book does this).",
    ),
    Control("dtype", "select", options=DTYPES),
)

CONTROLS = MAIN + ADVANCED

OPTION_LABELS: dict[str, dict[str, str]] = {
    "loss": {name: loss.label for name, loss in LOSSES.items()},
    "init": {"normal": "normal(0, 0.1) (book)", "xavier": "Xavier / Glorot", "he": "He (ReLU)"},
    "reduction": {"mean": "mean over the batch", "sum": "sum over the batch (book)"},
    "scaling": {"01": "[0, 1]", "pm1": "[-1, 1] (book)"},
}


def widget_key(name: str) -> str:
    return f"train_{name}"


def _label(name: str) -> str:
    text = SCHEMA[name].label
    return text[:1].upper() + text[1:]


def training_digits() -> int:
    """How many training digits the loaded data has (55,000, or the offline sample's)."""
    default = TrainConfig()
    return len(ui_data.dataset(default.scaling, default.dtype).y_train)


def _high(c: Control) -> float | None:
    """The widget's largest value: for training examples, what the loaded data has."""
    return min(c.high, training_digits()) if c.name == "n_train" else c.high


def _number(c: Control, locked: bool = False) -> None:
    key = widget_key(c.name)  # its value was fitted to _high by _seed_widgets or widget_values
    st.number_input(
        _label(c.name), c.low, _high(c), step=c.step, key=key, help=c.help, disabled=locked
    )


def _slider(c: Control, locked: bool = False) -> None:
    key = widget_key(c.name)
    st.slider(_label(c.name), c.low, c.high, step=c.step, key=key, help=c.help, disabled=locked)


def _select(c: Control, locked: bool = False) -> None:
    labels = OPTION_LABELS.get(c.name, {})
    st.selectbox(
        _label(c.name),
        c.options,
        format_func=lambda v: labels.get(v, v),
        key=widget_key(c.name),
        help=c.help or None,
        disabled=locked,
    )


def _grid(c: Control, locked: bool = False) -> None:
    options = sorted(
        {*c.options, st.session_state[widget_key(c.name)]}
    )  # a linked value may be off-grid
    st.select_slider(
        _label(c.name),
        options,
        format_func=lambda v: f"{v:g}",
        key=widget_key(c.name),
        help=c.help or None,
        disabled=locked,
    )


def _check(c: Control, locked: bool = False) -> None:
    st.checkbox(_label(c.name), key=widget_key(c.name), help=c.help or None, disabled=locked)


_DRAW: dict[str, Callable[[Control, bool], None]] = {
    "number": _number,
    "slider": _slider,
    "select": _select,
    "grid": _grid,
    "check": _check,
}


def _clamp(c: Control, value: Any) -> Any:
    """A config value fitted to the widget's limits (the engine accepts more than the UI)."""
    if c.kind in ("number", "slider"):
        return type(c.low)(min(max(value, c.low), _high(c)))
    return value


def _seed_widgets(
    config: TrainConfig, problems: tuple[str, ...] = (), linked: frozenset[str] = frozenset()
) -> None:
    """Set every settings widget to `config` (before the widgets are drawn); remember
    `problems` and the values of `linked` fields (from the URL) a widget could not take,
    to show them. Other values are fitted silently (the default 55,000 training digits
    on the offline sample's 3,500)."""
    problems = list(problems)
    for c in CONTROLS:
        value = getattr(config, c.name)
        st.session_state[widget_key(c.name)] = fitted = _clamp(c, value)
        if fitted != value and c.name in linked:
            problems.append(
                f"{SCHEMA[c.name].key}={value}: this page offers {_label(c.name).lower()} "
                f"from {c.low:g} to {_high(c):g}; using {fitted:g}"
            )
    state.set_link_problems(problems)


def _url_problems() -> None:
    """Say which of the link's settings could not be used, and what is used instead."""
    if problems := state.link_problems():
        st.warning(
            "This link asked for settings that cannot be used here:\n\n"
            + "\n".join(f"- {line}" for line in problems)
        )


def widget_values(config: TrainConfig) -> dict[str, Any]:
    """The settings widgets' session-state values for `config` (fitted to their limits)."""
    return {widget_key(c.name): _clamp(c, getattr(config, c.name)) for c in CONTROLS}


def widget_config() -> TrainConfig:
    """The config the settings widgets describe; ValueError if it is invalid."""
    return TrainConfig(**{c.name: st.session_state[widget_key(c.name)] for c in CONTROLS})


def widget_config_or_default() -> TrainConfig:
    """The widgets' config, or the defaults while they describe none."""
    try:
        return widget_config()
    except ValueError:
        return TrainConfig()


def settings() -> TrainConfig | None:
    """The settings panel; the valid config it describes, or None with a message."""
    if widget_key("hidden") not in st.session_state:  # first visit, or back from another page
        query = classroom.page_query()
        config, problems = TrainConfig.read_query(query, state.train_settings())
        linked = frozenset(name for name, f in SCHEMA.items() if f.key in query)
        _seed_widgets(config, tuple(problems), linked)
    locked = class_train.locked()
    if locked:  # a class challenge's fixed settings, whatever the widgets said before
        fixed = widget_values(class_train.apply(widget_config_or_default()))
        st.session_state.update({widget_key(n): fixed[widget_key(n)] for n in locked})
    _url_problems()
    book, default = (st, st) if classroom.projector() else st.columns(2)  # big text: stacked
    book.button(
        "Book",
        key="train_book",
        on_click=_seed_widgets,
        args=(BOOK,),
        width="stretch",
        help="Raschka et al.'s network: 784-100-10, sigmoid, lr 0.0005, L2 0.01, "
        "200 epochs of summed-gradient SGD (97.98 % validation accuracy in the book).",
    )
    default.button(
        "Defaults",
        key="train_defaults",
        on_click=_seed_widgets,
        args=(TrainConfig(),),
        width="stretch",
        help="ReLU, softmax, lr 0.1 with momentum 0.9: about 97.8 % in 10 epochs.",
    )
    for c in MAIN:
        _DRAW[c.kind](c, c.name in locked)
    with st.expander("More settings"):
        for c in ADVANCED:
            _DRAW[c.kind](c, c.name in locked)
    return _validated()


def _validated() -> TrainConfig | None:
    """Check the widget settings against each other and the data; write them to the URL."""
    try:
        config = widget_config()
        problem = _data_problem(config)
    except ValueError as exc:
        problem = str(exc)
    if problem:
        st.error(f"These settings cannot train: {problem}")
        return None
    state.set_train_settings(config)
    linked = config  # all the loaded digits: the default's meaning, so the link leaves it out
    if config.n_train == training_digits() < TrainConfig().n_train:
        linked = config.replace(n_train=TrainConfig().n_train)
    # a link to this page reproduces these settings (and keeps a class challenge's keys)
    classroom.write_query({**linked.to_query(), **class_state.challenge_query()})
    return config


def _data_problem(config: TrainConfig) -> str:
    """What makes `config` unusable on the loaded data ('' if nothing)."""
    n = min(config.n_train, len(ui_data.dataset(config.scaling, config.dtype).y_train))
    if config.batch_size > n:
        return (
            f"the batch size ({config.batch_size}) is larger than the {n:,} training "
            "examples. Lower the batch size or use more examples."
        )
    return ""
