"""The Class and Board pages in AppTest, on the offline sample and a SQLite file: a teacher
creates a class and a challenge, students (separate sessions) join, train and submit, the
board ranks them; a rule-breaking run is refused; the teacher removes an entry."""

from __future__ import annotations

import contextlib
import json
import threading
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from mlp_class.api import ClassStore
from mlp_core.history import Status
from mlp_store import open_store
from mlp_ui import board_figures, board_table, board_view, class_state, class_train, state
from tests.fast.test_exact import _Busy
from tests.waiting import wait_until

APP = Path(__file__).resolve().parents[2] / "app.py"
SMALL = {"epochs": "2", "n": "1000", "hidden": "20"}


@pytest.fixture(autouse=True)
def fresh_caches():
    board_view.board_data.clear()
    board_view.board_version.clear()
    class_train.challenge_data.clear()


def _classes() -> ClassStore:
    return ClassStore(open_store())


def _ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def _page(page: str, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params = dict(query or {})
    at.switch_page(page)
    return _ok(at.run())


def _texts(elements) -> str:
    return " | ".join(str(e.value) for e in elements)


def _teacher(rules: dict[str, int]) -> tuple[AppTest, str, int]:
    at = _page("views/class.py")
    at.text_input[2].input("Period 3")  # Join's code and name, then the class name
    _ok(at.button[1].click().run())
    code, _key = at.session_state[class_state.TEACHER_KEY]
    for name, value in rules.items():
        at.number_input(key=f"class_rule_{name}").set_value(value)
    submit = next(b for b in at.button if b.label == "Create the challenge")
    _ok(submit.click().run())
    store = _classes()
    (challenge,) = store.challenges(code)
    return at, code, challenge["id"]


def _student(code: str, name: str) -> AppTest:
    at = _page("views/class.py")
    at.text_input[0].input(code)
    at.text_input[1].input(name)
    join = next(b for b in at.button if b.label == "Join")
    return _ok(join.click().run())


def _train(student: AppTest, code: str, cid: int, settings: dict) -> AppTest:
    query = {**SMALL, **settings, "class": code, "challenge": str(cid)}
    student.query_params = query
    student.switch_page("views/train.py")
    _ok(student.run())
    _ok(student.button(key="train_start").click().run())
    (run,) = [r for r in student.session_state[state.RUNS_KEY].values()][-1:]
    assert run.history.status is Status.DONE
    return student


def _submit(at: AppTest) -> str:
    button = next(b for b in at.button if b.label == "Submit to the board")
    _ok(button.click().run())
    said = [str(e.value) for e in [*at.success, *at.error]]
    return next(line for line in said if line.startswith(("Submitted", "Refused")))


def test_a_class_from_challenge_to_board():
    teacher, code, cid = _teacher({"max_hidden": 50, "max_epochs": 2})
    assert code in _texts(teacher.header)
    results = {}
    for name, hidden in (("Ada", 20), ("Bob", 30)):
        at = _train(_student(code, name), code, cid, {"hidden": str(hidden)})
        assert "Class challenge (open)" in _texts(at.info)
        assert at.number_input(key="train_seed").disabled  # a fixed setting, locked
        assert "the public half" in _texts(at.caption)  # the Train page's test digits
        results[name] = _submit(at)
        assert results[name].startswith("Submitted"), results[name]
    board = _page("views/board.py", {"class": code, "challenge": str(cid)})
    table = board.dataframe[0]  # the ranking; then the charts' numbers
    assert len(board.dataframe) == 3
    assert sorted(table.value["name"]) == ["Ada", "Bob"]
    assert list(table.value["rank"]) == [1, 2]
    assert "private half" in _texts(board.caption)
    assert len(board.get("plotly_chart")) == 2
    spread = json.loads(board.get("plotly_chart")[0].proto.spec)
    assert len(spread["data"][1]["x"]) == 2
    _learn_from_the_winner(board, code, cid)
    projected = _page("views/board.py", {"class": code, "challenge": str(cid), "projector": "1"})
    assert len(projected.dataframe) == 2  # the charts' numbers: the ranking is our table
    (ranking,) = [h.proto.body for h in projected.get("html") if "<table" in h.proto.body]
    assert ranking.count("<tr>") == 3 and "Ada" in ranking and "Bob" in ranking


def _learn_from_the_winner(board: AppTest, code: str, cid: int) -> None:
    """The menu under the ranking opens the picked run's settings on Train."""
    menu = board.selectbox(key=board_table.OPEN_KEY)
    assert menu.value is None and menu.options[0].startswith("1. ")
    assert not board.get("page_link")
    ranked = {int(o.split(".")[0]): o for o in menu.options}
    chosen = next(e for e in _classes().entries(code, cid) if e.name in ranked[1])
    _ok(menu.set_value(chosen.id).run())
    (link,) = board.get("page_link")
    assert link.proto.label == f"Open the settings of {chosen.name}'s run on Train"
    hidden = 20 if chosen.name == "Ada" else 30
    assert f"hidden={hidden}&" in link.proto.query_string
    assert f"class={code}&challenge={cid}" in link.proto.query_string


def test_a_run_that_breaks_a_rule_is_refused_with_the_rule():
    _, code, cid = _teacher({"max_hidden": 50})
    at = _train(_student(code, "Eve"), code, cid, {"hidden": "60"})
    said = _submit(at)
    assert "Refused: 60 hidden units in a layer: the rule is at most 50" in said
    assert _classes().entries(code, cid) == []


def test_the_teacher_removes_an_entry_and_its_owner_reads_why():
    teacher, code, cid = _teacher({})
    student = _train(_student(code, "Mallory"), code, cid, {})
    assert _submit(student).startswith("Submitted")
    _ok(teacher.run())
    reason = next(t for t in teacher.text_input if t.label.startswith("Reason"))
    reason.input("copied from a neighbour")
    _ok(next(b for b in teacher.button if b.label == "Remove").click().run())
    (entry,) = _classes().entries(code, cid)
    assert entry.removed == "copied from a neighbour"
    student.switch_page("views/class.py")
    _ok(student.run())
    assert "removed by the teacher: copied from a neighbour" in _texts(student.warning)


def test_a_wrong_code_says_only_that_it_is_wrong():
    at = _student("ZZZZ-ZZZZ", "Ada")
    assert _texts(at.error) == "Not joined: that class code is wrong."


def test_the_board_without_a_challenge_says_where_to_open_it():
    at = _page("views/board.py")
    assert "open it from the challenge's Board link" in _texts(at.info)


@pytest.mark.parametrize("busy", [False, True], ids=["idle", "busy"])
def test_the_teacher_retrains_a_submission_bit_for_bit(busy):
    """Re-train in the teacher's view: the saved weights again, to the bit, and the same
    private score, also while another run of the server trains all along."""
    teacher, code, cid = _teacher({})
    student = _train(_student(code, "Ada"), code, cid, {})
    assert _submit(student).startswith("Submitted")
    (entry,) = _classes().entries(code, cid)
    _ok(teacher.run())
    button = teacher.button(key=f"class_retrain_{entry.id}")
    with _Busy() if busy else contextlib.nullcontext():
        _ok(button.click().run())  # queued on the server; the page is drawn again at once
        wait_until(lambda: _texts(_ok(teacher.run()).success) or _texts(teacher.error), 120)
    said = _texts(teacher.success)
    assert f"#{entry.id}: the same weights, bit for bit" in said, _texts(teacher.error)
    assert f"private half: {entry.score:.2%} re-trained, {entry.score:.2%} on the board" in said
    assert "exact: one route for the whole run" in _texts(teacher.caption)


def test_a_retraining_leaves_the_teachers_page_usable(monkeypatch):
    """Re-train trains off the page: the page comes back at once saying it is
    re-training (its button disabled, the rest of the page there), and shows the outcome
    once the training ends."""
    from mlp_ui import class_retrain

    release, real = threading.Event(), class_retrain.scoring.retrain

    def held(*args):
        release.wait(60)
        return real(*args)

    monkeypatch.setattr(class_retrain.scoring, "retrain", held)
    teacher, code, cid = _teacher({})
    assert _submit(_train(_student(code, "Ada"), code, cid, {})).startswith("Submitted")
    (entry,) = _classes().entries(code, cid)
    _ok(teacher.run())
    _ok(teacher.button(key=f"class_retrain_{entry.id}").click().run())
    assert f"Re-training #{entry.id}: " in _texts(teacher.info)
    assert teacher.button(key=f"class_retrain_{entry.id}").disabled
    assert not _texts(teacher.success)
    release.set()
    wait_until(lambda: _texts(_ok(teacher.run()).success), 120)
    assert f"#{entry.id}: the same weights, bit for bit" in _texts(teacher.success)
    assert not teacher.button(key=f"class_retrain_{entry.id}").disabled


def test_a_tiny_runs_seconds_are_not_shown_as_zero():
    """A run of a few hundredths of a second (1,000 digits, 20 units) showed "0" seconds
    on the board: the table rounded to tenths. Two significant digits, and the entry's
    seconds are the sum of its epochs' (training and the validation pass)."""
    from mlp_class.api import Entry

    entry = Entry(1, 1, "Ada", 0.9, 15910, 0.043, 2, 0.0, {}, {"epochs": []}, None)
    (row,) = board_view._table([entry])
    assert row["seconds"] == 0.043
    assert board_figures.seconds(123.456) == 123.5 and board_figures.seconds(2.345) == 2.3


def test_the_board_shows_the_seconds_the_run_trained():
    _, code, cid = _teacher({})
    at = _train(_student(code, "Ada"), code, cid, {})
    (run,) = list(at.session_state[state.RUNS_KEY].values())[-1:]
    assert _submit(at).startswith("Submitted")
    (entry,) = _classes().entries(code, cid)
    assert entry.seconds == sum(e.seconds for e in run.history.epochs) > 0
    board = _page("views/board.py", {"class": code, "challenge": str(cid)})
    (shown,) = board.dataframe[0].value["seconds"]
    assert shown == board_figures.seconds(entry.seconds) > 0
