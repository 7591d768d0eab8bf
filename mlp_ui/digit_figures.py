"""Figures of digits and of what the network makes of them, for the Mistakes and Draw pages.

Pure functions: arrays in, `go.Figure` out; no Streamlit, no model. Images are grey
levels 0..255 with the ink bright, as MNIST stores them; they are drawn dark-on-light,
like ink on paper, which is easier on the eye in a light theme.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Sequence

import numpy as np
import pandas  # noqa: F401  (see below)
import plotly.graph_objects as go
from PIL import Image

# Why pandas: plotly's validators look pandas up in sys.modules without importing it
# (get_module(..., should_load=False)), so while another script thread is halfway
# through its first `import pandas` (Streamlit's component and dataframe code does
# that), building a figure fails with "partially initialized module 'pandas'". Importing
# it here, under the import lock and before any figure of these pages can be built,
# closes that window: seen on a fresh server when Draw was left for Mistakes quickly.

CLASSES = tuple(str(k) for k in range(10))
PRED_COLOUR = "#D55E00"  # the network's answer: Okabe-Ito vermillion
TRUE_COLOUR = "#0072B2"  # the right answer: Okabe-Ito blue (never red against green)
BAR_COLOUR = "#9aa5b1"
INK = "Greys"  # plotly colour scale: 0 white, 1 black


def _compact(fig: go.Figure, height: int, top: int = 30) -> go.Figure:
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=top, b=10))
    return fig


def _figure(traces: list[dict], height: int, top: int = 30, **layout) -> go.Figure:
    """One figure from plain dicts, with _compact's height and margins: plotly checks it
    once (each update_* call checks again; the Draw page builds three of these at every
    stroke, and while the pen moves)."""
    margin = dict(l=10, r=10, t=top, b=10)
    return go.Figure({"data": traces, "layout": {**layout, "height": height, "margin": margin}})


def digit_image(
    image: np.ndarray, title: str = "", as_network_sees: bool = False, height: int = 300
) -> go.Figure:
    """One digit, pixel by pixel, with each pixel's value on hover. image (28, 28) 0..255.

    `as_network_sees` draws it white on black, as MNIST stores it and as the Draw page's
    canvas shows it; otherwise dark ink on light paper. `height` in pixels.
    """
    h, w = image.shape
    heatmap = dict(
        type="heatmap",
        z=np.asarray(image, dtype=float),
        colorscale="gray" if as_network_sees else INK,
        zmin=0,
        zmax=255,
        showscale=False,
        hovertemplate="row %{y}, column %{x}: %{z:.0f}<extra></extra>",
    )
    return _figure(
        [heatmap],
        height,
        top=40 if title else 10,
        xaxis=dict(visible=False, range=[-0.5, w - 0.5], constrain="domain"),
        yaxis=dict(visible=False, range=[h - 0.5, -0.5], scaleanchor="x", constrain="domain"),
        title=dict(text=title, x=0.5, xanchor="center", font=dict(size=14)),
    )


def probability_bars(
    proba: np.ndarray,
    predicted: int | None = None,
    true_class: int | None = None,
    height: int = 280,
) -> go.Figure:
    """The probability of every class as bars. proba (k,) summing to 1.

    The predicted class is vermillion and labelled "answer"; the true class, when known
    and different, blue and labelled "label" (colours told apart with any colour vision,
    and named on the bars themselves). Every class keeps its tick label, however large
    the text. `height` in pixels.
    """
    proba = np.asarray(proba, dtype=float)
    colours = [BAR_COLOUR] * len(proba)
    text = [f"{p:.0%}" if p >= 0.05 else "" for p in proba]  # no crowded small labels
    if true_class is not None:
        colours[true_class] = TRUE_COLOUR
        text[true_class] = f"label<br>{proba[true_class]:.0%}"
    if predicted is not None:
        colours[predicted] = PRED_COLOUR
        said = "answer = label" if predicted == true_class else "answer"
        text[predicted] = (
            f"{said} {proba[predicted]:.0%}" if true_class is not None else text[predicted]
        )
    bars = dict(
        type="bar",
        x=list(CLASSES[: len(proba)]),
        y=proba,
        marker=dict(color=colours),
        text=text,
        textposition="outside",
        constraintext="none",
        cliponaxis=False,
        hovertemplate="class %{x}: %{y:.2%}<extra></extra>",
    )
    return _figure(
        [bars],
        height,
        top=20,
        xaxis=dict(title=dict(text="class"), type="category", tickmode="linear", dtick=1),
        yaxis=dict(title=dict(text="probability"), range=[0, 1.08], tickformat=".0%"),
    )


def hidden_activations(
    layers: Sequence[np.ndarray], height: int = 320, text_px: int = 13
) -> go.Figure:
    """Every hidden unit's activation for one input, each layer as a grid of cells.

    layers: one (units,) array per hidden layer. A layer of 256 units becomes a 16x16
    grid (unit i at row i // 16, column i % 16); empty cells pad the last row. All
    layers share one colour scale (its text at `text_px`); `layout.width` is the width to
    show the figure at.
    """
    layers = [np.asarray(a, dtype=float).ravel() for a in layers]
    low = min(0.0, *(float(a.min()) for a in layers))
    high = max(1e-6, *(float(a.max()) for a in layers))
    traces = []
    x0, tallest = 0, 1
    for l, a in enumerate(layers):
        cols = math.ceil(math.sqrt(len(a)))
        rows = math.ceil(len(a) / cols)
        grid = np.full(rows * cols, np.nan)
        grid[: len(a)] = a
        traces.append(
            dict(
                type="heatmap",
                z=grid.reshape(rows, cols),
                x=np.arange(cols) + x0,
                customdata=np.arange(rows * cols).reshape(rows, cols),
                coloraxis="coloraxis",
                name=f"layer {l + 1}",
                hovertemplate=f"layer {l + 1}, unit %{{customdata}}: %{{z:.3f}}<extra></extra>",
                xgap=1,
                ygap=1,
            )
        )
        x0, tallest = x0 + cols + 2, max(tallest, rows)
    return _figure(
        traces,
        height,
        top=10,
        coloraxis=dict(
            colorscale="Viridis",
            cmin=low,
            cmax=high,
            colorbar=dict(
                title=dict(text="activation", font=dict(size=text_px, color="#111")),
                tickfont=dict(size=text_px, color="#111"),
                thickness=12,
            ),
        ),
        width=int((x0 - 2) * (height - 20) / tallest) + 60 + 5 * text_px,
        xaxis=dict(visible=False),
        yaxis=dict(visible=False, autorange="reversed", scaleanchor="x"),
    )


def _png_data_uri(pixels: np.ndarray) -> str:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG", optimize=False, compress_level=1)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def mosaic(images: np.ndarray, cols: int, pad: int = 4, band: int = 0, zoom: int = 4) -> np.ndarray:
    """Tile images (n, 28, 28) 0..255 into one dark-on-light uint8 picture, rows of `cols`.

    Each tile is the digit on a light-grey square, with `pad` pixels around it and a
    white `band` above it for a title. Each pixel becomes zoom x zoom, so the browser
    shows crisp pixels instead of smoothing them. Returns
    (rows * (28 + pad + band) * zoom, cols * (28 + pad) * zoom).
    """
    n, h, w = images.shape
    rows = max(1, math.ceil(n / cols))
    sheet = np.full((rows * cols, band + h + pad, w + pad), 255, dtype=np.uint8)
    inner = slice(band + pad // 2, band + pad // 2 + h), slice(pad // 2, pad // 2 + w)
    sheet[:n, band + 1 : band + h + pad - 1, 1 : w + pad - 1] = 235  # a frame per digit
    sheet[:n, inner[0], inner[1]] = 255 - np.clip(images, 0, 255).astype(np.uint8)
    tiles = sheet.reshape(rows, cols, band + h + pad, w + pad).transpose(0, 2, 1, 3)
    out = tiles.reshape(rows * (band + h + pad), cols * (w + pad))
    return out.repeat(zoom, axis=0).repeat(zoom, axis=1)


def digit_grid(
    images: np.ndarray,
    titles: Sequence[str] = (),
    cols: int = 5,
    hover: Sequence[str] = (),
    tile_px: int = 110,
    title_px: int = 11,
) -> go.Figure:
    """A gallery: images (n, 28, 28) 0..255 in rows of `cols`, each with a title above it.

    The digits are one PNG (fast to send, whatever n is). An invisible marker sits on
    each digit, so hovering shows `hover[i]` and clicking selects point i (for
    st.plotly_chart's on_select). The figure is laid out `tile_px` pixels per digit,
    with room above each for its title's lines at `title_px`; its `layout.width` is the
    width to show it at.
    """
    n = len(images)
    images = np.asarray(images).reshape(n, 28, 28) if n else np.zeros((0, 28, 28))
    lines = max((t.count("<br>") + 1 for t in titles), default=0)
    pad, zoom = 4, 4
    px_per_pixel = tile_px / (28 + pad)  # figure pixels per MNIST pixel
    band = math.ceil((lines * 1.3 * title_px + 4) / px_per_pixel) if lines else 0
    tile_w, tile_h = (28 + pad) * zoom, (28 + pad + band) * zoom
    rows = max(1, math.ceil(n / cols))
    fig = go.Figure(
        go.Image(source=_png_data_uri(mosaic(images, cols, pad, band, zoom)), hoverinfo="skip")
    )
    r, c = np.divmod(np.arange(n), cols)
    fig.add_trace(
        go.Scatter(
            x=(c + 0.5) * tile_w,
            y=r * tile_h + (band + pad / 2 + 14) * zoom,
            mode="markers",
            marker=dict(size=0.8 * tile_px, symbol="square", color="rgba(0,0,0,0)"),
            text=list(hover) or None,
            hovertemplate="%{text}<extra></extra>" if hover else None,
            hoverinfo=None if hover else "skip",
            showlegend=False,
        )
    )
    for i, title in enumerate(titles):
        fig.add_annotation(
            x=(c[i] + 0.5) * tile_w,
            y=r[i] * tile_h + band * zoom * 0.5,
            text=title,
            showarrow=False,
            font=dict(size=title_px, color="#111"),
        )
    fig.update_xaxes(visible=False, range=[0, cols * tile_w], fixedrange=True)
    fig.update_yaxes(visible=False, range=[rows * tile_h, 0], fixedrange=True)
    fig.update_layout(dragmode=False, clickmode="event+select", width=cols * tile_px)
    return _compact(fig, round(tile_px * rows * tile_h / tile_w), top=0)


TRUE_TITLE, ANSWER_TITLE = "true digit", "network's answer"


def confusion_matrix(
    cm: np.ndarray, selected: tuple[int, int] | None = None, size: int = 540
) -> go.Figure:
    """Counts of (true, predicted) pairs. cm (k, k), rows true classes, columns predicted.

    Colour shows the mistakes only (off the diagonal), so a handful of confusions stand
    out next to the ~1,000 correct answers per class; the diagonal shows its counts in
    grey. An invisible marker on every cell makes a click select it (heatmaps
    themselves do not report selections in st.plotly_chart); point i is cell
    (i // k, i % k), and its customdata is [true, predicted]. `size`: the figure's
    side in pixels (its `layout.width`, the width to show it at).
    """
    cm = np.asarray(cm)
    k = cm.shape[0]
    mistakes = np.where(cm > 0, cm, np.nan)  # an empty cell stays empty, not pale red
    np.fill_diagonal(mistakes, np.nan)
    labels = list(CLASSES[:k])
    fig = go.Figure(
        go.Heatmap(
            z=mistakes,
            x=labels,
            y=labels,
            colorscale="Reds",
            zmin=0,
            zmax=max(1.0, float(np.nanmax(mistakes, initial=0.0))),
            text=np.where(np.eye(k, dtype=bool) | (cm == 0), "", cm.astype(str)),
            texttemplate="%{text}",
            hoverinfo="skip",
            showscale=False,
            xgap=1,
            ygap=1,
        )
    )
    t, p = np.divmod(np.arange(k * k), k)
    fig.add_trace(
        go.Scatter(
            x=[labels[j] for j in p],
            y=[labels[i] for i in t],
            customdata=np.stack([t, p], axis=1),
            mode="markers",
            marker=dict(size=0.75 * (size - 80) / k, symbol="square", color="rgba(0,0,0,0)"),
            text=cm.ravel(),
            hovertemplate="true %{customdata[0]}, predicted %{customdata[1]}: %{text} digits"
            "<br>click to show them<extra></extra>",
            showlegend=False,
        )
    )
    if selected is not None:
        fig.add_shape(
            type="rect",
            x0=selected[1] - 0.5,
            x1=selected[1] + 0.5,
            y0=selected[0] - 0.5,
            y1=selected[0] + 0.5,
            line=dict(color="black", width=3),
        )
    for i in range(k):  # the diagonal's counts, drawn on an empty (NaN) cell
        fig.add_annotation(
            x=labels[i],
            y=labels[i],
            text=str(cm[i, i]),
            showarrow=False,
            font=dict(color="#555"),
        )
    fig.update_xaxes(title_text=ANSWER_TITLE, side="top", range=[-0.5, k - 0.5])
    fig.update_yaxes(title_text=TRUE_TITLE, range=[k - 0.5, -0.5])
    fig.update_xaxes(type="category", fixedrange=True, showgrid=False, tickmode="linear", dtick=1)
    fig.update_yaxes(type="category", fixedrange=True, showgrid=False, tickmode="linear", dtick=1)
    fig.update_layout(dragmode=False, clickmode="event+select", width=size)
    fig.update_layout(height=size, margin=dict(l=70, r=10, t=70, b=10))
    return fig


def class_accuracy(accuracy: np.ndarray, counts: np.ndarray | None = None) -> go.Figure:
    """Accuracy of each true class, as bars. accuracy (k,) in [0, 1]; counts (k,) digits."""
    accuracy = np.asarray(accuracy, dtype=float)
    labels = list(CLASSES[: len(accuracy)])
    hover = "class %{x}: %{y:.2%}"
    if counts is not None:
        hover += " of %{customdata} digits"
    fig = go.Figure(
        go.Bar(
            x=labels,
            y=accuracy,
            customdata=counts,
            marker_color=BAR_COLOUR,
            text=[f"{a:.1%}" for a in accuracy],
            # upright inside each bar, at its top: side by side above the bars, ten labels
            # ran into each other on a phone's 390 px
            textposition="inside",
            insidetextanchor="end",
            textangle=-90,
            textfont=dict(color="#111111"),  # 6.5:1 on the bars' grey
            constraintext="none",
            hovertemplate=hover + "<extra></extra>",
        )
    )
    fig.update_xaxes(title_text=TRUE_TITLE, type="category", tickmode="linear", dtick=1)
    # from 0 (a bar's length is its accuracy: a cut axis made 96 % look half of 99 %) to 100 %
    fig.update_yaxes(title_text="accuracy", tickformat=".0%", range=[0.0, 1.0])
    return _compact(fig, 260, top=10)
