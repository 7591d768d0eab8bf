"""Faults: a process killed with SIGKILL during 30 concurrent saves, then the database
opened again: every acknowledged save is there whole, no row is half-written. A database
that cannot be reached gives `Unavailable` with a one-line reason. SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import mlp_store as ms
from mlp_core.serialize import load_model
from mlp_core.training import History
from mlp_store import db as store_db
from mlp_store import runs as store_runs
from tests.store.helpers import record

ROOT = Path(__file__).resolve().parents[2]
THREADS = 30
KILL_AFTER = 90  # acknowledged saves before the kill: every thread is mid-way by then
STALLED_AFTER = 300.0  # seconds without reaching KILL_AFTER: the saver is stuck


@pytest.mark.slow
def test_sigkill_during_30_concurrent_saves_loses_nothing_acknowledged(store, monkeypatch):
    monkeypatch.setattr(store_runs, "MAX_RUNS", 100)
    identity, acked, in_flight = _save_until_killed(store.url)
    ms.close_stores()  # as after a restart: new connections, a new engine
    again = ms.open_store(store.url)
    saved = {r.id: r for r in ms.runs_of(again, identity)}
    assert {run_id for run_id, _ in acked.values()} <= set(saved), "an acknowledged run is gone"
    for run_id in saved:  # nothing half-written: every row loads whole
        whole = ms.load_run(again, identity, run_id).record
        load_model(whole.model)
        History.from_dict(whole.history)
    for thread, (run_id, digest) in acked.items():
        got = hashlib.sha256(ms.load_run(again, identity, run_id).record.model).hexdigest()
        # the acknowledged weights, or those of the save in flight when killed (committed
        # but not yet acknowledged): never an older state, never a mix
        assert got in (digest, in_flight.get(thread)), f"thread {thread} lost its save"


def _save_until_killed(url: str):
    """Run tests/store/saver.py with THREADS threads; SIGKILL it once KILL_AFTER saves are
    acknowledged -> its identity, {thread: (run id, last acked digest)}, {thread: digest
    of the save it started after that}."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.store.saver", url, str(THREADS)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    identity, acked, in_flight, count = None, {}, {}, 0
    watchdog = threading.Timer(STALLED_AFTER, proc.kill)  # a saver that stalls fails the test
    watchdog.start()
    try:
        for line in proc.stdout:
            kind, *rest = line.split()
            if kind == "IDENTITY":
                identity = ms.Identity(int(rest[0]))
            elif kind == "SAVING":
                in_flight[int(rest[0])] = rest[1]
            elif kind == "ACK":
                acked[int(rest[0])] = (int(rest[1]), rest[2])
                count += 1
                if count >= KILL_AFTER and len(acked) == THREADS:
                    os.kill(proc.pid, signal.SIGKILL)
                    break
    finally:
        watchdog.cancel()
        proc.kill()
        proc.wait()
    assert count >= KILL_AFTER and len(acked) == THREADS, f"{count} saves acknowledged"
    assert proc.returncode == -signal.SIGKILL and identity is not None
    return identity, acked, in_flight


def test_an_unreachable_database_says_so_in_one_line():
    with socketless_port() as port:
        url = f"postgresql+psycopg://nobody@127.0.0.1:{port}/none"
        with pytest.raises(ms.Unavailable, match="cannot be reached") as caught:
            ms.open_store(url)
    assert "\n" not in str(caught.value)


def test_a_full_sqlite_database_says_so(tmp_path):
    store = store_db.Store(f"sqlite:///{tmp_path / 'full.sqlite3'}")
    from mlp_store.migrate import upgrade

    upgrade(store)
    with store.engine.connect() as connection:
        pages = connection.exec_driver_sql("PRAGMA page_count").scalar()
        connection.exec_driver_sql(f"PRAGMA max_page_count={pages + 2}")
    who = ms.identity_for(store, ms.new_secret(), create=True)
    with pytest.raises(ms.Unavailable, match="the database is full"):
        ms.save_run(store, who, record())
    store.close()


class socketless_port:
    """A loopback port nothing listens on (bound, then closed)."""

    def __enter__(self) -> int:
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    def __exit__(self, *exc) -> None:
        return None
