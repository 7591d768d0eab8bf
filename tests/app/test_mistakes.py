"""The Mistakes page: its selection logic (pure) and the page in AppTest.

The pure tests check the misclassified set and the confusion-matrix filter against
independent computations; the AppTests run the page on the offline sample with the
pretrained default and with a model of the session.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from mlp_core.data import scale_pixels
from mlp_core.history import History
from mlp_core.mnist import load_mnist
from mlp_core.network import MLP
from mlp_ui import data as ui_data
from mlp_ui import mistakes_select as ms
from mlp_ui import mistakes_view as mv
from mlp_ui import state
from mlp_ui.state import Run

APP = Path(__file__).resolve().parents[2] / "app.py"
PAGE = "views/mistakes.py"


def _random_case(n: int = 3000, seed: int = 0) -> tuple[MLP, np.ndarray, np.ndarray]:
    """An untrained 784-32-10 net on noise: about 90 % of its answers are wrong."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 784)).astype(np.float32)
    return MLP.create((784, 32, 10), seed=seed), X, rng.integers(0, 10, n)


def _by_hand(model: MLP, X: np.ndarray) -> np.ndarray:
    """Class predictions of a ReLU net, written out again (softmax keeps the argmax)."""
    assert model.activation == "relu"
    A = X
    for W, b in zip(model.W[:-1], model.b[:-1], strict=True):
        A = np.maximum(A @ W + b, 0)
    return (A @ model.W[-1] + model.b[-1]).argmax(axis=1)


@pytest.fixture(scope="module")
def case() -> tuple[ms.Predictions, np.ndarray]:
    model, X, y = _random_case()
    return ms.predict_all(model, X, y), _by_hand(model, X)


def test_misclassified_set_matches_an_independent_computation(case):
    pred, by_hand = case
    expected = np.flatnonzero(by_hand != pred.y_true)
    assert 0 < len(expected) < len(pred.y_true)
    np.testing.assert_array_equal(ms.select_mistakes(pred, order="index"), expected)
    assert set(ms.select_mistakes(pred)) == set(expected)


def test_misclassified_set_of_the_pretrained_model_on_mnist():
    saved = ui_data.default_model.__wrapped__()
    if saved is None:
        pytest.skip("assets/default_model.npz is missing")
    data = load_mnist(download=False)
    X = scale_pixels(data.X_test, saved.config.scaling)
    pred = ms.predict_all(saved.model, X, data.y_test.astype(int))
    expected = np.flatnonzero(_by_hand(saved.model, X) != data.y_test)
    np.testing.assert_array_equal(ms.select_mistakes(pred, order="index"), expected)


def test_each_confusion_cell_filters_exactly_its_examples(case):
    pred, _ = case
    cm = ms.confusion(pred.y_true, pred.y_pred)
    assert cm.sum() == len(pred.y_true)
    union = []
    for t in range(10):
        for p in range(10):
            got = ms.select_mistakes(pred, t, p, order="index")
            cell = np.flatnonzero((pred.y_true == t) & (pred.y_pred == p))
            if t == p:
                assert len(got) == 0  # the diagonal holds no mistakes
                continue
            np.testing.assert_array_equal(got, cell)
            assert len(got) == cm[t, p]
            union.extend(got)
    assert sorted(union) == ms.select_mistakes(pred, order="index").tolist()


def test_filtering_by_one_class_only(case):
    pred, _ = case
    wrong = pred.y_pred != pred.y_true
    for k in (0, 7):
        true_k = ms.select_mistakes(pred, true_class=k, order="index")
        np.testing.assert_array_equal(true_k, np.flatnonzero(wrong & (pred.y_true == k)))
        said_k = ms.select_mistakes(pred, pred_class=k, order="index")
        np.testing.assert_array_equal(said_k, np.flatnonzero(wrong & (pred.y_pred == k)))


def test_most_confidently_wrong_come_first(case):
    pred, _ = case
    idx = ms.select_mistakes(pred, order="confidence")
    conf = pred.confidence[idx]
    assert (np.diff(conf) <= 0).all()
    with pytest.raises(ValueError, match="order"):
        ms.select_mistakes(pred, order="random")


def test_pages_cover_every_item_once():
    seen = []
    for page in range(1, ms.n_pages(103, 25) + 1):
        seen.extend(range(103)[ms.page_slice(103, page, 25)])
    assert seen == list(range(103)) and ms.n_pages(103, 25) == 5
    assert ms.page_slice(103, 99, 25) == slice(100, 103)  # past the end: the last page
    assert ms.n_pages(0, 25) == 1


def test_class_accuracy_and_runner_up():
    cm = np.array([[8, 2], [0, 0]])
    np.testing.assert_array_equal(ms.class_accuracy(cm), [0.8, np.nan])
    assert ms.runner_up(np.array([0.1, 0.6, 0.3])) == (2, pytest.approx(0.3))


