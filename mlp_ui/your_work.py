"""The sidebar's "Your work": what is saved, Continue on another device, Forget me."""

from __future__ import annotations

import streamlit as st

from mlp_ui import classroom, saved, state

SURE_KEY = "your_work_sure"  # the "Yes, delete all my saved work" box

CODE_KEY = "mlp_your_work_code"
_SAID = "mlp_your_work_said"


def panel() -> None:
    """In the sidebar: where the work is kept, the transfer code and Forget me (not in
    projector mode, whose sidebar keeps to a line for the data and one for the model)."""
    if classroom.projector():
        return
    with st.sidebar.expander("Your work", icon=":material/save:"):
        kept = sum(1 for r in state.runs().values() if r.saved_id is not None)
        st.caption(
            f"Your runs are saved as they train ({kept} saved), for this browser: a "
            "reload, a new tab or another day finds them again."
        )
        if said := st.session_state.pop(_SAID, None):
            st.text(said)
        _another_device()
        sure = st.checkbox("Yes, delete all my saved work", key=SURE_KEY)
        st.button(
            "Forget me",
            key="your_work_forget",
            on_click=_forget,
            disabled=not sure,
            help="Delete every run and snapshot you saved, on the server too. No undo.",
        )


def _another_device() -> None:
    st.button(
        "Continue on another device",
        key="your_work_code",
        on_click=_new_code,
        help="Shows a one-time code (10 minutes) to type on the other device.",
    )
    if code := st.session_state.get(CODE_KEY):
        st.text(f"On the other device, type: {code}\n(once, within 10 minutes)")
    with st.form("your_work_redeem", clear_on_submit=True, border=False):
        typed = st.text_input(
            "Code from another device",
            key="your_work_typed",
            max_chars=16,
            placeholder="ABCDE-23456",
        )
        if st.form_submit_button("Use this code", key="your_work_use") and typed.strip():
            st.session_state[_SAID] = saved.redeem(typed)
            st.rerun()


def _new_code() -> None:
    st.session_state[CODE_KEY] = saved.transfer_code()


def _forget() -> None:
    st.session_state.pop(CODE_KEY, None)
    st.session_state[SURE_KEY] = False
    st.session_state[_SAID] = saved.forget_me()
