"""Make every run go through app.py, even the first one after the server starts.

Streamlit treats a `pages/` folder as a legacy multipage app until some run has called
`st.navigation`. So on a fresh server the first visitor's deep link (a teacher's
`/train?hidden=300`) would run pages/train.py on its own: no sidebar, no layout, and a
menu listing the raw file names. `through_app()` switches that legacy mode off and
reruns, and the rerun executes app.py, which routes to the same page.
"""

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def through_app() -> None:
    """Call first in app.py and in every page file; it does nothing once the mode is off."""
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
