"""The IDX codec (mlp_core.idx): round trips, and every corruption a one-line DataError."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest

from mlp_core.idx import DataError, read_idx
from tests.core.mnist_files import (
    idx_bytes,
    tiny_arrays,
)

pytestmark = pytest.mark.usefixtures("isolated")  # no MNIST_DIR, an empty cache, no network

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
