"""deploy/run_local.sh started for a test: replicas on free loopback ports behind HAProxy,
on a PostgreSQL cluster of their own (deploy/postgres.sh), everything in one folder.

The replicas run on the offline sample (no MNIST_DIR, an empty cache), so a run takes
seconds. `WHY_NOT` says why it cannot run here (no haproxy, no PostgreSQL).
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.server import free_port, wait_healthy
from tests.e2e.st_ws import wait_balanced

ROOT = Path(__file__).resolve().parents[2]
POSTGRES = ROOT / "deploy" / "postgres.sh"


def _why_not() -> str | None:
    if shutil.which("haproxy") is None:
        return "haproxy is not installed (deploy/install.sh installs Debian's package)"
    if not glob.glob("/usr/lib/postgresql/*/bin/initdb"):
        return "PostgreSQL is not installed (deploy/install.sh installs Debian's package)"
    return None


WHY_NOT = _why_not()


@dataclass(frozen=True)
class Deployment:
    url: str  # the proxy
    run_dir: Path  # appN.pid, appN.log, haproxy.log, supervisor.log

    def pid(self, replica: str) -> int:
        """The replica's current server process (the supervisor rewrites it on restart)."""
        return int((self.run_dir / f"{replica}.pid").read_text())

    def stop(self, replica: str, how: signal.Signals) -> int:
        pid = self.pid(replica)
        os.kill(pid, how)
        return pid


@contextmanager
def run_local(folder: Path, replicas: int) -> Iterator[Deployment]:
    """deploy/run_local.sh with `replicas` replicas; stopped, and its database removed."""
    lb, *apps = (free_port() for _ in range(4))
    env = {**os.environ, "REPLICAS": str(replicas), "LB_PORT": str(lb), "RUN_DIR": str(folder)}
    env |= {f"APP{i}_PORT": str(port) for i, port in enumerate(apps, 1)}
    env |= {"PYTHON": sys.executable, "MLP_LAB_CACHE": str(folder / "cache")}
    env |= {"PG_DIR": str(folder / "pg"), "MLP_LAB_DATA": str(folder / "data")}
    for name in ("MNIST_DIR", "MLP_LAB_DATABASE_URL"):
        env.pop(name, None)
    with (folder / "run_local.log").open("w") as log:
        script = subprocess.Popen(
            ["sh", str(ROOT / "deploy" / "run_local.sh")],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        for port in apps[:replicas]:
            wait_healthy(f"http://127.0.0.1:{port}", script, timeout=120)
        wait_healthy(f"http://127.0.0.1:{lb}", script, timeout=30)  # the proxy
        wait_balanced(f"http://127.0.0.1:{lb}", replicas)
        yield Deployment(f"http://127.0.0.1:{lb}", folder)
    finally:
        script.terminate()
        try:
            script.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(script.pid, signal.SIGKILL)
            script.wait(5)
        subprocess.run(["sh", str(POSTGRES), "remove", env["PG_DIR"]], capture_output=True)
