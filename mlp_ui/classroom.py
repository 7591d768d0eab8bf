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

from mlp_ui import theme

QUERY_KEY = "projector"
"""The URL key: `?projector=1` opens any page in projector mode."""
_STATE = "mlp_projector"
_TRIED = "mlp_tried"
_SEEN = "mlp_tried_seen"


@dataclass(frozen=True)
class Screen:
    """Sizes in CSS pixels for one mode. `text`: tick labels, legends, annotations."""

    text: int
    axis_title: int
    title: int
    line_scale: float
    min_line: float
    marker_scale: float


SCREENS = {
    False: Screen(text=15, axis_title=16, title=18, line_scale=1.0, min_line=0, marker_scale=1),
    True: Screen(text=20, axis_title=22, title=24, line_scale=1.6, min_line=3, marker_scale=1.5),
}
"""Normal mode, and projector mode (axis text at least 18 px)."""
INK = "#111111"
"""Chart text: near black, for contrast on a washed-out projector."""


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
html { font-size: 20px; }
.stMarkdown p, .stMarkdown li, [data-testid="stCaptionContainer"], label p {
  font-size: 1.15rem !important; color: #000 !important; }
[data-testid="stMetricValue"] { font-size: 3.2rem !important; }
[data-testid="stMetricLabel"] p { font-size: 1.2rem !important; }
h1 { font-size: 2.6rem !important; }
[data-testid="stHeader"] { display: none; }
.block-container { padding-top: 1.5rem !important; }
.block-container { padding-left: 2rem !important; padding-right: 2rem !important; }
button p { font-size: 1.1rem !important; }
[data-testid="stExpander"] summary p { font-size: 1.15rem !important; color: #000 !important; }
[data-testid="stCodeBlock"] code, .stDataFrame { font-size: 1rem !important; }
"""


# -- touch devices ---------------------------------------------------------------------
TOUCH_AGENTS = re.compile(r"Mobi|Android|iPhone|iPad|Tablet", re.IGNORECASE)


def touch() -> bool:
    """Whether the browser says it is a phone or a tablet (its User-Agent header)."""
    return bool(TOUCH_AGENTS.search(st.context.headers.get("User-Agent") or ""))


def tap(click: str = "click") -> str:
    """The word for pressing on this device: "tap" on a touch device, else `click`."""
    if not touch():
        return click
    return "Tap" if click[:1].isupper() else "tap"


# -- charts ------------------------------------------------------------------------------
def style(fig: go.Figure, big: bool) -> go.Figure:
    """`fig` restyled for a screen, as a new figure (`fig` is left as it was): larger,
    darker text everywhere; with `big`, projector sizes and thicker lines and markers.
    Pure: no Streamlit.

    It edits the figure's plain dict and builds the result without plotly's checks: the
    builder's figure was checked already, and checking every property set again took
    5-6 ms a figure, the largest part of a Train page's redraw (a class of thirty redraws
    about seven times a second)."""
    s = SCREENS[big]
    spec = fig.to_dict()
    layout = spec.setdefault("layout", {})
    layout.setdefault("dragmode", False)  # a swipe scrolls the page, not the chart
    _merge(layout, "font", size=s.text, color=INK)
    _merge(layout.setdefault("legend", {}), "font", size=s.text)
    _merge(layout.setdefault("hoverlabel", {}), "font", size=s.text)
    if (layout.get("title") or {}).get("text"):
        _merge(layout["title"], "font", size=s.title)
    for name in [k for k in layout if AXIS.fullmatch(k)] or ["xaxis", "yaxis"]:
        axis = layout.setdefault(name, {})
        axis["tickfont"] = {"size": s.text, "color": INK}
        axis.setdefault("title", {})["font"] = {"size": s.axis_title, "color": INK}
    if notes := layout.pop("annotations", None):  # (an empty list: none, as plotly says)
        layout["annotations"] = [_bigger_note(n, s.text) for n in notes]
    for trace, data in zip(fig.data, spec.get("data", []), strict=True):
        _scale_trace(trace, data, s)
    return go.Figure(spec, _validate=False)


def _merge(parent: dict, key: str, **values: Any) -> None:
    """parent[key] updated with `values` (as plotly's update_layout merges a font)."""
    parent[key] = {**(parent.get(key) or {}), **values}


def _bigger_note(note: dict, size: int) -> dict:
    """An annotation (as a dict) with its text at least `size` px."""
    font = dict(note.get("font") or {})
    font["size"] = max(font.get("size") or 0, size)
    return {**note, "font": font}


AXIS = re.compile(r"[xy]axis\d*")


def _scale_trace(trace: Any, data: dict, s: Screen) -> None:
    """In `data` (the trace as a dict): thicker lines and bigger markers for a scatter
    trace; colour bars' text too (`trace`, the plotly object, says which it has)."""
    if hasattr(trace, "colorbar") and trace.colorbar is not None:
        data["colorbar"] = {**data.get("colorbar", {}), "tickfont": {"size": s.text, "color": INK}}
    if trace.type not in ("scatter", "scattergl") or s.line_scale == 1:
        return
    mode = trace.mode or "lines"
    if "lines" in mode:
        width = max((trace.line.width or 2) * s.line_scale, s.min_line)
        data["line"] = {**data.get("line", {}), "width": width}
    size = trace.marker.size
    if "markers" in mode and isinstance(size, int | float):
        data["marker"] = {**data.get("marker", {}), "size": size * s.marker_scale}


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


def numbers(table: Any, where: Any = None) -> None:
    """A chart's numbers as a table, folded away (for screen readers and exact values)."""
    with (where or st).expander("The numbers", icon=":material/table:"):
        st.dataframe(table, hide_index=True)


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
