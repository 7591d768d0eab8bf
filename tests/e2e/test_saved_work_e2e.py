"""Work that lasts, in Debian's Chromium against `streamlit run`: train a run, then
reload, open a new tab, restart the server: the run is there each time, with the same
curves and the same weights (its model file downloaded each time). The browser's
identity is a cookie, never in the URL; another browser sees none of it."""

from __future__ import annotations

import re

import numpy as np

from mlp_core.serialize import load_model
from tests.e2e.conftest import screenshot, wait_for_app
from tests.e2e.server import running_app

QUERY = "?epochs=2&n=1000"
CURVES_JS = """() => {
  const chart = [...document.querySelectorAll('.js-plotly-plot')]
    .find((c) => c.data && c.data.some((t) => (t.name || '').startsWith('#1 ')));
  return chart && chart.data.length > 2 ? chart.data.map((t) => [t.name, t.x, t.y]) : null;
}"""
"""The run's curves: the chart whose traces are named after run #1 (the page has other
charts, and which is drawn first after a reload is not fixed)."""


def _finished(pg) -> str:
    wait_for_app(pg)
    line = pg.get_by_text(re.compile(r"Run #1 finished 2 epochs")).first
    try:
        line.wait_for(timeout=60_000)
    except Exception:
        screenshot(pg, "saved_work_failed")  # what the page showed instead
        raise
    return line.inner_text()


def _seen(pg) -> tuple[str, list, list[np.ndarray]]:
    """The status line, the curves on the chart and the weights of the downloaded file."""
    status = _finished(pg)
    pg.wait_for_function(CURVES_JS)
    curves = pg.evaluate(CURVES_JS)
    with pg.expect_download() as download:
        pg.locator(".st-key-train_download_1").get_by_role("button").click()
    weights = load_model(download.value.path()).model.parameters()
    return status, curves, weights


def _same(a, b) -> None:
    assert a[0] == b[0], "the status line changed"
    assert a[1] == b[1], "the curves changed"
    for x, y in zip(a[2], b[2], strict=True):
        np.testing.assert_array_equal(x, y)


def test_a_run_survives_reload_new_tab_and_server_restart(browser, tmp_path):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(90_000)  # a shared machine's two cores may be busy
    with running_app(tmp_path) as server:
        page = context.new_page()
        page.goto(f"{server.url}/{QUERY}")
        wait_for_app(page)
        page.get_by_text("No run yet").wait_for()
        page.locator(".st-key-train_start").get_by_role("button").click()
        first = _seen(page)
        cookie = next(c for c in context.cookies() if c["name"] == "mlp_lab_key")
        assert len(cookie["value"]) == 43 and cookie["value"] not in page.url
        assert cookie["sameSite"] == "Strict"

        page.reload()
        _same(_seen(page), first)
        tab = context.new_page()
        tab.goto(f"{server.url}/{QUERY}")
        _same(_seen(tab), first)
        screenshot(tab, "saved_work_new_tab")
    with running_app(tmp_path) as server:  # the same data folder: a restart
        page = context.new_page()
        page.goto(f"{server.url}/{QUERY}")
        _same(_seen(page), first)
        stranger = browser.new_context().new_page()
        stranger.set_default_timeout(90_000)
        stranger.goto(f"{server.url}/{QUERY}")
        wait_for_app(stranger)
        screenshot(stranger, "saved_work_stranger")
        stranger.get_by_text("No run yet").wait_for(timeout=60_000)
        assert stranger.get_by_text(re.compile(r"Run #1 finished")).count() == 0
    context.close()
