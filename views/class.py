"""Class: students join with the code on the board; a teacher creates the class and its
challenges and watches the class (mlp_ui.class_view, mlp_ui.class_teacher)."""

import streamlit as st

from mlp_ui import class_state
from mlp_ui.class_teacher import start_panel, teacher_panel
from mlp_ui.class_view import join_panel

st.title("Class")
st.caption(
    "A teacher sets a challenge; every student's run is scored by the server on test digits "
    "no page shows a score on, and ranked on the Board."
)
store = class_state.store()
if store is not None:
    student, teacher = st.tabs(["Join a class", "Teach a class"])
    with student:
        join_panel(store)
    with teacher:
        if class_state.teacher() is None:
            start_panel(store)
        else:
            teacher_panel(store)
# last, so the tabs above keep their place (and the one open) when it first appears
class_state.keep_teacher()  # the teacher's key stays in this browser, not in a URL