def test_a_click_on_the_matrix_reads_its_cell():
    # the shape st.plotly_chart reports for a click on a categorical-axis marker
    point = {"curve_number": 1, "point_number": 35, "point_index": 35, "x": "5", "y": "3"}
    assert mv.cell_from_selection({"points": [point], "box": [], "lasso": []}) == (3, 5)
    assert mv.cell_from_selection({"points": [{"curve_number": 0}]}) is None
    assert mv.cell_from_selection(None) is None


def test_fingerprint_follows_the_weights():
    model, _, _ = _random_case(10)
    same = model.copy()
    assert ms.fingerprint(model) == ms.fingerprint(same)
    same.W[0][0, 0] += 1e-3
    assert ms.fingerprint(model) != ms.fingerprint(same)


def test_titles_say_the_label_and_the_answer_in_words():
    pred = ms.Predictions(np.array([7]), np.array([2]), np.eye(10)[[2]] * 0.9 + 0.01)
    assert mv.title(0, pred) == "a 7, read as 2<br>91.0% sure"
    # a 5 x 5 gallery's 80 px tiles: three short lines, so neighbours' titles keep apart
    assert mv.title(0, pred, mv.tile_px(5, False), 15) == "true 7<br>read as 2<br>91.0% sure"
    assert mv.title(0, pred, mv.tile_px(4, False), 15).startswith("a 7, read as 2<br>")
    assert mv.title(0, pred, mv.tile_px(3, True), 20).startswith("a 7, read as 2<br>")


