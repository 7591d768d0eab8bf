"""The teacher trains a submission again on the server (SQLite and PostgreSQL): the same
settings and seed on the exact route (mlp_fast.choose(exact=True)) give the saved weights
bit for bit and the same private score, also while another run trains; a model that does
not come from its settings does not; only the class's teacher gets a model file."""

from __future__ import annotations

import numpy as np
import pytest

import mlp_fast
from mlp_class import scoring
from mlp_class.api import ClassStore, NewEntry, Refused
from mlp_core.challenge import Evidence, Rules, n_params
from mlp_core.config import TrainConfig
from mlp_core.serialize import SavedModel, model_to_bytes
from mlp_core.training import Trainer
from mlp_store import identity_for, new_secret
from tests.fast.digits import BATCH, digits_like
from tests.fast.test_exact import _Busy

# 64 units: alone, a run not chosen exact would take the process split (worth it here)
CONFIG = TrainConfig(hidden=64, batch_size=BATCH, epochs=2, seed=5, lr=0.05)
DATA = digits_like(dtype=np.float32)
PRIVATE = digits_like(n=300, dtype=np.float32, seed=4, n_train=300)  # stands for the half


def _trained(config: TrainConfig = CONFIG) -> Trainer:
    """A run as the Train page trains one in a challenge: exact, in slices of minibatches."""
    trainer = Trainer(config, DATA, backend=mlp_fast.choose(exact=True))
    while not trainer.finished:
        trainer.step(max_batches=3)
    trainer.backend.close()
    return trainer


def _evidence(trainer: Trainer) -> Evidence:
    seconds = sum(e.seconds for e in trainer.history.epochs)
    epochs = len(trainer.history.epochs)
    return Evidence(trainer.config, trainer.model.sizes, epochs, seconds, True, None)


@pytest.fixture
def room(store):
    classes = ClassStore(store)
    teacher, ada = (identity_for(store, new_secret(), create=True) for _ in range(2))
    code, key = classes.create_class("Period 3", teacher)
    ch = classes.add_challenge(code, key, "Exact", Rules())
    classes.join(code, ada, "Ada")
    return classes, code, key, ch, ada


def _submit(room, trainer: Trainer) -> tuple[int, float]:
    classes, code, _, ch, ada = room
    entry = scoring.entry(
        trainer.model, _evidence(trainer), trainer.history, PRIVATE.X_train, PRIVATE.y_train
    )
    return classes.submit(code, ch, ada, entry), entry.score


def _retrain(room, sid: int) -> scoring.Retrained:
    classes, code, key, *_ = room
    saved, epochs = classes.saved_model(code, key, sid)
    backend = mlp_fast.choose(exact=True)
    return scoring.retrain(saved, epochs, DATA, PRIVATE.X_train, PRIVATE.y_train, backend)


def test_a_submission_trains_again_to_the_same_bits_with_the_server_busy(room):
    trainer = _trained()
    sid, score = _submit(room, trainer)
    with _Busy():  # another run of this server trains all the while
        again = _retrain(room, sid)
    assert again.same and again.equal == again.total == n_params(trainer.model.sizes)
    assert again.largest == 0.0 and again.score == score
    assert mlp_fast.EXACT in again.trained_by
    idle = _retrain(room, sid)
    assert idle.same and idle.score == score


def test_a_model_its_settings_do_not_give_is_found_out(room):
    other = _trained(CONFIG.replace(seed=6))  # trained with seed 6 ...
    forged = model_to_bytes(SavedModel(other.model, CONFIG, {}))  # ... saying seed 5
    classes, code, _, ch, ada = room
    entry = scoring.entry(
        other.model, _evidence(other), other.history, PRIVATE.X_train, PRIVATE.y_train
    )
    sid = classes.submit(code, ch, ada, NewEntry(forged, *_rest(entry)))
    again = _retrain(room, sid)
    assert not again.same and again.equal < again.total and again.largest > 0


def _rest(entry: NewEntry) -> tuple:
    return entry.score, entry.params, entry.seconds, entry.epochs, entry.config, entry.history


def test_only_the_teacher_of_the_class_gets_a_model_file(room, store):
    classes, code, key, ch, ada = room
    sid, _ = _submit(room, _trained())
    with pytest.raises(Refused, match="do not match a class"):
        classes.saved_model(code, "x" * len(key), sid)
    other_code, other_key = classes.create_class("Other", identity_for(store, new_secret(), True))
    with pytest.raises(Refused, match="no such entry in this class"):
        classes.saved_model(other_code, other_key, sid)
    with pytest.raises(Refused, match="no such entry in this class"):
        classes.saved_model(code, key, "1; DROP TABLE class_submissions")
