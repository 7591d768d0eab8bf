"""Draw: draw a digit (or upload a picture of one), see what the network sees and says."""

import streamlit as st

from mlp_ui import chart_text as ct
from mlp_ui import classroom, state, widgets
from mlp_ui import digit_figures as figs
from mlp_ui import draw_view as dv
from mlp_ui.mistakes_text import probability_alt, probability_table

st.title("Draw")
classroom.try_this("draw", dv.experiments())
choice = widgets.choose_model("draw_model")
if choice is None:
    st.stop()
big = classroom.projector()


@st.fragment
def drawing_and_answer() -> None:
    """The canvas, the answer and what the network sees: a stroke reruns only this part
    (not the sidebar, the title or the model menu), so the answer follows the pen."""
    # the pad needs 280 px (440 in projector mode)
    left, middle, right = st.columns([1.4, 1, 1.3], gap="medium")
    with left:
        draw_tab, upload_tab = st.tabs(
            ["Draw", "Upload a picture"], key=dv.SOURCE_KEY, on_change="rerun"
        )
        with draw_tab:
            state.seed_widgets({dv.PEN_KEY: dv.STROKE_DEFAULT})
            drawn = dv.canvas(state.widget_value(dv.PEN_KEY), big)
            st.button("Clear", icon=":material/delete:", on_click=dv.clear_canvas)
            st.slider("Pen width", 8, 40, key=dv.PEN_KEY)  # below: the canvas needs its value
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
                else "Draw a digit on the black square with the mouse, a finger or a pen: "
                "the network answers after every stroke."
            )
        else:
            dv.show_answer(answer, choice.label, big)

    with right:
        if answer is not None:
            st.markdown("**Probability of each digit**")
            bars = figs.probability_bars(answer.proba, answer.predicted, height=320 if big else 280)
            alt, table = (
                probability_alt(answer.proba, answer.predicted, None),
                probability_table(answer.proba),
            )
            classroom.chart(bars, key="draw_bars", alt=alt, table=table)
            st.markdown("**What the network sees** (28x28 pixels)")
            seen = figs.digit_image(answer.digit.image, "", True, 250)
            alt = ct.picture_alt(answer.digit.image, "What the network sees")
            classroom.chart(seen, key="draw_seen", alt=alt)

    if answer is not None:
        st.header("Inside the network: the hidden units")  # h2 under the title
        grid, notes = st.columns([2, 1], gap="large")
        hidden = figs.hidden_activations(
            answer.hidden, 440 if big else 320, classroom.SCREENS[big].text
        )
        alt, table = ct.hidden_alt(answer.hidden), ct.hidden_table(answer.hidden)
        classroom.chart(hidden, grid, width=hidden.layout.width, alt=alt, table=table)
        notes.markdown(dv.hidden_notes(answer))


drawing_and_answer()
with classroom.why("Why? How a drawing becomes the network's input"):
    st.markdown(dv.WHY_INPUT)
