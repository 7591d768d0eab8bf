"""Digit-like strokes drawn on a black canvas, for the drawing tests (a helper module)."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

CANVAS = 280
# Unit-square polylines of a few digit-like shapes (x, y in 0..1, y downwards).
SHAPES = {
    "seven": [(0.1, 0.05), (0.9, 0.05), (0.4, 0.95)],
    "one": [(0.5, 0.0), (0.5, 1.0)],
    "four": [(0.7, 1.0), (0.7, 0.0), (0.05, 0.65), (0.95, 0.65)],
    "l": [(0.2, 0.0), (0.2, 1.0), (0.9, 1.0)],
}


def draw(shape: str, left: float, top: float, size: float, width: float) -> np.ndarray:
    """White strokes of `shape` on a black 280x280 canvas, as an RGBA array."""
    image = Image.new("RGBA", (CANVAS, CANVAS), (0, 0, 0, 255))
    points = [(left + x * size, top + y * size) for x, y in SHAPES[shape]]
    ImageDraw.Draw(image).line(points, fill=(255, 255, 255, 255), width=round(width), joint="curve")
    return np.asarray(image)
