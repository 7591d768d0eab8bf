"""Mouse strokes for hand-drawn digits on the 280x280 canvas (canvas pixels, y downwards).

Each digit is a list of strokes, each stroke a polyline the mouse follows with the
button held down, the way a person writes it. `mouse_stroke` draws one with Playwright's
mouse; `png` renders a digit as the canvas component sends it (for the benchmarks).
"""

from __future__ import annotations

import io
import math


def _arc(cx: float, cy: float, rx: float, ry: float, start: float, end: float, n: int = 16):
    """Points on an ellipse from angle `start` to `end` (degrees, 0 = right, 90 = down)."""
    return [
        (cx + rx * math.cos(math.radians(a)), cy + ry * math.sin(math.radians(a)))
        for a in (start + (end - start) * i / n for i in range(n + 1))
    ]


DIGITS: dict[str, list[list[tuple[float, float]]]] = {
    "0": [_arc(140, 140, 62, 95, -90, 270, 24)],
    "1": [[(135, 40), (145, 245)]],
    "2": [_arc(140, 95, 55, 50, 200, 360, 10) + [(95, 235), (205, 235)]],
    "3": [_arc(135, 88, 55, 48, 210, 450, 12) + _arc(135, 185, 60, 50, 270, 510, 12)],
    "4": [[(170, 40), (75, 170), (215, 170)], [(170, 40), (170, 245)]],
    "5": [[(195, 45), (100, 45), (92, 125)] + _arc(140, 170, 60, 58, 220, 490, 14)],
    "7": [[(70, 55), (210, 55), (115, 240)]],
}


def open_page(page, app_url: str, title: str) -> None:
    """Open the app at its entry point, then the page `title` from the navigation menu.

    Right after a server start, Streamlit may serve a first session in its legacy
    pages-folder mode (lower-case menu entries, no app.py around the page); a reload
    then gets the menu that app.py declares, so retry a few times.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    from tests.e2e.conftest import wait_for_app

    link = page.get_by_role("link", name=title, exact=True)
    for attempt in range(4):
        page.goto(app_url)
        wait_for_app(page)
        try:
            link.wait_for(state="attached", timeout=5000)  # the menu app.py declares, else reload
            break
        except PlaywrightTimeout:
            if attempt == 3:
                raise
    link.click()
    wait_for_app(page)


def mouse_stroke(page, box: dict, points, steps: int = 5) -> None:
    """Press, move along the polyline in small steps, release (canvas `box` on the page;
    `points` in the 280x280 picture's pixels, scaled to the box as shown)."""
    x0, y0, k = box["x"], box["y"], box["width"] / 280
    page.mouse.move(x0 + k * points[0][0], y0 + k * points[0][1])
    page.mouse.down()
    for (ax, ay), (bx, by) in zip(points, points[1:], strict=False):
        for s in range(1, steps + 1):
            page.mouse.move(
                x0 + k * (ax + (bx - ax) * s / steps), y0 + k * (ay + (by - ay) * s / steps)
            )
    page.mouse.up()


def png(strokes: list[list[tuple[float, float]]]) -> bytes:
    """A drawing as the canvas component sends it: a 280x280 PNG, white pen (20 px) on black."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (280, 280), (0, 0, 0, 255))
    pen = ImageDraw.Draw(image)
    for points in strokes:
        pen.line(points, fill=(255, 255, 255, 255), width=20, joint="curve")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
