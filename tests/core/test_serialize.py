"""Model files: .npz round-trips, no pickle, and every kind of bad file is a ModelFileError."""

from __future__ import annotations

import io
import json
import pickle
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlp_core.config import BOOK, TrainConfig
from mlp_core.network import MLP
from mlp_core.serialize import (
    ModelFileError,
    SavedModel,
    load_model,
    model_to_bytes,
    save_model,
)
from mlp_core.training import new_model


def _saved(dtype=np.float32, config: TrainConfig | None = None) -> SavedModel:
    model = MLP.create((6, 5, 4, 3), "tanh", "sigmoid_bce", init="xavier", seed=2, dtype=dtype)
    rng = np.random.default_rng(0)
    for b in model.b:  # non-zero biases, so they are checked as well
        b[...] = rng.normal(size=b.shape)
    metadata = {"test_acc": 0.9774, "epochs": [1, 2, 3], "note": "ünïcode ✓", "nested": {"a": None}}
    return SavedModel(model, config or TrainConfig(hidden=5, layers=2), metadata)


VALID = model_to_bytes(_saved())


def _arrays(data: bytes = VALID) -> dict[str, np.ndarray]:
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        return {name: npz[name] for name in npz.files}


def _npz(arrays: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def _tampered(**changes) -> bytes:
    """The valid file's arrays with some replaced (a value of None removes the entry)."""
    arrays = _arrays()
    for name, value in changes.items():
        if value is None:
            del arrays[name]
        else:
            arrays[name] = value
    return _npz(arrays)


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _assert_same(loaded: SavedModel, saved: SavedModel) -> None:
    assert len(loaded.model.W) == len(saved.model.W)
    for p, q in zip(loaded.model.parameters(), saved.model.parameters(), strict=True):
        assert p.dtype == q.dtype
        np.testing.assert_array_equal(p, q)  # bit for bit
    assert (loaded.model.activation, loaded.model.loss) == (saved.model.activation, "sigmoid_bce")
    assert loaded.config == saved.config
    assert loaded.metadata == saved.metadata


# -- round trips ----------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_round_trip_through_bytes(dtype):
    saved = _saved(dtype, BOOK)
    _assert_same(load_model(model_to_bytes(saved)), saved)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_round_trip_through_a_file(tmp_path, dtype):
    saved = _saved(dtype)
    path = save_model(tmp_path / "model.npz", saved)
    assert path == tmp_path / "model.npz"
    _assert_same(load_model(path), saved)
    _assert_same(load_model(str(path)), saved)
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]  # no temporary file left


def test_saving_over_an_existing_file_replaces_it(tmp_path):
    path = tmp_path / "model.npz"
    path.write_text("old")
    save_model(path, _saved())
    _assert_same(load_model(path), _saved())


def test_a_model_without_config_round_trips():
    saved = SavedModel(MLP.create((4, 3, 2), seed=0))
    loaded = load_model(model_to_bytes(saved))
    assert loaded.config is None and loaded.metadata == {}
    np.testing.assert_array_equal(loaded.model.W[1], saved.model.W[1])


def test_the_loaded_model_predicts_like_the_saved_one():
    saved = _saved()
    X = np.random.default_rng(1).normal(size=(10, 6)).astype(np.float32)
    loaded = load_model(model_to_bytes(saved))
    np.testing.assert_array_equal(loaded.model.predict_proba(X), saved.model.predict_proba(X))


def test_the_file_is_a_plain_npz_with_named_arrays():
    arrays = _arrays()
    assert {"W0", "b0", "W1", "b1", "W2", "b2", "config", "metadata"} <= set(arrays)
    assert all(a.dtype != object for a in arrays.values())
    assert json.loads(str(arrays["config"]))["hidden"] == 5


# -- no pickle ------------------------------------------------------------------------
_EXECUTED: list[str] = []


def _side_effect() -> str:
    _EXECUTED.append("ran")
    return "pwned"


class _Payload:
    """Pickles to a call of _side_effect: unpickling it would run code."""

    def __reduce__(self):
        return (_side_effect, ())


@pytest.fixture
def no_pickle(monkeypatch):
    """Any attempt to unpickle fails the test loudly."""

    def refuse(*args, **kwargs):
        raise AssertionError("load_model tried to unpickle")

    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)


