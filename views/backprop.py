"""Backprop: the book's 2-3-1 network, gradients by forward differences and by the chain rule.

Numbers from mlp_core.toys; figures, tables, "Try this" and the epoch position (per
session, behind the bp_* accessors) from mlp_ui.backprop_toy. "Run all" animates: a
fragment redraws the network and the loss every TICK seconds until epoch 100.
"""

import streamlit as st

from mlp_ui import backprop_toy as bp
from mlp_ui import backprop_view as bv
from mlp_ui import chart_text as ct
from mlp_ui import classroom
from mlp_ui.backprop_figures import NET_COLUMN

st.title("Backprop")
classroom.try_this("backprop", bp.EXPERIMENTS, why_after=True)

guess = bv.predict()  # first a guess; the run's end says who was right
running, done = bp.bp_running(), bp.bp_epoch() >= bp.BP_EPOCHS
c1, c2, c3, c4 = st.columns([1.3, 1.3, 0.8, 1.2], vertical_alignment="bottom")
c1.button("Step one epoch", on_click=bp.bp_step, key="toy_bp_step", disabled=done or running)
c2.button(  # one button, Run all <-> Stop: the keyboard's focus stays on it
    "Stop" if running else f"Run all {bp.BP_EPOCHS}",
    on_click=bp.bp_stop if running else bp.bp_run_all,
    type="primary",
    icon=":material/stop:" if running else ":material/play_arrow:",
    key="toy_bp_all",
)
c3.button("Reset", on_click=bp.bp_reset, key="toy_bp_reset")
with c4.popover("Settings", icon=":material/tune:", width="stretch"):
    st.selectbox("Learning rate", list(bp.BP_LRS), format_func=bp.BP_LRS.get, key=bp.BP_LR_KEY)
    st.selectbox("Update with", list(bp.BP_MODES), format_func=bp.BP_MODES.get, key=bp.BP_MODE_KEY)
mode, lr, big = bp.bp_mode(), bp.bp_lr(), classroom.projector()


@st.fragment(run_every=bp.TICK if running else None)
def live() -> None:
    """The network, the loss and the key numbers at the current epoch (animated)."""
    if bp.bp_tick():
        st.rerun()  # the run reached epoch 100: redraw the page with the results
    epoch = bp.bp_epoch()
    forward = bp.bp_forward(mode, lr, epoch)
    net, loss = bp.live_figures(mode, lr, epoch, big, classroom.touch())  # a phone: narrow
    left, right = st.columns([NET_COLUMN, 1 - NET_COLUMN], vertical_alignment="center")
    run = bp.bp_run(mode, lr)
    classroom.chart(
        net,
        left,
        styled=True,
        width="content",
        key="toy_bp_net",
        config={"displayModeBar": False},
        alt=ct.backprop_net_alt(bp.bp_params(run, epoch), forward, epoch),
        table=ct.backprop_net_table(bp.bp_params(run, epoch)),
    )
    right.metric("Epochs done", f"{epoch} / {bp.BP_EPOCHS}")
    right.metric("Output ŷ = Σ a·v + c", f"{forward['output'][0, 0]:.4f}")
    right.metric("Loss (ŷ − 0)²", f"{forward['loss']:.6f}")
    losses = bp.bp_losses(run)
    classroom.chart(
        loss,
        right,
        styled=True,
        key="toy_bp_loss",
        config={"displayModeBar": False},
        alt=ct.loss_so_far_alt(losses, epoch),
        table=ct.loss_so_far_table(losses, epoch),
    )


live()
st.caption(bv.NETWORK_CAPTION)
run = bp.bp_run(mode, lr)
bv.show_explanations(bp.bp_params(run, bp.bp_epoch()))
if bp.bp_epoch() >= bp.BP_EPOCHS and not bp.bp_running():
    bv.show_final(run, lr, guess)  # only once the run gets there: no spoiler
