"""The WildML moons toy: data, training (one net and many at once), baseline, grid.

Oracles: scikit-learn's make_moons and LogisticRegression (tests only), and a literal
re-run of the tutorial's training loop.
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import make_moons
from sklearn.linear_model import LogisticRegression

from mlp_core import moons
from mlp_core.moons import (
    GALLERY_HIDDEN,
    grid_limits,
    init_moons_params,
    logistic_regression,
    make_moons_np,
    moons_accuracy,
    moons_loss,
    moons_proba,
    predict_grid,
    train_moons,
    train_moons_many,
)

pytestmark = pytest.mark.filterwarnings("error")


@pytest.fixture(scope="module")
def data():
    return make_moons_np()


@pytest.fixture(scope="module")
def gallery(data):
    """The tutorial's seven sizes, 20,000 passes each (benchmarks/moons_gallery.py times it)."""
    return train_moons_many(*data)


# --- data ----------------------------------------------------------------------------


def test_make_moons_equals_sklearn_after_global_seed():
    state = np.random.get_state()
    try:
        np.random.seed(3)
        X_ref, y_ref = make_moons(200, noise=0.20)  # the tutorial's call
    finally:
        np.random.set_state(state)
    X, y = make_moons_np()
    np.testing.assert_array_equal(X, X_ref)
    np.testing.assert_array_equal(y, y_ref)
    assert X.dtype == np.float64 and X.shape == (200, 2)


@settings(max_examples=20, deadline=None)
@given(st.integers(2, 301), st.floats(0, 1), st.integers(0, 2**31 - 1))
def test_make_moons_equals_sklearn_with_random_state(n, noise, seed):
    X, y = make_moons_np(n, noise, seed)
    X_ref, y_ref = make_moons(n, noise=noise, random_state=seed)
    np.testing.assert_array_equal(X, X_ref)
    np.testing.assert_array_equal(y, y_ref)


def test_grid_limits_pad_the_data(data):
    X, _ = data
    (x0, x1), (y0, y1) = grid_limits(X)
    assert x0 == X[:, 0].min() - 0.5 and y1 == X[:, 1].max() + 0.5


# --- training ------------------------------------------------------------------------


def tutorial_loop(X, y, hidden, passes, eps=0.01, reg=0.01):
    """The tutorial's procedure, written out: plain exp softmax, summed gradients."""
    rng = np.random.RandomState(0)
    W1 = rng.randn(2, hidden) / np.sqrt(2)
    W2 = rng.randn(hidden, 2) / np.sqrt(hidden)
    b1, b2 = np.zeros((1, hidden)), np.zeros((1, 2))
    for _ in range(passes):
        a1 = np.tanh(X.dot(W1) + b1)
        scores = np.exp(a1.dot(W2) + b2)
        delta3 = scores / scores.sum(axis=1, keepdims=True)
        delta3[range(len(X)), y] -= 1
        delta2 = delta3.dot(W2.T) * (1 - a1**2)
        dW2, db2 = a1.T.dot(delta3) + reg * W2, delta3.sum(axis=0, keepdims=True)
        dW1, db1 = X.T.dot(delta2) + reg * W1, delta2.sum(axis=0)
        W1, b1, W2, b2 = W1 - eps * dW1, b1 - eps * db1, W2 - eps * dW2, b2 - eps * db2
    return {"W1": W1, "b1": b1[0], "W2": W2, "b2": b2[0]}


def tutorial_loss(params, X, y, reg=0.01):
    a1 = np.tanh(X @ params["W1"] + params["b1"])
    scores = np.exp(a1 @ params["W2"] + params["b2"])
    probs = scores / scores.sum(axis=1, keepdims=True)
    data_loss = -np.log(probs[range(len(X)), y]).sum()
    data_loss += reg / 2 * (np.sum(params["W1"] ** 2) + np.sum(params["W2"] ** 2))
    return data_loss / len(X)


@pytest.mark.parametrize("hidden", [1, 3, 20])
def test_train_moons_follows_the_tutorial_loop(data, hidden):
    X, y = data
    run = train_moons(X, y, hidden, passes=300, log_every=100)
    expected = tutorial_loop(X, y, hidden, 300)
    for name, value in expected.items():
        np.testing.assert_allclose(run.params[name], value, rtol=1e-10, atol=1e-12)
    assert run.loss[-1] == pytest.approx(tutorial_loss(expected, X, y), rel=1e-10)
    assert run.loss[0] == pytest.approx(tutorial_loss(init_moons_params(hidden), X, y))


def test_init_is_the_tutorials():
    rng = np.random.RandomState(0)
    W1, W2 = rng.randn(2, 5) / np.sqrt(2), rng.randn(5, 2) / np.sqrt(5)
    params = init_moons_params(5)
    np.testing.assert_array_equal(params["W1"], W1)
    np.testing.assert_array_equal(params["W2"], W2)
    assert not params["b1"].any() and params["b2"].shape == (2,)


