"""Per-session state: runs, the current model, what is training, and widget values.

The app's own objects (runs and models, the Train page's settings and link problems,
the Libraries comparison) are reached only through these accessors, so their keys and
shapes are defined in one place. Pages (views/, app.py) never touch `st.session_state`.
The models live here, never in a cache: caches are shared between sessions, models are
not.

Inside mlp_ui, `st.session_state` is touched in three ways only, each key a constant of
the one module that owns it:

1. The app's objects: here, and in the state modules of three areas: `playground_state`
   (the Playground's run and snapshots), `class_state` (the teacher's class, the
   challenge link) and `saved` (this browser's identity, the last save note);
   `classroom` keeps projector mode and the last "Try this" clicked.
2. Widget values, under their widget keys, by the module that draws the widget
   (Streamlit's widget-state API: seeding, clamping and reading them in callbacks):
   `train_settings`, `train_runs`, `runs_table`, `playground_controls`,
   `playground_table`, `playground_view`, `mistakes_view`, `moons_toy`, `lr_toy`,
   `libraries_view`, `your_work`, `train_live` (the runs picked for a chart);
   `widgets.revealed` keeps a toy's reveal button pressed.
3. A page's own small memory, which no other module reads: the Draw pad's example and
   remount count (`draw_view`), the backprop toy's epoch and run (`backprop_toy`), a
   chart's play state (`animation`), the Train page's curves figure (`train_live`), the
   class this session joined (`class_view`), what was said or done after a click
   (`class_train`, `class_teacher`, `your_work`, `failover`, `saved_libraries`).
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import streamlit as st

from mlp_core.config import TrainConfig
from mlp_core.history import History, Status
from mlp_core.network import MLP
from mlp_core.provenance import TrainedOn
from mlp_core.training import Trainer

if TYPE_CHECKING:
    from mlp_compare.runs import Comparison

RUNS_KEY = "mlp_runs"
CURRENT_KEY = "mlp_current_run"
ACTIVE_KEY = "mlp_active_run"
_COUNTER = "mlp_run_counter"
_SETTINGS = "mlp_train_settings"
_UPLOADS = "mlp_uploads"
COMPARISON_KEY = "mlp_library_comparison"
"""The keys of the runs, the current and the training run, the comparison: public so that
tests can read a session's state through AppTest (the accessors need a script run)."""
_LINK_PROBLEMS = "mlp_train_link_problems"
TRAINED_HERE = "trained in this session"
"""`Run.source` of a run this server trained (else "loaded from ...", or a saved run's)."""


@dataclass
class Run:
    """One model of this session: trained here (with its Trainer) or uploaded."""

    id: int
    name: str
    model: MLP
    history: History
    config: TrainConfig | None = None
    trainer: Trainer | None = None
    source: str = TRAINED_HERE
    data: str = ""  # which data it was trained on
    trained_on: TrainedOn | None = None  # which digits it learned from, when known
    test_acc: float | None = None  # on `test_on`, digits it never trained on
    test_on: str = ""  # names those digits, or says why there is no test accuracy
    created: float = field(default_factory=time.time)
    # Its row in the database (mlp_ui.saved): None until the first save.
    saved_id: int | None = None
    checkpoint: bytes | None = None  # a saved run's training checkpoint, until Continue
    starred: bool = False
    backend: str = ""  # which back-end trained it, for a run saved earlier (no Trainer)
    saved_exact: bool = True  # and whether that back-end was exact (`Backend.exact`)
    saved_at: float = 0.0  # time.monotonic() of the last save attempt
    trained_at: float = 0.0  # time.monotonic() at the end of its last training slice
    unsaved: bool = False  # the last save failed: the next one tries again
    # One save of this run at a time: each takes the run's state when it gets this lock,
    # so an older state never overwrites a newer one (two script runs may both save).
    save_lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    # Held while the trainer steps or its state changes. Streamlit's fast reruns start
    # the next script run at once, while the old one finishes its current step in its
    # own thread: without the lock both could touch the same model.
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

    @property
    def architecture(self) -> str:
        return "-".join(map(str, self.model.sizes))

    @property
    def exact(self) -> bool:
        """Whether every minibatch ran mlp_core's own step, so that re-training it gives the
        same bits (mlp_core.training.Backend.exact); True for a model loaded from a file."""
        return self.trainer.backend.exact if self.trainer is not None else self.saved_exact

    @property
    def label(self) -> str:
        acc = f", test {self.test_acc:.2%} on {self.test_on}" if self.test_acc is not None else ""
        return f"#{self.id} {self.name} ({self.architecture}{acc})"


