"""A Playground challenge in AppTest, on a SQLite file: the teacher's form makes one (its
data fixed), a challenge link opens the Playground with the data locked and a line naming
the challenge, students play and submit, the server scores the saved model on private
points, the board ranks by test loss (lowest first), a run that breaks a rule is refused
naming it, and a finished run can submit itself."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from mlp_class.api import ClassStore
from mlp_core import play_holdout
from mlp_core.playground_config import PlaygroundConfig
from mlp_core.serialize import load_model
from mlp_store import open_store
from mlp_ui import board_view, class_state, class_train, playground_live, playground_state
from tests.waiting import wait_until

APP = Path(__file__).resolve().parents[2] / "app.py"


@pytest.fixture(autouse=True)
def fresh_caches():
    board_view.board_data.clear()
    board_view.board_version.clear()
    class_train.challenge_data.clear()


def _ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def _page(page: str, query: dict | None = None, at: AppTest | None = None) -> AppTest:
    at = at or AppTest.from_file(APP, default_timeout=60)
    at.query_params = dict(query or {})
    at.switch_page(page)
    return _ok(at.run())


def _texts(elements) -> str:
    return " | ".join(str(e.value) for e in elements)


def _teacher(limits: dict[str, int], auto: bool = False) -> tuple[AppTest, str, dict]:
    """A class and a Playground challenge on circles (noise 10, 200 points, seed 4),
    ranked by test loss, made through the teacher's form."""
    at = _page("views/class.py")
    at.text_input[2].input("Period 5")  # Join's code and name, then the class name
    _ok(at.button[1].click().run())
    code, _key = at.session_state[class_state.TEACHER_KEY]
    _ok(at.radio(key="class_new_data").set_value("playground").run())
    at.selectbox(key="class_play_dataset").set_value("circles")
    at.number_input(key="class_play_noise").set_value(10)
    at.number_input(key="class_play_n_points").set_value(200)
    at.number_input(key="class_play_seed").set_value(4)
    for name, value in limits.items():
        at.number_input(key=f"class_rule_{name}").set_value(value)
    if auto:
        next(c for c in at.checkbox if c.label.startswith("Submit every")).check()
    _ok(next(b for b in at.button if b.label == "Create the challenge").click().run())
    assert not at.error, _texts(at.error)
    (challenge,) = ClassStore(open_store()).challenges(code)
    return at, code, challenge


def _student(code: str, name: str) -> AppTest:
    at = _page("views/class.py")
    at.text_input[0].input(code)
    at.text_input[1].input(name)
    return _ok(next(b for b in at.button if b.label == "Join").click().run())


def _link(at: AppTest) -> dict:
    """The challenge's 'Play for it' link on the student's Class page, as a query."""
    (link,) = [p for p in at.get("page_link") if p.proto.label == "Play for it"]
    assert link.proto.page.endswith("playground")
    return dict(kv.split("=", 1) for kv in link.proto.query_string.split("&"))


def _play(at: AppTest, steps: int, extra: dict | None = None) -> AppTest:
    at = _page("views/playground.py", {**_link(at), **(extra or {})}, at)
    for _ in range(steps):
        _ok(at.button(key="pg_step").click().run())
    return at


def _submit(at: AppTest) -> str:
    _ok(at.button(key="pg_class_submit").click().run())
    said = [str(e.value) for e in [*at.success, *at.error]]
    return next(line for line in said if line.startswith(("Submitted", "Refused")))


