"""The Train page's widgets and logic: settings <-> URL, run buttons, the live training loop.

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
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

import mlp_fast
from mlp_core.config import (
    BOOK,
    DTYPES,
    HIDDEN_ACTIVATIONS,
    INITS,
    LOSS_NAMES,
    REDUCTIONS,
    SCALINGS,
    SCHEMA,
    TrainConfig,
)
from mlp_core.data import Dataset
from mlp_core.losses import LOSSES
from mlp_core.network import MLP
from mlp_core.serialize import ModelFileError, SavedModel, load_model, model_to_bytes
from mlp_core.training import History, Trainer
from mlp_ui import data as ui_data
from mlp_ui import figures, state, theme


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
MAX_UPLOAD_MB = 50
OVERFIT_GAP = 0.03  # training accuracy this far above validation accuracy: warn
CHART_CONFIG = {"displaylogo": False}


# -- settings: one widget per TrainConfig field, seeded from and written to the URL ------


@dataclass(frozen=True)
class Control:
    """One settings widget: the TrainConfig field it sets, the widget kind, its limits."""

    name: str
    kind: str  # a key of _DRAW
    low: float | None = None
    high: float | None = None
    step: float | None = None
    options: tuple = ()
    help: str = ""


def _log_grid(low: int, high: int) -> tuple[float, ...]:
    """1, 2, 5 per decade from 10**low to 10**high: a log scale for a slider."""
    return tuple(float(f"{m}e{e}") for e in range(low, high) for m in (1, 2, 5)) + (10.0**high,)


MAIN = (
    Control("hidden", "number", 1, 1024, 10, help="Units in each hidden layer (1 to 1024)."),
    Control("layers", "slider", 1, 3, 1),
    Control("activation", "select", options=HIDDEN_ACTIVATIONS),
    Control(
        "loss",
        "select",
        options=LOSS_NAMES,
        help="The output units and the loss paired "
        "with them. The book's network uses sigmoid outputs with binary cross-entropy.",
    ),
    Control(
        "lr",
        "grid",
        options=_log_grid(-5, 1),
        help="Step size, on a log scale. 0.1 suits "
        "the defaults; the book's summed gradients need 0.0005; 10 blows up.",
    ),
    Control(
        "l2",
        "grid",
        options=(0.0, *_log_grid(-5, 0)),
        help="Weight decay: adds "
        "L2 x sum of squared weights to the loss. It shrinks the train/validation gap.",
    ),
    Control("batch_size", "grid", options=(1, 10, 20, 32, 50, 64, 100, 128, 200, 500, 1000)),
    Control("epochs", "number", 1, 1000, 1, help="Passes over the training examples."),
    Control(
        "n_train",
        "number",
        10,
        55000,
        500,
        help="Use only the first n training digits; fewer examples train faster and overfit more.",
    ),
    Control(
        "seed",
        "number",
        0,
        2**31 - 1,
        1,
        help="Same seed, same run: initial weights and the shuffling order depend only on it.",
    ),
)
ADVANCED = (
    Control("momentum", "slider", 0.0, 0.99, 0.01),
    Control("init", "select", options=INITS),
    Control("reduction", "select", options=REDUCTIONS),
    Control("scaling", "select", options=SCALINGS),
    Control(
        "patience",
        "number",
        0,
        1000,
        1,
        help="Stop when validation accuracy has not "
        "improved for this many epochs, and keep the best weights.",
    ),
    Control(
        "exact_eval",
        "check",
        help="Recompute the loss and accuracy over the whole "
        "training set after each epoch (slower; the book does this).",
    ),
    Control("dtype", "select", options=DTYPES),
)
CONTROLS = MAIN + ADVANCED

OPTION_LABELS: dict[str, dict[str, str]] = {
    "loss": {name: loss.label for name, loss in LOSSES.items()},
    "init": {"normal": "normal(0, 0.1) (book)", "xavier": "Xavier / Glorot", "he": "He (ReLU)"},
    "reduction": {"mean": "mean over the batch", "sum": "sum over the batch (book)"},
    "scaling": {"01": "[0, 1]", "pm1": "[-1, 1] (book)"},
}


def _key(name: str) -> str:
    return f"train_{name}"


def _label(name: str) -> str:
    text = SCHEMA[name].label
    return text[:1].upper() + text[1:]


def _number(c: Control) -> None:
    st.number_input(_label(c.name), c.low, c.high, step=c.step, key=_key(c.name), help=c.help)


def _slider(c: Control) -> None:
    st.slider(_label(c.name), c.low, c.high, step=c.step, key=_key(c.name), help=c.help)


def _select(c: Control) -> None:
    labels = OPTION_LABELS.get(c.name, {})
    st.selectbox(
        _label(c.name),
        c.options,
        format_func=lambda v: labels.get(v, v),
        key=_key(c.name),
        help=c.help or None,
    )


def _grid(c: Control) -> None:
    options = sorted({*c.options, st.session_state[_key(c.name)]})  # a linked value may be off-grid
    st.select_slider(
        _label(c.name),
        options,
        format_func=lambda v: f"{v:g}",
        key=_key(c.name),
        help=c.help or None,
    )


def _check(c: Control) -> None:
    st.checkbox(_label(c.name), key=_key(c.name), help=c.help or None)


_DRAW: dict[str, Callable[[Control], None]] = {
    "number": _number,
    "slider": _slider,
    "select": _select,
    "grid": _grid,
    "check": _check,
}


def _clamp(c: Control, value: Any) -> Any:
    """A config value fitted to the widget's limits (the engine accepts more than the UI)."""
    if c.kind in ("number", "slider"):
        return type(c.low)(min(max(value, c.low), c.high))
    return value


