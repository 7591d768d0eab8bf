"""The Board's ranking as a table for the projector, and the menu that opens a run's
settings on Train (learn from the winner), reachable by keyboard in every mode.

st.dataframe draws its cells on a canvas at a fixed size, too small to read from the back
of a room and beyond the page's projector text size; on the projector the ranking is
our own HTML table, its text in rem (projector mode's root size scales it) and larger.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import streamlit as st

from mlp_class.api import Entry
from mlp_core.challenge import Rules
from mlp_core.config import TrainConfig
from mlp_core.playground_config import PlaygroundConfig
from mlp_ui import class_state
from mlp_ui.class_text import plain

OPEN_KEY = "board_open"
RANKING_CLASS = "mlp-board-ranking"
RANKING_CSS = f"""
table.{RANKING_CLASS} {{ border-collapse: collapse; width: 100%; font-size: 1.6rem;
  color: #000; font-variant-numeric: tabular-nums; }}
table.{RANKING_CLASS} th, table.{RANKING_CLASS} td {{ padding: 0.25em 0.6em;
  border-bottom: 1px solid #767676; text-align: right; }}
table.{RANKING_CLASS} th {{ font-size: 1.1rem; font-weight: 600; }}
table.{RANKING_CLASS} th:nth-child(2), table.{RANKING_CLASS} td:nth-child(2) {{
  text-align: left; }}
table.{RANKING_CLASS} tbody tr:first-child {{ font-weight: 700; }}
"""
"""Rows at 1.6rem (32 px in projector mode), headers smaller; the leader in bold."""


def show_ranking(rows: Sequence[dict]) -> None:
    """The ranking in big type (projector mode)."""
    st.html(f"<style>{RANKING_CSS}</style>")
    st.html(ranking_html(rows))


def ranking_html(rows: Sequence[dict]) -> str:
    """The ranking (rows as board_view._table makes them) as an HTML table; every value
    escaped (names are typed by students)."""

    def cell(tag: str, value: object) -> str:
        shown = f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else value
        return f"<{tag}>{html.escape(str(shown))}</{tag}>"

    if not rows:
        return ""
    head = "".join(f'<th scope="col">{html.escape(k)}</th>' for k in rows[0])
    body = "".join(
        "<tr>" + "".join(cell("td", _two_places(k, v)) for k, v in row.items()) + "</tr>"
        for row in rows
    )
    return (
        f'<table class="{RANKING_CLASS}"><caption style="text-align:left">Ranking</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def _two_places(key: str, value: object) -> object:
    """Accuracy with two decimals (95.00, not 95), as the laptop's table shows it."""
    return f"{value:.2f}" if key.startswith("accuracy") else value


def open_menu(code: str, challenge_id: int, best: Sequence[Entry], rules: Rules) -> None:
    """A menu of the ranked runs; the one picked gets a link to its settings on Train
    (or on the Playground, for a Playground challenge)."""
    by_id = {e.id: e for e in best}
    rank = {e.id: k + 1 for k, e in enumerate(best)}
    if st.session_state.get(OPEN_KEY) not in by_id:
        st.session_state.pop(OPEN_KEY, None)  # that entry was removed
    page = "Playground" if rules.playground else "Train"
    picked = st.selectbox(
        f"Open a run's settings on {page}",
        list(by_id),
        index=None,
        format_func=lambda i: (
            f"{rank[i]}. {' '.join(by_id[i].name.split())} ({rules.ranked_by.text(by_id[i].score)})"
        ),
        placeholder="Pick a run to learn from",
        key=OPEN_KEY,
    )
    if picked is not None:
        _open_on_page(code, challenge_id, by_id[picked], rules.playground)


def _open_on_page(code: str, challenge_id: int, e: Entry, playground: bool) -> None:
    """A link that opens the entry's settings on Train (or the Playground), in the same
    challenge."""
    kind, page, icon = (
        (PlaygroundConfig, "Playground", ":material/toys:")
        if playground
        else (TrainConfig, "Train", ":material/show_chart:")
    )
    try:
        query = (kind(**e.config) if playground else kind.from_dict(e.config)).to_query()
    except (TypeError, ValueError):
        st.caption("This run's settings cannot be opened here.")
        return
    keys = {class_state.CLASS_KEY: code, class_state.CHALLENGE_KEY: str(challenge_id)}
    st.page_link(
        f"views/{page.lower()}.py",
        label=f"Open the settings of {plain(e.name)}'s run on {page}",
        icon=icon,
        query_params={**query, **keys},
    )
