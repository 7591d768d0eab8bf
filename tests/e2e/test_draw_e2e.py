"""Draw digits with the mouse on the real canvas and read the network's answer.

Headless Chromium against a real server: the drawable canvas is a components-v2
element whose Fabric.js canvases live in the page (its upper canvas takes the mouse).
"""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from mlp_ui.data import DEFAULT_MODEL
from tests.e2e.conftest import screenshot, wait_for_app
from tests.e2e.strokes import DIGITS, open_page

pytestmark = pytest.mark.skipif(
    not DEFAULT_MODEL.exists(), reason="assets/default_model.npz is missing"
)


def _open_draw_page(page, app_url: str):
    open_page(page, app_url, "Draw")
    canvas = page.locator("canvas.upper-canvas").first
    canvas.wait_for()
    return canvas


def _stroke(page, box: dict, points, steps: int = 5) -> None:
    """Press, move along the polyline in small steps, release."""
    x0, y0 = box["x"], box["y"]
    page.mouse.move(x0 + points[0][0], y0 + points[0][1])
    page.mouse.down()
    for (ax, ay), (bx, by) in zip(points, points[1:], strict=False):
        for s in range(1, steps + 1):
            page.mouse.move(x0 + ax + (bx - ax) * s / steps, y0 + ay + (by - ay) * s / steps)
    page.mouse.up()


def _prediction(page):
    return page.locator("[data-testid='stMetric']").filter(has_text="Prediction")


def test_empty_canvas_shows_a_hint_then_each_drawn_digit_is_recognised(page, app_url):
    canvas = _open_draw_page(page, app_url)
    box = canvas.bounding_box()
    assert (box["width"], box["height"]) == (280, 280)
    expect(page.get_by_text("Draw a digit on the black square")).to_be_visible()
    expect(_prediction(page)).to_have_count(0)

    for digit in ("7", "1", "0", "3"):
        start = time.perf_counter()
        for points in DIGITS[digit]:
            _stroke(page, box, points)
        value = _prediction(page).locator("[data-testid='stMetricValue']")
        expect(value).to_have_text(digit, timeout=20_000)
        print(f"drew {digit}: answer shown after {time.perf_counter() - start:.2f} s")
        if digit == "7":
            wait_for_app(page)
            screenshot(page, "draw_page_7")
        page.get_by_role("button", name="Clear").click()
        expect(_prediction(page)).to_have_count(0, timeout=20_000)
        wait_for_app(page)
        box = _fresh_canvas(page)


def _fresh_canvas(page) -> dict:
    """Clear remounts the canvas: wait until the new one is drawn and blank."""
    canvas = page.locator("canvas.upper-canvas")
    expect(canvas).to_have_count(1)
    page.wait_for_timeout(500)  # Fabric sets its handlers up after mounting
    return canvas.first.bounding_box()


def test_prediction_updates_after_each_stroke(page, app_url):
    canvas = _open_draw_page(page, app_url)
    box = canvas.bounding_box()
    first, second = DIGITS["4"]
    _stroke(page, box, first)  # the open "L" of a 4: not yet a 4 for most networks
    value = _prediction(page).locator("[data-testid='stMetricValue']")
    expect(value).to_have_count(1, timeout=20_000)
    wait_for_app(page)
    seen = page.locator("[data-testid='stCaptionContainer']").filter(has_text="sure")
    after_one = seen.inner_text()
    _stroke(page, box, second)  # the down stroke completes it
    expect(value).to_have_text("4", timeout=20_000)
    expect(seen).not_to_have_text(after_one)
    wait_for_app(page)
    screenshot(page, "draw_page_4")
