"""The Playground in a real browser: a teacher's link (spiral, three layers of eight),
Play moving the pictures (the canvases' pixels change between frames, drawn by our
component from the weights the server sends), Pause holding, the epoch count surviving a
trip to another page, a unit's formula equal to the model's weights, keyboard Play
keeping the focus, and nothing fetched from anywhere but the app's own server.
Screenshots go to artifacts/ (git-ignored).
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

import numpy as np
import pytest

from mlp_core import playground as core
from mlp_core.playground_config import PlaygroundConfig
from tests.e2e.conftest import screenshot, wait_for_app
from tests.e2e.playground_page import (
    BAR_TOP,
    NETWORK,
    PLANE,
    TALL,
    epoch,
    open_playground,
    pixels,
    status,
)
from tests.waiting import wait_until

pytestmark = pytest.mark.e2e

LINK = "/playground?data=spiral&layers=8,8,8"


def test_a_link_plays_pauses_and_keeps_its_epochs_across_pages(page, app_url):
    page.set_viewport_size(TALL)
    open_playground(page, app_url, LINK)
    assert "3 hidden layers" in page.content()
    assert epoch(page) == 0
    loss0, plane0, net0 = float(status(page, "test")), pixels(page), pixels(page, NETWORK)
    screenshot(page, "playground_rest")

    page.get_by_role("button", name="Play").click()
    wait_until(lambda: epoch(page) > 0 and pixels(page) != plane0, 15, "the plane's pixels change")
    frames = set()

    def three_pictures() -> bool:
        """the pictures keep moving, frame after frame"""
        frames.add((epoch(page), pixels(page), pixels(page, NETWORK)))
        return len({f[1] for f in frames}) >= 3 and len({f[2] for f in frames}) >= 3

    wait_until(three_pictures, 20)
    wait_until(lambda: float(status(page, "test")) < loss0, 20)
    assert pixels(page, NETWORK) != net0
    screenshot(page, "playground_playing")

    page.get_by_role("button", name="Pause").click()
    page.get_by_role("button", name="Play").wait_for()
    wait_for_app(page)
    paused, picture = epoch(page), pixels(page)
    page.wait_for_timeout(1500)  # the behaviour under test: nothing moves for a while
    assert epoch(page) == paused and pixels(page) == picture, "still training after Pause"
    # the tallest gradient bar reaches up to its value's line, no empty band above it
    top = page.locator("canvas.bars").first.evaluate(BAR_TOP)
    assert top is not None and top < 0.25, top

    page.locator("[data-testid='stSidebarNav'] a", has_text="Learning rate").first.click()
    page.wait_for_url("**/learning_rate")
    wait_for_app(page)
    page.locator("[data-testid='stSidebarNav'] a", has_text="Playground").first.click()
    page.wait_for_url("**/playground**")
    wait_for_app(page)
    page.locator(PLANE).first.wait_for()
    wait_until(lambda: epoch(page) == paused, 10, "the epoch count is kept")
    assert "3 hidden layers" in page.content()
    assert "data=spiral" in page.url  # the settings are back in the URL


def _formula_numbers(text: str) -> list[float]:
    """The numbers of 'tanh(−0.87 x₁ − 0.32 x₂ + 0.05)', signs included."""
    return [
        (-1 if s == "−" else 1) * float(v) for s, v in re.findall(r"(−|\+)? ?(\d+\.\d\d)", text)
    ]


def test_clicking_a_unit_shows_its_formula_with_the_models_weights(page, app_url):
    page.set_viewport_size(TALL)
    open_playground(page, app_url, "/playground?layers=4,3")
    wait_for_app(page)
    box = page.locator(NETWORK).first.bounding_box()
    # Columns: inputs, layer 1, layer 2, output, each a quarter of the width; layer 2's
    # three units are centred, so its second one sits at the picture's middle height.
    page.mouse.click(box["x"] + box["width"] * 2.5 / 4, box["y"] + box["height"] / 2 + 12)
    picker = page.locator("[data-testid='stSelectbox']").filter(has_text="What a neuron")
    wait_until(lambda: picker.locator("input").first.input_value() == "layer 2, neuron 2", 20)
    formula = page.locator("[data-k='formula']").first
    wait_until(lambda: formula.get_attribute("data-unit") == "2,1", 10)
    model = core.new_network(PlaygroundConfig(hidden=(4, 3)))  # epoch 0: the seed's weights
    expected = [*model.W[1][:, 1], model.b[1][1]]
    np.testing.assert_allclose(_formula_numbers(formula.text_content())[:5], expected, atol=0.006)
    assert formula.text_content().startswith("tanh(")
    screenshot(page, "playground_formula")

    page.get_by_role("button", name="Step").click()  # the formula follows the training
    wait_for_app(page)
    wait_until(lambda: epoch(page) == 1, 10)
    assert _formula_numbers(formula.text_content())[:5] != pytest.approx(expected, abs=1e-4)


def test_nothing_is_fetched_from_outside_the_app(browser, app_url):
    """Every request of the page is routed: any not to 127.0.0.1 is refused and counted."""
    context = browser.new_context(viewport=TALL)
    outside: list[str] = []

    def route(r):
        if urlparse(r.request.url).hostname in ("127.0.0.1", None) or r.request.url.startswith(
            ("data:", "blob:")
        ):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    try:
        open_playground(page, app_url, "/playground?data=spiral3&layers=8,8")
        before = pixels(page)
        page.get_by_role("button", name="Play").click()
        wait_until(lambda: epoch(page) > 3 and pixels(page) != before, 20)
        page.get_by_role("button", name="Pause").click()
        wait_for_app(page)
    finally:
        context.close()
    assert outside == []


ON_PLAY_BUTTON = """(label) => {
  const el = document.activeElement, key = '.st-key-pg_' + label.toLowerCase();
  return !!el && !!el.closest(key) && (el.innerText || '').includes(label);
}"""


def test_play_and_pause_by_keyboard_keep_the_focus_press_after_press(page, app_url):
    """Twenty presses, Enter and Space alternately: after each the focus is on the
    button under its new label by the time the label shows (Play and Pause are two buttons
    in one place; one button whose label changed lost a press now and then)."""
    open_playground(page, app_url, "/playground?data=xor")
    page.get_by_role("button", name="Play").focus()
    label = "Play"
    for n in range(20):
        label = "Pause" if label == "Play" else "Play"
        page.keyboard.press("Enter" if n % 2 == 0 else "Space")
        page.get_by_role("button", name=label).wait_for()
        try:
            page.wait_for_function(ON_PLAY_BUTTON, arg=label, timeout=1_000)
        except Exception as exc:
            focused = page.evaluate("() => document.activeElement.outerHTML.slice(0, 120)")
            raise AssertionError(f"press {n + 1}: the focus is on {focused}") from exc
