"""No student reaches another's work: another identity's run ids tried for read, continue
(a save over it), star and delete; forged, malformed and replayed secrets and transfer
codes; oversized and malformed saves. Each is refused with a one-line message, and
nothing changes. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

import mlp_store as ms
from mlp_store import identity as ident
from mlp_store import runs
from tests.store.helpers import checkpoint, record


@pytest.fixture
def two(store):
    me = ms.identity_for(store, ms.new_secret(), create=True)
    you = ms.identity_for(store, ms.new_secret(), create=True)
    mine = ms.save_run(store, me, record(name="mine")).run
    return me, you, mine


def test_another_identitys_run_cannot_be_read_continued_starred_or_deleted(store, two):
    me, you, mine = two
    with pytest.raises(ms.NotFound, match=f"run {mine.id} is not among your saved runs"):
        ms.load_run(store, you, mine.id)
    with pytest.raises(ms.NotFound):
        ms.save_run(store, you, record(name="overwritten"), run_id=mine.id)  # a continue
    with pytest.raises(ms.NotFound):
        ms.star(store, you, mine.id)
    with pytest.raises(ms.NotFound):
        ms.delete_run(store, you, mine.id)
    assert ms.runs_of(store, you) == []
    back = ms.load_run(store, me, mine.id)
    assert back.record.name == "mine" and not back.summary.starred


def test_another_identitys_snapshot_cannot_be_deleted(store, two):
    me, you, _ = two
    sid = ms.save_snapshot(store, me, "mine", {"epoch": 3})
    with pytest.raises(ms.NotFound):
        ms.delete_snapshot(store, you, sid)
    assert [s.id for s in ms.snapshots_of(store, me)] == [sid]


@pytest.mark.parametrize(
    "secret", ["", "short", "x" * 43 + "y", "' OR 1=1 --" + "a" * 32, "é" * 43, None]
)
def test_malformed_secrets_are_refused(store, secret):
    with pytest.raises(ms.Refused, match="key is malformed"):
        ms.identity_for(store, secret, create=True)


def test_a_forged_secret_finds_nobody(store, two):
    me, _, _ = two
    forged = ms.identity_for(store, "A" * 43, create=True)  # well-formed, made up
    assert forged not in (me, None) and ms.runs_of(store, forged) == []


def test_the_server_keeps_only_hashes(store):
    secret = ms.new_secret()
    me = ms.identity_for(store, secret, create=True)
    code = ms.transfer_code(store, me)
    with store.read() as session:
        keys = [k.key_hash for k in session.query(ms.models.IdentityKey)]
        codes = [c.code_hash for c in session.query(ms.models.TransferCode)]
    assert secret not in keys and keys == [ident.key_hash(secret)]
    assert code.replace("-", "") not in codes and len(codes[0]) == 64


def test_a_replayed_forgotten_secret_opens_nothing(store, two):
    secret = ms.new_secret()
    me = ms.identity_for(store, secret, create=True)
    ms.save_run(store, me, record())
    ms.forget(store, me)
    assert ms.identity_for(store, secret) is None
    again = ms.identity_for(store, secret, create=True)
    assert ms.runs_of(store, again) == []


@pytest.mark.parametrize("code", ["", "ABC", "ABCDE-FGHIJ", "0OOOO-11111", "ABCDE-FGHJK-M"])
def test_malformed_transfer_codes_are_refused(store, two, code):
    _, you, _ = two
    with pytest.raises(ms.Refused, match="a transfer code is 10 letters and digits"):
        ms.redeem(store, code, you)


def test_wrong_codes_are_rate_limited(store, two):
    me, you, _ = two
    for _ in range(ident.MAX_FAILURES):
        with pytest.raises(ms.Refused, match="unknown, used or expired"):
            ms.redeem(store, "ABCDE-23456", you)
    good = ms.transfer_code(store, me)
    with pytest.raises(ms.Refused, match="too many wrong codes"):
        ms.redeem(store, good, you)  # even a right code waits


def test_only_the_newest_codes_stay_valid(store, two):
    me, you, _ = two
    codes = [ms.transfer_code(store, me) for _ in range(ident.CODES_PER_IDENTITY + 1)]
    with pytest.raises(ms.Refused):
        ms.redeem(store, codes[0], you)
    assert ms.redeem(store, codes[-1], you)[0] == me


def test_oversized_saves_are_refused(store, two, monkeypatch):
    me, _, mine = two
    big = record()
    big.model = big.model + b"\0" * (runs.MAX_RUN_BYTES + 1 - len(big.model))
    with pytest.raises(ms.Refused, match="at most 16 MB"):
        ms.save_run(store, me, big)
    with pytest.raises(ms.Refused, match="at most 2 MB"):
        ms.save_snapshot(store, me, "huge", {"x": "a" * (3 * 2**20)})
    assert [r.id for r in ms.runs_of(store, me)] == [mine.id]


def _malformed():
    def change(**fields):
        bad = record()
        for name, value in fields.items():
            setattr(bad, name, value)
        return bad

    return {
        "empty name": (change(name=""), "name is 1 to 200"),
        "long name": (change(name="n" * 201), "name is 1 to 200"),
        "status": (change(status="hacked"), "unknown run status"),
        "not a model": (change(model=b"PK\x03\x04garbage"), "not a model file"),
        "pickle": (change(model=b"\x80\x04pickle"), "not a model file"),
        "history": (change(history={"epochs": [{"nope": 1}]}), "malformed"),
        "settings": (change(settings={"lr": -5}), "malformed"),
        "nan seconds": (change(seconds=float("nan")), "finite number"),
        "nan history": (change(history={"epochs": [], "diverged_at": float("nan")}), "malformed"),
        "checkpoint text": (change(checkpoint="momentum"), "checkpoint must be bytes"),
        "checkpoint garbage": (change(checkpoint=b"PK\x03\x04garbage"), "checkpoint is refused"),
        "checkpoint a model": (change(checkpoint=record().model), "checkpoint is refused"),
        "checkpoint misfit": (change(checkpoint=checkpoint(hidden=5)), "does not fit"),
    }


@pytest.mark.parametrize("case", list(_malformed()))
def test_malformed_saves_are_refused(store, two, case):
    me, _, mine = two
    bad, message = _malformed()[case]
    with pytest.raises(ms.Refused, match=message):
        ms.save_run(store, me, bad, run_id=mine.id)
    assert ms.load_run(store, me, mine.id).record.name == "mine"


def test_malformed_snapshot_payloads_are_refused(store, two):
    me, _, _ = two
    with pytest.raises(ms.Refused, match="JSON object"):
        ms.save_snapshot(store, me, "s", ["not", "an", "object"])
    with pytest.raises(ms.Refused, match="not plain JSON"):
        ms.save_snapshot(store, me, "s", {"x": float("inf")})


def test_names_are_stored_as_given_never_run(store, two):
    me, _, _ = two
    sneaky = "Robert'); DROP TABLE runs;--"
    ms.save_run(store, me, record(name=sneaky))
    assert sneaky in [r.name for r in ms.runs_of(store, me)]
