"""The Playground in a real browser: a teacher's link (spiral, three layers of eight),
Play, the loss falling and the boundary moving within 10 s, Pause holding, and the epoch
count surviving a trip to another page. Screenshots go to artifacts/ (git-ignored).
"""

from __future__ import annotations

import time

import pytest

from tests.e2e.conftest import screenshot, wait_for_app

pytestmark = pytest.mark.e2e

LINK = "/playground?data=spiral&layers=8,8,8"
BOUNDARY = ".st-key-pg_boundary img"
TALL = {"width": 1400, "height": 2300}  # the app scrolls inside its own container


def _metric(page, label: str) -> str:
    box = page.locator("[data-testid='stMetric']").filter(has_text=label).first
    return box.locator("[data-testid='stMetricValue']").text_content().strip()


def _epoch(page) -> int:
    return int(_metric(page, "Epoch").replace(",", ""))


def _boundary(page) -> str:
    return page.locator(BOUNDARY).first.get_attribute("src")


def _open(page, app_url: str) -> None:
    page.goto(app_url)
    wait_for_app(page)
    page.goto(app_url + LINK)
    wait_for_app(page)
    page.locator(BOUNDARY).first.wait_for(timeout=60_000)
    page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)


def test_a_link_plays_pauses_and_keeps_its_epochs_across_pages(page, app_url):
    page.set_viewport_size(TALL)
    _open(page, app_url)
    assert "3 hidden layers" in page.content()
    assert _epoch(page) == 0
    loss0, image0 = float(_metric(page, "Test loss")), _boundary(page)
    page.wait_for_timeout(1000)
    screenshot(page, "playground_rest")

    page.get_by_role("button", name="Play").click()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if float(_metric(page, "Test loss")) < loss0 and _boundary(page) != image0:
            break
        page.wait_for_timeout(200)
    assert float(_metric(page, "Test loss")) < loss0, "the test loss did not fall within 10 s"
    assert _boundary(page) != image0, "the boundary image did not change"
    assert _epoch(page) > 0
    screenshot(page, "playground_playing")

    page.get_by_role("button", name="Pause").click()
    page.get_by_role("button", name="Play").wait_for()
    wait_for_app(page)
    paused = _epoch(page)
    page.wait_for_timeout(1500)
    assert _epoch(page) == paused, "still training after Pause"

    page.locator("[data-testid='stSidebarNav'] a", has_text="Learning rate").first.click()
    page.wait_for_url("**/learning_rate")
    wait_for_app(page)
    page.locator("[data-testid='stSidebarNav'] a", has_text="Playground").first.click()
    page.wait_for_url("**/playground**")
    wait_for_app(page)
    page.locator(BOUNDARY).first.wait_for()
    assert _epoch(page) == paused, "the epoch count was lost on the way back"
    assert "3 hidden layers" in page.content()
    assert "data=spiral" in page.url  # the settings are back in the URL


def test_clicking_a_unit_shows_it_large(page, app_url):
    page.set_viewport_size(TALL)
    page.goto(app_url)
    wait_for_app(page)
    page.goto(app_url + "/playground?layers=4,3")
    wait_for_app(page)
    chart = page.locator(".js-plotly-plot").first  # the network, clickable while paused
    units = chart.locator(".scatterlayer path.point")
    units.nth(9).wait_for()
    wait_for_app(page)
    page.wait_for_timeout(1000)  # the chart settled (plotly attaches its handlers)
    box = units.nth(2 + 4 + 1).bounding_box()  # inputs 2, layer 1 4, then layer 2's second
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    picker = page.locator("[data-testid='stSelectbox']").filter(has_text="What a neuron sees")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and _picked(picker) != "layer 2, neuron 2":
        page.wait_for_timeout(200)
    assert _picked(picker) == "layer 2, neuron 2"
    wait_for_app(page)
    assert page.get_by_text("weights from layer 1").count() >= 1


def _picked(picker) -> str:
    return picker.locator("input").first.input_value()
