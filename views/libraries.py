"""Libraries: the network configured on the Train page, in scikit-learn and PyTorch too.

Widgets, the training loop and the proof live in mlp_ui.libraries_view, "Try this" in
mlp_ui.libraries_try; the conversions, the generated scripts and the runs in
mlp_compare. Training happens in `train_comparison`, called last, so the whole page is
drawn before it starts.
"""

import streamlit as st

from mlp_ui import classroom
from mlp_ui import libraries_try as lt
from mlp_ui import libraries_view as lv

st.title("The same network in scikit-learn and PyTorch")
classroom.try_this("libraries", lt.experiments())
config = lv.settings()
st.page_link("views/train.py", label="Change the settings on the Train page", icon="⚙️")
view = lv.run_controls(config)
with classroom.why():
    st.markdown(
        "What you built on the Train page is what people train with the big libraries. "
        "Here it is in each of them: trained side by side on the same digits, the code "
        "that does it, and a check that one step of each moves the weights the same way.\n\n"
        "Every library starts from mlp_core's first weights and sees the minibatches in the "
        "same order, so any difference is its arithmetic. One colour per library: where "
        "the curves agree, the thinner lines sit inside the thicker one."
    )

if config is not None:
    st.header("Proof: one step, the same weights")
    lv.proof(config)
    st.header("The code")
    lv.code(config)

lv.train_comparison(view)  # last: trains in half-second slices, redrawing the view above
