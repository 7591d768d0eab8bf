"""Draw digits with the mouse on the real drawing pad and read the network's answer.

Headless Chromium against a real server: the pad is our components-v2 element, a
canvas in the page's shadow DOM that takes pointer events (mouse, touch, pen).
"""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from mlp_ui.data import DEFAULT_MODEL
from tests.e2e.conftest import screenshot, settled_box, wait_for_app
from tests.e2e.strokes import DIGITS, mouse_stroke, open_page
from tests.waiting import wait_until

pytestmark = pytest.mark.skipif(
    not DEFAULT_MODEL.exists(), reason="assets/default_model.npz is missing"
)


def _open_draw_page(page, app_url: str):
    open_page(page, app_url, "Draw")
    canvas = page.locator("canvas.draw-pad").first
    canvas.wait_for()
    return canvas


def _prediction(page):
    return page.locator(".st-key-draw_prediction").filter(has_text="Prediction")


def test_empty_canvas_shows_a_hint_then_each_drawn_digit_is_recognised(page, app_url):
    canvas = _open_draw_page(page, app_url)
    box = canvas.bounding_box()
    assert (box["width"], box["height"]) == (280, 280)
    expect(page.get_by_text("Draw a digit on the black square")).to_be_visible()
    expect(_prediction(page)).to_have_count(0)

    for digit in ("7", "1", "0", "3"):
        start = time.perf_counter()
        for points in DIGITS[digit]:
            mouse_stroke(page, box, points)
        value = _prediction(page).locator(".mlp-answer-digit")
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
    canvas = page.locator("canvas.draw-pad")
    expect(canvas).to_have_count(1)
    return settled_box(page, canvas.first)  # mounted with its handlers, laid out


def test_prediction_updates_after_each_stroke(page, app_url):
    canvas = _open_draw_page(page, app_url)
    box = canvas.bounding_box()
    first, second = DIGITS["4"]
    mouse_stroke(page, box, first)  # the open "L" of a 4: not yet a 4 for most networks
    value = _prediction(page).locator(".mlp-answer-digit")
    expect(value).to_have_count(1, timeout=20_000)
    wait_for_app(page)
    seen = _prediction(page).locator(".mlp-answer-sure")  # how sure, and the runner-up
    after_one = seen.inner_text()
    mouse_stroke(page, box, second)  # the down stroke completes it
    expect(value).to_have_text("4", timeout=20_000)
    expect(seen).not_to_have_text(after_one)
    wait_for_app(page)
    screenshot(page, "draw_page_4")


def test_the_answer_follows_the_pen_before_it_is_lifted(page, app_url):
    """While the pen moves the pad sends the picture a few times a second: the answer
    is on the page before the mouse button is released."""
    canvas = _open_draw_page(page, app_url)
    box = canvas.bounding_box()
    points = DIGITS["0"][0]
    x0, y0 = box["x"], box["y"]
    page.mouse.move(x0 + points[0][0], y0 + points[0][1])
    page.mouse.down()
    deadline = time.monotonic() + 20
    answered = False
    while not answered and time.monotonic() < deadline:  # round the 0 until answered
        for x, y in points[1:]:
            page.mouse.move(x0 + x, y0 + y, steps=3)
        answered = _prediction(page).count() > 0
    page.mouse.up()
    assert answered, "no answer while the pen was down"
    value = _prediction(page).locator(".mlp-answer-digit")
    expect(value).to_have_text("0", timeout=20_000)


# -- projector mode ------------------------------------------------------------------------
PROJECTOR = {"width": 1920, "height": 1080}
PAD_AND_SLIDER = """() => {
    const host = [...document.querySelectorAll('*')].find(
        e => e.shadowRoot && e.shadowRoot.querySelector('canvas.draw-pad'));
    const pad = host.shadowRoot.querySelector('canvas.draw-pad').getBoundingClientRect();
    const el = document.querySelector('.st-key-draw_pen');
    const slider = el.getBoundingClientRect();
    const hit = document.elementFromPoint(
        slider.x + slider.width / 2, slider.y + slider.height / 2);
    const box = r => ({x: r.x, y: r.y, width: r.width, height: r.height});
    return {pad: box(pad), slider: box(slider), sliderHit: el.contains(hit)};
}"""


