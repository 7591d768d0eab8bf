"""A class: classes, challenges, members, submissions, and the attempts rate limits count
(mlp_class.tables).

Revision ID: 0002_classes
Revises: 0001_students_work
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_classes"
down_revision = "0001_students_work"
branch_labels = None
depends_on = None


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), primary_key=True)


def _to(table: str, column: str) -> sa.Column:
    return sa.Column(
        column, sa.Integer(), sa.ForeignKey(f"{table}.id", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "class_rooms",
        _id(),
        sa.Column("code", sa.String(16), nullable=False, unique=True),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("created", sa.Float(), nullable=False),
    )
    op.create_table(
        "class_challenges",
        _id(),
        _to("class_rooms", "class_id"),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("rules", sa.Text(), nullable=False),
        sa.Column("ends_at", sa.Float(), nullable=True),
        sa.Column("open", sa.Boolean(), nullable=False),
        sa.Column("auto_submit", sa.Boolean(), nullable=False),
        sa.Column("created", sa.Float(), nullable=False),
    )
    op.create_table(
        "class_members",
        _id(),
        _to("class_rooms", "class_id"),
        _to("identities", "identity_id"),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("name_key", sa.String(200), nullable=False),
        sa.Column("joined", sa.Float(), nullable=False),
        sa.Column("progress", sa.Float(), nullable=True),
        sa.Column("progress_of", sa.Integer(), nullable=True),
        sa.Column("progress_at", sa.Float(), nullable=True),
        sa.UniqueConstraint("class_id", "name_key"),
        sa.UniqueConstraint("class_id", "identity_id"),
    )
    op.create_table(
        "class_submissions",
        _id(),
        _to("class_challenges", "challenge_id"),
        _to("class_members", "member_id"),
        sa.Column("created", sa.Float(), nullable=False),
        sa.Column("config", sa.Text(), nullable=False),
        sa.Column("history", sa.Text(), nullable=False),
        sa.Column("model", sa.LargeBinary(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("params", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("epochs", sa.Integer(), nullable=False),
        sa.Column("removed", sa.Text(), nullable=True),
        sa.UniqueConstraint("challenge_id", "member_id", "digest"),
    )
    op.create_index("ix_class_submissions_challenge_id", "class_submissions", ["challenge_id"])
    op.create_index("ix_class_submissions_member_id", "class_submissions", ["member_id"])
    op.create_table(
        "class_attempts",
        _id(),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("who", sa.String(128), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
    )
    op.create_index("ix_class_attempts_kind_who_at", "class_attempts", ["kind", "who", "at"])


def downgrade() -> None:
    for table in ("class_attempts", "class_submissions", "class_members", "class_challenges"):
        op.drop_table(table)
    op.drop_table("class_rooms")
