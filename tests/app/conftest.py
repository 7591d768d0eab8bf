"""Fixtures of every AppTest module: the offline MNIST sample, and pages as the app
declares them."""

from __future__ import annotations

import pytest
import streamlit.testing.v1.app_test as app_test_module
from streamlit.runtime.pages_manager import PagesManager

from mlp_ui import data as ui_data


@pytest.fixture(scope="module", autouse=True)
def offline_sample(tmp_path_factory):
    """The app on the 5,000-digit sample: no MNIST_DIR, an empty cache, fresh data caches,
    and its own empty SQLite database for the students' work."""
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("MNIST_DIR", raising=False)
        mp.delenv("MLP_LAB_DATABASE_URL", raising=False)
        mp.setenv("MLP_LAB_DATA", str(tmp_path_factory.mktemp("lab_data")))
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
