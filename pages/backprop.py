"""Backprop: the book's 2-3-1 network, gradients by forward differences and by the chain rule.

Numbers from mlp_core.toys, figures and tables from mlp_ui.backprop_toy. The epoch
position is per-session state behind backprop_toy's bp_* accessors.
"""

import streamlit as st

from mlp_core.toys import toy_forward
from mlp_ui import backprop_toy as bp
from mlp_ui.shell import through_app

through_app()  # a first deep link on a fresh server still goes through app.py

st.title("Backprop")
st.markdown(
    "The book's smallest network: two inputs, three sigmoid hidden units and one linear "
    "output, taught a single example: input (1, 1), target 0. Each epoch it needs the "
    "slope of the loss for all 13 parameters. The book gets each one by nudging that "
    "parameter by 0.0001 and running the network again; backpropagation gets all of "
    "them from one backward pass with the chain rule. Step through the 100 epochs and "
    "compare the two."
)

c1, c2, c3, c4, c5 = st.columns([1, 1, 0.8, 2.2, 1], vertical_alignment="bottom")
done = bp.bp_epoch() >= bp.BP_EPOCHS
c1.button("Step one epoch", on_click=bp.bp_step, type="primary", key="toy_bp_step", disabled=done)
c2.button(f"Run all {bp.BP_EPOCHS}", on_click=bp.bp_run_all, key="toy_bp_all", disabled=done)
c3.button("Reset", on_click=bp.bp_reset, key="toy_bp_reset")
c4.selectbox("Update with", list(bp.BP_MODES), format_func=bp.BP_MODES.get, key=bp.BP_MODE_KEY)
epoch = bp.bp_epoch()
c5.metric("Epochs done", f"{epoch} / {bp.BP_EPOCHS}")

run = bp.bp_run(bp.bp_mode())
params = bp.bp_params(run, epoch)
forward = toy_forward(params)

st.plotly_chart(bp.network_figure(params, forward), key="toy_bp_net")
st.caption(
    "Edge width shows |weight|; blue is positive, red negative. w₁₂ connects input 1 to "
    "hidden unit 2; v₁..v₃ and c are the output unit's weights and bias. Hover for values."
)
st.markdown("**Forward pass**, value by value, with the current weights")
table_col, out_col, loss_col = st.columns([4, 1, 1], vertical_alignment="center")
table_col.dataframe(bp.forward_table(params), column_config=bp.FORWARD_FORMAT)
out_col.metric("Output ŷ = Σ a·v + c", f"{forward['output'][0, 0]:.6f}")
loss_col.metric("Loss (ŷ − 0)²", f"{forward['loss']:.6f}")

st.subheader("The gradient of every parameter, both ways")
st.markdown(
    "*Forward difference*: (loss with the parameter + 0.0001 − loss) / 0.0001, one extra "
    "forward pass per parameter. *Chain rule*: the exact derivative, all 13 at once. "
    "They differ by about 10⁻⁵: the nudge is not infinitely small, and it is rounded to "
    "float32."
)
st.dataframe(bp.gradient_table(params), column_config=bp.GRADIENT_FORMAT, height="content")

st.markdown(
    "**The chain rule for one weight**, w₁₁ (input 1 → hidden unit 1), as the book "
    "spells it out: the loss depends on w₁₁ only through z₁, then a₁, then ŷ."
)
st.latex(bp.chain_rule_latex(params))

st.subheader("Loss over the epochs")
st.plotly_chart(bp.backprop_loss_figure(run, epoch), key="toy_bp_loss")

st.subheader(f"After all {bp.BP_EPOCHS} epochs")
m1, m2, m3 = st.columns(3)
m1.metric("Initial loss", f"{run.loss[0]:.4f}", help=f"The book: about {bp.BOOK_INITIAL_LOSS}")
m2.metric("Final loss", f"{run.final_loss:.6f}")
m3.metric(
    "Final prediction for (1, 1)",
    f"{run.prediction:.4f}",
    help=f"The book prints {bp.BOOK_PREDICTION}; the target is 0.",
)
st.markdown(
    f"Final weights with {bp.BP_MODES[run.gradient]}, next to the ones the book prints "
    "(forward differences). The two methods end within about 0.0001 of each other."
)
st.dataframe(bp.final_table(run), column_config=bp.FINAL_FORMAT, height="content")
