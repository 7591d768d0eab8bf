"""Train runs of one identity: save (create or update), list, load, star, delete.

Every call takes the `Identity` and every query filters by it: another student's run id
behaves exactly like one that does not exist (NotFound). A save is one transaction: the
row is written whole with its weights, or not at all. The limits (`MAX_RUNS` kept runs,
`MAX_BYTES` per student) let the oldest unstarred runs go first; when only starred runs
are left, the save is refused with LimitReached.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, Update, bindparam, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, undefer

from mlp_core.config import TrainConfig
from mlp_core.history import History, Status
from mlp_core.network import MLP
from mlp_core.serialize import ModelFileError, load_checkpoint, load_model
from mlp_core.training import Checkpoint
from mlp_store.db import Store
from mlp_store.errors import LimitReached, NotFound, Refused
from mlp_store.identity import Identity
from mlp_store.models import ComparisonRow, RunRow, SnapshotRow
from mlp_store.models import Identity as IdentityRow

MAX_RUNS = 30
"""Runs kept per student; beyond, the oldest unstarred run goes."""
MAX_BYTES = 64 * 2**20
"""Bytes of runs, snapshots and comparisons kept per student."""
MAX_RUN_BYTES = 16 * 2**20
"""One run's weights and history at most (the largest network the app builds is ~6 MB)."""
MAX_NAME = 200


@dataclass
class RunRecord:
    """What is saved of a run. `model` is a model file's bytes (mlp_core.serialize);
    `number` the student's run number wished for (the next free one if taken)."""

    name: str
    status: str
    history: dict[str, Any]
    model: bytes
    settings: dict[str, Any] | None = None
    provenance: dict[str, Any] = field(default_factory=dict)
    backend: str = ""
    seconds: float = 0.0
    number: int | None = None
    checkpoint: bytes | None = None
    """Where its training was between two minibatches (mlp_core.serialize's checkpoint
    file: momentum, place in the epoch...), so Continue goes on exactly; None: from the
    weights alone, momentum afresh."""


@dataclass(frozen=True)
class RunSummary:
    id: int
    number: int
    name: str
    status: str
    starred: bool
    created: float
    updated: float
    size: int


@dataclass(frozen=True)
class StoredRun:
    summary: RunSummary
    record: RunRecord


@dataclass(frozen=True)
class Saved:
    """A save's outcome: the run as stored, and the numbers of runs let go to make room."""

    run: RunSummary
    dropped: tuple[int, ...] = ()


def _summary(row: RunRow) -> RunSummary:
    return RunSummary(
        row.id, row.number, row.name, row.status, row.starred, row.created, row.updated, row.size
    )


def check(record: RunRecord, read_files: bool = True) -> int:
    """Refuse a malformed or oversized record (Refused, saying what) -> its size in bytes.
    `read_files` False: the model file and checkpoint are taken as well-formed (see
    `save_run`'s `written_here`); their types and sizes are still checked."""
    if not isinstance(record.name, str) or not 0 < len(record.name) <= MAX_NAME:
        raise Refused(f"a run's name is 1 to {MAX_NAME} characters")
    if record.status not in {s.value for s in Status}:
        raise Refused(f"unknown run status {str(record.status)[:40]!r}")
    if not isinstance(record.model, bytes) or len(record.model) > MAX_RUN_BYTES:
        raise Refused(f"a run's weights are at most {MAX_RUN_BYTES // 2**20} MB")
    if not isinstance(record.seconds, (int, float)) or not math.isfinite(record.seconds):
        raise Refused("a run's training time must be a finite number of seconds")
    if not isinstance(record.backend, str) or len(record.backend) > MAX_NAME:
        raise Refused(f"a back-end's name is at most {MAX_NAME} characters")
    if record.checkpoint is not None and not isinstance(record.checkpoint, bytes):
        raise Refused("a run's checkpoint must be bytes")
    if read_files:
        _check_files(record)
    try:
        History.from_dict(record.history)
        if record.settings is not None:
            TrainConfig.from_dict(record.settings)
        text = json.dumps([record.history, record.settings, record.provenance], allow_nan=False)
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        raise Refused(f"the run's settings or history are malformed: {exc}") from None
    size = len(record.model) + len(record.checkpoint or b"") + len(text)
    if size > MAX_RUN_BYTES:
        raise Refused(f"a run is at most {MAX_RUN_BYTES // 2**20} MB ({size:,} bytes given)")
    return size


def _check_files(record: RunRecord) -> None:
    """Read the model file and the checkpoint back: both well-formed, and they fit."""
    try:
        model = load_model(record.model).model
    except ModelFileError as exc:
        raise Refused(f"the run's weights are not a model file: {exc}") from None
    if record.checkpoint is not None:
        try:
            _check_fits(load_checkpoint(record.checkpoint), model)
        except ModelFileError as exc:
            raise Refused(f"the run's training checkpoint is refused: {exc}") from None


