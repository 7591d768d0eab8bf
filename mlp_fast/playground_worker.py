"""A process beside the server that trains the Playground's playing networks.

One server is one Python process: its sessions' training and their frames share one
interpreter lock, so thirty Playgrounds playing at once get at most one core between
them, frames and training together (benchmarks/playground_speed.py). Here a slice of a
run's training goes to one worker process instead, and the server only keeps the books:

- **A slice.** The server sends the run's training state (`PlaygroundRun.state`: the
  network, the random generator, the epoch count and the epoch in progress), the
  slice's limits (epochs, seconds, a challenge's budget, whole epochs or not) and, once
  per run and worker, the run's points. The worker loads the state into its copy of the
  run, calls the run's own `train` (mlp_core's NumPy step: the same arithmetic as in the
  server, bit for bit) and sends back the new state, the curves' new entries and the
  CPU seconds it spent (the server's fair share charges them). The server copies them
  into the session's run: after every slice the page's state is the worker's, so
  nothing a student made lives only there.
- **Turns.** Slices queue in the order sent; a few may wait at once (the server sends
  the next while the worker trains one), so the worker is seldom idle.
- **A worker that dies** (killed, out of memory; or stuck: no answer in SLICE_TIMEOUT,
  then killed) fails the slices it had: each gets
  `WorkerDied` and its run is as it was before the slice (the caller trains it in its
  own process instead); the next slice starts a new worker.

The worker is a `python -c` process of this interpreter (mlp_fast.processes) on one BLAS
thread; it waits on its pipe between slices and exits when the pipe closes (the server
ended). Messages are pickled: both ends are this checkout's own code, over a socket pair
no one else holds.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pickle
import socket
import subprocess
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
from multiprocessing.connection import Connection

import numpy as np

from mlp_core.playground import Curves, PlaygroundRun, TrainState
from mlp_core.playground_config import PlaygroundConfig
from mlp_fast.processes import start_python

START_TIMEOUT = 30.0
SLICE_TIMEOUT = 10.0  # a slice trains for milliseconds: a worker this late is stuck
KEEP_RUNS = 64  # runs whose points a worker keeps (the least recently used go)
ENV_NICE = "MLP_LAB_PLAYGROUND_NICE"
"""Environment variable: the worker's priority (nice) if not 0: its frames are
interactive (a class watches them), so by default it runs at the server's own."""


class WorkerDied(OSError):
    """The worker process stopped before it answered a slice."""


class NoWorker(WorkerDied):
    """The worker process could not start."""


@dataclass
class Slice:
    """One slice of one run, as the server sends it."""

    ident: int  # answers name their slice
    key: int  # names the run's points in the worker's keeping
    points: tuple[np.ndarray, np.ndarray] | None  # sent when the worker may not have them
    config: PlaygroundConfig  # the settings the points were made by (the structure)
    state: TrainState
    epochs: int
    seconds: float
    budget: float
    whole: bool


@dataclass
class Trained:
    """A worker's answer: the run's new state, the curves' new entries, why it stopped
    ('' if it did not) and the worker's CPU seconds. `missing`: the worker does not have
    the run's points (send them)."""

    ident: int
    state: TrainState | None = None
    curves: Curves | None = None
    message: str = ""
    cpu: float = 0.0
    missing: bool = False


def train_slice(runs: dict[int, PlaygroundRun], job: Slice) -> Trained:
    """The worker's whole job: the run's own `train` on its state, in this process."""
    run = runs.pop(job.key, None)
    if run is None and job.points is None:
        return Trained(job.ident, missing=True)
    if run is None:
        run = PlaygroundRun(job.config, job.points)
    runs[job.key] = run  # the most recently used last
    while len(runs) > KEEP_RUNS:
        del runs[next(iter(runs))]
    run.load(job.state)
    run.curves = Curves()  # the entries this slice adds (the server has the others)
    start = time.thread_time()
    message = run.train(job.epochs, job.seconds, job.budget, job.whole)
    cpu = time.thread_time() - start
    return Trained(job.ident, run.state(), run.curves, message, cpu)


def serve(fd: int) -> None:
    """A worker process: train the slices that come down the pipe until it closes."""
    from mlp_fast.threads import one_blas_thread

    nice = os.environ.get(ENV_NICE, "").strip()
    if nice.lstrip("-").isdigit() and int(nice):
        with contextlib.suppress(OSError):
            os.nice(int(nice))
    conn = Connection(fd)
    conn.send_bytes(b"ready")
    runs: dict[int, PlaygroundRun] = {}
    with one_blas_thread():
        while True:
            try:
                job = pickle.loads(conn.recv_bytes())
            except (EOFError, OSError):
                return  # the server closed the pipe, or is gone
            try:
                reply = train_slice(runs, job)
            except Exception as exc:  # noqa: BLE001  sent back: the caller trains it itself
                reply = RuntimeError(f"the Playground's worker failed: {exc!r}")
                reply.ident = job.ident
            conn.send_bytes(pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL))


