"""Board: a class challenge's live ranking for the projector (mlp_ui.board_view)."""

import streamlit as st

from mlp_ui import board_view, class_state

st.title("Board")
link = class_state.challenge()
if link is None:
    st.info(
        "A board belongs to a class challenge: open it from the challenge's "
        "Board link on the Class page."
    )
else:
    board_view.live(*link)
