"""Fixtures shared by all test folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.data_sources import FULL_MNIST, WHY_NO_MNIST


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The folder with the four official MNIST gz files (see tests/data_sources.py).

    Skips the test, saying where it looked, when the files are not there.
    """
    if FULL_MNIST is None:
        pytest.skip(WHY_NO_MNIST)
    return FULL_MNIST


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright, one for the whole run: the browser
    tests and the deployment tests share it (two sync Playwrights in one process clash)."""
    from tests.e2e.server import CHROMIUM, launch_chromium

    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's chromium (see .ci/run)")
    sync_api = pytest.importorskip("playwright.sync_api")
    # expect()'s own default is 5 s: two shared cores under load take longer to redraw
    sync_api.expect.set_options(timeout=30_000)
    with sync_api.sync_playwright() as p:
        found = launch_chromium(p)
        yield found
        found.close()