def _overlap(a: dict, b: dict) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def _px(page, selector: str) -> float:
    """The rendered font size (CSS pixels) of the first element matching `selector`."""
    size = page.locator(selector).first.evaluate("e => getComputedStyle(e).fontSize")
    return float(size.removesuffix("px"))


def test_projector_mode_draws_a_huge_answer_and_nothing_covers_the_pen(page, app_url):
    page.set_viewport_size(PROJECTOR)
    open_page(page, f"{app_url}/?projector=1", "Draw")
    assert "projector=1" in page.url  # kept in the address on the page the link opened
    canvas = page.locator("canvas.draw-pad").first
    canvas.wait_for()
    box = settled_box(page, canvas)  # mounted with its handlers, laid out
    assert (box["width"], box["height"]) == (440, 440)  # seen from the back of the room
    for points in DIGITS["7"]:
        mouse_stroke(page, box, points)
    value = _prediction(page).locator(".mlp-answer-digit")
    expect(value).to_have_text("7", timeout=20_000)
    wait_for_app(page)
    answer_px = _px(page, ".mlp-answer-digit")
    assert answer_px >= 120, answer_px
    assert _px(page, ".mlp-answer-sure") >= 24
    ticks = ".st-key-draw_bars .xtick text"
    expect(page.locator(ticks)).to_have_count(10)  # every digit keeps its label
    assert _px(page, ticks) >= 18 and _px(page, ".st-key-draw_bars .ytick text") >= 18

    seen = page.evaluate(PAD_AND_SLIDER)
    assert not _overlap(seen["pad"], seen["slider"]), seen
    assert seen["sliderHit"], seen  # nothing lies over the pen slider
    screenshot(page, "draw_projector_7")


def test_try_this_draws_a_stored_digit_and_clear_empties_it(page, app_url):
    _open_draw_page(page, app_url)
    page.get_by_role("button", name="Tiny, in a corner").click()
    wait_for_app(page)
    value = _prediction(page).locator(".mlp-answer-digit")
    expect(value).to_have_text("3", timeout=20_000)
    expect(page.get_by_text("Look for:")).to_be_visible()
    # the stored strokes are on the canvas (drawing layer), not only read: the pad draws
    # the image it is sent once the image has loaded (the pad lives in a shadow root,
    # which Playwright's locators reach)
    canvas = page.locator("canvas.draw-pad").first
    ink = """c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                    let n = 0; for (let i = 0; i < d.length; i += 4) n += d[i] > 128; return n; }"""
    wait_until(lambda: canvas.evaluate(ink) > 500, 20, "the stored digit is drawn on the pad")
    page.get_by_role("button", name="Clear").click()
    expect(_prediction(page)).to_have_count(0, timeout=20_000)


@pytest.mark.parametrize(
    ("query", "viewport", "side"),
    [("", None, 280), ("?projector=1", PROJECTOR, 440), ("?projector=1", None, 280)],
)
def test_the_whole_canvas_is_shown(page, app_url, query, viewport, side):
    """The pad's box must not clip the pad: 280 px, 440 px in projector mode on a
    projector's 1920 px, and its column's width (at least 280 px) on a 1400-px laptop."""
    if viewport:
        page.set_viewport_size(viewport)
    page.goto(app_url + "/draw" + query)
    wait_for_app(page)
    widths = """() => Array.from(document.querySelectorAll('[class*="st-key-draw_canvas_"]'))
        .map(e => e.getBoundingClientRect().width)"""
    page.wait_for_function(f"() => ({widths})().some(w => w > 100)", timeout=60_000)
    try:  # the component settles at its size
        page.wait_for_function(f"() => ({widths})().some(w => w >= {side})", timeout=10_000)
    except PlaywrightTimeout:
        pytest.fail(f"the canvas is clipped: {page.evaluate(widths)}")
    pad = page.locator("canvas.draw-pad").first.bounding_box()["width"]
    assert side - 0.5 <= pad <= max(page.evaluate(widths)) + 0.5, (pad, page.evaluate(widths))
