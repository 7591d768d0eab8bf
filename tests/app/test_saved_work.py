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
from mlp_ui import playground_state, saved, saved_runs, state, train_live, your_work

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
    assert back.test_on.endswith("(the public half)")  # never a score on the private half
    assert back.exact == run.exact  # whether the code on screen trained it, bit for bit
    assert back.test_acc == run.test_acc and back.test_on == run.test_on
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


def test_a_run_saved_mid_training_comes_back_cut_short_and_continues_exactly(monkeypatch):
    # mlp_core's own step (the fast back-end's split adds up in another order): the
    # continued run is then the uninterrupted one to the bit.
    monkeypatch.setenv("MLP_LAB_FAST", "0")
    whole = _ok(_open().button(key="train_start").click().run())  # never interrupted
    (done,) = _runs(whole).values()
    # a slice a script run, each saved
    slices = train_live.Pace(seconds=60.0, batches=3, max_slices=1, redraw=0.0, save_work=0.0)
    monkeypatch.setattr(train_live, "PACE", slices)
    at = _ok(_open().button(key="train_start").click().run())
    _ok(at.run())  # a second slice, mid-epoch
    (cut,) = _runs(at).values()
    at_epoch = cut.trainer.epoch + cut.trainer.progress
    assert 0 < at_epoch < 2
    again = _open(_secret(at))  # the page reloaded, or the server restarted
    (back,) = _runs(again).values()
    assert back.history.status is Status.STOPPED
    assert f"cut short at epoch {at_epoch:.2f}" in back.history.message
    assert back.history.to_dict()["points"] == cut.history.to_dict()["points"]
    assert f"Run #{back.id}: cut short at epoch {at_epoch:.2f}" in " ".join(
        w.value for w in again.warning
    )
    monkeypatch.setattr(train_live, "PACE", train_live.Pace())
    _ok(again.button(key="train_continue").click().run())
    assert back.history.status is Status.DONE and len(back.history.epochs) == 2
    for a, b in zip(back.model.parameters(), done.model.parameters(), strict=True):
        np.testing.assert_array_equal(a, b)  # as if it had never stopped: momentum and all
    assert [e.loss for e in back.history.epochs] == [e.loss for e in done.history.epochs]


def test_a_run_another_tab_is_training_is_not_continued_twice(monkeypatch):
    slices = train_live.Pace(seconds=60.0, batches=3, max_slices=1, redraw=0.0, save_work=0.0)
    monkeypatch.setattr(train_live, "PACE", slices)
    monkeypatch.setattr(saved, "LEAVING_SECONDS", 0.0)
    at = _ok(_open().button(key="train_start").click().run())
    (first,) = _runs(at).values()
    with saved.training(first):  # tab A's script is training it (AppTest ends each run)
        tab = _open(_secret(at))  # tab B of the same browser
        (seen,) = _runs(tab).values()
        assert "training in another tab" in seen.history.message
        _ok(tab.button(key="train_continue").click().run())
        assert seen.trainer is None and "training in another tab" in seen.history.message
    _ok(tab.button(key="train_continue").click().run())  # tab A stopped: now it may
    assert seen.trainer is not None and seen.trainer.epoch + seen.trainer.progress > 0


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


def test_an_unexpected_error_in_a_save_is_one_line_and_the_run_goes_on(monkeypatch):
    real, calls = ms.save_run, []

    def broken(*args, **kwargs):  # as CPython's ast once failed inside numpy's np.load
        calls.append(1)
        raise SystemError("AST constructor recursion depth mismatch (before=72, after=69)")

    monkeypatch.setattr(ms, "save_run", broken)
    monkeypatch.setattr(saved, "RETRY_EVERY", 0.0)
    at = _ok(_open().button(key="train_start").click().run())
    (run,) = _runs(at).values()
    assert calls and run.history.status is Status.DONE and run.unsaved  # training went on
    (line,) = [w.value for w in at.warning if "Not saved" in w.value]
    assert "unexpected error (SystemError)" in line and "\n" not in line
    monkeypatch.setattr(ms, "save_run", real)
    _ok(at.run())
    assert not run.unsaved and run.saved_id is not None


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
    (qr,) = [h.proto.body for h in at.get("html") if "mlp-transfer-qr" in h.proto.body]
    assert f'alt="QR code of the transfer code {code}"' in qr  # its words for screen readers
    assert _secret(at) not in qr  # what the QR holds is read back in the e2e test
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


