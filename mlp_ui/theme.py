"""Colours and sizes shared by the figure builders, in one place.

Run colours are the Okabe-Ito palette (distinguishable with the common colour-vision
deficiencies), without its yellow, which is unreadable on white.
"""

from __future__ import annotations

RUN_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
"""One colour per run, by run id, cycling."""

DIVERGED = "#C0392B"
"""The 'diverged here' marker."""

MUTED = "#595959"
"""Annotations and empty-state text (7:1 on white; #888888 was 3.5:1)."""

WEIGHTS_SCALE = "RdBu_r"
"""Diverging scale for weights: negative blue, zero white, positive red."""

CHART_HEIGHT = 380
WEIGHTS_HEIGHT = 520
FONT_SIZE = 13


def colour(k: int) -> str:
    """The k-th colour of the palette (k from 0), cycling: toys' curves, runs by position."""
    return RUN_COLOURS[k % len(RUN_COLOURS)]


def run_colour(run_id: int) -> str:
    """The colour of run `run_id` (ids start at 1), the same on every chart."""
    return RUN_COLOURS[(run_id - 1) % len(RUN_COLOURS)]


CHART_CONFIG = {"displaylogo": False, "displayModeBar": False, "scrollZoom": False}
"""Plotly's options for every chart the app shows: no toolbar (it covered titles and put
two dozen buttons in the keyboard's path) and no wheel zoom. With the layout's
`dragmode=False` (classroom.style) a swipe over a chart scrolls the page on a phone."""
