"""The Train page in AppTest, on the offline 5,000-digit sample with small runs.

AppTest runs a script to its end before the test can click again, so tests that need
to act while a run trains set `train_live.PACE` to one short slice per script run:
the run stays active and every further `run()` trains one more slice, exactly as the
live page does between two redraws.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from mlp_core.history import EpochStats, History, Status
from mlp_core.network import MLP
from mlp_core.serialize import SavedModel, model_to_bytes
from mlp_core.training import Trainer
from mlp_ui import state, train_live, turns
from mlp_ui.train_results import model_file
from mlp_ui.train_text import overfit_note

APP = Path(__file__).resolve().parents[2] / "app.py"
SMALL = {"epochs": "2", "n": "1000"}  # 10 minibatches of 100 per epoch


@pytest.fixture
def sliced(monkeypatch):
    """Three minibatches per script run, and the run stays active in between."""
    monkeypatch.setattr(train_live, "PACE", train_live.Pace(seconds=60.0, batches=3, max_slices=1))


def _open(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params = dict(query or {})
    return at.run()


def _runs(at: AppTest) -> dict:
    return at.session_state.get(state.RUNS_KEY, {})


def _curves(at: AppTest) -> list[dict]:
    """The traces of the training-curves chart (the first plotly chart on the page)."""
    charts = at.get("plotly_chart")
    assert charts, "no chart on the page"
    return json.loads(charts[0].proto.spec)["data"]


def _texts(elements) -> str:
    return " | ".join(e.value for e in elements)


def _ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_short_run_produces_curves_and_results():
    at = _open(SMALL)
    assert _curves(at)[0]["x"] == []  # empty state: axes, no points yet
    _ok(at.button(key="train_start").click().run())
    (run,) = _runs(at).values()
    assert run.history.status is Status.DONE and len(run.history.epochs) == 2
    loss, train, valid = _curves(at)[:3]
    # loss and training accuracy every tenth of an epoch; validation at epoch ends
    assert loss["x"] == pytest.approx([k / 10 for k in range(1, 21)]) and len(train["y"]) == 20
    assert valid["x"] == [1, 2] and len(valid["y"]) == 2
    assert loss["y"][-1] < loss["y"][0]
    assert "finished 2 epochs" in _texts(at.success)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Epochs"] == "2" and metrics["Test accuracy"].endswith("%")
    assert 0.5 < run.test_acc <= 1.0
    assert len(at.get("plotly_chart")) == 3  # the curves, the network, first-layer weights
    assert run.config.n_train == 1000 and run.config.scaling == "01"
    fold = next(e for e in at.expander if e.label == "The numbers")  # the curves', first
    assert not fold.proto.expanded and not fold.dataframe  # drawn once opened
    at.session_state[train_live.NUMBERS_KEY] = True  # what the browser's click sends
    fold = next(e for e in _ok(at.run()).expander if e.label == "The numbers")
    assert fold.dataframe[0].value["epoch"].tolist() == [1, 2]


def test_stop_keeps_the_run_and_continue_resumes_it(sliced):
    at = _ok(_open(SMALL).button(key="train_start").click().run())
    run = next(iter(_runs(at).values()))
    assert run.history.status is Status.RUNNING and at.button(key="train_stop").disabled is False
    at = _ok(at.run())  # the page trains one more slice on each script run
    assert run.trainer.progress == pytest.approx(0.6)
    _ok(at.button(key="train_stop").click().run())
    assert run.history.status is Status.STOPPED and "Stopped by you" in run.history.message
    assert _runs(at) == {run.id: run} and at.session_state[state.ACTIVE_KEY] is None
    before = (run.trainer.epoch, run.trainer.progress, run.model.W[0].copy())
    _ok(at.run())  # stopped means stopped: nothing trains on a rerun
    assert (run.trainer.epoch, run.trainer.progress) == before[:2]
    assert np.array_equal(run.model.W[0], before[2])
    assert "Stopped by you" in _texts(at.warning)
    _ok(at.button(key="train_continue").click().run())
    assert run.history.status is Status.RUNNING and run.trainer.progress == pytest.approx(0.9)


def test_a_page_switch_pauses_the_run_and_keeps_the_session(sliced, monkeypatch):
    at = _ok(_open(SMALL).button(key="train_start").click().run())
    run = next(iter(_runs(at).values()))
    _ok(at.run())
    at.switch_page("views/learning_rate.py")
    _ok(at.run())
    assert run.history.status is Status.STOPPED and "left the Train page" in run.history.message
    progress = run.trainer.progress
    _ok(at.run())  # nothing trains while the user is elsewhere
    assert run.trainer.progress == progress
    at.switch_page("views/train.py")
    _ok(at.run())
    assert _runs(at) == {run.id: run} and at.session_state[state.CURRENT_KEY] == run.id
    assert "left the Train page" in _texts(at.warning)
    assert at.number_input(key="train_epochs").value == 2  # settings survive too
    assert at.button(key="train_continue").disabled is False
    monkeypatch.setattr(train_live, "PACE", train_live.Pace())  # let the run finish
    _ok(at.button(key="train_continue").click().run())
    assert run.history.status is Status.DONE and len(run.history.epochs) == 2


class _AskedLock:
    """The run's lock, noting when another thread asks for it while it is held."""

    def __init__(self, lock) -> None:
        self.lock, self.asked = lock, threading.Event()

    def __enter__(self):
        if not self.lock.acquire(blocking=False):
            self.asked.set()
            self.lock.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.lock.release()