def test_a_run_saved_with_a_score_on_every_test_digit_is_scored_again():
    """Runs saved before the test digits were halved say "on 10,000 MNIST test digits":
    that number includes the private half a class board keeps, so it is not shown; the
    Train page scores the run again on the public half."""
    from mlp_store.runs import RunSummary, StoredRun
    from tests.store.helpers import record

    old = record()
    old = ms.RunRecord(
        **{
            **vars(old),
            "provenance": {
                **old.provenance,
                "test_acc": 0.97,
                "test_on": "10,000 MNIST test digits",
            },
        }
    )
    summary = RunSummary(1, 1, old.name, "done", False, 0.0, 0.0, len(old.model))
    run = saved_runs.to_run(StoredRun(summary, old))
    assert run.test_acc is None and run.test_on == ""
    new = ms.RunRecord(
        **{
            **vars(old),
            "provenance": {
                **old.provenance,
                "test_on": "5,001 MNIST test digits (the public half)",
            },
        }
    )
    again = saved_runs.to_run(StoredRun(summary, new))
    assert again.test_acc == 0.97 and again.test_on.endswith("(the public half)")


def _warned(at: AppTest) -> list[str]:
    return [w.value for w in at.warning if "not being saved" in w.value or "Not saved" in w.value]


def test_a_postgresql_stopped_mid_lesson_and_started_again_loses_nothing(monkeypatch):
    from tests.store import postgres

    if postgres.WHY_NOT:
        pytest.skip(postgres.WHY_NOT)
    monkeypatch.setattr(saved, "RETRY_EVERY", 0.0)  # tried again at the next page run
    with postgres.cluster() as pg:
        monkeypatch.setenv("MLP_LAB_DATABASE_URL", pg.url)
        at = _ok(_open().button(key="train_start").click().run())
        (first,) = _runs(at).values()
        assert first.saved_id is not None and not _warned(at)
        pg.stop()  # the database server crashes, between two runs
        _ok(at.button(key="train_start").click().run())
        second = _runs(at)[2]
        assert second.history.status is Status.DONE and second.unsaved  # training went on
        (line,) = _warned(at)
        assert "cannot be reached" in line and "\n" not in line
        pg.start()
        _ok(at.run())  # the next page run saves what was kept in the session
        assert not second.unsaved and second.saved_id is not None and not _warned(at)
        again = _open(_secret(at))
        assert sorted(_runs(again)) == [1, 2]
        assert _runs(again)[2].history.to_dict() == second.history.to_dict()


def test_a_full_sqlite_database_is_one_line_and_the_run_saved_once_there_is_room(monkeypatch):
    from sqlalchemy import event

    monkeypatch.setattr(saved, "RETRY_EVERY", 0.0)
    at = _ok(_open().button(key="train_start").click().run())
    engine = ms.open_store().engine
    full = {"on": True}

    def cap(dbapi_connection, _record, _proxy) -> None:  # SQLite's own "database is full"
        cursor = dbapi_connection.cursor()
        pages = cursor.execute("PRAGMA page_count").fetchone()[0]
        cursor.execute(f"PRAGMA max_page_count={pages if full['on'] else 2**30}")
        cursor.close()

    event.listen(engine, "checkout", cap)
    try:
        _ok(at.button(key="train_start").click().run())
        second = _runs(at)[2]
        assert second.history.status is Status.DONE and second.unsaved
        (line,) = _warned(at)
        assert "the database is full" in line and "\n" not in line
        full["on"] = False  # room again (a teacher freed the disk)
        _ok(at.run())
        assert not second.unsaved and second.saved_id is not None and not _warned(at)
    finally:
        event.remove(engine, "checkout", cap)
    assert sorted(_runs(_open(_secret(at)))) == [1, 2]
