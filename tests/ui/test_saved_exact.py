"""Whether a saved run was trained exactly (by mlp_core's own step) survives the save: the
class challenge refuses a run the process split trained, also once it was saved."""

from __future__ import annotations

import dataclasses

import mlp_fast
import mlp_store as ms
from mlp_ui import saved_runs
from tests.store.helpers import record


def _stored(rec: ms.RunRecord) -> ms.StoredRun:
    summary = ms.RunSummary(1, 1, rec.name, rec.status, False, 0.0, 0.0, 0)
    return ms.StoredRun(summary, rec)


def test_the_recorded_flag_is_read_back():
    for exact in (True, False):
        rec = record()
        rec = dataclasses.replace(rec, provenance={**rec.provenance, "exact": exact})
        assert saved_runs.to_run(_stored(rec)).exact is exact


def test_a_run_saved_before_the_flag_is_judged_by_its_back_end_words():
    split = dataclasses.replace(record(), backend=f"{mlp_fast.SPLIT} for 40% of the minibatches")
    assert not saved_runs.to_run(_stored(split)).exact
    assert saved_runs.to_run(_stored(record())).exact  # "plain NumPy step"