def test_a_playground_challenge_from_the_form_to_the_board():
    _, code, ch = _teacher({"max_hidden": 4})
    rules = ch["rules"]
    assert rules.playground and rules.measure == "test loss" and rules.max_hidden == 4
    assert {k: rules.fixed[k] for k in ("dataset", "noise", "n_points", "seed")} == {
        "dataset": "circles",
        "noise": 10,
        "n_points": 200,
        "seed": 4,
    }
    scores = {}
    for name, steps in (("Ada", 1), ("Bob", 6)):
        at = _play(_student(code, name), steps, {"data": "xor", "seed": "9"})  # a forged link
        assert "Class challenge (open)" in _texts(at.info) and "private points" in _texts(at.info)
        run = at.session_state[playground_state.KEY].run
        assert (run.config.dataset, run.config.seed, run.epoch) == ("circles", 4, steps)
        assert at.number_input(key="pg_seed").disabled and at.slider(key="pg_noise").disabled
        assert not at.select_slider(key="pg_lr").disabled  # not fixed: the student's to tune
        assert at.query_params["class"] == code  # the page's link keeps the challenge
        assert not [b for b in at.button if b.key and b.key.startswith("try_")]  # no Try this
        said = _submit(at)
        assert said.startswith("Submitted") and "private points" in said, said
        (entry,) = [e for e in ClassStore(open_store()).entries(code, ch["id"]) if e.name == name]
        model = load_model(_model(entry.id)).model
        scores[name] = play_holdout.score(model, PlaygroundConfig(**entry.config)).loss
        assert entry.score == scores[name] and entry.epochs == steps
    board = _page("views/board.py", {"class": code, "challenge": str(ch["id"])})
    table = board.dataframe[0].value
    assert list(table["name"]) == sorted(scores, key=scores.get)  # the lowest loss first
    assert "test loss (lower is better)" in table.columns and "accuracy (%)" not in table.columns
    assert "1,000 private points" in _texts(board.caption)
    menu = board.selectbox(key="board_open")
    _ok(menu.set_value(_first_id(code, ch["id"], table)).run())
    (link,) = board.get("page_link")
    assert "on Playground" in link.proto.label and link.proto.page.endswith("playground")


def _model(submission_id: int) -> bytes:
    """A submission's model file as the board keeps it."""
    store = ClassStore(open_store())
    from mlp_class.tables import Submission

    with store._read() as s:
        return bytes(s.get(Submission, submission_id).model)


def _first_id(code: str, cid: int, table) -> int:
    first = table["name"].iloc[0]
    return next(e.id for e in ClassStore(open_store()).entries(code, cid) if e.name == first)


def test_a_run_that_breaks_a_rule_or_is_not_trained_is_refused_naming_why():
    _, code, ch = _teacher({"max_hidden": 4, "max_epochs": 3})
    at = _page("views/playground.py", _link(_student(code, "Eve")))
    assert "only a trained run can be submitted" in _submit(at)
    _ok(at.button(key="pg_more_0").click().run())  # 5 neurons in the first layer
    for _ in range(4):
        _ok(at.button(key="pg_step").click().run())
    said = _submit(at)
    assert "5 hidden units in a layer: the rule is at most 4" in said, said
    assert "4 epochs: the rule is at most 3" in said
    assert at.number_input(key="pg_stop_epochs").value == 3  # the limit stops Play there
    assert at.number_input(key="pg_stop_epochs").disabled
    assert ClassStore(open_store()).entries(code, ch["id"]) == []


def test_a_retuned_run_is_refused_and_a_stopped_one_submits_itself():
    _, code, ch = _teacher({"max_epochs": 3}, auto=True)
    at = _play(_student(code, "Cy"), 1)
    _ok(at.select_slider(key="pg_lr").set_value(0.3).run())
    _ok(at.button(key="pg_step").click().run())
    assert "changed while it trained" in _submit(at)
    _ok(at.button(key="pg_reset").click().run())
    pg = at.session_state[playground_state.KEY]
    pg.run.train(3)  # as Play does, up to the challenge's epochs, where it stops
    pg.stopped_at = (pg.run, pg.run.epoch)
    _ok(at.run())
    assert "Submitted" in _texts(at.success)
    (entry,) = ClassStore(open_store()).entries(code, ch["id"])
    assert entry.name == "Cy" and entry.epochs == 3
    _ok(at.run())  # not again
    assert len(ClassStore(open_store()).entries(code, ch["id"])) == 1


