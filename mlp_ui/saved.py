"""Students' work saved as it happens: who this browser is, and the saves the pages make.

The browser's identity is a secret (mlp_store.identity) in a cookie set by a small
component of ours (never in the URL) and read back with `st.context.cookies` when a
session starts: a reload, a new tab, a restart or another replica find the same student.
The identity row is created at the first save, so a visit that saves nothing leaves
nothing behind.

Saves go through this module only: a run when it starts, after a slice while it trains
(at most as often as its curves are redrawn), when it ends, stops, diverges, is reset or
continued; a Playground snapshot; a Libraries comparison kept. When the database cannot
be reached or a limit is met, `note()` says so in one line, the work stays in the session
(`Run.unsaved`), and the next save tries again. What a saved run holds, and how it
becomes a session's run again: mlp_ui.saved_runs.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import streamlit as st

import mlp_store as ms
from mlp_core.history import Status
from mlp_ui import saved_runs, state

COOKIE = "mlp_lab_key"
COOKIE_DAYS = 400  # the longest a browser keeps a cookie (Chromium caps Max-Age there)
ME_KEY = "mlp_saved_me"
_NOTE = "mlp_saved_note"
_log = logging.getLogger(__name__)

_COOKIE_JS = """
export default function ({ data }) {
  if (!data || !data.value) return;
  const name = data.name + "=";
  const existing = document.cookie.split("; ").find((c) => c.startsWith(name));
  if (existing && !data.replace) return;  // another tab set it first: keep that one
  const secure = location.protocol === "https:" ? "; Secure" : "";
  document.cookie = name + data.value + "; Path=/; Max-Age=" + data.maxAge +
    "; SameSite=Strict" + secure;
}
"""
_cookie_setter = st.components.v2.component("mlp_lab_identity_cookie", js=_COOKIE_JS)


@dataclass
class Me:
    """This session's student: the browser's secret, its identity once known."""

    secret: str
    in_browser: bool  # the browser already holds this secret
    identity: ms.Identity | None = None
    loaded: bool = False  # the saved runs are in the session
    replace: bool = False  # the cookie must be replaced (after a transfer code)


RETRY_EVERY = 10.0
"""Seconds between two tries to save a run after a failed save (a connection attempt to a
database that is away may take CONNECT_SECONDS, which training should not pay per slice)."""
HOUSEKEEPING_EVERY = 86400.0  # seconds between two clean-ups by one server process
_housekept = {"at": float("-inf")}
_down: dict[str, tuple[float, str]] = {}  # database URL -> (away until, why)
_housekeeping = threading.Lock()


def store() -> ms.Store | None:
    """The database, or None (with a note) when it cannot be opened now. Once a day per
    process it also deletes expired transfer codes and orphan identities."""
    until, why = _down.get(ms.database_url(), (float("-inf"), ""))
    if time.monotonic() < until:  # away a moment ago: no new wait for it yet
        note(f"Your work is not being saved: {why}. It is kept in this tab meanwhile.")
        return None
    try:
        db = ms.open_store()
    except ms.StoreError as exc:
        went_away(exc)
        return None
    if time.monotonic() - _housekept["at"] > HOUSEKEEPING_EVERY and _housekeeping.acquire(False):
        try:
            _housekept["at"] = time.monotonic()
            ms.housekeeping(db)
        except ms.StoreError:
            pass  # tried again tomorrow; the saves themselves say if the database is down
        finally:
            _housekeeping.release()
    return db


def went_away(exc: ms.StoreError) -> None:
    """The database failed to answer: say so, and ask it again only after RETRY_EVERY s
    (each try may wait CONNECT_SECONDS for a connection)."""
    if isinstance(exc, ms.Unavailable):
        _down[ms.database_url()] = (time.monotonic() + RETRY_EVERY, str(exc))
    note(f"Your work is not being saved: {exc}. It is kept in this tab meanwhile.")


def note(text: str | None) -> None:
    """The one line the pages show about saving (None: all is saved)."""
    st.session_state[_NOTE] = text


def current_note() -> str | None:
    return st.session_state.get(_NOTE)


def me() -> Me:
    """This session's student, from the browser's cookie or a new secret."""
    found = st.session_state.get(ME_KEY)
    if found is None:
        cookie = st.context.cookies.get(COOKIE)
        try:
            ms.identity.key_hash(cookie or "")
            found = Me(cookie, in_browser=True)
        except ms.Refused:  # none yet, or not one of ours: a fresh secret
            found = Me(ms.new_secret(), in_browser=False)
        st.session_state[ME_KEY] = found
    return found


def who(create: bool = False) -> ms.Identity | None:
    """The student's identity in the database (made at the first save with `create`)."""
    mine = me()
    if mine.identity is None and (db := store()) is not None:
        try:
            mine.identity = ms.identity_for(db, mine.secret, create=create)
        except ms.StoreError as exc:
            went_away(exc)
    return mine.identity


