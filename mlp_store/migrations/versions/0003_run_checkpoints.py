"""A run's training checkpoint (momentum, place in the epoch, ...), so a run cut short by
a reload, a restart or a failover goes on exactly where its last save left it.

Revision ID: 0003_run_checkpoints
Revises: 0002_classes
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_run_checkpoints"
down_revision = "0002_classes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("checkpoint", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("checkpoint")
