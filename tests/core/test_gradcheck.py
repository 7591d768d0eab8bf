"""Backpropagation against central differences in float64, for every activation x loss."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlp_core.activations import ACTIVATIONS, Activation
from mlp_core.config import HIDDEN_ACTIVATIONS
from mlp_core.gradcheck import check_all, gradient_check
from mlp_core.losses import LOSSES

PAIRS = list(itertools.product(HIDDEN_ACTIVATIONS, sorted(LOSSES)))
TOLERANCE = 1e-6


@pytest.mark.parametrize(("activation", "loss"), PAIRS)
def test_every_pair_on_the_default_2_3_2_net(activation, loss):
    result = gradient_check(activation, loss)
    assert (result.activation, result.loss) == (activation, loss)
    assert len(result.rel_errors) == 4  # W0, b0, W1, b1
    assert result.max_rel_error == max(result.rel_errors)
    assert result.max_rel_error < TOLERANCE


@pytest.mark.parametrize(("activation", "loss"), PAIRS)
def test_every_pair_with_summed_gradients(activation, loss):
    """The book's reduction: gradients summed over the batch, not averaged."""
    assert gradient_check(activation, loss, reduction="sum").max_rel_error < TOLERANCE


@pytest.mark.parametrize(("activation", "loss"), PAIRS)
def test_every_pair_with_two_hidden_layers(activation, loss):
    result = gradient_check(activation, loss, sizes=(2, 3, 3, 2), seed=1)
    assert len(result.rel_errors) == 6
    assert result.max_rel_error < TOLERANCE


@pytest.mark.parametrize("l2", [0.0, 1.0])
def test_with_and_without_l2(l2):
    assert gradient_check("tanh", "softmax_ce", l2=l2).max_rel_error < TOLERANCE


def test_check_all_covers_every_pair():
    results = check_all()
    assert {(r.activation, r.loss) for r in results} == set(PAIRS)
    assert all(r.max_rel_error < TOLERANCE for r in results)


def test_unknown_names_are_a_value_error():
    with pytest.raises(ValueError):
        gradient_check("swish", "softmax_ce")
    with pytest.raises(ValueError):
        gradient_check("relu", "hinge")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    activation=st.sampled_from(HIDDEN_ACTIVATIONS),
    loss=st.sampled_from(sorted(LOSSES)),
    reduction=st.sampled_from(["mean", "sum"]),
    hidden=st.lists(st.integers(1, 4), min_size=1, max_size=2),
    n_in=st.integers(1, 4),
    n_out=st.integers(2, 4),
    seed=st.integers(0, 2**31 - 1),
)
def test_property_the_check_passes_on_random_small_nets(
    activation, loss, reduction, hidden, n_in, n_out, seed
):
    sizes = (n_in, *hidden, n_out)
    result = gradient_check(activation, loss, sizes=sizes, reduction=reduction, seed=seed)
    assert len(result.rel_errors) == 2 * (len(sizes) - 1)
    assert result.max_rel_error < TOLERANCE, (sizes, result)


def _scaled(backward, factor: float):
    def broken(dA, A):
        return backward(dA, A) * factor

    return broken


@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
@pytest.mark.parametrize("factor", [0.0, 2.0, 1.001])
def test_a_broken_backward_is_caught(monkeypatch, activation, factor):
    """The check can fail: scale an activation's derivative, even by 0.1 %."""
    good = ACTIVATIONS[activation]
    broken = Activation(good.name, good.forward, _scaled(good.backward, factor))
    monkeypatch.setitem(ACTIVATIONS, activation, broken)
    result = gradient_check(activation, "softmax_ce")
    assert result.max_rel_error > 1e-4
    # the output layer does not go through the hidden derivative, so it still agrees
    assert max(result.rel_errors[2:]) < TOLERANCE


def test_a_derivative_from_the_wrong_variable_is_caught(monkeypatch):
    """The classic mistake: sigmoid'(A) written as A * (1 - A) applied to Z, here
    emulated by sigmoid's derivative formula used for tanh."""
    good = ACTIVATIONS["tanh"]
    wrong = Activation("tanh", good.forward, ACTIVATIONS["sigmoid"].backward)
    monkeypatch.setitem(ACTIVATIONS, "tanh", wrong)
    assert gradient_check("tanh", "sigmoid_bce").max_rel_error > 1e-2
