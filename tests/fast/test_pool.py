"""The worker pool (mlp_fast.pool): the same training as the plain step, fair turns, one
shared copy of the data, a killed worker losing nothing but its chunk, Stop and Continue
through it, and runs that never see each other's models.

Pool and in-process runs compute the same `train_batch` in different processes, where
the BLAS may pick other kernels for other memory alignments: their results are compared
within sqrt(eps) of the dtype (float64 here), not bit for bit."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

from mlp_core.config import TrainConfig
from mlp_core.history import Status
from mlp_core.training import BackendError, Trainer
from mlp_fast import OneThread, pool, shared_data
from tests.fast.digits import BATCH, digits_like, job_of
from tests.waiting import wait_until

pytestmark = pytest.mark.skipif(not pool.available(), reason="worker processes need POSIX")
CONFIG = TrainConfig(
    hidden=64, batch_size=BATCH, epochs=2, seed=3, dtype="float64", lr=0.05, momentum=0.9
)
TOL = float(np.sqrt(np.finfo(np.float64).eps))


class Pooled(pool.PoolRun):
    """PoolRun as a complete back-end (describe and close), as FastBackend uses it."""

    def describe(self) -> str:
        return "pool"

    def close(self) -> None:
        """Nothing to end."""


@pytest.fixture
def one_worker(monkeypatch: pytest.MonkeyPatch):
    """The process's pool replaced by one of a single worker, warmed up: its process has
    started and said it is ready."""
    pool.close_pool()
    monkeypatch.setenv(pool.ENV_WORKERS, "1")
    workers = pool.pool()
    assert workers.ready(timeout=60) and all(workers.pids())
    yield workers
    pool.close_pool()


def _same(a: Trainer, b: Trainer) -> None:
    for p, q in zip(a.model.parameters(), b.model.parameters(), strict=True):
        np.testing.assert_allclose(p, q, rtol=TOL, atol=TOL)


def test_the_pool_trains_as_the_plain_step_does() -> None:
    data = digits_like()
    here, pooled = (
        Trainer(CONFIG, data, backend=OneThread()),
        Trainer(CONFIG, data, backend=Pooled()),
    )
    here.run(), pooled.run()
    _same(here, pooled)
    assert [e.loss for e in pooled.history.epochs] == pytest.approx(
        [e.loss for e in here.history.epochs], rel=TOL
    )
    assert pooled.history.status is Status.DONE


def test_runs_take_turns_in_order(one_worker: pool.Pool) -> None:
    """Three runs, one worker: of every three chunks it finishes, one is each run's.

    Each run keeps one chunk in the queue, as PoolRun does, and has two chunks' time to
    queue its next one before its turn comes round again. Chunks of 0.15 s left it 0.3 s,
    and a run's thread on a busy machine (load 7, the browser tests beside) once took
    longer to get a core: its chunks last about 0.4 s here, three times as long."""
    data = digits_like()
    runs = [Trainer(CONFIG.replace(seed=s, hidden=512), data) for s in range(3)]
    finished: list[int] = []
    lock, start = threading.Lock(), threading.Barrier(len(runs))

    def train(k: int) -> None:
        job = job_of(runs[k], 8, repeat=3)
        start.wait()
        for _ in range(6):
            one_worker.train(pool.chunk_of(job, list(job.batches)))
            with lock:
                finished.append(k)

    threads = [threading.Thread(target=train, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(finished) == 18
    for i in range(len(finished) - 2):
        assert len(set(finished[i : i + 3])) == 3, finished


def test_a_class_starting_together_shares_one_copy_of_the_data() -> None:
    data = digits_like(n=700, n_train=600)
    views = [data.X_train[: 100 + 50 * k] for k in range(8)]  # each run's n_train
    found: list[shared_data.SharedArray] = []
    threads = [
        threading.Thread(target=lambda v=v: found.append(shared_data.shared(v))) for v in views
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len({ref.name for ref in found}) == 1
    assert sorted(ref.shape[0] for ref in found) == [100 + 50 * k for k in range(8)]


def test_a_killed_worker_fails_its_chunk_only_and_is_replaced(one_worker: pool.Pool) -> None:
    data = digits_like()
    job = job_of(Trainer(CONFIG.replace(hidden=512), data), repeat=200)  # seconds of work
    long_chunk = pool.chunk_of(job, list(job.batches))
    (pid,) = one_worker.pids()
    busy_from = _cpu_seconds(pid)
    failed: list[BaseException] = []
    victim = threading.Thread(target=lambda: _catch(failed, one_worker.train, long_chunk))
    victim.start()
    wait_until(  # the worker has trained for 0.2 s of CPU: it is inside the chunk
        lambda: _cpu_seconds(pid) >= busy_from + 0.2, 30, "the worker trains the long chunk"
    )
    os.kill(pid, signal.SIGKILL)
    victim.join(30)
    assert len(failed) == 1 and isinstance(failed[0], pool.WorkerDied)
    assert "stopped while training your run" in str(failed[0])
    short = pool.chunk_of(job, list(job.batches[:2]))
    assert len(one_worker.train(short).results) == 2  # a new worker took its place
    assert one_worker.pids() != [pid]


def _cpu_seconds(pid: int) -> float:
    """CPU seconds process `pid` has used (user and system, from /proc/<pid>/stat)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _catch(failed: list, fn, *args) -> None:
    try:
        fn(*args)
    except BaseException as exc:  # noqa: BLE001
        failed.append(exc)


