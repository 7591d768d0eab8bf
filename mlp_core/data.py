"""The digits as a model trains on them: the book's split and pixel scaling.

`prepare` turns the raw digits of `mlp_core.mnist.load_mnist` into float training,
validation and test sets (the book's 55,000 / 5,000 / 10,000). Reading the files:
mlp_core.idx; where they come from: mlp_core.mnist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import DTypeLike

from mlp_core.config import DTYPE
from mlp_core.idx import DataError
from mlp_core.mnist import MnistData
from mlp_core.provenance import TrainedOn

N_VALID = {"full": 5000, "sample": 500}  # taken from the end of the training images


@dataclass(frozen=True, eq=False)
class Dataset:
    """Model-ready digits. X_* (n, 784) float in `scaling`, y_* (n,) intp labels 0..9."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_valid: np.ndarray
    y_valid: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    source: str
    kind: Literal["full", "sample"]
    scaling: str = "pm1"
    train_from: int = 0  # X_train[0] is training image `train_from` of the source

    def trained_on(self, n_train: int) -> TrainedOn:
        """The digits a model trained on the first n_train of X_train has seen."""
        n = min(n_train, len(self.y_train))
        return TrainedOn(self.kind, self.train_from, self.train_from + n)


def _scale_pm1(v: np.ndarray) -> np.ndarray:
    """The book's (v / 255 - 0.5) * 2, in place: [0, 255] -> [-1, 1]."""
    v /= 255
    v -= 0.5
    v *= 2
    return v


def _scale_01(v: np.ndarray) -> np.ndarray:
    """v / 255, in place: [0, 255] -> [0, 1]."""
    v /= 255
    return v


SCALINGS: dict[str, Callable[[np.ndarray], np.ndarray]] = {"pm1": _scale_pm1, "01": _scale_01}
"""Pixel scaling name -> function that scales a float array of 0..255 values in place."""


def scale_pixels(x: np.ndarray, scaling: str = "pm1", dtype: DTypeLike = DTYPE) -> np.ndarray:
    """Scale raw pixels. x (...) with values 0..255 -> a new array, same shape, in `dtype`.

    The arithmetic runs in `dtype` itself (in place on one converted copy), so 47 M
    MNIST pixels never pass through float64; float32 results are within one ulp of the
    float64 formula, and the ends 0 and 255 map exactly to -1 and 1 ("pm1").
    """
    if scaling not in SCALINGS:
        raise ValueError(f"scaling must be one of {', '.join(SCALINGS)}; got {scaling!r}")
    if np.dtype(dtype).kind != "f":
        raise ValueError(f"dtype must be a float type, got {np.dtype(dtype)}")
    return SCALINGS[scaling](np.array(x, dtype=dtype))


def prepare(
    data: MnistData,
    *,
    scaling: str = "pm1",
    n_train: int | None = None,
    dtype: DTypeLike = DTYPE,
    train_from: int = 0,
) -> Dataset:
    """Split and scale: the book's 55,000 / 5,000 / 10,000 (sample: 3,500 / 500 / 1,000).

    Parameters
    ----------
    data : from `load_mnist`.
    scaling : a key of `SCALINGS`; "pm1" is the book's (x / 255 - 0.5) * 2.
    n_train : keep only the first n training examples (at most all of them); the
        validation and test sets do not change.
    dtype : float type of the X arrays. Labels are intp.
    train_from : skip the training images before this one (the validation set does not
        change): 5,848 keeps every digit of the offline sample unseen (mlp_core.provenance).
    """
    n_fit = len(data.X_train) - N_VALID[data.kind]
    if n_fit < 1:
        raise DataError(f"{data.source}: too few training images to hold out a validation set")
    if n_train is not None and n_train < 1:
        raise ValueError(f"n_train must be at least 1, got {n_train}")
    if not 0 <= train_from < n_fit:
        raise ValueError(f"train_from must be in 0..{n_fit - 1:,}, got {train_from:,}")
    n = n_fit - train_from if n_train is None else min(n_train, n_fit - train_from)
    X, y = data.X_train, data.y_train
    rows = slice(train_from, train_from + n)
    return Dataset(
        X_train=scale_pixels(X[rows], scaling, dtype),
        y_train=y[rows].astype(np.intp),
        X_valid=scale_pixels(X[n_fit:], scaling, dtype),
        y_valid=y[n_fit:].astype(np.intp),
        X_test=scale_pixels(data.X_test, scaling, dtype),
        y_test=data.y_test.astype(np.intp),
        source=data.source,
        kind=data.kind,
        scaling=scaling,
        train_from=train_from,
    )
