"""The Libraries page in AppTest, on the offline 5,000-digit sample with small runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from mlp_compare import conversions as cv
from mlp_compare import runs
from mlp_core.history import Status
from mlp_ui import libraries_view as lv
from mlp_ui import state

APP = Path(__file__).resolve().parents[2] / "app.py"
PAGE = "views/libraries.py"
SMALL = {"epochs": "2", "n": "1000", "hidden": "30"}
LIBRARIES = ["mlp_core", "scikit-learn", *(["PyTorch"] if cv.torch_available() else [])]


def _ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def _open(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params = dict(query or {})
    at.run()
    at.switch_page(PAGE)
    return _ok(at.run())


def _texts(elements) -> str:
    return " | ".join(str(e.value) for e in elements)


def _comparison(at: AppTest):
    return at.session_state[state.COMPARISON_KEY]


def test_the_page_shows_settings_code_and_the_proof():
    at = _open()
    text = _texts(at.markdown)
    assert "from the Train page: 784-100-10 relu" in text  # app.py opens Train first
    assert "after one step the largest difference is" in text
    codes = at.code
    assert len(codes) == 4 and all(c.language == "python" for c in codes)
    assert "MLPClassifier(" in codes[0].value and "nn.Sequential(" in codes[1].value
    assert "keras.Sequential" in codes[2].value and "TrainConfig(" in codes[3].value
    proof = at.dataframe[0].value
    assert list(proof["library"]) == LIBRARIES[1:] and set(proof["same network"]) == {"yes"}
    assert "alpha = L2 × batch" in text
    assert at.button(key="lib_stop").disabled and not at.button(key="lib_start").disabled


def test_it_starts_from_the_train_pages_settings():
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params = dict(SMALL)
    _ok(at.run())  # the app opens on the Train page, which keeps its settings in the session
    at.query_params.clear()  # the menu opens a page without its address's parameters
    at.switch_page(PAGE)
    _ok(at.run())
    text = _texts(at.markdown)
    assert "from the Train page: 784-30-10 relu" in text and "2 epochs" in text
    assert "hidden_layer_sizes=(30,)" in at.code[0].value


def test_a_run_trains_every_library_and_fills_the_table():
    at = _open(SMALL)
    _ok(at.button(key="lib_start").click().run())
    found = _comparison(at)
    assert found.status is Status.DONE and list(found.runs) == LIBRARIES
    curves = json.loads(at.get("plotly_chart")[0].proto.spec)["data"]
    assert len(curves) == 3 * len(LIBRARIES) and all(t["x"] == [1, 2] for t in curves)
    table = next(d.value for d in at.dataframe if "epochs" in d.value.columns)  # not a chart's
    assert list(table["library"]) == LIBRARIES and list(table["epochs"]) == [2] * len(LIBRARIES)
    # never trained on; the public half only (the private half is a class board's)
    column = "test accuracy (502 offline-sample test digits (the public half))"
    assert all(str(v).endswith("%") for v in table[column])
    assert "Done." in _texts(at.markdown)


@pytest.fixture
def sliced(monkeypatch):
    """One short slice per script run, scikit-learn one minibatch per call."""
    monkeypatch.setattr(lv, "PACE", lv.Pace(seconds=0.01, max_slices=1))
    monkeypatch.setattr(runs, "CHUNK_SECONDS", 0.0)


def test_stop_and_a_page_switch_keep_the_runs(sliced):
    at = _ok(_open({"epochs": "5"}).button(key="lib_start").click().run())
    found = _comparison(at)
    assert found.status is Status.RUNNING and not at.button(key="lib_stop").disabled
    _ok(at.button(key="lib_stop").click().run())
    assert found.status is Status.STOPPED and "Stopped." in _texts(at.markdown)
    progress = [r.history.epochs[:] for r in found.runs.values()]
    _ok(at.run())  # stopped means stopped
    assert [r.history.epochs for r in found.runs.values()] == progress
    _ok(at.button(key="lib_start").click().run())  # a new comparison replaces it
    again = _comparison(at)
    assert again is not found and again.status is Status.RUNNING
    at.switch_page("views/draw.py")
    _ok(at.run())
    assert again.status is Status.STOPPED  # leaving the page pauses the runs
    at.switch_page(PAGE)
    _ok(at.run())
    assert _comparison(at) is again and "Stopped." in _texts(at.markdown)


def test_settings_that_cannot_train_say_why():
    at = _open({"batch": "1000", "n": "500"})
    assert "from this page's address" in _texts(at.markdown)
    assert "batch size (1000) is larger than the 500 training digits" in _texts(at.error)
    assert at.button(key="lib_start").disabled and not at.code


def test_without_pytorch_the_page_says_how_to_add_it(monkeypatch):
    monkeypatch.setattr(cv, "torch_available", lambda: False)
    at = _open(SMALL)
    assert "pip install torch==2.13.0" in _texts(at.info)
    assert at.multiselect(key="lib_pick").options == ["scikit-learn"]
    assert list(at.dataframe[0].value["library"]) == ["scikit-learn"]  # the proof
    _ok(at.button(key="lib_start").click().run())
    assert list(_comparison(at).runs) == ["mlp_core", "scikit-learn"]


def test_a_run_that_blows_up_says_which_library_and_why():
    at = _open({"lr": "10", "epochs": "2", "n": "1000"})
    _ok(at.button(key="lib_start").click().run())
    found = _comparison(at)
    assert found.status is Status.DONE
    status = _texts(at.markdown)
    diverged = [n for n, r in found.runs.items() if r.history.status is Status.DIVERGED]
    assert "mlp_core" in diverged and "Training diverged at epoch" in status
    for name in diverged[1:]:
        assert f"{name} diverged at epoch" in status
