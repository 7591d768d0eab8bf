"""Figures of the Libraries page: pure functions from histories and results to figures.

The curves are the Train page's (`figures.training_curves`), one run per library. Runs
from the same weights in the same minibatch order lie on top of each other, so each
library gets its own marker and line width: a thick line with thinner ones inside it
means they agree.
"""

from __future__ import annotations

import plotly.graph_objects as go

from mlp_core.history import History
from mlp_ui import figures

LIBRARY_COLOURS = {"mlp_core": "#0072B2", "scikit-learn": "#D55E00", "PyTorch": "#009E73"}
"""Okabe-Ito blue, vermillion and green (theme.RUN_COLOURS' first three)."""
LIBRARY_STYLE = {
    "mlp_core": ("circle", 11, 5.0),
    "scikit-learn": ("square", 7, 2.5),
    "PyTorch": ("diamond", 4, 1.0),
}
"""Marker symbol, marker size and line width: widest first, so overlaps stay visible."""
TRACES_PER_RUN = 3  # figures.training_curves: loss, training and validation accuracy


def library_curves(
    runs: list[tuple[str, History]], x_max: float | None = None, big: bool = False
) -> go.Figure:
    """Loss and accuracies per epoch, one colour, marker and width per library; with
    `big` (projector text), a long plot title breaks before its parenthesis."""
    colours = [LIBRARY_COLOURS.get(name, "#000000") for name, _ in runs]
    fig = figures.training_curves(runs, colours, x_max)
    for note in fig.layout.annotations if big else ():
        if note.text and len(note.text) > 30 and " (" in note.text:
            note.text = note.text.replace(" (", "<br>(", 1)
            fig.update_layout(margin_t=max(fig.layout.margin.t or 0, 80))  # room for two lines
    if not runs:
        for note in fig.layout.annotations:  # one line ran into the accuracy plot
            if note.text == figures.EMPTY_TEXT:
                two_lines = figures.EMPTY_TEXT.replace(" after", "<br>after")
                note.update(text=two_lines, xanchor="center")
        return fig
    for i, trace in enumerate(fig.data):
        name = runs[min(i // TRACES_PER_RUN, len(runs) - 1)][0]
        symbol, size, width = LIBRARY_STYLE.get(name, ("circle", 6, 2.0))
        trace.update(marker={"symbol": symbol, "size": size}, line={"width": width})
    fig.update_layout(legend_title_text="library")
    return fig