def test_play_stops_at_the_challenges_training_seconds_and_the_run_submits_itself():
    """The page hands the challenge's seconds to the stop condition and says which clock
    they are; Play's slices (play_slice, as the fragment's timer trains them) stop inside
    the limit; the next page run says why and submits the run by itself, which keeps
    the rule."""
    _, code, ch = _teacher({"max_seconds": 1}, auto=True)
    at = _play(_student(code, "Di"), 0)
    assert "at most 1 training seconds" in _texts(at.info)
    assert "the clock stops while it is paused, waits for its turn" in _texts(at.info)
    _ok(at.button(key="pg_play").click().run())
    pg = at.session_state[playground_state.KEY]
    assert pg.stop_when == (0.0, 0, 1.0)
    deadline = time.monotonic() + 60
    while pg.playing and time.monotonic() < deadline:
        with pg.lock:
            playground_live.play_slice(pg)
        time.sleep(0.002)
    assert not pg.playing and 0.0 < pg.run.seconds <= 1.0
    _ok(at.run())
    assert "another epoch would have gone past the challenge's limit of 1 s" in _texts(at.info)
    assert "Submitted" in _texts(at.success), _texts(at.error)
    (entry,) = ClassStore(open_store()).entries(code, ch["id"])
    assert entry.name == "Di" and entry.epochs == pg.run.epoch and entry.seconds <= 1.0
    assert entry.seconds == pg.run.seconds


def test_the_train_page_sends_a_playground_challenge_to_the_playground():
    _, code, ch = _teacher({})
    at = _page("views/train.py", {"class": code, "challenge": str(ch["id"])})
    assert "is played on the Playground page" in _texts(at.info)
    assert not at.number_input(key="train_seed").disabled  # nothing of it locked on Train


def test_the_teacher_retrains_a_playground_entry_bit_for_bit():
    teacher, code, ch = _teacher({})
    student = _play(_student(code, "Ada"), 4)
    assert _submit(student).startswith("Submitted")
    (entry,) = ClassStore(open_store()).entries(code, ch["id"])
    _ok(teacher.run())
    _ok(teacher.button(key=f"class_retrain_{entry.id}").click().run())
    wait_until(lambda: _texts(_ok(teacher.run()).success) or _texts(teacher.error), 60)
    said = _texts(teacher.success)
    assert f"#{entry.id}: the same weights, bit for bit" in said, _texts(teacher.error)
    loss = f"loss {entry.score:.4f}"
    assert f"private points: {loss} re-trained, {loss} on the board" in said
    assert "the Playground's NumPy step" in _texts(teacher.caption)


def test_a_locked_setting_forged_in_a_widget_message_does_not_train():
    """A disabled widget's value can still come in a hand-made message (AppTest refuses
    to set a disabled widget: the values are put in the session's widget state, as such a
    message would): the page applies the challenge's settings over them before it trains."""
    _, code, ch = _teacher({})
    at = _play(_student(code, "Mallory"), 0)
    at.session_state["pg_seed"] = 9
    at.session_state["pg_noise"] = 40
    _ok(at.button(key="pg_step").click().run())
    run = at.session_state[playground_state.KEY].run
    assert (run.config.seed, run.config.noise, run.epoch) == (4, 10, 1)
    assert _submit(at).startswith("Submitted")


def test_the_teachers_view_shows_who_plays_now_and_how_far():
    teacher, code, ch = _teacher({"max_epochs": 500})
    student = _play(_student(code, "Ada"), 0)
    _ok(student.button(key="pg_play").click().run())  # the live part trains a slice
    _ok(teacher.run())
    (table,) = [d.value for d in teacher.dataframe if "now" in d.value.columns]
    (now,) = table["now"]
    assert re.fullmatch(r"training: epoch \d+\.0 of 500", now), now