def test_loading_a_valid_file_needs_no_pickle(no_pickle):
    _assert_same(load_model(VALID), _saved())


def test_a_file_with_an_object_array_is_refused(no_pickle):
    payload = np.array([_Payload()], dtype=object)
    buffer = io.BytesIO()
    np.savez(buffer, **{**_arrays(), "W0": payload})  # savez pickles object arrays
    with pytest.raises(ModelFileError, match="pickle"):
        load_model(buffer.getvalue())
    assert _EXECUTED == []


def test_object_arrays_are_refused_even_if_unpickling_were_possible():
    payload = np.array([_Payload()], dtype=object)
    buffer = io.BytesIO()
    np.savez(buffer, **{**_arrays(), "metadata": payload})
    with pytest.raises(ModelFileError, match="pickle"):
        load_model(buffer.getvalue())
    assert _EXECUTED == []


# -- bad files ------------------------------------------------------------------------
def _huge_declared_size() -> bytes:
    """A valid file whose zip directory claims an entry unpacks to 2 GB."""
    data = bytearray(VALID)
    entry = data.find(b"PK\x01\x02")  # first central-directory record
    data[entry + 24 : entry + 28] = struct.pack("<I", 2**31 - 1)  # uncompressed size
    return bytes(data)


def _bomb() -> bytes:
    """A valid-looking .npz of 16 MB of zeros: a few KB, unpacking 1000 times larger."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **{**_arrays(), "W0": np.zeros((784, 5351), np.float32)})
    return buffer.getvalue()


def _npy_declaring_a_huge_shape() -> bytes:
    """An .npy inside the zip whose header claims 10**12 x 3 floats."""
    with zipfile.ZipFile(io.BytesIO(VALID)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    files["W0.npy"] = files["W0.npy"].replace(b"(6, 5)", b"(1000000000000, 3)")
    return _zip(files)


BAD_FILES = {
    "random-bytes": (np.random.default_rng(0).bytes(2000), "not a zip"),
    "random-bytes-after-PK": (b"PK" + np.random.default_rng(1).bytes(2000), "damaged"),
    "empty": (b"", "the file is empty"),
    "truncated": (VALID[: len(VALID) // 2], "damaged or truncated"),
    "truncated-to-header": (VALID[:30], "damaged or truncated"),
    "zip-of-other-stuff": (_zip({"readme.txt": b"hello"}), "not an MLP Lab model"),
    "npz-of-other-arrays": (_npz({"x": np.arange(3.0)}), "not an MLP Lab model"),
    "text-renamed": (b"W0,b0\n1,2\n", "not a zip"),
    "huge-declared-size": (_huge_declared_size(), "400 MB"),
    "zip-bomb-under-400-MB": (_bomb(), "a zip bomb"),
    "huge-npy-shape": (_npy_declaring_a_huge_shape(), "damaged"),
    "wrong-format": (_tampered(format=np.array("mlp-lab-model/99")), "format"),
    "no-format": (_tampered(format=None), "format"),
    "bias-wrong-length": (_tampered(b0=np.zeros(4, np.float32)), "do not fit"),
    "layers-do-not-chain": (_tampered(W1=np.zeros((7, 4), np.float32)), "inputs"),
    "W-not-a-matrix": (_tampered(W0=np.zeros(30, np.float32)), "inconsistent"),
    "nan-weight": (_tampered(W1=np.full((5, 4), np.nan, np.float32)), "NaN"),
    "inf-bias": (_tampered(b2=np.array([0, np.inf, 0], np.float32)), "infinite"),
    "int-weights": (_tampered(W0=np.zeros((6, 5), np.int64)), "float32 or float64"),
    "missing-b1": (_tampered(b1=None), "b1"),
    "no-layers": (_tampered(W0=None, W1=None, W2=None), "weight matrices"),
    "too-many-layers": (
        _tampered(**{f"W{i}": np.zeros((3, 3), np.float32) for i in range(3, 17)}),
        "weight matrices",
    ),
    "bad-json-model": (_tampered(model=np.array("{activation: tanh")), "not valid JSON"),
    "bad-json-config": (_tampered(config=np.array("{'lr': 0.1}")), "not valid JSON"),
    "bad-json-metadata": (_tampered(metadata=np.array("[1, 2")), "not valid JSON"),
    "model-not-text": (_tampered(model=np.arange(3)), "not text"),
    "model-not-an-object": (_tampered(model=np.array("[1, 2]")), "JSON object"),
    "unknown-activation": (
        _tampered(model=np.array(json.dumps({"activation": "swish", "loss": "softmax_ce"}))),
        "activation",
    ),
    "metadata-not-an-object": (_tampered(metadata=np.array("[1, 2]")), "JSON object"),
    "config-invalid": (
        _tampered(config=np.array(json.dumps({**TrainConfig().to_dict(), "lr": 0}))),
        "training settings",
    ),
    "config-unknown-key": (
        _tampered(config=np.array(json.dumps({"dropout": 0.5}))),
        "training settings",
    ),
    "config-not-an-object": (_tampered(config=np.array("[1]")), "training settings"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_files_raise_model_file_error_with_a_clear_message(name):
    data, words = BAD_FILES[name]
    with pytest.raises(ModelFileError) as error:
        load_model(data)
    message = str(error.value)
    assert words in message, message
    assert "\n" not in message


@pytest.mark.parametrize("name", ["text-renamed", "empty", "truncated", "huge-declared-size"])
def test_bad_files_on_disk(tmp_path, name):
    path = tmp_path / "model.npz"
    path.write_bytes(BAD_FILES[name][0])
    with pytest.raises(ModelFileError):
        load_model(path)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(ModelFileError, match="cannot read"):
        load_model(tmp_path / "nope.npz")
    with pytest.raises(ModelFileError, match="cannot read"):
        load_model(tmp_path)


def test_model_file_error_is_a_value_error():
    """So callers (CLI, pages) that catch ValueError show it as a one-line error."""
    assert issubclass(ModelFileError, ValueError)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    flips=st.lists(
        st.tuples(st.integers(0, len(VALID) - 1), st.integers(0, 255)), min_size=0, max_size=4
    ),
    keep=st.one_of(st.none(), st.integers(0, len(VALID))),
)
def test_property_damaged_files_load_or_raise_model_file_error(flips, keep):
    data = bytearray(VALID)
    for index, value in flips:
        data[index] = value
    if keep is not None:
        data = data[:keep]
    try:
        loaded = load_model(bytes(data))
    except ModelFileError as error:
        assert str(error)
    else:  # a change the format shrugs off (zip padding, a JSON space, ...) must still fit
        assert isinstance(loaded.model, MLP) and loaded.model.is_finite()


def test_examples_of_damage_that_used_to_escape():
    """Byte flips that once escaped as zlib.error, NotImplementedError or RuntimeError."""
    data = bytearray(VALID)
    central = data.find(b"PK\x01\x02")  # the first entry's directory record
    version = bytearray(data)
    version[central + 6] = 99  # "needs zip version 9.9"
    flagged = bytearray(data)
    flagged[central + 8] |= 0x01  # "encrypted"
    method = bytearray(data)
    method[central + 10] = 99  # an unknown compression method
    local = data.find(b"PK\x03\x04")
    deflate = bytearray(data)
    name_length, extra_length = struct.unpack("<HH", bytes(data[local + 26 : local + 30]))
    start = local + 30 + name_length + extra_length
    deflate[start : start + 8] = b"\xff" * 8  # garbage compressed data
    for damaged in (flagged, method, version, deflate):
        with pytest.raises(ModelFileError):
            load_model(bytes(damaged))


def test_a_valid_file_written_by_hand_loads(tmp_path):
    """Nothing ties the format to np.savez_compressed: plain np.savez works too."""
    buffer = io.BytesIO()
    np.savez(buffer, **_arrays())
    _assert_same(load_model(buffer.getvalue()), _saved())


def test_paths_can_be_path_or_str(tmp_path):
    path = Path(save_model(str(tmp_path / "m.npz"), _saved()))
    assert path.is_file()


def test_a_real_model_past_the_bomb_check_loads_compressed():
    """Random weights hardly compress: a 784-3000-10 model (9.4 MB) is not a zip bomb."""
    config = TrainConfig(hidden=3000)
    saved = SavedModel(new_model(config, 784, 10), config)
    back = load_model(model_to_bytes(saved, compressed=True))
    assert back.model.sizes == (784, 3000, 10)