def _seed_widgets(config: TrainConfig) -> None:
    """Set every settings widget to `config` (before the widgets are drawn)."""
    for c in CONTROLS:
        st.session_state[_key(c.name)] = _clamp(c, getattr(config, c.name))


def widget_config() -> TrainConfig:
    """The config the settings widgets describe; ValueError if it is invalid."""
    return TrainConfig(**{c.name: st.session_state[_key(c.name)] for c in CONTROLS})


def settings() -> TrainConfig | None:
    """The settings panel; the valid config it describes, or None with a message."""
    if _key("hidden") not in st.session_state:  # first visit, or back from another page
        query = st.query_params.to_dict()
        _seed_widgets(TrainConfig.from_query(query, state.train_settings()))
    book, default = st.columns(2)
    book.button(
        "Book settings",
        key="train_book",
        on_click=_seed_widgets,
        args=(BOOK,),
        width="stretch",
        help="Raschka et al.'s network: 784-100-10, sigmoid, lr 0.0005, L2 0.01, "
        "200 epochs of summed-gradient SGD (97.98 % validation accuracy in the book).",
    )
    default.button(
        "Defaults",
        key="train_defaults",
        on_click=_seed_widgets,
        args=(TrainConfig(),),
        width="stretch",
        help="ReLU, softmax, lr 0.1 with momentum 0.9: about 97.8 % in 10 epochs.",
    )
    for c in MAIN:
        _DRAW[c.kind](c)
    with st.expander("More settings"):
        for c in ADVANCED:
            _DRAW[c.kind](c)
    return _validated()


def _validated() -> TrainConfig | None:
    """Check the widget settings against each other and the data; write them to the URL."""
    try:
        config = widget_config()
        problem = _data_problem(config)
    except ValueError as exc:
        problem = str(exc)
    if problem:
        st.error(f"These settings cannot train: {problem}")
        return None
    available = len(ui_data.dataset(config.scaling, config.dtype).y_train)
    if config.n_train > available:
        st.caption(f"The loaded data has {available:,} training digits; all are used.")
    state.set_train_settings(config)
    query = config.to_query()
    if st.query_params.to_dict() != query:
        st.query_params.from_dict(query)  # a link to this page reproduces these settings
    return config


def _data_problem(config: TrainConfig) -> str:
    """What makes `config` unusable on the loaded data ('' if nothing)."""
    n = min(config.n_train, len(ui_data.dataset(config.scaling, config.dtype).y_train))
    if config.batch_size > n:
        return (
            f"the batch size ({config.batch_size}) is larger than the {n:,} training "
            "examples. Lower the batch size or use more examples."
        )
    return ""


# -- run buttons ---------------------------------------------------------------------


def buttons(config: TrainConfig | None) -> None:
    """Start, Stop, Continue and Reset; each acts in a callback, before the page redraws."""
    run, active = state.current_run(), state.active_run()
    start, stop, cont, reset = st.columns(4)
    start.button(
        "Start",
        key="train_start",
        type="primary",
        on_click=_start,
        disabled=config is None,
        width="stretch",
        help="Train a new run with the settings on the left. Earlier runs are kept.",
    )
    stop.button(
        "Stop",
        key="train_stop",
        on_click=_stop,
        disabled=active is None,
        width="stretch",
        help="Pause training; the model and its curves are kept.",
    )
    cont.button(
        "Continue",
        key="train_continue",
        on_click=_continue,
        width="stretch",
        disabled=active is not None or not _can_continue(run),
        help="Go on training the current run. A finished run trains for as many "
        "more epochs as the Epochs setting says.",
    )
    reset.button(
        "Reset",
        key="train_reset",
        on_click=_reset,
        width="stretch",
        disabled=run is None or run.trainer is None,
        help="Take the current run back to epoch 0: its first weights (same seed), "
        "its curves cleared. Continue then trains it again.",
    )


