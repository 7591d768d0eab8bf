"""Students' work: identities and their keys, runs, snapshots, comparisons, transfer codes.

Revision ID: 0001_students_work
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_students_work"
down_revision = None
branch_labels = None
depends_on = None


def _owner() -> sa.Column:
    return sa.Column(
        "identity_id",
        sa.Integer(),
        sa.ForeignKey("identities.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )


def upgrade() -> None:
    op.create_table(
        "identities",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("created", sa.Double(), nullable=False),
        sa.Column("last_seen", sa.Double(), nullable=False, index=True),
        sa.Column("redeem_failures", sa.Integer(), nullable=False),
        sa.Column("redeem_window", sa.Double(), nullable=False),
    )
    op.create_table(
        "identity_keys",
        sa.Column("key_hash", sa.String(64), primary_key=True),
        _owner(),
        sa.Column("created", sa.Double(), nullable=False),
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        _owner(),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("starred", sa.Boolean(), nullable=False),
        sa.Column("created", sa.Double(), nullable=False),
        sa.Column("updated", sa.Double(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=True),
        sa.Column("history", sa.JSON(), nullable=False),
        sa.Column("provenance", sa.JSON(), nullable=False),
        sa.Column("backend", sa.String(200), nullable=False),
        sa.Column("seconds", sa.Double(), nullable=False),
        sa.Column("model", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.UniqueConstraint("identity_id", "number", name="uq_runs_identity_number"),
    )
    op.create_index("ix_runs_identity_updated", "runs", ["identity_id", "updated"])
    for table in ("snapshots", "comparisons"):
        op.create_table(
            table,
            sa.Column("id", sa.Integer(), primary_key=True),
            _owner(),
            sa.Column("created", sa.Double(), nullable=False),
            sa.Column("name", sa.String(200), nullable=False),
            sa.Column("payload", sa.JSON(), nullable=False),
            sa.Column("size", sa.Integer(), nullable=False),
        )
    op.create_table(
        "transfer_codes",
        sa.Column("code_hash", sa.String(64), primary_key=True),
        _owner(),
        sa.Column("expires", sa.Double(), nullable=False, index=True),
    )


def downgrade() -> None:
    for table in ("transfer_codes", "comparisons", "snapshots", "runs", "identity_keys"):
        op.drop_table(table)
    op.drop_table("identities")
