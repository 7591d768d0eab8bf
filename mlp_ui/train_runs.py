"""The Train page's run buttons: Start, Stop, Continue, Reset, and what each does to the
session's runs (under the run's lock: see mlp_ui.train_live).
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

import mlp_fast
from mlp_core.config import TrainConfig
from mlp_core.data import Dataset
from mlp_core.history import Status
from mlp_core.network import MLP
from mlp_core.serialize import load_checkpoint
from mlp_core.training import Trainer
from mlp_ui import class_train, saved, state
from mlp_ui import data as ui_data
from mlp_ui.train_results import score
from mlp_ui.train_settings import widget_config, widget_key
from mlp_ui.train_text import run_name


def buttons(config: TrainConfig | None) -> None:
    """Start, Stop, Continue and Reset; each acts in a callback, before the page redraws."""
    run, active = state.current_run(), state.active_run()
    start_col, stop, cont, reset = st.columns(4)
    start_col.button(
        "Start",
        key="train_start",
        type="primary",
        on_click=start,
        disabled=config is None,
        width="stretch",
        help="Train a new run with the settings chosen. Earlier runs are kept.",
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
        disabled=run is None or (run.trainer is None and not _revivable(run)),
        help="Take the current run back to epoch 0: its first weights (same seed), "
        "its curves cleared. Continue then trains it again.",
    )


def _can_continue(run: state.Run | None) -> bool:
    return (
        run is not None
        and (run.trainer is not None or _revivable(run))
        and run.history.status in (Status.READY, Status.STOPPED, Status.DONE, Status.EARLY_STOPPED)
    )


def _revivable(run: state.Run) -> bool:
    """A run saved earlier (a reload, another day): its Trainer is made again on Continue."""
    return (
        run.trainer is None
        and run.config is not None
        and run.saved_id is not None
        and not run.source.startswith("loaded from")  # a model file: used, not trained on
    )


def _revive(run: state.Run) -> None:
    """Give a saved run a Trainer that goes on from its newest save: exactly from its last
    saved minibatch when it has a checkpoint (momentum, the epoch's order of examples),
    else from its weights and its last whole epoch (order and momentum afresh)."""
    saved.refresh(run)
    config = run.config
    trainer = new_trainer(config, ui_data.dataset(config.scaling, config.dtype), run.model)
    history = run.history
    trainer.history = history
    if run.checkpoint is not None:
        trainer.resume(load_checkpoint(run.checkpoint))  # ValueError: it does not fit
    else:
        history.points = [p for p in history.points if p.at <= len(history.epochs)]
    trainer.target_epochs = max(config.epochs, trainer.target_epochs, trainer.epoch)
    run.trainer, run.checkpoint = trainer, None


def _activate(run: state.Run) -> None:
    run.history.status, run.history.message = Status.RUNNING, ""
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
            run.history.status, run.history.message = Status.STOPPED, why(run.trainer)
        state.set_active(None)
        score(run)  # before the sidebar is drawn, so it shows the test accuracy too
    saved.save(run)


def start() -> None:
    """Start a new run with the settings widgets' values (a button's callback). In a
    challenge its fixed settings win: a locked widget's value can still come in a
    hand-made message, with the click, before the page locks it again."""
    try:
        config = class_train.apply(widget_config())
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
        trained_on=dataset.trained_on(config.n_train),
    )
    _activate(run)
    saved.save(run)  # it has its number in the database from its first moment


def new_trainer(config: TrainConfig, dataset: Dataset, model: MLP | None = None) -> Trainer:
    """A Trainer with the back-end mlp_fast chooses (the fast one unless another run of
    this server is training, or $MLP_LAB_FAST=0); in a class challenge an exact one, so the
    teacher can re-train a submission bit for bit."""
    exact = class_train.current() is not None
    if exact:  # a challenge's seconds are the run's: not the workers' start on a new server
        mlp_fast.warm(dataset.X_train, dataset.y_train)
    return Trainer(config, dataset, model, backend=mlp_fast.choose(exact=exact))


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
        if run.trainer is None and saved.training_elsewhere(run.saved_id, run):
            run.history.message = saved.ELSEWHERE
            return
        try:
            if run.trainer is None:
                _revive(run)
            if run.trainer.finished:
                run.trainer.extend(int(st.session_state[widget_key("epochs")]))
        except ValueError as exc:  # e.g. saved on full MNIST, too large for the sample
            run.history.message = f"This run cannot go on here: {exc}."
            return
        _activate(run)


def _reset() -> None:
    run = state.current_run()
    if run is None or (run.trainer is None and not _revivable(run)):
        return
    with run.lock:
        if (active := state.active_run()) is not None and active.id == run.id:
            state.set_active(None)
        config = run.config
        trainer = new_trainer(config, ui_data.dataset(config.scaling, config.dtype))
        run.trainer, run.model, run.history = trainer, trainer.model, trainer.history
        run.test_acc, run.checkpoint = None, None
        run.history.message = "reset to its first weights: press Continue to train it again"
    saved.save(run)
