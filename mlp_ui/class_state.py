"""A session's place in a class: the store, who this browser is, the teacher's key, and
the challenge a page was opened for (`?class=CODE&challenge=ID`, kept in the URL).

Identity: the saved-work identity of this browser (mlp_ui.saved: a secret in a cookie,
hashed on the server), so a reload, a new tab or another replica is the same student.
"""

from __future__ import annotations

import streamlit as st

from mlp_class.api import ClassStore
from mlp_store import Identity, Unavailable
from mlp_ui import saved

_TEACHER = "mlp_class_teacher"
_CHALLENGE = "mlp_class_challenge"
CLASS_KEY, CHALLENGE_KEY = "class", "challenge"
"""URL keys of a challenge link (the code is not secret: it is written on the board)."""


def store() -> ClassStore | None:
    """The class store, or None after saying in one line why the database is unusable."""
    found = saved.store()
    if found is None:
        st.error(f"The class needs the database, which is not usable now: {saved.current_note()}")
        return None
    return ClassStore(found)


def me() -> Identity:
    """This browser's identity (made the first time); Unavailable without a database."""
    found = saved.who(create=True)
    if found is None:
        raise Unavailable("the database cannot be reached: try again in a minute")
    return found


def address() -> str:
    """The browser's address as the server sees it (for the join limit), or ''."""
    ip = getattr(st.context, "ip_address", None)
    return str(ip or "")


def teacher() -> tuple[str, str] | None:
    """(class code, teacher key) this session opened as a teacher."""
    return st.session_state.get(_TEACHER)


def set_teacher(code: str | None, key: str = "") -> None:
    st.session_state[_TEACHER] = (code, key) if code else None


def challenge() -> tuple[str, int] | None:
    """(class code, challenge id) this session follows: the URL's, else the last one."""
    query = st.query_params
    code, cid = query.get(CLASS_KEY), query.get(CHALLENGE_KEY)
    if code and cid and str(cid).isdigit():
        st.session_state[_CHALLENGE] = (str(code)[:16], int(cid))
    return st.session_state.get(_CHALLENGE)


def leave_challenge() -> None:
    st.session_state[_CHALLENGE] = None


def challenge_query() -> dict[str, str]:
    """The URL keys that keep this session's challenge on a page's link."""
    found = st.session_state.get(_CHALLENGE)
    return {CLASS_KEY: found[0], CHALLENGE_KEY: str(found[1])} if found else {}
