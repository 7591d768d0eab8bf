"""The generated scripts: valid Python for every setting, and they really train.

The scikit-learn and mlp_core scripts (and the PyTorch one when torch is installed) run
as subprocesses, exactly as a student would run them, for one epoch on 500 digits read
from a folder of IDX files written here from the offline sample (no network). The Keras
script is only parsed: Keras is not installed.
"""

from __future__ import annotations

import ast
import gzip
import os
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mlp_compare import codegen
from mlp_compare import conversions as cv
from mlp_core.config import BOOK, TrainConfig
from mlp_core.mnist import FILES, load_mnist
from mlp_core.training import new_model

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = {
    "defaults": TrainConfig(),
    "book": BOOK,
    "two layers tanh xavier, L2": TrainConfig(layers=2, activation="tanh", init="xavier", l2=1e-3),
    "squared error, float64": TrainConfig(loss="identity_mse", dtype="float64", momentum=0.0),
}
SMALL = TrainConfig(epochs=1, n_train=500, l2=1e-4)


def _write_idx(path: Path, array: np.ndarray) -> None:
    """An IDX file: zero, type 8 (uint8), number of dimensions, sizes, then the bytes."""
    header = struct.pack(">HBB", 0, 8, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + np.ascontiguousarray(array, dtype=np.uint8).tobytes())


@pytest.fixture(scope="module")
def idx_folder(tmp_path_factory) -> Path:
    """6,000 training images (the sample's 4,000 and 2,000 again) and its 1,000 test ones:
    enough for mlp_core's 5,000-digit validation split and for 1/12 in the others."""
    mp = pytest.MonkeyPatch()
    mp.delenv("MNIST_DIR", raising=False)
    mp.setenv("MLP_LAB_CACHE", str(tmp_path_factory.mktemp("empty_cache")))
    sample = load_mnist(download=False)
    mp.undo()
    folder = tmp_path_factory.mktemp("idx")
    X = np.concatenate([sample.X_train, sample.X_train[:2000]]).reshape(-1, 28, 28)
    y = np.concatenate([sample.y_train, sample.y_train[:2000]])
    arrays = {"train_images": X, "train_labels": y}
    arrays |= {"test_images": sample.X_test.reshape(-1, 28, 28), "test_labels": sample.y_test}
    for role, name in FILES.items():
        _write_idx(folder / name, arrays[role])
    return folder


@pytest.mark.parametrize("library", codegen.LIBRARIES)
@pytest.mark.parametrize("name", CONFIGS)
def test_every_script_is_valid_python(library, name):
    source = codegen.script(library, CONFIGS[name])
    ast.parse(source)
    assert "--data-dir" in source and "test accuracy on the" in source


def test_an_unknown_library_is_refused():
    with pytest.raises(ValueError, match="scikit-learn, PyTorch, Keras, mlp_core"):
        codegen.script("jax", TrainConfig())


@pytest.mark.parametrize("library", ["scikit-learn", "PyTorch", "Keras"])
@pytest.mark.parametrize("name", CONFIGS)
def test_scripts_draw_mlp_cores_first_weights(name, library):
    """The scripts' initial_weights() gives the very numbers of mlp_core's new_model (the
    mlp_core script calls new_model itself)."""
    config = CONFIGS[name]
    namespace: dict = {"np": np}
    exec(_function(codegen.script(library, config), "initial_weights"), namespace)
    sizes = (784, *config.hidden_sizes, 10)
    W, b = namespace["initial_weights"](sizes, config.seed)
    model = new_model(config)
    drawn = [p for Wb in zip(W, b, strict=True) for p in Wb]
    for ours, theirs in zip(model.parameters(), drawn, strict=True):
        assert theirs.dtype == ours.dtype and np.array_equal(theirs, ours)


def test_sklearn_script_spells_the_conversions():
    source = codegen.script("scikit-learn", BOOK)
    assert "learning_rate_init=0.05, alpha=0.01" in source  # lr x batch, L2 as it is
    assert "nesterovs_momentum=False" in source and 'activation="logistic"' in source
    assert "np.eye(10, dtype=X.dtype)[y]" in source  # one-hot targets: sigmoid outputs
    mean = codegen.script("scikit-learn", TrainConfig(l2=0.001))
    assert "learning_rate_init=0.1, alpha=0.1" in mean  # L2 x batch


def _run(library: str, folder: Path, tmp_path: Path, config: TrainConfig = SMALL) -> str:
    path = tmp_path / codegen.FILE_NAMES[library]
    path.write_text(codegen.script(library, config))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MLP_LAB_CACHE": str(tmp_path / "cache")}
    env.pop("MNIST_DIR", None)
    done = subprocess.run(
        [sys.executable, str(path), "--data-dir", str(folder)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _accuracy(out: str) -> float:
    line = next(x for x in out.splitlines() if x.startswith("test accuracy on the 1,000"))
    return float(line.rsplit(" ", 1)[1].rstrip("%")) / 100


SUMMED = SMALL.replace(loss="sigmoid_bce", reduction="sum", lr=0.002, momentum=0.5)


@pytest.mark.parametrize("config", [SMALL, SUMMED], ids=["defaults", "summed_bce"])
def test_the_sklearn_script_trains_one_epoch(idx_folder, tmp_path, config):
    out = _run("scikit-learn", idx_folder, tmp_path, config)
    assert "epoch 1: loss" in out and "epoch 2" not in out
    assert _accuracy(out) > 0.5  # 500 digits, one epoch: far above chance (0.1)


def test_the_mlp_core_script_trains_one_epoch(idx_folder, tmp_path):
    out = _run("mlp_core", idx_folder, tmp_path)
    assert "MNIST-format IDX files from" in out and "epoch 1: loss" in out
    assert "trained 1 epochs" in out and _accuracy(out) > 0.5


def test_the_torch_script_trains_one_epoch(idx_folder, tmp_path):
    if not cv.torch_available():
        pytest.skip("PyTorch is not installed (pip install torch==2.13.0): script not run")
    out = _run("PyTorch", idx_folder, tmp_path)
    assert "epoch 1: loss" in out and _accuracy(out) > 0.5


def _function(source: str, name: str) -> str:
    """The source of the top-level function `name` of a script."""
    tree = ast.parse(source)
    (node,) = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name]
    return ast.get_source_segment(source, node)
