"""Playground snapshots and Libraries comparisons a student keeps: small JSON documents.

Each kind keeps at most `MAX_KEPT` per student (the oldest go first) and `MAX_ITEM_BYTES`
each; they count towards the student's bytes (mlp_store.runs.MAX_BYTES).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select

from mlp_store.db import Store
from mlp_store.errors import LimitReached, NotFound, Refused
from mlp_store.identity import Identity
from mlp_store.models import ComparisonRow, SnapshotRow
from mlp_store.runs import MAX_BYTES, MAX_NAME, lock_identity, used_bytes

MAX_KEPT = 30
MAX_ITEM_BYTES = 2 * 2**20


@dataclass(frozen=True)
class Kept:
    id: int
    name: str
    created: float
    payload: dict[str, Any]


def _encoded_size(name: str, payload: dict[str, Any]) -> int:
    if not isinstance(name, str) or not 0 < len(name) <= MAX_NAME:
        raise Refused(f"a name is 1 to {MAX_NAME} characters")
    if not isinstance(payload, dict):
        raise Refused("what is kept must be a JSON object")
    try:
        size = len(json.dumps(payload, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise Refused(f"what is kept is not plain JSON ({exc})") from None
    if size > MAX_ITEM_BYTES:
        raise Refused(
            f"one kept item is at most {MAX_ITEM_BYTES // 2**20} MB ({size:,} bytes given)"
        )
    return size


def _save(store: Store, table, who: Identity, name: str, payload: dict[str, Any]) -> int:
    size = _encoded_size(name, payload)
    with store.write() as session:
        lock_identity(session, who)
        row = table(identity_id=who.id, created=time.time(), name=name, payload=payload, size=size)
        session.add(row)
        session.flush()
        ids = session.scalars(
            select(table.id).where(table.identity_id == who.id).order_by(table.id.desc())
        ).all()
        if ids[MAX_KEPT:]:
            session.execute(delete(table).where(table.id.in_(ids[MAX_KEPT:])))
        if used_bytes(session, who) > MAX_BYTES:
            raise LimitReached(
                f"not kept: your saved work would pass the {MAX_BYTES // 2**20} MB kept per "
                "student; delete a run or snapshot"
            )
        return row.id


def _of(store: Store, table, who: Identity) -> list[Kept]:
    with store.read() as session:
        rows = session.scalars(
            select(table).where(table.identity_id == who.id).order_by(table.id)
        ).all()
        return [Kept(r.id, r.name, r.created, r.payload) for r in rows]


def _delete(store: Store, table, who: Identity, item_id: int) -> None:
    with store.write() as session:
        gone = session.execute(
            delete(table).where(table.id == item_id, table.identity_id == who.id)
        )
        if gone.rowcount != 1:
            raise NotFound(f"item {item_id} is not among yours (deleted or never yours)")


def save_snapshot(store: Store, who: Identity, name: str, payload: dict[str, Any]) -> int:
    """Keep a Playground snapshot -> its id."""
    return _save(store, SnapshotRow, who, name, payload)


def snapshots_of(store: Store, who: Identity) -> list[Kept]:
    return _of(store, SnapshotRow, who)


def delete_snapshot(store: Store, who: Identity, snapshot_id: int) -> None:
    _delete(store, SnapshotRow, who, snapshot_id)


def save_comparison(store: Store, who: Identity, name: str, payload: dict[str, Any]) -> int:
    """Keep a Libraries comparison -> its id."""
    return _save(store, ComparisonRow, who, name, payload)


def comparisons_of(store: Store, who: Identity) -> list[Kept]:
    return _of(store, ComparisonRow, who)


def delete_comparison(store: Store, who: Identity, comparison_id: int) -> None:
    _delete(store, ComparisonRow, who, comparison_id)
