"""The Train page's current model: its test accuracy, an overfitting warning, its first
layer's weights and the download of its model file.
"""

from __future__ import annotations

import streamlit as st

from mlp_core.config import (
    scaling_of,
)
from mlp_core.idx import N_PIXELS
from mlp_core.serialize import SavedModel, model_to_bytes
from mlp_ui import chart_text, class_train, classroom, model_figures, state, theme
from mlp_ui import data as ui_data
from mlp_ui.train_text import overfit_note, pct


def score(run: state.Run) -> None:
    """Test accuracy of the run's model, with the pixel scaling it was trained with."""
    if run.history.epochs or run.trainer is None:
        scaling = scaling_of(run.config)
        with run.lock:
            run.test_acc, run.test_on = ui_data.test_score(run.model, scaling, run.trained_on)


def current_model() -> None:
    """Test accuracy, overfitting warning, first-layer weights and download of the current run.

    All of it sits in one placeholder, replaced whole on every script run: otherwise the
    previous run's weights would linger, faded, for as long as a new run trains.
    """
    slot, run, active = st.empty(), state.current_run(), state.active_run()
    if run is None:
        slot.info("Train a run or load a model file: its test accuracy and weights appear here.")
    elif active is not None and active.id == run.id:
        slot.caption("Test accuracy, weights and the download appear when this run stops.")
    elif not run.history.epochs and run.trainer is not None:
        slot.info("No epoch has finished yet, so there is nothing to test or download.")
    else:
        with slot.container():
            _results(run)


WEIGHTS_PX = {False: theme.WEIGHTS_HEIGHT, True: 320}
"""The weights chart's height: a laptop's, a phone's or tablet's (the grid is square: at a
phone's width 520 px left a blank band above and below it)."""


def _results(run: state.Run) -> None:
    if run.test_acc is None and run.history.epochs:
        score(run)  # e.g. paused by a page switch before it was scored
    _metrics(run)
    class_train.submit_panel(run)  # in a class challenge only
    valid = ui_data.dataset(scaling_of(run.config), "float32").y_valid
    if note := overfit_note(run.history, len(valid)):
        st.warning(note)
    _download(run)
    if run.model.sizes[0] == N_PIXELS:
        W0 = run.model.W[0]
        shown = min(W0.shape[1], 100)  # weights_grid draws at most 100 units
        height, big = WEIGHTS_PX[classroom.touch()], classroom.projector()
        classroom.chart(
            model_figures.weights_grid(W0, shown, height=height, screen=big),
            styled=True,  # built for this screen: plotly checks it once, not twice
            width="stretch",
            alt=chart_text.weights_alt(W0, shown),
            table=chart_text.weights_table(W0, shown),
        )
        st.caption(
            f"Each square is one hidden unit's {N_PIXELS} incoming weights, laid out like the "
            "digit it looks at: red pixels push the unit up, blue ones push it down."
        )


def _metrics(run: state.Run) -> None:
    last = run.history.epochs[-1] if run.history.epochs else None
    cols = st.columns(2) * 2 if classroom.projector() else st.columns(4)  # big numbers: 2x2
    test, valid, train, epochs = cols
    test.metric(
        "Test accuracy",
        pct(run.test_acc),
        help=(
            f"On {run.test_on}: never used in training. The other half of the test digits "
            "is kept for class boards, which score on digits no page shows a score on."
        ),
    )
    valid.metric("Validation accuracy", pct(last and last.valid_acc))
    train.metric("Training accuracy", pct(last and last.train_acc))
    epochs.metric("Epochs", len(run.history.epochs))
    st.caption(f"Test accuracy: {run.test_on}." if run.test_on else "")


def _download(run: state.Run) -> None:
    st.download_button(
        "Download this model (.npz)",
        data=lambda: model_file(run),
        file_name=f"mlp_lab_run{run.id}.npz",
        mime="application/octet-stream",
        on_click="ignore",
        key=f"train_download_{run.id}",
    )


def model_file(run: state.Run) -> bytes:
    """The run as an .npz model file, its history and test accuracy in the metadata."""
    metadata = {
        "name": run.name,
        "source": run.source,
        "data": run.data,
        "test_acc": run.test_acc,
        "test_on": run.test_on,
        "trained_on": run.trained_on.to_dict() if run.trained_on else None,
        "history": run.history.to_dict(),
    }
    return model_to_bytes(SavedModel(run.model, run.config, metadata))
