"""Downloading files over HTTP: each tried on every mirror, md5-checked, written atomically.

Standard library only (urllib). A mirror that fails once (no network, a broken server)
is not tried again for the other files; the error says every mirror's reason, and
`DownloadError.short` the first in a few words for people.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import socket
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from mlp_core.idx import DataError

MAX_DOWNLOAD_BYTES = 1 << 26  # the largest MNIST gz is 9.9 MB

Progress = Callable[[int, int, str], None]
"""progress(done_bytes, total_bytes, filename); total_bytes is 0 when unknown."""


class DownloadError(DataError):
    """A download failed. str() has every mirror's reason; `short` says why in a few words,
    `folder` is where the files were to go."""

    def __init__(self, message: str, short: str, folder: Path) -> None:
        super().__init__(message)
        self.short, self.folder = short, folder


def download_files(
    folder: Path,
    md5s: Mapping[str, str],
    mirrors: Sequence[str],
    progress: Progress | None,
    timeout: float,
) -> list[str]:
    """Download every file of `md5s` (name -> md5) missing or bad in folder. -> the
    mirrors that served files.

    Folders it had to create are removed again when nothing could be downloaded."""
    created = [p for p in (folder, *folder.parents) if not p.exists()]
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise DataError(f"cannot create the cache folder {folder}: {err}") from err
    live, used = list(mirrors), []
    try:
        for filename, md5 in md5s.items():
            target = folder / filename
            if md5_of(target) != md5:
                mirror = _fetch_file(target, md5, live, progress, timeout)
                used += [] if mirror in used else [mirror]
    except DataError:
        _remove_empty(created)
        raise
    return used


def md5_of(path: Path) -> str | None:
    """The file's md5 hex digest, None if it cannot be read."""
    try:
        return hashlib.md5(path.read_bytes()).hexdigest()
    except OSError:
        return None


@contextmanager
def atomic_write(target: Path) -> Iterator[BinaryIO]:
    """Write to a temporary file next to target, then rename: no reader sees half a file."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _remove_empty(folders: list[Path]) -> None:
    """Remove these folders (deepest first) where they are empty."""
    for path in folders:
        try:
            path.rmdir()
        except OSError:
            return  # not empty (or not ours to remove): leave it and its parents


def _fetch_file(
    target: Path, md5: str, live: list[str], progress: Progress | None, timeout: float
) -> str:
    """Try each live mirror for one file -> the mirror that served it."""
    failures, errors = [], []
    for mirror in list(live):
        try:
            _download(mirror + target.name, target, md5, progress, timeout)
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


def _download(url: str, target: Path, md5: str, progress: Progress | None, timeout: float) -> None:
    """Stream url into target atomically, md5-checked."""
    request = urllib.request.Request(url, headers={"User-Agent": "mlp-lab"})
    with urllib.request.urlopen(request, timeout=timeout) as response, atomic_write(target) as out:
        digest = _copy(response, out, _content_length(response), progress, target.name)
        if digest != md5:
            raise DataError(f"md5 mismatch: expected {md5}, found {digest}")


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
