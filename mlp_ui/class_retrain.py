"""The teacher re-trains a submission on the server: its settings and seed, on the exact
route (`mlp_fast.choose(exact=True)`, the route every challenge run takes), then says
whether the weights equal the saved model's bit for bit, and the private score.

A run is the same bits whoever else trains on the server meanwhile; a model that its
settings do not give (edited, trained elsewhere, continued after a reload) is not.
"""

from __future__ import annotations

import streamlit as st

import mlp_fast
from mlp_class import scoring
from mlp_class.api import ClassStore, Entry, Refused
from mlp_core.config import TrainConfig
from mlp_store import StoreError
from mlp_ui import data as ui_data
from mlp_ui.class_text import plain

_DONE = "mlp_class_retrained"  # submission id -> Retrained (or the refusal's line)


def panel(store: ClassStore, code: str, key: str, challenge_id: int) -> None:
    """One row per submission: who, the board's score, a Re-train button, the outcome."""
    entries = store.entries(code, challenge_id)
    if not entries:
        st.caption("No submission yet.")
        return
    st.caption(
        "Trains the submission's settings with its seed on this server, as its student "
        "did, and compares every weight with the saved model's. It takes as long as the "
        "run took, or longer while the class trains."
    )
    done = st.session_state.setdefault(_DONE, {})
    for e in entries:
        who, button = st.columns([4, 1], vertical_alignment="center")
        removed = " (removed)" if e.removed else ""
        who.markdown(f"#{e.id} **{plain(e.name)}**: {e.score:.2%}, {e.epochs} epochs{removed}")
        if button.button("Re-train", key=f"class_retrain_{e.id}"):
            with st.spinner(f"Re-training #{e.id}..."):
                done[e.id] = _retrain(store, code, key, e)
        if e.id in done:
            _outcome(done[e.id], e)


def _retrain(store: ClassStore, code: str, key: str, e: Entry) -> scoring.Retrained | str:
    try:
        saved, epochs = store.saved_model(code, key, e.id)
        config = TrainConfig.from_dict(e.config)
    except (Refused, StoreError, TypeError, ValueError) as exc:
        return f"Not re-trained: {exc}."
    data = ui_data.dataset(config.scaling, config.dtype)
    X, y, _ = ui_data.test_half(config.scaling, "private")
    backend = mlp_fast.choose(exact=True)  # the route of every challenge run
    return scoring.retrain(saved, epochs, data, X, y, backend)


def _outcome(found: scoring.Retrained | str, e: Entry) -> None:
    if isinstance(found, str):
        st.error(found)
        return
    scores = f"private half: {found.score:.2%} re-trained, {e.score:.2%} on the board"
    if found.same:
        st.success(
            f"#{e.id}: the same weights, bit for bit ({found.total:,} of {found.total:,} "
            f"parameters); {scores}."
        )
    else:
        st.error(
            f"#{e.id}: not the same weights: {found.total - found.equal:,} of "
            f"{found.total:,} parameters differ (by up to {found.largest:.3g}); {scores}. "
            "Its settings and seed do not give this model on this server."
        )
    st.caption(f"Trained by: {found.trained_by}.")
