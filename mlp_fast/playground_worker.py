"""A process beside the server that trains the Playground's playing networks.

One server is one Python process: its sessions' training and their frames share one
interpreter lock, so thirty Playgrounds playing at once get at most one core between
them, frames and training together (benchmarks/playground_speed.py). Here a slice of a
run's training goes to one worker process instead, and the server only keeps the books:

- **A run stays in the worker.** The worker keeps a copy of each playing run between
  slices (the KEEP_RUNS used last), under the run's key and a version: the number of the
  slice that left it so. A slice then says only "train run `key`, which you hold at
  version v, for these limits" (epochs, seconds, a challenge's budget, whole epochs or
  not), and the answer brings only what changed (`Change`): the weights as one array,
  the random generator's state, the counts and clocks, the epoch in progress (new, or
  its new minibatches' gradient sizes), the curves' new entries, why it stopped and the
  CPU seconds it spent (the server's fair share charges them). The server takes them
  into the session's run: after every slice the page's run is the worker's, so nothing
  a student made lives only there (Step, Pause, snapshots, saving and a challenge's
  submission read the server's run).
- **The whole state travels only when the worker may not have it**: the run's first
  slice in this worker, or after the run changed in the server (a Step, new training
  settings, an epoch finished on Pause, a slice trained in the server): the server
  notes the run's training state (`PlaygroundRun.state`: the same objects and numbers)
  as each answer left it, and sends it all (`PlaygroundRun.state`) when it differs.
  A worker without the run, or holding another version, answers `needs` and is sent
  the state (and the points, once per run and worker). Reset, own points or another
  data set or network make a new run: a new key.
- **Turns.** Slices queue in the order sent; a few may wait at once (the server sends
  the next while the worker trains one), so the worker is seldom idle. Which session's
  slice is sent next is the caller's choice (mlp_ui.playground_live: the least served).
- **A worker that dies** (killed, out of memory; or stuck: no answer in SLICE_TIMEOUT,
  then killed) fails the slices it had: each gets
  `WorkerDied` and its run is as it was before the slice (the caller trains it in its
  own process instead); the next slice starts a new worker, which is sent every run's
  state again.

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
import weakref
from concurrent.futures import Future
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection

import numpy as np

from mlp_core.network import MLP
from mlp_core.playground import Curves, Epoch, PlaygroundRun, TrainState
from mlp_core.playground_config import PlaygroundConfig
from mlp_fast.processes import start_python

START_TIMEOUT = 30.0
SLICE_TIMEOUT = 10.0  # a slice trains for milliseconds: a worker this late is stuck
KEEP_RUNS = 64  # runs a worker keeps between slices (the least recently used go)
ENV_NICE = "MLP_LAB_PLAYGROUND_NICE"
"""Environment variable: the worker's priority (nice) if not 0: its frames are
interactive (a class watches them), so by default it runs at the server's own."""
ENV_STATS = "MLP_LAB_PLAYGROUND_STATS"
"""Environment variable: a file the worker keeps its totals in (benchmarks/
playground_speed.py reads it): the CPU seconds spent in the runs' `train` (the training
itself, without the slices' copying in and out), the slices and the epochs trained."""


class WorkerDied(OSError):
    """The worker process stopped before it answered a slice."""


class NoWorker(WorkerDied):
    """The worker process could not start."""


@dataclass
class Slice:
    """One slice of one run, as the server sends it."""

    ident: int  # answers name their slice; the run's version after it
    key: int  # names the run in the worker's keeping
    version: int  # the version the worker should hold (-1: none, `state` is sent)
    limits: dict  # epochs, seconds, budget, whole: PlaygroundRun.train's
    state: TrainState | None = None  # sent when the worker may not hold `version`
    points: tuple[np.ndarray, np.ndarray] | None = None  # sent when it may not have the run
    config: PlaygroundConfig | None = None  # with the points: the settings they were made by


@dataclass
class Change:
    """What a slice changed in a run (`PlaygroundRun.state`'s fields but its settings), in
    few objects: the weights and biases as one array (`flat`), the generator's state, the
    counts and clocks, and the epoch in progress: None, its new minibatches' gradient
    sizes (`more`: the one the slice began with goes on), or a new one (`begun`)."""

    params: np.ndarray
    rng: dict
    numbers: tuple  # epoch, seconds, out_of_time, spent, undone, steps
    more: list[list[float]] | None = None
    begun: tuple | None = None  # order, size, params before, shuffle, began, grads


