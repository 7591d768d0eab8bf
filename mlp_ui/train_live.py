"""The Train page's live view: status, progress bar and curves, and the training loop.

Training runs inside the page's own script: `train_active` calls `Trainer.step` for a
fraction of a second at a time (`Pace`) and redraws the curves and the progress bar every
so often in between. A click or a page switch ends that script run at its next `st.`
call, that is at its next redraw. With Streamlit's fast reruns (the default) the next
script run starts at once, possibly while the old one is still stepping, so every step
and every change to a run happens under the run's lock (`state.Run.lock`): the model is
never touched by two threads, and Stop waits for the step in progress (at most
`Pace.longest`, 0.3 s, plus a worker's chunk). Stop and leaving the page (app.py calls
`state.pause_active`) mark the run stopped; Continue resumes it from the same minibatch.
Every run stays in the session with its settings and history.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import plotly.graph_objects as go
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

import mlp_fast
from mlp_core.config import TrainConfig
from mlp_core.history import History, Status
from mlp_core.idx import N_CLASSES, N_PIXELS
from mlp_fast.processes import cpus
from mlp_ui import (
    chart_text,
    class_train,
    classroom,
    figures,
    model_figures,
    saved,
    state,
    theme,
    turns,
)
from mlp_ui.slices import train_in_slices
from mlp_ui.train_results import score
from mlp_ui.train_settings import widget_key
from mlp_ui.train_text import (
    curves_alt,
    curves_table,
    progress_text,
    short_label,
    status_text,
)


@dataclass(frozen=True)
class Pace:
    """How training is sliced: each slice is one `Trainer.step` of at most `longest`
    seconds, under the run's lock (so Stop, which waits for the slice in progress, waits
    at most that long); the progress bar and the curves are redrawn after a slice once
    `interval(runs)` seconds have passed since the last redraw, so the curves grow within
    an epoch (the Trainer records a point every tenth of one).

    `runs` is the number of runs training in this server process
    (`mlp_fast.active_runs()`): `redraw` seconds for one or two runs, then
    `redraw * runs / 2`, at most `slowest`. Alone a run is redrawn about three times a
    second; a class of thirty shares the server's two cores and pays a figure per redraw,
    so from two runs on the whole server redraws about 2 / `redraw` (~7) times a second
    whatever the class size, until each run's pace reaches `slowest`.
    `seconds` fixes the slice length instead, with a redraw after every slice; `batches`
    caps a slice's minibatches. `max_slices` ends a script run after that many slices
    with the run still active (the next script run goes on). Only tests set those:
    AppTest cannot click while a script runs.
    """

    seconds: float | None = None
    batches: int | None = None
    max_slices: int | None = None
    redraw: float = 0.3
    slowest: float = 3.0
    longest: float = 0.3
    save_work: float = 0.6
    save_slowest: float = 15.0

    def interval(self, runs: int) -> float:
        """Seconds between two redraws with `runs` runs training in this process."""
        return min(self.redraw * max(1.0, runs / 2), self.slowest)

    def save_interval(self, runs: int, cores: int) -> float:
        """Seconds between two saves of a training run within an epoch (an epoch's end is
        always saved): `save_work` seconds times the runs sharing each of the server's
        `cores` (at most `save_slowest`), and never more often than it is redrawn. A crash
        then loses about `save_work` s of the run's own training whatever the class: a
        save every 0.6 s alone, every 9 s in a class of thirty on two cores, where each run
        trains 1/15 of the time. Each save writes ~1 MB (weights, momentum, the epoch's
        first weights): ~8 ms of the server's CPU, which once a redraw came to ~650-750 saves
        and ~6 s of CPU in a class of thirty."""
        share = min(self.save_work * max(1.0, runs / max(cores, 1)), self.save_slowest)
        return max(self.interval(runs), share)


PACE = Pace()


@dataclass
class KeptFigure:
    """The curves' figure and the spec it was built or updated from, kept for the session
    across its script runs (`kept_figure`): a page load, a run's end or a click then
    updates it in place too, instead of building and validating a new one (~5 ms of the
    server's interpreter each). Two script runs of one session overlap for a moment when a
    click ends one (see the module's docstring): `lock` keeps them from changing the
    figure at once."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    figure: go.Figure | None = None
    spec: dict | None = None


_KEPT = "train_live_curves"


def kept_figure() -> KeptFigure:
    """This session's curves figure (the Train page's own memory, see mlp_ui.state)."""
    return st.session_state.setdefault(_KEPT, KeptFigure())


@dataclass
class LiveView:
    """Placeholders the training loop redraws, and the runs shown on the chart."""

    status: DeltaGenerator
    progress: DeltaGenerator
    chart: DeltaGenerator
    run_ids: list[int]
    epochs: int | None = None  # the settings' epochs: the empty chart's width
    diagram: DeltaGenerator | None = None
    drawn: tuple | None = None  # what the chart shows now (see draw_curves)
    numbers: DeltaGenerator | None = None  # the chart's numbers, in its fold if open
    tabled: tuple | None = None  # the run and epochs the numbers show now
    kept: KeptFigure = field(default_factory=KeptFigure)  # the chart's figure (`_figure`)


STATUS_KIND = {
    Status.RUNNING: "info",
    Status.READY: "info",
    Status.DONE: "success",
    Status.STOPPED: "warning",
    Status.EARLY_STOPPED: "info",
    Status.DIVERGED: "error",
}


DIAGRAM_SHARE = [2.3, 1]
"""The curves' and the network diagram's widths: the diagram about 200 px at a 768 px
tablet (a quarter, 128 px, cut its labels). Columns stack on a phone; a row of a fixed
190 px diagram did not, and squeezed the curves into half a phone's width."""


def live_view(config: TrainConfig | None) -> LiveView:
    """Status line, progress bar, the focus run's curves beside a diagram of the network,
    and the runs picked to compare."""
    status, progress = st.empty(), st.empty()
    curves_col, diagram_col = st.columns(DIAGRAM_SHARE, gap="small")  # stacked on a phone
    view = LiveView(status, progress, curves_col.empty(), [], config and config.epochs)
    view.diagram, view.kept = diagram_col.empty(), kept_figure()
    compare = _compare_picker()
    focus = state.active_run() or state.current_run()
    if focus is not None:
        view.numbers = _numbers_fold(curves_col)
    view.run_ids = _unique(([focus.id] if focus else []) + compare)
    draw_status(view)
    draw_progress(view, focus)
    draw_curves(view)
    draw_diagram(view, config)
    return view


def draw_diagram(view: LiveView, config: TrainConfig | None) -> None:
    """The network as a diagram: the training run's, else the one the settings describe
    (else the current run's), so it follows the settings before a run starts."""
    if (network := _drawn_network(config)) is None:
        return
    fig = _styled_diagram(*network, classroom.projector())
    static = {**theme.CHART_CONFIG, "staticPlot": True}
    with view.diagram.container():  # an st.empty holds one element: the chart and its words
        alt = chart_text.diagram_alt(*network)
        classroom.chart(fig, styled=True, width="stretch", config=static, alt=alt)


@functools.lru_cache(maxsize=64)
def _styled_diagram(sizes: tuple[int, ...], activation: str, loss: str, big: bool):
    """The diagram, styled for the screen once and shared (never changed afterwards): it
    is drawn on every redraw of every session, and styling its labels costs ~20 ms."""
    return classroom.style(model_figures.network_diagram(sizes, activation, loss, big=big), big)


def _drawn_network(config: TrainConfig | None) -> tuple[tuple[int, ...], str, str] | None:
    """Layer sizes, hidden activation and loss of the network the diagram shows."""
    active, current = state.active_run(), state.current_run()
    if active is None and config is not None:
        return (N_PIXELS, *config.hidden_sizes, N_CLASSES), config.activation, config.loss
    if (run := active or current) is None:
        return None
    return tuple(run.model.sizes), run.model.activation, run.model.loss


def _unique(ids: Iterable[int]) -> list[int]:
    return list(dict.fromkeys(ids))


def _compare_picker() -> list[int]:
    runs = state.runs()
    key = widget_key("compare")
    st.session_state[key] = [i for i in st.session_state.get(key, []) if i in runs]
    if not runs:  # nothing to pick: no greyed-out (unreadable, 2.3:1) menu
        return []
    return st.multiselect(
        "Overlay other runs",
        list(runs),
        key=key,
        format_func=lambda i: short_label(runs[i]),
        placeholder="Pick earlier runs to compare their curves",
    )


def draw_status(view: LiveView) -> None:
    run = state.active_run() or state.current_run()
    if run is None:
        where = "below" if classroom.touch() else "on the left"
        view.status.info(
            f"No run yet: choose settings {where} and {classroom.tap('press')} **Start**, or "
            "try an experiment above. The loss and accuracy curves grow below as it trains."
        )
        return
    status = run.history.status
    getattr(view.status, STATUS_KIND.get(status, "info"))(status_text(run))


def draw_progress(view: LiveView, run: state.Run | None) -> None:
    """Epochs done and how far into the current one, as a bar and in words a student
    needs (epochs, time, validation accuracy); how it was computed goes to the details."""
    if run is None or run.trainer is None:
        view.progress.empty()
        return
    t = run.trainer
    target = max(t.target_epochs, t.epoch, 1)
    seconds = sum(e.seconds for e in run.history.epochs)
    text = progress_text(t.epoch, target, t.progress, run.history, seconds, len(t.y_valid))
    with view.progress.container():
        st.progress(min((t.epoch + t.progress) / target, 1.0), text=text)
        if t.epoch or t.progress:
            with st.expander("Details", icon=":material/memory:"):
                st.caption(f"Trained by: {t.backend_used}.")


def draw_curves(view: LiveView) -> None:
    """The curves of the shown runs, unless they are drawn as they are already (a slice
    may end before the next point: the same chart twice would be a duplicate element)."""
    runs, active = state.runs(), state.active_run()
    shown = [runs[i] for i in view.run_ids if i in runs]
    x_max = None if shown else view.epochs  # an empty chart spans the chosen epochs
    if active is not None:
        x_max = active.trainer.target_epochs  # the curves grow into a fixed frame
    drawn = (x_max, *((r.id, len(r.history.points), len(r.history.epochs)) for r in shown))
    drawn += tuple(r.history.diverged_at for r in shown)
    if drawn == view.drawn:
        return
    view.drawn = drawn
    labels, colours = [short_label(r) for r in shown], [theme.run_colour(r.id) for r in shown]
    histories = [(label, r.history) for label, r in zip(labels, shown, strict=True)]
    big = classroom.projector()
    spec = figures.training_curves_spec(
        histories, colours, x_max, within_epochs=True, big=big, styled=True
    )
    focus = shown[0] if shown else None
    n_valid = len(focus.trainer.y_valid) if focus and focus.trainer else None
    alt = curves_alt(*((labels[0], focus.history, n_valid) if focus else ("", History(), None)))
    with view.kept.lock, view.chart.container():
        fig = _figure(view.kept, spec)
        classroom.chart(fig, styled=True, width="stretch", alt=alt)
    draw_numbers(view, focus)


def _figure(kept: KeptFigure, spec: dict) -> go.Figure:
    """The chart's figure for `spec`: the kept one, with only what changed set anew (the
    curves grew: a class of thirty redraws about 650-750 times, and validating a whole new
    figure took ~7 ms of the server's one interpreter each time), else built from it."""
    if kept.figure is None or not figures.update_in_place(kept.figure, kept.spec, spec):
        kept.figure = go.Figure(spec)
    kept.spec = spec
    return kept.figure


NUMBERS_KEY = "train_numbers"


def _numbers_fold(where: DeltaGenerator) -> DeltaGenerator | None:
    """The fold under the chart that holds its numbers; a place for the table while it is
    open, else None. The table is drawn only once the fold is opened (a click reruns the
    page): a class of thirty redrew it some 300 times, each ~2 ms of the server's CPU,
    mostly for folds nobody had opened."""
    fold = classroom.opened_fold(classroom.NUMBERS, NUMBERS_KEY, where, icon=classroom.NUMBERS_ICON)
    return None if fold is None else fold.empty()


def draw_numbers(view: LiveView, focus: state.Run | None) -> None:
    """The focus run's numbers, one row per epoch, in the fold under its chart if it is
    open: drawn again only when an epoch ends or the run shown changes, not at every
    redraw of the curves."""
    tabled = focus and (focus.id, id(focus.history), len(focus.history.epochs))
    if view.numbers is None or tabled == view.tabled:
        return
    view.tabled = tabled
    if focus is None or not focus.history.epochs:
        view.numbers.caption("One row per epoch, once the first epoch has ended.")
    else:
        view.numbers.dataframe(curves_table(focus.history), hide_index=True)


def train_active(view: LiveView) -> None:
    """Train the active run slice by slice, redrawing the view; call it last on the page.

    Each slice runs under the run's lock and only while the run is still the active one:
    a Stop, a page switch or a new run (handled in the next script run, perhaps while
    this one is still in `Trainer.step`) waits for the slice, and the loop then ends.
    """
    run = state.active_run()
    if run is None or run.trainer is None:
        return
    drawn, cores = time.monotonic(), cpus()  # the cores once, not at every slice

    def train_slice() -> bool:
        with run.lock:
            if not _training(run):
                return False
            epochs = run.trainer.epoch
            run.trainer.step(max_batches=PACE.batches, max_seconds=PACE.seconds or PACE.longest)
            saved.trained(run)
            finished, epoch_ended = run.trainer.finished, run.trainer.epoch > epochs
            if finished:
                state.set_active(None)
                score(run)
        # Saved after a slice every `Pace.save_interval` (about 0.6 s of the run's own
        # training: a crash loses at most that much and the chunk in flight), and always
        # when an epoch or the run ended: a crash never takes back an epoch the page shows.
        every = PACE.save_interval(mlp_fast.active_runs(), cores)
        saved.save(run, every=0.0 if finished or epoch_ended else every)
        return not finished

    def redraw() -> None:
        nonlocal drawn
        if PACE.seconds or time.monotonic() - drawn >= PACE.interval(mlp_fast.active_runs()):
            with turns.heavy():  # never while holding the run's lock
                draw_curves(view)
                draw_progress(view, run)
            class_train.progress(run)  # in a class challenge only: the teacher's view
            drawn = time.monotonic()

    with saved.training(run):  # until its last save, below
        try:
            train_in_slices(train_slice, redraw, PACE.max_slices)
        finally:
            # A script run ended mid-training: the browser went away (a reload, a closed
            # tab: Streamlit stops its script at the next element), or a click reran the
            # page. Save the slices since the last save now, so the run is cut short at
            # its very last minibatch; a rerun that trains on simply saves again later.
            if run.history.status is Status.RUNNING and saved.behind(run):
                saved.save(run)


def _training(run: state.Run) -> bool:
    """Whether `run` should go on training (checked under its lock)."""
    active = state.active_run()
    if active is None or active.id != run.id:
        return False
    if run.history.status is not Status.RUNNING or run.trainer.finished:
        state.set_active(None)  # nothing else would ever clear it
        return False
    return True
