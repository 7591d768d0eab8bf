"""Saved work in AppTest (the app's own SQLite file in a temporary data folder): a run
saved as it trains and found again by a new session of the same browser, with the same
curves and weights, then continued; another browser sees none of it; a database that
fails is noted in one line while training goes on, and the run is saved once it is back;
Forget me deletes everything. AppTest has no cookies: a new session of the same browser
is a new AppTest that starts with the browser's secret (`mlp_ui.saved.Me`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import mlp_store as ms
from mlp_core.history import Status
from mlp_ui import playground_state, saved, state, train_live, your_work

APP = Path(__file__).resolve().parents[2] / "app.py"
SMALL = {"epochs": "2", "n": "1000"}


def _open(secret: str | None = None, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params = dict(query if query is not None else SMALL)
    if secret is not None:  # the browser's cookie, as a reload or a new tab sends it
        at.session_state[saved.ME_KEY] = saved.Me(secret, in_browser=True)
    return _ok(at.run())


def _ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def _runs(at: AppTest) -> dict:
    return at.session_state.get(state.RUNS_KEY, {})


def _secret(at: AppTest) -> str:
    return at.session_state[saved.ME_KEY].secret


def _trained() -> tuple[AppTest, object]:
    at = _ok(_open().button(key="train_start").click().run())
    (run,) = _runs(at).values()
    assert run.history.status is Status.DONE and run.saved_id is not None
    return at, run


def test_a_finished_run_is_found_again_by_the_same_browser():
    at, run = _trained()
    again = _open(_secret(at))
    (back,) = _runs(again).values()
    assert back.id == run.id and back.saved_id == run.saved_id
    assert back.history.to_dict() == run.history.to_dict()  # the same curves
    for a, b in zip(back.model.parameters(), run.model.parameters(), strict=True):
        np.testing.assert_array_equal(a, b)  # the same weights
    assert back.test_acc == run.test_acc and back.test_on == run.test_on
    assert back.exact == run.exact  # whether the code on screen trained it, bit for bit
    assert f"Run #{run.id} finished 2 epochs" in " ".join(s.value for s in again.success)
    (table,) = [d.value for d in again.dataframe if "run" in d.value.columns]  # the runs table
    assert list(table["run"]) == [f"#{run.id}"] and list(table["status"]) == ["done"]


def test_another_browser_sees_none_of_it():
    at, _ = _trained()
    other = _open()
    assert _secret(other) != _secret(at) and _runs(other) == {}


def test_a_saved_run_is_continued_in_a_new_session(monkeypatch):
    at, run = _trained()
    again = _open(_secret(at), {**SMALL, "epochs": "1"})
    _ok(again.button(key="train_continue").click().run())
    (back,) = _runs(again).values()
    assert back.history.status is Status.DONE and len(back.history.epochs) == 3
    third = _open(_secret(at))
    assert len(next(iter(_runs(third).values())).history.epochs) == 3  # saved at its end


def test_a_run_saved_mid_training_comes_back_cut_short(monkeypatch):
    monkeypatch.setattr(train_live, "PACE", train_live.Pace(seconds=60.0, batches=3, max_slices=1))
    at = _ok(_open().button(key="train_start").click().run())
    _ok(at.run())  # a second slice: saved after each
    again = _open(_secret(at))
    (back,) = _runs(again).values()
    assert back.history.status is Status.STOPPED and "cut short" in back.history.message
    assert again.button(key="train_continue").disabled is False


def test_a_failing_database_is_noted_and_the_run_saved_when_it_is_back(monkeypatch):
    real = ms.save_run

    def down(*args, **kwargs):
        raise ms.Unavailable("the database cannot be reached (connection refused)")

    monkeypatch.setattr(ms, "save_run", down)
    monkeypatch.setattr(saved, "RETRY_EVERY", 0.0)  # tried again at once, not 10 s later
    at = _ok(_open().button(key="train_start").click().run())
    (run,) = _runs(at).values()
    assert run.history.status is Status.DONE and run.unsaved  # training went on
    (line,) = [w.value for w in at.warning if "Not saved" in w.value]
    assert "cannot be reached" in line and "\n" not in line
    monkeypatch.setattr(ms, "save_run", real)
    _ok(at.run())  # the next page run saves what is pending
    assert not run.unsaved and run.saved_id is not None
    assert not [w for w in at.warning if "Not saved" in w.value]


def test_forget_me_deletes_everything():
    at, run = _trained()
    secret = _secret(at)
    assert at.button(key="your_work_forget").disabled  # not without saying yes
    _ok(at.checkbox(key="your_work_sure").check().run())
    _ok(at.button(key="your_work_forget").click().run())
    assert _runs(at) == {} and _secret(at) != secret
    assert _runs(_open(secret)) == {}
    db = ms.open_store()
    assert ms.identity_for(db, secret) is None


def test_a_transfer_code_moves_the_work_to_another_browser():
    at, run = _trained()
    _ok(at.button(key="your_work_code").click().run())
    code = at.session_state[your_work.CODE_KEY]
    phone = _ok(_submit_code(_open(), code))
    assert [r.saved_id for r in _runs(phone).values()] == [run.saved_id]


def _submit_code(at: AppTest, code: str) -> AppTest:
    at.text_input(key="your_work_typed").input(code)
    return at.button(key="your_work_use").click().run()


def _playground(secret: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    if secret is not None:
        at.session_state[saved.ME_KEY] = saved.Me(secret, in_browser=True)
    at.switch_page("views/playground.py")
    return _ok(at.run())


def test_a_playground_snapshot_is_found_again_and_forgotten():
    at = _playground()
    for _ in range(2):
        _ok(at.button(key="pg_step").click().run())
    _ok(at.button(key="pg_snapshot").click().run())
    (snap,) = at.session_state[playground_state.KEY].snapshots
    again = _playground(_secret(at))
    (back,) = again.session_state[playground_state.KEY].snapshots
    assert (back.name, back.epoch, back.config) == (snap.name, snap.epoch, snap.config)
    assert back.curves.train_loss == pytest.approx(snap.curves.train_loss)
    for a, b in zip(back.model.parameters(), snap.model.parameters(), strict=True):
        np.testing.assert_array_equal(a, b)
    _ok(again.button(key="pg_forget").click().run())
    assert _playground(_secret(at)).session_state[playground_state.KEY].snapshots == []


def test_an_unreachable_postgresql_is_one_line_and_training_goes_on(monkeypatch):
    import socket

    with socket.socket() as s:  # a loopback port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("MLP_LAB_DATABASE_URL", f"postgresql://nobody@127.0.0.1:{port}/lab")
    at = _ok(_open().button(key="train_start").click().run())
    (run,) = _runs(at).values()
    assert run.history.status is Status.DONE and len(run.history.epochs) == 2 and run.unsaved
    lines = [w.value for w in at.warning if "not being saved" in w.value or "Not saved" in w.value]
    assert len(lines) == 1 and "cannot be reached" in lines[0] and "\n" not in lines[0]


def _libraries(secret: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params = {"epochs": "2", "n": "500"}
    if secret is not None:
        at.session_state[saved.ME_KEY] = saved.Me(secret, in_browser=True)
    at.run()
    at.switch_page("views/libraries.py")
    return _ok(at.run())


def test_a_finished_comparison_is_kept_and_listed_in_a_later_session():
    at = _ok(_libraries().button(key="lib_start").click().run())
    assert at.session_state[state.COMPARISON_KEY].status is Status.DONE
    again = _libraries(_secret(at))
    (panel,) = [e for e in again.expander if e.label.startswith("Comparisons you kept")]
    assert panel.label == "Comparisons you kept (1)"
    table = panel.dataframe[0].value
    assert "mlp_core" in list(table["library"]) and set(table["epochs"]) == {2}
