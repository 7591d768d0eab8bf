"""MLP Lab: the entry point declares the pages and draws the shared sidebar.

The page files live in views/, not pages/: Streamlit would run a pages/ folder as a
legacy multipage app (its own menu, no app.py) for a first visitor's deep link on a
fresh server; with st.navigation over another folder every run goes through here.
"""

from pathlib import Path

# Imported before any page runs: plotly looks pandas up in sys.modules, and a figure built
# while another session's thread is half-way through its first `import pandas` fails.
import pandas  # noqa: F401
import streamlit as st

from mlp_fast.threads import one_blas_thread_from_now
from mlp_ui import classroom, playground_state, state, turns, widgets

FAVICON = Path(__file__).parent / "assets" / "favicon.png"

one_blas_thread_from_now()  # the worker pool has the cores; the pages' products take one
# The icon is a file of ours, served by the app itself: a named icon comes from a font
# server on the internet, which a classroom without a network cannot reach.
st.set_page_config(page_title="MLP Lab", page_icon=str(FAVICON), layout="wide")

# The default page is served at "/" (its own name, "home", only reserves a pathname), and
# Streamlit's browser side answers its address with "Page not found": a hidden twin gives
# Train the address /train too, so a teacher's /train?hidden=300 opens it cleanly.
TRAIN = st.Page(
    "views/train.py", title="Train", icon=":material/show_chart:", url_path="home", default=True
)
TRAIN_ALIAS = st.Page("views/train.py", title="Train", url_path="train", visibility="hidden")
LIBRARIES = st.Page("views/libraries.py", title="Libraries", icon=":material/library_books:")
PLAYGROUND = st.Page("views/playground.py", title="Playground", icon=":material/toys:")
PAGES = [
    TRAIN,
    st.Page("views/learning_rate.py", title="Learning rate", icon=":material/speed:"),
    st.Page("views/backprop.py", title="Backprop", icon=":material/account_tree:"),
    st.Page(
        "views/decision_boundary.py", title="Decision boundary", icon=":material/scatter_plot:"
    ),
    PLAYGROUND,
    st.Page("views/mistakes.py", title="Mistakes", icon=":material/error:"),
    st.Page("views/draw.py", title="Draw", icon=":material/draw:"),
    LIBRARIES,
    TRAIN_ALIAS,
]

page = st.navigation(PAGES)
on_train = page.url_path in (TRAIN.url_path, TRAIN_ALIAS.url_path)
with turns.taken(on_train):  # a class's thirty Train pages draw a few at a time
    if not on_train:
        state.pause_active()  # training runs inside the Train page; leaving it pauses cleanly
    if page.url_path != LIBRARIES.url_path:
        state.pause_comparison()  # so do the Libraries page's side-by-side runs
    if page.url_path != PLAYGROUND.url_path:
        playground_state.pause()  # the playground trains only while it is shown
    classroom.switch()  # projector mode: first in the sidebar, kept in every page's URL
    widgets.sidebar()
    page.run()
