"""The three toy pages under AppTest: they run, their controls work, and the numbers they
show match the books' procedures.

The reference values are computed here independently of the app and its core: the
book's forward-difference loops and the tutorial's gradient descent are re-implemented
literally (float32 weights, int data, deepcopy per nudge), and the book's printed final
weights are typed in. The page values are read back from the AppTest element tree.
"""

from __future__ import annotations

import json
from copy import deepcopy
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from mlp_ui import backprop_toy

APP = Path(__file__).resolve().parents[2] / "app.py"

BOOK_FINAL = [
    np.array([[0.01424004, -0.5907864, -0.27549535], [0.39883757, -0.52918637, 0.18640439]]),
    np.array([0.00554004, 0.5519136, -0.06599568]),
    np.array([[0.3475135], [-0.05529078], [0.03760847]]),
    np.array([-0.22443289]),
]
"""Printed in Modern Computer Vision with PyTorch, ch. 1, after 100 epochs."""


# --- independent references: the book's loops, literally --------------------------------


def _book_step(loss_fn, weights: list[np.ndarray], lr: float) -> tuple[list, float, list]:
    """One epoch of the book's update: nudge each parameter of a fresh copy by +0.0001.

    Returns the updated weights, the original loss, and per parameter (i, index,
    original value, loss after nudge, gradient, updated value).
    """
    original_loss = loss_fn(weights)
    updated = deepcopy(weights)
    rows = []
    for i, layer in enumerate(weights):
        for index, _ in np.ndenumerate(layer):
            nudged = deepcopy(weights)
            nudged[i][index] += 0.0001
            loss_plus = loss_fn(nudged)
            grad = (loss_plus - original_loss) / 0.0001
            updated[i][index] -= grad * lr
            rows.append((i, index, weights[i][index], loss_plus, grad, updated[i][index]))
    return updated, original_loss, rows


def book_lr_table(lr: float, epochs: int = 10) -> list[tuple[float, ...]]:
    """The book's 1-D toy: rows (weight, loss, loss_plus, gradient, updated weight) of w."""
    x, y = [[1], [2], [3], [4]], [[3], [6], [9], [12]]

    def loss(W):
        return np.mean(np.square(np.dot(x, W[0]) + W[1] - y))

    W = [np.array([[0]], dtype=np.float32), np.array([[0]], dtype=np.float32)]
    table = []
    for _ in range(epochs):
        W, original_loss, rows = _book_step(loss, W, lr)
        _, _, w, loss_plus, grad, new_w = rows[0]
        table.append((w, original_loss, loss_plus, grad, new_w))
    return table


def _toy_loss(W) -> float:
    x, y = np.array([[1, 1]]), np.array([[0]])
    hidden = 1 / (1 + np.exp(-(np.dot(x, W[0]) + W[1])))
    return np.mean(np.square(np.dot(hidden, W[2]) + W[3] - y))


def book_backprop(epochs: int) -> tuple[list[np.ndarray], list[float]]:
    """The book's 2-3-1 network trained with its update_weights for `epochs` epochs."""
    W = [
        np.array([[-0.0053, 0.3793], [-0.5820, -0.5204], [-0.2723, 0.1896]], np.float32).T,
        np.array([-0.0140, 0.5607, -0.0628], dtype=np.float32),
        np.array([[0.1528, -0.1745, -0.1135]], dtype=np.float32).T,
        np.array([-0.5516], dtype=np.float32),
    ]
    losses = []
    for _ in range(epochs):
        W, loss, _ = _book_step(_toy_loss, W, 0.01)
        losses.append(loss)
    return W, losses


def chain_rule_gradients(W) -> list[np.ndarray]:
    """Backpropagation for the 2-3-1 toy, written out in float64."""
    W = [np.asarray(w, dtype=np.float64) for w in W]
    x = np.array([[1.0, 1.0]])
    a = 1 / (1 + np.exp(-(x @ W[0] + W[1])))
    d_out = 2 * (a @ W[2] + W[3])  # dC/dy_hat with target 0
    d_z = d_out @ W[2].T * a * (1 - a)
    return [x.T @ d_z, d_z.ravel(), a.T @ d_out, d_out.ravel()]


