"""The Train page's words and table rows: pure functions of runs, configs and histories
(no Streamlit), so they are tested without a running app."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pandas as pd

from mlp_core.config import BOOK, TrainConfig
from mlp_core.history import History, Status

if TYPE_CHECKING:
    from mlp_ui.state import Run


OVERFIT_EPOCHS = 3  # validation accuracy below its best for this many epochs...
OVERFIT_DROP = 0.005  # ...by more than chance and this (half a point), training rising: warn


def run_name(config: TrainConfig) -> str:
    """A short name saying what the run's settings are."""
    if config.replace(epochs=BOOK.epochs) == BOOK:
        return "book settings"
    batch = "" if config.batch_size == 100 else f" batch {config.batch_size}"
    return f"{config.activation} lr {config.lr:g} L2 {config.l2:g}{batch}"


def short_label(run: Run) -> str:
    return f"#{run.id} {run.architecture} {run.name}"


def count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.2%}"


def status_text(run: Run) -> str:
    h = run.history
    if h.status is Status.RUNNING:
        return f"Training run #{run.id}: {run.architecture}, {run.name}."
    if h.status is Status.READY:
        return f"Run #{run.id} is at epoch 0, with its first weights: press Continue to train it."
    if h.status is Status.DONE and not _from_file(run):
        seconds = sum(e.seconds for e in h.epochs)
        return (
            f"Run #{run.id} finished {count(len(h.epochs), 'epoch')} in {seconds:.1f} s of "
            f"training: test accuracy {pct(run.test_acc)} on {run.test_on}."
        )
    if h.status is Status.DIVERGED and h.diverged_at is not None:
        lr = f" ({run.config.lr:g})" if run.config else ""
        return (
            f"Run #{run.id} diverged in epoch {diverged_epoch(h.diverged_at)}: the loss "
            f"stopped being a finite number. The learning rate{lr} is probably too large "
            f"for these settings; the weights from the end of epoch {len(h.epochs)} were kept."
        )
    return f"Run #{run.id}: {h.message or h.status}"


def _from_file(run: Run) -> bool:
    """A model loaded from a file (not trained here, now or in an earlier session)."""
    return run.trainer is None and (run.saved_id is None or run.source.startswith("loaded from"))


def diverged_epoch(at: float) -> int:
    """The epoch (counted from 1) a run diverged in, from `History.diverged_at` (epochs
    done + the fraction of the next: 1.00 is the end of epoch 1, before its check)."""
    return max(1, math.ceil(at))


def progress_text(
    done: int, target: int, within: float, history: History, seconds: float, n_valid: int
) -> str:
    """The progress bar's words: epochs, time and the last validation accuracy (measured
    on `n_valid` validation digits, never trained on)."""
    text = f"{done} of {target} epochs done"
    if history.status in (Status.RUNNING, Status.STOPPED):
        text += f", {within:.0%} of the way through epoch {done + 1}"
    if history.status is Status.DIVERGED and history.diverged_at is not None:
        text += f"; diverged in epoch {diverged_epoch(history.diverged_at)}"
    if seconds:
        text += f" · {seconds:.1f} s of training"
    if history.epochs:
        acc = history.epochs[-1].valid_acc
        text += f" · validation accuracy {acc:.1%} on {n_valid:,} validation digits"
    return text


def overfit_note(history: History, n_valid: int = 5000) -> str | None:
    """A warning when the run overfits, else None (`n_valid`: validation digits).

    Overfitting is validation accuracy falling while training accuracy still rises: the
    best validation accuracy is at least OVERFIT_EPOCHS epochs old, the mean of the last
    OVERFIT_EPOCHS is below it by more than chance explains (two standard errors of an
    accuracy measured on n_valid digits, at least OVERFIT_DROP), and training accuracy
    has risen since. A gap between training and validation accuracy alone is normal (a
    network fits the digits it trains on better than new ones); the first epochs are
    never flagged.
    """
    if len(history.epochs) <= OVERFIT_EPOCHS:
        return None
    last, recent = history.epochs[-1], history.epochs[-OVERFIT_EPOCHS:]
    best = max(history.epochs, key=lambda e: e.valid_acc)
    chance = 2 * math.sqrt(best.valid_acc * (1 - best.valid_acc) / max(n_valid, 1))
    drop = best.valid_acc - sum(e.valid_acc for e in recent) / len(recent)
    if last.epoch - best.epoch < OVERFIT_EPOCHS or drop <= max(chance, OVERFIT_DROP):
        return None
    if last.train_acc <= best.train_acc:
        return None
    return (
        f"Overfitting: validation accuracy peaked at epoch {best.epoch} ({best.valid_acc:.1%}) "
        f"and fell to {last.valid_acc:.1%} by epoch {last.epoch}, while training accuracy "
        f"rose from {best.train_acc:.1%} to {last.train_acc:.1%}: the network is learning "
        "its training digits by heart rather than what makes a digit. More training "
        "examples, some L2, or fewer epochs help."
    )


def curves_alt(label: str, history: History, n_valid: int | None) -> str:
    """The training chart in a sentence (its text alternative): what the loss and the
    validation accuracy did so far."""
    if not history.points and not history.epochs:
        return "Chart of the loss and accuracy over the epochs: empty until a run starts."
    losses = [p.loss for p in history.points] or [e.loss for e in history.epochs]
    text = f"Chart of run {label}: the loss went from {losses[0]:.3g} to {losses[-1]:.3g}"
    if history.epochs:
        last = history.epochs[-1]
        on = f" on {n_valid:,} validation digits" if n_valid else ""
        text += (
            f" in {count(len(history.epochs), 'epoch')}; validation accuracy "
            f"{last.valid_acc:.1%}{on} after epoch {last.epoch}"
        )
    return text + "."


def curves_table(history: History) -> pd.DataFrame:
    """The chart's numbers, one row per epoch."""
    return pd.DataFrame(
        [
            {
                "epoch": e.epoch,
                "loss": round(e.loss, 4),
                "training accuracy": pct(e.train_acc),
                "validation accuracy": pct(e.valid_acc),
                "seconds": round(e.seconds, 2),
            }
            for e in history.epochs
        ],
        columns=["epoch", "loss", "training accuracy", "validation accuracy", "seconds"],
    )


def run_row(run: Run) -> dict[str, Any]:
    c, last = run.config, run.history.epochs[-1] if run.history.epochs else None
    return {
        "run": f"#{run.id}",
        "network": f"{run.architecture} {run.model.activation}",
        "lr": f"{c.lr:g}" if c else "?",
        "L2": f"{c.l2:g}" if c else "?",
        "batch": c.batch_size if c else None,
        "epochs": len(run.history.epochs),
        "status": "loaded" if _from_file(run) else run.history.status.value,
        "kept": "★" if run.starred else "",
        "train acc": pct(last and last.train_acc),
        "valid acc": pct(last and last.valid_acc),
        "test acc": pct(run.test_acc),
    }
