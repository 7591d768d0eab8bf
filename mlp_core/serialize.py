"""Model files: `.npz` with W0.., b0.., the config and metadata as JSON. Never pickle.

A file that is not ours, truncated, tampered with or absurdly large raises
ModelFileError with the reason; loading never executes anything from the file.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mlp_core.config import TrainConfig
from mlp_core.network import MLP
from mlp_core.npyio import read_npz
from mlp_core.training import CHECKPOINT_FORMAT, Checkpoint

FORMAT = "mlp-lab-model/1"
MAX_LAYERS = 16
MAX_UNPACKED_BYTES = 400 * 2**20  # more than any network the app can build
MAX_RATIO = 20
"""A model's arrays are mostly random floats, which hardly compress (about 1.1x): a file
past SMALL_UNPACKED that unpacks to more than MAX_RATIO times its size is a zip bomb
(0.4 MB of zeros unpacking to 384 MB, under MAX_UNPACKED_BYTES, was read whole)."""
SMALL_UNPACKED = 8 * 2**20


# What a corrupt zip or npy raises while being read: bad deflate data (zlib.error), a
# flipped flag or version byte (NotImplementedError, RuntimeError "encrypted"), a header
# that declares a huge array (MemoryError).
_DAMAGED = (
    OSError,
    EOFError,
    KeyError,
    zipfile.BadZipFile,
    zlib.error,
    NotImplementedError,
    RuntimeError,
    MemoryError,
)


class ModelFileError(ValueError):
    """The file is not a usable MLP Lab model; the message says why."""


@dataclass
class SavedModel:
    """A model with the config that trained it (if any) and free-form metadata."""

    model: MLP
    config: TrainConfig | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


def model_to_bytes(saved: SavedModel, compressed: bool = True) -> bytes:
    """Serialise to the bytes of an .npz file (`compressed=False`: stored as they are, which
    trained float32 weights barely shrink from, ~20x faster; the app's saves while a run
    trains use it)."""
    arrays: dict[str, np.ndarray] = {"format": np.array(FORMAT)}
    for l, (W, b) in enumerate(zip(saved.model.W, saved.model.b, strict=True)):
        arrays[f"W{l}"], arrays[f"b{l}"] = W, b
    header = {"activation": saved.model.activation, "loss": saved.model.loss}
    arrays["model"] = np.array(json.dumps(header))
    arrays["config"] = np.array(json.dumps(saved.config.to_dict() if saved.config else None))
    arrays["metadata"] = np.array(json.dumps(saved.metadata, default=str))
    buffer = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buffer, **arrays)
    return buffer.getvalue()


def save_model(path: str | os.PathLike, saved: SavedModel) -> Path:
    """Write atomically (temporary file, then rename)."""
    path = Path(path)
    data = model_to_bytes(saved)
    with tempfile.NamedTemporaryFile(dir=path.parent or ".", delete=False, suffix=".tmp") as f:
        f.write(data)
    os.replace(f.name, path)
    return path


def load_model(source: str | os.PathLike | bytes) -> SavedModel:
    """Read and validate a model file (a path or the file's bytes)."""
    data = _read_bytes(source)
    _check_zip(data)
    try:
        arrays = read_npz(data)
    except ValueError as exc:  # object arrays need pickle, which we refuse
        if "pickle" not in str(exc):  # a garbled .npy header or short data
            raise ModelFileError(f"the file is damaged or truncated ({exc})") from None
        raise ModelFileError(
            f"the file holds data that would need pickle to load ({exc}); refused"
        ) from None
    except _DAMAGED as exc:
        raise ModelFileError(f"the file is damaged or truncated ({exc})") from None
    return _from_arrays(arrays)


def _read_bytes(source: str | os.PathLike | bytes) -> bytes:
    if isinstance(source, (bytes, bytearray)):
        return bytes(source)
    try:
        return Path(source).read_bytes()
    except OSError as exc:
        raise ModelFileError(f"cannot read {source}: {exc.strerror or exc}") from None


def _check_zip(data: bytes, max_entries: int = 2 * MAX_LAYERS + 4) -> None:
    if not data:
        raise ModelFileError("the file is empty (0 bytes)")
    if not data.startswith(b"PK"):
        raise ModelFileError("not an .npz model file (it is not a zip archive)")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except _DAMAGED as exc:
        raise ModelFileError(f"the file is damaged or truncated ({exc})") from None
    unpacked = sum(info.file_size for info in infos)
    if unpacked > MAX_UNPACKED_BYTES:
        raise ModelFileError("the file unpacks to more than 400 MB: refused")
    if unpacked > max(SMALL_UNPACKED, MAX_RATIO * len(data)):
        raise ModelFileError(
            f"the file unpacks to {unpacked / 2**20:.0f} MB from {len(data) / 2**20:.1f} MB, "
            "which a model's weights never do (a zip bomb?): refused"
        )
    if len(infos) > max_entries:
        raise ModelFileError(f"the file has {len(infos)} entries: not an MLP Lab model")


def _json(arrays: dict[str, np.ndarray], key: str) -> Any:
    if key not in arrays:
        raise ModelFileError(f"the file has no '{key}' entry: not an MLP Lab model")
    value = arrays[key]
    if value.dtype.kind != "U" or value.ndim != 0:
        raise ModelFileError(f"the '{key}' entry is not text")
    try:
        return json.loads(str(value))
    except json.JSONDecodeError as exc:
        raise ModelFileError(f"the '{key}' entry is not valid JSON ({exc.msg})") from None


def _from_arrays(arrays: dict[str, np.ndarray]) -> SavedModel:
    if _json_text(arrays.get("format")) != FORMAT:
        raise ModelFileError(f"not an MLP Lab model file (expected format {FORMAT!r})")
    header = _json(arrays, "model")
    if not isinstance(header, dict):
        raise ModelFileError("the 'model' entry is not a JSON object")
    W, b = _layers(arrays)
    try:
        model = MLP(W, b, str(header.get("activation")), str(header.get("loss")))
    except ValueError as exc:
        raise ModelFileError(f"the network in the file is inconsistent: {exc}") from None
    config, metadata = _json(arrays, "config"), _json(arrays, "metadata")
    try:
        config = TrainConfig.from_dict(config) if config is not None else None
    except (TypeError, ValueError) as exc:
        raise ModelFileError(f"the training settings in the file are invalid: {exc}") from None
    if not isinstance(metadata, dict):
        raise ModelFileError("the 'metadata' entry is not a JSON object")
    return SavedModel(model, config, metadata)


def _json_text(value: np.ndarray | None) -> str | None:
    if value is None or value.dtype.kind != "U" or value.ndim != 0:
        return None
    return str(value)


def _layers(arrays: dict[str, np.ndarray]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    n = 0
    while f"W{n}" in arrays:
        n += 1
    if not 1 <= n <= MAX_LAYERS:
        raise ModelFileError(f"the file has {n} weight matrices (expected 1 to {MAX_LAYERS})")
    W, b = [], []
    for l in range(n):
        if f"b{l}" not in arrays:
            raise ModelFileError(f"layer {l} has weights but no biases (b{l} is missing)")
        for name in (f"W{l}", f"b{l}"):
            p = arrays[name]
            if p.dtype not in (np.float32, np.float64):
                raise ModelFileError(f"{name} is {p.dtype}, expected float32 or float64")
            if not np.isfinite(p).all():
                raise ModelFileError(f"{name} contains NaN or infinite values")
        W.append(arrays[f"W{l}"])
        b.append(arrays[f"b{l}"].astype(arrays[f"W{l}"].dtype, copy=False))
    return W, b


# -- a training checkpoint: where a run was between two minibatches ----------------------
_CHECKPOINT_PARTS = {"V": "velocities", "E": "epoch_start", "B": "best"}


def checkpoint_to_bytes(point: Checkpoint) -> bytes:
    """A `Trainer.checkpoint()` as the bytes of an .npz file (stored, not compressed:
    velocities barely shrink), to keep beside the model file of its run."""
    arrays: dict[str, np.ndarray] = {"format": np.array(CHECKPOINT_FORMAT)}
    arrays["books"] = np.array(json.dumps(point.books))
    for prefix, name in _CHECKPOINT_PARTS.items():
        for i, a in enumerate(getattr(point, name)):
            arrays[f"{prefix}{i}"] = a
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def load_checkpoint(data: bytes) -> Checkpoint:
    """Read and check the bytes of `checkpoint_to_bytes` (never pickle): ModelFileError
    says why they are not one. `Trainer.resume` checks that it fits the run."""
    _check_zip(data, 3 * 2 * MAX_LAYERS + 2)
    try:
        arrays = read_npz(data)
    except (ValueError, *_DAMAGED) as exc:
        raise ModelFileError(f"the checkpoint is damaged or refused ({exc})") from None
    if _json_text(arrays.get("format")) != CHECKPOINT_FORMAT:
        raise ModelFileError(f"not a training checkpoint (expected {CHECKPOINT_FORMAT!r})")
    books = _json(arrays, "books")
    if not isinstance(books, dict):
        raise ModelFileError("the checkpoint's 'books' entry is not a JSON object")
    parts: dict[str, list[np.ndarray]] = {}
    for prefix, name in _CHECKPOINT_PARTS.items():
        found = []
        while f"{prefix}{len(found)}" in arrays:
            a = arrays[f"{prefix}{len(found)}"]
            if a.dtype not in (np.float32, np.float64) or not np.isfinite(a).all():
                raise ModelFileError(f"the checkpoint's {name} are not finite float arrays")
            found.append(a)
        parts[name] = found
    return Checkpoint(books, **parts)
