"""The chapter-1 toys: the 1-D learning-rate toy and the 2-3-1 backprop toy.

Oracles: a literal re-run of the book's procedure (lists of ints, float32 arrays, a
deepcopy per nudge), the weights the book prints, and float64 central differences.
"""

from __future__ import annotations

import ast
from copy import deepcopy
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from mlp_core import toys
from mlp_core.toys import (
    backprop_toy,
    chain_rule_w11,
    initial_toy_params,
    lr_toy,
    lr_toy_loss_curve,
    lr_toy_table,
    toy_forward,
    toy_gradients,
)

pytestmark = pytest.mark.filterwarnings("error")  # overflow must stay silent

PARAM_NAMES = ("W_hidden", "b_hidden", "W_out", "b_out")

# The weights the book prints after 100 epochs (forward differences, lr 0.01).
BOOK_FINAL = {
    "W_hidden": [[0.01424004, -0.5907864, -0.27549535], [0.39883757, -0.52918637, 0.18640439]],
    "b_hidden": [0.00554004, 0.5519136, -0.06599568],
    "W_out": [[0.3475135], [-0.05529078], [0.03760847]],
    "b_out": [-0.22443289],
}


# --- the book's procedure, re-run literally ---------------------------------------------


def book_step(loss_of, inputs, targets, weights, lr, trace=None):
    """One epoch as the book runs it: deepcopy, nudge one entry, measure, update a copy."""
    before = deepcopy(weights)
    base = loss_of(inputs, targets, before)
    after = deepcopy(weights)
    for i, layer in enumerate(before):
        for index, _ in np.ndenumerate(layer):
            probe = deepcopy(weights)
            probe[i][index] += 0.0001
            plus = loss_of(inputs, targets, probe)
            grad = (plus - base) / 0.0001
            after[i][index] -= grad * lr
            if trace is not None and i == 0:
                trace.append((before[i][index], base, plus, grad, after[i][index]))
    return after, base


def line_loss(inputs, targets, weights):
    pred = np.dot(inputs, weights[0]) + weights[1]
    return np.mean(np.square(pred - targets))


def net_loss(inputs, targets, weights):
    hidden = 1 / (1 + np.exp(-(np.dot(inputs, weights[0]) + weights[1])))
    return np.mean(np.square(np.dot(hidden, weights[2]) + weights[3] - targets))


def book_lr_run(lr, epochs):
    x, y = [[1], [2], [3], [4]], [[3], [6], [9], [12]]  # Python ints, as in the book
    weights = [np.array([[0]], dtype=np.float32), np.array([[0]], dtype=np.float32)]
    trace, path = [], []
    for _ in range(epochs):
        weights, _ = book_step(line_loss, x, y, weights, lr, trace)
        path.append((weights[0][0, 0], weights[1][0, 0]))
    return trace, np.array(path)


def book_backprop_run(epochs=100, lr=0.01):
    x, y = np.array([[1, 1]]), np.array([[0]])
    p = initial_toy_params()
    weights = [p[name] for name in PARAM_NAMES]
    losses = []
    for _ in range(epochs):
        weights, loss = book_step(net_loss, x, y, weights, lr)
        losses.append(loss)
    return dict(zip(PARAM_NAMES, weights, strict=True)), np.array(losses)


@pytest.fixture(scope="module")
def book_lr():
    return {lr: book_lr_run(lr, 1000) for lr in toys.LR_TOY_RATES}


@pytest.fixture(scope="module")
def runs():
    return {lr: lr_toy(lr) for lr in toys.LR_TOY_RATES}


@pytest.fixture(scope="module")
def forward_run():
    return backprop_toy()


# --- 1-D learning-rate toy ---------------------------------------------------------------


