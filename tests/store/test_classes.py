"""The class tables through mlp_class.api on SQLite and PostgreSQL: teacher actions need
the key, students act only as themselves, names are plain, limits hold, the board ranks."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest

import mlp_class.api as api
from mlp_class.api import ClassStore, NewEntry, Refused, ranking
from mlp_core.challenge import Rules
from mlp_store import forget, identity_for, new_secret


def _who(store):
    return identity_for(store, new_secret(), create=True)


def _entry(score: float, tag: str = "") -> NewEntry:
    return NewEntry(
        model=f"model {score} {tag}".encode(),
        score=score,
        params=79510,
        seconds=3.0,
        epochs=2,
        config={"hidden": 100},
        history={"epochs": []},
    )


@pytest.fixture
def classes(store):
    return ClassStore(store)


@pytest.fixture
def room(classes, store):
    teacher = _who(store)
    code, key = classes.create_class("Period 3", teacher)
    challenge = classes.add_challenge(code, key, "50 units, 10 epochs", Rules(max_hidden=50))
    return code, key, challenge


def test_students_join_submit_and_the_board_ranks_best_per_student(classes, store, room):
    code, _, ch = room
    ada, bob = _who(store), _who(store)
    assert classes.join(code.lower().replace("-", " "), ada, " Ada ") == "Ada"
    classes.join(code, bob, "Bob")
    classes.submit(code, ch, ada, _entry(0.91))
    classes.submit(code, ch, bob, _entry(0.95))
    classes.submit(code, ch, ada, _entry(0.93))
    board = ranking(classes.entries(code, ch))
    assert [(e.name, e.score) for e in board] == [("Bob", 0.95), ("Ada", 0.93)]
    assert [e.score for e in classes.mine(code, ch, ada)] == [0.91, 0.93]


def test_ties_go_to_the_earlier_submission(classes, store, room):
    code, _, ch = room
    first, second = _who(store), _who(store)
    classes.join(code, first, "First")
    classes.join(code, second, "Second")
    classes.submit(code, ch, first, _entry(0.9, "a"))
    classes.submit(code, ch, second, _entry(0.9, "b"))
    assert [e.name for e in ranking(classes.entries(code, ch))] == ["First", "Second"]


def test_teacher_actions_need_the_key(classes, store, room):
    code, key, ch = room
    forged = "x" * len(key)
    for action in (
        lambda: classes.check_teacher(code, forged),
        lambda: classes.add_challenge(code, forged, "mine", Rules()),
        lambda: classes.set_open(code, forged, ch, False),
        lambda: classes.remove_entry(code, forged, 1, "no"),
        lambda: classes.export_csv(code, ""),
        lambda: classes.delete_class(code, forged),
    ):
        with pytest.raises(Refused, match="do not match a class"):
            action()
    other_code, other_key = classes.create_class("Another", _who(store))
    with pytest.raises(Refused, match="no such challenge in this class"):
        classes.set_open(other_code, other_key, ch, False)  # a forged challenge id


def test_names_are_plain_short_and_unique_in_the_class(classes, store, room):
    code = room[0]
    assert classes.join(code, _who(store), "Ev\u202eil\u200b <b>x</b>") == "Evil <b>x</b>"
    with pytest.raises(Refused, match="taken in this class"):
        classes.join(code, _who(store), "EVIL <B>X</B>")
    with pytest.raises(ValueError, match="at most 24 characters; this one has 10,000|10000"):
        classes.join(code, _who(store), "A" * 10_000)
    with pytest.raises(ValueError, match="at least one visible character"):
        classes.join(code, _who(store), "\u202e\u2066\x00")


def test_sql_in_every_field_is_only_text(classes, store):
    sql = "x'); DROP TABLE class_members; --"
    teacher = _who(store)
    code, key = classes.create_class(sql[:80], teacher)
    ch = classes.add_challenge(code, key, sql, Rules())
    classes.join(code, _who(store), sql[:24])
    with pytest.raises(Refused, match="that class code is wrong"):
        classes.join(sql, _who(store), "Eve")
    with pytest.raises(Refused, match="no such challenge"):
        classes.challenge(code, sql)
    assert classes.challenge(code, ch)["title"] == sql
    assert [m["name"] for m in classes.members(code, key)] == [sql[:24]]


def test_wrong_codes_are_rate_limited_per_browser_and_address(classes, store, room, monkeypatch):
    monkeypatch.setitem(api.LIMITS, "join", 3)
    guesser = _who(store)
    for _ in range(3):
        with pytest.raises(Refused, match="^that class code is wrong$"):
            classes.join("ABCD-EFGH", guesser, "G", address="10.0.0.9")
    with pytest.raises(Refused, match="too many wrong class codes"):
        classes.join(room[0], guesser, "G", address="10.0.0.9")  # even the right one
    with pytest.raises(Refused, match="too many wrong class codes"):
        classes.join(room[0], _who(store), "H", address="10.0.0.9")  # a new browser, same place
    assert classes.join(room[0], _who(store), "I", address="10.0.0.10") == "I"


def test_submissions_need_membership_an_open_challenge_and_are_limited(
    classes, store, room, monkeypatch
):
    code, key, ch = room
    outsider, ada = _who(store), _who(store)
    with pytest.raises(Refused, match="join the class first"):
        classes.submit(code, ch, outsider, _entry(0.9))
    classes.join(code, ada, "Ada")
    classes.submit(code, ch, ada, _entry(0.9))
    with pytest.raises(Refused, match="already on the board"):
        classes.submit(code, ch, ada, _entry(0.9))  # a replayed submission
    big = NewEntry(b"x" * (api.MAX_MODEL_BYTES + 1), 0.9, 1, 1.0, 1, {}, {})
    with pytest.raises(Refused, match="at most 8,388,608"):
        classes.submit(code, ch, ada, big)
    classes.set_open(code, key, ch, False)
    with pytest.raises(Refused, match="this challenge is closed"):
        classes.submit(code, ch, ada, _entry(0.8))
    classes.set_open(code, key, ch, True)
    monkeypatch.setitem(api.LIMITS, "submit", 2)
    classes.submit(code, ch, ada, _entry(0.7))
    with pytest.raises(Refused, match="at most 2 submissions in ten minutes"):
        classes.submit(code, ch, ada, _entry(0.6))


def test_the_teacher_removes_an_entry_and_its_owner_sees_why(classes, store, room):
    code, key, ch = room
    ada = _who(store)
    classes.join(code, ada, "Ada")
    sid = classes.submit(code, ch, ada, _entry(0.99))
    classes.remove_entry(code, key, sid, "trained on the test set <script>")
    assert ranking(classes.entries(code, ch)) == []
    assert classes.mine(code, ch, ada)[0].removed == "trained on the test set <script>"


def test_export_is_every_submission_as_csv_and_models_as_files(classes, store, room):
    code, key, ch = room
    ada = _who(store)
    classes.join(code, ada, "=HYPERLINK(1)")
    classes.submit(code, ch, ada, _entry(0.9))
    rows = list(csv.DictReader(io.StringIO(classes.export_csv(code, key))))
    assert rows[0]["name"] == "'=HYPERLINK(1)" and rows[0]["private_score"] == "0.900000"
    names = zipfile.ZipFile(io.BytesIO(classes.export_models(code, key))).namelist()
    assert len(names) == 1 and names[0].endswith(".npz")


def test_deleting_a_class_and_forgetting_a_student_leave_nothing(classes, store, room):
    code, key, ch = room
    ada, bob = _who(store), _who(store)
    classes.join(code, ada, "Ada")
    classes.join(code, bob, "Bob")
    classes.submit(code, ch, ada, _entry(0.9))
    forget(store, ada)
    assert [m["name"] for m in classes.members(code, key)] == ["Bob"]
    assert classes.entries(code, ch) == []
    classes.delete_class(code, key)
    with pytest.raises(Refused, match="do not match"):
        classes.check_teacher(code, key)
    assert classes.challenges(code) == []


def test_two_students_with_the_same_model_both_count(classes, store, room):
    """Same settings and seed give the same weights (an exact run): not a replay."""
    code, _, ch = room
    ada, bob = _who(store), _who(store)
    classes.join(code, ada, "Ada")
    classes.join(code, bob, "Bob")
    classes.submit(code, ch, ada, _entry(0.9, "same"))
    classes.submit(code, ch, bob, _entry(0.9, "same"))
    assert [e.name for e in ranking(classes.entries(code, ch))] == ["Ada", "Bob"]


def test_ids_of_another_class_are_refused(classes, store, room):
    """Forged ids: a challenge or an entry of class A through class B's code and key."""
    code, key, ch = room
    ada = _who(store)
    classes.join(code, ada, "Ada")
    sid = classes.submit(code, ch, ada, _entry(0.9))
    other_code, other_key = classes.create_class("Other", _who(store))
    classes.join(other_code, ada, "Ada")
    with pytest.raises(Refused, match="no such challenge in this class"):
        classes.submit(other_code, ch, ada, _entry(0.95))
    with pytest.raises(Refused, match="no such entry in this class"):
        classes.remove_entry(other_code, other_key, sid, "not yours")
    with pytest.raises(Refused, match="do not match a class"):
        classes.remove_entry(code, other_key, sid, "another class's key")
    with pytest.raises(Refused, match="^no such entry in this class$"):
        classes.remove_entry(code, key, "1 OR 1=1", "an id that is not a number")
    assert classes.entries(other_code, ch) == []  # a board reads only its own class
    assert classes.entries(code, ch)[0].removed is None


