"""IDX, MNIST's file format: decode and check one file, gz or raw.

An IDX file is a big-endian uint32 magic number (2051 images, 2049 labels), the count,
the rows and columns for images, then one unsigned byte per pixel or label. Every
check here names the file and the problem (bad magic, truncated by N bytes, trailing
bytes, wrong image size, corrupt gzip, labels above 9).
"""

from __future__ import annotations

import os
import zlib
from pathlib import Path
from typing import Literal

import numpy as np

MAGIC = {"images": 2051, "labels": 2049}
HEADER_BYTES = {"images": 16, "labels": 8}
ROWS = COLS = 28
N_PIXELS = ROWS * COLS  # 784 inputs
N_CLASSES = 10
MAX_IDX_BYTES = 1 << 28  # refuse to inflate a (corrupt) gz beyond 256 MiB
GZIP_MAGIC = b"\x1f\x8b"


class DataError(ValueError):
    """A data file is missing, unreadable or not what it should be; the message says why."""


def read_idx(
    source: str | os.PathLike | bytes | bytearray | memoryview,
    *,
    expect: Literal["images", "labels"] | None = None,
    name: str | None = None,
) -> np.ndarray:
    """Read one MNIST IDX file, gz or raw. -> images (n, 28, 28) or labels (n,), uint8.

    Parameters
    ----------
    source : a path, or the file's bytes. Gzip is recognised by its magic bytes; a path
        ending in ".gz" must be gzip.
    expect : "images" or "labels" to insist on one kind; None accepts either.
    name : what to call the file in error messages (default: the path, or "<bytes>").

    Raises
    ------
    DataError naming the file and the problem (bad magic, truncated by N bytes,
    trailing bytes, wrong image size, corrupt gzip, labels above 9, ...).
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        return decode(bytes(source), name or "<bytes>", expect, must_be_gz=False)
    raw = read_bytes(source)
    return decode(raw, name or str(source), expect, must_be_gz=is_gz_name(source))


def decode(raw: bytes, name: str, expect: str | None, *, must_be_gz: bool) -> np.ndarray:
    """File bytes, gz or raw -> the checked IDX array."""
    if raw[:2] == GZIP_MAGIC:
        raw = gunzip(raw, name)
    elif must_be_gz:
        raise DataError(f"{name}: not a gzip file (it starts with {raw[:4].hex() or 'nothing'})")
    return _parse_idx(raw, expect, name)


def read_bytes(path: str | os.PathLike) -> bytes:
    """The file's bytes, or DataError naming it."""
    try:
        return Path(path).read_bytes()
    except OSError as err:
        raise DataError(f"{path}: cannot read: {err.strerror or err}") from err


def is_gz_name(path: str | os.PathLike) -> bool:
    return os.fspath(path).endswith(".gz")


def gunzip(raw: bytes, name: str) -> bytes:
    """Inflate one gzip stream, checking its CRC and length, with a size cap."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(raw, MAX_IDX_BYTES)
    except zlib.error as err:
        raise DataError(f"{name}: corrupt gzip data ({err})") from err
    if inflater.unconsumed_tail:
        raise DataError(f"{name}: gzip inflates to more than {MAX_IDX_BYTES:,} bytes")
    if not inflater.eof:
        raise DataError(f"{name}: corrupt gzip: the stream is truncated")
    if inflater.unused_data:
        raise DataError(f"{name}: {len(inflater.unused_data)} trailing bytes after the gzip stream")
    return data


def _parse_idx(raw: bytes, expect: str | None, name: str) -> np.ndarray:
    """Check an uncompressed IDX file's header and size. -> (n, 28, 28) or (n,) uint8."""
    kind = _idx_kind(raw, expect, name)
    n_header = HEADER_BYTES[kind]
    if len(raw) < n_header:
        raise DataError(
            f"{name}: truncated header: {len(raw)} bytes, an IDX {kind} header has {n_header}"
        )
    _, count, *dims = np.frombuffer(raw, ">u4", count=n_header // 4).tolist()
    if dims and dims != [ROWS, COLS]:
        raise DataError(f"{name}: wrong image size {dims[0]}x{dims[1]}, expected {ROWS}x{COLS}")
    shape = (count, *dims)
    _check_size(len(raw) - n_header, shape, kind, name)
    array = np.frombuffer(raw, np.uint8, offset=n_header).reshape(shape)
    if kind == "labels":
        check_labels(array, name)
    return array


def _idx_kind(raw: bytes, expect: str | None, name: str) -> str:
    """The magic number in the first 4 bytes -> "images" or "labels", or DataError."""
    if len(raw) < 4:
        raise DataError(f"{name}: truncated: {len(raw)} bytes, too short for an IDX header")
    magic = int.from_bytes(raw[:4], "big")
    kinds = {number: kind for kind, number in MAGIC.items()}
    if magic in kinds and expect in (None, kinds[magic]):
        return kinds[magic]
    wanted = " or ".join(f"{MAGIC[k]} ({k})" for k in MAGIC if expect in (None, k))
    found = f"{magic} ({kinds[magic]})" if magic in kinds else f"{magic} (0x{magic:08x})"
    raise DataError(f"{name}: bad magic number {found}, expected {wanted}")


def _check_size(n_data: int, shape: tuple[int, ...], kind: str, name: str) -> None:
    """The bytes after the header must be exactly what the header's count says."""
    expected = int(np.prod(shape, dtype=np.int64))
    what = f"the header promises {shape[0]:,} {kind}"
    if n_data < expected:
        raise DataError(
            f"{name}: truncated by {expected - n_data:,} bytes "
            f"({what} = {expected:,} bytes of data, found {n_data:,})"
        )
    if n_data > expected:
        raise DataError(f"{name}: {n_data - expected:,} trailing bytes ({what})")


def check_labels(y: np.ndarray, name: str) -> None:
    """Labels must be digits 0..9."""
    bad = np.flatnonzero(y >= N_CLASSES)
    if bad.size:
        raise DataError(
            f"{name}: {bad.size:,} labels above {N_CLASSES - 1} "
            f"(first: {y[bad[0]]} at index {bad[0]})"
        )
