"""End-to-end fixtures: a real `streamlit run` on 127.0.0.1 and Debian's Chromium
(started by tests/e2e/server.py)."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.e2e.server import ROOT, running_app
from tests.waiting import wait_until

ARTIFACTS = ROOT / "artifacts"


def pytest_collection_modifyitems(items):
    """Every test under tests/e2e/ is an e2e test (`-m "not e2e"` skips them all)."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def app_server(tmp_path_factory):
    """The app, started once per test session (per pytest-xdist worker), and the file
    that holds its log. At the end, after every browser test that used it: the log holds
    no traceback and no warning from normal use of the pages (a failure here is reported
    as an error in the teardown of the last test that used the server)."""
    folder = tmp_path_factory.mktemp("server")
    log = folder / "streamlit.log"
    with running_app(folder) as server:
        yield server, log
        text = log.read_text()
        assert "Traceback" not in text, text[-3000:]
        assert "Stack (most recent call last)" not in text, text[-3000:]
        assert " WARNING " not in text and " ERROR " not in text, text[-3000:]


@pytest.fixture(scope="session")
def app_url(app_server):
    """The shared app's base URL."""
    return app_server[0].url


@pytest.fixture
def page(browser):
    """A fresh browser context (its own Streamlit session) per test, 1400x1000."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(60_000)  # two shared cores may be busy (CI runs beside others)
    yield pg
    context.close()


def wait_for_app(pg) -> None:
    """Wait until Streamlit has finished running the script (not merely not started)."""
    pg.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            return app && app.dataset.testScriptState === 'notRunning'
                && !document.querySelector('[data-testid="stStatusWidget"]');
        }""",
        timeout=60_000,
    )


def press_until(pg, button, answered, tries: int = 3, click_ms: float = 10_000) -> float:
    """Press `button` once the page's script run has finished, again until
    `answered(timeout_ms)` returns (it waits, raising Playwright's TimeoutError): a click
    on a button that a script run is redrawing is lost, and a person would press again.
    Before pressing again, a late answer to the last press counts. The time of the
    answered press (s since the epoch); Playwright's TimeoutError after `tries` presses."""
    pressed = time.time()
    for attempt in range(tries):
        wait_for_app(pg)
        if attempt:
            with contextlib.suppress(PlaywrightTimeout):
                answered(1_000)
                return pressed
        pressed = time.time()
        with contextlib.suppress(PlaywrightTimeout):
            button.click(timeout=click_ms)  # a disabled button (busy) times out: waited below
            answered(30_000)
            return pressed
    answered(30_000)
    return pressed


def charts_settled(pg) -> None:
    """Wait until every chart is drawn at its container's width (after a viewport change
    the charts redraw at their new size), then for the next painted frame."""
    pg.wait_for_function(
        """() => [...document.querySelectorAll('.js-plotly-plot')].every(p => {
            const svg = p.querySelector('svg.main-svg');
            if (!svg) return false;
            const width = Number(svg.getAttribute('width'));
            return (p.layout && p.layout.width) ? Math.abs(width - p.layout.width) < 1
                : Math.abs(width - p.clientWidth) <= 1;
        })""",
        timeout=30_000,
    )
    next_frame(pg)


def screenshot(pg, name: str) -> Path:
    """Full-page screenshot into artifacts/ (git-ignored), for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    pg.screenshot(path=str(path), full_page=True)
    return path


def next_frame(pg) -> None:
    """Until the browser has painted the next frame."""
    pg.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def settled_box(pg, locator, timeout: float = 10.0) -> dict:
    """`locator`'s bounding box once it stays put from one painted frame to the next (a
    component just mounted, or a page scrolled into view, may still move)."""
    seen = [None]

    def still() -> dict | None:
        box = locator.bounding_box()
        before, seen[0] = seen[0], box
        next_frame(pg)
        return box if box is not None and box == before else None

    return wait_until(still, timeout, "the element stays put")


def choose_option(pg, opener, select, name: str, tries: int = 4) -> None:
    """Pick `name` in a selectbox: `opener()` brings the box into view (for one in a
    popover, a click on its button) and `select` is the box. A rerun that redraws the box
    between the click and the menu leaves the menu closed, so the pick is tried again."""
    for attempt in range(tries):
        opener()
        select.click()
        option = pg.get_by_role("option", name=name)
        try:
            option.wait_for(timeout=5_000)
        except PlaywrightTimeout:  # the menu did not open
            if attempt == tries - 1:
                raise
            pg.keyboard.press("Escape")
            wait_for_app(pg)
            continue
        option.click()
        return


def steady(read, pg, window_ms: int = 700, timeout: float = 10.0):
    """read()'s value once it stays the same for `window_ms` (after Pause or Stop the
    browser may still draw frames the server sent before the click)."""
    seen = [object()]

    def same() -> bool:
        value, before = read(), seen[0]
        seen[0] = value
        if value == before:
            return True
        pg.wait_for_timeout(window_ms)  # the window the value must last
        return False

    wait_until(same, timeout, f"the value stays the same for {window_ms} ms")
    return seen[0]
