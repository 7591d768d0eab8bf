"""The Train page in a class challenge: the rules applied and the fixed settings locked,
a line naming the challenge, "Submit to the board" under a finished run (or submitted by
itself when the teacher chose so), and how far the run is, for the teacher's view.

The run submitted is the one in this session, trained by the server: the server checks
it against the rules (mlp_core.challenge.broken) and scores its model on the private half
of the test digits (mlp_core.holdout), never a number or a file the browser sends.
"""

from __future__ import annotations

import contextlib
import time

import streamlit as st

from mlp_class import scoring
from mlp_class.api import Refused
from mlp_core.challenge import Evidence, Rules, broken
from mlp_core.config import TrainConfig
from mlp_core.history import Status
from mlp_store import StoreError
from mlp_ui import class_state, state
from mlp_ui import data as ui_data
from mlp_ui.class_text import plain

FINISHED = (Status.DONE, Status.EARLY_STOPPED, Status.STOPPED)
_SENT = "mlp_class_sent"  # run id -> the line said when it was submitted (or refused)
_PROGRESS_AT = "mlp_class_progress_at"
PROGRESS_EVERY = 4.0
"""Seconds between two progress notes of a training run (the teacher's view, which calls a
note older than class_teacher.TRAINING_NOTE_SECONDS, 10 s, not training). Each note is a
database write: every 2 s it was one at each redraw, ~750 in a class of thirty."""


@st.cache_data(ttl=5, max_entries=256, show_spinner=False)
def challenge_data(code: str, cid: int) -> dict | None:
    """Challenge `cid` of class `code`, shared by every session for 5 s (None: not found)."""
    found = class_state.store()
    try:
        return found.challenge(code, cid) if found else None
    except (Refused, StoreError):
        return None


def followed(playground: bool | None = None) -> dict | None:
    """The challenge this session follows: of either kind, or only a Playground one
    (`playground=True`) or only an MNIST one (False); None: none, not found, other kind."""
    link = class_state.challenge()
    found = challenge_data(*link) if link else None
    if found is None or playground is None:
        return found
    return found if found["rules"].playground == playground else None


def fixed(found: dict | None) -> frozenset[str]:
    """The settings challenge `found` fixes (none outside a challenge)."""
    return frozenset(found["rules"].fixed) if found else frozenset()


def current() -> dict | None:
    """The MNIST challenge this session's Train page is in (None: none, not found, or a
    Playground challenge: mlp_ui.playground_challenge has those)."""
    return followed(playground=False)


def rules() -> Rules | None:
    found = current()
    return found["rules"] if found else None


def locked() -> frozenset[str]:
    """The Train settings the challenge fixes."""
    return fixed(current())


def apply(config: TrainConfig) -> TrainConfig:
    found = rules()
    return found.apply(config) if found else config


def banner() -> None:
    """One line naming the challenge and its rules (nothing outside a challenge)."""
    found = followed()
    if found is None:
        if class_state.challenge():
            st.warning("This link's challenge was not found: it may have been deleted.")
        return
    if found["rules"].playground:
        st.info(
            f"Your class challenge **{plain(found['title'])}** is played on the "
            "Playground page: open it from the Class page's Play link."
        )
        return
    state_word = "open" if found["open"] else "closed"
    st.info(
        f"Class challenge ({state_word}): **{plain(found['title'])}**. Rules: "
        + "; ".join(found["rules"].lines())
        + ". Locked settings cannot be changed here."
    )


def evidence(run: state.Run) -> Evidence:
    """What the server knows of a run of this session."""
    config = run.trainer.config if run.trainer is not None else run.config
    # the server wrote this source (a saved run keeps it); a file's run is "loaded from ..."
    here = run.source == state.TRAINED_HERE
    seconds = sum(e.seconds for e in run.history.epochs)
    epochs = len(run.history.epochs)
    return Evidence(config or TrainConfig(), run.model.sizes, epochs, seconds, here, run.trained_on)


def _problems(run: state.Run, found: dict) -> list[str]:
    if run.history.status not in FINISHED or not run.history.epochs:
        return ["only a finished run can be submitted"]
    data = ui_data.dataset(evidence(run).config.scaling, "float32")
    out = broken(found["rules"], evidence(run), data.kind)
    if not run.exact:
        out.append(
            "this run was trained before the challenge was opened (by the two-process "
            "split, which cannot be re-trained bit for bit): train it from the challenge link"
        )
    return out


def submit(run: state.Run) -> str:
    """Check, score and submit `run`; the line to show."""
    found, link = current(), class_state.challenge()
    if found is None or link is None:
        return "No challenge: open a challenge link from the Class page first."
    if problems := _problems(run, found):
        return "Refused: " + "; ".join(problems) + "."
    run_evidence = evidence(run)
    X, y, _ = ui_data.test_half(run_evidence.config.scaling, "private")
    entry = scoring.entry(run.model, run_evidence, run.history, X, y)
    done = "Submitted: the server scored it on the private half of the test digits. See the Board."
    return send(link, entry, done)


def send(link: tuple, entry, done: str) -> str:
    """Put a scored `entry` on the board of the challenge `link` names, as this browser's
    student: `done`, or the line that says why not (the Train page's and the Playground's
    Submit both end here)."""
    try:
        found_store = class_state.store()
        if found_store is None:
            return "Not submitted: the database is not usable now; try again in a minute."
        found_store.submit(link[0], link[1], class_state.me(), entry)
    except (Refused, StoreError) as exc:
        return f"Refused: {exc}."
    return done


def submit_panel(run: state.Run) -> None:
    """'Submit to the board' under the current run, and what became of it."""
    if current() is not None:
        _submit_fragment(run.id)


@st.fragment
def _submit_fragment(run_id: int) -> None:
    """The button and its line, a fragment: a click reruns only this, not the whole Train
    page (~50 ms of the server's interpreter, thirty times when a class submits)."""
    found, run = current(), state.get_run(run_id)
    if found is None or run is None:
        return
    sent = st.session_state.setdefault(_SENT, {})
    if found["auto_submit"] and run.id not in sent and run.history.status in FINISHED:
        sent[run.id] = submit(run)
    if st.button("Submit to the board", key=f"class_submit_{run.id}", disabled=not found["open"]):
        sent[run.id] = submit(run)
    if line := sent.get(run.id):
        (st.success if line.startswith("Submitted") else st.error)(line)


def progress(run: state.Run) -> None:
    """Note how far the run is (at most every PROGRESS_EVERY s), for the teacher's view."""
    link = class_state.challenge()
    now = time.monotonic()
    if link is None or now - st.session_state.get(_PROGRESS_AT, -1e9) < PROGRESS_EVERY:
        return
    st.session_state[_PROGRESS_AT] = now
    trainer, found = run.trainer, class_state.store()
    if trainer is None or found is None:
        return
    done = None if trainer.finished else trainer.epoch + trainer.progress
    with contextlib.suppress(StoreError):  # the teacher's view misses one note; training goes on
        found.report_progress(link[0], class_state.me(), done, trainer.target_epochs)
