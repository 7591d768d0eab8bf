"""Property tests for the IDX reader: round trips, and damage gives DataError, never a crash."""

from __future__ import annotations

import gzip
import struct

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from mlp_core.idx import DataError, read_idx


def idx_bytes(array: np.ndarray) -> bytes:
    """Independent IDX writer: big-endian magic, count (and dims), then uint8 data."""
    magic = 2051 if array.ndim == 3 else 2049
    return struct.pack(f">{array.ndim + 1}I", magic, *array.shape) + array.tobytes()


images = arrays(np.uint8, st.tuples(st.integers(0, 4), st.just(28), st.just(28)))
labels = arrays(np.uint8, st.integers(0, 50), elements=st.integers(0, 9))
digit_files = st.one_of(images, labels)


def read_or_error(blob: bytes) -> np.ndarray | None:
    """read_idx, with DataError (and only DataError) turned into None."""
    try:
        return read_idx(blob, name="fuzzed")
    except DataError:
        return None


@given(array=digit_files, gz=st.booleans())
def test_round_trip(array: np.ndarray, gz: bool) -> None:
    raw = idx_bytes(array)
    out = read_idx(gzip.compress(raw) if gz else raw)
    assert out.dtype == np.uint8 and out.shape == array.shape
    np.testing.assert_array_equal(out, array)


@given(array=digit_files, gz=st.booleans(), data=st.data())
def test_any_truncation_is_a_data_error(array: np.ndarray, gz: bool, data: st.DataObject) -> None:
    raw = idx_bytes(array)
    blob = gzip.compress(raw) if gz else raw
    cut = data.draw(st.integers(0, len(blob) - 1), label="cut")
    assert read_or_error(blob[:cut]) is None


@given(array=digit_files, data=st.data())
def test_a_header_bit_flip_is_a_data_error(array: np.ndarray, data: st.DataObject) -> None:
    raw = bytearray(idx_bytes(array))
    header = 16 if array.ndim == 3 else 8
    bit = data.draw(st.integers(0, header * 8 - 1), label="bit")
    raw[bit // 8] ^= 1 << (bit % 8)
    assert read_or_error(bytes(raw)) is None


@settings(max_examples=200)
@given(array=digit_files, data=st.data())
def test_a_gzip_bit_flip_is_caught_or_harmless(array: np.ndarray, data: st.DataObject) -> None:
    # CRC-32 catches every single-bit error in the data; flips in the gzip header's
    # mtime or OS bytes change nothing. So the result is an error or the original.
    blob = bytearray(gzip.compress(idx_bytes(array)))
    bit = data.draw(st.integers(0, len(blob) * 8 - 1), label="bit")
    blob[bit // 8] ^= 1 << (bit % 8)
    out = read_or_error(bytes(blob))
    if out is not None:
        np.testing.assert_array_equal(out, array)


@given(
    prefix=st.sampled_from([b"", b"\x00\x00\x08\x03", b"\x00\x00\x08\x01", b"\x1f\x8b"]),
    tail=st.binary(max_size=64),
)
def test_arbitrary_bytes_give_an_array_or_a_data_error(prefix: bytes, tail: bytes) -> None:
    out = read_or_error(prefix + tail)
    assert out is None or out.dtype == np.uint8
