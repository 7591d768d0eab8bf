"""Playground snapshots saved for this browser's student (through mlp_ui.saved's identity).

A snapshot is kept as a small JSON document: its settings as URL keys, its epoch, its
network's weights and its curves. Non-finite numbers (a diverged run's loss) are kept as
null and come back as NaN.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import mlp_store as ms
from mlp_core.network import MLP
from mlp_core.playground import Curves, Snapshot
from mlp_core.playground_config import PlaygroundConfig
from mlp_ui import saved


def _num(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def _nums(values) -> list:
    return [_num(float(v)) for v in values]


def to_payload(snap: Snapshot) -> dict[str, Any]:
    c = snap.curves
    return {
        "query": snap.config.to_query(),
        "epoch": snap.epoch,
        "activation": snap.model.activation,
        "loss": snap.model.loss,
        "W": [[_nums(row) for row in W] for W in snap.model.W],
        "b": [_nums(b) for b in snap.model.b],
        "curves": {
            "epoch": list(map(int, c.epoch)),
            "train_loss": _nums(c.train_loss),
            "test_loss": _nums(c.test_loss),
            "grad_rms": [_nums(g) for g in c.grad_rms],
        },
    }


def _array(values) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=np.float32)


def from_payload(name: str, data: dict[str, Any]) -> Snapshot:
    config = PlaygroundConfig.from_query(data["query"])
    W = [np.array([_array(row) for row in w], dtype=np.float32) for w in data["W"]]
    b = [_array(v) for v in data["b"]]
    c = data["curves"]
    curves = Curves(
        list(c["epoch"]),
        [float(x) for x in _array(c["train_loss"])],
        [float(x) for x in _array(c["test_loss"])],
        [_array(g) for g in c["grad_rms"]],
    )
    model = MLP(W, b, data["activation"], data["loss"])
    return Snapshot(name, config, model, curves, int(data["epoch"]))


def keep(snap: Snapshot) -> None:
    """Save a snapshot just taken (a failure is noted; the snapshot stays in the tab)."""
    identity, db = saved.who(create=True), saved.store()
    if identity is None or db is None:
        return
    try:
        ms.save_snapshot(db, identity, snap.name, to_payload(snap))
    except ms.StoreError as exc:
        saved.note(f"Snapshot not saved: {exc}. It is kept in this tab.")


def load(last: int) -> list[Snapshot]:
    """The student's `last` newest saved snapshots (none if the database is down)."""
    identity, db = saved.who(), saved.store()
    if identity is None or db is None:
        return []
    try:
        kept = ms.snapshots_of(db, identity)[-last:]
    except ms.StoreError as exc:
        saved.note(f"Your saved snapshots cannot be loaded now: {exc}.")
        return []
    found = []
    for item in kept:
        try:
            found.append(from_payload(item.name, item.payload))
        except (KeyError, TypeError, ValueError):
            continue  # written by another version: skipped, not fatal
    return found


def forget_all() -> None:
    """Delete the student's saved snapshots ("Forget the snapshots")."""
    identity, db = saved.who(), saved.store()
    if identity is None or db is None:
        return
    try:
        for item in ms.snapshots_of(db, identity):
            ms.delete_snapshot(db, identity, item.id)
    except ms.StoreError as exc:
        saved.note(f"Snapshots not deleted from the database: {exc}.")
