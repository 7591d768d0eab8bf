"""The teacher re-trains a submission on the server: its settings and seed, on the exact
route (`mlp_fast.choose(exact=True)`, the route every challenge run takes), then says
whether the weights equal the saved model's bit for bit, and the private score. A
Playground entry is played again with the Playground's own step on the points its
settings make (`scoring.play_retrain`), scored on the challenge's private points.

A run is the same bits whoever else trains on the server meanwhile; a model that its
settings do not give (edited, trained elsewhere, continued after a reload) is not.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor

import streamlit as st

import mlp_fast
from mlp_class import scoring
from mlp_class.api import ClassStore, Entry, Refused
from mlp_core.challenge import Rules
from mlp_core.config import TrainConfig
from mlp_store import StoreError
from mlp_ui import data as ui_data
from mlp_ui.class_text import plain

_RUNNER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mlp-retrain")
"""One re-training at a time on the server, off the teacher's page: the page (and the
class) goes on while it trains, and a second teacher's request waits its turn."""
_JOBS: dict[tuple[str, int], tuple[float, Future]] = {}  # (class, submission) -> job
_JOBS_LOCK = threading.Lock()
KEPT = 64
"""Finished re-trainings kept for their teachers to read (the oldest go first)."""


def panel(store: ClassStore, code: str, key: str, challenge_id: int, rules: Rules) -> None:
    """One row per submission: who, the board's score, a Re-train button, the outcome;
    while one trains, the rows redraw every second by themselves."""
    entries = store.entries(code, challenge_id)
    if not entries:
        st.caption("No submission yet.")
        return
    st.caption(
        "Trains the submission's settings with its seed on this server, as its student "
        "did, and compares every weight with the saved model's. It takes as long as the "
        "run took, or longer while the class trains; this page stays usable meanwhile."
    )
    busy = any(_job(code, e.id) and not _job(code, e.id)[1].done() for e in entries)
    (_live if busy else _still)(store, code, key, entries, rules)


def _rows(store: ClassStore, code: str, key: str, entries: list[Entry], rules: Rules) -> None:
    for e in entries:
        who, button = st.columns([4, 1], vertical_alignment="center")
        removed = " (removed)" if e.removed else ""
        score = rules.ranked_by.text(e.score)
        who.markdown(f"#{e.id} **{plain(e.name)}**: {score}, {e.epochs} epochs{removed}")
        job = _job(code, e.id)
        running = job is not None and not job[1].done()
        if button.button("Re-train", key=f"class_retrain_{e.id}", disabled=running):
            _start(store, code, key, e, rules)
            st.rerun()  # the whole panel, now with its watch
        if running:
            st.info(f"Re-training #{e.id}: {time.time() - job[0]:.0f} s so far...")
        elif job is not None:
            _outcome(job[1].result(), e, rules)


@st.fragment(run_every=1.0)
def _live(store: ClassStore, code: str, key: str, entries: list[Entry], rules: Rules) -> None:
    """The rows while a re-training runs; once none runs, the page redraws without it."""
    if not any(_job(code, e.id) and not _job(code, e.id)[1].done() for e in entries):
        st.rerun()
    _rows(store, code, key, entries, rules)


@st.fragment
def _still(store: ClassStore, code: str, key: str, entries: list[Entry], rules: Rules) -> None:
    _rows(store, code, key, entries, rules)


def _retrain(*args) -> scoring.Retrained | str:
    """scoring.retrain in the runner's thread; a failure becomes the teacher's line."""
    return _told(scoring.retrain, *args)


def _told(retrain, *args) -> scoring.Retrained | str:
    """`retrain(*args)` in the runner's thread; a failure becomes the teacher's line."""
    try:
        return retrain(*args)
    except Exception as exc:  # noqa: BLE001 (any failure is told to the teacher, not raised)
        return f"Not re-trained: {exc}."


def _job(code: str, submission: int) -> tuple[float, Future] | None:
    with _JOBS_LOCK:
        return _JOBS.get((code, submission))


def _start(store: ClassStore, code: str, key: str, e: Entry, rules: Rules) -> None:
    """Queue the re-training of `e` (the data read here, in the page's own run)."""
    if rules.playground:
        try:
            saved, epochs = store.saved_model(code, key, e.id)
        except (Refused, StoreError) as exc:
            job: Future = Future()
            job.set_result(f"Not re-trained: {exc}.")
        else:
            job = _RUNNER.submit(_told, scoring.play_retrain, saved, epochs, rules)
        _keep(code, e, job)
        return
    try:
        saved, epochs = store.saved_model(code, key, e.id)
        config = TrainConfig.from_dict(e.config)
        data = ui_data.dataset(config.scaling, config.dtype)
        X, y, _ = ui_data.test_half(config.scaling, "private")
    except (Refused, StoreError, TypeError, ValueError) as exc:
        done: Future = Future()
        done.set_result(f"Not re-trained: {exc}.")
        job = done
    else:
        backend = mlp_fast.choose(exact=True)  # the route of every challenge run
        job = _RUNNER.submit(_retrain, saved, epochs, data, X, y, backend)
    _keep(code, e, job)


def _keep(code: str, e: Entry, job: Future) -> None:
    with _JOBS_LOCK:
        _JOBS[(code, e.id)] = (time.time(), job)
        finished = [k for k, (_, f) in _JOBS.items() if f.done()]
        for k in finished[: max(0, len(finished) - KEPT)]:
            del _JOBS[k]


def _outcome(found: scoring.Retrained | str, e: Entry, rules: Rules) -> None:
    if isinstance(found, str):
        st.error(found)
        return
    text, where = rules.ranked_by.text, "private points" if rules.playground else "private half"
    scores = f"{where}: {text(found.score)} re-trained, {text(e.score)} on the board"
    if found.same:
        st.success(
            f"#{e.id}: the same weights, bit for bit ({found.total:,} of {found.total:,} "
            f"parameters); {scores}."
        )
    else:
        st.error(
            f"#{e.id}: not the same weights: {found.total - found.equal:,} of "
            f"{found.total:,} parameters differ (by up to {found.largest:.3g}); {scores}. "
            "Its settings and seed do not give this model on this server."
        )
    st.caption(f"Trained by: {found.trained_by}.")
