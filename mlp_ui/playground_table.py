"""The Playground's settings widgets as a table, as the Train page's are: one `Control`
per PlaygroundConfig field, drawn by kind, with the limits and choices of the field's
schema row (mlp_core.playground_config), so the widgets offer what the settings accept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import streamlit as st

from mlp_core import playground as core
from mlp_core.playground_config import SCHEMA
from mlp_core.settings import Field

LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
REG_RATES = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
BATCHES = (1, 2, 3, 5, 10, 15, 20, 30, 50, 100, 200, 500, 1000)
REG_LABELS = {"none": "None", "l1": "L1", "l2": "L2"}


@dataclass(frozen=True)
class Control:
    """One settings widget: the PlaygroundConfig field it sets, the widget kind (a key of
    _DRAW), its label. Limits and choices come from the field's schema row; `steps` are
    the values a select-slider offers within them (a linked value off them is added)."""

    name: str
    kind: str
    label: str
    steps: tuple = ()
    labels: Callable[[Any], str] = str
    help: str | None = None


CONTROLS: dict[str, Control] = {
    c.name: c
    for c in (
        Control("dataset", "pills", "Data", labels=lambda n: core.DATASETS[n].label),
        Control("noise", "slider", "Noise (%)"),
        Control("train_pct", "slider", "Training share (%)"),
        Control("n_points", "slider", "Number of points"),
        Control("seed", "number", "Seed"),
        Control("show_test", "toggle", "Show test data"),
        Control(
            "features",
            "multi",
            "Input features",
            labels=lambda f: core.FEATURES[f][0],
            help="What the first layer is given. With x₁² and x₂² one layer separates the circle.",
        ),
        Control("lr", "steps", "Learning rate", LEARNING_RATES, "{:g}".format),
        Control("activation", "select", "Activation"),
        Control("regularizer", "select", "Regularisation", labels=REG_LABELS.get),
        Control("reg_rate", "steps", "Regularisation rate", REG_RATES, "{:g}".format),
        Control("batch_size", "steps", "Batch size", BATCHES),
    )
}
"""Every setting but the hidden layers (drawn as +/- buttons by `layer_buttons`)."""


def key(name: str) -> str:
    return f"pg_{name}"


def _on_grid(steps: tuple, field: Field) -> list:
    """The steps within the field's limits, plus the current value, which a link may have
    put off the grid."""
    inside = {v for v in steps if field.low <= v <= field.high}
    return sorted({*inside, st.session_state[key(field.name)]})


def _pills(where: Any, c: Control, field: Field, off: bool) -> None:
    where.pills(
        c.label,
        field.choices,
        required=True,
        wrap=True,
        key=key(c.name),
        disabled=off,
        format_func=c.labels,
    )


def _multi(where: Any, c: Control, field: Field, off: bool) -> None:
    where.pills(
        c.label,
        field.choices,
        selection_mode="multi",
        wrap=True,
        key=key(c.name),
        disabled=off,
        format_func=c.labels,
        help=c.help,
    )


def _slider(where: Any, c: Control, field: Field, off: bool) -> None:
    where.slider(c.label, field.low, field.high, key=key(c.name), disabled=off, help=c.help)


def _number(where: Any, c: Control, field: Field, off: bool) -> None:
    where.number_input(c.label, field.low, field.high, key=key(c.name), disabled=off, help=c.help)


def _toggle(where: Any, c: Control, field: Field, off: bool) -> None:
    where.toggle(c.label, key=key(c.name), disabled=off, help=c.help)


def _select(where: Any, c: Control, field: Field, off: bool) -> None:
    where.selectbox(
        c.label, field.choices, key=key(c.name), disabled=off, format_func=c.labels, help=c.help
    )


def _steps(where: Any, c: Control, field: Field, off: bool) -> None:
    where.select_slider(
        c.label,
        _on_grid(c.steps, field),
        key=key(c.name),
        disabled=off,
        format_func=c.labels,
        help=c.help,
    )


_DRAW: dict[str, Callable[[Any, Control, Field, bool], None]] = {
    "pills": _pills,
    "multi": _multi,
    "slider": _slider,
    "number": _number,
    "toggle": _toggle,
    "select": _select,
    "steps": _steps,
}


def draw(name: str, where: Any = st, locked: frozenset[str] = frozenset()) -> None:
    """The widget of one setting, in `where` (st, a column or a container); disabled when
    `name` is in `locked` (a class challenge fixes it)."""
    _DRAW[CONTROLS[name].kind](where, CONTROLS[name], SCHEMA[name], name in locked)
