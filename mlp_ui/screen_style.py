"""Charts styled for a screen: larger, darker text everywhere; in projector mode
(`big`), projector sizes and thicker lines and markers. Pure: no Streamlit.

`screen_spec` restyles a figure's plain dict; a builder that assembles its figure as
dicts passes them through it before its one `go.Figure` call (plotly then checks the
figure once, as it would anyway). `style` restyles a figure already built, as a new
figure (the builder's is left as it was), which plotly checks again: a few milliseconds
a figure, so the charts a page redraws several times a second are built styled.
"""

from __future__ import annotations

import copy
import functools
import re
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio


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
AXIS = re.compile(r"[xy]axis\d*")


def style(fig: go.Figure, big: bool) -> go.Figure:
    """`fig` restyled for a screen, as a new figure (`fig` is left as it was).

    A figure on the default template (nearly all) is rebuilt without it and gets it
    again as any new figure does: checking the template's dict again was three quarters
    of the time (about 9 of 11 ms for a bar chart; the Draw page restyles three charts
    at each stroke)."""
    spec = fig.to_dict()
    layout = spec.get("layout") or {}
    if layout.get("template") == _default_template():
        spec["layout"] = {k: v for k, v in layout.items() if k != "template"}
    return go.Figure(screen_spec(spec, big))


def _default_template() -> dict[str, Any]:
    """The template a new figure gets (plotly's default, Streamlit's when it runs), as
    a dict."""
    return _template_dict(pio.templates.default)


@functools.lru_cache(maxsize=4)
def _template_dict(name: str) -> dict[str, Any]:
    return go.Figure().to_dict()["layout"]["template"]


def screen_spec(spec: dict[str, Any], big: bool) -> dict[str, Any]:
    """A figure's dict ({"data": [...], "layout": {...}}) restyled for a screen, as a
    new dict (`spec` is left as it was)."""
    s = SCREENS[big]
    spec = copy.copy(spec)
    layout = spec["layout"] = copy.deepcopy(dict(spec.get("layout") or {}))
    layout.setdefault("dragmode", False)  # a swipe scrolls the page, not the chart (i26)
    _merge(layout, "font", size=s.text, color=INK)
    _merge(layout.setdefault("legend", {}), "font", size=s.text)
    if isinstance(legend_title := layout["legend"].get("title"), dict):  # as dark as the rest
        layout["legend"]["title"] = {**legend_title, "font": {"size": s.text, "color": INK}}
    _merge(layout.setdefault("hoverlabel", {}), "font", size=s.text)
    if isinstance(layout.get("title"), str):
        layout["title"] = {"text": layout["title"]}
    if (layout.get("title") or {}).get("text"):
        _merge(layout["title"], "font", size=s.title)
    for name in [k for k in layout if AXIS.fullmatch(k)] or ["xaxis", "yaxis"]:
        axis = layout[name] = dict(layout.get(name) or {})
        axis["tickfont"] = {"size": s.text, "color": INK}
        title = axis.get("title") or {}
        axis["title"] = {**({"text": title} if isinstance(title, str) else title)}
        axis["title"]["font"] = {"size": s.axis_title, "color": INK}
    if notes := layout.pop("annotations", None):  # (an empty list: none, as plotly says)
        layout["annotations"] = [_bigger_note(n, s.text) for n in notes]
    spec["data"] = [_scaled_trace(dict(trace), s) for trace in spec.get("data", [])]
    return spec


def _merge(parent: dict, key: str, **values: Any) -> None:
    """parent[key] updated with `values` (as plotly's update_layout merges a font)."""
    parent[key] = {**(parent.get(key) or {}), **values}


def _bigger_note(note: dict, size: int) -> dict:
    """An annotation (as a dict) with its text at least `size` px."""
    font = dict(note.get("font") or {})
    font["size"] = max(font.get("size") or 0, size)
    return {**note, "font": font}


def _scaled_trace(data: dict, s: Screen) -> dict:
    """A trace (as a dict): colour bars' text in ink; for a scatter trace in projector
    mode, thicker lines and bigger markers."""
    kind = data.get("type", "scatter")
    if _has_colorbar(kind):
        data["colorbar"] = {
            **(data.get("colorbar") or {}),
            "tickfont": {"size": s.text, "color": INK},
        }
    if kind not in ("scatter", "scattergl") or s.line_scale == 1:
        return data
    mode = data.get("mode") or "lines"
    if "lines" in mode:
        line = dict(data.get("line") or {})
        line["width"] = max((line.get("width") or 2) * s.line_scale, s.min_line)
        data["line"] = line
    size = (data.get("marker") or {}).get("size")
    if "markers" in mode and isinstance(size, int | float):
        data["marker"] = {**data["marker"], "size": size * s.marker_scale}
    return data


@functools.cache
def _has_colorbar(kind: str) -> bool:
    """Whether a trace type has a colour bar of its own (heatmap, contour; not scatter)."""
    names = {name.lower(): name for name in dir(go) if not name.startswith("_")}
    return kind in names and hasattr(getattr(go, names[kind]), "colorbar")
