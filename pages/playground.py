"""Playground: train a small network on 2-D data and watch every neuron learn, live.

Settings and buttons from mlp_ui.playground_controls, the live part (a fragment that
trains and redraws) from mlp_ui.playground_view, the numbers from mlp_core.playground.
"""

import streamlit as st

from mlp_ui import playground_controls as pc
from mlp_ui import playground_view as pv
from mlp_ui.shell import through_app

through_app()  # a first deep link on a fresh server still goes through app.py

st.title("Playground")
st.markdown(
    "Pick a data set, give the network inputs and layers, press **Play**, and watch it "
    "learn: the output's colour over the plane, every neuron's own picture and the "
    "weights between them change as it trains. Changing the data, the features or the "
    "network starts a new one; the learning rate, regularisation and batch size apply at "
    "once."
)
pc.seed_widgets()
notes = st.container()
buttons = st.columns([1, 1, 1, 1.15, 4.6], vertical_alignment="center")
pc.hyper_bar(st.columns(5, gap="medium"))
left, main = st.columns([1.1, 3.4], gap="medium")
with left:
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

slots = {"status": buttons[4].container(), "network": net_col.container()}
slots["output"], slots["curves"] = out_col.container(), out_col.container()
slots["below"] = st.container()
pv.live(slots)

st.subheader("Snapshots")
pv.snapshots_panel()
