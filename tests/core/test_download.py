"""Downloads (mlp_core.download through mlp_core.mnist): md5 checks, atomic writes,
progress, mirrors dropped after a failure, and no network said plainly."""

from __future__ import annotations

import io
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from mlp_core.download import DownloadError
from mlp_core.idx import DataError
from mlp_core.mnist import (
    FILES,
    MD5,
    MIRRORS,
    fetch_mnist,
    load_mnist,
    manual_steps,
)
from tests.core.mnist_files import (
    assert_tiny,
    make_official,
    md5_of,
    serve,
    tiny_arrays,
    write_folder,
)

pytestmark = pytest.mark.usefixtures("isolated")  # no MNIST_DIR, an empty cache, no network

# ------------------------------------------------------------------------------ download


def test_download_checks_md5_writes_atomically_and_reports_progress(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated: Path
) -> None:
    arrays = tiny_arrays()
    server = write_folder(tmp_path / "server", arrays)
    make_official(monkeypatch, server)
    calls, reports = [], []
    serve(monkeypatch, {MIRRORS[0]: server}, calls)
    mnist = load_mnist(progress=lambda done, total, name: reports.append((done, total, name)))
    assert_tiny(mnist, arrays)
    assert mnist.source == f"full MNIST downloaded from {MIRRORS[0]} into {isolated}"
    assert calls == [MIRRORS[0] + name for name in FILES.values()]
    for name in FILES.values():
        assert md5_of(isolated / name) == MD5[name]
        size = (server / name).stat().st_size
        assert (size, size, name) in reports and (0, size, name) in reports
    assert [r[0] for r in reports if r[2] == FILES["train_images"]] == sorted(
        r[0] for r in reports if r[2] == FILES["train_images"]
    )
    assert not list(isolated.glob(".*"))  # no temporary files left behind
    assert load_mnist().source.startswith("full MNIST from cache")  # no second download
    assert len(calls) == 4


def test_a_mirror_with_bad_files_is_dropped_for_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated: Path
) -> None:
    arrays = tiny_arrays()
    good = write_folder(tmp_path / "good", arrays)
    make_official(monkeypatch, good)
    bad = write_folder(tmp_path / "bad", tiny_arrays(seed=5))
    calls = []
    serve(monkeypatch, {MIRRORS[0]: bad, MIRRORS[1]: good}, calls)
    assert fetch_mnist() == isolated
    assert calls == [MIRRORS[0] + FILES["train_images"]] + [
        MIRRORS[1] + name for name in FILES.values()
    ]
    assert_tiny(load_mnist(download=False), arrays)


def test_no_network_falls_back_to_the_sample_asking_each_mirror_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A dead mirror is not asked again for the other three files: with no network, the
    app waits for one timeout per mirror, not one per file and mirror."""
    asked: list[str] = []

    def no_network(request, timeout=None):
        asked.append(request.full_url)
        raise urllib.error.URLError("network disabled in tests")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    mnist = load_mnist()
    assert asked == [mirror + FILES["train_images"] for mirror in MIRRORS]
    assert mnist.kind == "sample"
    [note] = [note for note in mnist.notes if note.startswith("download failed")]
    for mirror in MIRRORS:
        assert f"mirror {mirror} failed: network disabled in tests" in note


def test_fetch_mnist_says_which_mirror_failed_and_why(monkeypatch: pytest.MonkeyPatch) -> None:
    serve(monkeypatch, {}, [])
    with pytest.raises(DataError) as caught:
        fetch_mnist()
    message = str(caught.value)
    assert message.startswith("cannot download train-images-idx3-ubyte.gz (no network?)")
    assert f"mirror {MIRRORS[0]} failed: HTTP 404 Not Found" in message


class BrokenResponse(io.BytesIO):
    """A response whose connection drops after the first chunk."""

    headers = {"Content-Length": "200000"}

    def read(self, size: int = -1) -> bytes:
        if self.tell():
            raise ConnectionResetError("connection reset by peer")
        return super().read(size)


def test_an_interrupted_download_leaves_no_file(
    monkeypatch: pytest.MonkeyPatch, isolated: Path
) -> None:
    monkeypatch.setattr(
        urllib.request, "urlopen", lambda *a, **k: BrokenResponse(b"\x1f\x8b" * 50_000)
    )
    with pytest.raises(DataError, match="connection reset by peer"):
        fetch_mnist()
    assert not isolated.exists() or list(isolated.iterdir()) == []


def test_no_network_is_said_plainly_and_leaves_no_folder_behind(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import socket

    def no_name(*args, **kwargs):
        raise urllib.error.URLError(socket.gaierror(-3, "Temporary failure in name resolution"))

    monkeypatch.setattr(urllib.request, "urlopen", no_name)
    cache = tmp_path / "home" / ".cache" / "mlp_lab" / "mnist"
    with pytest.raises(DownloadError) as caught:
        fetch_mnist(cache_dir=cache)
    assert caught.value.short.startswith("there is no network connection")
    assert caught.value.folder == cache
    assert not (tmp_path / "home").exists()  # every folder it made is gone again
    steps = manual_steps(cache)
    assert all(name in steps for name in FILES.values())
    assert str(cache) in steps and "MNIST_DIR" in steps


def test_a_failed_fetch_keeps_a_cache_folder_that_was_already_there(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    serve(monkeypatch, {}, [])
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(DownloadError, match="HTTP 404") as caught:
        fetch_mnist(cache_dir=tmp_path)
    assert caught.value.short == "the download servers refused the files (HTTP 404)"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]
