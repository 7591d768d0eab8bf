"""The Libraries page in Debian's Chromium against `streamlit run`.

Set 3 epochs on the Train page, go to Libraries through the menu, run scikit-learn beside
mlp_core (PyTorch taken out of the choice), and see both curves grow to 3 points, then
the table with test accuracy. Screenshots of the page before and after go to artifacts/.
"""

from __future__ import annotations

import re

from tests.e2e.conftest import charts_settled, screenshot, wait_for_app
from tests.waiting import wait_until

EPOCHS = 3
TALL = {"width": 1400, "height": 2600}

CURVES_JS = """() => {
  const chart = document.querySelector('.js-plotly-plot');
  if (!chart || !chart.data) return {};
  const out = {};
  for (const t of chart.data) if (t.name && !t.name.includes(':')) out[t.name] = t.x.length;
  return out;
}"""


def _shot(pg, name: str) -> None:
    pg.mouse.move(1, 1)
    pg.set_viewport_size(TALL)
    charts_settled(pg)
    screenshot(pg, name)
    pg.set_viewport_size({"width": 1400, "height": 1000})


def _without_pytorch(pg) -> None:
    """Take PyTorch out of the multiselect, when it is offered (torch installed)."""
    remove = pg.locator(".st-key-lib_pick").get_by_role("button", name="Remove PyTorch")
    if remove.count():
        remove.first.click()
        pg.locator(".st-key-lib_pick [aria-label='PyTorch']").first.wait_for(state="detached")
        wait_for_app(pg)


def test_run_sklearn_beside_mlp_core_and_see_both_curves(app_url, page):
    page.goto(f"{app_url}/?epochs={EPOCHS}&n=20000")  # the Train page is the root
    wait_for_app(page)
    page.get_by_text("No run yet").wait_for()  # the Train page has stored its settings
    page.get_by_role("link", name="Libraries").click()
    wait_for_app(page)
    page.get_by_text("after one step the largest difference is").wait_for()
    assert page.get_by_text(f"{EPOCHS} epochs, seed 1").count() == 1  # the Train settings
    _shot(page, "libraries_rest")

    _without_pytorch(page)
    page.locator(".st-key-lib_start").get_by_role("button").click()
    curves = wait_until(
        lambda: (
            (c := page.evaluate(CURVES_JS)).get("mlp_core") == EPOCHS
            and c.get("scikit-learn") == EPOCHS
            and c
        ),
        180,
        f"both libraries' curves reach {EPOCHS} epochs",
    )
    assert curves == {"mlp_core": EPOCHS, "scikit-learn": EPOCHS}, curves
    page.get_by_text("Done.").wait_for(timeout=30_000)
    # the column names the test digits: full MNIST's 10,000, or the offline sample's 1,000
    page.get_by_text(
        re.compile(r"test accuracy \([\d,]+ (MNIST|offline-sample) test digits\)")
    ).first.wait_for(state="attached")
    _shot(page, "libraries_after")
