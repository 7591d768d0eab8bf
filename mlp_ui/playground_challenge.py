"""The Playground page in a class challenge: a line naming the challenge and its rules,
the fixed settings applied and locked, "Submit to the board" under a paused run (or
submitted by itself when Play stops at the challenge's epochs or training seconds, if the
teacher chose so), and how far the run is, for the teacher's view.

The run submitted is this session's, trained by the server on the points its settings
make: the server checks it against the rules (mlp_core.challenge.broken_play) and scores
its model file on the challenge's private points (mlp_core.play_holdout), never a number
or a file the browser sends. An MNIST challenge is the Train page's (mlp_ui.class_train).
"""

from __future__ import annotations

import contextlib
import time
import weakref
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import streamlit as st

from mlp_class import scoring
from mlp_class.api import ClassStore
from mlp_core.challenge import PlayEvidence, Rules, broken_play
from mlp_core.play_holdout import N_PRIVATE
from mlp_core.playground import PlaygroundRun
from mlp_store import Identity, StoreError, Unavailable
from mlp_ui import class_state, class_train
from mlp_ui import playground_state as state
from mlp_ui.class_text import plain

_SENT = "mlp_play_sent"  # run -> {epoch: the line said when it was submitted (or refused)}
_PROGRESS_AT = "mlp_play_progress_at"


CLOCK = (
    " Training seconds are the server's time spent training your run (as on the Train "
    "page): the clock stops while it is paused, waits for its turn or is drawn. Play "
    "stops at the limit."
)


def current() -> dict | None:
    """The Playground challenge this session follows (None: none, or an MNIST one)."""
    return class_train.followed(playground=True)


def rules() -> Rules | None:
    found = current()
    return found["rules"] if found else None


def locked() -> frozenset[str]:
    """The Playground settings the challenge fixes."""
    return class_train.fixed(current())


def query() -> dict[str, str]:
    """The URL keys that keep the challenge on the page's link (none outside one)."""
    return class_state.challenge_query() if current() else {}


def banner() -> None:
    """One line naming the challenge, its data, rules and measure (nothing outside one)."""
    found = current()
    if found is None:
        return
    r = found["rules"]
    better = "lower is better" if r.ranked_by.lower_is_better else "higher is better"
    st.info(
        f"Class challenge ({'open' if found['open'] else 'closed'}): "
        f"**{plain(found['title'])}**. Rules: {plain('; '.join(r.lines()))}. Ranked by "
        f"{r.measure} on {N_PRIVATE:,} private points ({better}). Locked settings cannot "
        "be changed here." + (CLOCK if r.max_seconds else "")
    )


def evidence(run: PlaygroundRun) -> PlayEvidence:
    """What the server knows of this session's run: its own settings, network, epochs
    and training seconds; made by this server from the points its settings make."""
    return PlayEvidence(run.config, run.model.sizes, run.epoch, run.seconds, True)


def _problems(pg: state.Playground, r: Rules) -> list[str]:
    run = pg.run
    if run is None or run.epoch == 0:
        return ["only a trained run can be submitted: press Play or Step first"]
    if pg.playing:
        return ["pause it first: a run is submitted as it stands when paused"]
    out = broken_play(r, evidence(run))
    if run.retuned:
        out.append(
            "its learning rate, regularisation or batch size changed while it trained, so "
            "the teacher could not train it again the same way: press Reset and play it "
            "with one setting"
        )
    if run.undone:
        out.append(
            "an epoch of it went infinite and was undone, so the teacher could not train it "
            "again the same way: press Reset and play it with a lower learning rate"
        )
    return out


def submit(pg: state.Playground) -> str:
    """Check, score and submit this session's run; the line to show."""
    found, link = current(), class_state.challenge()
    if found is None or link is None:
        return "No challenge: open a challenge link from the Class page first."
    with pg.lock:
        if problems := _problems(pg, found["rules"]):
            return "Refused: " + "; ".join(problems) + "."
        run = pg.run
        try:
            entry = scoring.play_entry(run.model, evidence(run), run.curves, found["rules"])
        except ValueError as exc:
            return f"Refused: {exc}."
    return class_train.send(
        link,
        entry,
        f"Submitted: the server scored it on {N_PRIVATE:,} private points of the "
        "challenge's data, which no page shows. See the Board.",
    )


def submit_panel() -> None:
    """'Submit to the board' for the current run, and what became of it."""
    found = current()
    pg = state.playground()
    if found is None or pg.run is None:
        return
    # by the run itself (an id could come back for a later run): gone with the run
    sent = st.session_state.setdefault(_SENT, weakref.WeakKeyDictionary()).setdefault(pg.run, {})
    now, stopped = pg.run.epoch, pg.stopped_at
    if found["auto_submit"] and stopped == (pg.run, now) and now not in sent:
        sent[now] = submit(pg)  # it stopped by itself (the challenge's epochs or seconds)
    if st.button(
        "Submit to the board",
        key="pg_class_submit",
        icon=":material/leaderboard:",
        disabled=not found["open"],
        help="The server checks the rules and scores this network on private points",
    ):
        sent[now] = submit(pg)
    if line := sent.get(now):
        (st.success if line.startswith("Submitted") else st.error)(line)


def progress(run: PlaygroundRun) -> None:
    """Note how far the run is (at most every class_train.PROGRESS_EVERY s), for the
    teacher's view. Called every frame: the clock is read first, the challenge only then."""
    now = time.monotonic()
    if now - st.session_state.get(_PROGRESS_AT, -1e9) < class_train.PROGRESS_EVERY:
        return
    st.session_state[_PROGRESS_AT] = now
    found, link = rules(), class_state.challenge()
    store = class_state.store() if found is not None else None
    if store is None or link is None:
        return
    with contextlib.suppress(StoreError):  # the teacher's view misses one note; play goes on
        store.report_progress(link[0], class_state.me(), run.epoch, found.max_epochs)


NOTES = ThreadPoolExecutor(max_workers=1, thread_name_prefix="playground-progress")
"""The live channel's progress notes go to the database here, never on a frame's way."""


@dataclass
class Progress:
    """The live channel's note of how far a challenge's run is, for the teacher's view: the
    frames have no session, so the page gives them this (`reporter`) with the store, the
    class and the browser's identity it read. At most every class_train.PROGRESS_EVERY s;
    a note the database refuses is skipped (play goes on)."""

    store: ClassStore
    code: str
    owner: Identity
    of: int
    _at: float = field(default=-1e9, repr=False)

    def __call__(self, epochs: int) -> None:
        now = time.monotonic()
        if now - self._at < class_train.PROGRESS_EVERY:
            return
        self._at = now
        NOTES.submit(self._note, epochs)

    def _note(self, epochs: int) -> None:
        with contextlib.suppress(StoreError):
            self.store.report_progress(self.code, self.owner, epochs, self.of)


def reporter() -> Progress | None:
    """The progress note for the live channel's frames (None: not in a challenge, or no
    database now)."""
    found, link = rules(), class_state.challenge()
    store = class_state.store() if found is not None else None
    if store is None or link is None:
        return None
    try:
        return Progress(store, link[0], class_state.me(), found.max_epochs)
    except Unavailable:
        return None
