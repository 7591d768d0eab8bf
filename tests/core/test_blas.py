"""The fused weight update (mlp_core.blas.add_product_t and SGD's product updates): the
same numbers as writing the gradient out and subtracting it.

The fused call and the plain one are different code paths (one sgemm with beta = 1, or
a product written out and then added; all columns, or only the active rows). Different
BLAS kernels sum in different orders, so they agree to rounding, not to the bit: each
comparison allows the bound on a k-term dot product's rounding error, k * eps * sum |a b|
(eps from the dtype), on top of the values themselves.
"""

from __future__ import annotations

import numpy as np
import pytest

from mlp_core import blas
from mlp_core.optimizers import SGD

needs_openblas = pytest.mark.skipif(blas.threads() is None, reason="needs NumPy's bundled OpenBLAS")


def assert_close_to_rounding(got, want, k: int, A, B, steps: int = 1, scale: float = 1.0):
    """got == want up to the rounding of `steps` updates by scale * A.T @ B (k terms each)."""
    eps = np.finfo(np.asarray(got).dtype).eps
    bound = steps * (k + 2) * eps * scale * (np.abs(A).T @ np.abs(B)) + 4 * eps * np.abs(want)
    np.testing.assert_array_less(
        np.abs(np.asarray(got, float) - want), bound + np.finfo(float).tiny
    )


def _operands(k: int, m: int, n: int, dtype, seed: int = 0):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((k, m)).astype(dtype)
    B = (rng.standard_normal((k, n)) * 1e-2).astype(dtype)
    C = rng.standard_normal((m, n)).astype(dtype)
    return A, B, C


@needs_openblas
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("k", [1, 50, 100, 256])
def test_the_same_bits_as_matmul_then_subtract(dtype, k: int) -> None:
    A, B, C = _operands(k, 784, 100, dtype)
    expected = C - np.matmul(A.T, B)
    assert blas.add_product_t(C, A, B, -1.0)
    assert_close_to_rounding(C, expected, k, A, B)


@needs_openblas
def test_a_block_of_columns_and_a_positive_alpha() -> None:
    A, B, C = _operands(100, 784, 100, np.float32)
    before = C.copy()
    expected = C[:, 40:] + np.matmul(A.T, B[:, 40:])
    assert blas.add_product_t(C[:, 40:], A, B[:, 40:], 1.0)
    assert_close_to_rounding(C[:, 40:], expected, 100, A, B[:, 40:])
    np.testing.assert_array_equal(C[:, :40], before[:, :40])  # the other columns untouched


@needs_openblas
def test_empty_products_change_nothing() -> None:
    A, B, C = _operands(0, 5, 3, np.float64)
    before = C.copy()
    assert blas.add_product_t(C, A, B, -1.0)
    np.testing.assert_array_equal(C, before)


def test_what_blas_cannot_take_is_refused_untouched() -> None:
    A, B, C = _operands(10, 6, 4, np.float32)
    before = C.copy()
    assert not blas.add_product_t(C[:, ::2], A, B[:, ::2], -1.0)  # columns not adjacent
    assert not blas.add_product_t(C.astype(np.float16), A, B, -1.0)  # no half-float gemm
    assert not blas.add_product_t(C, A.astype(np.float64), B, -1.0)  # mixed dtypes
    np.testing.assert_array_equal(C, before)
    with pytest.raises(ValueError, match="do not fit"):
        blas.add_product_t(C, A, B[:, :3], -1.0)


@pytest.fixture(params=["fused", "without OpenBLAS"])
def blas_or_not(request, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both ways of SGD's product updates: through add_product_t, and without it."""
    if request.param != "fused":
        monkeypatch.setattr(blas, "add_product_t", lambda *args: False)


@pytest.mark.parametrize(("momentum", "l2"), [(0.0, 0.0), (0.9, 0.0), (0.0, 0.01), (0.9, 0.01)])
def test_update_product_is_update_part_with_the_product(
    momentum: float, l2: float, blas_or_not: None
) -> None:
    A, dZ, W = _operands(100, 784, 64, np.float32)
    b, db = np.ones(64, np.float32), np.full(64, 0.01, np.float32)
    plain = SGD([W.copy()], [b.copy()], 0.1, momentum, l2)
    fused = SGD([W.copy()], [b.copy()], 0.1, momentum, l2)
    scratch = np.empty_like(W)
    for _ in range(3):
        plain.update_part(0, (), np.matmul(A.T, dZ), (), db.copy())
        fused.update_product(0, (), A, dZ, scratch, (), db.copy())
    # with momentum the velocity carries each step's rounding into the next ones
    assert_close_to_rounding(fused.W[0], plain.W[0], 100, A, dZ, steps=6, scale=0.1)
    np.testing.assert_array_equal(fused.b[0], plain.b[0])  # the same code for the biases


@pytest.mark.parametrize(("momentum", "l2"), [(0.0, 0.0), (0.9, 0.0), (0.0, 0.01), (0.9, 0.01)])
def test_update_product_on_rows_is_the_full_update_for_zero_columns(
    momentum: float, l2: float, blas_or_not: None
) -> None:
    A, dZ, W = _operands(100, 784, 100, np.float32)
    A[:, ::3] = 0  # a third of the input columns zero in every row
    rows = np.flatnonzero(A.any(axis=0))
    s = slice(36, 100)
    b, db = np.ones(100, np.float32), np.full(64, 0.01, np.float32)
    full = SGD([W.copy()], [b.copy()], 0.1, momentum, l2)
    compact = SGD([W.copy()], [b.copy()], 0.1, momentum, l2)
    scratch = np.empty((784, 64), np.float32)
    for _ in range(3):
        full.update_part(0, (slice(None), s), np.matmul(A.T, dZ[:, s]), s, db.copy())
        Wr = compact.W[0][rows, s]  # the active rows, as the forward pass gathers them
        compact.update_product(
            0, (slice(None), s), A[:, rows], dZ[:, s], scratch, s, db.copy(), rows, Wr
        )
    assert_close_to_rounding(compact.W[0][:, s], full.W[0][:, s], 100, A, dZ[:, s], 6, 0.1)
    np.testing.assert_array_equal(compact.W[0][:, :36], full.W[0][:, :36])  # untouched
    np.testing.assert_array_equal(compact.b[0], full.b[0])  # the same code for the biases