# -- the page -------------------------------------------------------------------------
def _open(session_model: MLP | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    if session_model is not None:
        at.session_state[state.RUNS_KEY] = {1: Run(1, "tiny", session_model, History())}
        at.session_state[state.CURRENT_KEY] = 1
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_page_with_the_pretrained_default():
    if ui_data.default_model() is None:
        pytest.skip("assets/default_model.npz is missing")
    at = _open()
    assert at.title[0].value == "Mistakes"
    assert not [s for s in at.selectbox if s.label == "Model"]  # only one model: no menu
    assert float(_metric(at, "Test accuracy").rstrip("%")) > 85  # the offline sample
    assert at.selectbox(key=mv.TRUE_KEY).value == mv.ALL


def test_page_with_a_session_model_and_class_filters():
    model, _, _ = _random_case(1)
    at = _open(model)
    if ui_data.default_model() is not None:
        assert at.selectbox(key="mistakes_model").value.startswith("Your model")
    assert float(_metric(at, "Test accuracy").rstrip("%")) < 40  # untrained: mostly wrong
    X, y, _ = ui_data.public_test("pm1")  # the page's digits: the public half
    pred = ms.predict_all(model, X, y)
    cm = ms.confusion(pred.y_true, pred.y_pred)
    off = np.where(np.eye(10, dtype=bool), -1, cm)
    t, p = np.unravel_index(off.argmax(), cm.shape)  # the most common confusion
    at.selectbox(key=mv.TRUE_KEY).set_value(str(t)).run()
    at.selectbox(key=mv.PRED_KEY).set_value(str(p)).run()
    assert not at.exception
    caption = " ".join(c.value for c in at.caption)
    assert f"{cm[t, p]:,} digits. Click one" in caption
    assert at.selectbox(key=mv.PICK_KEY).value in ms.select_mistakes(pred, t, p)
    at.selectbox(key=mv.PRED_KEY).set_value(str(t)).run()  # a diagonal cell
    assert "classified right" in at.info[0].value
    next(b for b in at.button if b.label == "Show all mistakes").click().run()
    assert at.selectbox(key=mv.TRUE_KEY).value == mv.ALL


def _on_the_dataset_tab() -> AppTest:
    """The Mistakes page opened on its dataset tab (skips without the default model)."""
    if ui_data.default_model() is None:
        pytest.skip("assets/default_model.npz is missing")
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.session_state[mv.TAB_KEY] = "The dataset"
    return at.switch_page(PAGE).run()


def test_dataset_tab_shows_one_digit_per_class_and_25_variants():
    at = _on_the_dataset_tab()
    assert not at.exception, [e.value for e in at.exception]
    assert mv.TRUE_KEY not in [s.key for s in at.selectbox]  # the gallery tab did not run
    at.selectbox(key="mistakes_variants").set_value(3).run()
    assert not at.exception
    assert "The first 25 3s" in " ".join(m.value for m in at.markdown)


def test_offline_the_default_is_scored_on_digits_it_never_saw():
    """The default model skipped the offline sample's digits: it makes real mistakes."""
    if ui_data.default_model() is None:
        pytest.skip("assets/default_model.npz is missing")
    at = _open()
    accuracy = float(_metric(at, "Test accuracy").rstrip("%"))
    assert 90 < accuracy < 100  # 98.1 % measured: not the 100 % of digits it trained on
    text = " ".join(m.value for m in at.markdown)
    # the public half only: no page shows a score on the private half (a class board's)
    assert "502 offline-sample test digits (the public half), which this model never" in text
    assert _metric(at, "Misclassified (of 502)")


def test_a_model_that_trained_on_the_sample_digits_gets_no_accuracy_offline():
    from mlp_core.provenance import TrainedOn

    model, _, _ = _random_case(1)
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    run = Run(1, "book split", model, History(), trained_on=TrainedOn("full", 0, 55000))
    at.session_state[state.RUNS_KEY] = {1: run}
    at.session_state[state.CURRENT_KEY] = 1
    at.switch_page(PAGE).run()
    if ui_data.default_model() is not None:
        assert at.selectbox(key="mistakes_model").value.startswith("Your model")
    assert not at.exception
    assert "would say nothing about digits it never saw" in at.warning[0].value
    assert not [m for m in at.metric if m.label == "Test accuracy"]


def test_empty_confusion_cells_are_drawn_empty():
    from mlp_ui import digit_figures as figs

    cm = np.diag(np.full(10, 100))
    cm[3, 5] = 2
    z = np.array(figs.confusion_matrix(cm).data[0].z, dtype=float)
    assert np.isnan(z[0, 1]) and np.isnan(z[3, 3]) and z[3, 5] == 2


# -- "Try this" and projector mode -----------------------------------------------------------
def _click(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _session_case() -> tuple[AppTest, ms.Predictions, np.ndarray]:
    model, _, _ = _random_case(1)
    at = _open(model)
    X, y, _ = ui_data.public_test("pm1")  # the page's digits: the public half
    pred = ms.predict_all(model, X, y)
    return at, pred, ms.confusion(pred.y_true, pred.y_pred)


def test_try_this_most_common_mix_up_filters_its_cell():
    at, pred, cm = _session_case()
    off = np.where(np.eye(10, dtype=bool), -1, cm)
    t, p = np.unravel_index(off.argmax(), cm.shape)
    _click(at, "Most common mix-up")
    assert (at.selectbox(key=mv.TRUE_KEY).value, at.selectbox(key=mv.PRED_KEY).value) == (
        str(t),
        str(p),
    )
    assert f"{cm[t, p]:,} digits. Click one" in " ".join(c.value for c in at.caption)
    assert f"read as {p}" in at.info[0].value and "Why:" not in at.info[0].value
    at.button(key="try_mistakes_why").click().run()  # the why once the student has looked
    assert f"read as {p}" in at.info[0].value and "Why:" in at.info[0].value


def test_try_this_surest_mistakes_and_hardest_digit():
    at, pred, cm = _session_case()
    at.selectbox(key=mv.TRUE_KEY).set_value("3").run()
    at.selectbox(key="mistakes_order").set_value("by index").run()
    _click(at, "Surest mistakes")
    assert at.selectbox(key=mv.TRUE_KEY).value == mv.ALL == at.selectbox(key=mv.PRED_KEY).value
    assert at.selectbox(key="mistakes_order").value == "most confident first"
    assert at.selectbox(key=mv.PICK_KEY).value == ms.select_mistakes(pred)[0]  # surest first
    worst = int(np.argmin(ms.class_accuracy(cm)))
    _click(at, "The hardest digit")
    assert at.selectbox(key=mv.TRUE_KEY).value == str(worst)
    assert at.selectbox(key=mv.PRED_KEY).value == mv.ALL


def test_try_this_from_the_dataset_tab_opens_the_gallery():
    at = _on_the_dataset_tab()
    _click(at, "Surest mistakes")
    assert at.session_state[mv.TAB_KEY] == mv.GALLERY_TAB
    assert mv.TRUE_KEY in [s.key for s in at.selectbox]  # the gallery tab ran


def test_projector_mode_from_the_url_shows_fewer_larger_digits():
    if ui_data.default_model() is None:
        pytest.skip("assets/default_model.npz is missing")
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["projector"] = "1"
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.sidebar.toggle(key="projector_switch").value is True
    assert at.selectbox(key=mv.GRID_KEY).value == mv.DEFAULT_GRID[True] == "3 x 3"
    assert mv.tile_px(3, True) >= 140 and mv.tile_px(4, False) >= 100
    assert mv.MATRIX_PX[False] >= 500 and mv.MATRIX_PX[True] >= 500


def test_a_digit_is_named_by_its_number_in_mnists_test_set():
    """The page shows the public half; a digit keeps its number in the whole test set."""
    proba = np.array([[0.9, 0.1], [0.2, 0.8]], dtype=np.float32)
    pred = ms.Predictions(np.array([1, 0]), np.array([0, 1]), proba, np.array([7, 42]))
    assert mv.describe(1, pred).startswith("test digit 42: true 0, predicted 1")
    assert mv.describe(1, ms.Predictions(pred.y_true, pred.y_pred, proba)).startswith(
        "test digit 1:"
    )
