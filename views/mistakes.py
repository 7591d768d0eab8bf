"""Mistakes: the test digits the network gets wrong, a confusion matrix that filters them,
and a look at the dataset itself."""

import streamlit as st

from mlp_ui import classroom, data, widgets
from mlp_ui import mistakes_select as ms
from mlp_ui import mistakes_try as mtry
from mlp_ui import mistakes_view as mv

st.title("Mistakes")
choice = widgets.choose_model("mistakes_model")
if choice is None:
    st.stop()
ds = data.dataset(choice.scaling)
unseen, digits = mv.test_set(choice, ds)
if not unseen:
    st.warning(digits)
    mv.show_dataset(data.mnist())
    st.stop()
X_public, y_public, _ = data.public_test(choice.scaling)  # never the private half
key = f"{ms.fingerprint(choice.model)}/{choice.scaling}/{ds.kind}/public/{len(y_public)}"
pred = mv.cached_predictions(key, choice.model, X_public, y_public, data.public_index())
images = data.public_images()
cm = ms.confusion(pred.y_true, pred.y_pred)
big = classroom.projector()
classroom.try_this("mistakes", mtry.experiments(cm), why_after=True)

n_wrong = int((pred.y_pred != pred.y_true).sum())
a, b, c = st.columns([1, 1, 1.4], vertical_alignment="center")
a.metric("Test accuracy", f"{pred.accuracy:.2%}", help=f"On {digits}.")
b.metric(f"Misclassified (of {len(pred.y_true):,})", f"{n_wrong:,}")
c.markdown(f"Measured on {digits}.")

# Only the open tab runs (on_change="rerun"): fewer charts for the browser to draw.
tab_mistakes, tab_data = st.tabs([mv.GALLERY_TAB, "The dataset"], key=mv.TAB_KEY, on_change="rerun")
with tab_data:
    if tab_data.open:
        mv.show_dataset(data.mnist())
with tab_mistakes:
    if not tab_mistakes.open:
        st.stop()
    row = st.container(horizontal=True, gap="medium")  # side by side, or stacked if narrow
    gallery, matrix = (
        row.container(width=mv.GALLERY_PX[big]),
        row.container(width=mv.MATRIX_PX[big]),
    )
    with matrix:
        mv.show_matrix(cm, big)
    with gallery:
        shown = mv.show_gallery(pred, cm, images, big)
    with classroom.why("Why? Reading the matrix and the gallery"):
        st.markdown(mtry.WHY_MATRIX)
    if shown:
        mv.show_digit(shown, pred, images)
    mv.show_class_accuracy(cm)
