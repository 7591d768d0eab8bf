"""Model, checkpoint and cache reads take turns on one lock: numpy parses array headers
with `ast`, which two threads of CPython cannot run at once (see mlp_core/npyio.py)."""

from __future__ import annotations

import io
import threading

import numpy as np
import pytest

from mlp_core.config import TrainConfig
from mlp_core.network import MLP
from mlp_core.npyio import PARSE_LOCK, read_npy, read_npz
from mlp_core.serialize import SavedModel, load_model, model_to_bytes


def _model_bytes() -> bytes:
    return model_to_bytes(SavedModel(MLP.create((4, 3, 2)), TrainConfig(), {}))


def test_a_model_read_waits_while_another_thread_parses():
    data, done = _model_bytes(), threading.Event()
    reader = threading.Thread(target=lambda: (load_model(data), done.set()))
    with PARSE_LOCK:
        reader.start()
        assert not done.wait(0.3)  # held up by the lock another reader would hold
    reader.join(10)
    assert done.is_set()


def test_reads_in_many_threads_give_every_array_back():
    data, errors, seen = _model_bytes(), [], []

    def read() -> None:
        try:
            for _ in range(50):
                seen.append(load_model(data).model.W[0].shape)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=read) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and seen == [(4, 3)] * 400


def test_read_npz_and_read_npy_never_unpickle(tmp_path):
    buffer = io.BytesIO()
    np.savez(buffer, a=np.arange(3), o=np.array([{"x": 1}], dtype=object))
    with pytest.raises(ValueError, match="pickle"):
        read_npz(buffer.getvalue())
    np.save(tmp_path / "o.npy", np.array([None], dtype=object))
    with pytest.raises(ValueError, match="pickle"):
        read_npy(tmp_path / "o.npy")
    np.save(tmp_path / "a.npy", np.arange(5, dtype=np.uint8))
    assert read_npy(tmp_path / "a.npy").tolist() == [0, 1, 2, 3, 4]
