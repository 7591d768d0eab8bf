"""The sidebar's data status and its 'Fetch full MNIST' button, offline and online (AppTest)."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from mlp_core.mnist import FILES
from mlp_ui import data as ui_data

APP = Path(__file__).resolve().parents[2] / "app.py"
REAL_URLOPEN = urllib.request.urlopen


@pytest.fixture
def private_cache(tmp_path, monkeypatch):
    """An empty cache of this test's own; the shared data caches are rebuilt around it."""
    monkeypatch.setenv("MLP_LAB_CACHE", str(tmp_path / "cache"))
    ui_data.mnist.clear()
    ui_data.dataset.clear()
    yield tmp_path / "cache"
    ui_data.mnist.clear()
    ui_data.dataset.clear()


def _captions(at: AppTest) -> str:
    return " ".join(c.value for c in at.sidebar.caption)


def _fetch_button(at: AppTest):
    return next(b for b in at.sidebar.button if b.label.startswith("Fetch full MNIST"))


def test_no_network_gives_a_clear_message_and_keeps_the_sample(private_cache, monkeypatch):
    def no_network(*args, **kwargs):
        raise urllib.error.URLError("Temporary failure in name resolution")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert "Offline sample" in _captions(at)
    _fetch_button(at).click().run()
    assert not at.exception
    errors = " ".join(e.value for e in at.sidebar.error)
    assert "Could not fetch MNIST: there is no network connection" in errors
    assert "offline sample" in errors and "[Errno" not in errors  # no raw errno text
    assert "train-images-idx3-ubyte.gz" in _captions(at) and "MNIST_DIR" in _captions(at)
    assert not private_cache.exists()  # a failed fetch leaves no empty cache folder
    assert "Offline sample" in _captions(at)
    assert at.title[0].value == "Train a network"  # the page itself is untouched


@pytest.mark.mnist
def test_fetching_from_a_mirror_switches_every_page_to_full_mnist(
    private_cache, monkeypatch, mnist_dir
):
    served: list[str] = []

    def mirror(request, timeout=None):  # any mirror answers with the local genuine files
        name = request.full_url.rsplit("/", 1)[1]
        served.append(name)
        return REAL_URLOPEN((mnist_dir / name).as_uri(), timeout=timeout)

    monkeypatch.setattr(urllib.request, "urlopen", mirror)
    at = AppTest.from_file(APP, default_timeout=120).run()
    _fetch_button(at).click().run()
    assert not at.exception
    assert sorted(served) == sorted(FILES.values())
    assert "60,000 training and 10,000 test digits" in _captions(at)
    assert not [b for b in at.sidebar.button if b.label.startswith("Fetch full MNIST")]


def test_a_bad_mnist_dir_is_named_in_the_sidebar_and_the_app_runs_on(
    private_cache, monkeypatch, tmp_path
):
    bad = tmp_path / "bad"
    bad.mkdir()
    for name in FILES.values():
        (bad / name).write_bytes(b"\x1f\x8b\x08\x00 truncated")
    monkeypatch.setenv("MNIST_DIR", str(bad))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    errors = " ".join(e.value for e in at.sidebar.error)
    assert errors.startswith("The folder named by MNIST_DIR is not used: cannot load MNIST")
    assert str(bad) in errors
    assert "Offline sample" in _captions(at)
    assert at.title[0].value == "Train a network"


def test_projector_mode_keeps_the_sidebar_short():
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["projector"] = "1"
    at.run()
    assert not at.exception
    captions = _captions(at)
    assert "Data:" in captions and "digits" in captions
    assert "Current model" not in " ".join(m.value for m in at.sidebar.markdown)
    assert len(at.sidebar.caption) <= 2  # one line for the data, one for the model


def test_the_pretrained_default_is_scored_on_the_public_half():
    """Its file says 98.16 % on all 10,000 test digits: a page shows its own score, on the
    public half only (a class board's private half is never scored on a page)."""
    saved = ui_data.default_model()
    if saved is None:
        pytest.skip("assets/default_model.npz is missing")
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    acc, on = ui_data.default_model_score()
    assert on.endswith("test digits (the public half)"), on
    assert f"test accuracy {acc:.2%} on {on}" in _captions(at)
    assert saved.metadata["test_on"] not in _captions(at).replace(on, "")