def _check_fits(point: Checkpoint, model: MLP) -> None:
    shapes = [p.shape for p in model.parameters()]
    for arrays in (point.velocities, point.epoch_start, point.best):
        if arrays and [a.shape for a in arrays] != shapes:
            raise ModelFileError("the checkpoint does not fit the run's network")


def save_run(
    store: Store,
    who: Identity,
    record: RunRecord,
    run_id: int | None = None,
    *,
    written_here: bool = False,
) -> Saved:
    """Create a run (run_id None) or replace the saved state of one of `who`'s runs.

    `written_here`: the record's model file and checkpoint were written by this server
    (mlp_core.serialize, from one model and its own Trainer, as mlp_ui.saved's are),
    not handed in from outside, so they are not read back to be checked: a class saves
    every run every few seconds, and reading back the default network's files took about
    a third of a save."""
    size = check(record, read_files=not written_here)
    for attempt in range(3):
        try:
            with store.write() as session:
                lock_identity(session, who)
                if run_id is not None:
                    summary = _replace(session, who, record, run_id, size)
                    return Saved(summary, _make_room(session, who, run_id))
                row = _new_row(session, who, record)
                _fill(row, record, size)
                session.flush()
                dropped = _make_room(session, who, row.id)
                return Saved(_summary(row), dropped)
        except IntegrityError:  # another tab took the same run number: take the next
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


_LOCK_IDENTITY = select(IdentityRow.id).where(IdentityRow.id == bindparam("who")).with_for_update()
"""Built once (a save takes it every few seconds per student in a class)."""


def lock_identity(session: Session, who: Identity) -> None:
    """Take the student's row lock for this transaction: their saves run one at a time,
    so run numbers and the limits are counted without a race (SQLite's write lock
    already serialises every writer; PostgreSQL locks just this row)."""
    found = session.scalar(_LOCK_IDENTITY, {"who": who.id})
    if found is None:
        raise NotFound("this browser's identity is gone (Forget me?); reload the page")


def _new_row(session: Session, who: Identity, record: RunRecord) -> RunRow:
    """A new run of `who`'s, numbered `record.number` if that is free, else the next."""
    now = time.time()
    numbers = select(RunRow.number).where(RunRow.identity_id == who.id)
    taken = set(session.scalars(numbers).all())
    number = record.number if record.number and record.number not in taken else None
    number = number or max(taken, default=0) + 1
    row = RunRow(identity_id=who.id, number=number, starred=False, created=now)
    session.add(row)
    return row


_FROM_RECORD = ("name", "status", "history", "settings", "provenance", "backend", "model")
_FROM_RECORD += ("checkpoint",)
_REPLACED = (*_FROM_RECORD, "seconds", "size", "updated")
"""The columns a save writes (`_written`), a new run's or one already saved."""


def _written(record: RunRecord, size: int) -> dict[str, Any]:
    """What a save writes, by column (`_REPLACED`)."""
    fields = {name: getattr(record, name) for name in _FROM_RECORD}
    return fields | {"seconds": float(record.seconds), "size": size, "updated": time.time()}


def _replacing() -> Update:
    """One UPDATE of every column a save writes, built once: a class saves each run every
    few seconds, and loading the row first (its JSON decoded) and flushing it through the
    ORM took ~0.5 ms of the 1.8 ms `save_run` spent."""
    runs = RunRow.__table__
    return (
        update(runs)
        .where(runs.c.id == bindparam("run_id"), runs.c.identity_id == bindparam("who"))
        .values({name: bindparam(f"new_{name}", type_=runs.c[name].type) for name in _REPLACED})
    )


_REPLACING = _replacing()
_KEPT = (RunRow.number, RunRow.starred, RunRow.created)
"""What a save does not change and the summary needs."""
_REPLACING_RETURNING = _REPLACING.returning(*_KEPT)
"""The same, returning those (SQLite 3.35 or newer, PostgreSQL)."""


def _replace(
    session: Session, who: Identity, record: RunRecord, run_id: int, size: int
) -> RunSummary:
    """Replace the saved state of `who`'s run `run_id` (NotFound if it is not theirs)."""
    new = _written(record, size)
    values = {"run_id": run_id, "who": who.id} | {f"new_{k}": v for k, v in new.items()}
    if session.get_bind().dialect.update_returning:
        found = session.execute(_REPLACING_RETURNING, values).one_or_none()
    elif session.execute(_REPLACING, values).rowcount:  # SQLite before 3.35: no RETURNING
        found = session.execute(select(*_KEPT).where(RunRow.id == run_id)).one()
    else:
        found = None
    if found is None:
        raise NotFound(f"run {run_id} is not among your saved runs (deleted or never yours)")
    return RunSummary(
        run_id,
        found.number,
        record.name,
        record.status,
        found.starred,
        found.created,
        new["updated"],
        size,
    )


