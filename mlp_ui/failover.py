"""When a browser's server changes under it: a replica stopped behind deploy/'s HAProxy,
a server restarted between two lessons, a session expired while a laptop slept.

Streamlit's browser side reconnects on its own, to a new session that has never run the
page. By itself it then reruns the app only if a script was running when the connection
dropped: an idle page stays as the old server drew it (runs that no longer exist), and
its next click reaches a session that has not yet created that button, so Streamlit
has no callback to call: the click is lost and the page merely redraws. Two fixes:

- a timed fragment on every page (it draws nothing and runs once an hour): the browser
  reruns the app as soon as it reconnects whenever such a timer exists, so the page is
  redrawn at once from the new server's state (the saved runs) and the next click finds
  its button;
- one line at the top of the page says what happened, from the first run of the new
  session until the student's next action. A browser that reconnects names its earlier
  session in the websocket handshake (Streamlit's `Sec-WebSocket-Protocol` header:
  `streamlit, <xsrf token>, <session id>`); a new page load names none.
"""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

NOTE = "Your server changed (it restarted, or another one took over): your saved runs are here."
_SEEN = "mlp_failover_seen"
_NOTE_SHOWN = "mlp_failover_note"


@st.fragment(run_every=timedelta(hours=1))
def _rerun_on_reconnect() -> None:
    """Nothing to draw: the fragment's timer is what makes the browser rerun the app
    when its websocket reconnects (see the module docstring)."""


def came_from_another_session() -> bool:
    """True when this session's browser had a session this server does not know."""
    protocols = st.context.headers.get("Sec-WebSocket-Protocol", "")
    entries = [entry.strip() for entry in protocols.split(",")]
    return len(entries) >= 3 and bool(entries[2])


def watch() -> None:
    """Call in app.py before the page runs, on every run."""
    if _SEEN not in st.session_state:
        st.session_state[_SEEN] = True
        st.session_state[_NOTE_SHOWN] = came_from_another_session()
    if st.session_state[_NOTE_SHOWN]:
        st.info(NOTE, icon=":material/sync_alt:")
    _rerun_on_reconnect()


def page_done() -> None:
    """Call in app.py after the page ran to its end: the note has been read."""
    st.session_state[_NOTE_SHOWN] = False
