"""The Decision boundary page's words and reveal: the charts' sentences, the guess before
the seven sizes, and the gallery shown on a click (figures and runs: mlp_ui.moons_toy)."""

from __future__ import annotations

import streamlit as st

from mlp_ui import classroom, widgets
from mlp_ui.moons_toy import (
    GALLERY_FORMAT,
    GALLERY_HIDDEN,
    MoonsSettings,
    gallery_figure,
    gallery_table,
    moons_gallery_runs,
    timed,
)


def boundary_alt(hidden: int, s: MoonsSettings) -> str:
    """The animated boundary's text alternative."""
    return (
        f"Chart: the 200 moons points, two classes, and the boundary a network with "
        f"{hidden} hidden unit{'s' if hidden > 1 else ''} draws between them, from pass 0 "
        f"to pass {s.passes:,} as it plays; its title gives the accuracy at the pass shown."
    )


def gallery_alt(s: MoonsSettings) -> str:
    """The gallery's text alternative: the accuracy of each size (its numbers)."""
    runs = moons_gallery_runs(s.passes, s.lr, s.reg)
    sizes = "; ".join(f"{h} hidden: {r.accuracy:.1%}" for h, r in runs.items())
    return (
        "Chart: the boundary of logistic regression and of each size, side by side, "
        f"after {s.passes:,} passes. Training accuracy: {sizes}."
    )


GUESS_KEY, REVEAL_KEY = "toy_moons_guess", "toy_moons_reveal"


def predict() -> int | None:
    """The student's guess, before the gallery: which size follows the noise most."""
    return st.radio(
        "Your guess first: which size bends around single stray points most (overfits)?",
        GALLERY_HIDDEN,
        index=None,
        horizontal=True,
        format_func=lambda h: f"{h} hidden",
        key=GUESS_KEY,
    )


def revealed() -> bool:
    """Whether the student asked to see the seven sizes (a button until then)."""
    return widgets.revealed("Show the seven sizes", "toy_moons_reveal_button", REVEAL_KEY)


def verdict(guess: int | None) -> str:
    """What the gallery says about the guess (the largest size follows the noise most)."""
    if guess is None:
        return ""
    most = max(GALLERY_HIDDEN)
    word = "right" if guess == most else "look again"
    return (
        f"You guessed **{guess} hidden**: {word}. With {most} units the boundary makes "
        "detours around single points; the fewer units, the smoother it stays."
    )


WHY_BOUNDARY = (
    "200 points in two interleaved half-moons. A network with one tanh hidden layer "
    "learns a curved boundary; the number of hidden units decides how curved. The "
    "shading is the network's answer: orange for the red class, blue for the blue "
    "class, and the black line where it is 50/50 (the boundary). Settings start at "
    "the tutorial's: 20,000 full-batch passes, learning rate 0.01, L2 0.01.\n\n"
    "Press Play to watch the boundary form; the title gives the accuracy at the pass "
    "shown. The frames are log-spaced in passes, because the shape appears within a "
    "few hundred passes and then only sharpens. Logistic regression, however long it "
    "trains, stays a straight line."
)

WHY_GALLERY = (
    "One hidden unit draws little more than the logistic-regression line, two bend it "
    "once, three already follow the moons. More units buy training accuracy by bending "
    "around single stray points (see the spike at the bottom of the V with 50 units): "
    "that is overfitting, and L2 is what holds it back. Set L2 to 0 to see it grow. "
    "Same data, same settings as above."
)


def show_gallery(s: MoonsSettings, big: bool, trained_seconds: float) -> None:
    """The guess, then (on a click) the seven sizes, their table and the why."""
    guess = predict()
    if not revealed():
        return
    if note := verdict(guess):
        st.markdown(note)
    gallery, drawn_seconds = timed(gallery_figure, s, big)
    classroom.chart(gallery, styled=True, key="toy_moons_gallery", alt=gallery_alt(s))
    st.dataframe(gallery_table(s), hide_index=True, column_config=GALLERY_FORMAT)
    st.caption(
        f"Trained all seven in {trained_seconds:.2f} s"
        f"{' (from the cache)' if trained_seconds < 0.5 else ''}, drawn in "
        f"{drawn_seconds:.2f} s. The seven networks train together as one wide network."
    )
    with classroom.why("Why do more units fit better, and when is it too well?"):
        st.markdown(WHY_GALLERY)
