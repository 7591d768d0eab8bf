"""Fixtures shared by all test folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.data_sources import FULL_MNIST, WHY_NO_MNIST


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The folder with the four official MNIST gz files (see tests/data_sources.py).

    Skips the test, saying where it looked, when the files are not there.
    """
    if FULL_MNIST is None:
        pytest.skip(WHY_NO_MNIST)
    return FULL_MNIST
