"""Activation functions: derivatives from outputs, dtype, in-place work, numerical safety."""

from __future__ import annotations

import numpy as np
import pytest

from mlp_core.activations import ACTIVATIONS, softmax

NAMES = sorted(ACTIVATIONS)


def _inputs(name: str, dtype=np.float64) -> np.ndarray:
    """A (6, 5) grid of pre-activations in [-3, 3], kept away from ReLU's kink at 0."""
    Z = np.linspace(-3.0, 3.0, 30).reshape(6, 5)
    if name == "relu":
        Z = Z + np.sign(Z) * 0.05
    return Z.astype(dtype)


def _f(name: str, Z: np.ndarray) -> np.ndarray:
    return ACTIVATIONS[name].forward(Z.copy())


def test_the_table_holds_the_hidden_activations_and_identity():
    assert {"sigmoid", "tanh", "relu", "identity"} <= set(ACTIVATIONS)
    for name, act in ACTIVATIONS.items():
        assert act.name == name


@pytest.mark.parametrize("name", NAMES)
def test_derivative_from_the_output_matches_finite_differences(name):
    Z = _inputs(name)
    h = 1e-6
    numeric = (_f(name, Z + h) - _f(name, Z - h)) / (2 * h)
    A = _f(name, Z)
    analytic = ACTIVATIONS[name].backward(np.ones_like(A), A)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name", NAMES)
def test_backward_scales_the_incoming_gradient(name):
    """backward(dA, A) is dA * f'(A), elementwise, not just f'(A)."""
    Z = _inputs(name)
    A = _f(name, Z)
    ones = ACTIVATIONS[name].backward(np.ones_like(A), A)
    dA = np.random.default_rng(0).normal(size=A.shape)
    np.testing.assert_allclose(ACTIVATIONS[name].backward(dA.copy(), A), dA * ones, rtol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_known_values(name):
    Z = np.array([[-2.0, 0.0, 0.5]])
    expected = {
        "sigmoid": 1 / (1 + np.exp(-Z)),
        "tanh": np.tanh(Z),
        "relu": np.array([[0.0, 0.0, 0.5]]),
        "identity": Z,
        "linear": Z,
    }[name]
    np.testing.assert_allclose(_f(name, Z), expected, rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", NAMES)
def test_forward_and_backward_work_in_place_and_keep_the_dtype(name, dtype):
    Z = _inputs(name, dtype)
    A = ACTIVATIONS[name].forward(Z)
    assert A.dtype == dtype
    assert np.shares_memory(A, Z), "forward is documented to work in place on Z"
    dA = np.ones_like(A)
    dZ = ACTIVATIONS[name].backward(dA, A)
    assert dZ.dtype == dtype
    assert np.shares_memory(dZ, dA), "backward is documented to work in place on dA"


def test_softmax_works_in_place_and_keeps_float32():
    Z = np.array([[1.0, 2.0, 3.0]], dtype=np.float32)
    A = softmax(Z)
    assert A.dtype == np.float32
    assert np.shares_memory(A, Z)


@pytest.mark.parametrize("scale", [1.0, 1e2, 1e4])
def test_sigmoid_never_overflows_in_float32(scale):
    Z = (np.linspace(-1.0, 1.0, 201) * scale).astype(np.float32)
    with np.errstate(all="raise"):  # any overflow or invalid value raises here
        A = ACTIVATIONS["sigmoid"].forward(Z.copy())
    assert A.dtype == np.float32
    assert np.isfinite(A).all()
    assert (A >= 0).all() and (A <= 1).all()
    assert np.all(np.diff(A) >= 0), "sigmoid is monotonic"
    np.testing.assert_allclose(A + A[::-1], 1.0, atol=1e-6)  # sigmoid(-z) = 1 - sigmoid(z)


def test_sigmoid_limits_in_float32():
    """Far out, 0 to float32's precision (below its smallest normal number's 1.2e-38
    times 1.5) and exactly 1, without a single floating-point warning."""
    Z = np.array([-1e4, -100.0, 0.0, 100.0, 1e4], dtype=np.float32)
    with np.errstate(all="raise"):
        A = ACTIVATIONS["sigmoid"].forward(Z)
    tiny = float(np.finfo(np.float32).tiny)
    assert A.dtype == np.float32
    assert 0.0 <= A[0] == A[1] < 1.5 * tiny
    assert (A[2], A[3], A[4]) == (0.5, 1.0, 1.0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_rows_are_probabilities(dtype):
    Z = np.random.default_rng(1).normal(0, 3, size=(50, 10)).astype(dtype)
    A = softmax(Z)
    assert A.dtype == dtype
    assert (A >= 0).all() and (A <= 1).all()
    np.testing.assert_allclose(A.sum(axis=1), 1.0, rtol=1e-6)


def test_softmax_known_value():
    A = softmax(np.array([[0.0, np.log(3.0)]]))
    np.testing.assert_allclose(A, [[0.25, 0.75]], rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_is_stable_for_large_inputs(dtype):
    Z = np.array([[1e4, 1e4 - 1.0, -1e4], [-1e4, -1e4, -1e4], [3e4, 0.0, -3e4]], dtype=dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
        A = softmax(Z.copy())
    assert np.isfinite(A).all()
    np.testing.assert_allclose(A.sum(axis=1), 1.0, rtol=1e-6)
    e = np.exp(-1.0)
    expected = [[1 / (1 + e), e / (1 + e), 0.0], [1 / 3, 1 / 3, 1 / 3], [1.0, 0.0, 0.0]]
    np.testing.assert_allclose(A, expected, rtol=1e-6, atol=1e-30)


def test_softmax_ignores_a_constant_shift():
    Z = np.random.default_rng(2).normal(size=(4, 5))
    np.testing.assert_allclose(softmax(Z.copy()), softmax(Z + 500.0), rtol=1e-12)
