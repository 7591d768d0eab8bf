"""The tables of students' work. Times are seconds since the epoch (UTC), as floats.

Every table that belongs to a student has `identity_id` with ON DELETE CASCADE, so
"Forget me" (deleting the identity) takes all of it, in this module and in any module
that adds tables later (e.g. a class board): add yours to `Base` in your own module,
with its own Alembic revision after this one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mlp_store.db import Base


def owner() -> ForeignKey:
    """The foreign key of a row a student owns: deleted with their identity."""
    return ForeignKey("identities.id", ondelete="CASCADE")


class Identity(Base):
    """A student, as one browser (or several, after a transfer) knows them."""

    __tablename__ = "identities"

    id: Mapped[int] = mapped_column(primary_key=True)
    created: Mapped[float]
    last_seen: Mapped[float] = mapped_column(index=True)
    redeem_failures: Mapped[int] = mapped_column(default=0)  # wrong transfer codes...
    redeem_window: Mapped[float] = mapped_column(default=0.0)  # ...counted since then


class IdentityKey(Base):
    """A browser's secret, hashed (SHA-256, hex): the only form the server keeps."""

    __tablename__ = "identity_keys"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    identity_id: Mapped[int] = mapped_column(owner(), index=True)
    created: Mapped[float]


class RunRow(Base):
    """One Train run: settings, history with its sub-epoch points, weights (.npz)."""

    __tablename__ = "runs"
    __table_args__ = (UniqueConstraint("identity_id", "number", name="uq_runs_identity_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    identity_id: Mapped[int] = mapped_column(owner(), index=True)
    number: Mapped[int]  # the student's own run number, "#3"
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))
    starred: Mapped[bool] = mapped_column(default=False)
    created: Mapped[float]
    updated: Mapped[float]
    settings: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    history: Mapped[dict[str, Any]] = mapped_column(JSON)
    provenance: Mapped[dict[str, Any]] = mapped_column(JSON)
    backend: Mapped[str] = mapped_column(String(200))
    seconds: Mapped[float]
    # the two large columns load only when read (load_run): a save that replaces them, or
    # a list of runs, never reads a megabyte it does not use
    model: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    checkpoint: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)  # momentum,
    # place in the epoch, the epoch's first weights
    size: Mapped[int]  # bytes of model and JSON together, for the per-student bound


class Kept:
    """The columns of a small thing a student keeps: a name and a JSON payload."""

    id: Mapped[int] = mapped_column(primary_key=True)
    identity_id: Mapped[int] = mapped_column(owner(), index=True)
    created: Mapped[float]
    name: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    size: Mapped[int]


class SnapshotRow(Kept, Base):
    """A Playground snapshot (its settings, epoch and curves)."""

    __tablename__ = "snapshots"


class ComparisonRow(Kept, Base):
    """A Libraries comparison a student kept (the runs' settings and curves)."""

    __tablename__ = "comparisons"


class TransferCode(Base):
    """A one-time code that moves an identity to another browser (hashed, expiring)."""

    __tablename__ = "transfer_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    identity_id: Mapped[int] = mapped_column(owner(), index=True)
    expires: Mapped[float] = mapped_column(index=True)


Index("ix_runs_identity_updated", RunRow.identity_id, RunRow.updated)
