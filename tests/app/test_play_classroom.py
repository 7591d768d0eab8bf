"""Classroom controls of the Decision boundary, Playground and Libraries pages in AppTest:
every "Try this" button sets the page's widgets (and starts what it says), projector
mode opens from the URL, and the numbers the Try-this texts give are what the code does.

Accuracies are fractions of 200 (moons) or 250 (playground test) points: a reproduced
run agrees exactly on the same code path; from the tutorial's independent loop they agree
to pytest.approx's default 1e-6 relative (float64 sums in another order).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from mlp_compare import conversions as cv
from mlp_core import playground as core
from mlp_core.history import Status
from mlp_core.playground_config import PlaygroundConfig
from mlp_ui import classroom, playground_state, playground_table, state
from tests.app.test_toy_pages import tutorial_moons

APP = Path(__file__).resolve().parents[2] / "app.py"
BIG_TICKS = classroom.SCREENS[True].text
SMALL_LIBRARY_RUN = {"epochs": "2", "n": "1000", "hidden": "30"}


def _open(page: str, query: dict | None = None, **state) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params = dict(query or {})
    for key, value in state.items():
        at.session_state[key] = value
    at.switch_page(page)
    return _ok(at.run())


def _ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def _spec(at: AppTest, index: int) -> dict:
    return json.loads(at.get("plotly_chart")[index].proto.spec)


def _click(at: AppTest, page: str, i: int) -> AppTest:
    _ok(at.button(key=f"try_{page}_{i}").click().run())
    assert "Look for:" in " ".join(str(e.value) for e in at.info)
    return at


# --- decision boundary --------------------------------------------------------------------

MOONS = "views/decision_boundary.py"


def test_moons_title_gives_the_accuracy_at_the_pass_shown():
    at = _open(MOONS, toy_moons_passes=1000)
    spec = _spec(at, 0)
    frames = spec["frames"]
    assert spec["layout"]["title"]["text"] == frames[0]["layout"]["title"]["text"]  # unplayed
    for frame in (frames[3], frames[len(frames) // 2]):
        title = frame["layout"]["title"]["text"]
        found = re.fullmatch(r"3 hidden, pass ([\d,]+): ([\d.]+)% right, loss ([\d.]+)", title)
        assert found, title
        passes = int(found[1].replace(",", ""))
        accuracy, loss = tutorial_moons(3, passes)  # the tutorial's own loop, independent
        assert float(found[2]) == pytest.approx(100 * accuracy)
        assert float(found[3]) == pytest.approx(loss, abs=5e-4)  # printed to 3 decimals
    accuracies = {f["layout"]["title"]["text"].split(": ")[1] for f in frames}
    assert len(accuracies) > 3  # it changes as the animation plays


def test_moons_try_this_sets_the_widgets_and_the_titles_follow():
    at = _open(MOONS, toy_moons_passes=1000)
    expected = {
        0: (1, 1, 0.01, "1 hidden", "86.0%"),
        1: (2, 2, 0.01, "2 hidden", "90.0%"),
        2: (50, 50, 0.0, "50 hidden", "100.0%"),
    }
    for i, (hidden, pill, reg, name, right) in expected.items():
        _click(at, "moons", i)
        assert at.slider(key="toy_moons_hidden").value == hidden
        assert at.button_group(key="toy_moons_pill").value == pill
        assert at.select_slider(key="toy_moons_reg").value == reg
        assert at.select_slider(key="toy_moons_passes").value == 20000  # the tutorial's
        last = _spec(at, 0)["frames"][-1]["layout"]["title"]["text"]  # where Play ends
        assert last.startswith(f"{name}, pass 20,000: {right}")


def test_moons_projector_from_the_url():
    at = _open(MOONS, {"projector": "1"}, toy_moons_passes=500)
    assert at.toggle(key="projector_switch").value
    at.button(key="toy_moons_reveal_button").click().run()  # the seven sizes, after a guess
    boundary, gallery = _spec(at, 0), _spec(at, 2)
    assert boundary["layout"]["xaxis"]["tickfont"]["size"] == BIG_TICKS
    assert boundary["data"][1]["marker"]["size"] > 6  # the points grow too
    axes = [v for k, v in gallery["layout"].items() if k.startswith("xaxis")]
    titled = [a for a in axes if a.get("title", {}).get("text")]
    assert len(titled) == 3  # three panels to a row: x₁ under each column


# --- playground ---------------------------------------------------------------------------

PLAYGROUND = "views/playground.py"


def test_playground_try_this_sets_everything_and_plays():
    at = _open(PLAYGROUND, {"data": "moons", "lr": "0.3"})
    _click(at, "playground", 0)  # XOR, no hidden layer
    pg = at.session_state[playground_state.KEY]
    assert at.pills(key="pg_dataset").value == "xor"
    assert at.session_state[playground_table.key("hidden")] == ()
    assert at.select_slider(key="pg_lr").value == 0.03  # the default again, not the link's
    assert pg.playing and pg.run.config.dataset == "xor" and pg.run.model.sizes == (2, 1)
    assert pg.run.epoch >= 1  # it trained while the page drew
    assert at.query_params["data"] == "xor" and at.query_params["layers"] == "0"
    _click(at, "playground", 1)  # spiral, three layers of 8
    assert at.session_state[playground_state.KEY].run.model.sizes == (2, 8, 8, 8, 1)
    _click(at, "playground", 2)  # learning rate 10 on the circle
    assert at.session_state[playground_state.KEY].run.config.lr == 10.0


def _trained(epochs: int, **settings) -> core.PlaygroundRun:
    config = PlaygroundConfig(**settings)
    run = core.PlaygroundRun(config, core.make_points(config.dataset, 500, 0, 1))
    run.train(epochs)
    return run


def test_playground_try_this_numbers():
    """What the three texts say, with the settings the buttons set (seed 1)."""
    xor = _trained(500, dataset="xor", hidden=())
    assert xor.curves.test_loss[-1] == pytest.approx(0.693, abs=0.005)  # ln 2
    assert 0.4 <= xor.accuracy() <= 0.6
    assert _trained(50, dataset="xor").accuracy() >= 0.85  # one hidden layer solves it
    assert _trained(1000, dataset="spiral", hidden=(8, 8, 8)).accuracy() >= 0.88
    assert _trained(1000, dataset="spiral", hidden=(8,)).accuracy() <= 0.75
    wild = _trained(100, lr=10.0)
    assert wild.curves.test_loss[-1] > wild.curves.test_loss[5] and wild.accuracy() < 0.7
    assert _trained(50).accuracy() >= 0.99  # learning rate 0.03 learns the circle


def test_playground_projector_from_the_url():
    at = _open(PLAYGROUND, {"projector": "1"})
    assert at.toggle(key="projector_switch").value
    assert [e.label for e in at.expander if "Data" in e.label]  # the data panel is folded
    (component,) = [  # the Playground's (the identity cookie's is one too)
        c for c in at.get("bidi_component") if c.proto.component_name.endswith("mlp_lab_playground")
    ]  # the browser draws it large (bigger fonts)
    assert json.loads(component.proto.json)["big"] is True
    assert at.query_params["projector"] == "1"


# --- libraries ----------------------------------------------------------------------------

LIBRARIES = "views/libraries.py"
OTHER = "PyTorch" if cv.torch_available() else "scikit-learn"


def _comparison(at: AppTest):
    return at.session_state[state.COMPARISON_KEY]


def test_libraries_try_this_picks_and_starts():
    at = _open(LIBRARIES, SMALL_LIBRARY_RUN)
    _click(at, "libraries", 0)
    assert at.multiselect(key="lib_pick").value == [OTHER]
    assert list(_comparison(at).runs) == ["mlp_core", OTHER]
    assert _comparison(at).config.epochs == 2  # the page's settings, from its URL


def test_libraries_too_big_a_step_blows_up_every_library_then_goes_back():
    at = _open(LIBRARIES, SMALL_LIBRARY_RUN)
    _click(at, "libraries", 2)
    found = _comparison(at)
    assert at.query_params["lr"] == "10" and found.config.lr == 10
    assert found.status is Status.DONE
    runs = found.runs
    assert runs["mlp_core"].history.status is Status.DIVERGED  # its guard stops it, and says why
    assert "Training diverged at epoch" in " ".join(str(m.value) for m in at.markdown)
    for name in [n for n in runs if n != "mlp_core"]:  # no guard: they run on, at chance
        assert runs[name].history.status is Status.DONE
        assert runs[name].history.epochs[-1].valid_acc <= 0.2
    _click(at, "libraries", 0)
    assert "lr" not in at.query_params and _comparison(at).config.lr != 10


def test_libraries_projector_from_the_url():
    at = _open(LIBRARIES, {"projector": "1", **SMALL_LIBRARY_RUN})
    assert at.toggle(key="projector_switch").value
    assert _spec(at, 0)["layout"]["xaxis"]["tickfont"]["size"] == BIG_TICKS