def _step_in_another_thread(run) -> threading.Thread:
    """What Streamlit's fast reruns allow: the previous script run still in a step while
    the next one handles a click. That step holds the run's lock, like `train_active`,
    and takes its minibatches once the click's script run has asked for the lock."""
    inside, run.lock = threading.Event(), _AskedLock(run.lock)

    def old_script_run():
        with run.lock:
            inside.set()
            thread.asked = run.lock.asked.wait(60)
            run.trainer.step(max_batches=2)  # sets the status back to "running"

    thread = threading.Thread(target=old_script_run)
    thread.start()
    inside.wait()
    return thread


@pytest.mark.parametrize("leave", ["stop", "page switch"])
def test_stop_or_leaving_waits_for_a_step_still_running(sliced, leave):
    at = _ok(_open(SMALL).button(key="train_start").click().run())
    run = next(iter(_runs(at).values()))
    thread = _step_in_another_thread(run)
    if leave == "stop":
        at.button(key="train_stop").click()
    else:
        at.switch_page("views/draw.py")
    _ok(at.run())
    thread.join()
    assert thread.asked  # the click came while the step held the lock
    assert run.history.status is Status.STOPPED  # not overwritten by the step that was running
    assert at.session_state[state.ACTIVE_KEY] is None
    assert run.trainer.progress == pytest.approx(0.5)  # 3 batches, then the 2 of that step


def test_query_params_prefill_the_widgets_and_changes_write_back():
    at = _ok(_open({"hidden": "37", "lr": "0.03", "act": "tanh", "l2": "0.1", "seed": "7"}))
    assert at.number_input(key="train_hidden").value == 37
    assert at.select_slider(key="train_lr").value == 0.03  # off the slider's grid: kept
    assert at.selectbox(key="train_activation").value == "tanh"
    assert at.select_slider(key="train_l2").value == 0.1
    assert at.number_input(key="train_seed").value == 7
    _ok(at.number_input(key="train_hidden").set_value(64).run())
    assert at.query_params["hidden"] == "64" and at.query_params["act"] == "tanh"


def test_bad_query_params_fall_back_to_defaults():
    at = _ok(_open({"hidden": "lots", "lr": "100", "act": "swish", "layers": "9"}))
    assert at.number_input(key="train_hidden").value == 100
    assert at.select_slider(key="train_lr").value == 0.1
    assert at.selectbox(key="train_activation").value == "relu"
    assert at.slider(key="train_layers").value == 1
    said = at.warning[0].value
    assert "This link asked for settings that cannot be used here" in said
    assert (
        "hidden=lots: hidden units per layer must be a whole number from 1 to 4096; using 100"
        in said
    )
    assert "lr=100: learning rate must be a number from 1e-07 to 10; using 0.1" in said
    assert "act=swish: hidden activation must be one of sigmoid, tanh, relu; using relu" in said
    assert "layers=9: hidden layers must be a whole number from 1 to 5; using 1" in said


def test_a_linked_value_beyond_the_page_s_widget_is_reported_with_the_value_used():
    at = _ok(_open({"hidden": "3000", "layers": "5"}))
    assert at.number_input(key="train_hidden").value == 1024
    said = at.warning[0].value
    assert "hidden=3000: this page offers hidden units per layer from 1 to 1024; using 1024" in said
    assert "layers=5: this page offers hidden layers from 1 to 3; using 3" in said
    _ok(at.button(key="train_defaults").click().run())
    assert not at.warning  # settings chosen on the page: nothing left to report


def test_good_links_say_nothing():
    assert not _ok(_open({"hidden": "37", "lr": "0.03"})).warning


