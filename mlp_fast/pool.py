"""A pool of worker processes that train every run of a server, in fair turns.

One Streamlit server is one Python process: its sessions' training threads share one
interpreter lock, so thirty runs trained in the server take turns on one core however
many the machine has (benchmarks/classroom.md). Here the minibatches go to worker
processes instead, one per core the server may use, and the server only keeps the books.

- **Turns.** A run sends its minibatches in chunks of about `CHUNK_SECONDS` of work and
  waits for each. Chunks queue in arrival order (FIFO) and every run has at most one in
  the queue, so with thirty runs and two workers each run trains a chunk, then the
  twenty-nine others do, then it trains again: round robin, in equal slices of time.
- **What a chunk carries.** The model and its optimizer (pickled: 0.6 MB for 784-100-10
  with momentum, about a millisecond) and the minibatches as indices; the worker trains
  them with mlp_core's own `train_batch` (`PlainStep`) on one BLAS thread and sends the
  model, the optimizer and each minibatch's loss back. The server copies them into the
  run's arrays. Workers keep nothing of a run between chunks.
- **The data.** One read-only copy of each training set in shared memory, which every
  worker maps by name (mlp_fast.shared_data).
- **A worker that dies** (killed, out of memory) fails only the chunk it was training:
  that run gets `WorkerDied` (the Trainer stops it with the message; its model is as it
  was before the chunk, so Continue goes on), and a new worker takes the dead one's place.
- Workers run at a lower priority (`WORKER_NICE`): a page's redraw or a drawn digit on
  the server does not wait behind training for a core.

Workers start with the pool (when the first run needs it, about 0.3 s each, side by
side), wait on their pipe between chunks, and end with the server: each exits when its
pipe closes.
On several machines an existing engine would take the place of this module: e.g. Ray
actors or a Dask cluster running `train_chunk`, with the data in their object store.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import queue
import socket
import subprocess
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, replace
from multiprocessing import shared_memory
from multiprocessing.connection import Connection

import numpy as np

from mlp_core.network import MLP
from mlp_core.optimizers import SGD
from mlp_core.training import AfterBatch, BackendError, Minibatches, PlainStep
from mlp_fast.processes import cpus, start_python
from mlp_fast.shared_data import SharedArray, open_block, shared

CHUNK_SECONDS = 0.1
"""Work per chunk (the worker's CPU seconds): a run's turn. Short enough that thirty runs
on two workers each get a turn every 1.5 s, long enough that sending the model (a
millisecond) costs little."""
FIRST_CHUNK = 8
"""Minibatches in a run's first chunk, before its speed is known."""
WORKER_NICE = 10
"""Workers' priority below the server's (Linux: nice 10 gets a tenth of a core's share
against a busy nice-0 thread): interactive work on the server goes first. On a machine
shared with other busy programs the workers then get the least of it; $MLP_LAB_WORKER_NICE
sets another value (0: the server's own priority)."""
ENV_NICE = "MLP_LAB_WORKER_NICE"
ENV_WORKERS = "MLP_LAB_WORKERS"
"""Environment variable: how many worker processes (default: the CPUs this process may use)."""
START_TIMEOUT = 60.0


class WorkerDied(BackendError):
    """The worker process training a chunk stopped before it answered."""


class NoWorkers(OSError):
    """No worker process could start here (the run trains in its own process instead)."""


# -- a chunk -----------------------------------------------------------------------------------
@dataclass
class Chunk:
    """What a worker trains: the model and optimizer, the minibatches as indices into X, y
    (one array, cut at `ends`: one buffer to pickle, where 160 small arrays took 0.9 ms of
    the server's interpreter per chunk)."""

    model: MLP
    optimizer: SGD
    X: SharedArray
    y: SharedArray
    order: np.ndarray
    ends: list[int]
    reduction: str

    @property
    def batches(self) -> list[np.ndarray]:
        """The minibatches' indices (views of `order`)."""
        return np.split(self.order, self.ends[:-1])


@dataclass
class Trained:
    """A worker's answer: the trained model and optimizer, each minibatch's (loss, correct),
    and the CPU seconds the worker spent (its thread's: wall time grew with whatever else
    the cores ran, and the chunks sized from it shrank on a busy machine)."""

    model: MLP
    optimizer: SGD
    results: list[tuple[float, int]]
    seconds: float


def chunk_of(job: Minibatches, batches: list[np.ndarray]) -> Chunk:
    """The chunk that trains these minibatches of the job (its data shared once)."""
    X, y = shared(job.X), shared(np.ascontiguousarray(job.y))
    ends = np.cumsum([len(b) for b in batches]).tolist()
    order = np.concatenate(batches) if batches else np.empty(0, np.intp)
    return Chunk(job.model, job.optimizer, X, y, order, ends, job.reduction)


def train_chunk(chunk: Chunk, X: np.ndarray, y: np.ndarray) -> Trained:
    """The step on every minibatch of the chunk (the worker's whole job)."""
    t0 = time.thread_time()
    results: list[tuple[float, int]] = []

    def after_batch(i: int, loss: float, correct: int) -> bool:
        results.append((loss, correct))
        return True

    job = Minibatches(chunk.model, chunk.optimizer, X, y, chunk.batches, chunk.reduction)
    PlainStep().run(job, after_batch)
    return Trained(chunk.model, chunk.optimizer, results, time.thread_time() - t0)


# -- the pool ------------------------------------------------------------------------------------
class _Task:
    def __init__(self, chunk: Chunk) -> None:
        self.chunk, self.future = chunk, Future()


class Pool:
    """`size` worker processes and the queue of chunks they take in turn."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._queue: queue.Queue[_Task | None] = queue.Queue()
        self._workers = [_Worker(i) for i in range(size)]
        self._started = [threading.Event() for _ in range(size)]
        self._threads = [
            threading.Thread(target=self._serve, args=(w,), name=f"mlp-pool-{w.index}", daemon=True)
            for w in self._workers
        ]
        for t in self._threads:
            t.start()

    def train(self, chunk: Chunk) -> Trained:
        """Queue the chunk behind those already waiting; its result once a worker is done."""
        task = _Task(chunk)
        self._queue.put(task)
        return task.future.result()

    def ready(self, timeout: float | None = None) -> bool:
        """Wait until every worker has started (or failed to: the chunks then train in
        their runs' own processes); False if `timeout` seconds passed first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        for started in self._started:
            left = None if deadline is None else max(deadline - time.monotonic(), 0.0)
            if not started.wait(left):
                return False
        return True

    def queued(self) -> int:
        """How many chunks wait for a worker now."""
        return self._queue.qsize()

    def pids(self) -> list[int | None]:
        """The workers' process ids (None while one is being replaced)."""
        return [w.pid for w in self._workers]

    def close(self) -> None:
        for _ in self._threads:
            self._queue.put(None)
        for t in self._threads:
            t.join(timeout=5)
        for w in self._workers:
            w.stop()

    def _serve(self, worker: _Worker) -> None:
        with contextlib.suppress(NoWorkers):  # the first chunk tries again and says why
            worker.start()
        self._started[worker.index].set()
        while (task := self._queue.get()) is not None:
            try:
                task.future.set_result(worker.train(task.chunk))
            except BaseException as exc:  # noqa: BLE001  handed to the waiting run
                task.future.set_exception(exc)


class _Worker:
    """One worker process and the pipe to it (started again after it dies)."""

    def __init__(self, index: int) -> None:
        self.index = index
        self._proc: subprocess.Popen | None = None
        self._conn: Connection | None = None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None and self._proc.poll() is None else None

    def train(self, chunk: Chunk) -> Trained:
        if self._proc is None or self._proc.poll() is not None:
            self.start()
        try:
            self._conn.send_bytes(pickle.dumps(chunk, protocol=pickle.HIGHEST_PROTOCOL))
            reply = pickle.loads(self._conn.recv_bytes())
        except (EOFError, OSError) as exc:
            code = self._proc.wait(timeout=5)
            self.stop()
            raise WorkerDied(
                f"the training worker process stopped while training your run "
                f"(exit code {code}: killed, or out of memory)"
            ) from exc
        if isinstance(reply, BaseException):
            raise reply
        return reply

    def start(self) -> None:
        """Start the worker process (again) and wait for it to say it is ready."""
        self.stop()
        ours, theirs = socket.socketpair()
        code = "import sys; from mlp_fast.pool import serve; serve(int(sys.argv[1]))"
        try:
            self._proc = start_python(
                code, [str(theirs.fileno())], [theirs.fileno()], stdin=subprocess.DEVNULL
            )
        except OSError as exc:
            ours.close()
            raise NoWorkers(f"no worker process could start: {exc}") from exc
        finally:
            theirs.close()
        self._conn = Connection(ours.detach())
        try:
            ready = self._conn.poll(START_TIMEOUT) and self._conn.recv_bytes() == b"ready"
        except (EOFError, OSError):
            ready = False
        if not ready:
            self.stop()
            raise NoWorkers("no worker process could start: it did not answer")

    def stop(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(timeout=2)
            if self._proc.poll() is None:
                self._proc.kill()
                self._proc.wait()
            self._proc = None


def serve(fd: int) -> None:
    """A worker process: train the chunks that come down the pipe until it closes."""
    from mlp_fast.threads import one_blas_thread

    nice = os.environ.get(ENV_NICE, "").strip()
    with contextlib.suppress(OSError, AttributeError):
        os.nice(int(nice) if nice.lstrip("-").isdigit() else WORKER_NICE)
    conn = Connection(fd)
    conn.send_bytes(b"ready")
    attached: dict[str, tuple[shared_memory.SharedMemory, np.ndarray]] = {}
    with one_blas_thread():
        while True:
            try:
                chunk = pickle.loads(conn.recv_bytes())
            except (EOFError, OSError):
                return  # the server closed the pipe, or is gone
            try:
                X, y = (_attached(attached, ref) for ref in (chunk.X, chunk.y))
                reply = train_chunk(chunk, X, y)
            except Exception as exc:  # noqa: BLE001  sent back: the run shows it
                reply = BackendError(f"the training worker failed: {exc!r}")
            conn.send_bytes(pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL))


def _attached(cache: dict, ref: SharedArray) -> np.ndarray:
    """The shared array, mapped once per block (the view's shape may be a prefix)."""
    if ref.name not in cache:
        if len(cache) >= 8:  # blocks of data no run uses any more
            for block, _ in cache.values():
                block.close()
            cache.clear()
        block = open_block(ref.name)
        cache[ref.name] = (block, block.buf)
    buf = cache[ref.name][1]
    return np.ndarray(ref.shape, np.dtype(ref.dtype), buf)


# -- one pool per server -------------------------------------------------------------------------
_POOL: Pool | None = None
_POOL_LOCK = threading.Lock()


def available() -> bool:
    """Whether worker processes can start here (POSIX: a socket pair handed to a child)."""
    return os.name == "posix"


def workers_wanted() -> int:
    """The pool's size: $MLP_LAB_WORKERS, else the CPUs this process may use."""
    value = os.environ.get(ENV_WORKERS, "").strip()
    if value.isdigit() and int(value) > 0:
        return int(value)
    return cpus()


def pool() -> Pool:
    """This process's pool, started on first use."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = Pool(workers_wanted())
        return _POOL


def close_pool() -> None:
    """End the workers (tests; a server simply exits, and its workers with it)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is not None:
            _POOL.close()
            _POOL = None


class PoolRun:
    """One run's minibatches through the pool, in chunks of about CHUNK_SECONDS.

    `after_batch` is called for every minibatch a chunk trained, after the chunk: a False
    ends the run at the end of that chunk (at most CHUNK_SECONDS later than asked).
    """

    def __init__(self) -> None:
        self._per_batch: float | None = None  # worker seconds per minibatch, measured
        self.unavailable = ""  # why no worker could start, once one could not

    def run(self, job: Minibatches, after_batch: AfterBatch) -> int:
        """Train `job.batches` in chunks through the pool; where no worker can start, the
        rest here, with the same step."""
        done, go_on = 0, True
        while go_on and done < len(job.batches):
            n = self._chunk_size()
            batches = list(job.batches[done : done + n])
            try:
                trained = pool().train(chunk_of(job, batches))
            except NoWorkers as exc:
                self.unavailable = str(exc)
                rest = replace(job, batches=job.batches[done:])
                return done + PlainStep().run(rest, lambda i, *r, at=done: after_batch(at + i, *r))
            _copy_into(job.model, job.optimizer, trained)
            self._per_batch = trained.seconds / max(len(batches), 1)
            for i, (loss, correct) in enumerate(trained.results):
                go_on = after_batch(done + i, loss, correct) and go_on
            done += len(batches)
        return done

    def _chunk_size(self) -> int:
        if self._per_batch is None:
            return FIRST_CHUNK
        return max(1, round(CHUNK_SECONDS / max(self._per_batch, 1e-6)))


def _copy_into(model: MLP, optimizer: SGD, trained: Trained) -> None:
    """The worker's parameters and velocities into the run's own arrays (in place: the
    Trainer, the page and the optimizer hold them)."""
    for dst, src in zip(model.parameters(), trained.model.parameters(), strict=True):
        dst[...] = src
    optimizer.load_velocities(trained.optimizer.velocities())
