"""The store's API on SQLite and PostgreSQL: runs, snapshots, comparisons, identities,
transfer codes, Forget me, the per-student limits and the housekeeping."""

from __future__ import annotations

import time

import numpy as np
import pytest

import mlp_store as ms
from mlp_core.serialize import ModelFileError
from mlp_store import identity as ident
from mlp_store import kept, runs
from tests.store.helpers import checkpoint, record, weights


def student(store) -> ms.Identity:
    return ms.identity_for(store, ms.new_secret(), create=True)


def test_a_saved_run_comes_back_whole(store):
    me, saved = student(store), record(seed=5)
    got = ms.save_run(store, me, saved)
    assert got.run.number == 1 and got.dropped == ()
    back = ms.load_run(store, me, got.run.id).record
    assert back.history == saved.history and back.settings == saved.settings
    assert back.provenance == saved.provenance and back.backend == saved.backend
    for a, b in zip(weights(back.model), weights(saved.model), strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_runs_training_checkpoint_comes_back_and_counts_in_its_size(store):
    me, saved = student(store), record()
    saved.checkpoint = checkpoint()
    got = ms.save_run(store, me, saved).run
    assert ms.load_run(store, me, got.id).record.checkpoint == saved.checkpoint
    assert got.size > len(saved.model) + len(saved.checkpoint)
    saved.checkpoint = None  # a run saved again without one (e.g. too large) keeps none
    ms.save_run(store, me, saved, run_id=got.id)
    assert ms.load_run(store, me, got.id).record.checkpoint is None


def test_a_save_of_the_same_run_replaces_it(store):
    me = student(store)
    first = ms.save_run(store, me, record(epochs=1)).run
    again = ms.save_run(store, me, record(epochs=3), run_id=first.id).run
    assert (again.id, again.number) == (first.id, first.number)
    assert [r.id for r in ms.runs_of(store, me)] == [first.id]
    assert len(ms.load_run(store, me, first.id).record.history["epochs"]) == 3


def test_a_replacing_save_says_what_the_database_holds(store):
    """The summary a save of an existing run gives (built from its one UPDATE) is the
    one a list of runs reads back; a star and the creation time stay as they were."""
    me = student(store)
    first = ms.save_run(store, me, record(epochs=1)).run
    ms.star(store, me, first.id)
    again = ms.save_run(store, me, record(name="renamed", epochs=2), run_id=first.id).run
    (listed,) = ms.runs_of(store, me)
    assert again == listed
    assert (again.name, again.starred, again.created) == ("renamed", True, first.created)
    assert again.updated >= first.updated and again.size > first.size


def test_a_replacing_save_without_returning_says_the_same(store, monkeypatch):
    """On a SQLite older than 3.35 (no UPDATE ... RETURNING: Python 3.11 may be built
    against one) the save reads the row's kept columns back instead."""
    me = student(store)
    first = ms.save_run(store, me, record(epochs=1)).run
    ms.star(store, me, first.id)
    monkeypatch.setattr(store.engine.dialect, "update_returning", False)
    monkeypatch.setattr(runs, "_REPLACING_RETURNING", None)  # never sent: it would fail
    again = ms.save_run(store, me, record(name="renamed", epochs=2), run_id=first.id).run
    assert again == ms.runs_of(store, me)[0]
    assert (again.number, again.starred, again.created) == (first.number, True, first.created)
    you = student(store)
    with pytest.raises(ms.NotFound):  # still no save over another student's run
        ms.save_run(store, you, record(), run_id=first.id)


def test_run_numbers_are_each_students_own(store):
    me, you = student(store), student(store)
    assert [ms.save_run(store, me, record()).run.number for _ in range(3)] == [1, 2, 3]
    assert ms.save_run(store, you, record()).run.number == 1
    wished = record()
    wished.number = 7
    assert ms.save_run(store, me, wished).run.number == 7
    wished.number = 2  # taken: the next free one
    assert ms.save_run(store, me, wished).run.number == 8


def test_the_same_secret_finds_the_same_identity(store):
    secret = ms.new_secret()
    assert ms.identity_for(store, secret) is None  # nothing created by looking
    me = ms.identity_for(store, secret, create=True)
    assert ms.identity_for(store, secret) == me
    assert ms.identity_for(store, ms.new_secret(), create=True) != me


def test_star_delete_and_limits(store, monkeypatch):
    monkeypatch.setattr(runs, "MAX_RUNS", 3)
    me = student(store)
    ids = [ms.save_run(store, me, record(name=f"run {i}")).run.id for i in range(3)]
    ms.star(store, me, ids[0])
    got = ms.save_run(store, me, record(name="run 3"))
    assert got.dropped == (2,)  # the oldest unstarred one went, the starred #1 stayed
    assert [r.number for r in ms.runs_of(store, me)] == [1, 3, 4]
    ms.star(store, me, ids[2])
    ms.star(store, me, got.run.id)
    with pytest.raises(ms.LimitReached, match="3 runs, all starred"):
        ms.save_run(store, me, record(name="one too many"))
    assert [r.number for r in ms.runs_of(store, me)] == [1, 3, 4]  # nothing half-done
    ms.delete_run(store, me, ids[2])
    assert [r.number for r in ms.runs_of(store, me)] == [1, 4]


def test_the_bytes_bound_lets_old_runs_go(store, monkeypatch):
    size = runs.check(record())
    monkeypatch.setattr(runs, "MAX_BYTES", int(2.5 * size))
    me = student(store)
    for i in range(4):
        ms.save_run(store, me, record(name=f"run {i}"))
    assert [r.number for r in ms.runs_of(store, me)] == [3, 4]


def test_the_limits_count_snapshots_and_comparisons_too(store, monkeypatch):
    size = runs.check(record())
    me = student(store)
    ms.save_snapshot(store, me, "big", {"x": "a" * size})
    monkeypatch.setattr(runs, "MAX_BYTES", int(2.5 * size))
    for i in range(2):
        ms.save_run(store, me, record(name=f"run {i}"))
    assert [r.number for r in ms.runs_of(store, me)] == [2]


def test_a_record_written_here_is_not_read_back(store, monkeypatch):
    me, rec = student(store), record()
    rec.checkpoint = checkpoint()
    read = []

    def reading(*args):
        read.append(args)
        raise ModelFileError("read back")

    monkeypatch.setattr(runs, "load_model", reading)
    monkeypatch.setattr(runs, "load_checkpoint", reading)
    got = ms.save_run(store, me, rec, written_here=True)
    assert read == []
    back = ms.load_run(store, me, got.run.id).record
    assert back.model == rec.model and back.checkpoint == rec.checkpoint
    with pytest.raises(ms.Refused, match="name is 1 to 200"):  # the rest is checked
        ms.save_run(store, me, record(name=""), got.run.id, written_here=True)
    with pytest.raises(ms.Refused, match="read back"):  # without it, the files are read
        ms.save_run(store, me, rec, got.run.id)
    assert len(read) == 1


def test_snapshots_and_comparisons(store, monkeypatch):
    monkeypatch.setattr(kept, "MAX_KEPT", 2)
    me, you = student(store), student(store)
    for i in range(3):
        ms.save_snapshot(store, me, f"#{i} circle", {"epoch": i, "curves": [0.5, 0.25]})
    assert [s.name for s in ms.snapshots_of(store, me)] == ["#1 circle", "#2 circle"]
    assert ms.snapshots_of(store, you) == []
    cid = ms.save_comparison(store, me, "sklearn vs ours", {"runs": [{"loss": [1.0, 0.5]}]})
    assert ms.comparisons_of(store, me)[0].payload == {"runs": [{"loss": [1.0, 0.5]}]}
    ms.delete_comparison(store, me, cid)
    assert ms.comparisons_of(store, me) == []


def test_a_transfer_code_moves_the_identity_once(store):
    me, phone = student(store), student(store)
    code = ms.transfer_code(store, me)
    assert len(code) == 11 and code[5] == "-"
    moved, secret = ms.redeem(store, code.lower().replace("-", " "), phone)
    assert moved == me and ms.identity_for(store, secret) == me
    with pytest.raises(ms.Refused, match="unknown, used or expired"):
        ms.redeem(store, code, phone)


def test_an_expired_code_is_refused_and_cleaned_up(store, monkeypatch):
    me, phone = student(store), student(store)
    monkeypatch.setattr(ident, "CODE_SECONDS", -1.0)
    code = ms.transfer_code(store, me)
    with pytest.raises(ms.Refused, match="expired"):
        ms.redeem(store, code, phone)
    ms.housekeeping(store)
    with store.read() as session:
        assert session.query(ms.models.TransferCode).count() == 0


def test_forget_me_deletes_everything_of_that_identity_only(store):
    secret = ms.new_secret()
    me, you = ms.identity_for(store, secret, create=True), student(store)
    for who in (me, you):
        ms.save_run(store, who, record())
        ms.save_snapshot(store, who, "s", {"a": 1})
        ms.save_comparison(store, who, "c", {"b": 2})
        ms.transfer_code(store, who)
    ms.forget(store, me)
    assert ms.identity_for(store, secret) is None
    assert ms.runs_of(store, me) == [] and ms.snapshots_of(store, me) == []
    assert ms.comparisons_of(store, me) == []
    assert len(ms.runs_of(store, you)) == 1 and len(ms.snapshots_of(store, you)) == 1
    with store.read() as session:
        assert session.query(ms.models.TransferCode).count() == 1


def test_housekeeping_removes_only_old_identities_without_work(store):
    idle, busy, recent = student(store), student(store), student(store)
    ms.save_run(store, busy, record())
    later = time.time() + (ident.ORPHAN_DAYS + 1) * 86400
    assert ms.housekeeping(store, now=time.time()) == 0
    assert ms.housekeeping(store, now=later) == 2  # idle and recent, both now too old
    assert len(ms.runs_of(store, busy)) == 1
    with store.read() as session:
        assert {i.id for i in session.query(ms.models.Identity)} == {busy.id}
    assert idle != recent
