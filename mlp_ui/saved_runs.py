"""A session's run as the store keeps it, and back (mlp_ui.saved makes the saves).

What is saved of a run: its model file, history, settings, where its data came from
(provenance), which back-end trained it and whether that was exact (Backend.exact), and
its training checkpoint (momentum, place in the epoch: `Trainer.checkpoint`), so a run
cut short goes on exactly from its last save.
"""

from __future__ import annotations

import mlp_fast
import mlp_store as ms
from mlp_core.config import TrainConfig
from mlp_core.history import History, Status
from mlp_core.provenance import TrainedOn
from mlp_core.serialize import (
    ModelFileError,
    SavedModel,
    checkpoint_to_bytes,
    load_checkpoint,
    load_model,
    model_to_bytes,
)
from mlp_core.training import Checkpoint
from mlp_ui import state

CHECKPOINT_ROOM = ms.runs.MAX_RUN_BYTES * 3 // 4
"""A run's weights and checkpoint together at most (the history takes the rest)."""


def to_run(stored: ms.StoredRun) -> state.Run:
    """A saved run as the session keeps it (its Trainer is made again on Continue)."""
    rec, summary = stored.record, stored.summary
    model = load_model(rec.model).model
    history = History.from_dict(rec.history)
    point = _checkpoint(rec.checkpoint)
    if history.status is Status.RUNNING:  # it was training when its page went away
        history.status = Status.STOPPED
        history.message = cut_short(history, point)
        if point is None:
            history.points = [p for p in history.points if p.at <= len(history.epochs)]
    prov = rec.provenance or {}
    test_acc, test_on = prov.get("test_acc"), str(prov.get("test_on", ""))
    if test_acc is not None and "(the public half)" not in test_on:
        test_acc, test_on = None, ""  # saved before the halves: scored again on the public one
    run = state.Run(
        summary.number,
        rec.name,
        model,
        history,
        config=TrainConfig.from_dict(rec.settings) if rec.settings else None,
        source=_source(str(prov.get("source") or "")),
        data=str(prov.get("data", "")),
        trained_on=TrainedOn.from_dict(prov.get("trained_on")),
        test_acc=test_acc,
        test_on=test_on,
        created=summary.created,
    )
    run.saved_id, run.starred, run.backend = summary.id, summary.starred, rec.backend
    run.saved_exact = _exact(prov, rec.backend)
    run.checkpoint = rec.checkpoint if point is not None else None
    return run


def _checkpoint(data: bytes | None) -> Checkpoint | None:
    if data is None:
        return None
    try:
        return load_checkpoint(data)
    except ModelFileError:  # checked when it was saved; a damaged one: weights alone
        return None


def cut_short(history: History, point: Checkpoint | None) -> str:
    """The message of a run that was training when its page, server or replica went away."""
    why = "the page was closed, or its server restarted or stopped"
    if point is None:
        return (
            f"cut short at epoch {len(history.epochs)} ({why}): Continue trains on from "
            "its last saved weights, with momentum starting afresh"
        )
    at = point.books["epoch"] + point.books["pos"] / point.books["n"]
    return (
        f"cut short at epoch {at:.2f}, its last saved minibatch ({why}). Continue goes "
        "on from exactly there, momentum and all"
    )


def _exact(provenance: dict, backend: str) -> bool:
    """Whether a saved run's back-end was exact. Runs saved before `exact` was recorded
    have only the back-end's words: the split's name in them says it took part."""
    recorded = provenance.get("exact")
    return recorded if isinstance(recorded, bool) else mlp_fast.SPLIT not in backend


def _source(recorded: str) -> str:
    """Where a saved run came from, as seen from a later session."""
    if recorded.startswith("loaded from"):
        return recorded
    return "saved for this browser earlier"


def record(run: state.Run) -> ms.RunRecord:
    """What is saved of a run (taken under its lock: a consistent model and history)."""
    with run.lock:
        history = run.history.to_dict()
        blob = model_to_bytes(SavedModel(run.model, run.config, {}), compressed=False)
        backend = run.trainer.backend_used if run.trainer is not None else run.backend
        point = run.checkpoint
        if run.trainer is not None and run.trainer.history.status is not Status.DIVERGED:
            point = checkpoint_to_bytes(run.trainer.checkpoint())
        provenance = {
            "source": run.source,
            "data": run.data,
            "trained_on": run.trained_on.to_dict() if run.trained_on else None,
            "test_acc": run.test_acc,
            "test_on": run.test_on,
            "exact": run.exact,
        }
    return ms.RunRecord(
        name=run.name[: ms.runs.MAX_NAME],
        status=str(history["status"]),
        history=history,
        model=blob,
        settings=run.config.to_dict() if run.config else None,
        provenance=provenance,
        backend=backend[: ms.runs.MAX_NAME],
        seconds=float(sum(e["seconds"] for e in history["epochs"])),
        number=run.id,
        # Too large beside the weights (a network of millions of weights): saved without
        # it, and Continue goes on from the weights alone.
        checkpoint=point if point and len(blob) + len(point) < CHECKPOINT_ROOM else None,
    )
