"""A real `streamlit run app.py` on 127.0.0.1 and Debian's Chromium, for e2e tests and
the browser benchmarks (benchmarks/train_overhead.py, benchmarks/mistakes_render.py).

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
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.data_sources import FULL_MNIST

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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited early with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"streamlit did not answer at {url} within {timeout:.0f} s")


@contextmanager
def running_app(workdir: Path, env: dict[str, str] | None = None) -> Iterator[Server]:
    """A fresh server on a free port, its log and cache in `workdir`; stopped on exit."""
    env = {
        "PYTHONUNBUFFERED": "1",
        "MLP_LAB_CACHE": str(workdir / "cache"),
        "MLP_LAB_DATA": str(workdir / "data"),  # the students' work: a database of its own
        **(env or os.environ),
    }
    env.pop("MNIST_DIR", None)
    if FULL_MNIST is not None:
        env["MNIST_DIR"] = str(FULL_MNIST)
    port = _free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py")]
    for option, value in {
        "server.headless": "true",
        "server.address": "127.0.0.1",
        "server.port": str(port),
        "browser.gatherUsageStats": "false",
        "server.fileWatcherType": "none",
    }.items():
        cmd += [f"--{option}", value]
    with (workdir / "streamlit.log").open("w") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(url, proc)
            yield Server(url, proc.pid)
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


def launch_chromium(playwright):
    """Headless Debian Chromium with the flags this closed network needs."""
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
