"""Fixtures shared by all test folders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mlp_core.data import FILES

SHARED_MNIST = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"
"""The development copy of full MNIST: /work/shared/data/mnist when the repo is /work/main."""


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The folder with the four official MNIST gz files ($MNIST_DIR, else SHARED_MNIST).

    Skips the test, saying where it looked, when the files are not there. Session-scoped
    so it reads MNIST_DIR before any test fixture clears the variable.
    """
    env = os.environ.get("MNIST_DIR")
    folder = Path(env) if env else SHARED_MNIST
    missing = [name for name in FILES.values() if not (folder / name).is_file()]
    if missing:
        pytest.skip(
            f"full MNIST not found at {folder} (missing {', '.join(missing)}): set MNIST_DIR"
        )
    return folder