def test_many_equals_one_at_a_time(data):
    X, y = data
    many = train_moons_many(X, y, passes=600, snapshots=3, log_every=200)
    assert list(many) == list(GALLERY_HIDDEN)
    for hidden in GALLERY_HIDDEN:
        one = train_moons(X, y, hidden, passes=600, snapshots=3, log_every=200)
        got = many[hidden]
        for name in ("W1", "b1", "W2", "b2"):
            assert got.params[name].shape == one.params[name].shape
            np.testing.assert_allclose(got.params[name], one.params[name], rtol=0, atol=1e-10)
            for a, b in zip(got.snapshots, one.snapshots, strict=True):
                np.testing.assert_allclose(a[name], b[name], rtol=0, atol=1e-10)
        np.testing.assert_array_equal(got.loss_passes, one.loss_passes)
        np.testing.assert_allclose(got.loss, one.loss, rtol=1e-10)
        assert got.accuracy == one.accuracy


def test_many_rejects_repeated_sizes(data):
    with pytest.raises(ValueError, match="distinct"):
        train_moons_many(*data, hiddens=(3, 3), passes=1)


def test_logging_and_snapshots(data):
    X, y = data
    run = train_moons(X, y, 4, passes=250, snapshots=6, log_every=100)
    np.testing.assert_array_equal(run.loss_passes, [0, 100, 200, 250])
    np.testing.assert_array_equal(run.snapshot_passes, [0, 50, 100, 150, 200, 250])
    assert len(run.snapshots) == 6 and len(run.loss) == 4
    np.testing.assert_array_equal(run.snapshots[0]["W1"], init_moons_params(4)["W1"])
    np.testing.assert_array_equal(run.snapshots[-1]["W2"], run.params["W2"])
    assert run.loss[-1] == moons_loss(run.params, X, y)
    assert train_moons(X, y, 4, passes=10).snapshots == ()


@pytest.mark.slow
def test_gallery_accuracies_and_losses(gallery):
    runs = gallery
    accuracy = {h: run.accuracy for h, run in runs.items()}
    assert accuracy[1] < 0.9  # one unit: hardly better than a straight line
    assert accuracy[3] >= 0.95  # the tutorial's point: three units already fit the moons
    assert accuracy[20] >= 0.99 and accuracy[50] >= 0.99
    for run in runs.values():
        assert run.loss[-1] < 0.5 * run.loss[0]
        assert run.loss_passes[-1] == 20000
    assert runs[3].loss[-1] == pytest.approx(0.0372, abs=1e-4)


# --- baseline and grid -----------------------------------------------------------------


def test_logistic_regression_cannot_separate_the_moons(data):
    X, y = data
    run = logistic_regression(X, y)
    reference = LogisticRegression(C=1e8, tol=1e-10, max_iter=10_000).fit(X, y)
    assert run.accuracy < 0.9
    assert run.accuracy == reference.score(X, y)
    np.testing.assert_allclose(run.params["w"], reference.coef_[0], atol=1e-2)
    np.testing.assert_allclose(run.params["b"], reference.intercept_, atol=1e-2)
    assert np.all(np.diff(run.loss) <= 1e-15)


def test_predict_grid_for_a_net(data):
    X, y = data
    params = train_moons(X, y, 3, passes=500).params
    xlim, ylim = grid_limits(X)
    xx, yy, Z = predict_grid(params, xlim, ylim, steps=40)
    assert xx.shape == yy.shape == Z.shape == (40, 40)
    assert xx[0, 0] == xlim[0] and yy[-1, 0] == ylim[1]
    assert np.all((Z >= 0) & (Z <= 1))
    points = np.column_stack([xx.ravel(), yy.ravel()])
    np.testing.assert_array_equal(Z.ravel(), moons_proba(params, points)[:, 1])
    _, _, C = predict_grid(params, xlim, ylim, steps=40, proba=False)
    np.testing.assert_array_equal(C, Z > 0.5)


def test_predict_grid_for_the_line_is_a_half_plane(data):
    X, y = data
    params = logistic_regression(X, y).params
    xx, yy, C = predict_grid(params, (-2, 3), (-1.5, 2), steps=30, proba=False)
    side = xx * params["w"][0] + yy * params["w"][1] + params["b"][0] > 0
    np.testing.assert_array_equal(C, side)
    assert moons_accuracy(params, X, y) == logistic_regression(X, y).accuracy


def test_moons_import_only_numpy_and_the_standard_library():
    tree = ast.parse(Path(moons.__file__).read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module]
        else:
            continue
        for name in names:
            assert name.split(".")[0] in {"numpy", "__future__", "collections", "dataclasses"}
