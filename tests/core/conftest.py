"""Fixtures of the engine's tests."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

import pytest


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No MNIST_DIR, a private empty cache, and no network unless a test serves one."""
    monkeypatch.delenv("MNIST_DIR", raising=False)
    monkeypatch.delenv("MLP_LAB_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))

    def no_network(*args, **kwargs):
        raise urllib.error.URLError("network disabled in tests")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    return tmp_path / "xdg" / "mlp_lab" / "mnist"
