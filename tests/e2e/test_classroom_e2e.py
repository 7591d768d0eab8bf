"""A class on one real server: sessions that train at once each get their own run.

Three sessions (Streamlit's own websocket protocol, tests/e2e/st_ws.py, as three browser
tabs) press Start within a few milliseconds of each other, each with its own number of
epochs. Each page reports its own first run (#1) with its own epochs, never another
session's; no page shows an exception; and while one run trains, the others go to the
server's pool of worker processes (mlp_fast.pool), which their pages name.

Then a worker process of the pool is killed while it trains a chunk of one of two
sessions' runs (a worker killed between chunks holds no run and is replaced without a
word, so the test waits until one is running): that run stops with the reason and
Continue resumes it; the other session's run goes on untouched.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
from pathlib import Path

import mlp_fast
from tests.e2e.st_ws import Session, int_value, run_in_own_loop, trigger
from tests.waiting import await_until

ANOTHER = mlp_fast.CLASS
STOPPED = "The training worker process stopped while training your run"


async def _student(url: str) -> Session:
    session = Session(url, keep=True)
    await session.open()
    await session.rerun()
    await session.run_finished(timeout=120)
    return session


async def _train(session: Session, epochs: int) -> str:
    """Press Start with `epochs` and 2,000 training digits; the page's finished line."""
    ids = session.seen.widgets
    waiting = asyncio.ensure_future(session.text(r"Run #\d+ finished \d+ epochs?", 240))
    await session.rerun(
        [
            int_value(ids["Epochs"], epochs),
            int_value(ids["Training examples"], 2000),
            trigger(ids["Start"]),
        ]
    )
    return (await waiting).group(0).decode()


async def _class(url: str) -> list[Session]:
    epochs = (2, 3, 4)
    students = await asyncio.gather(*(_student(url) for _ in epochs))
    finished = await asyncio.gather(*(_train(s, e) for s, e in zip(students, epochs, strict=True)))
    assert finished == [f"Run #1 finished {e} epochs" for e in epochs]
    for s in students:
        await s.close()
    return students


def test_sessions_training_at_once_each_get_their_own_run(app_url):
    students = run_in_own_loop(_class(app_url), 300)
    assert not any(s.seen.errors for s in students), [s.seen.errors for s in students]
    assert sum(s.seen.shown(ANOTHER) for s in students) >= 1


def _pool_workers(server_pid: int) -> list[int]:
    """The server's worker processes (its children running mlp_fast.pool)."""
    found = []
    for task in Path(f"/proc/{server_pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
            if b"mlp_fast.pool" in cmdline:
                found.append(int(child))
    return found


async def _long_run(session: Session) -> None:
    ids = session.seen.widgets
    await session.rerun(
        [
            int_value(ids["Epochs"], 1000),
            int_value(ids["Training examples"], 2000),
            trigger(ids["Start"]),
        ]
    )


def _progress(session: Session) -> float:
    """The furthest epoch (with its fraction) the page's progress bar has shown."""
    shown = re.findall(rb"(\d+) of 1000 epochs done, (\d+)% of the way", b"".join(session.seen.raw))
    return max((int(e) + int(p) / 100 for e, p in shown), default=0.0)


def _training_worker(server_pid: int) -> int | None:
    """A worker of the server's pool that is running now (training a chunk: a worker
    between chunks sleeps on its pipe), or None."""
    for pid in _pool_workers(server_pid):
        with contextlib.suppress(OSError):
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "R":
                return pid
    return None


async def _kill_while_training(server_pid: int, a: Session, b: Session) -> int:
    """SIGKILL a worker while it trains a chunk; the index (0: a, 1: b) of the session
    whose run it was training. A worker killed between two chunks holds no run and is
    replaced without a word, so when no page says so within 20 s, kill another."""
    for _ in range(5):
        pid = await await_until(lambda: _training_worker(server_pid), 5, "a worker trains")
        os.kill(pid, signal.SIGKILL)
        tasks = [asyncio.ensure_future(s.text(STOPPED, 20)) for s in (a, b)]
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for t in pending:
            t.cancel()
        hit = [i for i, t in enumerate(tasks) if t in done and t.exception() is None]
        if hit:
            return hit[0]
    raise AssertionError("five killed workers and no run said it lost its worker")


async def _kill_a_worker(url: str, server_pid: int) -> None:
    a, b = await _student(url), await _student(url)
    for s in (a, b):
        await _long_run(s)
    await asyncio.gather(*(s.text("worker pool", 120) for s in (a, b)))
    assert _pool_workers(server_pid), "no worker process found"
    hit = await _kill_while_training(server_pid, a, b)
    victim, other = (a, b) if hit == 0 else (b, a)
    await other.rerun([trigger(other.seen.widgets["Stop"])])
    await other.text("Stopped by you at epoch", 60)  # it was still training
    assert not other.seen.shown(STOPPED)
    before = _progress(victim)
    await victim.rerun([trigger(victim.seen.widgets["Continue"])])
    # Continue trains it again: its progress goes past where it was
    await await_until(lambda: _progress(victim) > before, 60, "the run trains again")
    await victim.rerun([trigger(victim.seen.widgets["Stop"])])
    await victim.text("Stopped by you at epoch", 60)
    assert not a.seen.errors and not b.seen.errors, (a.seen.errors, b.seen.errors)
    for s in (a, b):
        await s.close()


def test_a_killed_worker_stops_one_run_which_continues(app_server):
    server, _ = app_server
    run_in_own_loop(_kill_a_worker(server.url, server.pid), 300)