def tutorial_moons(hidden: int, passes: int, lr: float = 0.01, reg: float = 0.01):
    """The WildML tutorial's build_model, literally; returns (accuracy, loss)."""
    from sklearn.datasets import make_moons

    X, y = make_moons(200, noise=0.20, random_state=3)  # = np.random.seed(3); make_moons
    rng = np.random.RandomState(0)  # = np.random.seed(0) before the tutorial's randn calls
    W1, b1 = rng.randn(2, hidden) / np.sqrt(2), np.zeros((1, hidden))
    W2, b2 = rng.randn(hidden, 2) / np.sqrt(hidden), np.zeros((1, 2))
    for _ in range(passes):
        a1 = np.tanh(X.dot(W1) + b1)
        scores = np.exp(a1.dot(W2) + b2)
        delta3 = scores / np.sum(scores, axis=1, keepdims=True)
        delta3[range(len(X)), y] -= 1
        dW2, db2 = a1.T.dot(delta3) + reg * W2, np.sum(delta3, axis=0, keepdims=True)
        delta2 = delta3.dot(W2.T) * (1 - np.power(a1, 2))
        dW1, db1 = X.T.dot(delta2) + reg * W1, np.sum(delta2, axis=0)
        W1, b1, W2, b2 = W1 - lr * dW1, b1 - lr * db1, W2 - lr * dW2, b2 - lr * db2
    scores = np.exp(np.tanh(X.dot(W1) + b1).dot(W2) + b2)
    probs = scores / np.sum(scores, axis=1, keepdims=True)
    data_loss = -np.sum(np.log(probs[range(len(X)), y]))
    data_loss += reg / 2 * (np.sum(np.square(W1)) + np.sum(np.square(W2)))
    return float(np.mean(np.argmax(probs, axis=1) == y)), data_loss / len(X)


# --- helpers ------------------------------------------------------------------------------


def _page(path: str, **state) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in state.items():
        at.session_state[key] = value
    at.switch_page(path).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def _plotly_spec(at: AppTest, index: int) -> dict:
    return json.loads(at.get("plotly_chart")[index].proto.spec)


# --- learning rate ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lr_page() -> AppTest:
    at = _page("views/learning_rate.py")
    return at.button(key="toy_lr_reveal_button").click().run()  # after the student's guess


def test_learning_rate_tables_match_the_books_loop(lr_page):
    """The four first-10-epoch tables (0.01, 0.1, 1, custom 0.05) equal the book's loop."""
    tables = lr_page.dataframe
    assert len(tables) == 4
    for lr, table in zip((0.01, 0.1, 1.0, 0.05), tables, strict=True):
        shown = table.value
        assert list(shown.index) == list(range(1, 11))
        expected = np.array(book_lr_table(lr), dtype=np.float64)
        np.testing.assert_allclose(shown.to_numpy(dtype=np.float64), expected, rtol=1e-12)


def test_learning_rate_first_epoch_weights_as_in_the_text(lr_page):
    """The text: after epoch 1 the weight is 0.45 (lr 0.01), 4.5 (lr 0.1), 45 (lr 1).

    The book rounds to two decimals; unrounded, the forward difference reads -44.99925,
    not -45: a one-sided step of 0.0001 adds half the curvature (15) times the step.
    """
    firsts = [t.value["updated weight"].iloc[0] for t in lr_page.dataframe[:3]]
    np.testing.assert_array_equal(np.round(firsts, 2), [0.45, 4.5, 45.0])


def test_learning_rate_summary_tells_the_books_story(lr_page):
    summary = lr_page.table[0].value
    w = {lr: float(v.replace(",", "")) for lr, v in summary["w at the end"].items()}
    assert w["0.01"] == pytest.approx(2.98, abs=0.01)  # creeps
    assert w["0.1"] == pytest.approx(3.0, abs=1e-3)  # settles
    assert w["1"] == pytest.approx(12755.16, abs=0.01)  # stuck
    outcomes = " ".join(m.value for m in lr_page.markdown)
    assert "stuck since epoch 3 at w = 12,755.16" in outcomes
    assert "0.00098 apart" in outcomes


def test_learning_rate_chart_is_animated(lr_page):
    spec = _plotly_spec(lr_page, 0)
    assert len(spec["frames"]) > 50
    assert spec["layout"]["sliders"][0]["currentvalue"]["prefix"] == "Epoch "


