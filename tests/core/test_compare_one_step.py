"""The same network in three libraries: one SGD step from the same weights agrees.

From identical initial weights and one identical minibatch, one plain-SGD step in
mlp_core, in scikit-learn (weights set on the estimator, then partial_fit) and in
PyTorch. The weights after it must agree to float32 rounding. Tolerance, from the dtype:
`one_step.tolerance` = 8 * np.finfo(float32).eps * (largest |weight| + largest step):
half an ulp for rounding W' in each library, and a few ulps for summing the same
products in another order. Measured differences are 0 to 1.2e-7 against about 1.2e-6.
A wrong conversion (alpha not scaled by the batch size) misses by three orders of
magnitude, which the last tests check.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from mlp_compare import conversions as cv
from mlp_compare import one_step
from mlp_core.config import BOOK, TrainConfig
from mlp_core.training import new_model

ACTIVATIONS = ("sigmoid", "tanh", "relu")
N, D_IN, K = 32, 20, 10
TORCH_SKIP = "PyTorch is not installed (pip install torch==2.13.0); its step is not checked"


def _batch(dtype=np.float32) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.uniform(0, 1, (N, D_IN)).astype(dtype), rng.integers(0, K, N)


def _config(**changes) -> TrainConfig:
    base = TrainConfig(hidden=16, layers=2, lr=0.1, momentum=0.0, batch_size=N, n_train=N)
    return base.replace(**changes)


def _steps(config: TrainConfig, library: str, dtype=np.float32):
    X, y = _batch(dtype)
    model = new_model(config, D_IN, K)
    before = model.parameters()
    ours = one_step.mlp_core_step(model, X, y, config)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        theirs = one_step.STEPS[library](model, X, y, config)
    return before, ours, theirs


def _assert_same(before, ours, theirs) -> float:
    tol = one_step.tolerance(before, ours)
    assert tol < 1e-5  # float32 rounding, not a loose test
    for a, b in zip(theirs, ours, strict=True):
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_allclose(a, b, rtol=0, atol=tol)
    moved = max(float(np.abs(a - b).max()) for a, b in zip(ours, before, strict=True))
    assert moved > 100 * tol  # the step is far bigger than the tolerance: it tests something
    return tol


@pytest.mark.parametrize("l2", [0.0, 0.01], ids=["l2_off", "l2_on"])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_sklearn_step_equals_mlp_core(activation, l2):
    _assert_same(*_steps(_config(activation=activation, l2=l2), "scikit-learn"))


@pytest.mark.parametrize("l2", [0.0, 0.01], ids=["l2_off", "l2_on"])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_torch_step_equals_mlp_core(activation, l2):
    if not cv.torch_available():
        pytest.skip(TORCH_SKIP)
    _assert_same(*_steps(_config(activation=activation, l2=l2), "PyTorch"))


@pytest.mark.parametrize("library", ["scikit-learn", "PyTorch"])
@pytest.mark.parametrize("loss", ["sigmoid_bce", "identity_mse"])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_every_output_and_reduction_has_the_exact_conversion(library, loss, reduction):
    if library == "PyTorch" and not cv.torch_available():
        pytest.skip(TORCH_SKIP)
    lr = 0.1 if reduction == "mean" else 0.005
    config = _config(loss=loss, reduction=reduction, lr=lr, l2=0.01, activation="tanh")
    _assert_same(*_steps(config, library))


@pytest.mark.parametrize("library", ["scikit-learn", "PyTorch"])
def test_the_books_settings_with_momentum_from_rest(library):
    """The book's summed sigmoid network, and momentum 0.9: on a first step it is plain SGD."""
    if library == "PyTorch" and not cv.torch_available():
        pytest.skip(TORCH_SKIP)
    book = BOOK.replace(hidden=16, batch_size=N, n_train=N, lr=0.005)
    _assert_same(*_steps(book, library))
    _assert_same(*_steps(_config(momentum=0.9, l2=0.001), library))


def test_float64_uses_float64_rounding():
    before, ours, theirs = _steps(_config(dtype="float64", l2=0.01), "scikit-learn", np.float64)
    assert ours[0].dtype == theirs[0].dtype == np.float64
    assert _assert_same(before, ours, theirs) < 1e-13


def test_sklearn_rates_are_the_derived_conversion():
    assert cv.sklearn_rates(TrainConfig(lr=0.1, l2=0.001, batch_size=100)) == (0.1, 0.1)
    lr, alpha = cv.sklearn_rates(BOOK)
    assert (lr, alpha) == pytest.approx((0.0005 * 100, 0.01))


def test_an_unscaled_alpha_is_caught():
    """alpha = L2 (what one would guess) is not scikit-learn's spelling of our L2."""
    config = _config(l2=0.01)
    X, y = _batch()
    model = new_model(config, D_IN, K)
    ours = one_step.mlp_core_step(model, X, y, config)
    est = cv.sklearn_estimator(config, alpha=config.l2)
    est = cv.sklearn_start(config, model, X, y, est)
    est.partial_fit(X, y)
    pairs = zip(cv.sklearn_weights(est), ours, strict=True)
    diff = max(float(np.abs(a - b).max()) for a, b in pairs)
    assert diff > 100 * one_step.tolerance(model.parameters(), ours)


def test_compare_reports_every_installed_library():
    config = _config(l2=0.01)
    X, y = _batch()
    results = one_step.compare(new_model(config, D_IN, K), X, y, config)
    names = [r.library for r in results]
    assert names[0] == "scikit-learn"
    assert ("PyTorch" in names) == cv.torch_available()
    assert all(r.agrees and 0 <= r.max_diff <= r.tolerance < r.max_step for r in results)
