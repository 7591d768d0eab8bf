"""Learning rate: the book's one-weight toy for lr 0.01, 0.1 and 1 (and one of yours).

Numbers from mlp_core.toys (via mlp_ui.lr_toy, cached), figure and "Try this" from
mlp_ui.lr_toy, tables and words from mlp_ui.lr_toy_text. The animation runs in the browser,
driven by our own buttons (mlp_ui.animation). The student guesses first; where each rate
ends is shown on a click.
"""

import streamlit as st

from mlp_ui import animation, classroom, state
from mlp_ui import lr_toy as lrt
from mlp_ui import lr_toy_text as lt

st.title("Learning rate")
classroom.try_this("lr", lrt.EXPERIMENTS, why_after=True)

state.seed_widgets({lrt.SHOW_KEY: list(lrt.SHOW_OPTIONS[:3]), lrt.VIEW_KEY: "w"})
c1, c2, c3, c4 = st.columns([2.1, 1.1, 2.1, 1.1], vertical_alignment="bottom")
shown = c1.pills("Learning rates", lrt.SHOW_OPTIONS, selection_mode="multi", key=lrt.SHOW_KEY)
custom = c2.number_input(
    "Your rate", 0.0001, 2.0, 0.05, step=0.01, format="%.4f", key=lrt.CUSTOM_KEY
)
view = c3.segmented_control(
    "Show", list(lrt.VIEWS), format_func=lrt.VIEWS.get, required=True, key=lrt.VIEW_KEY
)
with c4.popover("More", icon=":material/tune:", width="stretch"):
    epochs = st.slider("Epochs", 10, 1000, 1000, step=10, key="toy_lr_epochs")
    exact = st.toggle(
        "Exact gradient",
        key=lrt.EXACT_KEY,
        help="Use the derivative of the loss instead of the book's +0.0001 nudge.",
    )
    spacing = st.segmented_control(
        "Frames",
        ["log", "uniform"],
        default="log",
        required=True,
        key="toy_lr_spacing",
        help="log: every early epoch is a frame, later ones thin out (epoch axis in log scale).",
    )
gradient = "exact" if exact else "forward"
rates = lrt.rates_shown(shown, custom)
big = classroom.projector()
fig = lrt.lr_figure(rates, epochs, gradient, spacing, view, big, classroom.touch())
guess = lrt.predict(rates)  # first a guess, then the run shows who was right
animation.controls(lrt.CHART_KEY, fig.layout.meta)
classroom.chart(fig, styled=True, key=lrt.CHART_KEY, alt=lt.lr_alt(rates, epochs, view))
st.caption(lrt.VIEW_CAPTIONS[view] + ("" if shown else " No rate picked: the book's three."))

st.header(f"Where each rate ends after {epochs} epochs")
runs = [lrt.lr_run(lr, epochs, gradient) for lr in (*lrt.BOOK_RATES, float(custom))]
if lrt.revealed(fig.layout.meta):
    st.caption(f"Slopes measured with {lrt.GRADIENT_LABELS[gradient]}.")
    st.table(lt.lr_summary(runs))
    st.markdown(lt.lr_outcomes(runs) + lt.lr_verdict(runs, guess))

with classroom.why("Why lr = 1 freezes, and what the exact gradient changes", expanded=exact):
    st.markdown(lt.EXACT_EXPLANATION)
with classroom.why("Why? How the book takes a step"):
    st.markdown(lt.HOW_IT_STEPS)
with classroom.why("The first 10 epochs, as the book tabulates them"):
    st.markdown(lt.TABLE_INTRO + (lt.TABLE_EXACT if exact else ""))
    tabs = st.tabs([f"lr = {run.lr:g}" for run in runs])
    for tab, run in zip(tabs, runs, strict=True):
        tab.dataframe(lt.lr_table(run), column_config=lrt.LR_TABLE_FORMAT)