def test_book_preset_fills_the_widgets():
    at = _ok(_open().button(key="train_book").click().run())
    assert at.select_slider(key="train_lr").value == 0.0005
    assert at.selectbox(key="train_activation").value == "sigmoid"
    assert at.selectbox(key="train_loss").value == "sigmoid_bce"
    assert at.number_input(key="train_epochs").value == 200
    assert at.query_params["loss"] == "sigmoid_bce"


def test_an_impossible_combination_gets_a_message_not_a_traceback():
    at = _ok(_open({"batch": "500", "n": "100"}))
    assert "larger than the 100 training examples" in _texts(at.error)
    assert at.button(key="train_start").disabled


def test_lr_10_diverges_with_a_message_and_the_app_keeps_working():
    at = _ok(_open({**SMALL, "lr": "10"}).button(key="train_start").click().run())
    (run,) = _runs(at).values()
    assert run.history.status is Status.DIVERGED and run.history.diverged_at is not None
    assert "diverged" in _texts(at.error) and "learning rate (10)" in _texts(at.error)
    spec = at.get("plotly_chart")[0].proto.spec
    assert "diverged here" in spec
    at.select_slider(key="train_lr").set_value(0.1)
    _ok(at.button(key="train_start").click().run())
    assert [r.history.status for r in _runs(at).values()] == ["diverged", "done"]


def test_a_bad_upload_gets_an_error_and_changes_nothing():
    at = _ok(_open(SMALL).button(key="train_start").click().run())
    runs_before, current = dict(_runs(at)), at.session_state[state.CURRENT_KEY]
    at.file_uploader(key="train_upload").upload("broken.npz", b"this is not a model")
    _ok(at.run())
    assert "broken.npz was not loaded, and nothing changed" in _texts(at.error)
    assert _runs(at) == runs_before and at.session_state[state.CURRENT_KEY] == current
    wrong = MLP.create((2, 3, 2))
    at.file_uploader(key="train_upload").set_value(
        ("xor.npz", model_to_bytes(SavedModel(wrong)), "application/octet-stream")
    )
    _ok(at.run())
    assert "2 inputs and 2 outputs" in _texts(at.error)
    assert _runs(at) == runs_before


def test_a_downloaded_model_uploads_as_a_new_run_with_its_curves():
    at = _ok(_open(SMALL).button(key="train_start").click().run())
    (run,) = _runs(at).values()
    content = model_file(run)
    at.file_uploader(key="train_upload").upload("mine.npz", content)
    _ok(at.run())
    assert "Loaded mine.npz as run #2" in _texts(at.success)
    loaded = _runs(at)[2]
    assert at.session_state[state.CURRENT_KEY] == 2 and loaded.trainer is None
    assert [e.loss for e in loaded.history.epochs] == [e.loss for e in run.history.epochs]
    assert loaded.test_acc == pytest.approx(run.test_acc)
    _ok(at.run())  # the same file is not loaded twice
    assert len(_runs(at)) == 2


def test_overlay_reset_and_delete():
    at = _ok(_open(SMALL).button(key="train_start").click().run())
    at.number_input(key="train_hidden").set_value(10)
    _ok(at.button(key="train_start").click().run())
    first, second = _runs(at).values()
    assert len(_curves(at)) == 3
    _ok(at.multiselect(key="train_compare").select(first.id).run())
    assert len(_curves(at)) == 6
    losses = [e.loss for e in second.history.epochs]
    _ok(at.button(key="train_reset").click().run())
    assert second.history.epochs == [] and second.history.status is Status.READY
    _ok(at.button(key="train_continue").click().run())
    assert [e.loss for e in second.history.epochs] == losses  # same seed, same run
    _ok(at.button(key="train_delete").click().run())
    assert list(_runs(at)) == [first.id] and at.session_state[state.CURRENT_KEY] == first.id
    assert len(_curves(at)) == 3


def _history(*accs: tuple[float, float]) -> History:
    return History([EpochStats(i, 0.1, t, v, 0.1) for i, (t, v) in enumerate(accs, 1)])


