"""The Learning rate and Backprop pages in class: projector mode from a teacher's link,
and the "Try this" buttons set each page up as they say (AppTest)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from mlp_ui import backprop_toy as bp
from mlp_ui import lr_toy as lrt

APP = Path(__file__).resolve().parents[2] / "app.py"


def _page(path: str, projector: bool = False) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    if projector:
        at.query_params["projector"] = "1"
    at.switch_page(path).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _spec(at: AppTest, index: int) -> dict:
    return json.loads(at.get("plotly_chart")[index].proto.spec)


def _titles(at: AppTest) -> list[str]:
    return [a["text"] for a in _spec(at, 0)["layout"]["annotations"]]


def _try(at: AppTest, page: str, i: int) -> AppTest:
    at.button(key=f"try_{page}_{i}").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


# --- projector mode from the URL ------------------------------------------------------


def test_learning_rate_projector_from_url():
    normal, big = _page("views/learning_rate.py"), _page("views/learning_rate.py", True)
    assert (
        big.toggle(key="projector_switch").value and not normal.toggle(key="projector_switch").value
    )
    n, b = _spec(normal, 0)["layout"], _spec(big, 0)["layout"]
    assert b["xaxis"]["tickfont"]["size"] >= 18 > n["xaxis"]["tickfont"]["size"]
    assert b["updatemenus"][0]["font"]["size"] > n["updatemenus"][0]["font"]["size"] >= 24
    assert big.query_params["projector"] in ("1", ["1"])  # kept in the address


def test_backprop_projector_from_url():
    normal, big = _page("views/backprop.py"), _page("views/backprop.py", True)
    assert big.toggle(key="projector_switch").value
    sizes = {
        mode: {a["font"]["size"] for a in _spec(at, 0)["layout"]["annotations"]}
        for mode, at in (("normal", normal), ("big", big))
    }
    assert min(sizes["big"]) >= 18 and max(sizes["normal"]) < min(sizes["big"])
    loss = _spec(big, 1)["layout"]
    assert loss["yaxis"]["tickfont"]["size"] >= 18


# --- Try this: learning rate ----------------------------------------------------------


@pytest.mark.parametrize(
    ("i", "title", "view"),
    [(0, "lr = 0.01", "w"), (1, "lr = 0.1", "bowl"), (2, "lr = 1", "w")],
)
def test_learning_rate_try_this_sets_the_rate_and_plays(i, title, view):
    at = _page("views/learning_rate.py")
    assert _titles(at) == ["lr = 0.01", "lr = 0.1", "lr = 1"]  # the story, three panels
    _try(at, "lr", i)
    assert _titles(at) == [title]  # one large panel for the experiment
    assert (
        at.session_state[lrt.VIEW_KEY] == view
        and at.segmented_control(key=lrt.VIEW_KEY).value == view
    )
    assert not at.session_state[lrt.EXACT_KEY]
    assert "Look for:" in at.info[0].value and lrt.EXPERIMENTS[i].why not in at.info[0].value
    meta = _spec(at, 0)["layout"]["meta"]
    played = [h for h in at.get("html") if "updatemenus" in h.proto.body]  # the Play press
    assert len(played) == 1 and json.dumps(meta) in played[0].proto.body  # Play, once drawn
    at.button(key="try_lr_why").click().run()  # the why comes once the student has watched
    assert lrt.EXPERIMENTS[i].why in at.info[0].value
    assert not [h for h in at.get("html") if "updatemenus" in h.proto.body]  # only once


def test_learning_rate_heading_has_no_nested_brackets():
    at = _page("views/learning_rate.py")
    headings = [h.value for h in at.header]
    assert "Where each rate ends after 1000 epochs" in headings
    assert all(h.count("(") <= 1 for h in headings)


# --- Try this: backprop ---------------------------------------------------------------


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_backprop_try_one_step_by_hand():
    at = _page("views/backprop.py")
    at.session_state[bp.BP_EPOCH_KEY] = 40  # wherever the class was
    _try(at, "backprop", 0)
    assert _metric(at, "Epochs done") == "1 / 100"
    assert float(_metric(at, "Loss (ŷ − 0)²")) == pytest.approx(0.3121, abs=1e-4)
    assert not at.session_state[bp.BP_RUNNING_KEY]
    assert "Look for:" in at.info[0].value


@pytest.mark.parametrize(("i", "lr"), [(1, 0.01), (2, 0.1)])
def test_backprop_try_run_all_starts_the_animation(i, lr):
    at = _page("views/backprop.py")
    _try(at, "backprop", i)
    assert at.session_state[bp.BP_RUNNING_KEY] and at.session_state[bp.BP_LR_KEY] == lr
    assert at.selectbox(key=bp.BP_LR_KEY).value == lr
    assert at.button(key="toy_bp_all").label == "Stop" and _metric(at, "Epochs done") == "2 / 100"
    assert "Final loss" not in [m.label for m in at.metric]  # no spoiler while it runs
    at.button(key="toy_bp_all").click().run()  # the same button, now Stop
    assert not at.session_state[bp.BP_RUNNING_KEY] and _metric(at, "Epochs done") == "2 / 100"


def test_backprop_bigger_rate_reaches_the_target_sooner():
    at = _page("views/backprop.py")
    _try(at, "backprop", 2)
    at.session_state[bp.BP_EPOCH_KEY] = 99  # the timer's last tick follows
    at.run()
    assert _metric(at, "Epochs done") == "100 / 100"
    assert abs(float(_metric(at, "Final prediction for (1, 1)"))) < 1e-4
    assert "book" not in at.dataframe[-1].value.columns  # the book's weights are for 0.01


def test_learning_rate_with_no_rate_picked_shows_the_books_three():
    at = _page("views/learning_rate.py")
    at.button_group(key=lrt.SHOW_KEY).set_value([]).run()
    assert not at.exception
    assert _titles(at) == ["lr = 0.01", "lr = 0.1", "lr = 1"]
    assert any("No rate picked" in c.value for c in at.caption)
