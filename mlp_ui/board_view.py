"""The Board page, made for the projector: the ranking (best per student, ties by time),
the spread of every submission, the top five's curves, and a menu that opens an entry's
settings on Train.

Thirty viewers cost little between submissions: each viewer's page has a tiny fragment
(`_watch`, `st.fragment(run_every=REFRESH)`) that reads the board's version (a handful of
counts from one small query, `ClassStore.board_version`, shared by every viewer of the
server for VERSION_TTL seconds through st.cache_data) and compares it with the version
its page shows; only when it changed does the page redraw (`st.rerun`), reading the
entries once per version for all viewers (`board_data`, cached by the version). A
submission appears within VERSION_TTL + REFRESH (1.25 s) and a redraw, on every replica
(benchmarks/board_viewers.py measures the cost and the delay).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import streamlit as st

from mlp_class.api import Entry, Refused, ranking
from mlp_core.challenge import MEASURE, Measure, Rules
from mlp_core.play_holdout import N_PRIVATE
from mlp_store import StoreError
from mlp_ui import board_figures, board_table, chart_text, class_state, classroom
from mlp_ui.class_text import plain
from mlp_ui.train_text import count

VERSION_TTL = 0.25
REFRESH = 1.0
TOP = 5
_SHOWN = "mlp_board_shown"  # (code, challenge id, version) this session's page shows


@st.cache_data(ttl=VERSION_TTL, max_entries=64, show_spinner=False)
def board_version(code: str, challenge_id: int) -> tuple | None:
    """The board's version (None: not found), shared by every viewer for VERSION_TTL s."""
    store = class_state.store()
    try:
        return store.board_version(code, challenge_id) if store else None
    except (Refused, StoreError):
        return None


@st.cache_data(ttl=600, max_entries=64, show_spinner=False)
def board_data(code: str, challenge_id: int, version: tuple | None) -> dict | None:
    """The challenge and its entries at `version` (read once per version per server)."""
    store = class_state.store()
    try:
        found = store.challenge(code, challenge_id) if store and version else None
        return found and {**found, "entries": store.entries(code, challenge_id)}
    except (Refused, StoreError):
        return None


def _clock(t: float) -> str:
    """The time of day of `t` in the viewer's time zone (the browser's; else UTC): a
    board that is not redrawn between submissions cannot say "16 s ago"."""
    try:
        zone = zoneinfo.ZoneInfo(str(st.context.timezone or "UTC"))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    return dt.datetime.fromtimestamp(t, zone).strftime("%H:%M:%S")


def _table(best: list[Entry], measure: Measure = MEASURE["test accuracy"]) -> list[dict]:
    return [
        {
            "rank": k + 1,
            "name": e.name,
            measure.column: measure.shown(e.score),
            "parameters": e.params,
            "seconds": board_figures.seconds(e.seconds),
            "epochs": e.epochs,
            "submitted": _clock(e.created),
        }
        for k, e in enumerate(best)
    ]


def live(code: str, challenge_id: int) -> None:
    """The board at its newest version, and the watch that redraws it on a change."""
    version = board_version(code, challenge_id)
    _board(code, challenge_id, board_data(code, challenge_id, version))
    # noted once drawn: a run cut short before (by a click) leaves the old version noted,
    # and the next check redraws
    st.session_state[_SHOWN] = (code, challenge_id, version)
    _watch(code, challenge_id)


@st.fragment(run_every=REFRESH)
def _watch(code: str, challenge_id: int) -> None:
    """Every REFRESH s: redraw the page if the board's version moved on (else nothing)."""
    if (code, challenge_id, board_version(code, challenge_id)) != st.session_state.get(_SHOWN):
        st.rerun()


def _board(code: str, challenge_id: int, data: dict | None) -> None:
    if data is None:
        st.warning("This board's challenge was not found: it may have been deleted.")
        return
    entries, rules = data["entries"], data["rules"]
    measure = rules.ranked_by
    best = ranking(entries, lower=measure.lower_is_better)
    state_word = "open" if data["open"] else "closed"
    st.header(f"{plain(data['title'])} ({state_word})")
    st.caption(
        f"Rules: {'; '.join(rules.lines())}. {count(len(best), 'student')}, "
        f"{count(len(entries), 'submission')}. {_scored_on(rules)}"
    )
    if not best:
        page = "Playground" if rules.playground else "Train"
        st.info(
            "No submission yet. Each finished run that keeps the rules can be submitted "
            f"from the {page} page."
        )
        return
    st.markdown(  # on the projector a heading: read from the back of the room
        ("### " if classroom.projector() else "")
        + "**Leading:** "
        + " · ".join(
            f"{k + 1}. {plain(e.name)} {measure.text(e.score)}" for k, e in enumerate(best[:3])
        )
    )
    if classroom.projector():
        board_table.show_ranking(_table(best, measure))
    else:
        st.dataframe(
            _table(best, measure),
            hide_index=True,
            height="content",  # every student finds their row, without a scroll inside a table
            column_config={
                "accuracy (%)": st.column_config.NumberColumn(format="%.2f"),  # 95.00, not 95
                MEASURE["test loss"].column: st.column_config.NumberColumn(format="%.4f"),
                "parameters": st.column_config.NumberColumn(format="localized"),
            },
        )
    board_table.open_menu(code, challenge_id, best, rules)  # learn from the winner
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
        alt = chart_text.spread_alt(len(entries), best, board_figures.AXES[axis][0], measure)
        fig = board_figures.spread(entries, best, axis, measure)
        table = chart_text.spread_table(entries, measure)
        classroom.chart(fig, width="stretch", alt=alt, table=table)
    with curves_col:
        top, curve = best[:TOP], board_figures.curve_of(rules)
        alt, table = chart_text.top_curves_alt(top, curve), chart_text.top_curves_table(top, curve)
        fig = board_figures.top_curves(top, curve)
        classroom.chart(fig, width="stretch", alt=alt, table=table)


def _scored_on(rules: Rules) -> str:
    """Where the board's scores come from, and why (a lesson in itself)."""
    if rules.playground:
        return (
            f"Scored by the server on **{N_PRIVATE:,} private points** of the challenge's "
            "data set, drawn apart from the page's points; no page shows a score on them. "
            "The Playground's test loss is on the page's own test points: a network tuned "
            "to those often does worse here, which is overfitting to the test set."
        )
    return (
        "Scored by the server on the **private half** of the test digits, which no page "
        "shows a score on; every other page's test accuracy is on the public half. A run "
        "tuned to the public half often scores lower here: that is overfitting to the "
        "test set."
    )
