"""The learning-rate toy (Modern Computer Vision with PyTorch, ch. 1): cached runs, the
animated figure (one large panel per learning rate: the weight, the loss, or the loss
bowl with each step) and the page's "Try this" experiments.

The numbers come from mlp_core.toys, the figure from mlp_ui.lr_figures; the animation
runs in the browser, pressed by our own buttons (mlp_ui.animation). A Try-this click
presses Play itself once the new figure is drawn. The student guesses which rate works
(``predict``) and sees where each ends on a click (``revealed``). Tables and words:
mlp_ui.lr_toy_text.
"""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
import streamlit as st

from mlp_core import toys
from mlp_ui import animation, classroom, widgets
from mlp_ui.lr_figures import lr_toy_figure
from mlp_ui.toy_common import PLAY, frame_epochs

BOOK_RATES = toys.LR_TOY_RATES

GRADIENT_LABELS = {"forward": "the book's nudge of 0.0001", "exact": "the exact gradient"}

VIEWS = {"w": "Weight", "loss": "Loss", "bowl": "Bowl"}
"""What the panels show over the epochs (one panel per learning rate)."""

LR_TABLE_FORMAT = {
    name: st.column_config.NumberColumn(format="%.4f")
    for name in (
        "weight",
        "loss",
        "loss after +0.0001",
        "gradient",
        "updated weight",
        "book's slope",
    )
}
"""Four decimals: enough to see the nudge move the loss (the book rounds to two)."""


@st.cache_data(show_spinner=False, max_entries=64)
def lr_run(lr: float, epochs: int, gradient: str) -> toys.LrToyRun:
    """The 1-D toy for one learning rate (cached by lr, epochs, gradient)."""
    return toys.lr_toy(float(lr), int(epochs), gradient)


@st.cache_resource(show_spinner="Drawing the animation...", max_entries=32)
def lr_figure(
    rates: tuple[float, ...],
    epochs: int,
    gradient: str,
    spacing: str,
    view: str,
    big: bool,
    stacked: bool = False,
) -> go.Figure:
    """The animated figure for these rates, styled for the screen (cached: ~0.5 s to build).

    Figures are cached as shared resources, not copied per rerun: the page shows them
    with ``classroom.chart(..., styled=True)``, which only reads them, and unpickling a
    figure with a hundred frames would cost a quarter of a second on every rerun.
    ``layout.meta`` names the figure, so the browser can tell when it is drawn.
    """
    runs = [lr_run(lr, epochs, gradient) for lr in rates]
    frames = frame_epochs(epochs, n=150, spacing=spacing)
    fig = lr_toy_figure(runs, frames, spacing == "log", view, big, stacked)
    fig.layout.meta = figure_name(rates, epochs, gradient, spacing, view, big, stacked)
    return classroom.style(fig, big)


def figure_name(*settings) -> str:
    """A short name for one figure's settings (the browser waits for it before Play)."""
    return "lr-" + "-".join(str(s) for s in settings)


VIEW_CAPTIONS = {
    "w": "The dot is w after each epoch, the line where it has been; dotted black: "
    "the answer, w = 3.",
    "loss": "The loss before each update, on a log axis (each step down is ten times smaller).",
    "bowl": "The bowl: the loss for every w, with b held at its value that epoch. The big dot is "
    "where the epoch starts, the cross where its step lands; dotted black: w = 3.",
}

SHOW_OPTIONS = ("0.01", "0.1", "1", "yours")
"""The rates a student can put side by side: the book's three and one of their own."""
SHOW_KEY, VIEW_KEY, CUSTOM_KEY, EXACT_KEY = (
    "toy_lr_show",
    "toy_lr_view",
    "toy_lr_custom",
    "toy_lr_exact",
)
CHART_KEY = "toy_lr_chart"


def rates_shown(shown: Sequence[str] | None, custom: float) -> tuple[float, ...]:
    """The learning rates of the panels, in the options' order (the book's three if none)."""
    picked = [o for o in SHOW_OPTIONS if o in (shown or ())] or list(SHOW_OPTIONS[:3])
    return tuple(float(custom) if o == "yours" else float(o) for o in picked)


GUESS_KEY, REVEAL_KEY = "toy_lr_guess", "toy_lr_reveal"


def predict(rates: Sequence[float]) -> str | None:
    """Before the run: the student's guess of which rate brings w to 3 (None: no guess)."""
    options = [f"lr = {lr:g}" for lr in rates] + ["none of them"]
    if st.session_state.get(GUESS_KEY) not in (None, *options):
        del st.session_state[GUESS_KEY]  # the panels changed
    return st.radio(
        "Your guess first: which rate brings w to 3 (the dotted line)?",
        options,
        index=None,
        horizontal=True,
        key=GUESS_KEY,
    )


def revealed(name: str) -> bool:
    """Whether the student asked to see where each rate ends (a button until then)."""
    return widgets.revealed(
        "Show where each rate ends",
        "toy_lr_reveal_button",
        REVEAL_KEY,
        name,
        help="After you have watched, or guessed.",
    )


def request_play() -> None:
    """Try-this action: press Play once the page has drawn the new figure."""
    animation.press(CHART_KEY, PLAY)


EXPERIMENTS = [
    classroom.Experiment(
        "Too small",
        "w climbs toward the dotted line at 3 but never reaches it: 0.45 after the first "
        "epoch, still 2.98 after 1000.",
        "Each update moves w by 0.01 \u00d7 the slope. Near the answer the slope is small, so "
        "the steps shrink to almost nothing: a rate this small wastes epochs.",
        {SHOW_KEY: ["0.01"], VIEW_KEY: "w", EXACT_KEY: False},
        request_play,
    ),
    classroom.Experiment(
        "Just right",
        "The dot lands past the bottom of the bowl (w = 4.5 after epoch 1), jumps from side "
        "to side, and settles at w = 3.",
        "A step of 0.1 \u00d7 the slope overshoots the bottom, but each landing is closer "
        "than the last, so the swings die out.",
        {SHOW_KEY: ["0.1"], VIEW_KEY: "bowl", EXACT_KEY: False},
        request_play,
    ),
    classroom.Experiment(
        "Too big",
        "w leaps to 45, then \u2212654, then 12,755 at epoch 3, and never moves again. "
        "The loss stays near 1.5 billion.",
        "Each step lands farther from 3 than it started. It freezes only because of float32: "
        "at 12,755, w + 0.0001 rounds back to w, so the book's measured slope is 0. With the "
        "exact gradient (under More) it runs off to infinity.",
        {SHOW_KEY: ["1"], VIEW_KEY: "w", EXACT_KEY: False},
        request_play,
    ),
]
