"""Reading the Playground's browser component in e2e tests: its status numbers, the
pixels of its canvases, its unit formula. Playwright's CSS locators reach into the
component's open shadow root."""

from __future__ import annotations

from tests.e2e.conftest import wait_for_app

PLANE = "canvas.plane"
NETWORK = "canvas.network"
TALL = {"width": 1400, "height": 2300}  # the app scrolls inside its own container

PIXELS = """c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let h = 0; for (let i = 0; i < d.length; i += 7) h = (h * 31 + d[i]) >>> 0; return h; }"""


BAR_TOP = """c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  for (let y = 0; y < c.height; y++) for (let x = 0; x < c.width; x++) {
    const i = 4 * (y * c.width + x);
    if (d[i] === 0 && d[i + 1] === 114 && d[i + 2] === 178) return y / c.height; }
  return null; }"""
"""Where the gradient bars' tallest bar begins, as a fraction of the canvas's height."""


def status(page, name: str) -> str:
    """A status number as shown: 'epoch', 'train', 'test' or 'accval'."""
    return page.locator(f"[data-k='{name}']").first.text_content().strip()


def epoch(page) -> int:
    return int(status(page, "epoch").replace(",", "") or 0)


def pixels(page, selector: str = PLANE) -> int:
    """A checksum of a canvas's pixels: it changes when the picture does."""
    return page.locator(selector).first.evaluate(PIXELS)


def open_playground(page, app_url: str, link: str) -> None:
    """The link in a fresh session (a first visit by deep link gets the whole app:
    tests/e2e/test_deep_link_e2e.py); wait for the plane."""
    page.goto(app_url + link)
    wait_for_app(page)
    page.locator(PLANE).first.wait_for(timeout=60_000)
    page.locator(NETWORK).first.wait_for(timeout=60_000)
