"""Fixtures of every AppTest module: the offline MNIST sample."""

from __future__ import annotations

import pytest

from mlp_ui import data as ui_data


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