def test_a_wrong_code_says_the_same_whatever_it_looks_like(classes, store, room):
    for typed in ("ZZZZ-ZZZZ", "0O1l-IIII", "", "x" * 5000, "' OR 1=1 --"):
        with pytest.raises(Refused) as refused:
            classes.join(typed, _who(store), "Eve")
        assert str(refused.value) == "that class code is wrong"


def test_a_challenge_past_its_end_takes_no_submission(classes, store, room):
    code, key, _ = room
    ended = classes.add_challenge(code, key, "Over", Rules(), ends_at=1.0)
    ada = _who(store)
    classes.join(code, ada, "Ada")
    assert classes.challenge(code, ended)["open"] is False
    with pytest.raises(Refused, match="this challenge is closed"):
        classes.submit(code, ended, ada, _entry(0.9))


def test_long_titles_and_reasons_are_bounded(classes, store, room):
    code, key, ch = room
    with pytest.raises(Refused, match="a title has 1 to 80 characters; this one has 10,000|10000"):
        classes.create_class("T" * 10_000, _who(store))
    ada = _who(store)
    classes.join(code, ada, "Ada")
    sid = classes.submit(code, ch, ada, _entry(0.9))
    classes.remove_entry(code, key, sid, "r" * 10_000 + "\n\u202e'); DROP TABLE x; --")
    assert len(classes.mine(code, ch, ada)[0].removed) == api.REASON_MAX