def _can_continue(run: state.Run | None) -> bool:
    return (
        run is not None
        and run.trainer is not None
        and run.history.status in ("ready", "stopped", "done", "early_stopped")
    )


def _activate(run: state.Run) -> None:
    run.history.status, run.history.message = "running", ""
    state.set_active(run.id)


def _pause(why: Callable[[Trainer], str]) -> None:
    """Stop the active run between two steps; its model and history stay as they are.

    Every change to a run happens under its lock: with Streamlit's fast reruns, the
    script run that was training may still be inside `Trainer.step` in its own thread.
    """
    run = state.active_run()
    if run is None or run.trainer is None:
        state.set_active(None)
        return
    with run.lock:
        if not run.trainer.finished:
            run.history.status, run.history.message = "stopped", why(run.trainer)
        state.set_active(None)
        score(run)  # before the sidebar is drawn, so it shows the test accuracy too


def _start() -> None:
    try:
        config = widget_config()
        dataset = ui_data.dataset(config.scaling, config.dtype)
        trainer = new_trainer(config, dataset)
    except ValueError:
        return  # the settings panel already says why
    _pause(lambda t: "paused when you started another run: make it current and press Continue")
    run = state.add_run(
        run_name(config),
        trainer.model,
        trainer.history,
        config=config,
        trainer=trainer,
        data=dataset.source,
    )
    _activate(run)


def new_trainer(config: TrainConfig, dataset: Dataset) -> Trainer:
    """A Trainer with the back-end mlp_fast chooses (the fast one unless another run of
    this server is training, or $MLP_LAB_FAST=0)."""
    return Trainer(config, dataset, backend=mlp_fast.choose())


def _stop() -> None:
    _pause(
        lambda t: (
            f"Stopped by you at epoch {t.epoch + t.progress:.2f}. The model and its "
            "curves are kept: it is the current model, and Continue goes on from exactly here."
        )
    )


def _continue() -> None:
    run = state.current_run()
    if run is None:
        return
    with run.lock:
        if not _can_continue(run):
            return
        if run.trainer.finished:
            run.trainer.extend(int(st.session_state[_key("epochs")]))
        _activate(run)


def _reset() -> None:
    run = state.current_run()
    if run is None or run.trainer is None:
        return
    with run.lock:
        if (active := state.active_run()) is not None and active.id == run.id:
            state.set_active(None)
        config = run.trainer.config
        trainer = new_trainer(config, ui_data.dataset(config.scaling, config.dtype))
        run.trainer, run.model, run.history = trainer, trainer.model, trainer.history
        run.test_acc = None
        run.history.message = "reset to its first weights: press Continue to train it again"


def run_name(config: TrainConfig) -> str:
    """A short name saying what the run's settings are."""
    if config.replace(epochs=BOOK.epochs) == BOOK:
        return "book settings"
    batch = "" if config.batch_size == 100 else f" batch {config.batch_size}"
    return f"{config.activation} lr {config.lr:g} L2 {config.l2:g}{batch}"


def short_label(run: state.Run) -> str:
    return f"#{run.id} {run.architecture} {run.name}"


# -- the live view and the training loop --------------------------------------------


@dataclass
class LiveView:
    """Placeholders the training loop redraws, and the runs shown on the chart."""

    status: DeltaGenerator
    progress: DeltaGenerator
    chart: DeltaGenerator
    run_ids: list[int]
    epochs: int | None = None  # the settings' epochs: the empty chart's width


