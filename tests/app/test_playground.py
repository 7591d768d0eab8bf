"""The Playground page in AppTest: every data set, layers added and removed, playing,
stepping, resetting, links in and out, and the session's playground across pages.

AppTest cannot wait for a fragment's timer: each `run()` runs the whole script, and the
live fragment inside it trains one slice while the playground plays, as one frame of
the real page does. What the page shows is read from what it hands the browser
component (the epoch, losses, weights): the component draws from exactly that.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from mlp_core.playground_config import DATASETS
from mlp_ui import playground_live, playground_state

APP = Path(__file__).resolve().parents[2] / "app.py"

PAGE = "views/playground.py"


def _open(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params = dict(query or {})
    at.switch_page(PAGE)
    return _ok(at.run())


def _ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def _shown(at: AppTest) -> dict:
    """What the page gave the browser component in its last run."""
    (component,) = [  # the Playground's (the identity cookie's is one too)
        c for c in at.get("bidi_component") if c.proto.component_name.endswith("mlp_lab_playground")
    ]
    return json.loads(component.proto.json)


def _epoch(at: AppTest) -> int:
    return _shown(at)["epoch"]


def _playground(at: AppTest):
    return at.session_state[playground_state.KEY]


def test_opens_at_epoch_zero_with_every_picture():
    at = _open()
    assert at.title[0].value == "Playground"
    assert _epoch(at) == 0
    shown = _shown(at)
    assert [len(W) for W in shown["net"]["W"]] == [2, 4, 2]  # every weight, for the pictures
    assert len(shown["data"]["train"]) == 250 and len(shown["data"]["test"]) == 250
    assert shown["curves"][0]["name"] == "now" and shown["selected"] == [1, 0]
    assert not at.image and not at.get("plotly_chart")  # the browser draws every picture


@pytest.mark.parametrize("name", DATASETS)
def test_every_data_set_trains_a_step(name):
    at = _open()
    _ok(at.pills(key="pg_dataset").set_value(name).run())
    _ok(at.button(key="pg_step").click().run())
    assert _epoch(at) == 1
    assert _playground(at).run.config.dataset == name
    assert at.query_params.get("data", "circles") == name  # the default is left out
    shown = _shown(at)
    assert (shown["accuracy"] is None) == (name == "wave")
    assert shown["classes"] == {"wave": 0, "spiral3": 3, "blobs3": 3}.get(
        name, 4 if name.endswith("4") else 2
    )


def test_layers_are_added_and_removed_with_the_buttons():
    at = _open()
    _ok(at.button(key="pg_add_layer").click().run())
    assert _playground(at).run.model.sizes == (2, 4, 2, 2, 1)
    assert at.query_params["layers"] == "4,2,2"
    _ok(at.button(key="pg_more_2").click().run())
    _ok(at.button(key="pg_fewer_0").click().run())
    assert _playground(at).run.model.sizes == (2, 3, 2, 3, 1)
    for _ in range(3):
        _ok(at.button(key="pg_remove_layer").click().run())
    assert _playground(at).run.model.sizes == (2, 1)
    assert at.query_params["layers"] == "0"
    assert at.button(key="pg_remove_layer").disabled
    _ok(at.button(key="pg_step").click().run())  # no hidden layer trains too
    assert _epoch(at) == 1


def test_play_trains_on_every_redraw_until_paused():
    at = _open({"data": "xor"})
    _ok(at.button(key="pg_play").click().run())
    first = _epoch(at)
    assert first >= 1
    _ok(at.run())
    playing = _epoch(at)
    assert playing > first
    assert _playground(at).playing and at.button(key="pg_pause")
    _ok(at.button(key="pg_pause").click().run())
    paused = _epoch(at)
    _ok(at.run())
    assert _epoch(at) == paused >= playing
    assert len(_playground(at).run.curves.epoch) == paused + 1


def test_step_then_reset_goes_back_to_the_same_start():
    at = _open({"data": "spiral", "layers": "8,8,8"})
    start = [W.copy() for W in _playground(at).run.model.W]
    for _ in range(3):
        _ok(at.button(key="pg_step").click().run())
    assert _epoch(at) == 3
    _ok(at.button(key="pg_reset").click().run())
    assert _epoch(at) == 0
    for W, W0 in zip(_playground(at).run.model.W, start, strict=True):
        assert (W == W0).all()  # the seed decides the starting weights


def test_a_teachers_link_sets_up_the_experiment():
    at = _open({"data": "spiral", "layers": "8,8,8", "act": "relu", "noise": "20", "lr": "0.01"})
    config = _playground(at).run.config
    assert (config.dataset, config.hidden, config.activation, config.noise, config.lr) == (
        "spiral",
        (8, 8, 8),
        "relu",
        20,
        0.01,
    )
    assert at.pills(key="pg_dataset").value == "spiral"
    assert at.slider(key="pg_noise").value == 20


def test_a_bad_link_value_is_reported_with_the_value_used():
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params = {"data": "spiral", "noise": "80", "layers": "9,9"}
    _ = at.switch_page(PAGE).run()
    assert not at.exception
    text = " ".join(w.value for w in at.warning)
    assert "noise=80: noise in percent must be a whole number from 0 to 50; using 0" in text
    assert "layers=9,9: " in text and "each a whole number from 1 to 8; using 4,2" in text
    assert _playground(at).run.config.dataset == "spiral"  # the good value is kept
    _ok(at.slider(key="pg_noise").set_value(10).run())
    assert not at.warning  # gone once the settings change


def test_training_settings_apply_without_a_new_network():
    at = _open()
    _ok(at.button(key="pg_step").click().run())
    run = _playground(at).run
    _ok(at.select_slider(key="pg_lr").set_value(0.3).run())
    _ok(at.selectbox(key="pg_regularizer").set_value("l1").run())
    assert _playground(at).run is run and run.config.lr == 0.3 and run.config.l1 == 0.0
    _ok(at.select_slider(key="pg_reg_rate").set_value(0.001).run())
    assert run.config.l1 == 0.001 and _epoch(at) == 1
    _ok(at.selectbox(key="pg_activation").set_value("sigmoid").run())
    assert _playground(at).run is not run and _epoch(at) == 0  # a new network


def test_snapshot_keeps_a_run_to_compare():
    at = _open()
    for _ in range(2):
        _ok(at.button(key="pg_step").click().run())
    _ok(at.button(key="pg_snapshot").click().run())
    assert [s.epoch for s in _playground(at).snapshots] == [2]
    assert at.dataframe, "the snapshots table"
    _ok(at.button(key="pg_forget").click().run())
    assert _playground(at).snapshots == []


def test_the_playground_survives_a_page_switch_and_pauses_there():
    at = _open({"data": "xor"})
    _ok(at.button(key="pg_play").click().run())
    _ok(at.run())
    epoch = _epoch(at)
    _ok(at.switch_page("views/learning_rate.py").run())
    assert not _playground(at).playing
    _ok(at.switch_page(PAGE).run())
    assert _epoch(at) == epoch  # paused while away, nothing lost
    assert at.pills(key="pg_dataset").value == "xor"  # the settings came back too
    assert at.button(key="pg_play")


def test_an_empty_feature_set_is_refused_and_loses_nothing():
    at = _open()
    _ok(at.button(key="pg_step").click().run())
    at.pills(key="pg_features").set_value([]).run()
    assert not at.exception
    assert "input features" in at.error[0].value
    assert _epoch(at) == 1  # the network is still there


def test_what_a_neuron_sees_follows_the_picker_and_frames_the_unit():
    at = _open({"layers": "3,2"})
    picker = at.selectbox(key="pg_unit_(1, 0)")
    _ok(picker.set_value((2, 1)).run())
    assert _playground(at).selected == (2, 1)
    shown = _shown(at)
    assert shown["selected"] == [2, 1]  # framed in the picture, its formula shown
    W = shown["net"]["W"][1]  # its weights come from layer 1's three neurons
    assert len(W) == 3 and len(W[0]) == 2
    assert at.selectbox(key="pg_unit_(2, 1)").value == (2, 1)


def test_a_diverging_step_is_undone_and_explained():
    at = _open({"data": "xor", "lr": "10", "act": "linear", "layers": "8,8"})
    at.button(key="pg_step").click().run()
    assert not at.exception
    assert "lower the learning rate (now 10)" in at.error[0].value
    assert _epoch(at) == 0 and _playground(at).run.model.is_finite()
    _ok(at.select_slider(key="pg_lr").set_value(0.01).run())  # the message goes with a change
    _ok(at.button(key="pg_step").click().run())
    assert _epoch(at) == 1


def test_regenerate_draws_new_points_with_the_next_seed():
    at = _open({"data": "blobs"})
    before = _playground(at).run.X_train.copy()
    _ok(at.button(key="pg_regenerate").click().run())
    assert at.number_input(key="pg_seed").value == 2 and at.query_params["seed"] == "2"
    assert not (_playground(at).run.X_train == before).all()


POINTS = "-3,2,0;-2,3,0;2,-2,1;3,-3,1;0,4,2"


def test_own_points_from_a_link_train_and_come_back_from_a_snapshot():
    at = _open({"data": "own", "pts": POINTS})
    pg = _playground(at)
    assert len(pg.own) == 5 and pg.run.classes == 3 and pg.run.model.sizes[-1] == 3
    assert _shown(at)["edit"]  # clicks on the plane add points
    _ok(at.button(key="pg_step").click().run())
    _ok(at.button(key="pg_snapshot").click().run())
    pg.set_own([])
    _ok(at.run())
    assert pg.run is None and _shown(at)["net"] is None  # the plane alone, to click on
    _ok(at.button(key="pg_use_points").click().run())
    assert len(pg.own) == 5 and pg.run is not None and pg.run.epoch == 0
    assert at.query_params["pts"] == POINTS  # few points: back in the link


def test_a_bad_point_in_a_link_is_named_and_the_starter_points_used():
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params = {"data": "own", "pts": "1,2,0;1,2,9"}
    _ = at.switch_page(PAGE).run()
    assert not at.exception
    text = " ".join(w.value for w in at.warning)
    assert "pts= in the link: line 2: label 9 must be 0, 1, 2 or 3" in text
    assert len(_playground(at).own) == 8  # the starter points


def test_play_stops_by_itself_after_the_epochs_asked_for():
    at = _open({"data": "xor"})
    _ok(at.number_input(key="pg_stop_epochs").set_value(3).run())
    _ok(at.button(key="pg_play").click().run())
    for _ in range(5):
        if not _playground(at).playing:
            break
        _ok(at.run())
    assert not _playground(at).playing and _epoch(at) == 3
    assert "Stopped after 3 epochs" in " ".join(i.value for i in at.info)


def test_without_the_live_channel_the_page_hands_no_ticket_and_its_timer_trains():
    """`streamlit run app.py` and AppTest: no route, so no ticket; the fragment trains."""
    at = _open({"data": "xor"})
    assert _shown(at)["live"] is None
    _ok(at.button(key="pg_play").click().run())
    assert _shown(at)["live"] is None and _epoch(at) >= 1


def test_served_with_the_live_channel_the_page_hands_a_ticket_and_the_socket_trains(
    monkeypatch,
):
    """serve.py: the page's runs hand the component a ticket for this session's
    playground and leave the training to the socket's frames; a browser that cannot open
    the socket gets the fragment's timer back."""
    monkeypatch.setattr(playground_live, "_served", True)
    at = _open({"data": "xor"})
    channel = _shown(at)["live"]
    assert channel["path"] == "/api/playground/frames" and channel["ticket"]
    _ok(at.button(key="pg_play").click().run())
    assert _epoch(at) == 0, "the page run does not train: the socket does"
    ticket = _shown(at)["live"]["ticket"]
    assert ticket != channel["ticket"]
    pg = playground_live.TICKETS.redeem(ticket, time.monotonic())
    assert pg is _playground(at) and pg.playing
    frame = playground_live.decode(playground_live.train_frame(pg))
    _ok(at.run())
    assert _epoch(at) == frame["epoch"] >= 1
    pg.no_live = True  # the component reported that the socket could not open
    _ok(at.run())
    assert _shown(at)["live"] is None and _epoch(at) > frame["epoch"]
