"""Libraries comparisons kept for this browser's student: saved when a comparison ends
or is stopped (its settings, every library's curves and test accuracies), and listed
on the Libraries page, also in a later session."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import streamlit as st

import mlp_store as ms
from mlp_core.training import Status
from mlp_ui import saved

if TYPE_CHECKING:
    from mlp_compare.runs import Comparison

_DONE = "mlp_saved_comparisons"  # (id of the comparison, its epochs) already saved


def _finite(x: Any) -> Any:
    return x if not isinstance(x, float) or math.isfinite(x) else None


def to_payload(found: Comparison) -> dict[str, Any]:
    runs = {}
    for name, run in found.runs.items():
        history = run.history.to_dict()
        history["epochs"] = [{k: _finite(v) for k, v in e.items()} for e in history["epochs"]]
        history["points"] = [{k: _finite(v) for k, v in p.items()} for p in history["points"]]
        history["diverged_at"] = _finite(history["diverged_at"])
        runs[name] = history
    scores = {
        f"{lib} after {epochs} epochs": _finite(acc)
        for (lib, epochs), acc in found.test_scores.items()
    }
    return {
        "settings": found.config.to_dict(),
        "data": found.data_source,
        "status": found.status.value,
        "runs": runs,
        "test_scores": scores,
    }


def keep(found: Comparison, name: str) -> None:
    """Save a comparison that ended or was stopped (once for each state it reaches)."""
    with found.lock:
        if found.status is Status.RUNNING:
            return
        mark = (id(found), tuple(len(r.history.epochs) for r in found.runs.values()))
        if mark in st.session_state.setdefault(_DONE, set()):
            return
        payload = to_payload(found)
    identity, db = saved.who(create=True), saved.store()
    if identity is None or db is None:
        return
    try:
        ms.save_comparison(db, identity, name[: ms.runs.MAX_NAME], payload)
    except ms.StoreError as exc:
        saved.note(f"Comparison not kept: {exc}. It stays on this page meanwhile.")
        return
    st.session_state[_DONE].add(mark)


def rows(kept: list[ms.Kept]) -> list[dict[str, Any]]:
    """One row per library of each kept comparison: epochs and last validation accuracy."""
    table = []
    for item in reversed(kept):
        for library, history in item.payload.get("runs", {}).items():
            epochs = history.get("epochs") or []
            last = epochs[-1].get("valid_acc") if epochs else None
            table.append(
                {
                    "comparison": item.name,
                    "library": library,
                    "epochs": len(epochs),
                    "validation accuracy": "–" if last is None else f"{last:.2%}",
                    "status": history.get("status", ""),
                }
            )
    return table


def kept_panel() -> None:
    """The comparisons this student kept, newest first (nothing if none or no database)."""
    identity, db = saved.who(), saved.store()
    if identity is None or db is None:
        return
    try:
        kept = ms.comparisons_of(db, identity)
    except ms.StoreError:
        return
    if kept:
        with st.expander(f"Comparisons you kept ({len(kept)})", icon=":material/save:"):
            st.dataframe(rows(kept), hide_index=True, width="stretch")
