"""MLP Lab: the entry point declares the pages and draws the shared sidebar."""

# Imported before any page runs: plotly looks pandas up in sys.modules, and a figure built
# while another session's thread is half-way through its first `import pandas` fails.
import pandas  # noqa: F401
import streamlit as st

from mlp_ui import playground_state, shell, state, widgets

shell.through_app()
st.set_page_config(page_title="MLP Lab", page_icon=":material/neurology:", layout="wide")

TRAIN = st.Page("pages/train.py", title="Train", icon=":material/show_chart:", default=True)
PLAYGROUND = st.Page("pages/playground.py", title="Playground", icon=":material/toys:")
PAGES = [
    TRAIN,
    st.Page("pages/learning_rate.py", title="Learning rate", icon=":material/speed:"),
    st.Page("pages/backprop.py", title="Backprop", icon=":material/account_tree:"),
    st.Page(
        "pages/decision_boundary.py", title="Decision boundary", icon=":material/scatter_plot:"
    ),
    PLAYGROUND,
    st.Page("pages/mistakes.py", title="Mistakes", icon=":material/error:"),
    st.Page("pages/draw.py", title="Draw", icon=":material/draw:"),
]

page = st.navigation(PAGES)
if page.url_path != TRAIN.url_path:
    state.pause_active()  # training runs inside the Train page; leaving it pauses cleanly
if page.url_path != PLAYGROUND.url_path:
    playground_state.pause()  # the playground trains only while it is shown
widgets.sidebar()
page.run()
