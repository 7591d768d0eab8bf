"""The playground's core: data sets, features, one SGD step, runs, the grid of every unit.

Oracles: the data sets' own definitions (radius, sign of x1 * x2, blob centres), NumPy
formulas for the features, central differences in float64 for the gradient step, and a
forward pass point by point for the grid.
"""

from __future__ import annotations

import numpy as np
import pytest

from mlp_core import playground as pg
from mlp_core.network import MLP
from mlp_core.optimizers import SGD
from mlp_core.playground_config import DATASETS, FEATURES, PlaygroundConfig

CLASSIFY = [name for name, d in pg.DATASETS.items() if d.task == "classify"]
MADE = [name for name, d in pg.DATASETS.items() if d.make is not None]  # not "own"


def _run(**settings) -> pg.PlaygroundRun:
    config = PlaygroundConfig(**settings)
    return pg.PlaygroundRun(
        config, pg.make_points(config.dataset, config.n_points, config.noise, config.seed)
    )


# --- data sets -------------------------------------------------------------------------


def test_the_table_and_the_config_list_the_same_data_sets_and_features():
    assert set(pg.DATASETS) == set(DATASETS)
    assert set(pg.FEATURES) == set(FEATURES)


@pytest.mark.parametrize("name", MADE)
@pytest.mark.parametrize("noise", [0, 50])
def test_every_data_set_has_its_shape_labels_and_range(name, noise):
    X, y = pg.make_points(name, 301, noise, seed=4)
    assert X.shape == (301, 2) and y.shape == (301,)
    assert np.isfinite(X).all() and (np.abs(X) <= 6).all()
    assert not X.flags.writeable and not y.flags.writeable  # shared by every session
    if name in CLASSIFY:
        k = pg.DATASETS[name].classes
        assert set(np.unique(y)) == set(range(k))
        counts = np.bincount(y)
        assert counts.min() > 0.6 * 301 / k  # every class, in similar numbers


@pytest.mark.parametrize("name", MADE)
def test_the_same_seed_gives_the_same_points_and_another_seed_others(name):
    X1, y1 = pg.make_points(name, 200, 20, seed=7)
    X2, y2 = pg.make_points(name, 200, 20, seed=7)  # same code twice: bit equality
    X3, _ = pg.make_points(name, 200, 20, seed=8)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


def test_noiseless_sets_follow_their_definitions():
    X, y = pg.make_points("circles", 400, 0, 1)
    r = np.hypot(X[:, 0], X[:, 1])
    assert (r[y == 1] <= 2.5).all() and (r[y == 0] >= 3.5).all()
    X, y = pg.make_points("xor", 400, 0, 1)
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] > 0).astype(int))
    assert (np.abs(X) >= 0.3).all()  # pushed off the axes
    X, y = pg.make_points("blobs", 2000, 0, 1)
    np.testing.assert_allclose(X[y == 1].mean(axis=0), [2, 2], atol=0.1)
    np.testing.assert_allclose(X[y == 0].mean(axis=0), [-2, -2], atol=0.1)
    X, y = pg.make_points("spiral", 400, 0, 1)
    assert np.hypot(*X.T).max() == pytest.approx(5, abs=0.1)
    X, t = pg.make_points("wave", 400, 0, 1)
    np.testing.assert_allclose(t, np.sin(X[:, 0] / 2) * np.cos(X[:, 1] / 3))


def test_moons_are_the_tutorial_moons_scaled():
    X, y = pg.make_points("moons", 200, 0, 3)
    assert X[:, 0].min() == pytest.approx(-4.5, abs=0.01)
    assert X[:, 0].max() == pytest.approx(4.5, abs=0.01)


