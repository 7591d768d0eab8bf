"""Projector mode in a real browser: a teacher's link opens it, it stays on while the
class moves from page to page (the address keeps `projector=1`), every page's chart text
is at least 18 px, its metric values (Backprop's output and loss) at least 45 px as drawn (the
value's own paragraph, not its box), and the switch turns it off again."""

from __future__ import annotations

import re

from tests.e2e.conftest import wait_for_app

PAGES = ("Learning rate", "Backprop", "Decision boundary", "Mistakes", "Train")
TICK_PX = """() => Array.from(document.querySelectorAll('.js-plotly-plot .xtick text'))
    .map(t => parseFloat(getComputedStyle(t).fontSize))"""
METRIC_PX = """() => Array.from(document.querySelectorAll('[data-testid="stMetricValue"]'))
    .map(m => parseFloat(getComputedStyle(m.querySelector('p') || m).fontSize))"""
METRIC_PAGES = {"Backprop": 3}
"""Pages with metrics on their first screen (without a run): how many."""


def _switch(page):
    return page.locator('[data-testid="stSidebar"] [data-testid="stCheckbox"]').filter(
        has_text="Projector mode"
    )


def test_a_link_opens_projector_mode_and_every_page_keeps_it(page, app_url):
    page.goto(app_url + "/?projector=1")
    wait_for_app(page)
    assert _switch(page).locator("input").is_checked()
    for name in PAGES:
        page.locator('[data-testid="stSidebarNav"] a').filter(has_text=name).first.click()
        page.wait_for_url(re.compile(r"projector=1"), timeout=30_000)
        wait_for_app(page)
        page.wait_for_selector(".js-plotly-plot .xtick text", timeout=60_000)
        sizes = page.evaluate(TICK_PX)
        assert sizes and min(sizes) >= 18, (name, sizes)
        if name in METRIC_PAGES:  # read from the back of the room: 45 px (36 px normally)
            count = f"() => ({METRIC_PX})().length >= {METRIC_PAGES[name]}"
            page.wait_for_function(count, timeout=60_000)  # drawn after the charts, at times
            metrics = page.evaluate(METRIC_PX)
            assert len(metrics) == METRIC_PAGES[name] and min(metrics) >= 45, (name, metrics)
        assert "projector=1" in page.url, (name, page.url)


def test_the_switch_turns_it_off_and_takes_it_out_of_the_address(page, app_url):
    page.goto(app_url + "/draw?projector=1")
    wait_for_app(page)
    _switch(page).locator("label").click()
    page.wait_for_function("() => !location.search.includes('projector')", timeout=30_000)
    wait_for_app(page)
    assert not _switch(page).locator("input").is_checked()
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text="Mistakes").first.click()
    wait_for_app(page)
    page.wait_for_selector(".js-plotly-plot .xtick text", timeout=60_000)
    sizes = page.evaluate(TICK_PX)
    assert sizes and max(sizes) < 18, sizes  # the normal mode's 15 px
    assert "projector" not in page.url