def test_a_student_sees_only_their_own_entries(classes, store, room):
    code, _, ch = room
    ada, bob = _who(store), _who(store)
    classes.join(code, ada, "Ada")
    classes.join(code, bob, "Bob")
    classes.submit(code, ch, bob, _entry(0.9))
    assert classes.mine(code, ch, ada) == []
    assert [e.name for e in classes.mine(code, ch, bob)] == ["Bob"]


def test_a_reason_is_plain_text_too(classes, store, room):
    code, key, ch = room
    ada = _who(store)
    classes.join(code, ada, "Ada")
    sid = classes.submit(code, ch, ada, _entry(0.9))
    classes.remove_entry(code, key, sid, "copied\u202e\u200b\nfrom <i>Bob</i>")
    assert classes.mine(code, ch, ada)[0].removed == "copied from <i>Bob</i>"


def test_the_teacher_sees_how_far_each_student_trains(classes, store, room):
    code, key, ch = room
    ada, outsider = _who(store), _who(store)
    classes.join(code, ada, "Ada")
    classes.report_progress(code, ada, 1.5, 10)
    classes.report_progress(code, outsider, 9.0, 10)  # not a member: nothing noted
    (row,) = classes.members(code, key, ch)
    assert (row["name"], row["progress"], row["of"], row["entries"]) == ("Ada", 1.5, 10, 0)


def test_a_progress_note_is_of_its_own_class_only(classes, store, room):
    """A student in two classes: a note in one leaves the other's as it was; a note of
    a finished run (None) clears the progress; a wrong code notes nothing."""
    code, key, ch = room
    other_code, other_key = classes.create_class("Period 4", _who(store))
    ada = _who(store)
    classes.join(code, ada, "Ada")
    classes.join(other_code, ada, "Ada")
    classes.report_progress(code, ada, 2.25, 10)
    classes.report_progress("no-such-code", ada, 7.0, 10)
    (row,) = classes.members(code, key, ch)
    (other,) = classes.members(other_code, other_key)
    assert (row["progress"], row["of"], row["at"] is not None) == (2.25, 10, True)
    assert (other["progress"], other["of"], other["at"]) == (None, None, None)
    classes.report_progress(code, ada, None, 10)
    (row,) = classes.members(code, key, ch)
    assert (row["progress"], row["of"]) == (None, 10)


def test_the_board_version_moves_with_every_change_a_board_shows(classes, store, room):
    """One small query a board's viewers check every second: it changes when the board
    would (a submission, a removal, a student forgotten, the challenge closed or
    reopened) and only then; None for a challenge not in the class."""
    code, key, ch = room
    ada, bob = _who(store), _who(store)
    classes.join(code, ada, "Ada")
    classes.join(code, bob, "Bob")
    seen = [classes.board_version(code, ch)]
    assert classes.board_version(code, ch) == seen[-1]  # nothing happened: the same
    classes.report_progress(code, ada, 1.0, 10)  # training progress is not the board's
    assert classes.board_version(code, ch) == seen[-1]
    sid = classes.submit(code, ch, ada, _entry(0.9))
    seen.append(classes.board_version(code, ch))
    classes.submit(code, ch, bob, _entry(0.8))
    seen.append(classes.board_version(code, ch))
    classes.remove_entry(code, key, sid, "copied")
    seen.append(classes.board_version(code, ch))
    classes.set_open(code, key, ch, False)
    seen.append(classes.board_version(code, ch))
    classes.set_open(code, key, ch, True)
    seen.append(classes.board_version(code, ch))
    forget(store, bob)
    seen.append(classes.board_version(code, ch))
    assert len(set(seen)) == len(seen) - 1  # all differ, but reopened == as before closing
    assert seen[-3] != seen[-2] and seen[-2] == seen[-4]
    other_code, _ = classes.create_class("Other", _who(store))
    assert classes.board_version(other_code, ch) is None
    assert classes.board_version(code, "1 OR 1=1") is None