STATUS_KIND = {
    "running": "info",
    "ready": "info",
    "done": "success",
    "stopped": "warning",
    "early_stopped": "info",
    "diverged": "error",
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
    key = _key("compare")
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
    getattr(view.status, STATUS_KIND.get(status, "info"))(_status_text(run))


def _status_text(run: state.Run) -> str:
    h = run.history
    if h.status == "running":
        return f"Training run #{run.id}: {run.architecture}, {run.name}."
    if h.status == "ready":
        return f"Run #{run.id} is at epoch 0, with its first weights: press Continue to train it."
    if h.status == "done" and run.trainer is not None:
        seconds = sum(e.seconds for e in h.epochs)
        return (
            f"Run #{run.id} finished {_count(len(h.epochs), 'epoch')} in {seconds:.1f} s of "
            f"training: test accuracy {_pct(run.test_acc)}."
        )
    return f"Run #{run.id}: {h.message or h.status}"


def draw_progress(view: LiveView, run: state.Run | None) -> None:
    """Epochs done and how far into the current one, as a bar and in words."""
    if run is None or run.trainer is None:
        view.progress.empty()
        return
    t = run.trainer
    target = max(t.target_epochs, t.epoch, 1)
    seconds = sum(e.seconds for e in run.history.epochs)
    text = f"{t.epoch} of {target} epochs done"
    if run.history.status in ("running", "stopped"):
        text += f", {t.progress:.0%} of the way through epoch {t.epoch + 1}"
    if seconds:
        text += f" · {seconds:.1f} s of training"
    if t.epoch or t.progress:
        text += f" · trained on: {t.trained_on}"
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
    view.chart.plotly_chart(fig, width="stretch", config=CHART_CONFIG)


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
    if run.history.status != "running" or run.trainer.finished:
        state.set_active(None)  # nothing else would ever clear it
        return False
    return True


def score(run: state.Run) -> None:
    """Test accuracy of the run's model, with the pixel scaling it was trained with."""
    if run.history.epochs or run.trainer is None:
        scaling = run.config.scaling if run.config else "pm1"
        with run.lock:
            run.test_acc = accuracy_on_test(run.model, scaling)


def accuracy_on_test(model: MLP, scaling: str) -> float:
    data = ui_data.dataset(scaling, "float32")
    return float(np.mean(model.predict(data.X_test) == data.y_test))


# -- after training: the current model ----------------------------------------------


def current_model() -> None:
    """Test accuracy, overfitting warning, first-layer weights and download of the current run.

    All of it sits in one placeholder, replaced whole on every script run: otherwise the
    previous run's weights would linger, faded, for as long as a new run trains.
    """
    slot, run, active = st.empty(), state.current_run(), state.active_run()
    if run is None:
        slot.info("Train a run or load a model file: its test accuracy and weights appear here.")
    elif active is not None and active.id == run.id:
        slot.caption("Test accuracy, weights and the download appear when this run stops.")
    elif not run.history.epochs and run.trainer is not None:
        slot.info("No epoch has finished yet, so there is nothing to test or download.")
    else:
        with slot.container():
            _results(run)


def _results(run: state.Run) -> None:
    if run.test_acc is None and run.history.epochs:
        score(run)  # e.g. paused by a page switch before it was scored
    _metrics(run)
    if note := overfit_note(run.history):
        st.warning(note)
    _download(run)
    if run.model.sizes[0] == 784:
        st.plotly_chart(figures.weights_grid(run.model.W[0]), width="stretch", config=CHART_CONFIG)
        st.caption(
            "Each square is one hidden unit's 784 incoming weights, laid out like the "
            "digit it looks at: red pixels push the unit up, blue ones push it down."
        )


def _metrics(run: state.Run) -> None:
    last = run.history.epochs[-1] if run.history.epochs else None
    test, valid, train, epochs = st.columns(4)
    test.metric(
        "Test accuracy",
        _pct(run.test_acc),
        help="On test digits never used in training or for choosing settings.",
    )
    valid.metric("Validation accuracy", _pct(last and last.valid_acc))
    train.metric("Training accuracy", _pct(last and last.train_acc))
    epochs.metric("Epochs", len(run.history.epochs))


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.2%}"


def overfit_note(history: History) -> str | None:
    """A warning when training accuracy runs ahead of validation accuracy, else None."""
    if not history.epochs:
        return None
    last = history.epochs[-1]
    best = max(history.epochs, key=lambda e: e.valid_acc)
    gap = last.train_acc - last.valid_acc
    if gap <= OVERFIT_GAP:
        return None
    note = (
        f"Overfitting: training accuracy ({last.train_acc:.1%}) is {gap:.1%} points "
        f"above validation accuracy ({last.valid_acc:.1%}); the network is learning its "
        "training digits by heart rather than what makes a digit."
    )
    if best.epoch < last.epoch and best.valid_acc - last.valid_acc > 0.005:
        note += f" Validation accuracy peaked at epoch {best.epoch} ({best.valid_acc:.1%})."
    return note + " More training examples, some L2, or fewer epochs narrow the gap."


def _download(run: state.Run) -> None:
    st.download_button(
        "Download this model (.npz)",
        data=lambda: model_file(run),
        file_name=f"mlp_lab_run{run.id}.npz",
        mime="application/octet-stream",
        on_click="ignore",
        key=f"train_download_{run.id}",
    )


