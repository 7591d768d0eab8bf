"""A session's run as the store keeps it, and back (mlp_ui.saved makes the saves).

What is saved of a run: its model file, history, settings, where its data came from
(provenance), which back-end trained it and whether that was exact (Backend.exact).
"""

from __future__ import annotations

import mlp_fast
import mlp_store as ms
from mlp_core.config import TrainConfig
from mlp_core.history import History, Status
from mlp_core.provenance import TrainedOn
from mlp_core.serialize import SavedModel, load_model, model_to_bytes
from mlp_ui import state


def to_run(stored: ms.StoredRun) -> state.Run:
    """A saved run as the session keeps it (its Trainer is made again on Continue)."""
    rec, summary = stored.record, stored.summary
    model = load_model(rec.model).model
    history = History.from_dict(rec.history)
    if history.status is Status.RUNNING:  # it was training when its page went away
        history.points = [p for p in history.points if p.at <= len(history.epochs)]
        history.status = Status.STOPPED
        history.message = (
            f"cut short at epoch {len(history.epochs)} (the page was closed or the server "
            "restarted): Continue trains on from its last saved weights"
        )
    prov = rec.provenance or {}
    run = state.Run(
        summary.number,
        rec.name,
        model,
        history,
        config=TrainConfig.from_dict(rec.settings) if rec.settings else None,
        source=_source(str(prov.get("source") or "")),
        data=str(prov.get("data", "")),
        trained_on=TrainedOn.from_dict(prov.get("trained_on")),
        test_acc=prov.get("test_acc"),
        test_on=str(prov.get("test_on", "")),
        created=summary.created,
    )
    run.saved_id, run.starred, run.backend = summary.id, summary.starred, rec.backend
    run.saved_exact = _exact(prov, rec.backend)
    return run


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
    )
