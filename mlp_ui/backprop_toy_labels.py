"""Where the backprop diagram's labels go: beside the edges and nodes, never on them.

A small greedy placer in pixels: each label tries its candidate spots in order (points
along its edge, or around its node, with the label on one side) and takes the first
whose box clears every edge, every node, the labels already placed and the drawing's
border. Pure NumPy; the figure builder turns the chosen centres into annotations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

DIRECTIONS = {
    "up": (0, 1),
    "down": (0, -1),
    "left": (-1, 0),
    "right": (1, 0),
    "up-right": (1, 1),
    "down-right": (1, -1),
    "up-left": (-1, 1),
    "down-left": (-1, -1),
}
EDGE_SPOTS = tuple(0.5 + d * k / 20 for k in range(9) for d in ((1, -1) if k else (1,)))
"""Where along its edge a label may sit, from the middle outwards (0.5, 0.55, 0.45 ...)."""


@dataclass(frozen=True)
class Canvas:
    """The plot area: its size in px and the data ranges it shows."""

    width: float
    height: float
    x_range: tuple[float, float]
    y_range: tuple[float, float]

    def px(self, x: float, y: float) -> np.ndarray:
        """Data (x, y) to pixels, y upwards."""
        (x0, x1), (y0, y1) = self.x_range, self.y_range
        return np.array([(x - x0) / (x1 - x0) * self.width, (y - y0) / (y1 - y0) * self.height])

    def data(self, p: np.ndarray) -> tuple[float, float]:
        """Pixels back to data (x, y)."""
        (x0, x1), (y0, y1) = self.x_range, self.y_range
        return (
            float(x0 + p[0] / self.width * (x1 - x0)),
            float(y0 + p[1] / self.height * (y1 - y0)),
        )


@dataclass(frozen=True)
class Label:
    """A label's box size (px) and its candidate spots: (anchor in data, direction)."""

    size: tuple[float, float]
    spots: tuple[tuple[tuple[float, float], str], ...]
    clearance: float = 0.0
    """Extra px between the anchor and the box (a node's radius)."""


def text_size(lines: Sequence[str], font: float) -> tuple[float, float]:
    """Approximate box (width, height) in px of text lines at a font size."""
    return 0.47 * font * max(len(s) for s in lines) + 8, 1.25 * font * len(lines) + 4


def edge_label(a, b, size) -> Label:
    """A label for the edge from a to b: spots along it, from the middle outwards, on
    either side of it (just clear of the line, whatever its slope)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    along = tuple(b - a)
    spots = tuple((tuple(a + t * (b - a)), (side, along)) for t in EDGE_SPOTS for side in (1, -1))
    return Label(size, spots)


def _centre(canvas: Canvas, anchor, direction, size, gap: float) -> np.ndarray:
    """The box centre for a spot: beside a node (a named direction) or beside an edge
    (``(side, edge vector)``: along the edge's normal, far enough to clear the line)."""
    w, h = size
    if isinstance(direction, str):
        dx, dy = DIRECTIONS[direction]
        return canvas.px(*anchor) + np.array([dx * (gap + w / 2), dy * (gap + h / 2)])
    side, along = direction
    v = canvas.px(*along) - canvas.px(0, 0)
    n = np.array([-v[1], v[0]]) / np.linalg.norm(v)
    n = side * (n if n[1] >= 0 else -n)  # side 1: above the line, -1: below
    reach = abs(n[0]) * w / 2 + abs(n[1]) * h / 2 + gap
    return canvas.px(*anchor) + n * reach


def _segment_points(canvas: Canvas, segments, step: float = 3.0) -> np.ndarray:
    """Points every `step` px along every segment, as one (n, 2) array in px."""
    points = []
    for a, b in segments:
        pa, pb = canvas.px(*a), canvas.px(*b)
        n = max(2, int(np.linalg.norm(pb - pa) / step))
        points.append(pa + np.linspace(0, 1, n)[:, None] * (pb - pa))
    return np.concatenate(points) if points else np.zeros((0, 2))


def _clashes(c, size, points, discs, boxes, canvas, pad) -> float:
    """How badly a box centred at c (px) clashes with the edges, nodes, other boxes and
    the border: 0 when it is clear of them all."""
    half = np.asarray(size) / 2
    lo, hi = c - half, c + half
    border = (
        np.clip(-lo, 0, None).sum() + np.clip(hi - (canvas.width, canvas.height), 0, None).sum()
    )
    lines = np.all((points >= lo - pad) & (points <= hi + pad), axis=1).sum()
    nodes = sum(np.linalg.norm(np.clip(xy, lo, hi) - xy) < r + pad for xy, r in discs)
    labels = sum(not (np.any(hi + 2 < blo) or np.any(bhi + 2 < lo)) for blo, bhi in boxes)
    return float(border + lines + 100 * (nodes + labels))


def place(
    canvas: Canvas,
    labels: Sequence[Label],
    segments: Sequence[tuple],
    nodes: Sequence[tuple[tuple[float, float], float]],
    line: float = 6.0,
    gap: float = 4.0,
) -> list[tuple[float, float, float]]:
    """Centres (data coordinates) for the labels, in order, each clear of the rest, and
    how badly each clashes (0: clear).

    ``segments``: edges as ((x0, y0), (x1, y1)); ``nodes``: ((x, y), radius px);
    ``line``: half the thickest edge, in px. A label with no clear spot takes the one
    that clashes least.
    """
    points = _segment_points(canvas, segments)
    discs = [(canvas.px(*xy), r) for xy, r in nodes]
    boxes, centres = [], []
    for label in labels:
        away = gap + line + label.clearance
        best = np.inf
        for anchor, direction in label.spots:
            c = _centre(canvas, anchor, direction, label.size, away)
            cost = _clashes(c, label.size, points, discs, boxes, canvas, line)
            if cost < best:
                chosen, best = c, cost
            if cost == 0:
                break
        half = np.asarray(label.size) / 2
        boxes.append((chosen - half, chosen + half))
        centres.append((*canvas.data(chosen), best))
    return centres