def test_a_dead_worker_stops_the_run_which_continues_where_it_was(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The run whose chunk was lost stops with the reason; its model is the one from
    before that chunk, and Continue finishes it as if nothing had happened."""
    data = digits_like()
    whole = Trainer(CONFIG, data, backend=OneThread())
    whole.run()
    trainer = Trainer(CONFIG, data, backend=Pooled())
    trainer.step(max_batches=3)
    before = [p.copy() for p in trainer.model.parameters()]
    real = pool.Pool.train

    def dies(self, chunk):
        raise pool.WorkerDied("the training worker process stopped while training your run")

    monkeypatch.setattr(pool.Pool, "train", dies)
    trainer.step(max_batches=5)
    assert trainer.history.status is Status.STOPPED
    assert trainer.history.message.startswith("The training worker process stopped")
    assert "press Continue" in trainer.history.message
    for p, q in zip(before, trainer.model.parameters(), strict=True):
        np.testing.assert_array_equal(p, q)
    monkeypatch.setattr(pool.Pool, "train", real)
    trainer.run()  # Continue
    assert trainer.history.status is Status.DONE
    _same(whole, trainer)


def test_stop_and_continue_through_the_pool_change_nothing() -> None:
    data = digits_like()
    whole = Trainer(CONFIG, data, backend=Pooled())
    sliced = Trainer(CONFIG, data, backend=Pooled())
    whole.run()
    while not sliced.finished:
        sliced.step(max_batches=3)  # Stop after 3 minibatches, Continue, ...
    _same(whole, sliced)
    assert len(sliced.history.epochs) == CONFIG.epochs


def test_runs_trained_together_each_get_their_own_model() -> None:
    data, other = digits_like(), digits_like(seed=7)
    configs = [CONFIG.replace(seed=1), CONFIG.replace(seed=2, lr=0.02), CONFIG.replace(hidden=32)]
    datasets = [data, data, other]
    alone = [Trainer(c, d, backend=OneThread()) for c, d in zip(configs, datasets, strict=True)]
    together = [Trainer(c, d, backend=Pooled()) for c, d in zip(configs, datasets, strict=True)]
    for t in alone:
        t.run()
    threads = [threading.Thread(target=t.run) for t in together]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    for a, b in zip(alone, together, strict=True):
        _same(a, b)


def test_an_error_in_a_worker_reaches_its_run_and_the_worker_lives_on(
    one_worker: pool.Pool,
) -> None:
    job = job_of(Trainer(CONFIG, digits_like()))
    chunk = pool.chunk_of(job, list(job.batches[:2]))
    chunk.X = shared_data.SharedArray("no-such-block", chunk.X.shape, chunk.X.dtype)
    with pytest.raises(BackendError, match="the training worker failed"):
        one_worker.train(chunk)
    (pid,) = one_worker.pids()
    assert len(one_worker.train(pool.chunk_of(job, list(job.batches[:2]))).results) == 2
    assert one_worker.pids() == [pid]


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads processes from /proc")
def test_workers_end_when_their_server_dies() -> None:
    code = textwrap.dedent(
        """
        import numpy as np
        from mlp_core.config import TrainConfig
        from mlp_core.training import Trainer
        from mlp_fast import pool
        from tests.fast.digits import digits_like, job_of
        t = Trainer(TrainConfig(hidden=8, batch_size=50, epochs=1), digits_like(dtype=np.float32))
        pool.PoolRun().run(job_of(t, 2), lambda i, loss, c: True)
        print(*[p for p in pool.pool().pids() if p], flush=True)
        import signal; signal.pause()  # a server that runs until it is killed
        """
    )
    server = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=_root()
    )
    pids = [int(p) for p in server.stdout.readline().split()]
    assert pids and all(_alive(p) for p in pids)
    server.kill()
    server.wait()
    wait_until(lambda: not any(_alive(p) for p in pids), 10, "the workers end with the server")


def _root() -> str:
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


@pytest.fixture
def no_pool(monkeypatch: pytest.MonkeyPatch):
    """A server whose pool has not started yet (one worker when it does)."""
    pool.close_pool()
    monkeypatch.setenv(pool.ENV_WORKERS, "1")
    yield
    pool.close_pool()


def test_warm_starts_the_workers_before_a_run_is_timed(no_pool):
    """A challenge's run is timed from its first minibatch: the pool's start (the first
    run of a server, about 2 s) happens in `warm`, before."""
    import mlp_fast

    data = digits_like(dtype=np.float32)
    mlp_fast.warm(data.X_train, data.y_train)
    # ready at once: `warm` started the workers (a pool started only now would not be)
    assert pool.pool().ready(timeout=0)
    trainer = Trainer(CONFIG.replace(dtype="float32"), data, backend=mlp_fast.choose(exact=True))
    trainer.run()
    trainer.backend.close()
    assert trainer.finished and mlp_fast.EXACT in trainer.backend_used


def test_children_get_the_allocator_setting_unless_one_is_set(monkeypatch):
    """The workers' glibc allocator keeps the chunks' buffers on its heap (MALLOC); a
    GLIBC_TUNABLES of the user's own is passed on as it is."""
    from mlp_fast import processes

    code = "import os, sys; sys.stdout.write(os.environ.get('GLIBC_TUNABLES', ''))"

    def seen() -> str:
        proc = processes.start_python(code, [], stdout=subprocess.PIPE)
        return proc.communicate(timeout=60)[0].decode()

    monkeypatch.delenv("GLIBC_TUNABLES", raising=False)
    assert seen() == processes.MALLOC
    monkeypatch.setenv("GLIBC_TUNABLES", "glibc.malloc.arena_max=1")
    assert seen() == "glibc.malloc.arena_max=1"
