"""MLP Lab: the entry point declares the pages and draws the shared sidebar.

The page files live in views/, not pages/: Streamlit would run a pages/ folder as a
legacy multipage app (its own menu, no app.py) for a first visitor's deep link on a
fresh server; with st.navigation over another folder every run goes through here.
"""

import base64
from pathlib import Path

# Imported before any page runs: plotly looks pandas up in sys.modules, and a figure built
# while another session's thread is half-way through its first `import pandas` fails.
import pandas  # noqa: F401
import streamlit as st

from mlp_fast.threads import one_blas_thread_from_now
from mlp_ui import (
    classroom,
    failover,
    playground_state,
    saved,
    state,
    turns,
    widgets,
    your_work,
)

FAVICON = Path(__file__).parent / "assets" / "favicon.png"
# In the page itself, as a data URL (680 bytes): given the file's path, Streamlit read it
# and added it to its media files at every script run (0.45 ms each).
ICON = "data:image/png;base64," + base64.b64encode(FAVICON.read_bytes()).decode()

one_blas_thread_from_now()  # the worker pool has the cores; the pages' products take one
# The icon is a file of ours, sent by the app itself: a named icon comes from a font
# server on the internet, which a classroom without a network cannot reach.
st.set_page_config(page_title="MLP Lab", page_icon=ICON, layout="wide")

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
    st.Page("views/class.py", title="Class", icon=":material/groups:"),
    st.Page("views/board.py", title="Board", icon=":material/leaderboard:"),
    TRAIN_ALIAS,
]

page = st.navigation(PAGES)
on_train = page.url_path in (TRAIN.url_path, TRAIN_ALIAS.url_path)
with turns.taken(on_train):  # a class's thirty Train pages draw a few at a time
    saved.open_session()  # this browser's student, and their saved runs (mlp_ui.saved)
    saved.retry_unsaved()  # what a database failure left unsaved, once it is back
    if not on_train and (paused := state.pause_active()) is not None:
        saved.save(paused)  # training runs inside the Train page; leaving it pauses cleanly
    if page.url_path != LIBRARIES.url_path:
        state.pause_comparison()  # so do the Libraries page's side-by-side runs
    if page.url_path != PLAYGROUND.url_path:
        playground_state.pause()  # the playground trains only while it is shown
    classroom.switch()  # projector mode: first in the sidebar, kept in every page's URL
    widgets.sidebar()
    your_work.panel()
    if line := saved.current_note():
        st.warning(line)
    failover.watch()  # a browser whose server changed: redrawn at once, and told why
    page.run()
    failover.page_done()
