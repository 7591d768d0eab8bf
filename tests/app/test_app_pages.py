"""Every page of the app runs without an exception (AppTest, offline MNIST sample).

The two autouse fixtures here are shared with the other AppTests (imported there).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit.testing.v1.app_test as app_test_module
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from mlp_ui import data as ui_data

APP = Path(__file__).resolve().parents[2] / "app.py"
PAGES = [
    "pages/train.py",
    "pages/learning_rate.py",
    "pages/backprop.py",
    "pages/decision_boundary.py",
    "pages/playground.py",
    "pages/mistakes.py",
    "pages/draw.py",
]


@pytest.fixture(scope="module", autouse=True)
def offline_sample(tmp_path_factory):
    """The app on the 5,000-digit sample: no MNIST_DIR, an empty cache, fresh data caches."""
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("MNIST_DIR", raising=False)
        mp.setenv("MLP_LAB_CACHE", str(tmp_path_factory.mktemp("empty_cache")))
        ui_data.mnist.clear()
        ui_data.dataset.clear()
        yield
    ui_data.mnist.clear()
    ui_data.dataset.clear()


class _DeclaredPagesOnly(PagesManager):
    """A PagesManager that knows the app declares its pages with st.navigation.

    AppTest resets `PagesManager.uses_pages_directory` before every run, and since this
    repository has a pages/ folder it is then set again: every run would start in
    Streamlit's legacy folder mode, and mlp_ui.shell.through_app() would rerun it, which
    drops an `if st.button(...)` click. A real server sets the flag once per process
    (tests/e2e/test_deep_link_e2e.py covers that first run). This restores the server's
    behaviour after its first run.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        PagesManager.uses_pages_directory = False


@pytest.fixture(scope="module", autouse=True)
def declared_pages():
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(app_test_module, "PagesManager", _DeclaredPagesOnly)
        yield
    PagesManager.uses_pages_directory = None


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
    on_disk = {f"pages/{p.name}" for p in (APP.parent / "pages").glob("*.py")}
    assert on_disk == set(PAGES)
