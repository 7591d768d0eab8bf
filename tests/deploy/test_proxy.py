"""deploy/run_local.sh: HAProxy in front of two Streamlit replicas, driven through the
proxy with Streamlit's own websocket protocol (tests/e2e/st_ws.py), as browsers would.

- each session sticks to one replica: the cookie of its first request names the
  replica, and its websocket and later requests go there;
- a replica killed while its students train: their websockets close (the browser then
  says "Connection lost" and reconnects), the other replica's students finish their
  runs without noticing, and a reconnecting browser, cookie and all, lands on the live
  replica in a new session and can train there.

The replicas run on the offline sample (no MNIST_DIR, an empty cache), so a run takes
seconds. Skips when haproxy is not installed (deploy/install.sh installs it).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.server import _free_port, _wait_healthy
from tests.e2e.st_ws import Session, first_visit, trigger, wait_balanced

ROOT = Path(__file__).resolve().parents[2]
FINISHED = r"Run #(\d+) finished"
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        shutil.which("haproxy") is None,
        reason="haproxy is not installed (deploy/install.sh installs Debian's package)",
    ),
]


def _wait_proxy(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the proxy did not answer at {url} within {timeout:.0f} s")


@pytest.fixture
def proxy(tmp_path):
    """deploy/run_local.sh with two replicas on free ports: (proxy url, run folder)."""
    lb, app1, app2, spare = (_free_port() for _ in range(4))
    env = {**os.environ, "REPLICAS": "2", "LB_PORT": str(lb), "APP1_PORT": str(app1)}
    env |= {"APP2_PORT": str(app2), "APP3_PORT": str(spare), "RUN_DIR": str(tmp_path)}
    env |= {"PYTHON": sys.executable, "MLP_LAB_CACHE": str(tmp_path / "cache")}
    env |= {"PG_DIR": str(tmp_path / "pg")}
    for name in ("MNIST_DIR", "MLP_LAB_DATABASE_URL"):
        env.pop(name, None)
    with (tmp_path / "run_local.log").open("w") as log:
        script = subprocess.Popen(
            ["sh", str(ROOT / "deploy" / "run_local.sh")],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        for port in (app1, app2):
            _wait_healthy(f"http://127.0.0.1:{port}", script, timeout=90)
        _wait_proxy(f"http://127.0.0.1:{lb}")
        wait_balanced(f"http://127.0.0.1:{lb}", 2)
        yield f"http://127.0.0.1:{lb}", tmp_path
    finally:
        script.terminate()
        try:
            script.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(script.pid, signal.SIGKILL)
            script.wait(5)
        subprocess.run(["sh", str(ROOT / "deploy" / "postgres.sh"), "remove", env["PG_DIR"]])


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
    assert again.replica == "app1" and "Start" in again.seen.widgets
    assert await _train(again) == "1"  # a new session: its own first run
    for s in [*kept, again]:
        await s.close()


def test_sessions_stick_to_a_replica_and_survive_another_one_stopping(proxy):
    url, run_dir = proxy
    asyncio.run(asyncio.wait_for(_class_with_a_failure(url, run_dir), 300))


def _replica_of(context) -> str:
    cookies = {c["name"]: c["value"] for c in context.cookies()}
    return cookies.get("MLPLAB_SERVER", "")


def test_a_browser_whose_replica_stops_reconnects_to_another(proxy):
    """In Chromium: the page's replica is killed; Streamlit's client reconnects through
    the proxy, which sends it (a new session) to the live replica. Screenshots of the
    page before and after go to artifacts/."""
    from tests.e2e.conftest import screenshot, wait_for_app
    from tests.e2e.server import CHROMIUM, launch_chromium

    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    sync_api = pytest.importorskip("playwright.sync_api")
    url, run_dir = proxy
    with sync_api.sync_playwright() as p:
        browser = launch_chromium(p)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.goto(url, timeout=90_000)
        wait_for_app(page)
        first = _replica_of(context)
        screenshot(page, "deploy_before_failover")
        os.kill(int((run_dir / f"{first}.pid").read_text()), signal.SIGKILL)
        deadline = time.monotonic() + 60  # Streamlit's client reconnects on its own
        while _replica_of(context) == first and time.monotonic() < deadline:
            page.wait_for_timeout(500)
        assert _replica_of(context) not in ("", first)
        try:
            page.get_by_role("button", name="Start").wait_for(timeout=120_000)
            wait_for_app(page)
        finally:
            screenshot(page, "deploy_after_failover")
        browser.close()
