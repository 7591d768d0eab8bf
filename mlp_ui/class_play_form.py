"""The teacher's form for a Playground challenge: its data (a data set with its noise,
number of points, training share and seed), the measure, and which of the teacher's own
Playground settings are fixed too. Widgets from the settings' schema rows
(mlp_core.playground_config), so the form offers what a challenge accepts."""

from __future__ import annotations

import streamlit as st

from mlp_core.challenge import PLAY_DATA
from mlp_core.playground import DATASETS
from mlp_core.playground_config import SCHEMA, PlaygroundConfig
from mlp_core.settings import format
from mlp_ui import playground_state

DEFAULT = PlaygroundConfig(dataset="spiral")
"""The form's first data: "who can make the spiral work with the fewest neurons"."""
MEASURES = {"test loss": "Test loss (lower is better)", "test accuracy": "Test accuracy"}
OTHERS = tuple(n for n in SCHEMA if n not in PLAY_DATA and n != "show_test")
"""Settings a teacher may fix besides the data (not the display's "show test data")."""


def data_inputs() -> tuple[dict[str, str], str]:
    """Inside the challenge form: the data's settings as text, and the measure."""
    ds = SCHEMA["dataset"]
    picks = [d for d in ds.choices if DATASETS[d].make is not None]  # never own points
    data = st.selectbox(
        "Data set",
        picks,
        index=picks.index(DEFAULT.dataset),
        format_func=lambda d: DATASETS[d].label,
        key="class_play_dataset",
    )
    cols = st.columns(4)
    values = {"dataset": data}
    for col, name in zip(cols, ("noise", "n_points", "train_pct", "seed"), strict=True):
        f = SCHEMA[name]
        values[name] = col.number_input(
            f.label.capitalize(), f.low, f.high, getattr(DEFAULT, name), key=f"class_play_{name}"
        )
    measure = st.radio(
        "Ranked by (on 1,000 private points)",
        list(MEASURES),
        format_func=MEASURES.get,
        horizontal=True,
        key="class_play_measure",
    )
    return {n: format(v) for n, v in values.items()}, measure


def fixed_choice() -> list[str]:
    """Inside the form: which other settings are fixed at the teacher's own values."""
    return st.multiselect(
        "Also fixed (the values on your Playground page)",
        list(OTHERS),
        format_func=lambda n: SCHEMA[n].label,
        key="class_play_fixed",
    )


def fixed_text(names: list[str]) -> dict[str, str]:
    """The teacher's own Playground values of `names`, as the form's text."""
    mine = playground_state.playground().config or PlaygroundConfig()
    return {n: format(getattr(mine, n)) for n in names}