def test_exact_gradient_switch():
    at = _page("views/learning_rate.py")
    at.toggle(key="toy_lr_exact").set_value(True).run()
    at.button(key="toy_lr_reveal_button").click().run()
    assert not at.exception
    summary = at.table[0].value
    assert summary.loc["1", "w at the end"] == "nan"  # spelled out, not an empty cell
    assert "overflowed: w reached \u00b1inf at epoch 32" in " ".join(m.value for m in at.markdown)
    assert at.expander[0].proto.expanded
    table = at.dataframe[2].value  # lr = 1
    w, b = 0.0, 0.0
    x, y = np.arange(1.0, 5.0), 3 * np.arange(1.0, 5.0)
    for epoch in range(1, 11):  # exact gradient, float32 storage, computed here
        grad_w, grad_b = 2 * np.mean((w * x + b - y) * x), 2 * np.mean(w * x + b - y)
        assert table.loc[epoch, "gradient"] == pytest.approx(grad_w, rel=1e-12)
        w, b = float(np.float32(w - grad_w)), float(np.float32(b - grad_b))
        assert table.loc[epoch, "updated weight"] == pytest.approx(w, rel=1e-7)
    assert table.loc[4, "book's slope"] == 0  # what the book's nudge would have measured


def test_custom_learning_rate_and_epochs():
    at = _page("views/learning_rate.py")
    at.number_input(key="toy_lr_custom").set_value(0.2).run()
    at.slider(key="toy_lr_epochs").set_value(100).run()
    assert not at.exception
    assert [t.label for t in at.tabs] == ["lr = 0.01", "lr = 0.1", "lr = 1", "lr = 0.2"]
    expected = np.array(book_lr_table(0.2), dtype=np.float64)
    np.testing.assert_allclose(at.dataframe[3].value.to_numpy(float), expected, rtol=1e-12)
    assert len(_plotly_spec(at, 0)["frames"]) == 100


# --- backprop -----------------------------------------------------------------------------


def test_backprop_starts_from_the_books_weights():
    at = _page("views/backprop.py")
    assert _metric(at, "Epochs done") == "0 / 100"
    assert float(_metric(at, "Loss (ŷ − 0)²")) == pytest.approx(0.33, abs=0.005)
    assert not [m for m in at.metric if m.label == "Final loss"]  # no spoiler at epoch 0
    assert f"After all {100} epochs" not in [h.value for h in at.subheader]
    forward = next(d.value for d in at.dataframe if "z" in d.value.columns)  # not a chart's
    np.testing.assert_allclose(forward["z"], [0.36, -0.5417, -0.1455], atol=1e-6)


def test_backprop_gradients_both_ways_match_independent_ones():
    at = _page("views/backprop.py")
    grads = next(d.value for d in at.dataframe if "chain rule" in d.value.columns)
    W, _ = book_backprop(0)
    _, _, rows = _book_step(_toy_loss, W, 0.01)
    np.testing.assert_allclose(grads["forward difference"], [r[4] for r in rows], rtol=1e-9)
    chain = np.concatenate([g.ravel() for g in chain_rule_gradients(W)])
    np.testing.assert_allclose(grads["chain rule"], chain, rtol=1e-9)
    assert np.abs(grads["difference"]).max() < 2e-4
    assert "-0.042789" in at.latex[0].value  # dC/dw11 = product of the four factors


def test_backprop_step_run_all_reset():
    at = _page("views/backprop.py")
    at.button(key="toy_bp_step").click().run()
    assert _metric(at, "Epochs done") == "1 / 100"
    W1, _ = book_backprop(1)
    assert float(_metric(at, "Loss (ŷ − 0)²")) == pytest.approx(_toy_loss(W1), abs=1e-6)
    assert at.session_state[backprop_toy.BP_EPOCH_KEY] == 1

    at.button(key="toy_bp_all").click().run()  # starts the animation (a timed fragment)
    assert (
        at.session_state[backprop_toy.BP_RUNNING_KEY]
        and at.button(key="toy_bp_all").label == "Stop"
    )
    assert _metric(at, "Epochs done") == "3 / 100"  # its first tick drew; AppTest has no timer
    assert "Final loss" not in [m.label for m in at.metric]
    at.session_state[backprop_toy.BP_EPOCH_KEY] = (
        99  # as the timer would bring it; the next tick ends it
    )
    at.run()
    assert not at.session_state[backprop_toy.BP_RUNNING_KEY]
    assert _metric(at, "Epochs done") == "100 / 100"
    assert float(_metric(at, "Initial loss")) == pytest.approx(0.33, abs=0.005)
    final = at.dataframe[-1].value
    book = np.concatenate([w.ravel() for w in BOOK_FINAL])
    np.testing.assert_allclose(final["this app"], book, atol=2e-7)  # the printed digits
    W100, losses = book_backprop(100)
    np.testing.assert_array_equal(final["this app"], np.concatenate([w.ravel() for w in W100]))
    assert float(_metric(at, "Final prediction for (1, 1)")) == pytest.approx(-0.017, abs=1e-3)
    assert losses[0] == pytest.approx(0.33, abs=0.005)

    assert at.button(key="toy_bp_step").disabled  # nothing left to step

    at.button(key="toy_bp_reset").click().run()
    assert _metric(at, "Epochs done") == "0 / 100"
    assert not at.button(key="toy_bp_step").disabled