NUMBERS = ("epoch", "seconds", "out_of_time", "spent", "undone", "steps")


@dataclass
class Trained:
    """A worker's answer: the slice's `Change`, the curves' new entries, why it stopped
    ('' if it did not) and the worker's CPU seconds. `needs`: the worker does not hold
    the run's version ("state") or the run at all ("points"): send them."""

    ident: int
    change: Change | None = None
    curves: Curves | None = None
    message: str = ""
    cpu: float = 0.0
    needs: str = ""


def flat(model: MLP) -> np.ndarray:
    """W0, b0, W1, b1, ... raveled into one array (model's dtype)."""
    return np.concatenate([p.ravel() for p in model.parameters()])


def unflat(params: np.ndarray, like: MLP) -> MLP:
    """`flat`'s inverse: a network shaped as `like` (the same activation and loss) with
    the weights in `params`."""
    W, b, at = [], [], 0
    for Wl, bl in zip(like.W, like.b, strict=True):
        W.append(params[at : at + Wl.size].reshape(Wl.shape))
        at += Wl.size
        b.append(params[at : at + bl.size])
        at += bl.size
    return MLP(W, b, like.activation, like.loss)


def change_of(run: PlaygroundRun, began_with: Epoch | None, done: int) -> Change:
    """What a slice that began with the epoch in progress `began_with` (`done` of its
    minibatches trained) left in `run`."""
    change = Change(
        flat(run.model), run.rng.bit_generator.state, tuple(getattr(run, n) for n in NUMBERS)
    )
    p = run.partial
    if p is not None and p is began_with:
        change.more = p.grads[done:]
    elif p is not None:
        change.begun = (p.order, p.size, flat(p.before), p.shuffle, p.began, p.grads)
    return change


def take(run: PlaygroundRun, change: Change) -> None:
    """Make `run` (as it was when its slice was sent) what the slice left in the worker."""
    if change.more is not None:
        partial = replace(run.partial, grads=run.partial.grads + change.more)
    elif change.begun is not None:
        order, size, before, shuffle, began, grads = change.begun
        partial = Epoch(order, size, unflat(before, run.model), shuffle, began, grads)
    else:
        partial = None
    run.rng.bit_generator.state = change.rng
    numbers = dict(zip(NUMBERS, change.numbers, strict=True))
    run.load(
        TrainState(
            run.config, unflat(change.params, run.model), run.rng, **numbers, partial=partial
        )
    )


def train_slice(runs: dict[int, tuple[int, PlaygroundRun]], job: Slice) -> Trained:
    """The worker's whole job: the run's own `train`, in this process, on the copy it
    holds (`runs`: key -> (version, run), the most recently used last)."""
    held = runs.pop(job.key, None)  # put back once trained (a failed slice drops it)
    if held is None and job.points is None:
        return Trained(job.ident, needs="points")
    version, run = held if held is not None else (-1, PlaygroundRun(job.config, job.points))
    if job.state is not None:
        run.load(job.state)
        version = job.version
    if version != job.version or version < 0:
        runs[job.key] = (version, run)
        return Trained(job.ident, needs="state")
    began_with = run.partial
    done = len(began_with.grads) if began_with is not None else 0
    run.curves = Curves()  # the entries this slice adds (the server has the others)
    start = time.thread_time()
    message = run.train(**job.limits)
    cpu = time.thread_time() - start
    runs[job.key] = (job.ident, run)
    while len(runs) > KEEP_RUNS:
        del runs[next(iter(runs))]
    return Trained(job.ident, change_of(run, began_with, done), run.curves, message, cpu)


def serve(fd: int) -> None:
    """A worker process: train the slices that come down the pipe until it closes."""
    from mlp_fast.threads import one_blas_thread

    nice = os.environ.get(ENV_NICE, "").strip()
    if nice.lstrip("-").isdigit() and int(nice):
        with contextlib.suppress(OSError):
            os.nice(int(nice))
    conn = Connection(fd)
    conn.send_bytes(b"ready")
    runs: dict[int, tuple[int, PlaygroundRun]] = {}
    stats = Stats(os.environ.get(ENV_STATS, ""))
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
            stats.add(reply)


