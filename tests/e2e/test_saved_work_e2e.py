"""Work that lasts, in Debian's Chromium against `streamlit run`: train a run, then
reload, open a new tab, restart the server: the run is there each time, with the same
curves and the same weights (its model file downloaded each time). The browser's
identity is a cookie, never in the URL; another browser sees none of it. A run that was
training when the page reloaded, or when the server was killed (SIGKILL) and restarted,
is there cut short no earlier than the page last showed, and one Continue finishes it."""

from __future__ import annotations

import os
import re
import signal

import numpy as np
import pytest

from mlp_core.serialize import load_model
from tests.e2e.conftest import screenshot, settled_box, wait_for_app
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
    context = _laptop(browser)
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


LONG = "?epochs=40&n=5000&hidden=300"  # long enough to be mid-training when it is cut
CUT = r"Run #1: cut short at epoch (\d+\.\d\d)"


def _laptop(browser):
    """A browser context at 1400x1000 that waits long (two shared cores may be busy)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(90_000)
    return context


def _long_run_training(context, server, link: str = LONG):
    """A new tab on a long run's link, its run training: (the tab, the epochs seen)."""
    page = context.new_page()
    page.goto(f"{server.url}/{link}")
    return page, _training_seen(page)


def _training_seen(pg) -> float:
    """Start the long run, wait until a few epochs are done; the progress the page showed."""
    wait_for_app(pg)
    pg.get_by_text("No run yet").wait_for()
    pg.locator(".st-key-train_start").get_by_role("button").click()
    shown = pg.get_by_text(re.compile(r"\b([2-9]|[1-3]\d) of \d+ epochs done")).first
    shown.wait_for(timeout=120_000)
    return float(re.search(r"(\d+) of \d+ epochs done", shown.inner_text()).group(1))


def _cut_then_continued(pg, seen: float, name: str) -> None:
    """The run is cut short no earlier than the page last showed; one Continue ends it."""
    cut = pg.get_by_text(re.compile(CUT)).first
    try:
        cut.wait_for(timeout=90_000)
    except Exception:
        screenshot(pg, f"{name}_failed")
        raise
    at = float(re.search(CUT, cut.inner_text()).group(1))
    assert seen <= at < 40, f"cut short at {at}, the page had shown {seen} epochs done"
    assert "Continue goes on from exactly there" in cut.inner_text()
    wait_for_app(pg)
    screenshot(pg, name)
    pg.locator(".st-key-train_continue").get_by_role("button").click()
    pg.get_by_text(re.compile(r"Run #1 finished 40 epochs")).first.wait_for(timeout=300_000)


@pytest.mark.slow  # a 40-epoch run, twice
def test_a_run_training_when_the_page_reloads_is_cut_short_there_and_continues(browser, tmp_path):
    context = _laptop(browser)
    with running_app(tmp_path) as server:
        page, seen = _long_run_training(context, server)
        page.reload()
        _cut_then_continued(page, seen, "saved_work_reload_cut_short")
    context.close()


@pytest.mark.slow
def test_a_server_killed_mid_training_restarts_with_the_run_cut_short(browser, tmp_path):
    context = _laptop(browser)
    with running_app(tmp_path) as server:
        page, seen = _long_run_training(context, server)
        os.kill(server.pid, signal.SIGKILL)  # no clean shutdown, no last save
    with running_app(tmp_path) as server:  # the same data folder, a new port
        page = context.new_page()
        page.goto(f"{server.url}/{LONG}")
        wait_for_app(page)
        _cut_then_continued(page, seen, "saved_work_killed_cut_short")
    context.close()


def test_the_qr_code_holds_the_transfer_code_alone_and_moves_the_work(browser, tmp_path):
    import io

    import zxingcpp
    from PIL import Image

    laptop = _laptop(browser)
    phone = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True)
    phone.set_default_timeout(90_000)
    with running_app(tmp_path) as server:
        page = laptop.new_page()
        page.goto(f"{server.url}/{QUERY}")
        wait_for_app(page)
        page.locator(".st-key-train_start").get_by_role("button").click()
        _finished(page)
        page.get_by_text("Your work").click()
        page.get_by_role("button", name="Continue on another device").click()
        qr = page.get_by_role("img", name=re.compile(r"QR code of the transfer code"))
        qr.wait_for()
        code = qr.get_attribute("alt").rsplit(" ", 1)[1]
        assert page.get_by_text(f"type: {code}").count() == 1
        # What a camera would see: the image once decoded, painted and still, with the
        # script run over (Streamlit fades an element while a run may still redraw it).
        qr.evaluate("img => img.decode()")
        wait_for_app(page)
        settled_box(page, qr)
        screenshot(page, "saved_work_qr")
        (read,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.screenshot())))
        assert read.text == code  # the one-time code alone: no link, no secret

        other = phone.new_page()
        other.goto(f"{server.url}/{QUERY}")
        wait_for_app(other)
        other.get_by_text("No run yet").wait_for()
        other.get_by_test_id("stExpandSidebarButton").click()  # a phone: the sidebar folded
        other.get_by_text("Your work").click()
        other.get_by_label("Code from another device").fill(read.text)
        other.get_by_role("button", name="Use this code").click()
        _finished(other)  # the laptop's run, on the phone
    laptop.close()
    phone.close()


EPOCHS_JS = "+(document.body.innerText.match(/(\\d+) of \\d+ epochs done/) || [0, -1])[1]"
LONGER = "?epochs=400&n=5000&hidden=300"
"""Still training when a second tab has loaded and pressed Continue, even on a quiet machine
(40 epochs of 5,000 digits could end before, and the tab then rightly shows it finished)."""


def _epochs_done(pg) -> int:
    return int(pg.evaluate(f"() => {EPOCHS_JS}"))


@pytest.mark.slow
def test_a_second_tab_sees_the_run_training_in_the_first_and_leaves_it_alone(browser, tmp_path):
    context = _laptop(browser)
    with running_app(tmp_path) as server:
        first, seen = _long_run_training(context, server, LONGER)
        second = context.new_page()
        second.goto(f"{server.url}/{LONGER}")
        wait_for_app(second)
        line = second.get_by_text(re.compile(r"Run #1: training in another tab")).first
        line.wait_for()
        at = _epochs_done(first)
        second.locator(".st-key-train_continue").get_by_role("button").click()
        wait_for_app(second)  # refused: one trainer per run
        assert second.get_by_text(re.compile(r"Run #1: training in another tab")).count() == 1
        assert second.get_by_text(re.compile(r"Training run #1")).count() == 0
        screenshot(second, "saved_work_second_tab")
        on = f"({EPOCHS_JS}) > {at} || document.body.innerText.includes('Run #1 finished')"
        first.wait_for_function(f"() => {on}", timeout=120_000)  # the first tab trains on
        assert seen <= at
    context.close()
