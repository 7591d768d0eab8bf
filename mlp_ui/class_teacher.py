"""The teacher's side of the Class page: create or open a class (code + teacher key),
set a challenge, watch who joined and who trains, remove an entry, export, close, delete.
Every action passes the code and the key to mlp_class.api, which checks the key's hash.
"""

from __future__ import annotations

import time

import streamlit as st

from mlp_class.api import ClassStore, Refused
from mlp_core.challenge import RULES, Measure, Rules
from mlp_core.config import SCHEMA, TrainConfig
from mlp_store import StoreError
from mlp_ui import class_play_form, class_retrain, class_state, state
from mlp_ui.class_text import plain
from mlp_ui.class_view import links

_NEW_KEY = "mlp_class_new_key"  # the teacher key of a class just made, shown once

TRAINING_NOTE_SECONDS = 10.0
"""A progress note older than this: the student is not training now."""


def start_panel(store: ClassStore) -> None:
    """Create a class, or open one with its code and teacher key."""
    new, old = st.tabs(["New class", "Open my class"])
    with new, st.form("class_new"):
        title = st.text_input(
            "Class name", max_chars=80, placeholder="e.g. Period 3", key="class_title"
        )
        if st.form_submit_button("Create the class", type="primary", key="class_create_go"):
            _act(lambda: _created(store.create_class(title, class_state.me())))
    with old, st.form("class_open"):
        code = st.text_input("Class code", max_chars=16)
        key = st.text_input("Teacher key", type="password")
        if st.form_submit_button("Open"):
            _act(lambda: (store.check_teacher(code, key), class_state.set_teacher(code, key)))


def _created(made: tuple[str, str]) -> None:
    class_state.set_teacher(*made)
    st.session_state[_NEW_KEY] = made[1]


def _act(action) -> bool:
    try:
        action()
    except (Refused, StoreError, ValueError) as exc:
        st.error(f"Not done: {exc}.")
        return False
    st.rerun()
    return True


def teacher_panel(store: ClassStore) -> None:
    code, key = class_state.teacher()
    try:
        title = store.check_teacher(code, key)
    except Refused:  # deleted, or an old cookie: back to the start
        class_state.set_teacher(None)
        st.rerun()
    st.header(f"{plain(title)}: class code {code}")
    if new_key := st.session_state.get(_NEW_KEY):
        st.warning(
            "Your teacher key. This browser keeps it; copy it somewhere safe too: with the "
            "class code it opens this class from any other browser. Never share it."
        )
        st.code(new_key, language=None, wrap_lines=True)  # whole on a phone, not cut
    if st.button("Close the teacher's view on this browser", key="class_sign_out"):
        class_state.set_teacher(None)
        st.rerun()
    with st.expander("New challenge", expanded=not store.challenges(code)):
        _new_challenge(store, code, key)
    for ch in store.challenges(code):
        _challenge_box(store, code, key, ch)
    _exports(store, code, key)


KINDS = {"mnist": "MNIST digits (Train page)", "playground": "Playground data (2-D points)"}
TITLES = {
    "mnist": "Best test accuracy, at most 50 hidden units",
    "playground": "Make the spiral work with the fewest neurons",
}


def _new_challenge(store: ClassStore, code: str, key: str) -> None:
    kind = st.radio(
        "Data", list(KINDS), format_func=KINDS.get, horizontal=True, key="class_new_data"
    )
    with st.form("class_challenge"):
        title = st.text_input("Title", max_chars=80, value=TITLES[kind], key=f"class_t_{kind}")
        if kind == "playground":
            data, measure = class_play_form.data_inputs()
        cols = st.columns(len(RULES))
        limits = {
            n: str(
                col.number_input(
                    f"At most {r.label} (0: any)", 0, int(r.high), 0, key=f"class_rule_{n}"
                )
            )
            for (n, r), col in zip(RULES.items(), cols, strict=True)
        }
        if kind == "playground":
            names = class_play_form.fixed_choice()
        else:
            names = st.multiselect(
                "Fixed settings (the values on your Train page)",
                list(SCHEMA),
                format_func=lambda n: SCHEMA[n].label,
                default=["seed"],
            )
        minutes = st.number_input("Ends in minutes (0: when you close it)", 0, 10080, 0)
        auto = st.checkbox("Submit every finished run by itself")
        if st.form_submit_button("Create the challenge", type="primary", key="class_challenge_go"):
            if kind == "playground":
                fixed = {**data, **class_play_form.fixed_text(names)}
                rules = lambda: Rules.from_text(limits, fixed, kind, measure)  # noqa: E731
            else:
                mine = state.train_settings() or TrainConfig()
                rules = lambda: Rules.from_text(limits, {n: str(getattr(mine, n)) for n in names})  # noqa: E731
            ends = time.time() + 60 * minutes if minutes else None
            _act(lambda: store.add_challenge(code, key, title, rules(), ends, auto))