def open_session() -> None:
    """At every script run: make sure the browser keeps the secret, and load the saved
    runs into the session once (retried on the next run if the database is down)."""
    mine = me()
    if not mine.in_browser or mine.replace:
        _cookie_setter(
            data={
                "name": COOKIE,
                "value": mine.secret,
                "maxAge": COOKIE_DAYS * 86400,
                "replace": mine.replace,
            },
            key="mlp_identity_cookie",
        )
    if mine.loaded or (db := store()) is None:
        return
    try:
        if mine.identity is None:
            mine.identity = ms.identity_for(db, mine.secret)
        if mine.identity is not None:
            _load_runs(db, mine.identity)
    except ms.StoreError as exc:
        went_away(exc)
        return
    mine.loaded = True


def _load_runs(db: ms.Store, identity: ms.Identity) -> None:
    known = {r.saved_id for r in state.runs().values() if r.saved_id is not None}
    for summary in ms.runs_of(db, identity):
        if summary.id not in known:
            # A page a reload replaced saves its last slice as it stops: wait for that.
            busy = summary.status == Status.RUNNING.value and training_elsewhere(
                summary.id, wait=LEAVING_SECONDS
            )
            run = saved_runs.to_run(ms.load_run(db, identity, summary.id))
            if busy:
                run.history.message = ELSEWHERE
            state.restore_run(run)
    if state.current_run() is None and state.runs():
        state.set_current(max(state.runs()))


# -- runs a script of this server process is training now --------------------------
# A reload stops the old page's script at its next element (it saves once more as it
# stops); a second tab of the same browser, on the same replica (sticky sessions), may
# be training the run while this one loads it. Two trainers of one saved run would
# overwrite each other's saves, so Continue is refused while another tab trains it.
_live: dict[int, tuple[state.Run, int]] = {}  # saved id -> (the Run training, scripts)
_live_changed = threading.Condition()
LEAVING_SECONDS = 1.5
"""How long a page that loads waits for the page it replaced (a reload) to stop training."""
ELSEWHERE = (
    "training in another tab of this browser: follow it there, or stop it there and "
    "press Continue here"
)


@contextmanager
def training(run: state.Run) -> Iterator[None]:
    """Around a script run's training of `run`: other sessions see it is being trained."""
    key = run.saved_id
    if key is not None:
        with _live_changed:
            held, count = _live.get(key, (run, 0))
            _live[key] = (run, count + 1) if held is run else (run, 1)
    try:
        yield
    finally:
        if key is not None:
            with _live_changed:
                held, count = _live.get(key, (None, 0))
                if held is run and count > 1:
                    _live[key] = (run, count - 1)
                elif held is run:
                    del _live[key]
                _live_changed.notify_all()


def training_elsewhere(
    saved_id: int | None, mine: state.Run | None = None, wait: float = 0.0
) -> bool:
    """Whether a session of this process other than the one holding `mine` is training
    the saved run `saved_id` (waiting up to `wait` seconds for it to stop, as the page a
    reload replaced does)."""
    if saved_id is None:
        return False

    def free() -> bool:
        held = _live.get(saved_id)
        return held is None or held[0] is mine

    with _live_changed:
        return not _live_changed.wait_for(free, timeout=wait)


def refresh(run: state.Run) -> None:
    """Bring a saved run no Trainer holds up to its newest save, before it is continued:
    the page before a reload may have saved a slice more after this session loaded it.
    Left as it is when the database cannot say."""
    if run.saved_id is None or run.trainer is not None or run.unsaved:
        return
    identity, db = who(), store()
    if identity is None or db is None:
        return
    try:
        newest = saved_runs.to_run(ms.load_run(db, identity, run.saved_id))
    except (ms.StoreError, ValueError):  # ModelFileError is a ValueError
        return
    run.model, run.history, run.config = newest.model, newest.history, newest.config
    run.checkpoint = newest.checkpoint


def trained(run: state.Run) -> None:
    """Note that `run` trained a slice just now (see `behind`)."""
    run.trained_at = time.monotonic()


def behind(run: state.Run) -> bool:
    """Whether `run` trained since its last save began."""
    return run.saved_at < run.trained_at


