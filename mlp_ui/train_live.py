"""The Train page's live view: status, progress bar and curves, and the training loop.

Training runs inside the page's own script: `train_active` calls `Trainer.step` for half a
second at a time and redraws the curves and the progress bar in between. A click or a page
switch ends that script run at its next `st.` call, that is between two steps. With
Streamlit's fast reruns (the default) the next script run starts at once, possibly while
the old one is still inside a step, so every step and every change to a run happens under
the run's lock (`state.Run.lock`): the model is never touched by two threads, and Stop
waits for the step in progress (at most half a second). Stop and leaving the page
(app.py calls `state.pause_active`) mark the run stopped; Continue resumes it from the
same minibatch. Every run stays in the session with its settings and history.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable
from dataclasses import dataclass

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from mlp_core.config import TrainConfig
from mlp_core.training import Status
from mlp_ui import figures, state, theme
from mlp_ui.train_results import score
from mlp_ui.train_settings import widget_key
from mlp_ui.train_text import short_label, status_text


@dataclass(frozen=True)
class Pace:
    """How training is sliced: each slice is one `Trainer.step`, then the progress bar.

    The curves are redrawn after a slice that finished an epoch, but at most every
    `curves_every` seconds: each redraw costs the server a figure and the browser a
    re-render, and epochs of a small network can end several times a second.
    `max_slices` ends a script run after that many slices with the run still active (the
    next script run goes on). Only tests set it: AppTest cannot click while a script runs.
    """

    seconds: float = 0.5
    batches: int | None = None
    max_slices: int | None = None
    curves_every: float = 0.9


PACE = Pace()


@dataclass
class LiveView:
    """Placeholders the training loop redraws, and the runs shown on the chart."""

    status: DeltaGenerator
    progress: DeltaGenerator
    chart: DeltaGenerator
    run_ids: list[int]
    epochs: int | None = None  # the settings' epochs: the empty chart's width


STATUS_KIND = {
    Status.RUNNING: "info",
    Status.READY: "info",
    Status.DONE: "success",
    Status.STOPPED: "warning",
    Status.EARLY_STOPPED: "info",
    Status.DIVERGED: "error",
}


def live_view(config: TrainConfig | None) -> LiveView:
    """Status line, progress bar and curves of the focus run, plus runs picked to compare."""
    view = LiveView(st.empty(), st.empty(), st.empty(), [], config and config.epochs)
    compare = _compare_picker()
    focus = state.active_run() or state.current_run()
    view.run_ids = _unique(([focus.id] if focus else []) + compare)
    draw_status(view)
    draw_progress(view, focus)
    draw_curves(view)
    return view


def _unique(ids: Iterable[int]) -> list[int]:
    return list(dict.fromkeys(ids))


def _compare_picker() -> list[int]:
    runs = state.runs()
    key = widget_key("compare")
    st.session_state[key] = [i for i in st.session_state.get(key, []) if i in runs]
    return st.multiselect(
        "Overlay other runs",
        list(runs),
        key=key,
        format_func=lambda i: short_label(runs[i]),
        placeholder="Pick earlier runs to compare their curves",
        disabled=not runs,
    )


def draw_status(view: LiveView) -> None:
    run = state.active_run() or state.current_run()
    if run is None:
        view.status.info(
            "No run yet: choose settings on the left and press **Start**. "
            "The loss and accuracy curves grow below, one point per epoch."
        )
        return
    status = run.history.status
    getattr(view.status, STATUS_KIND.get(status, "info"))(status_text(run))


def draw_progress(view: LiveView, run: state.Run | None) -> None:
    """Epochs done and how far into the current one, as a bar and in words."""
    if run is None or run.trainer is None:
        view.progress.empty()
        return
    t = run.trainer
    target = max(t.target_epochs, t.epoch, 1)
    seconds = sum(e.seconds for e in run.history.epochs)
    text = f"{t.epoch} of {target} epochs done"
    if run.history.status in (Status.RUNNING, Status.STOPPED):
        text += f", {t.progress:.0%} of the way through epoch {t.epoch + 1}"
    if seconds:
        text += f" · {seconds:.1f} s of training"
    if t.epoch or t.progress:
        text += f" · trained by: {t.backend_used}"
    view.progress.progress(min((t.epoch + t.progress) / target, 1.0), text=text)


def draw_curves(view: LiveView) -> None:
    runs, active = state.runs(), state.active_run()
    shown = [runs[i] for i in view.run_ids if i in runs]
    x_max = None if shown else view.epochs  # an empty chart spans the chosen epochs
    if active is not None:
        x_max = active.trainer.target_epochs  # the curves grow into a fixed frame
    fig = figures.training_curves(
        [(short_label(r), r.history) for r in shown], [theme.run_colour(r.id) for r in shown], x_max
    )
    view.chart.plotly_chart(fig, width="stretch", config=theme.CHART_CONFIG)


def _slices() -> Iterable[int]:
    return itertools.count() if PACE.max_slices is None else range(PACE.max_slices)


def train_active(view: LiveView) -> None:
    """Train the active run slice by slice, redrawing the view; call it last on the page.

    Each slice runs under the run's lock and only while the run is still the active one:
    a Stop, a page switch or a new run (handled in the next script run, perhaps while
    this one is still in `Trainer.step`) waits for the slice, and this loop then ends.
    """
    run = state.active_run()
    if run is None or run.trainer is None:
        return
    shown, drawn = run.trainer.epoch, time.monotonic()
    for _ in _slices():
        with run.lock:
            if not _training(run):
                break
            run.trainer.step(max_batches=PACE.batches, max_seconds=PACE.seconds)
            if run.trainer.finished:
                state.set_active(None)
                score(run)
                break
        if run.trainer.epoch != shown and time.monotonic() - drawn >= PACE.curves_every:
            shown, drawn = run.trainer.epoch, time.monotonic()
            draw_curves(view)
        draw_progress(view, run)
    else:
        return  # only with PACE.max_slices: the next script run goes on
    st.rerun()  # finished, stopped or replaced: redraw the whole page


def _training(run: state.Run) -> bool:
    """Whether `run` should go on training (checked under its lock)."""
    active = state.active_run()
    if active is None or active.id != run.id:
        return False
    if run.history.status is not Status.RUNNING or run.trainer.finished:
        state.set_active(None)  # nothing else would ever clear it
        return False
    return True