def _fill(row: RunRow, record: RunRecord, size: int) -> None:
    for name, value in _written(record, size).items():
        setattr(row, name, value)


def used_bytes(session: Session, who: Identity) -> int:
    """Bytes of everything `who` keeps."""
    return int(session.execute(_COUNTED, {"who": who.id}).one().used)


def _counted() -> Select:
    """One query: a student's runs (count) and the bytes of everything they keep (used),
    built once (a save runs it every few seconds per student in a class)."""
    who = bindparam("who")
    mine = [
        select(func.coalesce(func.sum(t.size), 0)).where(t.identity_id == who).scalar_subquery()
        for t in (RunRow, SnapshotRow, ComparisonRow)
    ]
    runs = select(func.count()).select_from(RunRow).where(RunRow.identity_id == who)
    return select(
        runs.scalar_subquery().label("count"), (mine[0] + mine[1] + mine[2]).label("used")
    )


_COUNTED = _counted()


def _make_room(session: Session, who: Identity, keep: int) -> tuple[int, ...]:
    """Let the oldest unstarred runs (not run `keep`, an id) go until both limits hold."""
    counted = session.execute(_COUNTED, {"who": who.id}).one()
    count, used = int(counted.count), int(counted.used)
    if count <= MAX_RUNS and used <= MAX_BYTES:  # nearly always: one query
        return ()
    rows = session.execute(
        select(RunRow.id, RunRow.number, RunRow.size, RunRow.starred)
        .where(RunRow.identity_id == who.id)
        .order_by(RunRow.updated, RunRow.id)
    ).all()
    victims = [r for r in rows if not r.starred and r.id != keep]
    dropped = []
    while count > MAX_RUNS or used > MAX_BYTES:
        if not victims:
            raise LimitReached(_limit_text(count, used))
        victim = victims.pop(0)
        dropped.append(victim)
        count, used = count - 1, used - victim.size
    if dropped:  # none when every other run is starred
        session.execute(delete(RunRow).where(RunRow.id.in_([v.id for v in dropped])))
    return tuple(v.number for v in dropped)


def _limit_text(count: int, used: int) -> str:
    if count > MAX_RUNS:
        return (
            f"not saved: you keep {MAX_RUNS} runs, all starred; unstar or delete one "
            "(Your work) to save more"
        )
    return (
        f"not saved: your saved work would take {used / 2**20:.0f} MB, more than the "
        f"{MAX_BYTES // 2**20} MB kept per student; unstar or delete a run"
    )


def runs_of(store: Store, who: Identity) -> list[RunSummary]:
    """`who`'s saved runs, by run number."""
    with store.read() as session:
        rows = session.scalars(
            select(RunRow).where(RunRow.identity_id == who.id).order_by(RunRow.number)
        ).all()
        return [_summary(r) for r in rows]


def load_run(store: Store, who: Identity, run_id: int) -> StoredRun:
    """One of `who`'s runs with its weights and history (NotFound if not theirs)."""
    with store.read() as session:
        row = session.scalar(
            select(RunRow)
            .options(undefer(RunRow.model), undefer(RunRow.checkpoint))  # one query
            .where(RunRow.id == run_id, RunRow.identity_id == who.id)
        )
        if row is None:
            raise NotFound(f"run {run_id} is not among your saved runs (deleted or never yours)")
        record = RunRecord(
            row.name,
            row.status,
            row.history,
            bytes(row.model),
            row.settings,
            row.provenance,
            row.backend,
            row.seconds,
            row.number,
            None if row.checkpoint is None else bytes(row.checkpoint),
        )
        return StoredRun(_summary(row), record)


def star(store: Store, who: Identity, run_id: int, starred: bool = True) -> None:
    """Star a run (kept whatever the limit) or unstar it."""
    with store.write() as session:
        row = session.scalar(
            select(RunRow).where(RunRow.id == run_id, RunRow.identity_id == who.id)
        )
        if row is None:
            raise NotFound(f"run {run_id} is not among your saved runs (deleted or never yours)")
        row.starred = bool(starred)


def delete_run(store: Store, who: Identity, run_id: int) -> None:
    """Delete one of `who`'s runs (NotFound if not theirs)."""
    with store.write() as session:
        gone = session.execute(
            delete(RunRow).where(RunRow.id == run_id, RunRow.identity_id == who.id)
        )
        if gone.rowcount != 1:
            raise NotFound(f"run {run_id} is not among your saved runs (deleted or never yours)")
