"""Per-session state: runs, the current model, and what is training.

Pages reach `st.session_state` only through these accessors, so the keys and the
shape of what is stored are defined in one place. The models live here, never in a
cache: caches are shared between sessions, models are not.
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import streamlit as st

from mlp_core.config import TrainConfig
from mlp_core.network import MLP
from mlp_core.provenance import TrainedOn
from mlp_core.training import History, Status, Trainer

if TYPE_CHECKING:
    from mlp_compare.runs import Comparison

_RUNS = "mlp_runs"
_CURRENT = "mlp_current_run"
_ACTIVE = "mlp_active_run"
_COUNTER = "mlp_run_counter"
_SETTINGS = "mlp_train_settings"
_UPLOADS = "mlp_uploads"
_COMPARISON = "mlp_library_comparison"


@dataclass
class Run:
    """One model of this session: trained here (with its Trainer) or uploaded."""

    id: int
    name: str
    model: MLP
    history: History
    config: TrainConfig | None = None
    trainer: Trainer | None = None
    source: str = "trained in this session"
    data: str = ""  # which data it was trained on
    trained_on: TrainedOn | None = None  # which digits it learned from, when known
    test_acc: float | None = None  # on `test_on`, digits it never trained on
    test_on: str = ""  # names those digits, or says why there is no test accuracy
    created: float = field(default_factory=time.time)
    # Held while the trainer steps or its state changes. Streamlit's fast reruns start
    # the next script run at once, while the old one finishes its current step in its
    # own thread: without the lock both could touch the same model.
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

    @property
    def architecture(self) -> str:
        return "-".join(map(str, self.model.sizes))

    @property
    def label(self) -> str:
        acc = f", test {self.test_acc:.2%} on {self.test_on}" if self.test_acc is not None else ""
        return f"#{self.id} {self.name} ({self.architecture}{acc})"


def runs() -> dict[int, Run]:
    """All runs of this session, by id, oldest first."""
    return st.session_state.setdefault(_RUNS, {})


def add_run(name: str, model: MLP, history: History | None = None, **kwargs) -> Run:
    """Register a new run and make it the current model."""
    counter = st.session_state.setdefault(_COUNTER, itertools.count(1))
    run = Run(next(counter), name, model, history or History(), **kwargs)
    runs()[run.id] = run
    set_current(run.id)
    return run


def delete_run(run_id: int) -> None:
    runs().pop(run_id, None)
    if st.session_state.get(_ACTIVE) == run_id:
        set_active(None)
    if st.session_state.get(_CURRENT) == run_id:
        st.session_state[_CURRENT] = max(runs(), default=None)


def get_run(run_id: int | None) -> Run | None:
    return runs().get(run_id) if run_id is not None else None


def current_run() -> Run | None:
    """The run the other pages use as 'the current model'."""
    return get_run(st.session_state.get(_CURRENT))


def set_current(run_id: int | None) -> None:
    st.session_state[_CURRENT] = run_id


def active_run() -> Run | None:
    """The run the Train page is training (it pauses when the page is left)."""
    return get_run(st.session_state.get(_ACTIVE))


def set_active(run_id: int | None) -> None:
    st.session_state[_ACTIVE] = run_id


def pause_active() -> None:
    """Mark the run being trained as paused (the Train page was left)."""
    run = active_run()
    if run is not None and run.trainer is not None:
        with run.lock:  # waits for a step still running in the previous script run
            if not run.trainer.finished:
                run.history.status = Status.STOPPED
                run.history.message = "paused when you left the Train page; press Continue"
    set_active(None)


def train_settings() -> TrainConfig | None:
    """The Train page's last valid settings (restored when the page is opened again)."""
    return st.session_state.get(_SETTINGS)


def set_train_settings(config: TrainConfig) -> None:
    st.session_state[_SETTINGS] = config


def uploads() -> dict[str, tuple[bool, str]]:
    """Uploaded model files already handled: file id -> (loaded?, the message shown)."""
    return st.session_state.setdefault(_UPLOADS, {})


def comparison() -> Comparison | None:
    """The Libraries page's side-by-side runs (mlp_compare.runs.Comparison), if any."""
    return st.session_state.get(_COMPARISON)


def set_comparison(value: Comparison | None) -> None:
    st.session_state[_COMPARISON] = value


def pause_comparison() -> None:
    """Mark the side-by-side runs stopped (the Libraries page was left); they are kept."""
    found = comparison()
    if found is not None and found.status is Status.RUNNING:
        with found.lock:  # waits for a slice still running in the previous script run
            if found.status is Status.RUNNING:
                found.status = Status.STOPPED
