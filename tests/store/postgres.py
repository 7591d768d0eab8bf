"""A throwaway PostgreSQL cluster for the store's tests, from Debian's binaries.

`database_url()` is `$MLP_LAB_TEST_DATABASE_URL` when set; otherwise `throwaway()` starts
a cluster in a temporary folder on a free loopback port (trust authentication, 127.0.0.1
only) with /usr/lib/postgresql/*/bin, as the postgres user when run as root (initdb
refuses root), and removes it afterwards. `WHY_NOT` says why neither is possible.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from tests.e2e.server import free_port
from tests.waiting import wait_until

ENV = "MLP_LAB_TEST_DATABASE_URL"
BINS = sorted(glob.glob("/usr/lib/postgresql/*/bin"))


def _why_not() -> str | None:
    if os.environ.get(ENV):
        return None
    if not BINS or not Path(BINS[-1], "initdb").exists():
        return f"no PostgreSQL: {ENV} is not set and /usr/lib/postgresql/*/bin/initdb is absent"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no postgres user to run initdb as"
    return None


WHY_NOT = _why_not()


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def _ready(url: str) -> bool:
    """the new cluster takes connections"""
    with psycopg.connect(url, connect_timeout=2):
        return True


@contextmanager
def throwaway() -> Iterator[str]:
    """A fresh cluster -> its URL (postgresql+psycopg://...); stopped and removed on exit."""
    folder = Path(tempfile.mkdtemp(prefix="mlp-pg-"))
    data, port, bins = folder / "data", free_port(), Path(BINS[-1])
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    user = "postgres"
    subprocess.run(
        _as_postgres([str(bins / "initdb"), "-D", str(data), "-U", user, "-A", "trust"]),
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=on"
    start = [str(bins / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-o", options]
    subprocess.run(_as_postgres([*start, "-w", "start"]), check=True, capture_output=True)
    url = f"postgresql://{user}@127.0.0.1:{port}/postgres"
    try:
        wait_until(
            lambda: _ready(url),
            30,
            "the new cluster takes connections",
            (psycopg.OperationalError,),
        )
        yield url.replace("postgresql://", "postgresql+psycopg://")
    finally:
        stop = [str(bins / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]
        subprocess.run(_as_postgres(stop), capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def database_url() -> Iterator[str]:
    """The test PostgreSQL's URL: the one named by the environment, else a throwaway."""
    if os.environ.get(ENV):
        yield os.environ[ENV]
        return
    with throwaway() as url:
        yield url
