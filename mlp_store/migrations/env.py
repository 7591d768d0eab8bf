"""Alembic's environment: migrations run on the connection `mlp_store.migrate` passes."""

from __future__ import annotations

from alembic import context

import mlp_store.models  # noqa: F401  (registers the tables on Base.metadata)
from mlp_store.db import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying
)
with context.begin_transaction():
    context.run_migrations()
