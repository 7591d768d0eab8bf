"""The Libraries page's "Try this": each click picks the libraries (and for one, a
learning rate in the page's address) and presses Start."""

from __future__ import annotations

import streamlit as st

from mlp_compare import conversions as cv
from mlp_ui import classroom
from mlp_ui import libraries_view as lv

TOO_BIG = "10"


def _too_big() -> None:
    st.query_params["lr"] = TOO_BIG  # in the page's address: the settings line says so
    lv.start_now()


def _start() -> None:
    """Start, back at the usual learning rate if the last experiment set it."""
    if st.query_params.get("lr") == TOO_BIG:
        del st.query_params["lr"]
    lv.start_now()


def experiments() -> tuple[classroom.Experiment, ...]:
    """Three runs; without PyTorch installed, scikit-learn stands in for it."""
    other = "PyTorch" if cv.torch_available() else "scikit-learn"
    both = ["scikit-learn", "PyTorch"] if cv.torch_available() else ["scikit-learn"]
    return (
        classroom.Experiment(
            f"Same in {other}",
            f"{other}'s thin line and small markers sit inside mlp_core's thick blue line, "
            "epoch after epoch, and the accuracies in the table agree closely.",
            f"{other} starts from mlp_core's first weights and sees the same minibatches in "
            "the same order: the same sums, only added up in another order. The proof "
            "below measures one step: the weights differ by float32 rounding alone.",
            {lv.PICK_KEY: [other]},
            _start,
        ),
        classroom.Experiment(
            "All at once",
            "The curves lie on top of each other, but the table's seconds per epoch do not: "
            "the same arithmetic, done by different engines.",
            "Same network, same data, same order; what differs is how each library runs "
            "the matrix products and how much work it does around them.",
            {lv.PICK_KEY: both},
            _start,
        ),
        classroom.Experiment(
            "Too big: lr 10",
            "mlp_core stops in its first epoch and says why; scikit-learn and PyTorch run "
            "on without a word, at about 10 % validation accuracy: chance among ten digits. "
            "The other two experiments go back to the usual learning rate.",
            "A step of 10 times the gradient overshoots the minimum, and the weights blow up "
            "in every library: only mlp_core checks for it. The others' networks are as "
            "broken; only their accuracy tells.",
            {lv.PICK_KEY: both},
            _too_big,
        ),
    )
