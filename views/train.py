"""Train: tune an MLP on MNIST, watch it learn, compare and keep runs.

Each part lives in a module of its own: mlp_ui.train_settings (settings and URL),
train_try ("Try this"), train_runs (the buttons), train_live (status, curves, network
diagram, the training loop), train_results, runs_table, model_upload and code_view;
figures in mlp_ui.figures. Training happens in `train_live.train_active`, called last,
so the whole page is drawn before it starts and only the status, progress bar and
curves are redrawn while it runs. The page is drawn in a turn (mlp_ui.turns, taken in
app.py), given back before training: a class's thirty Train pages at once do not hold up
a drawn digit on the Draw page.
"""

import streamlit as st

from mlp_ui import class_train, classroom, turns
from mlp_ui.code_view import code_panel
from mlp_ui.model_upload import upload_panel
from mlp_ui.runs_table import runs_panel
from mlp_ui.train_live import live_view, train_active
from mlp_ui.train_results import current_model
from mlp_ui.train_runs import buttons
from mlp_ui.train_settings import settings
from mlp_ui.train_try import try_this

st.title("Train a network")
class_train.banner()  # a class challenge's name and rules, when opened from its link
try_this()

top = st.container()  # Start and Stop: first on the screen and in the keyboard's order
if classroom.touch():  # a phone or tablet: the curves next, the settings under them
    main_col = st.container()
    settings_col = st.expander(
        "**Settings**: the network, the training, the data", icon=":material/tune:"
    )
else:
    settings_col, main_col = st.columns([1.15, 3.2], gap="medium")
with settings_col:
    config = settings()
with top:
    buttons(config)
with main_col:
    view = live_view(config)
    with classroom.why("Why? What the curves show"):
        st.markdown(
            "Training shows the network the training digits in minibatches of *batch size*; "
            "after each minibatch it nudges every weight downhill on the loss. One pass over "
            "all the training digits is an **epoch**.\n\n"
            "- The **thin lines** are the loss and training accuracy of the minibatches of "
            "the last tenth of an epoch: the curves grow while an epoch trains.\n"
            "- **Validation accuracy** (dashed, a dot per epoch) is measured at the end of "
            "each epoch on digits the network never trains on: it says how well it does on "
            "new digits.\n"
            "- Training accuracy above validation accuracy is normal. **Overfitting** is "
            "validation accuracy falling while training accuracy still rises.\n\n"
            "Every run is kept: overlay runs to compare, say, 10, 100 and 300 hidden units. "
            "The settings are in the page's address, so a link opens the same settings."
        )
    model_tab, runs_tab, load_tab = st.tabs(["Current model", "All runs", "Load a model"])
    with model_tab:
        current_model()
    with runs_tab:
        runs_panel()
    with load_tab:
        upload_panel()

code = classroom.opened_fold(  # ~35 elements that every other run of the page skips
    "**The code that trains your network**: forward pass, backward pass, update", "train_code"
)
if code is not None:
    with code:
        code_panel(config)  # full width: the source reads without wrapping

turns.give_back()  # the training loop takes a turn per redraw
train_active(view)  # last: trains in short slices, redrawing the view above