def runs() -> dict[int, Run]:
    """All runs of this session, by id, oldest first."""
    return st.session_state.setdefault(RUNS_KEY, {})


def add_run(name: str, model: MLP, history: History | None = None, **kwargs) -> Run:
    """Register a new run and make it the current model."""
    counter = st.session_state.setdefault(_COUNTER, itertools.count(1))
    run_id = max(next(counter), max(runs(), default=0) + 1)  # beyond the saved runs too
    run = Run(run_id, name, model, history or History(), **kwargs)
    runs()[run.id] = run
    set_current(run.id)
    return run


def delete_run(run_id: int) -> None:
    runs().pop(run_id, None)
    if st.session_state.get(ACTIVE_KEY) == run_id:
        set_active(None)
    if st.session_state.get(CURRENT_KEY) == run_id:
        st.session_state[CURRENT_KEY] = max(runs(), default=None)


def restore_run(run: Run) -> None:
    """Put a run saved earlier back in the session, in run-number order."""
    found = runs()
    found[run.id] = run
    ordered = dict(sorted(found.items()))
    found.clear()
    found.update(ordered)


def renumber(old: int, new: int) -> None:
    """Give run `old` the number `new` (the database's, when another tab took `old`)."""
    found = runs()
    if old not in found or new in found:
        return
    run = found.pop(old)
    run.id = new
    restore_run(run)
    for key in (CURRENT_KEY, ACTIVE_KEY):
        if st.session_state.get(key) == old:
            st.session_state[key] = new


def clear_runs() -> None:
    """Forget every run of the session (Forget me, or another student's work moved here)."""
    set_active(None)
    runs().clear()
    set_current(None)


def get_run(run_id: int | None) -> Run | None:
    return runs().get(run_id) if run_id is not None else None


def current_run() -> Run | None:
    """The run the other pages use as 'the current model'."""
    return get_run(st.session_state.get(CURRENT_KEY))


def set_current(run_id: int | None) -> None:
    st.session_state[CURRENT_KEY] = run_id


def active_run() -> Run | None:
    """The run the Train page is training (it pauses when the page is left)."""
    return get_run(st.session_state.get(ACTIVE_KEY))


def set_active(run_id: int | None) -> None:
    st.session_state[ACTIVE_KEY] = run_id


def pause_active() -> Run | None:
    """Mark the run being trained as paused (the Train page was left) -> that run."""
    run = active_run()
    if run is not None and run.trainer is not None:
        with run.lock:  # waits for a step still running in the previous script run
            if not run.trainer.finished:
                run.history.status = Status.STOPPED
                run.history.message = "paused when you left the Train page; press Continue"
    set_active(None)
    return run


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
    return st.session_state.get(COMPARISON_KEY)


def set_comparison(value: Comparison | None) -> None:
    st.session_state[COMPARISON_KEY] = value


def pause_comparison() -> None:
    """Mark the side-by-side runs stopped (the Libraries page was left); they are kept."""
    found = comparison()
    if found is not None and found.status is Status.RUNNING:
        with found.lock:  # waits for a slice still running in the previous script run
            if found.status is Status.RUNNING:
                found.status = Status.STOPPED


# -- the Train page's link problems ----------------------------------------------------
def link_problems() -> list[str]:
    """What the link the Train page was opened with asked for and could not have."""
    return st.session_state.get(_LINK_PROBLEMS, [])


def set_link_problems(problems: list[str]) -> None:
    st.session_state[_LINK_PROBLEMS] = problems


# -- widget values ----------------------------------------------------------------------
def seed_widgets(values: dict[str, Any]) -> None:
    """Give each widget (by key) its first value, unless this session has set one."""
    for key, value in values.items():
        st.session_state.setdefault(key, value)


def widget_value(key: str, default: Any = None) -> Any:
    """The value of the widget with this key (`default` before it has one)."""
    return st.session_state.get(key, default)