def test_backprop_chain_rule_mode_reaches_the_same_weights():
    at = _page("views/backprop.py", toy_bp_epoch=100)
    at.selectbox(key="toy_bp_mode").set_value("chain").run()
    assert not at.exception
    final = at.dataframe[-1].value
    book = np.concatenate([w.ravel() for w in BOOK_FINAL])
    np.testing.assert_allclose(final["this app"], book, atol=1e-4)
    assert np.abs(final["difference"]).max() > 1e-7  # a different route, not a copy


# --- decision boundary --------------------------------------------------------------------

QUICK = {"toy_moons_passes": 1000}  # seconds, not the 20,000-pass published run


def test_decision_boundary_gallery_matches_the_tutorial_loop():
    at = _page("views/decision_boundary.py", **QUICK)
    assert len(at.get("plotly_chart")) == 2  # the seven sizes only once asked for
    at.button(key="toy_moons_reveal_button").click().run()
    gallery = at.dataframe[-1].value.set_index("hidden units")
    assert list(gallery.index) == [1, 2, 3, 4, 5, 20, 50]
    for hidden in (1, 3, 20):
        accuracy, loss = tutorial_moons(hidden, 1000)
        assert gallery.loc[hidden, "training accuracy"] == pytest.approx(accuracy)
        assert gallery.loc[hidden, "final loss"] == pytest.approx(loss, rel=1e-9)
    spec = _plotly_spec(at, 2)  # the gallery: logistic regression + seven sizes
    titles = [a["text"] for a in spec["layout"]["annotations"]]
    assert titles[0].startswith("logistic regression") and titles[-1].startswith("50 hidden")


def test_decision_boundary_published_size_is_one_click_away():
    at = _page("views/decision_boundary.py", **QUICK)
    assert _plotly_spec(at, 0)["layout"]["title"]["text"].startswith("3 hidden")
    at.button_group(key="toy_moons_pill").set_value(20).run()
    assert not at.exception
    assert at.slider(key="toy_moons_hidden").value == 20
    spec = _plotly_spec(at, 0)
    assert spec["layout"]["title"]["text"].startswith("20 hidden")
    assert len(spec["frames"]) >= 20  # the animation over training snapshots
    at.slider(key="toy_moons_hidden").set_value(6).run()
    assert at.button_group(key="toy_moons_pill").value is None  # 6 is not a published size


def test_decision_boundary_any_size_and_settings():
    at = _page("views/decision_boundary.py", toy_moons_passes=500)
    at.slider(key="toy_moons_hidden").set_value(7).run()
    at.select_slider(key="toy_moons_reg").set_value(0.0).run()
    assert not at.exception
    accuracy, loss = tutorial_moons(7, 500, reg=0.0)
    spec = _plotly_spec(at, 0)
    assert spec["layout"]["title"]["text"].startswith("7 hidden, pass 0:")  # opens unplayed
    title = spec["frames"][-1]["layout"]["title"]["text"]  # where Play ends
    assert title == f"7 hidden, pass 500: {accuracy:.1%} right, loss {loss:.3f}"
    baseline = _plotly_spec(at, 1)["layout"]["title"]["text"]
    assert baseline.startswith("Logistic regression") and "%" in baseline


def test_snapshot_schedule_is_log_spaced():
    from mlp_ui.moons_toy import snapshot_passes

    passes = snapshot_passes(20000)
    assert passes[0] == 0 and passes[-1] == 20000 and len(passes) == 30
    assert passes[1] < 10 and sum(p <= 1000 for p in passes) >= 15


@pytest.mark.parametrize(
    ("lr", "gradient", "start"),
    [
        (0.01, "forward", "still on its way: w = 2.9843"),
        (0.1, "forward", "reached w = 2.9998"),
        (0.12, "forward", "moving away from 3"),  # just past the stability limit 2 / 16.7
        (1.0, "forward", "stuck since epoch 3 at w = 12,755.16"),
        (1.0, "exact", "overflowed: w reached \u00b1inf at epoch 32"),
    ],
)
def test_lr_outcome_texts(lr, gradient, start):
    from mlp_core.toys import lr_toy
    from mlp_ui.lr_toy_text import lr_outcome

    assert lr_outcome(lr_toy(lr, 1000, gradient)).startswith(start)
