"""A real server of the app on 127.0.0.1 (`streamlit run serve.py`: app.py with the
Playground's live channel, as the README starts it) and Debian's Chromium, for e2e tests and
the browser benchmarks (benchmarks/train_overhead.py, benchmarks/mistakes_render.py,
benchmarks/draw_latency.py, benchmarks/playground_speed.py, benchmarks/classroom.py and
tests/deploy: `free_port`, `wait_healthy`, `streamlit_command`, `start_app`, `stop`).

The server gets full MNIST when the tests found it (tests/data_sources.py: MNIST_DIR or
the copy beside the checkout, unless MLP_LAB_TEST_OFFLINE=1), otherwise it runs on the
offline sample, as on a fresh clone. Chromium is the system one: Playwright's own
browser download is not possible here.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.data_sources import FULL_MNIST
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass(frozen=True)
class Server:
    url: str
    pid: int


def free_port() -> int:
    """A loopback port no one listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(url: str) -> bool:
    """Whether the Streamlit server (or the proxy in front of replicas) at `url` answers."""
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def wait_healthy(url: str, proc: subprocess.Popen | None = None, timeout: float = 60.0) -> None:
    """Until the server at `url` answers; RuntimeError if `proc` (what starts it) exits."""

    def up() -> bool:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{proc.args[:3]} exited early with code {proc.returncode}")
        return healthy(url)

    wait_until(up, timeout, f"the server at {url} answers")


def streamlit_command(app_dir: Path, port: int, cpus: str = "", script: str = "") -> list[str]:
    """`streamlit run serve.py` (the app with its live channel; app.py for a revision
    from before serve.py, or when `script` says so) headless on 127.0.0.1:`port`,
    pinned to `cpus` if given."""
    script = script or ("serve.py" if (app_dir / "serve.py").exists() else "app.py")
    cmd = ["taskset", "-c", cpus] if cpus else []
    cmd += [sys.executable, "-m", "streamlit", "run", str(app_dir / script)]
    for option, value in {
        "server.headless": "true",
        "server.address": "127.0.0.1",
        "server.port": str(port),
        "browser.gatherUsageStats": "false",
        "server.fileWatcherType": "none",
    }.items():
        cmd += [f"--{option}", value]
    return cmd


def start_app(
    app_dir: Path, log: Path, env: dict[str, str], cpus: str = "", script: str = ""
) -> tuple[subprocess.Popen, str]:
    """A server of the app in `app_dir` on a free port, answering: (process, URL)."""
    port = free_port()
    with log.open("w") as out:
        proc = subprocess.Popen(
            streamlit_command(app_dir, port, cpus, script),
            cwd=app_dir,
            env={"PYTHONUNBUFFERED": "1", **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
    except BaseException:
        stop(proc)
        raise
    return proc, url


def stop(proc: subprocess.Popen, timeout: float = 10.0) -> None:
    """Terminate `proc`, killed if it has not ended within `timeout` s."""
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def running_app(
    workdir: Path, env: dict[str, str] | None = None, script: str = ""
) -> Iterator[Server]:
    """A fresh server on a free port, its log and cache in `workdir`; stopped on exit
    (`script`: "app.py" for plain `streamlit run app.py`, without the live channel)."""
    env = {
        "MLP_LAB_CACHE": str(workdir / "cache"),
        "MLP_LAB_DATA": str(workdir / "data"),  # the students' work: a database of its own
        **(env or os.environ),
    }
    env.pop("MNIST_DIR", None)
    if FULL_MNIST is not None:
        env["MNIST_DIR"] = str(FULL_MNIST)
    proc, url = start_app(ROOT, workdir / "streamlit.log", env, script=script)
    try:
        yield Server(url, proc.pid)
    finally:
        stop(proc)


def app_at(rev: str, work: Path) -> Path:
    """The app as it was at git revision `rev`, extracted into work/app (for benchmarks
    that compare revisions); this checkout when `rev` is empty."""
    if not rev:
        return ROOT
    app_dir = work / "app"
    app_dir.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(app_dir)], input=archive, check=True)
    return app_dir


def launch_chromium(playwright):
    """Headless Debian Chromium with the flags this closed network needs."""
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
