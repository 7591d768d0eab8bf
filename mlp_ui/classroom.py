"""What every page shares for a classroom: projector mode, "Try this" and "Why?".

Projector mode is a sidebar switch kept in the URL as `projector=1` on every page, so a
teacher's link opens it. It makes every chart's text, lines and markers big enough to read
from the back of a room (`SCREENS`), the page's own text larger and darker, and hides
chrome a projected page does not need. Pages show charts through `chart`, which applies
the screen's style to a figure a pure builder made; `style` is that step alone.

"Try this" is two or three short experiments per page: a button sets the page up (widget
values through session state, then an optional action), and the box under the buttons
says what to look for and why it happens. "Why?" folds a page's explanations away, so the
first screen shows the thing itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import plotly.graph_objects as go
import streamlit as st

from mlp_ui import screen_style, theme

QUERY_KEY = "projector"
"""The URL key: `?projector=1` opens any page in projector mode."""
_STATE = "mlp_projector"
_TRIED = "mlp_tried"
_SEEN = "mlp_tried_seen"


SCREENS = screen_style.SCREENS
style = screen_style.style  # the screen's style for a figure already built (pure)


# -- projector mode ----------------------------------------------------------------------
def projector() -> bool:
    """Whether this session shows the page in projector mode (the URL decides first)."""
    if _STATE not in st.session_state:
        st.session_state[_STATE] = st.query_params.get(QUERY_KEY) == "1"
    return bool(st.session_state[_STATE])


def switch() -> None:
    """The sidebar switch; call once per script run, before the page draws anything."""
    on = projector()
    st.sidebar.toggle(
        "Projector mode",
        value=on,
        key="projector_switch",
        on_change=_flip,
        help="Big text, thick lines, high contrast: for a projected screen. "
        "Kept in the page's address (projector=1), so a link opens it.",
    )
    keep_in_url()
    if on:
        st.html(f"<style>{PROJECTOR_CSS}</style>")
    st.html(f"<style>{BASE_CSS}</style>")


def _flip() -> None:
    st.session_state[_STATE] = bool(st.session_state["projector_switch"])


def keep_in_url() -> None:
    """Put (or take) `projector=1` in the page's address, leaving its other keys alone."""
    if projector():
        if st.query_params.get(QUERY_KEY) != "1":
            st.query_params[QUERY_KEY] = "1"
    elif QUERY_KEY in st.query_params:
        del st.query_params[QUERY_KEY]


def page_query() -> dict[str, Any]:
    """The URL's keys a page's settings read (the projector key taken out)."""
    query = st.query_params.to_dict()
    query.pop(QUERY_KEY, None)
    return query


def write_query(query: Mapping[str, Any]) -> None:
    """Write a page's settings to its URL, keeping `projector=1` when it is on."""
    wanted = dict(query)
    if projector():
        wanted[QUERY_KEY] = "1"
    if st.query_params.to_dict() != wanted:
        st.query_params.from_dict(wanted)


FOCUS = "#a8283a"
"""The keyboard focus ring: the theme's primary colour, 6.9:1 on white (WCAG asks 3:1)."""
BASE_CSS = f"""
a:focus-visible, button:focus-visible, [role="tab"]:focus-visible,
[role="radio"]:focus-visible, [role="option"]:focus-visible, [role="slider"]:focus-visible,
summary:focus-visible, [tabindex]:focus-visible, input:focus-visible, textarea:focus-visible,
label:has(input:focus-visible) {{
  outline: 3px solid {FOCUS} !important; outline-offset: 2px; }}
"""
"""Focus visible on every control (Streamlit's own ring is faint on the sidebar links and
the switches). Text colours come from the theme (.streamlit/config.toml), not from here."""
PROJECTOR_CSS = """
html { font-size: 23px; }
p:not(button p), li { color: #000 !important; }  /* a button keeps its theme colours */
h1 { font-size: 2.3rem !important; }
code { font-size: 0.9rem !important; }
header { display: none !important; }
"""
"""Projector mode's page text, only in that mode (theme settings are the whole server's,
so they cannot differ per session). Plain HTML elements only, no Streamlit class names or
test ids: the root size scales every rem-sized text, so paragraphs, labels and buttons are
23 px and metric values (2.25rem) 52 px, readable from the back of a room. No rule sets a
paragraph's own size: a metric's value is a paragraph too, and such a rule (1.15rem) held
it at 23 px. Paragraphs and list items in black; `header`, Streamlit's top bar, is hidden
to give the projected page its room (no setting hides it per session)."""


# -- touch devices ---------------------------------------------------------------------
TOUCH_AGENTS = re.compile(r"Mobi|Android|iPhone|iPad|Tablet", re.IGNORECASE)


