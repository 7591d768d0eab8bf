"""SGD: it knows only parameters and gradients; L2 and L1 touch weights, never biases."""

from __future__ import annotations

import numpy as np
import pytest

from mlp_core.optimizers import SGD

W0 = np.array([[0.5, -0.25], [0.0, 2.0]])
B0 = np.array([0.5, -1.0])
DW = np.array([[0.1, 0.2], [-0.3, 0.4]])
DB = np.array([1.0, -2.0])


def _step(**rule) -> tuple[np.ndarray, np.ndarray]:
    W, b = W0.copy(), B0.copy()
    SGD([W], [b], lr=0.1, **rule).step([DW.copy()], [DB.copy()])
    return W, b


def test_a_plain_step_by_hand():
    W, b = _step()
    np.testing.assert_allclose(W, W0 - 0.1 * DW, rtol=4 * np.finfo(W.dtype).eps)
    np.testing.assert_allclose(b, B0 - 0.1 * DB, rtol=4 * np.finfo(b.dtype).eps)


@pytest.mark.parametrize(("rule", "extra"), [("l2", W0), ("l1", np.sign(W0))])
def test_l2_and_l1_add_to_the_weight_gradient_only(rule, extra):
    W, b = _step(**{rule: 0.5})
    plain_W, plain_b = _step()
    np.testing.assert_allclose(W, plain_W - 0.1 * 0.5 * extra, rtol=8 * np.finfo(W.dtype).eps)
    np.testing.assert_array_equal(b, plain_b)


def test_l1_leaves_zero_weights_alone():
    W, _ = _step(l1=0.5)
    assert W[1, 0] == W0[1, 0] - 0.1 * DW[1, 0]  # sign(0) = 0


def test_momentum_goes_through_velocities():
    W, b = W0.copy(), B0.copy()
    opt = SGD([W], [b], lr=0.1, momentum=0.9)
    opt.step([DW], [DB])
    opt.step([DW], [DB])  # v = -0.1 g, then 0.9 v - 0.1 g
    np.testing.assert_allclose(W, W0 - 0.1 * DW - (0.09 + 0.1) * DW, rtol=8 * np.finfo(float).eps)
    np.testing.assert_allclose(opt.vb[0], -(0.09 + 0.1) * DB, rtol=8 * np.finfo(float).eps)


def test_the_velocities_are_the_optimizers_own_arrays():
    """velocities() lists the arrays themselves (as MLP.parameters() does); a copy of the
    optimizer takes their values through load_velocities; given arrays are used in place."""
    W, b = W0.copy(), B0.copy()
    opt = SGD([W], [b], lr=0.1, momentum=0.9)
    opt.step([DW], [DB])
    vW, vb = opt.velocities()
    np.testing.assert_allclose(vW, -0.1 * DW, rtol=4 * np.finfo(float).eps)
    np.testing.assert_allclose(vb, -0.1 * DB, rtol=4 * np.finfo(float).eps)
    kept = [np.zeros_like(W0), np.zeros_like(B0)]
    twin = SGD([W0.copy()], [B0.copy()], lr=0.1, momentum=0.9, velocities=kept)
    twin.load_velocities(opt.velocities())
    assert twin.velocities()[0] is kept[0]
    np.testing.assert_array_equal(kept[1], vb)
    with pytest.raises(ValueError, match="2 velocities given, this optimizer has 0"):
        SGD([W], [b], lr=0.1).load_velocities([vW, vb])
    assert SGD([W], [b], lr=0.1).velocities() == []


def test_the_dtype_is_kept():
    W, b = W0.astype(np.float32), B0.astype(np.float32)
    SGD([W], [b], lr=0.1, momentum=0.5, l2=0.1, l1=0.1).step(
        [DW.astype(np.float32)], [DB.astype(np.float32)]
    )
    assert W.dtype == b.dtype == np.float32
