"""Phones: a digit drawn with a finger gets an answer right under the canvas, and a swipe
over the Playground's pictures scrolls the page (they do not take the gesture). Touch
input goes through Chromium's DevTools protocol, as a touch screen's would. Screenshots
of the Draw page at 390, 1400 and 1920 (projector) pixels go to artifacts/."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from mlp_ui.data import DEFAULT_MODEL
from tests.e2e.conftest import screenshot, settled_box, wait_for_app
from tests.e2e.playground_page import PLANE, open_playground
from tests.e2e.strokes import DIGITS
from tests.waiting import wait_until

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not DEFAULT_MODEL.exists(), reason="assets/default_model.npz is missing"),
]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
SCROLLED = """() => Math.max(...[...document.querySelectorAll('*')]
    .filter(e => e.scrollHeight > e.clientHeight + 10).map(e => e.scrollTop), window.scrollY)"""


def _finger(cdp, box: dict, points, steps: int = 4, pause=None) -> None:
    """One stroke with a finger: touch down, move along the polyline, lift; `pause`
    (page, ms) paces the moves as a hand does (a swipe needs a speed to scroll)."""

    def at(x, y):
        return [{"x": box["x"] + x, "y": box["y"] + y, "radiusX": 4, "radiusY": 4, "force": 1}]

    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": at(*points[0])})
    for (ax, ay), (bx, by) in zip(points, points[1:], strict=False):
        for k in range(1, steps + 1):
            x, y = ax + (bx - ax) * k / steps, ay + (by - ay) * k / steps
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": at(x, y)})
            if pause:  # a finger's pace: the gesture's speed is what is tested
                pause[0].wait_for_timeout(pause[1])
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def test_a_digit_drawn_by_touch_gets_an_answer_under_the_canvas(browser, app_url):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    try:
        page.goto(app_url + "/draw")
        wait_for_app(page)
        canvas = page.locator("canvas.draw-pad").first
        canvas.wait_for(timeout=60_000)
        canvas.scroll_into_view_if_needed()
        box = settled_box(page, canvas)  # mounted with its handlers, scrolled, laid out
        cdp = context.new_cdp_session(page)
        for points in DIGITS["7"]:
            _finger(cdp, box, points)
        value = page.locator(".st-key-draw_prediction .mlp-answer-digit")
        expect(value).to_have_text("7", timeout=20_000)
        wait_for_app(page)
        answer = value.bounding_box()
        box = canvas.bounding_box()
        assert answer["y"] - (box["y"] + box["height"]) < 400  # right under the canvas
        screenshot(page, "draw_390_touch")
    finally:
        context.close()


def test_a_swipe_over_the_playground_pictures_scrolls_the_page(browser, app_url):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    try:
        open_playground(page, app_url, "/playground?data=spiral&layers=8,8")
        plane = page.locator(PLANE).first
        plane.scroll_into_view_if_needed()
        before = page.evaluate(SCROLLED)
        box = plane.bounding_box()
        cdp = context.new_cdp_session(page)
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] * 0.8
        swipe = [(0, 0), *((0, -20 * k) for k in range(1, 16))]  # 300 px upwards
        _finger(cdp, {"x": x, "y": y}, swipe, steps=1, pause=(page, 16))
        wait_until(lambda: page.evaluate(SCROLLED) > before + 100, 5)
    finally:
        context.close()


@pytest.mark.parametrize(
    "width,query", [(390, ""), (1400, ""), (1920, "?projector=1")], ids=["390", "1400", "1920"]
)
def test_draw_screenshots(browser, app_url, width, query):
    phone = width < 500
    context = browser.new_context(
        viewport={"width": width, "height": 2000}, is_mobile=phone, has_touch=phone
    )
    page = context.new_page()
    try:
        page.goto(app_url + "/draw" + query)
        wait_for_app(page)
        page.get_by_role("button", name="A 7 with a bar").click()
        wait_for_app(page)
        value = page.locator(".st-key-draw_prediction .mlp-answer-digit")
        expect(value).to_have_text("7", timeout=20_000)
        wait_for_app(page)
        page.locator(".st-key-draw_bars .js-plotly-plot .bars").first.wait_for(timeout=30_000)
        screenshot(page, f"draw_{width}")
    finally:
        context.close()