def touch() -> bool:
    """Whether the browser says it is a phone or a tablet (its User-Agent header).

    The User-Agent is the only signal the server has: Streamlit 1.67's st.context gives
    cookies, headers, ip_address, is_embedded, locale, theme, timezone and url, nothing
    about the pointer or the screen, and Chromium's client hint (Sec-CH-UA-Mobile) is not
    in the headers (checked in Chromium: it is sent on secure origins only, and it
    says no more than the User-Agent). An iPad asking for desktop sites reads as a Mac:
    it is told "click", and its finger still works everywhere."""
    return bool(TOUCH_AGENTS.search(st.context.headers.get("User-Agent") or ""))


def tap(click: str = "click") -> str:
    """The word for pressing on this device: "tap" on a touch device, else `click`."""
    if not touch():
        return click
    return "Tap" if click[:1].isupper() else "tap"


# -- charts ------------------------------------------------------------------------------
def chart(
    fig: go.Figure,
    where: Any = None,
    styled: bool = False,
    *,
    alt: str | None = None,
    table: Any = None,
    **kwargs: Any,
) -> Any:
    """Show `fig` styled for this session's screen (in `where`, a container; default st).

    `styled`: the figure's (cached, shared) builder already called `style` for this
    screen; it is shown as it is, never changed (restyling would thicken its lines again).
    `alt`: the chart's text alternative (what it shows now), shown under it; `table`: its
    numbers (a DataFrame), in a fold under it. `config` is merged over theme.CHART_CONFIG
    (no toolbar, no wheel zoom).
    """
    if not styled:
        fig = style(fig, projector())
    kwargs["config"] = {**theme.CHART_CONFIG, **kwargs.get("config", {})}
    where = where or st
    shown = where.plotly_chart(fig, **kwargs)
    if alt:
        where.caption(alt)
    if table is not None:
        numbers(table, where)
    return shown


NUMBERS = "The numbers"
NUMBERS_ICON = ":material/table:"


def numbers(table: Any, where: Any = None) -> None:
    """A chart's numbers as a table, folded away (for screen readers and exact values)."""
    with (where or st).expander(NUMBERS, icon=NUMBERS_ICON):
        st.dataframe(table, hide_index=True)


def opened_fold(label: str, key: str, where: Any = None, **kwargs: Any) -> Any:
    """A fold whose content is drawn only once it is opened (a click on it reruns the
    page): its container while open, else None. For what most visitors never open but
    every run of a busy page would otherwise send (the Train page's code and numbers)."""
    fold = (where or st).expander(label, key=key, on_change="rerun", **kwargs)
    return fold if fold.open else None


# -- "Try this" and "Why?" ---------------------------------------------------------------
@dataclass(frozen=True)
class Experiment:
    """One "Try this" button: `settings` (session-state keys -> values) are set on click,
    then `action` runs (both before the page redraws); the box then shows `look_for`
    (what to watch) and `why` (why it happens)."""

    label: str
    look_for: str
    why: str
    settings: Mapping[str, Any] = field(default_factory=dict)
    action: Callable[[], None] | None = None
    icon: str = ":material/science:"


def try_this(page: str, experiments: Sequence[Experiment], why_after: bool = False) -> None:
    """A row of "Try this" buttons; under them, what the last one clicked shows.

    `why_after`: the box says what to look for, and the why only once the student says
    they have watched (a button), so the explanation comes after the experiment."""
    cols = st.columns([0.6] + [1] * len(experiments), vertical_alignment="center")
    cols[0].markdown("**Try this**")
    for i, (col, exp) in enumerate(zip(cols[1:], experiments, strict=True)):
        col.button(
            exp.label,
            key=f"try_{page}_{i}",
            icon=exp.icon,
            on_click=_run_experiment,
            args=(page, i, exp),
            width="stretch",
        )
    tried = st.session_state.get(_TRIED, {}).get(page)
    if tried is None or tried >= len(experiments):
        return
    exp = experiments[tried]
    if not why_after:
        st.info(f"**Look for:** {exp.look_for}  \n**Why:** {exp.why}", icon=":material/visibility:")
        return
    seen = st.session_state.get(_SEEN) == (page, tried)
    text = f"**Look for:** {exp.look_for}" + (f"  \n**Why:** {exp.why}" if seen else "")
    st.info(text, icon=":material/visibility:")
    if not seen:
        st.button(
            "I have watched it: why?",
            key=f"try_{page}_why",
            icon=":material/help:",
            on_click=st.session_state.__setitem__,
            args=(_SEEN, (page, tried)),
        )


def _run_experiment(page: str, i: int, exp: Experiment) -> None:
    for key, value in exp.settings.items():
        st.session_state[key] = value
    st.session_state.setdefault(_TRIED, {})[page] = i
    st.session_state.pop(_SEEN, None)
    if exp.action is not None:
        exp.action()


def why(label: str = "Why?", expanded: bool = False) -> Any:
    """An expander for a page's explanations (use as `with classroom.why(): ...`)."""
    return st.expander(f"**{label}**", icon=":material/help:", expanded=expanded)
