"""The store's fixtures (SQLite and PostgreSQL) and the pages' offline sample, reused."""

from tests.app.conftest import offline_sample  # noqa: F401
from tests.store.conftest import _closed_at_the_end, postgres_url, store, store_url  # noqa: F401
