"""The Board page, made for the projector: the ranking (best per student, ties by time),
the spread of every submission, the top five's curves, and a click on an entry to open
its settings on Train.

It redraws itself every `REFRESH` s (st.fragment(run_every)), and every viewer of a
server reads one shared query result (`board_data`, st.cache_data with ttl=TTL keyed by
the class and challenge): thirty viewers cost one database query per TTL per server, not
thirty. A submission appears within TTL + REFRESH (2 s) on every replica.
"""

from __future__ import annotations

import time

import streamlit as st

from mlp_class.api import Entry, Refused, ranking
from mlp_core.config import TrainConfig
from mlp_store import StoreError
from mlp_ui import board_figures, chart_text, class_state, classroom
from mlp_ui.class_text import plain
from mlp_ui.train_text import count

TTL = 1.0
REFRESH = 1.0
TOP = 5


@st.cache_data(ttl=TTL, max_entries=64, show_spinner=False)
def board_data(code: str, challenge_id: int) -> dict | None:
    """The challenge and its entries, shared by every viewer for TTL seconds."""
    store = class_state.store()
    try:
        found = store.challenge(code, challenge_id) if store else None
        return found and {**found, "entries": store.entries(code, challenge_id)}
    except (Refused, StoreError):
        return None


def _ago(t: float) -> str:
    s = max(0, int(time.time() - t))
    return f"{s} s ago" if s < 120 else f"{s // 60} min ago"


def _table(best: list[Entry]) -> list[dict]:
    return [
        {
            "rank": k + 1,
            "name": e.name,
            "accuracy (%)": round(100 * e.score, 2),
            "parameters": e.params,
            "seconds": round(e.seconds, 1),
            "epochs": e.epochs,
            "submitted": _ago(e.created),
        }
        for k, e in enumerate(best)
    ]


@st.fragment(run_every=REFRESH)
def live(code: str, challenge_id: int) -> None:
    data = board_data(code, challenge_id)
    if data is None:
        st.warning("This board's challenge was not found: it may have been deleted.")
        return
    entries = data["entries"]
    best = ranking(entries)
    state_word = "open" if data["open"] else "closed"
    st.header(f"{plain(data['title'])} ({state_word})")
    st.caption(
        f"Rules: {'; '.join(data['rules'].lines())}. {count(len(best), 'student')}, "
        f"{count(len(entries), 'submission')}. Scored by the server on the **private half** of the "
        "test digits, which no page shows a score on; the Train page's test accuracy is on "
        "the public half. A run tuned to the public half often scores lower here: that is "
        "overfitting to the test set."
    )
    if not best:
        st.info(
            "No submission yet. Each finished run that keeps the rules can be submitted "
            "from the Train page."
        )
        return
    st.markdown(  # on the projector a heading: read from the back of the room
        ("### " if classroom.projector() else "")
        + "**Leading:** "
        + " · ".join(f"{k + 1}. {plain(e.name)} {e.score:.2%}" for k, e in enumerate(best[:3]))
    )
    picked = st.dataframe(
        _table(best),
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        key="board_ranking",
    )
    rows = picked.selection.rows if picked else []
    if rows:
        _open_on_train(code, challenge_id, best[rows[0]])
    else:
        st.caption("Click a row to open that run's settings on the Train page.")
    spread_col, curves_col = (
        (st.container(), st.container()) if classroom.projector() else st.columns(2)
    )
    axis = spread_col.radio(
        "Against",
        ["params", "seconds"],
        horizontal=True,
        key="board_axis",
        format_func=lambda a: board_figures.AXES[a][0],
    )
    with spread_col:
        alt = chart_text.spread_alt(len(entries), best, board_figures.AXES[axis][0])
        fig = board_figures.spread(entries, best, axis)
        classroom.chart(fig, width="stretch", alt=alt, table=chart_text.spread_table(entries))
    with curves_col:
        top = best[:TOP]
        alt, table = chart_text.top_curves_alt(top), chart_text.top_curves_table(top)
        classroom.chart(board_figures.top_curves(top), width="stretch", alt=alt, table=table)


def _open_on_train(code: str, challenge_id: int, e: Entry) -> None:
    """A link that opens the entry's settings on Train, in the same challenge."""
    try:
        query = TrainConfig.from_dict(e.config).to_query()
    except (TypeError, ValueError):
        return
    keys = {class_state.CLASS_KEY: code, class_state.CHALLENGE_KEY: str(challenge_id)}
    st.page_link(
        "views/train.py",
        label=f"Open the settings of {plain(e.name)}'s run on Train",
        icon=":material/show_chart:",
        query_params={**query, **keys},
    )
