"""Train: tune an MLP on MNIST, watch it learn epoch by epoch, compare and keep runs.

Each part lives in a module of its own: mlp_ui.train_settings (settings and URL),
train_runs (the buttons), train_live (status, curves, the training loop), train_results,
runs_table, model_upload and code_view; figures in mlp_ui.figures. Training happens in
`train_live.train_active`, called last, so the whole page is drawn before
it starts and only the status, progress bar and curves are redrawn while it runs.
"""

import streamlit as st

from mlp_ui.code_view import code_panel
from mlp_ui.model_upload import upload_panel
from mlp_ui.runs_table import runs_panel
from mlp_ui.shell import through_app
from mlp_ui.train_live import live_view, train_active
from mlp_ui.train_results import current_model
from mlp_ui.train_runs import buttons
from mlp_ui.train_settings import settings

through_app()  # a first deep link on a fresh server still goes through app.py

st.title("Train a network")
st.markdown(
    "Choose how big the network is, its learning rate and its L2 penalty, press **Start**, "
    "and watch the loss fall and the accuracy climb after every epoch (one pass over the "
    "training digits). Every run is kept: overlay them to compare, say, 10, 100 and 300 "
    "hidden units, or L2 0 against 0.1. The settings are in the page's address, so a link "
    "opens the page with the same settings."
)

settings_col, main_col = st.columns([1, 2.6], gap="large")
with settings_col:
    st.subheader("Settings")
    config = settings()
with main_col:
    buttons(config)
    view = live_view(config)
    model_tab, runs_tab, load_tab = st.tabs(["Current model", "All runs", "Load a model"])
    with model_tab:
        current_model()
    with runs_tab:
        runs_panel()
    with load_tab:
        upload_panel()

with st.expander("**The code that trains your network**: forward pass, backward pass, update"):
    code_panel(config)  # full width: the source reads without wrapping

train_active(view)  # last: trains in half-second slices, redrawing the view above
