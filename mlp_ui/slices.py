"""Training in slices within one script run: the loop the Train and Libraries pages share.

A page trains a little (one slice, under its run's lock), redraws what changed, and goes
on until the training ends or is stopped; then it reruns, so the whole page shows the
end. Stop and page switches act between slices (see each page's slice).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import streamlit as st


def train_in_slices(
    train_slice: Callable[[], bool], redraw: Callable[[], None], max_slices: int | None
) -> None:
    """Call `train_slice` (False once there is nothing more to train) and then `redraw`,
    until it returns False; then rerun the page. With `max_slices` (tests only: AppTest
    cannot click while a script runs) return after that many slices instead, the training
    going on in the next script run."""
    for _ in itertools.count() if max_slices is None else range(max_slices):
        if not train_slice():
            break
        redraw()
    else:
        return
    st.rerun()
