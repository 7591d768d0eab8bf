"""Decision boundary: the WildML moons toy, and how the hidden-layer size shapes the boundary.

Training from mlp_core.moons (cached by the settings), figures and tables from
mlp_ui.moons_toy.
"""

import streamlit as st

from mlp_ui import animation, classroom
from mlp_ui import chart_text as ct
from mlp_ui import moons_toy as mt
from mlp_ui import moons_view as mv

st.title("Decision boundary")
st.markdown("Two half-moons no straight line can separate, and a network's boundary between them.")
classroom.try_this("moons", mt.EXPERIMENTS, why_after=True)

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
animation.controls(mt.BOUNDARY_KEY, boundary.layout.meta, net_col)
alt = mv.boundary_alt(hidden, settings)
table = mt.snapshot_table(mt.moons_run(hidden, settings), settings.reg)
classroom.chart(boundary, net_col, styled=True, key=mt.BOUNDARY_KEY, alt=alt, table=table)
baseline_fig, baseline_acc = mt.baseline(big)
classroom.chart(
    baseline_fig, base_col, styled=True, key="toy_moons_baseline", alt=ct.baseline_alt(baseline_acc)
)
with classroom.why():
    st.markdown(mv.WHY_BOUNDARY)

st.header("The seven sizes side by side")
mv.show_gallery(settings, big, gallery_seconds)
