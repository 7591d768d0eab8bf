"""Playground: train a small network on 2-D data and watch every neuron learn, live.

Settings and buttons from mlp_ui.playground_controls, the live part (a fragment that
trains a slice and sends the weights to our browser component, which draws) from
mlp_ui.playground_view, "Try this" from mlp_ui.playground_try, the numbers from
mlp_core.playground.
"""

import streamlit as st

from mlp_ui import classroom
from mlp_ui import playground_challenge as challenge
from mlp_ui import playground_controls as pc
from mlp_ui import playground_try as pt
from mlp_ui import playground_view as pv

st.title("Playground")
challenge.banner()  # a class challenge's name and rules, when opened from its link
if challenge.current() is None:  # its experiments change the data a challenge fixes
    classroom.try_this("playground", pt.EXPERIMENTS)
pc.seed_widgets()
pc.lock_challenge()  # its fixed settings, whatever the widgets said
notes = st.container()
big = classroom.projector()  # projected: the pictures get the whole width
config = pc.config()
if config is not None:
    pc.sync(config)
with notes:
    pc.link_problems()
row = st.container(horizontal=True, key="pg_buttons")  # a row, even on a phone
pc.run_buttons([row] * 4)
challenge.submit_panel()  # in a class challenge only

main, side = (st.container(), None) if big else st.columns([3.3, 1.2], gap="medium")
with main:
    pv.live()
    pc.layer_buttons()
    picker, stop_loss, stop_epochs = st.columns([1.4, 1, 1], vertical_alignment="bottom")
    with picker:
        pv.unit_picker()
    pv.stop_inputs([stop_loss, stop_epochs])
with side or st.expander("**Data, input features, learning rate**", icon=":material/tune:"):
    pc.hyper_bar([st.container()] * 5)
    pc.data_panel()

with classroom.why("How to use it, and what the pictures are"):
    st.markdown(
        "Pick a data set, give the network inputs and layers, press **Play**, and watch it "
        "learn: the output's colour over the plane, every neuron's own picture and the "
        "weights between them change as it trains. Changing the data, the features or the "
        "network starts a new one; the learning rate, regularisation and batch size apply "
        "at once. The test points are never trained on: the test loss and accuracy say how "
        "well it does on points it has not seen. With **Your own points**, choose a class "
        "under the plane and click (tap) to add points, or load a CSV file of x1,x2,label "
        "lines. The server trains (the NumPy step of the Code panels); your browser draws "
        "every picture from the weights it sends."
    )
st.header("Snapshots")  # h2 under the title (an h3 skipped a level)
pv.snapshots_panel()
