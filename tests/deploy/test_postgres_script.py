"""deploy/postgres.sh: a throwaway PostgreSQL cluster on a loopback port, as
deploy/run_local.sh, .ci/run and the database tests start it.

- `start` prints only the app's URL; the app's role connects with it, owns its database,
  and is not a superuser; the server listens on 127.0.0.1 only;
- data kept across `stop` and `start`; `remove` deletes it;
- with PG_PASSWORD, a wrong password is refused;
- a bad port is refused with a one-line message naming the range.

Skips when Debian's postgresql package is not installed.
"""

from __future__ import annotations

import glob
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy" / "postgres.sh"
pytestmark = [
    pytest.mark.slow,  # an initdb per test: a few seconds each
    pytest.mark.skipif(
        not glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        reason="PostgreSQL is not installed (Debian's postgresql package)",
    ),
]


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["sh", str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=120
    )


@pytest.fixture
def cluster(tmp_path):
    folder = tmp_path / "pg"
    yield folder
    run("remove", str(folder))


def query(url: str, sql: str, **params):
    sqlalchemy = pytest.importorskip("sqlalchemy")
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.begin() as connection:
            result = connection.execute(sqlalchemy.text(sql), params)
            return result.all() if result.returns_rows else []
    finally:
        engine.dispose()


def test_start_prints_the_url_of_the_apps_own_database(cluster):
    started = run("start", str(cluster))
    assert started.returncode == 0, started.stderr
    url = started.stdout.strip()
    assert url.startswith("postgresql+psycopg://mlp_lab@127.0.0.1:")
    assert url.endswith("/mlp_lab") and "\n" not in url
    who = query(
        url,
        "SELECT current_user, rolsuper, rolcreatedb, current_setting('listen_addresses')"
        " FROM pg_roles WHERE rolname = current_user",
    )
    assert who == [("mlp_lab", False, True, "127.0.0.1")]
    owner = query(
        url,
        "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()",
    )
    assert owner == [("mlp_lab",)]
    assert run("url", str(cluster)).stdout.strip() == url
    assert run("status", str(cluster)).returncode == 0


def test_data_outlives_stop_and_start_and_remove_deletes_it(cluster):
    url = run("start", str(cluster)).stdout.strip()
    query(url, "CREATE TABLE kept (n integer)")
    query(url, "INSERT INTO kept VALUES (:n)", n=7)
    assert run("stop", str(cluster)).returncode == 0
    assert run("status", str(cluster)).returncode == 3
    again = run("start", str(cluster))
    assert again.stdout.strip() == url, "the port of the first start is reused"
    assert query(url, "SELECT n FROM kept") == [(7,)]
    assert run("remove", str(cluster)).returncode == 0
    fresh = run("start", str(cluster)).stdout.strip()
    assert query(fresh, "SELECT to_regclass('kept') IS NULL") == [(True,)]


def test_password_mode_refuses_a_wrong_password(cluster):
    env = {**os.environ, "PG_PASSWORD": "s3cret's @pw", "PYTHON": sys.executable}
    url = run("start", str(cluster), env=env).stdout.strip()
    assert "mlp_lab:s3cret%27s%20%40pw@127.0.0.1:" in url
    assert query(url, "SELECT current_user") == [("mlp_lab",)]
    sqlalchemy = pytest.importorskip("sqlalchemy")
    with pytest.raises(sqlalchemy.exc.OperationalError, match="password"):
        query(url.replace("s3cret", "guess"), "SELECT 1")


def test_a_bad_port_is_refused_in_one_line(cluster):
    refused = run("start", str(cluster), "70000")
    assert refused.returncode != 0
    assert refused.stderr.strip().splitlines()[-1] == (
        "postgres.sh: PORT must be a number from 1 to 65535 (got '70000')"
    )
    assert not (cluster / "url").exists()
