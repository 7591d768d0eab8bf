"""A session's place in a class: the store, who this browser is, the teacher's key, and
the challenge a page was opened for (`?class=CODE&challenge=ID`, kept in the URL).

Identity: the saved-work identity of this browser (mlp_ui.saved: a secret in a cookie,
hashed on the server), so a reload, a new tab or another replica is the same student.
"""

from __future__ import annotations

import ipaddress

import streamlit as st

from mlp_class.api import ClassStore
from mlp_class.words import read_code
from mlp_store import Identity, Unavailable
from mlp_ui import saved

TEACHER_KEY = "mlp_class_teacher"
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
    """The browser's address for the join limit, or '' (a browser on this machine: the
    limit is then per identity only). Behind a proxy on this machine or the local network
    (deploy/haproxy.cfg's `option forwardfor`), the address in the last X-Forwarded-For
    header, the one the proxy added: else every student would share the proxy's address
    (Streamlit gives None for 127.0.0.1), and a browser's own header would be believed."""
    ip = str(st.context.ip_address or "")
    forwarded = st.context.headers.get_all("X-Forwarded-For")
    if forwarded and (not ip or _private(ip)):
        return forwarded[-1].split(",")[-1].strip()[:64]
    return ip


def _private(ip: str) -> bool:
    try:
        found = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return found.is_loopback or found.is_private


TEACHER_COOKIE = "mlp_lab_teacher"
"""The teacher's class code and key, kept in the teacher's browser (never in a URL)."""
TEACHER_DAYS = 180
_TEACHER_JS = """
export default function ({ data }) {
  if (!data) return;
  const secure = location.protocol === "https:" ? "; Secure" : "";
  document.cookie = data.name + "=" + data.value + "; Path=/; Max-Age=" + data.maxAge +
    "; SameSite=Strict" + secure;
}
"""
_teacher_cookie = st.components.v2.component("mlp_lab_teacher_cookie", js=_TEACHER_JS)


def teacher() -> tuple[str, str] | None:
    """(class code, teacher key) of this browser's class: this session's, else the
    browser's cookie (a reload, a new tab, the next lesson)."""
    if TEACHER_KEY not in st.session_state:
        code, _, key = str(st.context.cookies.get(TEACHER_COOKIE) or "").partition(".")
        st.session_state[TEACHER_KEY] = (code, key) if code and key else None
    return st.session_state[TEACHER_KEY]


def set_teacher(code: str | None, key: str = "") -> None:
    """Open (or with None, forget) a class as its teacher, in this browser."""
    code = read_code(code or "")
    st.session_state[TEACHER_KEY] = (code, key) if code and key else None
    st.session_state[TEACHER_KEY + "_write"] = True


def keep_teacher() -> None:
    """Write the teacher's cookie (or clear it) after `set_teacher`: call on every run of
    the Class page; the browser's copy is rewritten until the session ends."""
    if not st.session_state.get(TEACHER_KEY + "_write"):
        return
    found = teacher()
    value, days = (f"{found[0]}.{found[1]}", TEACHER_DAYS) if found else ("", 0)
    data = {"name": TEACHER_COOKIE, "value": value, "maxAge": days * 86400}
    _teacher_cookie(data=data, key="mlp_teacher_cookie")


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
