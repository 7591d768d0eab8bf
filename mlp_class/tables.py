"""The class tables (SQLAlchemy 2, typed): classes, challenges, members, submissions, and
the attempts that rate limits count, on the store's `Base` (migration
mlp_store/migrations/versions/0002_classes.py). A member belongs to a browser identity:
"Forget me" deletes it, and its submissions, through ON DELETE CASCADE.
Times are Unix seconds (floats), JSON as text, a model as its .npz bytes."""

from __future__ import annotations

from sqlalchemy import (
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from mlp_store.db import Base


class ClassRoom(Base):
    __tablename__ = "class_rooms"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    title: Mapped[str] = mapped_column(String(100))
    key_hash: Mapped[str] = mapped_column(String(64))
    created: Mapped[float] = mapped_column(Float)


class Challenge(Base):
    __tablename__ = "class_challenges"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("class_rooms.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(100))
    rules: Mapped[str] = mapped_column(Text)  # mlp_core.challenge.Rules as JSON
    ends_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    open: Mapped[bool] = mapped_column(default=True)
    auto_submit: Mapped[bool] = mapped_column(default=False)
    created: Mapped[float] = mapped_column(Float)


class Member(Base):
    __tablename__ = "class_members"
    __table_args__ = (
        UniqueConstraint("class_id", "name_key"),
        UniqueConstraint("class_id", "identity_id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("class_rooms.id", ondelete="CASCADE"))
    identity_id: Mapped[int] = mapped_column(ForeignKey("identities.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    name_key: Mapped[str] = mapped_column(String(200))
    joined: Mapped[float] = mapped_column(Float)
    progress: Mapped[float | None] = mapped_column(Float, nullable=True)  # epochs, training
    progress_of: Mapped[int | None] = mapped_column(Integer, nullable=True)  # epochs planned
    progress_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class Submission(Base):
    __tablename__ = "class_submissions"
    __table_args__ = (UniqueConstraint("challenge_id", "member_id", "digest"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    challenge_id: Mapped[int] = mapped_column(
        ForeignKey("class_challenges.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("class_members.id", ondelete="CASCADE"), index=True
    )
    created: Mapped[float] = mapped_column(Float)
    config: Mapped[str] = mapped_column(Text)  # TrainConfig as JSON
    history: Mapped[str] = mapped_column(Text)  # per-epoch statistics as JSON
    model: Mapped[bytes] = mapped_column(LargeBinary)
    digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of the model file
    score: Mapped[float] = mapped_column(Float)  # on the private half, by the server
    params: Mapped[int] = mapped_column(Integer)
    seconds: Mapped[float] = mapped_column(Float)
    epochs: Mapped[int] = mapped_column(Integer)
    removed: Mapped[str | None] = mapped_column(Text, nullable=True)  # the teacher's reason


class Attempt(Base):
    """One try a rate limit counts (a join with a wrong code, a submission)."""

    __tablename__ = "class_attempts"
    __table_args__ = (Index("ix_class_attempts_kind_who_at", "kind", "who", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    who: Mapped[str] = mapped_column(String(128))
    at: Mapped[float] = mapped_column(Float)