@pytest.mark.parametrize("lr", toys.LR_TOY_RATES)
def test_lr_toy_reproduces_the_book_procedure_bit_for_bit(lr, runs, book_lr):
    trace, path = book_lr[lr]
    run = runs[lr]
    np.testing.assert_array_equal(run.w, path[:, 0])
    np.testing.assert_array_equal(run.b, path[:, 1])
    expected = np.array([[float(v) for v in row] for row in trace])
    np.testing.assert_array_equal(run.w_before, expected[:, 0])
    np.testing.assert_array_equal(run.loss, expected[:, 1])
    np.testing.assert_array_equal(run.loss_plus_w, expected[:, 2])
    np.testing.assert_array_equal(run.grad_w, expected[:, 3])


@pytest.mark.parametrize("lr", toys.LR_TOY_RATES)
def test_lr_toy_table_matches_the_book_procedure(lr, runs, book_lr):
    trace, _ = book_lr[lr]
    table = lr_toy_table(runs[lr])
    assert [row["epoch"] for row in table] == list(range(1, 11))
    for row, (weight, loss, plus, grad, updated) in zip(table, trace[:10], strict=True):
        assert row["weight"] == float(weight)
        assert row["loss"] == float(loss)
        assert row["loss_plus"] == float(plus)
        assert row["gradient"] == float(grad)
        assert row["updated_weight"] == float(updated)


def test_loss_is_computed_in_float64_like_the_book():
    weights = [np.array([[0.5]], dtype=np.float32), np.array([[0.25]], dtype=np.float32)]
    assert line_loss([[1], [2]], [[3], [6]], weights).dtype == np.float64  # int @ float32
    run = lr_toy(0.01, epochs=3)
    assert run.loss.dtype == np.float64 and run.grad_w.dtype == np.float64
    assert run.w.dtype == np.float32 and run.b.dtype == np.float32


@pytest.mark.parametrize(("lr", "first_w"), [(0.01, 0.45), (0.1, 4.5), (1.0, 45.0)])
def test_first_epoch_weight_as_in_the_text(lr, first_w, runs):
    assert runs[lr].w_before[0] == 0.0
    assert runs[lr].loss[0] == 67.5  # mean of 9, 36, 81, 144
    assert round(float(runs[lr].w[0]), 2) == first_w


def test_small_learning_rate_creeps_up_to_three(runs):
    w = runs[0.01].w
    assert np.all(np.diff(w) > 0) and np.all(w < 3)
    assert w[9] < 2.3  # still far off after 10 epochs
    assert abs(w[-1] - 3) < 0.02
    assert np.all(np.diff(runs[0.01].loss) < 0)


def test_medium_learning_rate_overshoots_oscillates_and_settles(runs):
    w = runs[0.1].w
    assert w[0] > 4  # overshoots 3 in the first epoch
    side = np.sign(w[:6] - 3)
    assert np.all(side[1:] != side[:-1])  # 4.5, 1.5, 3.5, 2.2, 3.1, 2.5: flips every epoch
    assert np.all(np.abs(w[-100:] - 3) < 1e-3)


def test_large_learning_rate_blows_up_then_sticks(runs):
    run = runs[1.0]
    assert np.abs(run.w[2]) > 1e4
    assert np.all(run.w[3:] == run.w[2]) and np.all(run.b[3:] == run.b[2])
    assert np.all(run.grad_w[3:] == 0) and np.all(run.grad_b[3:] == 0)
    assert abs(run.w[-1] - 3) > 1e4
    # why: the float32 nudge is lost, so the nudged loss equals the original loss
    w = run.w[-1]
    assert w + np.float32(toys.STEP) == w
    assert np.all(run.loss_plus_w[3:] == run.loss[3:])


def test_exact_gradient_agrees_for_small_rates_and_overflows_for_lr_one():
    for lr in (0.01, 0.1):
        gap = np.abs(lr_toy(lr, gradient="exact").w - lr_toy(lr).w)
        assert gap.max() < 5e-3 and gap[-1] < 5e-4
    run = lr_toy(1.0, gradient="exact")  # no warning may escape (pytestmark)
    assert np.isfinite(run.w[:30]).all()
    assert np.isinf(run.w).any() and np.isnan(run.w[-1])
    assert len(run.w) == 1000


