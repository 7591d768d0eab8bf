"""Fixtures shared by all test folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.data_sources import FULL_MNIST, WHY_NO_MNIST

SERVED = ("e2e", "deploy")
"""Test folders whose tests start servers of ours and drive Chromium against them."""


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """For `-n 2 --dist loadgroup` (pytest-xdist): every test that drives Chromium or
    starts a server of ours joins one group, run by one worker one test at a time, while
    the other worker takes the rest. Two browser tests at once loaded two cores to 9-12
    and one timed out in each of two fresh-clone runs (`--dist loadfile`). Without
    `--dist loadgroup` the mark does nothing."""
    here = Path(__file__).parent
    for item in items:
        folder = Path(item.fspath).relative_to(here).parts[0]
        if folder in SERVED or "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("served"))


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