def model_file(run: state.Run) -> bytes:
    """The run as an .npz model file, its history and test accuracy in the metadata."""
    metadata = {
        "name": run.name,
        "source": run.source,
        "data": run.data,
        "test_acc": run.test_acc,
        "history": run.history.to_dict(),
    }
    return model_to_bytes(SavedModel(run.model, run.config, metadata))


# -- all runs: table, current model, delete -----------------------------------------


def runs_panel() -> None:
    runs = state.runs()
    if not runs:
        st.info("Every run you start or load is kept here for this browser session.")
        return
    st.dataframe([_row(r) for r in runs.values()], hide_index=True, width="stretch")
    pick, delete = st.columns([3, 1], vertical_alignment="bottom")
    with pick:
        _current_picker(runs)
    delete.button(
        "Delete this run",
        key="train_delete",
        on_click=_delete,
        width="stretch",
        help="Forget the selected run (stopping it if it is training).",
    )


def _row(run: state.Run) -> dict[str, Any]:
    c, last = run.config, run.history.epochs[-1] if run.history.epochs else None
    return {
        "run": f"#{run.id}",
        "network": f"{run.architecture} {run.model.activation}",
        "lr": f"{c.lr:g}" if c else "?",
        "L2": f"{c.l2:g}" if c else "?",
        "batch": c.batch_size if c else None,
        "epochs": len(run.history.epochs),
        "status": run.history.status if run.trainer else "loaded",
        "train acc": _pct(last and last.train_acc),
        "valid acc": _pct(last and last.valid_acc),
        "test acc": _pct(run.test_acc),
    }


def _current_picker(runs: dict[int, state.Run]) -> None:
    key = _key("current")
    current = state.current_run()
    st.session_state[key] = current.id if current is not None else next(iter(runs))
    st.selectbox(
        "Current model (the other pages use it)",
        list(runs),
        key=key,
        format_func=lambda i: runs[i].label,
        on_change=lambda: state.set_current(st.session_state[key]),
    )


def _delete() -> None:
    run = state.current_run()
    if run is not None:
        with run.lock:
            state.delete_run(run.id)


# -- load a model file ----------------------------------------------------------------


def upload_panel() -> None:
    file = st.file_uploader(
        "Model file (.npz, saved by MLP Lab)",
        type=["npz"],
        max_upload_size=MAX_UPLOAD_MB,
        key=_key("upload"),
        help=f"Up to {MAX_UPLOAD_MB} MB. It must take 784 pixels and give 10 classes.",
    )
    if file is None:
        return
    handled = state.uploads()
    fresh = file.file_id not in handled
    if fresh:
        handled[file.file_id] = _load_upload(file.name, file.getvalue())
    ok, message = handled[file.file_id]
    if ok and fresh:
        st.rerun()  # the new run is the current model: redraw the page around it
    (st.success if ok else st.error)(message)


def _load_upload(name: str, content: bytes) -> tuple[bool, str]:
    """Validate and add an uploaded model: (True, what happened) or (False, why not)."""
    try:
        if len(content) > MAX_UPLOAD_MB * 2**20:
            raise ModelFileError(f"it is larger than {MAX_UPLOAD_MB} MB")
        saved = load_model(content)
        sizes = saved.model.sizes
        if (sizes[0], sizes[-1]) != (784, 10):
            raise ModelFileError(
                f"the network has {sizes[0]} inputs and {sizes[-1]} "
                "outputs, but digits need 784 (28x28 pixels) and 10"
            )
    except ModelFileError as exc:
        return False, f"{name} was not loaded, and nothing changed: {exc}."
    run = _add_loaded(name, saved)
    return True, f"Loaded {name} as run #{run.id} ({run.label}); it is now the current model."


def _add_loaded(name: str, saved: SavedModel) -> state.Run:
    scaling = saved.config.scaling if saved.config else "pm1"
    history = _saved_history(saved.metadata, name)
    run = state.add_run(
        f"from {name}",
        saved.model,
        history,
        config=saved.config,
        source=f"loaded from {name}",
        data=str(saved.metadata.get("data", "")),
    )
    run.test_acc = accuracy_on_test(saved.model, scaling)
    return run


def _saved_history(metadata: dict[str, Any], name: str) -> History:
    """The curves saved in a model file, if they are there and well-formed."""
    try:
        history = History.from_dict(metadata["history"])
        for column in ("epoch", "loss", "train_acc", "valid_acc", "seconds"):
            history.column(column)  # raises on anything that is not a number
    except (KeyError, TypeError, ValueError, AttributeError):
        history = History()
    history.status, history.diverged_at = "done", None
    history.message = f"loaded from {name}"
    return history