def test_overfit_warning_only_when_validation_falls_while_training_rises():
    assert overfit_note(History()) is None
    assert overfit_note(_history((0.95, 0.94), (0.99, 0.95), (1.0, 0.93))) is None  # too early
    gap_only = _history((0.9, 0.88), (0.97, 0.9), (0.99, 0.9), (1.0, 0.9), (1.0, 0.9))
    assert overfit_note(gap_only) is None  # a gap, validation level: not overfitting
    falling = _history(
        (0.9, 0.9), (0.95, 0.95), (0.97, 0.96), (0.98, 0.95), (0.99, 0.94), (0.995, 0.935)
    )
    note = overfit_note(falling, n_valid=5000)
    assert note.startswith("Overfitting: validation accuracy peaked at epoch 3 (96.0%)")
    assert "fell to 93.5% by epoch 6" in note and "rose from 97.0% to 99.5%" in note
    # the offline sample's 500 validation digits: a 1-point dip is within chance
    assert overfit_note(falling, n_valid=500) is not None
    noisy = _history(
        (0.75, 0.88),
        (0.9, 0.93),
        (0.93, 0.91),
        (0.96, 0.93),
        (0.97, 0.954),
        (0.98, 0.942),
        (0.99, 0.94),
        (0.993, 0.942),
        (0.994, 0.95),
        (0.997, 0.944),
    )
    assert overfit_note(noisy, n_valid=500) is None  # the default run, measured offline


def test_no_script_run_keeps_a_turn(sliced, monkeypatch):
    """The page draws in a turn (mlp_ui.turns) and gives it back before training, on a
    click, while a run trains, on Stop, and when it finishes: a turn kept would make the
    next Train pages of the server wait for ever."""
    free = lambda: turns.free() == turns.AT_ONCE  # noqa: E731
    while_training, step = [], Trainer.step

    def watched(trainer, **kwargs):  # each slice of training
        while_training.append(free())
        return step(trainer, **kwargs)

    monkeypatch.setattr(Trainer, "step", watched)
    at = _ok(_open(SMALL))
    assert free()
    _ok(at.button(key="train_start").click().run())
    assert free() and next(iter(_runs(at).values())).history.status is Status.RUNNING
    assert while_training == [True]  # the page gave its turn back before training
    _ok(at.button(key="train_stop").click().run())
    assert free()
    monkeypatch.setattr(train_live, "PACE", train_live.Pace())  # let the run finish
    _ok(at.button(key="train_continue").click().run())
    assert free() and next(iter(_runs(at).values())).history.status is Status.DONE
    assert len(while_training) >= 2 and all(while_training)


def test_the_numbers_are_drawn_in_their_open_fold_only_and_again_when_an_epoch_ends(
    monkeypatch,
):
    """The curves are redrawn after every slice here; their table only while its fold
    is open, and then only when it changes."""
    monkeypatch.setattr(train_live, "PACE", train_live.Pace(seconds=60.0, batches=3, max_slices=4))
    drawn, real = [], train_live.curves_table

    def table(history):
        drawn.append(len(history.epochs))
        return real(history)

    monkeypatch.setattr(train_live, "curves_table", table)
    at = _open(SMALL)
    _ok(at.button(key="train_start").click().run())  # 4 slices of 3 of an epoch's 10 batches
    assert drawn == []  # the first epoch ended, its fold closed
    at.session_state[train_live.NUMBERS_KEY] = True
    _ok(at.run())  # 4 slices more: the second epoch ends at its 20th batch
    assert drawn == [1, 2]


def test_the_numbers_fold_open_while_training_fills_at_each_epochs_end(sliced):
    """Opened before the first epoch ends, the fold says when its rows come; each epoch's
    end then adds a row in the same script run that trains it; no run, no fold."""
    at = _open(SMALL)
    assert not [e for e in at.expander if e.label == "The numbers"]
    at.session_state[train_live.NUMBERS_KEY] = True
    at = _ok(at.button(key="train_start").click().run())  # 3 of the epoch's 10 batches
    (fold,) = [e for e in at.expander if e.label == "The numbers"]
    assert "once the first epoch has ended" in _texts(fold.caption) and not fold.dataframe
    for _ in range(3):  # 12 batches: the first epoch ends in this script run
        at = _ok(at.run())
    (fold,) = [e for e in at.expander if e.label == "The numbers"]
    assert fold.dataframe[0].value["epoch"].tolist() == [1]


def test_the_code_view_is_drawn_only_once_its_fold_is_opened():
    """The code that trains the network sits in a closed fold that reruns the page when
    opened: until then no run of the page sends its ~35 elements (a class's thirty Train
    pages run many times); opened, it shows every piece of the step with its equation."""
    at = _open()
    assert not at.code and not at.latex
    fold = next(e for e in at.expander if e.label.startswith("**The code that trains"))
    assert not fold.proto.expanded
    at.session_state["train_code"] = True  # what the browser's click on the fold sends
    at = at.run()
    assert not at.exception
    assert any("def train_batch(" in c.value for c in at.code)
    assert len(at.latex) == len(at.code) >= 5  # an equation for every piece of the step
