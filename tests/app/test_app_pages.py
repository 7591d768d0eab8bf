"""Every page of the app runs without an exception (AppTest, offline MNIST sample; the
fixtures are in tests/app/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[2] / "app.py"
PAGES = [
    "views/train.py",
    "views/learning_rate.py",
    "views/backprop.py",
    "views/decision_boundary.py",
    "views/playground.py",
    "views/mistakes.py",
    "views/draw.py",
    "views/libraries.py",
]


def _app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=60).run()


def test_entry_point_opens_the_train_page():
    at = _app()
    assert not at.exception
    assert at.title[0].value == "Train a network"
    assert "sample" in " ".join(c.value for c in at.sidebar.caption)


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_without_exception(page):
    at = _app()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.sidebar.caption, "app.py (and its sidebar) ran around the page"
    at.run()  # and again, as after any click
    assert not at.exception, [e.value for e in at.exception]


def test_every_page_file_is_tested():
    on_disk = {f"views/{p.name}" for p in (APP.parent / "views").glob("*.py")}
    assert on_disk == set(PAGES)
