"""A class on one real server: sessions that train at once each get their own run.

Three sessions (Streamlit's own websocket protocol, tests/e2e/st_ws.py, as three browser
tabs) press Start within a few milliseconds of each other, each with its own number of
epochs. Each page reports its own first run (#1) with its own epochs, never another
session's; no page shows an exception; and while one run trains, the others go to the
server's pool of worker processes (mlp_fast.pool), which their pages name.

Then a worker process of the pool is killed while two sessions train: one run stops
with the reason and Continue resumes it; the other session's run goes on untouched.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
from pathlib import Path

import mlp_fast
from tests.e2e.st_ws import Session, int_value, trigger

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
    students = asyncio.run(asyncio.wait_for(_class(app_url), 300))
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


async def _first(*waits) -> int:
    """The index of the first of these awaitables to finish (the others are cancelled)."""
    tasks = [asyncio.ensure_future(w) for w in waits]
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for t in pending:
        t.cancel()
    return tasks.index(next(iter(done)))


async def _kill_a_worker(url: str, server_pid: int) -> None:
    a, b = await _student(url), await _student(url)
    for s in (a, b):
        await _long_run(s)
    await asyncio.gather(*(s.text("worker pool", 120) for s in (a, b)))
    workers = _pool_workers(server_pid)
    assert workers, "no worker process found"
    os.kill(workers[0], signal.SIGKILL)
    hit = await _first(a.text(STOPPED, 60), b.text(STOPPED, 60))
    victim, other = (a, b) if hit == 0 else (b, a)
    await other.rerun([trigger(other.seen.widgets["Stop"])])
    await other.text("Stopped by you at epoch", 60)  # it was still training
    assert not other.seen.shown(STOPPED)
    before = _progress(victim)
    await victim.rerun([trigger(victim.seen.widgets["Continue"])])
    for _ in range(600):  # Continue trains it again: its progress goes past where it was
        if _progress(victim) > before:
            break
        await asyncio.sleep(0.1)
    assert _progress(victim) > before
    await victim.rerun([trigger(victim.seen.widgets["Stop"])])
    await victim.text("Stopped by you at epoch", 60)
    assert not a.seen.errors and not b.seen.errors, (a.seen.errors, b.seen.errors)
    for s in (a, b):
        await s.close()


def test_a_killed_worker_stops_one_run_which_continues(app_server):
    server, _ = app_server
    asyncio.run(asyncio.wait_for(_kill_a_worker(server.url, server.pid), 300))
