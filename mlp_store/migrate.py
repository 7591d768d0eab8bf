"""Alembic migrations, run by the app itself when it opens the database.

`upgrade` is idempotent (at the newest revision it changes nothing) and safe when several
replicas start at once: on PostgreSQL they take turns on an advisory lock, on SQLite on a
lock file beside the database, so each finds the schema either untouched or complete.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url

from mlp_store.db import Store
from mlp_store.errors import translated

MIGRATIONS = Path(__file__).parent / "migrations"
LOCK_KEY = 0x4D4C504C  # "MLPL": the advisory lock all replicas take to migrate


def config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def upgrade(store: Store, revision: str = "head") -> None:
    """Bring the database to `revision` (default: the newest)."""
    with translated(), _migration_lock(store) as connection:
        cfg = config()
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def current(store: Store) -> str | None:
    """The database's revision (None before the first migration)."""
    with translated(), store.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head() -> str:
    """The newest revision of the package's migrations."""
    return ScriptDirectory.from_config(config()).get_current_head()


@contextmanager
def _migration_lock(store: Store) -> Iterator[Connection]:
    if store.dialect == "postgresql":
        with store.engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": LOCK_KEY})
            connection.commit()
            try:
                yield connection
                connection.commit()
            finally:
                connection.rollback()
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
                connection.commit()
        return
    path = make_url(store.url).database
    lock_path = Path(f"{path}.migrate.lock") if path and path != ":memory:" else None
    with _file_lock(lock_path), store.engine.connect() as connection:
        yield connection
        connection.commit()


@contextmanager
def _file_lock(path: Path | None) -> Iterator[None]:
    if path is None:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
