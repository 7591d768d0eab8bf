"""Mistakes: the test digits the network gets wrong, a confusion matrix that filters them,
and a look at the dataset itself."""

import streamlit as st

from mlp_core.data import COLS, ROWS
from mlp_ui import data, widgets
from mlp_ui import digit_figures as figs
from mlp_ui import mistakes_view as mv
from mlp_ui.shell import through_app

through_app()  # a first deep link on a fresh server still goes through app.py

st.title("Mistakes")
st.caption(
    "Which test digits does the network get wrong, and what does it take them for? "
    "Click a cell of the confusion matrix to see exactly those digits."
)
choice = widgets.choose_model("mistakes_model")
if choice is None:
    st.stop()
ds = data.dataset(choice.scaling)
unseen, digits = mv.test_set(choice, ds)
if not unseen:
    st.warning(digits)
    mv.show_dataset(data.mnist())
    st.stop()
key = f"{mv.fingerprint(choice.model)}/{choice.scaling}/{ds.kind}/{len(ds.y_test)}"
pred = mv.cached_predictions(key, choice.model, ds.X_test, ds.y_test)
images = data.mnist().X_test.reshape(-1, ROWS, COLS)
cm = mv.confusion(pred.y_true, pred.y_pred)

n_wrong = int((pred.y_pred != pred.y_true).sum())
a, b, c = st.columns(3)
a.metric("Test accuracy", f"{pred.accuracy:.2%}", help=f"On {digits}.")
b.metric("Misclassified", f"{n_wrong:,} of {len(pred.y_true):,}")
c.metric("Test digits", "full MNIST" if ds.kind == "full" else "offline sample")
st.caption(f"Measured on {digits}.")

# Only the open tab runs (on_change="rerun"): fewer charts for the browser to draw.
tab_mistakes, tab_data = st.tabs(
    ["Misclassified digits", "The dataset"], key="mistakes_tab", on_change="rerun"
)
with tab_data:
    if tab_data.open:
        mv.show_dataset(data.mnist())
with tab_mistakes:
    if not tab_mistakes.open:
        st.stop()
    gallery, matrix = st.columns([3, 2], gap="large")
    with matrix:
        mv.show_matrix(cm)
    with gallery:
        true_class, pred_class, order, cols = mv.filter_row()
        shown_all = mv.select_mistakes(pred, true_class, pred_class, order)
        pages = mv.n_pages(len(shown_all), cols * cols)
        if st.session_state.get(mv.PAGE_KEY, 1) > pages:
            mv.reset_page()
        if len(shown_all) == 0:
            st.info(mv.empty_message(true_class, pred_class, cm))
            st.button("Show all mistakes", on_click=mv.clear_filters)
            st.stop()
        page = st.pagination(pages, key=mv.PAGE_KEY, width="stretch", persist_state="session")
        where = mv.page_slice(len(shown_all), page, cols * cols)
        shown = shown_all[where].tolist()
        note, clear = st.columns([4, 1], vertical_alignment="center")
        note.caption(
            f"{len(shown_all):,} digits; page {page} of {pages}. "
            "Click a digit to look at it closely."
        )
        if (true_class, pred_class) != (None, None):
            clear.button("Clear filters", on_click=mv.clear_filters)
        st.plotly_chart(
            figs.digit_grid(
                images[shown],
                [mv.title(where.start + j + 1, i, pred) for j, i in enumerate(shown)],
                cols,
                hover=[mv.describe(i, pred) for i in shown],
            ),
            width=cols * 110,
            key=mv.GALLERY_KEY,
            on_select=lambda: mv.on_gallery_click(shown),
            selection_mode="points",
            config={"displayModeBar": False},
        )
    mv.show_digit(shown, pred, images)
