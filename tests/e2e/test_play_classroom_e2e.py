"""Classroom controls in a real browser: a Playground "Try this" button sets the page up
and plays (in projector mode, which the URL keeps), and the Decision boundary's title
follows the animation, giving the accuracy at the pass shown."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import screenshot, wait_for_app
from tests.e2e.playground_page import PLANE, epoch
from tests.waiting import wait_until

pytestmark = pytest.mark.e2e

TALL = {"width": 1400, "height": 2300}


def _epoch(page) -> int:
    return epoch(page)  # as the Playground's component shows it


def test_playground_try_this_sets_up_xor_and_plays(page, app_url):
    page.goto(app_url + "/playground?projector=1")
    wait_for_app(page)
    page.locator(PLANE).first.wait_for(timeout=60_000)
    assert "2 hidden layers" in page.content()
    page.get_by_role("button", name="XOR, no hidden").click()
    page.get_by_text("Look for:").wait_for()
    page.get_by_text("0 hidden layers").wait_for()
    page.get_by_role("button", name="Pause").wait_for()  # it plays
    wait_until(lambda: _epoch(page) >= 5, 15, "the experiment trains")
    assert "data=xor" in page.url and "layers=0" in page.url
    assert "projector=1" in page.url  # the experiment kept the teacher's mode
    screenshot(page, "playground_try_xor_projector")
    page.get_by_role("button", name="Pause").click()
    page.get_by_role("button", name="Play").wait_for()


def test_decision_boundary_title_follows_the_animation(page, app_url):
    page.set_viewport_size(TALL)
    page.goto(app_url + "/decision_boundary")
    wait_for_app(page)
    title = page.locator(".js-plotly-plot").first.locator(".gtitle")
    title.filter(has_text="pass 0:").wait_for(timeout=180_000)  # opens unplayed
    wait_for_app(page)
    page.locator(".st-key-toy_moons_boundary_play button").first.click()  # our Play
    seen: set[str] = set()

    def passes() -> set[int]:
        seen.add(title.text_content())
        return {int(m[1].replace(",", "")) for t in seen if (m := re.search(r"pass ([\d,]+):", t))}

    wait_until(lambda: len(passes()) >= 5, 30, "the title changes with the frames")
    assert min(passes()) < 100  # from the first passes on
    assert all(re.search(r"pass [\d,]+: [\d.]+% right", t) for t in seen), seen
