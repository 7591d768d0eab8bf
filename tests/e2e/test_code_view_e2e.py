"""The Train page's code view in Chromium: after a short run, the student reads the
source that trained it (forward, backward, update) with the equations typeset, and which
back-end trained. Screenshots go to artifacts/ (train_code*.png)."""

from __future__ import annotations

import re

from tests.e2e.conftest import ARTIFACTS, charts_settled, screenshot, wait_for_app

TALL = {"width": 1400, "height": 3200}


def test_the_code_tab_shows_the_source_that_trained_the_run(app_url, page):
    page.goto(f"{app_url}/?epochs=1&n=2000")
    wait_for_app(page)
    page.locator(".st-key-train_start").get_by_role("button").click()
    page.get_by_text(re.compile(r"Run #1 finished 1 epoch")).wait_for(timeout=120_000)
    page.get_by_text("The code that trains your network").click()
    tab = page.get_by_test_id("stExpander").filter(has_text="The code that trains")
    tab.get_by_text("def train_batch(").wait_for()
    text = tab.inner_text()
    for source in ("def forward(", "def backward(", "def step(", "def delta(", "def relu("):
        assert source in text, source
    assert "mlp_core/network.py, MLP.forward, lines " in text
    assert re.search(r"It trained on the (plain NumPy step|fast back-end)", text)
    assert tab.locator(".katex").count() >= 10  # every equation typeset
    page.mouse.move(1, 1)
    page.set_viewport_size(TALL)
    charts_settled(page)
    screenshot(page, "train_code")
    for key, name in (("backward_pass", "backward"), ("update", "update")):
        box = page.locator(f".st-key-code_{key}")
        box.screenshot(path=str(ARTIFACTS / f"train_code_{name}.png"))
