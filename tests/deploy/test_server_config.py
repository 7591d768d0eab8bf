"""The server settings every way of starting MLP Lab reads (.streamlit/config.toml: the
README's command, deploy/run_local.sh, the Dockerfile and the tests all start
`streamlit run app.py` in the repository's folder)."""

from __future__ import annotations

from pathlib import Path

import tomllib

from tests.deploy.test_image import image_files

ROOT = Path(__file__).resolve().parents[2]


def test_the_server_does_not_collect_all_garbage_after_every_script_run() -> None:
    """Streamlit's default full gc.collect(2) after each script run held the interpreter
    lock for a tenth of a class's server time: 30 sessions took 1.30x the CPU floor with
    it and 1.18x without (benchmarks/classroom.md)."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["runner"]["postScriptGC"] is False
    assert ".streamlit/config.toml" in image_files()  # the Docker image has it too
