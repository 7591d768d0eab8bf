"""The Train page in a classroom, in AppTest on the offline sample (3,500 training digits):
curves that grow within an epoch, the network diagram, "Try this", projector mode, and
settings that fit the loaded data."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from streamlit.testing.v1 import AppTest

from mlp_core.history import Status
from mlp_core.training import Trainer
from mlp_ui import state, train_live

APP = Path(__file__).resolve().parents[2] / "app.py"
SMALL = {"epochs": "2", "n": "1000"}  # 10 minibatches of 100 per epoch


def _open(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params = dict(query or {})
    return _ok(at.run())


def _ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def _figure(at: AppTest, i: int) -> dict:
    """The i-th plotly chart's figure (0: the curves, 1: the network diagram)."""
    return json.loads(at.get("plotly_chart")[i].proto.spec)


def _texts(elements) -> str:
    return " | ".join(e.value for e in elements)


def _runs(at: AppTest) -> list:
    return list(at.session_state[state.RUNS_KEY].values())


def test_a_slice_of_an_epoch_draws_a_point_at_a_fractional_epoch(monkeypatch):
    """Three minibatches per script run (AppTest cannot look while a script runs)."""
    monkeypatch.setattr(train_live, "PACE", train_live.Pace(seconds=60.0, batches=3, max_slices=1))
    at = _ok(_open(SMALL).button(key="train_start").click().run())
    loss = _figure(at, 0)["data"][0]
    assert loss["x"] == pytest.approx([0.1, 0.2, 0.3])  # no epoch has ended yet
    assert len(loss["y"]) == 3 and all(y > 0 for y in loss["y"])
    (run,) = _runs(at)
    assert run.history.status is Status.RUNNING and run.history.epochs == []
    at = _ok(at.run())  # the next slice: the curve grows
    assert _figure(at, 0)["data"][0]["x"] == pytest.approx([k / 10 for k in range(1, 7)])


def test_the_curves_figure_is_kept_across_script_runs_and_shows_what_a_new_one_would(
    monkeypatch,
):
    """A page load, a run's end or a click updates the session's curves figure in place
    instead of building a new one; what the chart shows is still the figure built anew
    from the same spec, as the curves grow and when projector mode changes its layout."""
    import plotly.graph_objects as go

    monkeypatch.setattr(train_live, "PACE", train_live.Pace(seconds=60.0, batches=3, max_slices=1))
    at = _ok(_open(SMALL).button(key="train_start").click().run())
    kept = at.session_state["train_live_curves"]
    figure, sizes = kept.figure, []
    for projector in (False, False, True, False):
        at.toggle(key="projector_switch").set_value(projector)
        at = _ok(at.run())  # the next slice of the run, in a new script run
        assert at.session_state["train_live_curves"] is kept
        assert _figure(at, 0) == json.loads(go.Figure(kept.spec).to_json())
        sizes.append(_figure(at, 0)["layout"]["font"]["size"])
    assert sizes[1] < sizes[2] > sizes[3]  # projector mode's larger text, then not
    assert kept.figure is figure  # updated in place, never built again
    assert len(_figure(at, 0)["data"][0]["x"]) == 15


def test_the_redraw_interval_grows_with_the_runs_training():
    pace = train_live.Pace()
    assert pace.interval(0) == pace.interval(1) == pace.interval(2) == pytest.approx(0.3)
    assert pace.interval(10) == pytest.approx(1.5)  # the server: ~7 redraws a second in all
    assert pace.interval(30) == pace.interval(300) == pytest.approx(3.0)
    assert all(pace.interval(n) <= 0.5 for n in (1, 2))  # at least twice a second, alone


def test_in_a_class_slices_stay_short_and_redraws_come_on_the_class_interval(monkeypatch):
    """Thirty runs training: the view is redrawn every 3 s, but each slice (the time Stop
    may have to wait for the run's lock) still lasts at most `Pace.longest`. A fake
    clock advances a second on every reading."""
    clock = iter(range(10**6))
    fake = SimpleNamespace(monotonic=lambda: float(next(clock)))
    monkeypatch.setattr(train_live, "time", fake)  # train_live's clock only
    monkeypatch.setattr(train_live.mlp_fast, "active_runs", lambda: 30)
    monkeypatch.setattr(train_live, "PACE", train_live.Pace(batches=1))
    steps, redraws = [], []
    step, curves = Trainer.step, train_live.draw_curves
    monkeypatch.setattr(Trainer, "step", lambda t, **kw: steps.append(kw) or step(t, **kw))
    monkeypatch.setattr(train_live, "draw_curves", lambda v: redraws.append(1) or curves(v))
    at = _open(SMALL)
    redraws.clear()
    _ok(at.button(key="train_start").click().run())
    (run,) = _runs(at)
    assert run.history.status is Status.DONE and len(steps) == 20  # 20 minibatches, one a slice
    assert {kw["max_seconds"] for kw in steps} == {train_live.PACE.longest}
    # the page's drawing at Start; a redraw after every third slice (3 s on the fake
    # clock) of the 19 that did not finish the run; the finished page's drawing
    assert len(redraws) == 1 + 19 // 3 + 1


def _diagram_notes(at: AppTest) -> list[str]:
    return [a["text"] for a in _figure(at, 1)["layout"]["annotations"]]


