"""Tiny MNIST files for the data tests: an independent IDX writer (struct + gzip), random
digits in the four roles, a fake network, (the `isolated` fixture is in
tests/core/conftest.py). A helper module, not tests."""

from __future__ import annotations

import gzip
import hashlib
import struct
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from mlp_core.mnist import (
    FILES,
    MD5,
    MnistData,
)

REAL_URLOPEN = urllib.request.urlopen
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def idx_bytes(array: np.ndarray) -> bytes:
    """Independent IDX writer: big-endian magic, count (and dims), then uint8 data."""
    magic = 2051 if array.ndim == 3 else 2049
    header = struct.pack(f">{array.ndim + 1}I", magic, *array.shape)
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def tiny_arrays(n_train: int = 12, n_test: int = 5, seed: int = 0) -> dict[str, np.ndarray]:
    """Random digits in the four MNIST roles. images (n, 28, 28), labels (n,)."""
    rng = np.random.default_rng(seed)
    return {
        "train_images": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train_labels": rng.integers(0, 10, n_train, dtype=np.uint8),
        "test_images": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "test_labels": rng.integers(0, 10, n_test, dtype=np.uint8),
    }


def write_folder(folder: Path, arrays: dict[str, np.ndarray], *, gz: bool = True) -> Path:
    """Write the four IDX files into folder (gz or raw) and return the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for role, filename in FILES.items():
        raw = idx_bytes(arrays[role])
        if gz:
            (folder / filename).write_bytes(gzip.compress(raw, mtime=0))
        else:
            (folder / filename.removesuffix(".gz")).write_bytes(raw)
    return folder


def md5_of(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def make_official(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Pretend the tiny gz files in folder are the official ones (patch the MD5 table)."""
    for filename in FILES.values():
        monkeypatch.setitem(MD5, filename, md5_of(folder / filename))


def assert_tiny(mnist: MnistData, arrays: dict[str, np.ndarray]) -> None:
    np.testing.assert_array_equal(mnist.X_train, arrays["train_images"].reshape(-1, 784))
    np.testing.assert_array_equal(mnist.y_train, arrays["train_labels"])
    np.testing.assert_array_equal(mnist.X_test, arrays["test_images"].reshape(-1, 784))
    np.testing.assert_array_equal(mnist.y_test, arrays["test_labels"])


def serve(monkeypatch: pytest.MonkeyPatch, mirrors: dict[str, Path], calls: list[str]) -> None:
    """Fake urlopen: mirror URL prefix -> local folder, answered by urllib's file:// handler."""

    def fake_urlopen(request, timeout=None):
        url = request.full_url
        calls.append(url)
        prefix, name = url.rsplit("/", 1)
        folder = mirrors.get(prefix + "/")
        if folder is None or not (folder / name).is_file():
            raise urllib.error.HTTPError(url, 404, "Not Found", {}, None)
        return REAL_URLOPEN((folder / name).as_uri(), timeout=timeout)

    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen)
