"""The Train page's upload of a model file: checked, then added as a run, or refused with
the reason and nothing changed.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from mlp_core.config import (
    scaling_of,
)
from mlp_core.data import COLS, N_CLASSES, N_PIXELS, ROWS
from mlp_core.serialize import ModelFileError, SavedModel, load_model
from mlp_core.training import History, Status
from mlp_ui import data as ui_data
from mlp_ui import saved as kept
from mlp_ui import state
from mlp_ui.train_settings import widget_key

MAX_UPLOAD_MB = 50


def upload_panel() -> None:
    file = st.file_uploader(
        "Model file (.npz, saved by MLP Lab)",
        type=["npz"],
        max_upload_size=MAX_UPLOAD_MB,
        key=widget_key("upload"),
        help=f"Up to {MAX_UPLOAD_MB} MB. It must take {N_PIXELS} pixels and give "
        f"{N_CLASSES} classes.",
    )
    if file is None:
        return
    handled = state.uploads()
    fresh = file.file_id not in handled
    if fresh:
        handled[file.file_id] = _load_upload(file.name, file.getvalue())
    ok, message = handled[file.file_id]
    if ok and fresh:
        st.rerun()  # the new run is the current model: redraw the page around it
    (st.success if ok else st.error)(message)


def _load_upload(name: str, content: bytes) -> tuple[bool, str]:
    """Validate and add an uploaded model: (True, what happened) or (False, why not)."""
    try:
        if len(content) > MAX_UPLOAD_MB * 2**20:
            raise ModelFileError(f"it is larger than {MAX_UPLOAD_MB} MB")
        saved = load_model(content)
        sizes = saved.model.sizes
        if (sizes[0], sizes[-1]) != (N_PIXELS, N_CLASSES):
            raise ModelFileError(
                f"the network has {sizes[0]} inputs and {sizes[-1]} outputs, but digits "
                f"need {N_PIXELS} ({ROWS}x{COLS} pixels) and {N_CLASSES}"
            )
    except ModelFileError as exc:
        return False, f"{name} was not loaded, and nothing changed: {exc}."
    run = _add_loaded(name, saved)
    return True, f"Loaded {name} as run #{run.id} ({run.label}); it is now the current model."


def _add_loaded(name: str, saved: SavedModel) -> state.Run:
    scaling = scaling_of(saved.config)
    history = _saved_history(saved.metadata, name)
    run = state.add_run(
        f"from {name}",
        saved.model,
        history,
        config=saved.config,
        source=f"loaded from {name}",
        data=str(saved.metadata.get("data", "")),
        trained_on=ui_data.saved_trained_on(saved),
    )
    run.test_acc, run.test_on = ui_data.test_score(saved.model, scaling, run.trained_on)
    kept.save(run)  # kept for this browser like the runs trained here
    return run


def _saved_history(metadata: dict[str, Any], name: str) -> History:
    """The curves saved in a model file, if they are there and well-formed."""
    try:
        history = History.from_dict(metadata["history"])
        for column in ("epoch", "loss", "train_acc", "valid_acc", "seconds"):
            history.column(column)  # raises on anything that is not a number
    except (KeyError, TypeError, ValueError, AttributeError):
        history = History()
    history.status, history.diverged_at = Status.DONE, None
    history.message = f"loaded from {name}"
    return history
