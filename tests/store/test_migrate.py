"""Migrations: the schema they make is the models' (nothing for Alembic to add), running
them again changes nothing, and several processes starting at once on a fresh database
all succeed (they take turns). On SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import make_url

import mlp_class.tables  # noqa: F401  (its tables are on the same Base: compared too)
import mlp_store as ms
from mlp_store import migrate
from mlp_store.db import Base, Store

ROOT = Path(__file__).resolve().parents[2]


def test_the_migrated_schema_is_the_models(store):
    assert migrate.current(store) == migrate.head()
    with store.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_upgrading_again_changes_nothing(store):
    who = ms.identity_for(store, ms.new_secret(), create=True)
    migrate.upgrade(store)
    migrate.upgrade(store)
    assert migrate.current(store) == migrate.head()
    assert ms.runs_of(store, who) == []


@pytest.fixture
def fresh_url(store_url, tmp_path):
    """An empty database of the same kind (a new file, or a new PostgreSQL database)."""
    if store_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        return
    name = f"fresh_{uuid.uuid4().hex[:12]}"
    admin = Store(store_url)
    with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(store_url).set(database=name).render_as_string(hide_password=False)
    with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.close()


def test_replicas_starting_at_once_all_migrate(fresh_url):
    code = "import sys, mlp_store; mlp_store.open_store(sys.argv[1]); print('ok')"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, fresh_url], cwd=ROOT, stdout=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    outs = [p.communicate(timeout=120)[0].strip() for p in procs]
    assert outs == ["ok"] * 4 and [p.returncode for p in procs] == [0] * 4
    fresh = Store(fresh_url)
    assert migrate.current(fresh) == migrate.head()
    fresh.close()
