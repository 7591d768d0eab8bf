"""Playground: train a small network on 2-D data and watch every neuron learn, live.

Settings and buttons from mlp_ui.playground_controls, the live part (a fragment that
trains and redraws) from mlp_ui.playground_view, "Try this" from mlp_ui.playground_try,
the numbers from mlp_core.playground.
"""

import streamlit as st

from mlp_ui import classroom
from mlp_ui import playground_controls as pc
from mlp_ui import playground_try as pt
from mlp_ui import playground_view as pv

st.title("Playground")
classroom.try_this("playground", pt.EXPERIMENTS)
pc.seed_widgets()
notes = st.container()
big = classroom.projector()  # projected: the numbers get their own row, the data a fold
buttons = st.columns([1, 1, 1, 1.15, 0.5 if big else 4.6], vertical_alignment="center")
status = st.container() if big else buttons[4].container()
pc.hyper_bar(st.columns(5, gap="medium"))
left, main = (None, st.container()) if big else st.columns([1.1, 3.4], gap="medium")
with left or st.expander("**Data and input features**", icon=":material/tune:"):
    pc.data_panel()
net_col, out_col = main.columns([pc.network_width(), 1], gap="medium")
with net_col:
    pc.layer_buttons()
config = pc.config()
if config is not None:
    pc.sync(config)
with notes:
    pc.link_problems()
pc.run_buttons(buttons[:4])

slots = {"status": status, "network": net_col.container()}
slots["output"], slots["curves"] = out_col.container(), out_col.container()
slots["below"] = st.container()
pv.live(slots)

with classroom.why("How to use it, and what the pictures are"):
    st.markdown(
        "Pick a data set, give the network inputs and layers, press **Play**, and watch it "
        "learn: the output's colour over the plane, every neuron's own picture and the "
        "weights between them change as it trains. Changing the data, the features or the "
        "network starts a new one; the learning rate, regularisation and batch size apply "
        "at once. The test points are never trained on: the test loss and accuracy say how "
        "well it does on points it has not seen."
    )
st.subheader("Snapshots")
pv.snapshots_panel()
