"""The book's preprocessing (mlp_core.data): pixel scaling and the train/validation/test
split."""

from __future__ import annotations

import numpy as np
import pytest

from mlp_core.config import SCALINGS as CONFIG_SCALINGS
from mlp_core.data import SCALINGS, prepare, scale_pixels
from mlp_core.idx import DataError
from mlp_core.mnist import (
    MnistData,
    load_mnist,
)

pytestmark = pytest.mark.usefixtures("isolated")  # no MNIST_DIR, an empty cache, no network

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
