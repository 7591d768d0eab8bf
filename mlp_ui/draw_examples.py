"""Stored drawings for the Draw page's "Try this": strokes the canvas shows as if drawn.

A stroke is a polyline in canvas pixels (x right, y down, on the 280x280 canvas). The
canvas gets them as Fabric.js paths (`fabric_drawing`) and draws them; until the person
adds a stroke of their own the canvas sends no picture back, so the page reads the same
strokes rasterised here (`rasterise`), round caps and joins like the canvas's pen.
Pure: NumPy and Pillow, no Streamlit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

Stroke = tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Example:
    """A stored drawing: its strokes and the pen width they are drawn with."""

    strokes: tuple[Stroke, ...]
    pen: int


def _arc(cx: float, cy: float, rx: float, ry: float, start: float, end: float, n: int) -> Stroke:
    """Points on an ellipse from angle `start` to `end` (degrees, 0 = right, 90 = down)."""
    steps = (start + (end - start) * i / n for i in range(n + 1))
    return tuple(
        (
            round(cx + rx * math.cos(math.radians(a)), 1),
            round(cy + ry * math.sin(math.radians(a)), 1),
        )
        for a in steps
    )


def _scaled(stroke: Stroke, x0: float, y0: float, k: float) -> Stroke:
    return tuple((round(x0 + k * x, 1), round(y0 + k * y, 1)) for x, y in stroke)


SEVEN = ((70, 55), (210, 55), (115, 240))
THREE = _arc(135, 88, 55, 48, 210, 450, 12) + _arc(135, 185, 60, 50, 270, 510, 12)[1:]

EXAMPLES = {
    "barred seven": Example((SEVEN, ((110, 150), (200, 150))), 20),
    "corner three": Example((_scaled(THREE, -8, -20, 0.45),), 10),
    "thin one": Example((((100, 80), (145, 40), (145, 240)),), 8),
}
"""The Draw page's stored drawings, by name."""


def fabric_drawing(example: Example, colour: str = "#FFFFFF") -> dict:
    """The canvas's `initial_drawing`: one Fabric.js path per stroke, at its own place."""
    objects = [
        {
            "type": "Path",
            "path": [["M", *stroke[0]]] + [["L", x, y] for x, y in stroke[1:]],
            "stroke": colour,
            "strokeWidth": example.pen,
            "fill": None,
            "strokeLineCap": "round",
            "strokeLineJoin": "round",
        }
        for stroke in example.strokes
    ]
    return {"objects": objects}


def rasterise(example: Example, side: int = 280) -> np.ndarray:
    """The strokes drawn white on black, round-ended: RGBA (side, side, 4) uint8."""
    image = Image.new("RGBA", (side, side), (0, 0, 0, 255))
    pen, r = ImageDraw.Draw(image), example.pen / 2
    for stroke in example.strokes:
        pen.line(stroke, fill=(255, 255, 255, 255), width=example.pen, joint="curve")
        for x, y in (stroke[0], stroke[-1]):  # round caps, as the canvas's pen draws
            pen.ellipse((x - r, y - r, x + r, y + r), fill=(255, 255, 255, 255))
    return np.asarray(image)
