"""The playground's live pictures as images: the network (every unit's heatmap and
every weight's line) and the output over the plane with the data points.

Drawn here with Pillow and NumPy rather than as plotly traces. While training plays they
are redrawn five or more times a second, and a plotly chart costs the browser tens of
milliseconds per redraw (the network with sixty heatmaps about 100 ms on a busy two-core
machine, benchmarks/playground_speed.py), where an image only has to be decoded.
Paused, playground_figures.network_figure puts the same network image under invisible
markers, so a unit can be hovered and clicked. Pure functions: arrays in, an image out.
Colour values are int8 in [-100, 100] (playground_figures.levels).
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

TILE = 42  # a unit's heatmap, pixels (21 grid points x 2)
COLUMN = 92  # distance between layer columns, pixels
ROW = 56  # distance between units of a column, pixels
PAD = 12  # around the drawing
HEAD = 26  # above the columns, for their names
SUPER = 2  # lines are drawn this many times larger, then shrunk (smooth edges)
ORANGE, PALE, BLUE = (0xF5, 0x93, 0x22), (0xE8, 0xEA, 0xEB), (0x08, 0x77, 0xBD)
WIDTHS = (1, 2, 3, 5, 7)  # line widths in pixels, for |w| below 0.25, 0.5, 1, 2, and above
EDGES = np.array([0.25, 0.5, 1.0, 2.0])


def palette(levels: int = 100) -> np.ndarray:
    """RGB (2 * levels + 1, 3) uint8: -levels orange, 0 pale, +levels blue."""
    t = np.linspace(-1, 1, 2 * levels + 1)[:, None]
    pale, blue, orange = (np.array(c, float) for c in (PALE, BLUE, ORANGE))
    rgb = np.where(t >= 0, pale + t * (blue - pale), pale - t * (orange - pale))
    return np.rint(rgb).astype(np.uint8)


PALETTE = palette()


def canvas_size(sizes: Sequence[int]) -> tuple[int, int]:
    """(width, height) in pixels of the picture of a network with these column sizes."""
    return len(sizes) * COLUMN + 2 * PAD - (COLUMN - TILE), max(sizes) * ROW + 2 * PAD + HEAD


def centres(sizes: Sequence[int]) -> list[list[tuple[float, float]]]:
    """Pixel centre (x, y) of every unit, column by column, each column centred."""
    _, height = canvas_size(sizes)
    return [
        [
            (PAD + TILE / 2 + c * COLUMN, (height + HEAD) / 2 + (j - (n - 1) / 2) * ROW)
            for j in range(n)
        ]
        for c, n in enumerate(sizes)
    ]


def network_image(levels: Sequence[np.ndarray], W: Sequence[np.ndarray]) -> Image.Image:
    """levels[c] (units, s, s) int8 colour values in [-100, 100] per column; W[l] the
    weights from column l to l + 1. Lines first (blue positive, orange negative, wider
    for larger |w|), then the tiles over them."""
    sizes = [lv.shape[0] for lv in levels]
    width, height = canvas_size(sizes)
    pos = centres(sizes)
    big = Image.new("RGB", (width * SUPER, height * SUPER), "white")
    draw = ImageDraw.Draw(big)
    for l, w in enumerate(W):
        width_of = np.searchsorted(EDGES, np.abs(w))
        for (i, j), value in np.ndenumerate(w):
            (x0, y0), (x1, y1) = pos[l][i], pos[l + 1][j]
            colour = BLUE if value > 0 else ORANGE
            xy = [(x0 + TILE / 2) * SUPER, y0 * SUPER, (x1 - TILE / 2) * SUPER, y1 * SUPER]
            draw.line(xy, fill=colour, width=WIDTHS[width_of[i, j]] * SUPER)
    img = big.reduce(SUPER)  # the mean of each SUPER x SUPER block: smooth line edges
    for c, lv in enumerate(levels):
        for j, (x, y) in enumerate(pos[c]):
            _paste(img, lv[j], x, y)
    _headers(ImageDraw.Draw(img), pos)
    return img


def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def _headers(draw: ImageDraw.ImageDraw, pos) -> None:
    """'inputs', 'layer 1', ..., 'output' above the columns."""
    last = len(pos) - 1
    for c, column in enumerate(pos):
        text = "inputs" if c == 0 else "output" if c == last else f"layer {c}"
        draw.text((column[0][0], PAD), text, fill="#31333F", font=_font(17), anchor="mt")


def _paste(img: Image.Image, z: np.ndarray, x: float, y: float) -> None:
    """One tile, z (s, s) int8, row 0 at the bottom (as the plane's x2 axis), centred
    at pixel (x, y)."""
    rgb = PALETTE[z[::-1].astype(np.int16) + 100]
    scale = TILE // z.shape[0]
    rgb = rgb.repeat(scale, axis=0).repeat(scale, axis=1)
    img.paste(Image.fromarray(rgb), (round(x - TILE / 2), round(y - TILE / 2)))


def png(img: Image.Image, colours: int | None = None) -> bytes:
    """PNG bytes, fast compression (sent several times a second); with `colours`, in
    that many colours (64 halve the network picture's bytes with no visible change;
    JPEG was as large, with halos around the lines)."""
    if colours:
        img = img.quantize(colours, method=Image.Quantize.FASTOCTREE)
    buf = io.BytesIO()
    img.save(buf, "PNG", compress_level=1)
    return buf.getvalue()


def data_uri(data: bytes) -> str:
    """PNG bytes as a data URI, for a plotly layout image."""
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def boundary_image(
    z: np.ndarray,
    train: tuple[np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray] | None,
    point_colours: tuple[np.ndarray, np.ndarray | None],
    domain: tuple[float, float],
    size: int = 360,
) -> Image.Image:
    """The output over the plane, z (s, s) int8 colour values (row 0 at x2 = domain[0]),
    smoothly enlarged to size x size pixels, with the points X (n, 2) on top: training
    points edged white, test points black. point_colours: RGB (n, 3) uint8 for each set.
    Ticks every 3 units along the left and bottom edges."""
    margin = 40
    img = Image.new("RGB", (size + margin + 14, size + margin + 8), "white")
    heat = Image.fromarray(PALETTE[z[::-1].astype(np.int16) + 100])
    img.paste(heat.resize((size, size), Image.Resampling.BILINEAR), (margin, 8))
    draw = ImageDraw.Draw(img)
    lo, hi = domain

    def px(X: np.ndarray) -> np.ndarray:
        return np.column_stack(
            [margin + (X[:, 0] - lo) / (hi - lo) * size, 8 + (hi - X[:, 1]) / (hi - lo) * size]
        )

    sets = [(train[0], point_colours[0], "white")]
    if test is not None:
        sets.append((test[0], point_colours[1], "black"))
    for X, colours, edge in sets:
        for (x, y), rgb in zip(px(X), colours, strict=True):
            draw.ellipse([x - 4, y - 4, x + 4, y + 4], fill=tuple(rgb), outline=edge)
    _ticks(draw, margin, size, domain)
    return img


def _ticks(draw: ImageDraw.ImageDraw, margin: int, size: int, domain) -> None:
    lo, hi = domain
    font = _font(17)
    for v in np.arange(np.ceil(lo / 3) * 3, hi + 1e-9, 3):
        t = (v - lo) / (hi - lo) * size
        draw.text((margin + t, size + 14), f"{v:g}", fill="#555555", font=font, anchor="mt")
        draw.text((margin - 6, 8 + size - t), f"{v:g}", fill="#555555", font=font, anchor="rm")
    draw.rectangle([margin, 8, margin + size, 8 + size], outline="#BBBBBB")


def colours_of(values: np.ndarray, task: str) -> np.ndarray:
    """RGB (n, 3) uint8 of points: blue for class 1, orange for class 0, or for
    regression the palette colour of the target value."""
    if task == "classify":
        return np.where(np.asarray(values)[:, None] > 0.5, BLUE, ORANGE).astype(np.uint8)
    return PALETTE[np.rint(np.clip(values, -1, 1) * 100).astype(np.int16) + 100]
