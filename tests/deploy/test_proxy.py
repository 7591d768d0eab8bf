"""deploy/run_local.sh: HAProxy in front of two Streamlit replicas, driven through the
proxy with Streamlit's own websocket protocol (tests/e2e/st_ws.py), as browsers would.

- each session sticks to one replica: the cookie of its first request names the
  replica, and its websocket and later requests go there;
- a replica killed while its students train: their websockets close (the browser then
  shows "CONNECTING" and reconnects), the other replica's students finish their runs
  without noticing, and a reconnecting browser, cookie and all, lands on a live replica
  in a new session and can train there.

What a student sees in Chromium when their replica stops: tests/deploy/test_failover.py.
The replicas run on the offline sample (tests/deploy/deployment.py). Skips without
haproxy or PostgreSQL (deploy/install.sh installs both).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
from pathlib import Path

import pytest

from tests.deploy.deployment import WHY_NOT, run_local
from tests.e2e.st_ws import Session, first_visit, run_in_own_loop, trigger
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
FINISHED = r"Run #(\d+) finished"
pytestmark = [pytest.mark.e2e, pytest.mark.skipif(WHY_NOT is not None, reason=str(WHY_NOT))]


@pytest.fixture
def proxy(tmp_path):
    """deploy/run_local.sh with two replicas on free ports: (proxy url, run folder)."""
    with run_local(tmp_path, replicas=2) as deployment:
        yield deployment.url, deployment.run_dir


async def _student(url: str, cookie: str = "") -> Session:
    """A browser tab through the proxy: the first request, the websocket, the Train page."""
    cookie, replica = first_visit(url, cookie)
    session = Session(url, cookie)
    await session.open()
    assert session.replica == replica == cookie.removeprefix("MLPLAB_SERVER=")
    await session.rerun()
    await session.run_finished(timeout=60)
    return session


async def _train(session: Session) -> str:
    """Press Start and wait for the finished run; its number on this session's page."""
    waiting = asyncio.ensure_future(session.text(FINISHED, 120))
    await session.rerun([trigger(session.seen.widgets["Start"])])
    return (await waiting).group(1).decode()


async def _class_with_a_failure(url: str, run_dir: Path) -> None:
    students = [await _student(url) for _ in range(4)]
    while {s.replica for s in students} != {"app1", "app2"} and len(students) < 8:
        students.append(await _student(url))  # round robin, but health checks interleave
    assert {s.replica for s in students} == {"app1", "app2"}
    for s in students:  # later requests with the cookie go to the same replica
        assert first_visit(url, s.cookie)[1] == s.replica
    lost = [s for s in students if s.replica == "app2"]
    kept = [s for s in students if s.replica == "app1"]
    runs = [asyncio.ensure_future(_train(s)) for s in kept]
    for s in lost:
        await s.rerun([trigger(s.seen.widgets["Start"])])
    os.kill(int((run_dir / "app2.pid").read_text()), signal.SIGKILL)
    for s in lost:
        await asyncio.wait_for(s.closed.wait(), 15)
    assert await asyncio.gather(*runs) == ["1"] * len(kept)
    assert not any(s.closed.is_set() for s in kept) and not any(s.seen.errors for s in kept)
    again = await _student(url, lost[0].cookie)  # the browser reconnects with its cookie
    # app1, or app2 again once run_local.sh has restarted it and its checks pass
    assert again.replica in ("app1", "app2") and "Start" in again.seen.widgets
    assert await _train(again) == "1"  # a new session: its own first run
    for s in [*kept, again]:
        await s.close()


def test_sessions_stick_to_a_replica_and_survive_another_one_stopping(proxy):
    url, run_dir = proxy
    run_in_own_loop(_class_with_a_failure(url, run_dir), 300)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_run_local_restarts_a_crashed_replica_and_stops_everything_on_term(tmp_path):
    """A replica killed is started again by run_local.sh (logged), and answers again
    through the proxy; SIGTERM to run_local.sh stops the replica, HAProxy and the
    database."""
    from tests.deploy.deployment import POSTGRES

    with run_local(tmp_path, replicas=1) as deployment:
        killed = deployment.stop("app1", signal.SIGKILL)
        wait_until(lambda: deployment.pid("app1") != killed, 120, "app1 started again")
        log = (tmp_path / "supervisor.log").read_text()
        assert f"app1 (pid {killed}) exited with code 137" in log
        assert "starting it again in 1s" in log
        wait_until(  # back behind the proxy (503 until then)
            lambda: first_visit(deployment.url)[1] == "app1",
            120,
            "app1 answers through the proxy",
            (OSError,),
        )
        pids = [deployment.pid("app1"), deployment.pid("haproxy")]
    assert not [pid for pid in pids if _alive(pid)]
    status = subprocess.run(["sh", str(POSTGRES), "status", str(tmp_path / "pg")])
    assert status.returncode != 0
