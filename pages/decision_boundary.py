"""Decision boundary: the WildML moons toy, and how the hidden-layer size shapes the boundary.

Training from mlp_core.moons (cached by the settings), figures and tables from
mlp_ui.moons_toy.
"""

import streamlit as st

from mlp_ui import moons_toy as mt
from mlp_ui.shell import through_app

through_app()  # a first deep link on a fresh server still goes through app.py

st.title("Decision boundary")
st.markdown(
    "200 points in two interleaved half-moons, which no straight line can separate. A "
    "network with one tanh hidden layer learns a curved boundary; the number of hidden "
    "units decides how curved. The shading is the network's answer: orange for the red "
    "class, blue for the blue class, white where it is 50/50 (the boundary). Settings "
    "start at the tutorial's: 20,000 full-batch passes, learning rate 0.01, L2 0.01."
)

c1, c2 = st.columns([1.3, 2], vertical_alignment="bottom")
c1.pills(
    "The tutorial's sizes",
    mt.GALLERY_HIDDEN,
    default=3,
    key=mt.MOONS_PILL_KEY,
    on_change=mt.pick_hidden,
)
hidden = c2.slider("Hidden units", 1, 50, 3, key=mt.MOONS_HIDDEN_KEY, on_change=mt.sync_pill)
c3, c4, c5 = st.columns(3)
lr = c3.select_slider("Learning rate", mt.MOONS_LRS, value=0.01, key="toy_moons_lr")
reg = c4.select_slider("L2 strength", mt.MOONS_REGS, value=0.01, key="toy_moons_reg")
passes = c5.select_slider("Passes", mt.MOONS_PASSES, value=20000, key="toy_moons_passes")
settings = mt.MoonsSettings(passes, lr, reg)

with st.spinner(f"Training the seven tutorial sizes ({passes:,} passes each)..."):
    _, gallery_seconds = mt.timed(mt.moons_gallery_runs, passes, lr, reg)
with st.spinner(f"Training {hidden} hidden units..."):
    boundary, _ = mt.timed(mt.boundary_figure, hidden, passes, lr, reg)

net_col, base_col = st.columns([3, 2], gap="large")
with net_col:
    st.plotly_chart(boundary, key="toy_moons_boundary")
    st.caption(
        "Press Play to watch the boundary form: the frames are log-spaced in passes, "
        "because the shape appears within a few hundred passes and then only sharpens."
    )
with base_col:
    baseline_fig, baseline_acc = mt.baseline()
    st.plotly_chart(baseline_fig, key="toy_moons_baseline")
    st.caption(
        f"The baseline: logistic regression draws one straight line and gets "
        f"{baseline_acc:.0%} of the points right, however long it trains."
    )

st.subheader("The seven sizes side by side")
st.markdown(
    "One hidden unit draws little more than the logistic-regression line, two bend it "
    "once, three already follow the moons. More units buy training accuracy by bending "
    "around single stray points (see the spike at the bottom of the V with 50 units): "
    "that is overfitting, and L2 is what holds it back. Set L2 to 0 to see it grow. "
    "Same data, same settings as above."
)
gallery, gallery_fig_seconds = mt.timed(mt.gallery_figure, passes, lr, reg)
st.plotly_chart(gallery, key="toy_moons_gallery")
st.dataframe(mt.gallery_table(settings), hide_index=True, column_config=mt.GALLERY_FORMAT)
st.caption(
    f"Trained all seven in {gallery_seconds:.2f} s"
    f"{' (from the cache)' if gallery_seconds < 0.5 else ''}, drawn in "
    f"{gallery_fig_seconds:.2f} s. The seven networks train together as one wide network."
)
