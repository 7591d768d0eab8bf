"""Learning rate: the book's one-weight toy for lr 0.01, 0.1 and 1 (and one of yours).

Numbers from mlp_core.toys (via mlp_ui.lr_toy, cached), figure from mlp_ui.lr_toy,
tables and words from mlp_ui.lr_toy_text. The animation runs in the browser.
"""

import streamlit as st

from mlp_ui import lr_toy as lrt
from mlp_ui import lr_toy_text as lt
from mlp_ui.shell import through_app

through_app()  # a first deep link on a fresh server still goes through app.py

st.title("Learning rate")
st.markdown(
    "Four points on the line y = 3x, and a model y = w·x + b that starts at w = b = 0. "
    "Every epoch the book measures the slope of the loss for each parameter by nudging it "
    "by 0.0001, then moves it downhill by *learning rate × slope*. Press **Play** to "
    "watch the three learning rates the book compares, and a fourth of your own."
)

c1, c2, c3, c4 = st.columns([1, 1.4, 1, 1.1], vertical_alignment="bottom")
custom = c1.number_input(
    "Your learning rate", 0.0001, 2.0, 0.05, step=0.01, format="%.4f", key="toy_lr_custom"
)
epochs = c2.slider("Epochs", 10, 1000, 1000, step=10, key="toy_lr_epochs")
exact = c3.toggle(
    "Exact gradient",
    key="toy_lr_exact",
    help="Use the derivative of the loss instead of the book's +0.0001 forward difference.",
)
spacing = c4.segmented_control(
    "Frames",
    ["log", "uniform"],
    default="log",
    required=True,
    key="toy_lr_spacing",
    help="log: every early epoch is a frame, later ones thin out (epoch axes in log scale).",
)
gradient = "exact" if exact else "forward"
rates = (*lrt.BOOK_RATES, float(custom))

st.plotly_chart(
    lrt.lr_figure(rates, epochs, gradient, spacing),
    key="toy_lr_chart",
    config={"displayModeBar": False},  # it would cover the last subplot's title
)
st.caption(
    "Top: the weight after each epoch (dotted green line: the answer, w = 3). Middle: the loss "
    "before each update, on a log axis. Bottom: the loss as w varies with b held at its "
    "value that epoch; the big dot is where the epoch starts, the cross where its step "
    "lands. When |w| passes 100 its axis becomes signed-logarithmic (0 in the middle, then "
    "±10, ±100, ±1000 … equally spaced) so the blow-up fits; values that overflow to inf "
    "or nan are left out and flagged in red."
)

st.subheader(f"After {epochs} epochs ({lrt.GRADIENT_LABELS[gradient]})")
runs = [lrt.lr_run(lr, epochs, gradient) for lr in rates]
st.table(lt.lr_summary(runs))
st.markdown(lt.lr_outcomes(runs))

with st.expander(
    "What the exact-gradient switch changes, and why lr = 1 gets stuck", expanded=exact
):
    st.markdown(lt.EXACT_EXPLANATION)

st.subheader("The first 10 epochs, as the book tabulates them")
st.markdown(
    "Weight at the start of the epoch, the loss there, the loss after nudging w by "
    "+0.0001, the slope that gives, and the weight after the update. The book prints "
    "them rounded to two decimals."
    + (
        " With the exact gradient, the last column is the slope the book would have "
        "measured instead."
        if exact
        else ""
    )
)
tabs = st.tabs([f"lr = {lr:g}" for lr in rates])
for tab, run in zip(tabs, runs, strict=True):
    tab.dataframe(lt.lr_table(run), column_config=lrt.LR_TABLE_FORMAT)
