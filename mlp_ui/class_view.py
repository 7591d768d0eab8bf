"""The Class page: students join a class; a teacher creates one, sets challenges and
watches the class (mlp_ui.class_teacher). Everything through mlp_class.api; every name
and title shown as plain text (st.text, st.dataframe, or escaped with class_text.plain).
"""

from __future__ import annotations

import streamlit as st

from mlp_class.api import ClassStore, Refused, ranking
from mlp_core.config import TrainConfig
from mlp_core.playground_config import PlaygroundConfig
from mlp_store import StoreError
from mlp_ui import class_state
from mlp_ui.class_text import plain

_JOINED = "mlp_class_joined"  # the code this session joined


def join_panel(store: ClassStore) -> None:
    """Join with a code and a name; then the class's challenges and my entries."""
    code = st.session_state.get(_JOINED)
    if code is None:
        with st.form("class_join"):
            typed = st.text_input(
                "Class code", max_chars=16, placeholder="e.g. K7QM-W3ZD", key="class_code"
            )
            name = st.text_input("Your name on the board", max_chars=24, key="class_name")
            joined = st.form_submit_button("Join", type="primary", key="class_join_go")
        if joined:
            _join(store, typed, name)
        return
    member = store.membership(code, class_state.me())
    if member is None:  # forgotten, removed with the class
        st.session_state[_JOINED] = None
        st.rerun()
    st.success(f"You are in **{plain(member[0])}** as **{plain(member[1])}**.")
    challenges_list(store, code)
    if st.button("Leave this page's class", key="class_leave"):
        st.session_state[_JOINED] = None
        class_state.leave_challenge()
        st.rerun()


def _join(store: ClassStore, typed: str, name: str) -> None:
    try:
        store.join(typed, class_state.me(), name, class_state.address())
    except (Refused, StoreError, ValueError) as exc:
        st.error(f"Not joined: {exc}.")
        return
    from mlp_class.words import read_code

    st.session_state[_JOINED] = read_code(typed)
    # no st.toast: its box is a dialog without a name for screen readers (axe-core's
    # aria-dialog-name), and the success line the rerun draws says the same, with the class
    st.rerun()


def links(code: str, challenge: dict) -> None:
    """Open the challenge on Train, or on the Playground (rules applied), and its board."""
    keys = {class_state.CLASS_KEY: code, class_state.CHALLENGE_KEY: str(challenge["id"])}
    rules = challenge["rules"]
    page, label, icon, base = (
        ("views/playground.py", "Play for it", ":material/toys:", PlaygroundConfig())
        if rules.playground
        else ("views/train.py", "Train for it", ":material/show_chart:", TrainConfig())
    )
    train, board = st.columns(2)
    train.page_link(
        page, label=label, icon=icon, query_params={**rules.apply(base).to_query(), **keys}
    )
    board.page_link(
        "views/board.py", label="Its board", icon=":material/leaderboard:", query_params=keys
    )


def challenges_list(store: ClassStore, code: str) -> None:
    """Each challenge: title, rules, open or closed, links, and my own entries."""
    found = store.challenges(code)
    if not found:
        st.info("No challenge yet: your teacher is setting one up.")
    for ch in found:
        with st.container(border=True):
            st.markdown(f"**{plain(ch['title'])}** ({'open' if ch['open'] else 'closed'})")
            st.caption("Rules: " + "; ".join(ch["rules"].lines()))
            links(code, ch)
            _mine(store, code, ch)


def _mine(store: ClassStore, code: str, ch: dict) -> None:
    mine = store.mine(code, ch["id"], class_state.me())
    if not mine:
        return
    measure = ch["rules"].ranked_by
    best = ranking(mine, lower=measure.lower_is_better)
    st.caption(
        f"Your entries: {len(mine)}; your best on the board: "
        + (measure.text(best[0].score) if best else "none (removed)")
    )
    for e in mine:
        if e.removed:
            st.warning(
                f"Your entry of {measure.text(e.score)} was removed by the teacher: "
                + plain(e.removed)
            )