def test_own_points_are_kept_as_given_and_a_bad_one_is_named():
    X, y = pg.own_points([(1.5, -2.0, 0), (3.0, 4.0, 3)])
    np.testing.assert_array_equal(X, [[1.5, -2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(y, [0, 3])
    with pytest.raises(ValueError, match="point 2: x1 and x2 must be between -6 and 6"):
        pg.own_points([(0, 0, 1), (7, 0, 1)])
    with pytest.raises(ValueError, match="point 1: the label must be 0, 1, 2 or 3; got 4"):
        pg.own_points([(0, 0, 4)])
    with pytest.raises(ValueError, match="no generator"):
        pg.make_points("own", 10, 0, 1)


def test_own_points_split_by_their_number_and_give_one_output_per_class():
    X, y = pg.own_points([(i - 5.0, 0.0, i % 3) for i in range(10)])
    run = pg.PlaygroundRun(PlaygroundConfig(dataset="own", train_pct=70), (X, y))
    assert len(run.y_train) == 7 and len(run.y_test) == 3
    assert run.classes == 3 and run.model.sizes == (2, 4, 2, 3)
    assert run.model.loss == "softmax_ce"


@pytest.mark.parametrize("name", ["spiral3", "spiral4", "blobs3", "blobs4"])
def test_more_classes_train_a_softmax_output_on_one_hot_targets(name):
    run = _run(dataset=name, hidden=(8, 8), n_points=300)
    k = pg.DATASETS[name].classes
    assert run.model.sizes[-1] == k and run.model.loss == "softmax_ce"
    np.testing.assert_array_equal(run.Y_train.argmax(axis=1), run.y_train)
    assert run.train(60) == ""
    assert run.curves.train_loss[-1] < run.curves.train_loss[0]
    A = run.model.forward(run.F_test)[-1]
    np.testing.assert_allclose(A.sum(axis=1), 1, rtol=1e-5)
    assert run.accuracy() == pytest.approx(float(np.mean(A.argmax(axis=1) == run.y_test)))


def test_blobs_in_four_classes_are_learned_and_the_confusion_matrix_counts_each_point():
    run = _run(dataset="blobs4", hidden=(8,), n_points=400)
    run.train(100)
    m = run.confusion()
    assert m.shape == (4, 4) and m.sum() == len(run.y_test)
    np.testing.assert_array_equal(m.sum(axis=1), np.bincount(run.y_test, minlength=4))
    assert np.trace(m) / m.sum() == pytest.approx(run.accuracy())
    assert run.accuracy() >= 0.95  # on the test points, never trained on
    assert _run(dataset="wave").confusion() is None


def test_the_split_follows_the_training_share():
    run = _run(dataset="xor", n_points=200, train_pct=30)
    assert len(run.y_train) == 60 and len(run.y_test) == 140
    X, _ = pg.make_points("xor", 200, 0, 1)
    np.testing.assert_array_equal(np.vstack([run.X_train, run.X_test]), X)


# --- features --------------------------------------------------------------------------


def test_feature_map_computes_each_feature_in_the_order_asked():
    X = np.array([[1.0, 2.0], [-3.0, 0.5]])
    F = pg.feature_map(X, ("x2", "x1sq", "x1x2", "sinx1", "x1", "x2sq", "sinx2"), np.float64)
    x1, x2 = X.T
    expected = np.column_stack([x2, x1**2, x1 * x2, np.sin(x1), x1, x2**2, np.sin(x2)])
    np.testing.assert_array_equal(F, expected)
    assert pg.feature_map(X, ("x1",)).dtype == np.float32  # the engine's default


# --- the network and one step ----------------------------------------------------------


def test_the_network_follows_the_config():
    model = pg.new_network(PlaygroundConfig(features=("x1", "x2", "x1x2"), hidden=(5, 3)))
    assert model.sizes == (3, 5, 3, 1)
    assert model.loss == "sigmoid_bce" and model.activation == "tanh"
    assert pg.new_network(PlaygroundConfig(hidden=())).sizes == (2, 1)
    assert pg.new_network(PlaygroundConfig(activation="linear")).activation == "linear"
    assert pg.new_network(PlaygroundConfig(dataset="wave")).loss == "identity_mse"


def _mean_loss(model: MLP, X, Y) -> float:
    return model.loss_value(X, Y) / len(Y)


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid", "linear"])
@pytest.mark.parametrize("reg", [(0.0, 0.0), (0.05, 0.0), (0.0, 0.05)])
def test_one_step_moves_each_weight_by_lr_times_its_gradient(activation, reg):
    """The step against central differences of the mean loss, in float64: W_new = W -
    lr * (dL/dW + l2 * W + l1 * sign(W)). Differences of 1e-6 leave errors near 1e-9."""
    l1, l2 = reg
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(7, 3)), rng.integers(0, 2, (7, 1)).astype(float)
    model = MLP.create((3, 4, 2, 1), activation, "sigmoid_bce", "xavier", 1, np.float64)
    before = model.copy()
    pg.sgd_step(model, SGD(model.W, model.b, 0.1, l2=l2, l1=l1), X, Y)
    for l, W in enumerate(before.W):
        grad = np.zeros_like(W)
        for idx in np.ndindex(W.shape):
            plus, minus = before.copy(), before.copy()
            plus.W[l][idx] += 1e-6
            minus.W[l][idx] -= 1e-6
            grad[idx] = (_mean_loss(plus, X, Y) - _mean_loss(minus, X, Y)) / 2e-6
        expected = W - 0.1 * (grad + l2 * W + l1 * np.sign(W))
        np.testing.assert_allclose(model.W[l], expected, rtol=0, atol=1e-8)


def test_gradients_vanish_through_six_sigmoid_layers():
    run = _run(dataset="spiral", hidden=(8,) * 6, activation="sigmoid")
    run.train(3)
    rms = run.curves.grad_rms[-1]
    assert rms.shape == (7,)
    assert rms[0] < rms[-1] / 100  # the first layer's gradient is 100x smaller


# --- runs -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "settings",
    [
        {"dataset": "xor", "hidden": (8,)},
        {"dataset": "circles", "hidden": (4, 2)},
        {"dataset": "circles", "hidden": (), "features": ("x1sq", "x2sq")},
    ],
    ids=["xor 8", "circles 4-2", "circles no hidden layer on x1², x2²"],
)
def test_small_networks_reach_high_test_accuracy(settings):
    run = _run(**settings)
    assert run.train(300) == ""
    assert run.epoch == 300
    assert run.accuracy() >= 0.95  # on the test points, never trained on
    assert run.curves.test_loss[-1] < run.curves.test_loss[0] / 4


def test_curves_have_one_entry_per_epoch_and_epoch_zero():
    run = _run(dataset="blobs")
    run.train(5)
    assert run.curves.epoch == [0, 1, 2, 3, 4, 5]
    assert len(run.curves.train_loss) == len(run.curves.test_loss) == len(run.curves.grad_rms) == 6


def test_the_same_settings_train_the_same_way_twice():
    a, b = _run(dataset="spiral", hidden=(6, 6)), _run(dataset="spiral", hidden=(6, 6))
    a.train(10), b.train(10)
    for Wa, Wb in zip(a.model.W, b.model.W, strict=True):
        np.testing.assert_array_equal(Wa, Wb)


def test_a_step_that_diverges_is_undone_and_reported():
    run = _run(dataset="xor", lr=10.0, activation="linear", hidden=(8, 8))
    before = run.model.copy()
    message = run.train(20)
    assert "lower the learning rate (now 10)" in message
    assert run.epoch == 0 and run.model.is_finite()
    for W, W0 in zip(run.model.W, before.W, strict=True):
        np.testing.assert_array_equal(W, W0)


def test_retune_takes_training_settings_but_not_a_new_structure():
    run = _run()
    run.retune(run.config.replace(lr=0.3, regularizer="l1", reg_rate=0.01, batch_size=5))
    assert run.config.lr == 0.3 and run.config.l1 == 0.01 and run.config.l2 == 0.0
    with pytest.raises(ValueError, match="new run"):
        run.retune(run.config.replace(hidden=(3,)))


def test_snapshot_is_a_copy():
    run = _run()
    run.train(2)
    snap = run.snapshot("first")
    run.train(3)
    assert snap.epoch == 2 and len(snap.curves.epoch) == 3 and run.epoch == 5
    assert not np.array_equal(snap.model.W[0], run.model.W[0])


# --- the grid ---------------------------------------------------------------------------


def test_grids_hold_every_unit_and_match_a_forward_pass_point_by_point():
    run = _run(features=("x1", "x2", "sinx1"), hidden=(3, 2))
    run.train(3)
    grids = run.grids(9)
    assert [g.shape for g in grids] == [(3, 9, 9), (3, 9, 9), (2, 9, 9), (1, 9, 9)]
    axis = np.linspace(*pg.DOMAIN, 9)
    for i, j in [(0, 0), (0, 8), (8, 0), (4, 7)]:
        point = np.array([[axis[j], axis[i]]])  # row i is x2, column j is x1
        A = run.model.forward(pg.feature_map(point, run.config.features))
        for layer, grid in zip(A, grids, strict=True):
            np.testing.assert_allclose(grid[:, i, j], layer[0], rtol=1e-6, atol=1e-6)


# --- epochs in pieces (a crowded server's frames) ----------------------------------------


def _params(run: pg.PlaygroundRun) -> list[bytes]:
    return [p.tobytes() for p in run.model.parameters()]


def test_an_epoch_trained_in_pieces_is_the_whole_epoch_bit_for_bit():
    """Slices that stop after a minibatch (whole=False, no time) make up the same epochs as
    whole ones: the same weights, curves, gradient sizes and random stream; the epoch
    counter moves only when an epoch ends, and a slice trains one minibatch at least."""
    settings = dict(dataset="spiral", hidden=(8, 8, 8), n_points=200, seed=3)
    whole, pieces = _run(**settings), _run(**settings)
    whole.train(4)
    per_epoch = -(-whole.F_train.shape[0] // whole.config.batch_size)
    for step in range(1, 4 * per_epoch + 1):
        assert pieces.train(50, 0.0, whole=False) == ""
        assert pieces.steps == step and pieces.epoch == step // per_epoch
        assert (pieces.partial is None) == (step % per_epoch == 0)
    assert _params(pieces) == _params(whole) and pieces.epoch == 4
    assert pieces.curves.train_loss == whole.curves.train_loss
    assert np.array_equal(pieces.curves.grad_rms, whole.curves.grad_rms)
    assert pieces.rng.bit_generator.state == whole.rng.bit_generator.state


def test_finish_epoch_ends_the_epoch_in_progress_and_step_counts_it_as_one():
    settings = dict(dataset="xor", hidden=(4,), n_points=100)
    run, again = _run(**settings), _run(**settings)
    for _ in range(3):
        run.train(1, 0.0, whole=False)
    assert run.partial is not None and run.epoch == 0
    assert run.finish_epoch() == "" and run.partial is None and run.epoch == 1
    assert run.finish_epoch() == "" and run.epoch == 1, "nothing in progress: nothing trained"
    run.train(1, 0.0, whole=False)
    run.train(1)  # Step: the epoch in progress is the one epoch
    again.train(2)
    assert run.epoch == 2 and _params(run) == _params(again)


def test_an_epoch_that_diverges_part_way_is_undone_at_once():
    """No frame shows infinite weights: a slice that leaves them non-finite part-way
    through an epoch undoes the epoch there."""
    run = _run(dataset="xor", lr=10.0, activation="linear", hidden=(8, 8))
    before = run.model.copy()
    for _ in range(100):
        message = run.train(1, 0.0, whole=False)
        if message or run.epoch:
            break
    assert "undone" in message and run.epoch == 0 and run.partial is None
    assert run.steps < 25, "undone part-way, not at the epoch's end"
    for a, b in zip(run.model.parameters(), before.parameters(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_the_runs_epochs_are_train_epochs_steps_bit_for_bit():
    """The run trains in pieces of its own (Epoch), yet an epoch of it is train_epoch's:
    the same shuffle, the same minibatches, the same weights (batch 7 leaves a short
    last minibatch)."""
    run = _run(dataset="spiral", hidden=(8, 8), n_points=200, batch_size=7)
    model = pg.new_network(run.config)
    rng = np.random.default_rng(run.config.seed)
    for _ in range(3):
        grads = pg.train_epoch(model, run.F_train, run.Y_train, run.config, rng)
    run.train(3)
    assert [p.tobytes() for p in model.parameters()] == _params(run)
    assert np.array_equal(grads, run.curves.grad_rms[-1])