def _challenge_box(store: ClassStore, code: str, key: str, ch: dict) -> None:
    with st.container(border=True):
        st.markdown(f"**{plain(ch['title'])}** ({'open' if ch['open'] else 'closed'})")
        st.caption("Rules: " + "; ".join(ch["rules"].lines()))
        links(code, ch)
        label = "Close" if ch["open"] else "Reopen"
        if st.button(label, key=f"class_toggle_{ch['id']}"):
            _act(lambda: store.set_open(code, key, ch["id"], not ch["open"]))
        _watch(store, code, key, ch["id"])
        _remove(store, code, key, ch["id"], ch["rules"].ranked_by)
        with st.expander("Re-train a submission here, to check it bit for bit"):
            class_retrain.panel(store, code, key, ch["id"], ch["rules"])


@st.fragment(run_every=2.0)
def _watch(store: ClassStore, code: str, key: str, challenge_id: int) -> None:
    """Who joined, who trains now and how far, who has not submitted (every 2 s)."""
    rows = store.members(code, key, challenge_id)
    now = time.time()
    table = [
        {
            "name": m["name"],
            "now": _doing(m, now),
            "entries": m["entries"],
            "submitted": "yes" if m["entries"] else "not yet",
        }
        for m in rows
    ]
    waiting = sum(not m["entries"] for m in rows)
    st.caption(f"{len(rows)} joined; {waiting} not submitted yet.")
    if table:
        st.dataframe(table, hide_index=True, key=f"class_members_{challenge_id}")


def _doing(m: dict, now: float) -> str:
    if m["progress"] is None or m["at"] is None or now - m["at"] > TRAINING_NOTE_SECONDS:
        return "not training"
    if not m["of"]:  # a Playground run plays on with no end
        return f"training: epoch {m['progress']:,.0f}"
    return f"training: epoch {m['progress']:.1f} of {m['of']}"


def _remove(store: ClassStore, code: str, key: str, challenge_id: int, measure: Measure) -> None:
    entries = [e for e in store.entries(code, challenge_id) if e.removed is None]
    if not entries:
        return
    with st.form(f"class_remove_{challenge_id}", clear_on_submit=True):
        pick = st.selectbox(
            "Remove an entry",
            entries,
            format_func=lambda e: f"#{e.id} {e.name}: {measure.text(e.score)}",
        )
        reason = st.text_input(
            "Reason (its owner sees it)", max_chars=200, key=f"class_reason_{challenge_id}"
        )
        if st.form_submit_button("Remove", key=f"class_remove_go_{challenge_id}"):
            _act(lambda: store.remove_entry(code, key, pick.id, reason))


def _exports(store: ClassStore, code: str, key: str) -> None:
    csv_col, zip_col, delete_col = st.columns(3)
    csv_col.download_button(
        "Every submission (CSV)",
        lambda: store.export_csv(code, key),
        file_name=f"class_{code}.csv",
        mime="text/csv",
        on_click="ignore",
    )
    zip_col.download_button(
        "Every model (.zip of .npz)",
        lambda: store.export_models(code, key),
        file_name=f"class_{code}_models.zip",
        mime="application/zip",
        on_click="ignore",
    )
    with delete_col.popover("Delete the class"):
        st.write("Deletes the class, its challenges, members and submissions. No undo.")
        if st.button("Delete it for good", type="primary", key="class_delete"):
            _act(lambda: (store.delete_class(code, key), class_state.set_teacher(None)))
