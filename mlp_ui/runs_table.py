"""The Train page's table of the session's runs, the current-model picker and Delete."""

from __future__ import annotations

import streamlit as st

from mlp_ui import saved, state
from mlp_ui.train_settings import widget_key
from mlp_ui.train_text import run_row


def runs_panel() -> None:
    runs = state.runs()
    if not runs:
        st.info("Every run you start or load is kept here, and saved for this browser.")
        return
    st.dataframe([run_row(r) for r in runs.values()], hide_index=True, width="stretch")
    pick, keep, delete = st.columns([3, 1, 1], vertical_alignment="bottom")
    with pick:
        _current_picker(runs)
    current = state.current_run()
    starred = current is not None and current.starred
    keep.button(
        "Unstar" if starred else "Star (keep)",
        key="train_star",
        on_click=lambda: current and saved.set_star(current, not starred),
        width="stretch",
        help="A starred run is never let go when you reach the number of runs kept.",
    )
    delete.button(
        "Delete this run",
        key="train_delete",
        on_click=_delete,
        width="stretch",
        help="Forget the selected run (stopping it if it is training).",
    )


def _current_picker(runs: dict[int, state.Run]) -> None:
    key = widget_key("current")
    current = state.current_run()
    st.session_state[key] = current.id if current is not None else next(iter(runs))
    st.selectbox(
        "Current model (the other pages use it)",
        list(runs),
        key=key,
        format_func=lambda i: runs[i].label,
        on_change=lambda: state.set_current(st.session_state[key]),
    )


def _delete() -> None:
    run = state.current_run()
    if run is not None:
        with run.lock:
            saved.delete(run)
