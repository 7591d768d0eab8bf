"""The Mistakes page's parts: the test set, the filters, the matrix, the gallery and the
digit up close. Which digits are wrong is mlp_ui.mistakes_select (pure NumPy); its
predictions are cached per model fingerprint, so the page re-renders in milliseconds
once a model has been seen.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from mlp_core import holdout, provenance
from mlp_core.idx import COLS, ROWS
from mlp_core.mnist import MnistData
from mlp_core.network import MLP
from mlp_ui import chart_text, classroom
from mlp_ui import digit_figures as figs
from mlp_ui import mistakes_text as mt
from mlp_ui.draw_view import percent
from mlp_ui.mistakes_select import (
    Predictions,
    class_accuracy,
    examples_of,
    first_of,
    n_pages,
    page_slice,
    predict_all,
    runner_up,
    select_mistakes,
)

ORDERS = {"most confident first": "confidence", "by index": "index"}
"""Gallery orders: label shown -> key used by `select_mistakes`."""
GRIDS = {"3 x 3": 3, "4 x 4": 4, "5 x 5": 5}
"""Gallery sizes: label -> digits per row (and rows per page)."""
DEFAULT_GRID = {False: "4 x 4", True: "3 x 3"}
"""The gallery's first size: normal mode, projector mode (fewer, larger digits)."""
GALLERY_PX = {False: 400, True: 450}
"""Width the gallery is laid out for, beside the confusion matrix (normal, projector)."""
MATRIX_PX = {False: 500, True: 560}
"""Side of the confusion matrix (normal, projector). Gallery, gap (32 px) and matrix fit a
1400 px laptop's page (940 px) side by side; a narrower page (a 768 px tablet) stacks them,
each whole, rather than squeezing the gallery until its titles run into each other."""
EM_PER_CHAR = 0.42
"""Width of an average character of the gallery's titles, in em (Source Sans: "a 5, read
as 6" is 80 px wide at 15 px)."""


def title(i: int, pred: Predictions, tile_px: int = 150, title_px: int = 15) -> str:
    """The caption of test digit i in the gallery: `a TRUE, read as PRED`, then how sure;
    in three shorter lines where that line would not fit a tile `tile_px` wide."""
    line = f"a {pred.y_true[i]}, read as {pred.y_pred[i]}"
    sure = f"{percent(pred.confidence[i])} sure"
    if len(line) * EM_PER_CHAR * title_px > tile_px - 8:  # a gap between neighbours
        line = f"true {pred.y_true[i]}<br>read as {pred.y_pred[i]}"
    return f"{line}<br>{sure}"


def number(i: int, pred: Predictions) -> int:
    """Test digit i's number in MNIST's test set (the page shows the public half)."""
    return int(pred.index[i]) if pred.index is not None else i


