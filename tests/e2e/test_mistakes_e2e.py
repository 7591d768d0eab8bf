"""The Mistakes page in Chromium: click a confusion-matrix cell, then a digit of the gallery."""

from __future__ import annotations

import contextlib
import re
import time

import numpy as np
import pytest
from playwright.sync_api import expect

from mlp_core import holdout
from mlp_core.data import scale_pixels
from mlp_core.mnist import load_mnist
from mlp_core.serialize import load_model
from mlp_ui.data import DEFAULT_MODEL
from tests.data_sources import FULL_MNIST
from tests.e2e.conftest import charts_settled, choose_option, screenshot, wait_for_app
from tests.e2e.strokes import open_page
from tests.waiting import wait_until

pytestmark = pytest.mark.skipif(
    not DEFAULT_MODEL.exists(), reason="assets/default_model.npz is missing"
)


def _open(page, app_url: str) -> float:
    """Open the page at its own address (the menu's way there: the projector test below);
    seconds from the first request until the gallery is drawn."""
    start = time.perf_counter()
    page.goto(f"{app_url}/mistakes")
    page.locator(".st-key-mistakes_gallery .main-svg").first.wait_for()
    return time.perf_counter() - start


def _busiest_cell(tmp_path) -> tuple[int, int]:
    """The model's most frequent confusion on the digits the server uses (see conftest)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MLP_LAB_CACHE", str(tmp_path))  # as the server: no cached full MNIST
        mp.delenv("MNIST_DIR", raising=False)  # ... and the folder the tests found, if any
        data = load_mnist(FULL_MNIST, download=False)
    saved = load_model(DEFAULT_MODEL)
    X, y = holdout.take(data.X_test, data.y_test, "public")  # the page shows the public half
    pred = saved.model.predict(scale_pixels(X, saved.config.scaling))
    cm = np.bincount(y.astype(int) * 10 + pred, minlength=100).reshape(10, 10)
    np.fill_diagonal(cm, -1)
    true, said = np.unravel_index(cm.argmax(), cm.shape)
    return int(true), int(said)


def _settled_titles(titles, wanted: str, timeout: float = 30.0) -> list[str]:
    """The gallery's titles once they all show `wanted` (a loaded machine redraws the
    gallery after the filters), or whatever they are when `timeout` runs out."""
    texts: list[str] = []

    def settled() -> bool:
        texts[:] = titles.all_text_contents()
        return bool(texts) and all(wanted in t for t in texts)

    with contextlib.suppress(TimeoutError):  # the caller's assert shows what they were
        wait_until(settled, timeout)
    return texts


def _click_cell(page, true: int, pred: int) -> None:
    """Click the centre of confusion-matrix cell (true, pred) in the plot area."""
    area = page.locator(".st-key-mistakes_cm .nsewdrag").first.bounding_box()
    x = area["x"] + (pred + 0.5) / 10 * area["width"]
    y = area["y"] + (true + 0.5) / 10 * area["height"]
    page.mouse.move(x, y)
    page.mouse.click(x, y)


def test_matrix_cell_filters_the_gallery_and_a_click_picks_a_digit(page, app_url, tmp_path):
    true, said = _busiest_cell(tmp_path)
    seconds = _open(page, app_url)
    print(f"Mistakes page shown {seconds:.2f} s after the request (cold caches)")
    screenshot(page, "mistakes_page")

    _click_cell(page, true, said)
    wait_for_app(page)
    expect(page.locator(".st-key-mistakes_true input")).to_have_value(str(true), timeout=20_000)
    expect(page.locator(".st-key-mistakes_pred input")).to_have_value(str(said))
    titles = page.locator(".st-key-mistakes_gallery .annotation-text")
    expect(titles.first).to_be_visible(timeout=20_000)
    texts = _settled_titles(titles, f"a {true}, read as {said}")
    assert texts and all(f"a {true}, read as {said}" in t for t in texts), texts
    screenshot(page, f"mistakes_filtered_{true}_as_{said}")

    # click the second digit of the gallery: it becomes the one shown up close
    plot = page.locator(".st-key-mistakes_gallery .nsewdrag").first.bounding_box()
    cols = 4  # the gallery's first size in normal mode (mistakes_view.DEFAULT_GRID)
    if len(texts) >= 2:
        x = plot["x"] + 1.5 / cols * plot["width"]
        y = plot["y"] + 0.8 * plot["width"] / cols
        page.mouse.move(x, y)
        page.mouse.click(x, y)
        wait_for_app(page)
        picked = page.locator(".st-key-mistakes_pick input")
        expect(picked).to_have_value(re.compile(f"true {true}, predicted {said}"), timeout=20_000)

    page.get_by_role("button", name="Clear filters").click()
    wait_for_app(page)
    expect(page.locator(".st-key-mistakes_true input")).to_have_value("all")


def _px(locator) -> float:
    """The rendered font size (CSS pixels) of the first element of `locator`."""
    return float(locator.first.evaluate("e => getComputedStyle(e).fontSize").removesuffix("px"))


def test_projector_mode_gallery_and_matrix_read_from_the_back(page, app_url, tmp_path):
    true, said = _busiest_cell(tmp_path)
    page.set_viewport_size({"width": 1920, "height": 1080})  # a projector's screen
    open_page(page, f"{app_url}/?projector=1", "Mistakes")
    page.locator(".st-key-mistakes_gallery .main-svg").first.wait_for()
    wait_for_app(page)
    assert "projector=1" in page.url
    matrix = page.locator(".st-key-mistakes_cm .main-svg").first.bounding_box()
    assert matrix["width"] >= 500 and matrix["height"] >= 500, matrix
    assert _px(page.locator(".st-key-mistakes_cm .xtick text")) >= 18
    assert _px(page.locator(".st-key-mistakes_cm .ytick text")) >= 18
    assert _px(page.locator(".st-key-mistakes_cm .g-xtitle text")) >= 18
    titles = page.locator(".st-key-mistakes_gallery .annotation-text")
    expect(titles.first).to_have_text(re.compile(r"^a \d, read as \d"))
    assert _px(titles) >= 18
    screenshot(page, "mistakes_projector")

    _click_cell(page, true, said)  # still filters the gallery in projector mode
    wait_for_app(page)
    expect(page.locator(".st-key-mistakes_true input")).to_have_value(str(true), timeout=20_000)
    expect(page.locator(".st-key-mistakes_pred input")).to_have_value(str(said))
    texts = _settled_titles(titles, f"a {true}, read as {said}")
    assert texts and all(f"a {true}, read as {said}" in t for t in texts), texts


TITLE_BOXES = """() => [...document.querySelectorAll('.st-key-mistakes_gallery g.annotation')]
    .map(a => a.getBoundingClientRect()).map(r => [r.left, r.top, r.right, r.bottom])"""
PLOT_BOX = """() => { const r = document.querySelector('.st-key-mistakes_gallery .main-svg')
    .getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; }"""


@pytest.mark.parametrize("grid", ["4 x 4", "5 x 5"])
@pytest.mark.parametrize("width", [768, 1400])
def test_the_gallery_titles_neither_overlap_nor_are_cut(browser, app_url, width, grid):
    """A tablet's 768 px (the gallery above the matrix) and a laptop's 1400 px (beside
    it), in the 4 x 4 and 5 x 5 grids: every title inside the chart, none touching another."""
    context = browser.new_context(viewport={"width": width, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(app_url + "/mistakes")  # the sidebar's links are folded away at 768 px
        wait_for_app(page)
        if grid != "4 x 4":
            menu = page.locator("[data-testid='stPopoverBody'] [data-testid='stSelectbox']")
            button = page.get_by_role("button", name=re.compile("Grid"))

            def open_popover():
                if not menu.filter(has_text="Grid").is_visible():
                    button.click()

            choose_option(page, open_popover, menu.filter(has_text="Grid"), grid)
            page.keyboard.press("Escape")
            wait_for_app(page)
        expect(page.locator(".st-key-mistakes_gallery g.annotation").nth(9)).to_be_attached()
        charts_settled(page)
        boxes, (left, top, right, bottom) = page.evaluate(TITLE_BOXES), page.evaluate(PLOT_BOX)
        # an empty tile's title has no box (offline, the sample's 1,000 test digits leave
        # fewer mistakes than a 5 x 5 page has tiles)
        boxes = [a for a in boxes if a[2] > a[0] and a[3] > a[1]]
        assert len(boxes) >= 10, boxes
        for a in boxes:
            assert left <= a[0] and a[2] <= right and top <= a[1] and a[3] <= bottom, (a, left)
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                apart = a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]
                assert apart, (width, grid, a, b)
        screenshot(page, f"mistakes_gallery_{width}_{grid[0]}")
    finally:
        context.close()
