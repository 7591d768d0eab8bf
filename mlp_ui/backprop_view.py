"""The Backprop page's words: the guess before a run, the explanations in their folds,
and where the 100 epochs ended (numbers and tables: mlp_ui.backprop_toy)."""

from __future__ import annotations

import numpy as np
import streamlit as st

from mlp_core import toys
from mlp_ui import classroom
from mlp_ui.backprop_toy import (
    BOOK_INITIAL_LOSS,
    BOOK_PREDICTION,
    BP_EPOCHS,
    BP_LR,
    BP_MODES,
    FINAL_FORMAT,
    FORWARD_FORMAT,
    GRADIENT_FORMAT,
    chain_rule_latex,
    final_table,
    forward_table,
    gradient_table,
)

NETWORK_CAPTION = (
    "The number beside each edge is its weight; its width shows the size, blue positive, "
    "red negative. Hover an edge for its name: w\u2081\u2082 connects input 1 to hidden "
    "unit 2, v\u2081..v\u2083 lead to the output. a is a hidden unit's activation, b its "
    "bias, c the output's bias."
)

WHAT_IT_COMPUTES = """
The book's smallest network: two inputs, three sigmoid hidden units and one linear
output, taught a single example: input (1, 1), target 0. Each hidden unit adds up its
inputs times its weights plus its bias (z) and squashes the sum with the sigmoid (a);
the output adds up the hidden activations times v plus c. The loss is (\u0177 \u2212 0)\u00b2.
"""

BOTH_WAYS = """
Every epoch needs the slope of the loss for all 13 parameters. *Forward difference* (the
book): nudge one parameter by 0.0001, run the network again, divide the change in loss by
0.0001: one extra forward pass per parameter. *Chain rule* (backpropagation): the exact
derivative of all 13 at once, from one pass backwards through the network. They differ by
about 0.0001 at most: the nudge is not infinitely small, and it is rounded to float32.
"""


def show_explanations(params: dict[str, np.ndarray]) -> None:
    """The forward pass, the slopes both ways and the chain rule, each in a "Why?"."""
    with classroom.why("Why? What the network computes, value by value"):
        st.markdown(WHAT_IT_COMPUTES)
        st.dataframe(forward_table(params), column_config=FORWARD_FORMAT)
    with classroom.why("The slopes, both ways"):
        st.markdown(BOTH_WAYS)
        st.dataframe(gradient_table(params), column_config=GRADIENT_FORMAT, height="content")
        st.markdown(
            "**The chain rule for one weight**, w\u2081\u2081 (input 1 \u2192 hidden unit 1): "
            "the loss depends on it only through z\u2081, then a\u2081, then \u0177."
        )
        st.latex(chain_rule_latex(params))


GUESSES = ("fall to nearly 0", "fall a little", "stay about the same", "grow")
GUESS_KEY = "toy_bp_guess"


def predict() -> str | None:
    """Before the run: the student's guess of what the loss does over the 100 epochs."""
    return st.radio(
        f"Your guess first: over {BP_EPOCHS} epochs, the loss (ŷ − 0)² will...",
        GUESSES,
        index=None,
        horizontal=True,
        key=GUESS_KEY,
    )


def loss_outcome(first: float, last: float) -> str:
    """Which of GUESSES the run did, from its first and last loss."""
    if not np.isfinite(last) or last > first * 1.05:
        return GUESSES[3]
    if last < first * 0.05:
        return GUESSES[0]
    return GUESSES[1] if last < first * 0.95 else GUESSES[2]


def show_final(run: toys.BackpropRun, lr: float, guess: str | None = None) -> None:
    """Where the 100 epochs ended: losses, the prediction and the weights (the book's too),
    and what that says of the student's guess."""
    st.header(f"After all {BP_EPOCHS} epochs")
    if guess is not None:
        did = loss_outcome(float(run.loss[0]), float(run.final_loss))
        word = "right" if did == guess else "not this time"
        st.markdown(f"You guessed the loss would **{guess}**: {word}. It did {did}.")
    m1, m2, m3 = st.columns(3)
    m1.metric("Initial loss", f"{run.loss[0]:.4f}", help=f"The book: about {BOOK_INITIAL_LOSS}")
    m2.metric("Final loss", f"{run.final_loss:.6f}")
    m3.metric(
        "Final prediction for (1, 1)",
        f"{run.prediction:.4f}",
        help=f"The book prints {BOOK_PREDICTION} (lr 0.01); the target is 0.",
    )
    book = lr == BP_LR
    label = "The final weights, next to the book's" if book else "The final weights"
    with classroom.why(label):
        if book:
            st.markdown(
                f"With {BP_MODES[run.gradient]}, next to the ones the book prints (forward "
                "differences). The two methods end within about 0.0001 of each other."
            )
        else:
            st.markdown(f"With lr = {lr:g}; the book prints its weights for lr = 0.01.")
        st.dataframe(final_table(run, book), column_config=FINAL_FORMAT, height="content")