def save(run: state.Run, every: float = 0.0) -> None:
    """Save the run now, or skip if it was saved less than `every` seconds ago (a run that
    is training); a failure is noted and retried by the next save."""
    wait = max(every, RETRY_EVERY) if every and run.unsaved else every
    if wait and time.monotonic() - run.saved_at < wait:
        return  # while the database is away, a training run tries every RETRY_EVERY s
    run.saved_at = time.monotonic()
    identity, db = who(create=True), store()
    if identity is None or db is None:
        run.unsaved = True
        return
    try:
        with run.save_lock:
            done = _save_once(db, identity, run)
    except ms.StoreError as exc:
        run.unsaved = True
        if isinstance(exc, ms.Unavailable):
            _down[ms.database_url()] = (time.monotonic() + RETRY_EVERY, str(exc))
        note(f"Not saved: {exc}. Training goes on; the run is kept in this tab and saved later.")
        return
    except Exception as exc:  # noqa: BLE001 (a bug in saving must not end the student's run)
        run.unsaved = True
        _log.exception("run %s: saving failed", run.id)
        note(
            f"Not saved: an unexpected error ({type(exc).__name__}). Training goes on; "
            "the run is kept in this tab and saved later."
        )
        return
    run.unsaved = False
    note(None)
    if done.run.number != run.id:
        state.renumber(run.id, done.run.number)
    for number in done.dropped:
        if (gone := state.get_run(number)) is not None and gone is not run:
            state.delete_run(number)
    if done.dropped:
        listed = ", ".join(f"#{n}" for n in done.dropped)
        note(f"Run {listed} let go: you keep {ms.MAX_RUNS} runs; star a run to keep it.")


def _save_once(db: ms.Store, identity: ms.Identity, run: state.Run) -> ms.Saved:
    rec = saved_runs.record(run)  # its model file and checkpoint written by this server
    try:
        done = ms.save_run(db, identity, rec, run.saved_id, written_here=True)
    except ms.NotFound:  # deleted in another tab meanwhile: saved again as new
        done = ms.save_run(db, identity, rec, written_here=True)
    run.saved_id = done.run.id
    return done


def retry_unsaved() -> None:
    """Save the runs a failure left unsaved (called once a page run)."""
    for run in list(state.runs().values()):
        if run.unsaved and state.active_run() is not run:
            save(run, every=RETRY_EVERY)


def delete(run: state.Run) -> None:
    """Delete a run from the session and the database."""
    if run.saved_id is not None and (identity := who()) is not None and (db := store()):
        try:
            ms.delete_run(db, identity, run.saved_id)
        except ms.NotFound:
            pass  # gone already (another tab)
        except ms.StoreError as exc:
            note(f"Not deleted from the database: {exc}.")
            return
    state.delete_run(run.id)


def set_star(run: state.Run, starred: bool) -> None:
    if run.saved_id is None:
        save(run)
    if run.saved_id is None or (identity := who()) is None or (db := store()) is None:
        return
    try:
        ms.star(db, identity, run.saved_id, starred)
        run.starred = starred
    except ms.StoreError as exc:
        note(f"Not starred: {exc}.")


def transfer_code() -> str | None:
    """A one-time code for "Continue on another device" (None, with a note, if not now)."""
    identity, db = who(create=True), store()
    if identity is None or db is None:
        return None
    try:
        return ms.transfer_code(db, identity)
    except ms.StoreError as exc:
        note(f"No code now: {exc}.")
        return None


def redeem(code: str) -> str:
    """Use a code from another device: this browser becomes that student -> what happened."""
    identity, db = who(create=True), store()
    if identity is None or db is None:
        return "The database cannot be reached now; try again in a minute."
    try:
        moved, secret = ms.redeem(db, code, identity)
    except ms.StoreError as exc:
        return f"Not moved: {exc}."
    state.clear_runs()
    st.session_state[ME_KEY] = Me(secret, in_browser=False, identity=moved, replace=True)
    return "This browser now continues your work from the other device."


def forget_me() -> str:
    """Delete everything of this student, here and in the database -> what happened."""
    identity, db = who(), store()
    if db is None:
        return "The database cannot be reached now: nothing was deleted; try again later."
    if identity is not None:
        try:
            ms.forget(db, identity)
        except ms.StoreError as exc:
            return f"Nothing was deleted: {exc}."
    state.clear_runs()
    st.session_state[ME_KEY] = Me(ms.new_secret(), in_browser=False, loaded=True, replace=True)
    return "Everything you saved is deleted; this browser starts afresh."
