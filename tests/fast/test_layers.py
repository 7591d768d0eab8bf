"""The fast back-end's own layer range (mlp_fast.layers): from layer 1 up, the same
activations, gradients and update as mlp_core's whole step, and its two faster forms
equal to mlp_core's functions to rounding, as safe for large inputs."""

from __future__ import annotations

import numpy as np
import pytest

from mlp_core.activations import ACTIVATIONS
from mlp_core.losses import LOSSES
from mlp_core.network import MLP
from mlp_core.optimizers import SGD
from mlp_core.training import train_batch
from mlp_fast import layers

EPS64 = float(np.finfo(np.float64).eps)
ARCHITECTURES = [(6, 5, 4, 3), (6, 7, 5, 4, 3), (6, 5, 3)]


def _net(sizes, activation: str, loss: str = "softmax_ce") -> tuple[MLP, np.ndarray, np.ndarray]:
    model = MLP.create(sizes, activation, loss, seed=2, dtype=np.float64)
    X = np.random.default_rng(0).normal(size=(7, sizes[0]))
    return model, X, np.arange(7) % sizes[-1]


@pytest.mark.parametrize("sizes", ARCHITECTURES, ids=lambda s: "-".join(map(str, s)))
@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
def test_from_layer_one_up_as_the_whole_pass(sizes, activation):
    """Given A1, the activations and gradients of layers 1 and up, and layer 0's delta
    (which gives layer 0's gradient), as mlp_core's forward and backward compute them."""
    model, X, y = _net(sizes, activation)
    A = model.forward(X)
    _, dZ = LOSSES[model.loss].delta(A[-1], y)
    dW, db = model.backward(A, dZ)
    upper = layers.forward_from(model, A[1].copy(), first=1)
    for a, b in zip(upper, A[1:], strict=True):
        np.testing.assert_allclose(a, b, rtol=16 * EPS64, atol=16 * EPS64)
    dW1, db1, dZ0 = layers.backward_to(model, upper, dZ, first=1)
    assert len(dW1) == len(db1) == len(sizes) - 2
    for g, h in zip(dW1 + db1, dW[1:] + db[1:], strict=True):
        np.testing.assert_allclose(g, h, rtol=64 * EPS64, atol=64 * EPS64)
    np.testing.assert_allclose(A[0].T @ dZ0, dW[0], rtol=64 * EPS64, atol=64 * EPS64)


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_upper_steps_the_layers_above_as_train_batch_does(momentum):
    """Upper.step with the first layer left alone: layers 1 and up as after train_batch,
    their velocities in the optimizer's own arrays."""
    sizes = (6, 5, 4, 3)
    model, X, y = _net(sizes, "sigmoid")
    twin = model.copy()
    opt = SGD(model.W, model.b, 0.1, momentum, l2=0.01)
    twin_opt = SGD(twin.W, twin.b, 0.1, momentum, l2=0.01)
    loss, _ = train_batch(twin, twin_opt, X, y)
    A1 = model.forward(X)[1]
    upper_loss, A_L, _ = layers.Upper(model, opt).step(A1, y, "mean")
    assert upper_loss == pytest.approx(loss, rel=64 * EPS64)
    assert A_L.shape == (7, 3)
    for p, q in zip(model.parameters()[2:], twin.parameters()[2:], strict=True):
        np.testing.assert_allclose(p, q, rtol=64 * EPS64, atol=64 * EPS64)
    for v, w in zip(opt.velocities()[2:], twin_opt.velocities()[2:], strict=True):
        np.testing.assert_allclose(v, w, rtol=64 * EPS64, atol=64 * EPS64)
    if momentum:
        assert np.any(opt.velocities()[2])  # the optimizer's own velocity arrays moved


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_faster_forms_are_the_same_functions(dtype):
    rng = np.random.default_rng(3)
    Z = rng.normal(0, 4, size=(50, 10)).astype(dtype)
    eps = float(np.finfo(dtype).eps)
    slow = ACTIVATIONS["sigmoid"].forward(Z.copy())
    np.testing.assert_allclose(layers.sigmoid(Z.copy()), slow, rtol=8 * eps, atol=8 * eps)
    slow = LOSSES["softmax_ce"].output(Z.copy())
    np.testing.assert_allclose(layers.softmax(Z.copy()), slow, rtol=16 * eps, atol=16 * eps)


def test_the_faster_forms_warn_nothing_for_large_inputs():
    Z = np.array([[-1e4, -100.0, 0.0, 100.0, 1e4]], dtype=np.float32)
    with np.errstate(all="raise"):
        A = layers.sigmoid(Z.copy())
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # e^-3e4 underflows to 0
        P = layers.softmax(np.array([[3e4, 0.0, -3e4]], dtype=np.float32))
    assert A.dtype == P.dtype == np.float32
    np.testing.assert_array_equal(A, [[0.0, 0.0, 0.5, 1.0, 1.0]])
    np.testing.assert_array_equal(P, [[1.0, 0.0, 0.0]])
