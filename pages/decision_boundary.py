"""Decision boundary: the WildML moons toy, and how the hidden-layer size shapes the boundary.

Training from mlp_core.moons (cached by the settings), figures and tables from
mlp_ui.moons_toy.
"""

import streamlit as st

from mlp_ui import classroom
from mlp_ui import moons_toy as mt
from mlp_ui.shell import through_app

through_app()  # a first deep link on a fresh server still goes through app.py

st.title("Decision boundary")
st.markdown("Two half-moons no straight line can separate, and a network's boundary between them.")
classroom.try_this("moons", mt.EXPERIMENTS)

mt.seed_widgets()
big = classroom.projector()  # projected, the settings take two rows
rows = [[1.2, 1], [1, 1, 1]] if big else [[2, 1.3, 0.9, 0.9, 1]]
c1, c2, c3, c4, c5 = [c for r in rows for c in st.columns(r, vertical_alignment="bottom")]
c1.pills("The tutorial's sizes", mt.GALLERY_HIDDEN, key=mt.MOONS_PILL_KEY, on_change=mt.pick_hidden)
hidden = c2.slider("Hidden units", 1, 50, key=mt.MOONS_HIDDEN_KEY, on_change=mt.sync_pill)
c3.select_slider("Learning rate", mt.MOONS_LRS, key=mt.MOONS_LR_KEY)
c4.select_slider("L2 strength", mt.MOONS_REGS, key=mt.MOONS_REG_KEY)
c5.select_slider("Passes", mt.MOONS_PASSES, key=mt.MOONS_PASSES_KEY)
settings = mt.settings()

with st.spinner(f"Training the seven tutorial sizes ({settings.passes:,} passes each)..."):
    _, gallery_seconds = mt.timed(mt.moons_gallery_runs, settings.passes, settings.lr, settings.reg)
with st.spinner(f"Training {hidden} hidden units..."):
    boundary, _ = mt.timed(mt.boundary_figure, hidden, settings, big)

net_col, base_col = st.columns([3, 2], gap="large")
classroom.chart(boundary, net_col, styled=True, key="toy_moons_boundary")
baseline_fig, baseline_acc = mt.baseline(big)
classroom.chart(baseline_fig, base_col, styled=True, key="toy_moons_baseline")
base_col.caption(
    f"The baseline: logistic regression draws one straight line, {baseline_acc:.1%} right."
)
with classroom.why():
    st.markdown(
        "200 points in two interleaved half-moons. A network with one tanh hidden layer "
        "learns a curved boundary; the number of hidden units decides how curved. The "
        "shading is the network's answer: orange for the red class, blue for the blue "
        "class, and the black line where it is 50/50 (the boundary). Settings start at "
        "the tutorial's: 20,000 full-batch passes, learning rate 0.01, L2 0.01.\n\n"
        "Press Play to watch the boundary form; the title gives the accuracy at the pass "
        "shown. The frames are log-spaced in passes, because the shape appears within a "
        "few hundred passes and then only sharpens. Logistic regression, however long it "
        "trains, stays a straight line."
    )

st.header("The seven sizes side by side")
with classroom.why("Why do more units fit better, and when is it too well?"):
    st.markdown(
        "One hidden unit draws little more than the logistic-regression line, two bend it "
        "once, three already follow the moons. More units buy training accuracy by bending "
        "around single stray points (see the spike at the bottom of the V with 50 units): "
        "that is overfitting, and L2 is what holds it back. Set L2 to 0 to see it grow. "
        "Same data, same settings as above."
    )
gallery, gallery_fig_seconds = mt.timed(mt.gallery_figure, settings, big)
classroom.chart(gallery, styled=True, key="toy_moons_gallery")
st.dataframe(mt.gallery_table(settings), hide_index=True, column_config=mt.GALLERY_FORMAT)
st.caption(
    f"Trained all seven in {gallery_seconds:.2f} s"
    f"{' (from the cache)' if gallery_seconds < 0.5 else ''}, drawn in "
    f"{gallery_fig_seconds:.2f} s. The seven networks train together as one wide network."
)