def test_exact_gradient_is_the_analytic_one():
    run = lr_toy(0.01, epochs=5, gradient="exact")
    x, y = np.arange(1.0, 5.0), 3 * np.arange(1.0, 5.0)
    r = x * np.float64(run.w_before)[:, None] + np.float64(run.b_before)[:, None] - y
    np.testing.assert_allclose(run.grad_w, 2 * (r * x).mean(axis=1), rtol=1e-12)
    np.testing.assert_allclose(run.grad_b, 2 * r.mean(axis=1), rtol=1e-12)


def test_run_shapes_and_read_only():
    run = lr_toy(0.1, epochs=7)
    np.testing.assert_array_equal(run.epochs, np.arange(1, 8))
    for name in ("w_before", "b_before", "loss", "loss_plus_w", "loss_plus_b", "w", "b"):
        assert getattr(run, name).shape == (7,)
    assert not run.w.flags.writeable
    np.testing.assert_array_equal(run.w_before[1:], run.w[:-1])
    assert lr_toy(0.1, epochs=0).w.shape == (0,)
    with pytest.raises(ValueError, match="gradient"):
        lr_toy(0.1, gradient="central")


def test_loss_curve_matches_the_run_losses(runs):
    np.testing.assert_array_equal(lr_toy_loss_curve(np.array([0.0, 3.0])), [67.5, 0.0])
    overflowed = lr_toy_loss_curve(np.array([np.inf, -np.inf, 1e38]), np.inf)  # no warning
    assert np.isinf(overflowed[0]) and np.isnan(overflowed[1]) and np.isinf(overflowed[2])
    run = runs[0.1]
    for i in (0, 5, 50, 999):
        curve = lr_toy_loss_curve(run.w_before[i : i + 1], run.b_before[i])
        np.testing.assert_allclose(curve[0], run.loss[i], rtol=1e-12)


# --- 2-3-1 backprop toy ------------------------------------------------------------------


def test_backprop_toy_reproduces_the_book_procedure_bit_for_bit(forward_run):
    final, losses = book_backprop_run()
    np.testing.assert_array_equal(forward_run.loss, losses)
    for name in PARAM_NAMES:
        np.testing.assert_array_equal(forward_run.params[name], final[name])


def test_backprop_toy_matches_the_printed_book_weights(forward_run):
    for name in PARAM_NAMES:
        assert forward_run.params[name].dtype == np.float32
        np.testing.assert_allclose(forward_run.params[name], BOOK_FINAL[name], rtol=0, atol=1e-7)


def test_backprop_toy_loss_and_prediction(forward_run):
    assert forward_run.loss[0] == pytest.approx(0.3346, abs=1e-4)  # "about 0.33"
    assert np.all(np.diff(forward_run.loss) < 0)
    assert forward_run.final_loss < 1e-3
    assert round(forward_run.prediction, 3) == -0.017
    assert forward_run.final_loss == pytest.approx(forward_run.prediction**2)


def test_backprop_history(forward_run):
    h = forward_run.history
    assert h["W_hidden"].shape == (101, 2, 3) and h["b_out"].shape == (101, 1)
    np.testing.assert_array_equal(h["W_hidden"][0], initial_toy_params()["W_hidden"])
    np.testing.assert_array_equal(h["W_out"][-1], forward_run.params["W_out"])


def test_chain_rule_training_reaches_the_same_weights(forward_run):
    chain = backprop_toy(gradient="chain")
    for name in PARAM_NAMES:
        np.testing.assert_allclose(chain.params[name], forward_run.params[name], atol=2e-4)
    assert chain.prediction == pytest.approx(forward_run.prediction, abs=1e-4)
    with pytest.raises(ValueError, match="gradient"):
        backprop_toy(gradient="exact")


def float64_loss(params):
    """Independent float64 loss of the 2-3-1 net."""
    p = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    hidden = 1 / (1 + np.exp(-(np.array([[1.0, 1.0]]) @ p["W_hidden"] + p["b_hidden"])))
    return float(np.mean((hidden @ p["W_out"] + p["b_out"]) ** 2))


