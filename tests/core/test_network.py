"""The MLP: shapes and dtype across architectures, seeding, initialisation, validation."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from mlp_core.activations import ACTIVATIONS
from mlp_core.config import DTYPE, HIDDEN_ACTIVATIONS, TrainConfig
from mlp_core.losses import LOSSES
from mlp_core.network import MLP, one_hot
from mlp_core.training import new_model

PAIRS = list(itertools.product(HIDDEN_ACTIVATIONS, sorted(LOSSES)))
ARCHITECTURES = [(6, 5, 3), (6, 5, 4, 3), (6, 7, 5, 4, 3)]  # 1, 2 and 3 hidden layers


def test_the_default_dtype_is_float32():
    assert DTYPE is np.float32
    assert MLP.create((4, 3, 2)).dtype == np.float32
    assert new_model(TrainConfig(hidden=3), n_in=4, n_out=2).dtype == np.float32


@pytest.mark.parametrize("sizes", ARCHITECTURES, ids=lambda s: "-".join(map(str, s)))
@pytest.mark.parametrize(("activation", "loss"), PAIRS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_shapes_and_dtype(sizes, activation, loss, dtype):
    model = MLP.create(sizes, activation, loss, seed=3, dtype=dtype)
    assert model.sizes == sizes
    assert [W.shape for W in model.W] == list(itertools.pairwise(sizes))
    assert [b.shape for b in model.b] == [(o,) for o in sizes[1:]]
    assert all(p.dtype == dtype for p in model.parameters())
    assert model.n_params == sum(i * o + o for i, o in itertools.pairwise(sizes))

    X = np.random.default_rng(0).normal(size=(9, sizes[0])).astype(dtype)
    A = model.forward(X)
    assert [a.shape for a in A] == [(9, s) for s in sizes]
    assert all(a.dtype == dtype for a in A)
    P = model.predict_proba(X)
    assert P.shape == (9, sizes[-1]) and P.dtype == dtype
    assert np.isfinite(P).all()
    hidden = model.hidden_activations(X)
    assert [h.shape for h in hidden] == [(9, s) for s in sizes[1:-1]]
    labels = model.predict(X)
    assert labels.shape == (9,)
    assert ((labels >= 0) & (labels < sizes[-1])).all()
    A = model.forward(X)
    _, dZ = LOSSES[loss].delta(A[-1], labels)
    assert dZ.shape == A[-1].shape and dZ.dtype == dtype
    dW, db = model.backward(A, dZ)
    assert [g.shape for g in dW] == [W.shape for W in model.W]
    assert [g.shape for g in db] == [b.shape for b in model.b]
    assert all(g.dtype == dtype for g in dW + db)


@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_outputs_match_the_loss(loss):
    model = MLP.create((4, 8, 3), "tanh", loss, seed=0)
    P = model.predict_proba(np.random.default_rng(1).normal(size=(20, 4)))
    if loss == "softmax_ce":
        np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-5)
    if loss == "sigmoid_bce":
        assert ((P > 0) & (P < 1)).all()


def test_predict_proba_casts_its_input_once_to_the_model_dtype():
    model = MLP.create((3, 4, 2), seed=0)
    P = model.predict_proba(np.ones((5, 3), dtype=np.float64))
    assert P.dtype == np.float32
    P = model.predict_proba([[0, 1, 2]])  # plain lists of ints are fine too
    assert P.shape == (1, 2) and P.dtype == np.float32


def test_forward_by_hand():
    W = [np.array([[1.0, -1.0], [0.5, 2.0]]), np.array([[1.0], [-2.0]])]
    b = [np.array([0.0, 1.0]), np.array([0.5])]
    model = MLP(W, b, "relu", "identity_mse")
    X = np.array([[1.0, 2.0], [-1.0, 0.0]])
    # hidden: relu([[2, 4], [-1, 2]]) = [[2, 4], [0, 2]]; out: [2 - 8, 0 - 4] + 0.5
    np.testing.assert_allclose(model.predict_proba(X), [[-5.5], [-3.5]])


def test_same_seed_same_weights_different_seed_different_weights():
    a = MLP.create((10, 8, 8, 3), "relu", seed=42)
    b = MLP.create((10, 8, 8, 3), "relu", seed=42)
    c = MLP.create((10, 8, 8, 3), "relu", seed=43)
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        np.testing.assert_array_equal(p, q)
    assert any(not np.array_equal(p, q) for p, q in zip(a.W, c.W, strict=True))


def test_seeding_does_not_touch_global_numpy_random():
    np.random.seed(0)
    expected = np.random.random()
    np.random.seed(0)
    MLP.create((10, 8, 3), seed=5)
    assert np.random.random() == expected


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float32_and_float64_models_start_from_the_same_draws(dtype):
    model = MLP.create((10, 8, 3), "relu", seed=7, dtype=dtype)
    reference = MLP.create((10, 8, 3), "relu", seed=7, dtype=np.float64)
    np.testing.assert_allclose(model.W[0], reference.W[0], rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_biases_start_at_zero(dtype):
    model = MLP.create((10, 8, 3), seed=1, dtype=dtype)
    assert all(not b.any() for b in model.b)


FAN_IN, FAN_OUT = 400, 300  # 120,000 draws: sample std within about 0.5 % of the truth


def test_normal_init_is_the_books_normal_0_01():
    W = MLP.create((FAN_IN, FAN_OUT, 2), init="normal", seed=1, dtype=np.float64).W[0]
    assert abs(W.mean()) < 0.002
    assert W.std() == pytest.approx(0.1, rel=0.02)


def test_he_init_has_std_sqrt_2_over_fan_in():
    W = MLP.create((FAN_IN, FAN_OUT, 2), init="he", seed=1, dtype=np.float64).W[0]
    assert abs(W.mean()) < 0.002
    assert W.std() == pytest.approx(np.sqrt(2.0 / FAN_IN), rel=0.02)


def test_xavier_init_is_uniform_within_the_glorot_bound():
    W = MLP.create((FAN_IN, FAN_OUT, 2), init="xavier", seed=1, dtype=np.float64).W[0]
    bound = np.sqrt(6.0 / (FAN_IN + FAN_OUT))
    assert np.abs(W).max() <= bound
    assert np.abs(W).max() > 0.99 * bound  # it does use the whole range
    assert W.std() == pytest.approx(bound / np.sqrt(3.0), rel=0.02)  # uniform's std


def test_unknown_init_is_a_value_error():
    with pytest.raises(ValueError, match="initialisation"):
        MLP.create((3, 2, 2), init="zeros")


def _layers(*shapes):
    W = [np.zeros(s) for s in shapes]
    return W, [np.zeros(s[1]) for s in shapes]


@pytest.mark.parametrize(
    ("W", "b"),
    [
        ([], []),
        (_layers((3, 4))[0], []),  # a weight matrix without a bias
        (_layers((3, 4))[0], [np.zeros(3)]),  # bias of the wrong length
        (_layers((3, 4))[0], [np.zeros((1, 4))]),  # bias not a vector
        ([np.zeros(4)], [np.zeros(4)]),  # W not a matrix
        (*_layers((3, 4), (5, 2)),),  # layer 1 expects 5 inputs, layer 0 gives 4
    ],
    ids=["empty", "missing-bias", "bias-length", "bias-2d", "W-1d", "chain-mismatch"],
)
def test_bad_shapes_raise_value_error(W, b):
    with pytest.raises(ValueError):
        MLP(W, b)


def test_unknown_activation_or_loss_raise_value_error():
    W, b = _layers((3, 4), (4, 2))
    with pytest.raises(ValueError, match="activation"):
        MLP(W, b, activation="swish")
    with pytest.raises(ValueError, match="loss"):
        MLP(W, b, loss="hinge")


def test_repr_shows_the_architecture():
    text = repr(MLP.create((784, 100, 10), "sigmoid", "sigmoid_bce"))
    assert "784-100-10" in text
    assert "sigmoid_bce" in text and "sigmoid" in text and "float32" in text
    assert "200-20-20-2" in repr(MLP.create((200, 20, 20, 2)))


@pytest.mark.parametrize("batch", [1, 7, 50, 8192])
def test_predict_proba_in_chunks_equals_one_shot(batch):
    model = MLP.create((12, 16, 16, 5), "tanh", "softmax_ce", seed=2)
    X = np.random.default_rng(3).normal(size=(103, 12)).astype(np.float32)
    one_shot = model.forward(X.copy())[-1]
    np.testing.assert_allclose(model.predict_proba(X, batch=batch), one_shot, rtol=1e-6)


def test_predict_proba_of_no_rows():
    model = MLP.create((12, 16, 5))
    P = model.predict_proba(np.zeros((0, 12)))
    assert P.shape == (0, 5) and P.dtype == np.float32


def test_copy_is_independent():
    model = MLP.create((4, 3, 2), seed=0)
    clone = model.copy()
    clone.W[0][...] = 99.0
    assert not (model.W[0] == 99.0).any()
    assert (clone.activation, clone.loss) == (model.activation, model.loss)


def test_is_finite():
    model = MLP.create((4, 3, 2), seed=0)
    assert model.is_finite()
    model.b[1][0] = np.nan
    assert not model.is_finite()


def test_parameters_are_the_live_arrays_in_layer_order():
    model = MLP.create((4, 3, 2), seed=0)
    params = model.parameters()
    assert [p.shape for p in params] == [(4, 3), (3,), (3, 2), (2,)]
    params[0][0, 0] = 5.0
    assert model.W[0][0, 0] == 5.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_one_hot(dtype):
    Y = one_hot(np.array([2, 0, 1]), 3, dtype)
    np.testing.assert_array_equal(Y, [[0, 0, 1], [1, 0, 0], [0, 1, 0]])
    assert Y.dtype == dtype


def test_every_table_activation_can_be_used():
    for name in ACTIVATIONS:
        model = MLP.create((3, 4, 2), name, seed=0)
        assert np.isfinite(model.predict_proba(np.ones((2, 3)))).all()