def points_of(run: PlaygroundRun) -> tuple[np.ndarray, np.ndarray]:
    """The points `run` was made from, X (n, 2) and y (n,): its training then test points."""
    return np.concatenate([run.X_train, run.X_test]), np.concatenate([run.y_train, run.y_test])


class Worker:
    """The server's end: one worker process, the slices sent to it and their answers."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen | None = None
        self._conn: Connection | None = None
        self._lock = threading.Lock()  # sending, starting, and the books below
        self._waiting: dict[int, Future] = {}
        self._has: set[int] = set()  # run keys whose points this worker has been sent
        self._ids = itertools.count()

    @property
    def pid(self) -> int | None:
        proc = self._proc
        return proc.pid if proc is not None and proc.poll() is None else None

    def train(self, run: PlaygroundRun, key: int, **limits) -> tuple[str, float]:
        """Train `run` for one slice in the worker (`limits`: epochs, seconds, budget,
        whole, as `PlaygroundRun.train` takes them) and take the new state into `run`:
        (why it stopped or '', the worker's CPU seconds). `key` names the run's points
        (the same key, the same points, for the server's life). Raises WorkerDied (the
        run unchanged) if the worker stopped."""
        reply = self._ask(run, key, False, limits)
        if reply.missing:
            reply = self._ask(run, key, True, limits)
        run.load(reply.state)
        run.curves.extend(reply.curves)
        return reply.message, reply.cpu

    def _ask(self, run: PlaygroundRun, key: int, points: bool, limits: dict) -> Trained:
        with self._lock:
            if self._conn is None:
                self._start()
            send = points or key not in self._has
            self._has.add(key)
            ident = next(self._ids)
            points = points_of(run) if send else None
            job = Slice(ident, key, points, run.config, run.state(), **limits)
            future: Future = Future()
            self._waiting[ident] = future
            # (a closed pipe: the reader sees it and fails every slice waiting)
            with contextlib.suppress(OSError):
                self._conn.send_bytes(pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL))
        try:
            reply = future.result(timeout=SLICE_TIMEOUT)
        except TimeoutError:  # stuck: ended, which fails every slice it had
            self._kill()
            reply = future.result(timeout=START_TIMEOUT)
        if isinstance(reply, BaseException):
            raise reply
        return reply

    def _start(self) -> None:
        """Start the worker process (the lock held) and its reader thread."""
        ours, theirs = socket.socketpair()
        code = "import sys; from mlp_fast.playground_worker import serve; serve(int(sys.argv[1]))"
        try:
            proc = start_python(
                code, [str(theirs.fileno())], [theirs.fileno()], stdin=subprocess.DEVNULL
            )
        except OSError as exc:
            ours.close()
            raise NoWorker(f"the Playground's worker could not start: {exc}") from exc
        finally:
            theirs.close()
        conn = Connection(ours.detach())
        try:
            ready = conn.poll(START_TIMEOUT) and conn.recv_bytes() == b"ready"
        except (EOFError, OSError):
            ready = False
        if not ready:
            conn.close()
            proc.kill()
            proc.wait()
            raise NoWorker("the Playground's worker did not start")
        self._proc, self._conn, self._has = proc, conn, set()
        threading.Thread(target=self._read, args=(proc, conn), daemon=True).start()

    def _read(self, proc: subprocess.Popen, conn: Connection) -> None:
        """Hand each answer to its slice; when the pipe ends, fail the slices waiting."""
        while True:
            try:
                reply = pickle.loads(conn.recv_bytes())
            except (EOFError, OSError):
                break
            with self._lock:
                future = self._waiting.pop(reply.ident, None)
            if future is not None:
                future.set_result(reply)
        with self._lock:
            if self._conn is conn:
                self._conn, self._proc = None, None
            waiting, self._waiting = self._waiting, {}
        conn.close()
        code = proc.wait()
        for future in waiting.values():
            future.set_exception(WorkerDied(f"the Playground's worker stopped (exit code {code})"))

    def _kill(self) -> None:
        with self._lock:
            proc = self._proc
        if proc is not None:
            with contextlib.suppress(OSError):
                proc.kill()

    def stop(self) -> None:
        """End the worker (its pipe closes; it exits)."""
        with self._lock:
            conn, proc = self._conn, self._proc
        if conn is not None:
            conn.close()
        if proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=2)
            if proc.poll() is None:
                proc.kill()
                proc.wait()
