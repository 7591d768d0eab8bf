"""Losses: hand-computed values, finiteness at p = 0 or 1, and the A - Y output delta."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mlp_core.losses import LOSSES

DTYPES = [np.float32, np.float64]


def _value(name: str, A, Y, dtype=np.float64) -> float:
    return LOSSES[name].value(np.asarray(A, dtype=dtype), np.asarray(Y, dtype=dtype))


def test_each_loss_is_paired_with_its_output_activation():
    Z = np.array([[0.0, np.log(3.0)]])
    np.testing.assert_allclose(LOSSES["softmax_ce"].output(Z.copy()), [[0.25, 0.75]])
    np.testing.assert_allclose(LOSSES["sigmoid_bce"].output(Z.copy()), [[0.5, 0.75]])
    np.testing.assert_array_equal(LOSSES["identity_mse"].output(Z.copy()), Z)
    for name, loss in LOSSES.items():
        assert loss.name == name and loss.label


@pytest.mark.parametrize("dtype", DTYPES)
def test_categorical_cross_entropy_known_value(dtype):
    A = [[0.7, 0.2, 0.1], [0.25, 0.25, 0.5]]
    Y = [[1, 0, 0], [0, 0, 1]]
    expected = -math.log(0.7) - math.log(0.5)  # summed over the batch
    assert _value("softmax_ce", A, Y, dtype) == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
def test_binary_cross_entropy_known_value(dtype):
    """The book's cost: summed over every output unit of every example."""
    A = [[0.8, 0.1], [0.5, 0.6]]
    Y = [[1, 0], [0, 1]]
    expected = -(math.log(0.8) + math.log(0.9) + math.log(0.5) + math.log(0.6))
    assert _value("sigmoid_bce", A, Y, dtype) == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
def test_half_squared_error_known_value(dtype):
    A = [[1.0, 2.0], [0.5, -1.0]]
    Y = [[0.0, 0.0], [0.5, 1.0]]
    assert _value("identity_mse", A, Y, dtype) == pytest.approx(0.5 * (1 + 4 + 0 + 4))


@pytest.mark.parametrize("name", sorted(LOSSES))
@pytest.mark.parametrize("dtype", DTYPES)
def test_a_perfect_prediction_costs_almost_nothing(name, dtype):
    Y = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    value = _value(name, Y, Y, dtype)
    assert isinstance(value, float)
    assert 0.0 <= value < 1e-5


@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_is_finite_at_zero_probability(dtype):
    """log(0) is clipped at log(eps) of the array's own dtype."""
    eps = np.finfo(dtype).eps
    value = _value("softmax_ce", [[0.0, 1.0]], [[1.0, 0.0]], dtype)
    assert math.isfinite(value)
    assert value == pytest.approx(-math.log(eps), rel=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("a", "y"), [(0.0, 1.0), (1.0, 0.0)])
def test_binary_cross_entropy_is_finite_at_zero_and_one(dtype, a, y):
    eps = np.finfo(dtype).eps
    with np.errstate(divide="raise", invalid="raise"):
        value = _value("sigmoid_bce", [[a]], [[y]], dtype)
    assert math.isfinite(value)
    assert value == pytest.approx(-math.log(eps), rel=1e-3)


@pytest.mark.parametrize("name", sorted(LOSSES))
@pytest.mark.parametrize("dtype", DTYPES)
def test_saturated_outputs_never_give_nan_or_inf(name, dtype):
    A = np.array([[0.0, 1.0], [1.0, 0.0]], dtype=dtype)
    Y = np.array([[1.0, 0.0], [1.0, 0.0]], dtype=dtype)
    with np.errstate(divide="raise", invalid="raise"):
        assert math.isfinite(LOSSES[name].value(A, Y))


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_output_delta_is_a_minus_y(name):
    """Through its paired output activation, each loss has dL/dZ = A - Y: the fact
    backpropagation starts from. Checked against central differences in float64."""
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(3, 4))
    one_hot = name == "softmax_ce"  # categorical CE wants one-hot rows; the others any Y
    Y = np.eye(4)[[0, 2, 3]] if one_hot else rng.uniform(0.0, 1.0, size=(3, 4))
    loss = LOSSES[name]

    def total(Zp: np.ndarray) -> float:
        return loss.value(loss.output(Zp.copy()), Y)

    h = 1e-6
    numeric = np.zeros_like(Z)
    for i in np.ndindex(Z.shape):
        up, down = Z.copy(), Z.copy()
        up[i] += h
        down[i] -= h
        numeric[i] = (total(up) - total(down)) / (2 * h)
    A = loss.output(Z.copy())
    np.testing.assert_allclose(A - Y, numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("reduction", ["sum", "mean"])
@pytest.mark.parametrize("name", sorted(LOSSES))
def test_delta_from_labels_equals_delta_from_one_hot_targets(name, reduction):
    """`delta` gives the loss and A - Y (/ n for the mean) from labels or targets alike,
    and leaves the output A as it was."""
    rng = np.random.default_rng(1)
    loss = LOSSES[name]
    A = loss.output(rng.normal(size=(5, 3)).astype(np.float32))
    before = A.copy()
    y = np.array([0, 2, 1, 1, 0])
    Y = np.eye(3, dtype=np.float32)[y]
    value, dZ = loss.delta(A, y, reduction)
    value_Y, dZ_Y = loss.delta(A, Y, reduction)
    n = 5 if reduction == "mean" else 1
    np.testing.assert_array_equal(dZ, dZ_Y)
    np.testing.assert_allclose(dZ, (before - Y) / n, rtol=4 * np.finfo(np.float32).eps)
    assert dZ.dtype == np.float32
    assert value == pytest.approx(value_Y, rel=16 * float(np.finfo(np.float32).eps))
    assert value == pytest.approx(loss.value(A, Y), rel=16 * float(np.finfo(np.float32).eps))
    np.testing.assert_array_equal(A, before)
