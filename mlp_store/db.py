"""Where the database is, and one engine per process for it.

SQLite by default: `lab.sqlite3` in the data folder (`data_dir()`), in WAL mode with a
busy timeout, so several script threads and several server processes on one machine can
write one after the other. PostgreSQL when `MLP_LAB_DATABASE_URL` names one (psycopg 3).
Every unit of work is one `Session` in a `session.begin()` block (`Store.write`,
`Store.read`): a save is one transaction, whole or not at all.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session

from mlp_store.errors import translated

DB_FILE = "lab.sqlite3"
BUSY_SECONDS = 30.0
"""How long a writer waits for another (SQLite's busy timeout, PostgreSQL's lock wait)."""
CONNECT_SECONDS = 3
"""How long a connection to PostgreSQL may take before the database counts as unreachable."""


class Base(DeclarativeBase):
    """The declarative base of every table (other modules add theirs to it)."""


def data_dir() -> Path:
    """The app's data folder: `$MLP_LAB_DATA`, else `$XDG_DATA_HOME/mlp_lab`, else
    `~/.local/share/mlp_lab`. Students' work is data, not a cache: it is kept apart from
    the MNIST cache (`~/.cache/mlp_lab`), which a cleaning tool may empty."""
    if os.environ.get("MLP_LAB_DATA"):
        return Path(os.environ["MLP_LAB_DATA"]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "mlp_lab"


def database_url() -> str:
    """`$MLP_LAB_DATABASE_URL` (postgresql://... uses psycopg 3), else the SQLite file."""
    url = os.environ.get("MLP_LAB_DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{data_dir() / DB_FILE}"
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def describe(url: str) -> str:
    """The database in words, without its password (for pages and logs)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"SQLite file {parsed.database}"
    return f"PostgreSQL {parsed.render_as_string(hide_password=True)}"


def new_engine(url: str) -> Engine:
    """An engine for `url` with the settings a class server needs."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, parsed.database)
    return create_engine(
        url,
        pool_pre_ping=True,  # a database that was restarted is found again
        pool_size=5,
        max_overflow=10,
        connect_args={
            "connect_timeout": CONNECT_SECONDS,
            "options": f"-c lock_timeout={int(BUSY_SECONDS * 1000)}",
        },
    )


def _sqlite_engine(url: str, path: str | None) -> Engine:
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": BUSY_SECONDS, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # we say BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(BUSY_SECONDS * 1000)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=FULL")  # an acknowledged save survives power loss
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        # A writer takes the write lock when it begins (IMMEDIATE): a deferred transaction
        # that reads and then writes can fail at once with "database is locked" when
        # another process wrote in between, whatever the busy timeout.
        mode = "DEFERRED" if connection.get_execution_options().get("mlp_read") else "IMMEDIATE"
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


class Store:
    """One database: its engine, and a Session per unit of work."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = new_engine(url)
        self._reader = self.engine.execution_options(mlp_read=True)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def describe(self) -> str:
        return describe(self.url)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction that may write: committed whole when the block ends, else
        rolled back (nothing half-written)."""
        with (
            translated(),
            Session(self.engine, expire_on_commit=False) as session,
            session.begin(),
        ):
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """One transaction that only reads."""
        with (
            translated(),
            Session(self._reader, expire_on_commit=False) as session,
            session.begin(),
        ):
            yield session

    def close(self) -> None:
        self.engine.dispose()


_STORES: dict[str, Store] = {}
_LOCK = threading.Lock()


def open_store(url: str | None = None) -> Store:
    """The process's Store for `url` (default `database_url()`), migrated to the newest
    schema the first time it is opened."""
    url = url or database_url()
    with _LOCK:
        if url not in _STORES:
            from mlp_store.migrate import upgrade

            store = Store(url)
            upgrade(store)
            _STORES[url] = store
        return _STORES[url]


def close_stores() -> None:
    """Dispose of every engine this process opened (tests, and a clean shutdown)."""
    with _LOCK:
        for store in _STORES.values():
            store.close()
        _STORES.clear()