class Stats:
    """The worker's totals for a benchmark (ENV_STATS): training CPU seconds, slices,
    epochs finished; one line rewritten in place after each slice (nothing if no path)."""

    def __init__(self, path: str) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644) if path else -1
        self.cpu, self.slices, self.epochs = 0.0, 0, 0

    def add(self, reply: object) -> None:
        """Count a slice's answer (one that trained: not `needs`, not a failure)."""
        if self.fd < 0 or not isinstance(reply, Trained) or reply.change is None:
            return
        self.cpu, self.slices = self.cpu + reply.cpu, self.slices + 1
        self.epochs += len(reply.curves.epoch)  # the curves get an entry per epoch finished
        os.pwrite(self.fd, f"{self.cpu:.6f} {self.slices} {self.epochs}\n".encode(), 0)


def points_of(run: PlaygroundRun) -> tuple[np.ndarray, np.ndarray]:
    """The points `run` was made from, X (n, 2) and y (n,): its training then test points."""
    return np.concatenate([run.X_train, run.X_test]), np.concatenate([run.y_train, run.y_test])


def _mark(run: PlaygroundRun) -> tuple:
    """The run's training state as a slice's answer left it: its objects and numbers."""
    return tuple(getattr(run, name) for name in TrainState.__annotations__)


def _same(a: tuple, b: tuple) -> bool:
    """Whether two marks are of the same state: the same objects (a change in place is a
    change of `steps` too), the same numbers."""
    if len(a) != len(b):
        return False
    numbers = (int, float, bool)
    return all(x is y or (type(x) in numbers and x == y) for x, y in zip(a, b, strict=True))


class Worker:
    """The server's end: one worker process, the slices sent to it and their answers."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen | None = None
        self._conn: Connection | None = None
        self._lock = threading.Lock()  # sending, starting, and the books below
        self._waiting: dict[int, Future] = {}
        # per run: (the version the worker holds, the run's state then as `_mark`); runs
        # the worker has (had) the points of are in it; emptied when a new worker starts
        self._held: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._ids = itertools.count()
        self.states_sent = 0  # slices that carried a run's whole state (for the tests)

    @property
    def pid(self) -> int | None:
        proc = self._proc
        return proc.pid if proc is not None and proc.poll() is None else None

    def train(self, run: PlaygroundRun, key: int, **limits) -> tuple[str, float]:
        """Train `run` for one slice in the worker (`limits`: epochs, seconds, budget,
        whole, as `PlaygroundRun.train` takes them) and take what it changed into `run`:
        (why it stopped or '', the worker's CPU seconds). `key` names the run (the same
        key, the same points and network, for the server's life). Raises WorkerDied (the
        run unchanged) if the worker stopped."""
        reply = self._ask(run, key, limits, "")
        if reply.needs:
            reply = self._ask(run, key, limits, reply.needs)
        if reply.needs:
            raise RuntimeError(f"the Playground's worker still needs the {reply.needs}")
        take(run, reply.change)
        run.curves.extend(reply.curves)
        with self._lock:
            self._held[run] = (reply.ident, _mark(run))
        return reply.message, reply.cpu

    def _ask(self, run: PlaygroundRun, key: int, limits: dict, needs: str) -> Trained:
        with self._lock:
            if self._conn is None:
                self._start()
            ident = next(self._ids)
            held = self._held.get(run)
            job = Slice(ident, key, -1, limits)
            if held is not None and held[0] >= 0 and not needs and _same(held[1], _mark(run)):
                job.version = held[0]
            else:
                job.version, job.state = ident, run.state()
                self.states_sent += 1
            if held is None or needs == "points":
                job.points, job.config = points_of(run), run.config
                self._held[run] = (-1, ())
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
        self._proc, self._conn = proc, conn
        self._held = weakref.WeakKeyDictionary()  # a new worker holds no run
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
        """End the worker: its pipe is shut down, so the worker reads the end and exits,
        and the reader thread wakes and closes the pipe. (Closing it here would not do:
        the reader's blocked read keeps the socket open, so the worker would see no end.)"""
        with self._lock:
            conn, proc = self._conn, self._proc
        if conn is not None:
            _shut(conn)
        if proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=2)
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def _shut(conn: Connection) -> None:
    """Shut down both ways the socket under `conn` (left open: its reader closes it)."""
    with contextlib.suppress(OSError):  # closed meanwhile: the reader saw the end
        sock = socket.socket(fileno=conn.fileno())
        try:
            sock.shutdown(socket.SHUT_RDWR)
        finally:
            sock.detach()  # the fd stays conn's