def central_difference(params, h=1e-6):
    grads = {}
    for name, P in params.items():
        P = P.astype(np.float64)
        G = np.zeros_like(P)
        for idx in np.ndindex(P.shape):
            up, down = P.copy(), P.copy()
            up[idx] += h
            down[idx] -= h
            G[idx] = float64_loss({**params, name: up}) - float64_loss({**params, name: down})
            G[idx] /= 2 * h
        grads[name] = G
    return grads


def assert_chain_rule_matches_central_difference(params, h=1e-6):
    """The central difference itself is only as exact as float64 lets it be: each loss
    is rounded to about eps * loss, so the quotient carries about 2 eps * loss / (2 h)
    of rounding (1e-9 for a loss near 4); the tolerance allows four times that."""
    _, chain = toy_gradients(params)
    expected = central_difference(params, h)
    rounding = 4 * np.finfo(np.float64).eps * max(float64_loss(params), 1.0) / h
    for name in PARAM_NAMES:
        assert chain[name].shape == params[name].shape
        np.testing.assert_allclose(chain[name], expected[name], rtol=1e-6, atol=1e-9 + rounding)


def test_chain_rule_gradients_match_central_differences():
    assert_chain_rule_matches_central_difference(initial_toy_params())
    assert_chain_rule_matches_central_difference(backprop_toy(epochs=40).params)


small = st.floats(-2, 2, width=32)


@settings(max_examples=25, deadline=None)
@given(
    arrays(np.float32, (2, 3), elements=small),
    arrays(np.float32, (3,), elements=small),
    arrays(np.float32, (3, 1), elements=small),
    arrays(np.float32, (1,), elements=small),
)
def test_chain_rule_matches_central_differences_anywhere(W_hidden, b_hidden, W_out, b_out):
    params = {"W_hidden": W_hidden, "b_hidden": b_hidden, "W_out": W_out, "b_out": b_out}
    assert_chain_rule_matches_central_difference(params)


def test_forward_difference_is_close_to_the_chain_rule():
    forward, chain = toy_gradients(initial_toy_params())
    for name in PARAM_NAMES:
        # the forward difference is off by about step * curvature / 2 (1e-4 for b_out)
        np.testing.assert_allclose(forward[name], chain[name], atol=2e-4)


def test_toy_forward_intermediates():
    params = initial_toy_params()
    f = toy_forward(params)
    assert f["z_h"].shape == f["a_h"].shape == (1, 3) and f["output"].shape == (1, 1)
    p64 = {k: v.astype(np.float64) for k, v in params.items()}
    np.testing.assert_allclose(f["z_h"][0], p64["W_hidden"].sum(axis=0) + p64["b_hidden"])
    np.testing.assert_allclose(f["a_h"], 1 / (1 + np.exp(-f["z_h"])))
    assert f["output"][0, 0] == pytest.approx(-0.5784, abs=1e-4)
    assert f["loss"] == pytest.approx(float64_loss(params), rel=1e-12)


def test_chain_rule_w11_factors():
    params = initial_toy_params()
    factors = chain_rule_w11(params)
    _, chain = toy_gradients(params)
    f = toy_forward(params)
    a = f["a_h"][0, 0]
    assert factors["dC_dyhat"] == pytest.approx(2 * f["output"][0, 0])
    assert factors["dyhat_da_h1"] == pytest.approx(0.1528, abs=1e-7)
    assert factors["da_h1_dz_h1"] == pytest.approx(a * (1 - a))
    assert factors["dz_h1_dw11"] == 1.0
    assert factors["product"] == pytest.approx(chain["W_hidden"][0, 0], rel=1e-12)
    assert factors["product"] == pytest.approx(-0.042789, abs=1e-6)


def test_toys_import_only_numpy_and_the_standard_library():
    source = Path(toys.__file__).read_text()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
            for name in names:
                assert name.split(".")[0] in {
                    "numpy",
                    "mlp_core",
                    "__future__",
                    "collections",
                    "dataclasses",
                    "typing",
                }, name
