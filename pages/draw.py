"""Draw: draw a digit (or upload a picture of one), see what the network sees and says."""

import streamlit as st

from mlp_ui import digit_figures as figs
from mlp_ui import draw_view as dv
from mlp_ui import widgets
from mlp_ui.shell import through_app

through_app()  # a first deep link on a fresh server still goes through app.py

st.title("Draw")
st.caption(
    "Draw a digit with the mouse (or a finger) and watch the network guess. Your drawing "
    "is cropped, shrunk into a 20x20 box and centred in 28x28 pixels, the way the MNIST "
    "digits were made, before the network sees it."
)
choice = widgets.choose_model("draw_model")
if choice is None:
    st.stop()

left, middle, right = st.columns([1.15, 1, 1.35], gap="large")
with left:
    draw_tab, upload_tab = st.tabs(
        ["Draw", "Upload a picture"], key="draw_source", on_change="rerun"
    )
    with draw_tab:
        pen = st.slider("Pen width", 8, 40, dv.STROKE_DEFAULT, key="draw_pen")
        drawn = dv.canvas(pen)
        st.button("Clear", icon=":material/delete:", on_click=dv.clear_canvas)
    with upload_tab:
        uploaded = dv.uploaded_picture()
    use_upload = bool(upload_tab.open)
    picture = uploaded if use_upload else drawn
    answer = dv.analyse(picture.grey, choice.model, choice.scaling)

with middle:
    if picture.problem:  # a picture was given, but it holds no digit to read
        (st.error if use_upload else st.warning)(picture.problem)
    elif answer is None:
        st.info(
            "Upload a picture of a digit to see what the network makes of it."
            if use_upload
            else "Draw a digit on the black square: hold the mouse button down and write. "
            "The network answers as soon as you let go."
        )
    else:
        second, p2 = answer.runner_up
        st.metric("Prediction", answer.predicted)
        st.caption(
            f"{dv.percent(answer.confidence)} sure. Runner-up: {second} "
            f"({dv.percent(p2)}). Model: {choice.label}."
        )
        st.plotly_chart(
            figs.digit_image(answer.digit.image, "What the network sees (28x28)", True),
            config={"displayModeBar": False},
        )

with right:
    if answer is not None:
        st.markdown("**Probability of each digit**")
        st.plotly_chart(
            figs.probability_bars(answer.proba, answer.predicted),
            config={"displayModeBar": False},
        )

if answer is not None:
    st.subheader("Inside the network: the hidden units")
    grid, notes = st.columns([2, 1], gap="large")
    hidden = figs.hidden_activations(answer.hidden)
    grid.plotly_chart(hidden, width=hidden.layout.width, config={"displayModeBar": False})
    notes.markdown(dv.hidden_notes(answer))