def test_the_diagram_follows_the_settings_then_the_run():
    at = _open()
    assert "<b>100</b> ReLU" in _diagram_notes(at)
    assert {"<b>784</b> pixels in", "<b>10</b> softmax out"} <= set(_diagram_notes(at))
    at.number_input(key="train_hidden").set_value(37)
    _ok(at.slider(key="train_layers").set_value(2).run())
    assert _diagram_notes(at).count("<b>37</b> ReLU") == 2
    at.selectbox(key="train_activation").set_value("tanh")
    _ok(at.run())
    assert _diagram_notes(at).count("<b>37</b> tanh") == 2


def test_try_this_sets_the_settings_and_starts_the_run():
    at = _ok(_open({"lr": "0.03", "epochs": "3"}).button(key="try_train_0").click().run())
    assert at.number_input(key="train_hidden").value == 10
    assert at.select_slider(key="train_lr").value == 0.1  # the rest back to the defaults
    (run,) = _runs(at)
    assert run.model.sizes == (784, 10, 10) and run.history.status is Status.DONE
    assert run.config.epochs == 10 and run.config.n_train == 3500
    assert "Look for:" in _texts(at.info) and "7,960 weights and biases" not in _texts(at.info)
    assert at.query_params["hidden"] == "10"  # and the link says so
    _ok(at.button(key="try_train_why").click().run())  # the why once the run has been seen
    assert "7,960 weights and biases" in _texts(at.info)


def test_try_this_huge_learning_rate_diverges_with_a_message():
    at = _ok(_open().button(key="try_train_1").click().run())
    assert at.select_slider(key="train_lr").value == 5.0
    (run,) = _runs(at)
    assert run.history.status is Status.DIVERGED
    assert "diverged" in _texts(at.error) and "learning rate (5)" in _texts(at.error)
    assert "diverged here" in at.get("plotly_chart")[0].proto.spec


def test_projector_mode_from_the_url_survives_the_settings_link():
    at = _open({"projector": "1", "hidden": "50"})
    assert at.toggle(key="projector_switch").value is True
    assert at.query_params["projector"] == "1" and at.query_params["hidden"] == "50"
    curves = _figure(at, 0)["layout"]
    assert curves["xaxis"]["tickfont"]["size"] >= 18  # read from the back of the room
    _ok(at.button(key="train_start").click().run())
    assert at.query_params["projector"] == "1"
    assert len(at.metric) == 4 and _runs(at)[0].history.status is Status.DONE


def test_training_examples_offer_what_the_loaded_data_has():
    at = _open()
    assert at.number_input(key="train_n_train").value == 3500  # the default 55,000 fitted
    assert not at.warning  # the defaults were not asked for in a link: nothing to report
    at = _open({"n": "55000"})
    assert at.number_input(key="train_n_train").value == 3500
    assert "n=55000: this page offers training examples from 10 to 3500; using 3500" in (
        _texts(at.warning)
    )
    _ok(at.button(key="train_book").click().run())  # the book's 55,000, fitted silently
    assert at.number_input(key="train_n_train").value == 3500 and not at.warning


def test_the_default_run_is_not_called_overfitting():
    at = _ok(_open().button(key="train_start").click().run())
    (run,) = _runs(at)
    assert run.history.status is Status.DONE and len(run.history.epochs) == 10
    last = run.history.epochs[-1]
    assert last.train_acc > last.valid_acc  # the usual gap, no more
    assert "Overfitting" not in _texts(at.warning)


def test_a_training_run_is_saved_about_every_0_6_s_of_its_own_training():
    """Alone a run is saved every 0.6 s; in a class of thirty on two cores, where each run
    trains a fifteenth of the time, every 9 s: the same ~0.6 s of its training at risk."""
    pace = train_live.Pace()
    assert pace.save_interval(1, 2) == pace.save_interval(2, 2) == pytest.approx(0.6)
    assert pace.save_interval(30, 2) == pytest.approx(9.0)
    assert pace.save_interval(30, 1) == pytest.approx(15.0)  # at most save_slowest
    assert all(pace.save_interval(n, 2) >= pace.interval(n) for n in (1, 2, 5, 10, 30, 300))
    assert train_live.Pace(redraw=0.0, save_work=0.0).save_interval(30, 2) == 0.0


def test_a_run_is_saved_whenever_an_epoch_ends(monkeypatch):
    """Between epoch ends a run is saved every `save_interval` s (never here: the slices are
    quicker); an epoch's end and the run's end are saved at once, so a crash never takes
    back an epoch the page showed."""
    monkeypatch.setattr(train_live, "PACE", train_live.Pace(batches=1, save_work=60.0))
    forced, save = [], train_live.saved.save
    monkeypatch.setattr(
        train_live.saved,
        "save",
        lambda run, every=0.0: forced.append((every, len(run.history.epochs))) or save(run, every),
    )
    at = _open(SMALL)
    _ok(at.button(key="train_start").click().run())
    (run,) = _runs(at)
    assert run.history.status is Status.DONE and len(run.history.epochs) == 2
    # the new run's own save at Start, then each epoch's end (the second is the run's)
    assert [epochs for every, epochs in forced if every == 0.0] == [0, 1, 2]
    assert len(forced) == 1 + 20  # and after every slice, one minibatch each: 18 skipped
