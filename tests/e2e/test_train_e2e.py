"""A person's path through the Train page, in Debian's Chromium against `streamlit run`.

Open the page, start a run, watch the curves grow past two epochs, stop it, check that
it stopped within about a second and kept its model, and download that model. Screenshots
of the page at rest, during training and after the stop go to artifacts/.
"""

from __future__ import annotations

import re
import time

from mlp_core.serialize import load_model
from tests.e2e.conftest import charts_settled, screenshot, wait_for_app
from tests.waiting import wait_until

EPOCHS = 1000  # the most a URL may ask for: minutes of training even on the offline
# sample's 3,500 digits (40 epochs of those took under 2 s), so the test's Stop comes first
TALL = {"width": 1400, "height": 1900}  # Streamlit scrolls inside the page: show it all

POINTS_JS = """() => {
  const chart = document.querySelector('.js-plotly-plot');
  return chart && chart.data && chart.data.length > 2 ? chart.data[2].x.length : 0;
}"""
"""Epoch ends on the chart: the points of its validation curve (the loss and training
curves have a point every tenth of an epoch)."""


def _button(pg, name: str):
    """A Train-page button by its key (Streamlit also renders a hidden copy of it)."""
    return pg.locator(f".st-key-train_{name}").get_by_role("button")


def _points(pg) -> int:
    """Epochs on the curves, read from the plotly chart in the page."""
    return pg.evaluate(POINTS_JS)


def _epochs_done(pg) -> int:
    text = pg.get_by_text(re.compile(rf"of {EPOCHS} epochs done")).inner_text()
    return int(text.split(" of ")[0])


def _shot(pg, name: str) -> None:
    pg.mouse.move(1, 1)  # no tooltip over the page
    pg.set_viewport_size(TALL)
    charts_settled(pg)
    screenshot(pg, name)
    pg.set_viewport_size({"width": 1400, "height": 1000})


def test_start_watch_the_curves_grow_then_stop(app_url, page):
    page.goto(f"{app_url}/?epochs={EPOCHS}")
    wait_for_app(page)
    page.get_by_text("No run yet").wait_for()
    assert _button(page, "stop").is_disabled()
    _shot(page, "train_rest")

    _button(page, "start").click()
    page.get_by_text(re.compile(r"Training run #1")).wait_for(timeout=30_000)
    seen = []

    def three_points() -> bool:
        """the curve grows past two epochs"""
        seen.append(_points(page))
        return seen[-1] >= 3

    wait_until(three_points, 120)
    assert seen == sorted(seen), "points never disappear while a run trains"
    _shot(page, "train_during")

    clicked = time.monotonic()
    _button(page, "stop").click()
    page.get_by_text(re.compile("Stopped by you at epoch")).first.wait_for(timeout=10_000)
    print(f"Stop took effect (and was drawn) {time.monotonic() - clicked:.2f} s after the click")

    done = _epochs_done(page)
    wait_for_app(page)  # no script run left: the page trains only inside one
    assert _epochs_done(page) == done, "training went on after Stop"
    assert _points(page) == done >= 3
    assert _button(page, "continue").is_enabled()
    page.get_by_text("Test accuracy").first.wait_for()
    page.get_by_text(re.compile("First-layer weights of")).first.wait_for()  # title or its text
    _shot(page, "train_after")

    with page.expect_download() as download:
        page.locator(".st-key-train_download_1").get_by_role("button").click()
    saved = load_model(download.value.path())
    assert saved.model.sizes == (784, 100, 10) and saved.config.epochs == EPOCHS
    assert len(saved.metadata["history"]["epochs"]) == done