def tile_px(cols: int, big: bool) -> int:
    """Pixels per digit of a gallery `cols` digits wide, filling its place on the page."""
    return min(150, GALLERY_PX[big] // cols)


def describe(i: int, pred: Predictions) -> str:
    """One line about test digit i, for menus and hovers."""
    return (
        f"test digit {number(i, pred)}: true {pred.y_true[i]}, predicted {pred.y_pred[i]} "
        f"({percent(pred.confidence[i])})"
    )


def cell_from_selection(selection: dict | None) -> tuple[int, int] | None:
    """The (true, predicted) cell a click on the confusion matrix chose, if any.

    Reads the point's axis labels (y = true class, x = predicted class), which every
    trace of the matrix reports the same way.
    """
    for point in (selection or {}).get("points") or []:
        try:
            return int(point["y"]), int(point["x"])
        except (KeyError, TypeError, ValueError):
            continue
    return None


def test_set(choice, ds) -> tuple[bool, str]:
    """Whether the test digits of `ds` are unseen by the chosen model, and what to say:
    their name, or why they cannot be used (the offline sample is MNIST training images)."""
    seen = provenance.unseen(choice.trained_on, ds.kind)
    whole = provenance.name_test_set(ds.kind, len(ds.y_test))
    digits = holdout.describe("public", whole, ds.y_test)
    if seen is False:
        return False, (
            f"This model trained on {choice.trained_on.describe()}, and the offline "
            f"sample's digits are among them: its mistakes on the {digits} would say "
            "nothing about digits it never saw, so none are shown. Train a model on this "
            "page's data (Train page), or fetch full MNIST (sidebar) to see the mistakes "
            "on the public half of its 10,000 test digits."
        )
    if seen is None:
        digits += " (the model file does not say which digits it trained on)"
    else:
        digits += ", which this model never trained on"
    return True, digits


# -- Streamlit side -------------------------------------------------------------------
@st.cache_data(max_entries=16, show_spinner="Classifying the test digits...")
def cached_predictions(
    key: str, _model: MLP, _X: np.ndarray, _y: np.ndarray, _index: np.ndarray | None = None
) -> Predictions:
    """predict_all, cached by `key` (model fingerprint + data) and shared by sessions."""
    return predict_all(_model, _X, _y, _index)


TRUE_KEY, PRED_KEY, PAGE_KEY = "mistakes_true", "mistakes_pred", "mistakes_page"
CM_KEY, GALLERY_KEY = "mistakes_cm", "mistakes_gallery"
ALL = "all"


def class_filter(key: str) -> int | None:
    """The class chosen in a filter selectbox, None for all."""
    value = st.session_state.get(key, ALL)
    return None if value == ALL else int(value)


def reset_page() -> None:
    st.session_state[PAGE_KEY] = 1


def on_matrix_click() -> None:
    """Callback of the confusion matrix: filter the gallery to the clicked cell."""
    cell = cell_from_selection(st.session_state[CM_KEY].get("selection"))
    if cell is not None:
        st.session_state[TRUE_KEY], st.session_state[PRED_KEY] = str(cell[0]), str(cell[1])
        reset_page()


ORDER_KEY, GRID_KEY = "mistakes_order", "mistakes_grid"


def filter_row(big: bool) -> tuple[int | None, int | None, str, int]:
    """The gallery's menus: true class, predicted class, order key, digits per row."""
    options = [ALL, *map(str, range(10))]
    f1, f2, f3 = st.columns([0.9, 1.25, 0.85], vertical_alignment="bottom")
    keep = {"persist_state": "session"}  # back on this page, the gallery is as it was
    f1.selectbox("True digit", options, key=TRUE_KEY, on_change=reset_page, **keep)
    f2.selectbox("Network's answer", options, key=PRED_KEY, on_change=reset_page, **keep)
    # a phone or tablet: three to a row, so the titles do not run into each other
    st.session_state.setdefault(GRID_KEY, DEFAULT_GRID[big or classroom.touch()])
    with f3.popover("Grid", icon=":material/tune:", help="Order and size of the gallery"):
        order = st.selectbox("Order", list(ORDERS), key=ORDER_KEY, **keep)
        grid = st.selectbox("Grid", list(GRIDS), key=GRID_KEY, **keep)
    return class_filter(TRUE_KEY), class_filter(PRED_KEY), ORDERS[order], GRIDS[grid]


def empty_message(true_class: int | None, pred_class: int | None, cm: np.ndarray) -> str:
    """What to say when the filters leave no mistakes to show."""
    if true_class is not None and true_class == pred_class:
        return (
            f"That is a diagonal cell: the {cm[true_class, true_class]:,} digits there were "
            "classified right. Click a coloured cell to see mistakes."
        )
    return "The network made no mistakes of this kind on the test digits."


def clear_filters() -> None:
    st.session_state[TRUE_KEY] = st.session_state[PRED_KEY] = ALL
    reset_page()


PICK_KEY = "mistakes_pick"


def on_gallery_click(shown: list[int]) -> None:
    """Callback of the gallery: pick the digit that was clicked (one of `shown`)."""
    points = (st.session_state[GALLERY_KEY].get("selection") or {}).get("points") or []
    for point in points:
        if point.get("curve_number") == 1 and point.get("point_index", -1) < len(shown):
            st.session_state[PICK_KEY] = shown[point["point_index"]]


def keep_valid(key: str, options: list, default=None) -> None:
    """Before a widget is drawn: drop a remembered value that is no longer an option."""
    if key in st.session_state and st.session_state[key] not in options:
        st.session_state[key] = options[0] if default is None else default


def show_grid(fig, alt: str) -> None:
    """A digit_grid figure at the width it was laid out for."""
    classroom.chart(fig, width=int(fig.layout.width), alt=alt)


def show_matrix(cm: np.ndarray, big: bool) -> None:
    """The clickable confusion matrix, large, with the chosen cell outlined."""
    cell = (class_filter(TRUE_KEY), class_filter(PRED_KEY))
    fig = figs.confusion_matrix(cm, cell if None not in cell else None, MATRIX_PX[big])
    alt, table = mt.matrix_alt(cm), mt.matrix_table(cm)
    classroom.chart(
        fig, width=int(fig.layout.width), key=CM_KEY, alt=alt, table=table, **_pick(on_matrix_click)
    )
    st.caption(
        ("Pick a cell" if classroom.touch() else "Click a cell to see its digits, or pick it")
        + " in the menus True digit and Network's answer. Colour: mistakes only; grey: right "
        "answers."
    )


def _pick(callback) -> dict:
    """A chart's click-to-pick, on a mouse's screen only: on a touch screen a chart that
    takes clicks also takes the swipe that should scroll the page, and the menus next to
    it pick the same things."""
    if classroom.touch():
        return {}
    return {"on_select": callback, "selection_mode": "points"}


def show_class_accuracy(cm: np.ndarray) -> None:
    """How often each true digit is read right, as bars."""
    st.header("How often each digit is read right")
    accuracy, counts = class_accuracy(cm), cm.sum(axis=1)
    fig = figs.class_accuracy(accuracy, counts)
    alt, table = mt.class_accuracy_alt(accuracy, counts), mt.class_accuracy_table(accuracy, counts)
    classroom.chart(fig, alt=alt, table=table)


def show_digit(shown: list[int], pred: Predictions, images: np.ndarray) -> None:
    """One digit of the gallery page, large, with its probabilities and the runner-up."""
    st.header("One digit up close")
    keep_valid(PICK_KEY, shown)
    i = st.selectbox("Digit", shown, key=PICK_KEY, format_func=lambda i: describe(i, pred))
    second, p2 = runner_up(pred.proba[i])
    left, right = st.columns([1, 2])
    name = f"test digit {number(i, pred)}"  # as the menu names it
    picture = chart_text.picture_alt(images[i], name.capitalize())
    classroom.chart(figs.digit_image(images[i], name), left, alt=picture)
    bars = figs.probability_bars(pred.proba[i], pred.y_pred[i], pred.y_true[i])
    alt = mt.probability_alt(pred.proba[i], int(pred.y_pred[i]), int(pred.y_true[i]))
    classroom.chart(bars, right, alt=alt, table=mt.probability_table(pred.proba[i]))
    right.markdown(
        f"The network said **{pred.y_pred[i]}** with {percent(pred.confidence[i])} "
        f"confidence; the label is **{pred.y_true[i]}**. Runner-up: **{second}** "
        f"({percent(p2)})."
    )


def show_dataset(raw: MnistData) -> None:
    """The book's two figures: one training example of each digit, 25 variants of one."""
    train = raw.X_train.reshape(-1, ROWS, COLS)
    st.markdown("**One example of each digit** (the first of each class in the training set)")
    firsts = [first_of(raw.y_train, k) for k in range(10)]
    firsts_alt = "Pictures of the first 0, 1, ... 9 of the training set, one of each digit."
    show_grid(
        figs.digit_grid(train[firsts], [str(k) for k in range(10)], 10, tile_px=80), firsts_alt
    )
    menu, _ = st.columns([1, 3])
    digit = menu.selectbox("25 variants of the digit", range(10), index=7, key="mistakes_variants")
    st.markdown(f"**The first 25 {digit}s of the training set**")
    variants = f"Pictures of the first 25 handwritten {digit}s of the training set, 5 by 5."
    show_grid(
        figs.digit_grid(train[examples_of(raw.y_train, digit, 25)], cols=5, tile_px=80), variants
    )


TAB_KEY, GALLERY_TAB = "mistakes_tab", "Misclassified digits"


# -- the gallery -----------------------------------------------------------------------------
def show_gallery(pred: Predictions, cm: np.ndarray, images: np.ndarray, big: bool) -> list[int]:
    """Menus, pages and the clickable gallery of mistakes; the test digits it shows."""
    true_class, pred_class, order, cols = filter_row(big)
    shown_all = select_mistakes(pred, true_class, pred_class, order)
    pages = n_pages(len(shown_all), cols * cols)
    if st.session_state.get(PAGE_KEY, 1) > pages:
        reset_page()
    if len(shown_all) == 0:
        st.info(empty_message(true_class, pred_class, cm))
        st.button("Show all mistakes", on_click=clear_filters)
        return []
    page = st.pagination(pages, key=PAGE_KEY, width="stretch", persist_state="session")
    where = page_slice(len(shown_all), page, cols * cols)
    shown = shown_all[where].tolist()
    filtered = (true_class, pred_class) != (None, None)
    note, clear = st.columns([1.4, 1] if filtered else [1, 0.01], vertical_alignment="center")
    how = "Pick one" if classroom.touch() else "Click one, or pick it"
    note.caption(f"{len(shown_all):,} digits. {how} in the Digit menu below to look closer.")
    if filtered:
        clear.button("Clear filters", on_click=clear_filters)
    alt = mt.gallery_alt(len(shown_all), true_class, pred_class)
    _draw_gallery(shown, pred, images, cols, big, alt)
    return shown


def _draw_gallery(
    shown: list[int], pred: Predictions, images, cols: int, big: bool, alt: str
) -> None:
    tile, text_px = tile_px(cols, big), classroom.SCREENS[big].text
    fig = figs.digit_grid(
        images[shown],
        [title(i, pred, tile, text_px) for i in shown],
        cols,
        hover=[describe(i, pred) for i in shown],
        tile_px=tile,
        title_px=text_px,
    )
    classroom.chart(
        fig,
        width=int(fig.layout.width),
        key=GALLERY_KEY,
        alt=alt,
        table=chart_text.gallery_table(shown, pred.y_pred[shown], pred.y_true[shown]),
        **_pick(lambda: on_gallery_click(shown)),
    )
