"""The store's fixtures: every test runs on SQLite and on PostgreSQL (`store`).

PostgreSQL is `$MLP_LAB_TEST_DATABASE_URL` if set (a throwaway database: the tests empty
its tables and create and drop databases beside it), else a throwaway cluster started
once per test session (tests/store/postgres.py); without either the PostgreSQL half
skips with the reason, or fails with it when `MLP_LAB_REQUIRE_POSTGRES=1` (CI).
"""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from mlp_store import Store, close_stores, open_store
from mlp_store.db import Base
from tests.store import postgres


@pytest.fixture(scope="session")
def postgres_url():
    if postgres.WHY_NOT:
        if os.environ.get("MLP_LAB_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"MLP_LAB_REQUIRE_POSTGRES=1 but {postgres.WHY_NOT}")
        pytest.skip(postgres.WHY_NOT)
    with postgres.database_url() as url:
        yield url


def _empty(store: Store) -> None:
    with store.write() as session:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(text(f'DELETE FROM "{table.name}"'))


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'lab.sqlite3'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def store(store_url) -> Store:
    found = open_store(store_url)
    _empty(found)
    yield found
    _empty(found)


@pytest.fixture(scope="session", autouse=True)
def _closed_at_the_end():
    yield
    close_stores()
