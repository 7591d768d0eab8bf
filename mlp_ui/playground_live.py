"""The Playground's live channel: a WebSocket that streams frames to the browser component.

Served by `serve.py` (Streamlit's st.App with this module's `routes()`), the page hands
the component a ticket in its arguments (never in a URL): random, used once, expiring
after TICKET_SECONDS, bound to the session's `Playground`. The component opens
PATH, sends the ticket as its first message, and from then on receives frames while the
session plays: the server trains a slice with mlp_core's NumPy step (its time from
mlp_ui.playground_share, shared fairly by every session playing) and sends the weights,
the epoch and the losses as one Float32Array (`encode`; about 0.8 kB for 2-8-8-8-1). The
browser acknowledges each frame once it has drawn it; at most IN_FLIGHT frames are
unacknowledged, so a slow or hidden tab is sent no more than it draws.

Play, Pause, Step, Reset and every setting still go through Streamlit: the socket reads
the session's playground as the page left it (`playing`, the run, the stop condition).
Run with plain `streamlit run app.py` (or in AppTest) there is no route, no ticket is
handed out, and the page's fragment timer sends the frames instead
(mlp_ui.playground_view).

The slices are trained by a worker process beside the server
(mlp_fast.playground_worker: the same mlp_core step on the worker's copy of the run,
kept there between slices; what a slice changed comes back into the session's run after
every slice), so the server's one interpreter lock is left to the frames and the other
pages. A few threads (TRAINER) hand the slices over, fewest turns first
(playground_share.Turns), so the worker has the next one queued while it trains one; the
event loop that carries Streamlit's own messages never trains. Where the worker cannot
start or dies, a slice trains in the server's own process instead, and the next one
starts a new worker (`$MLP_LAB_PLAYGROUND_WORKER=0`: never a worker).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import threading
import time
import weakref
from dataclasses import dataclass, field
from functools import partial

import numpy as np
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from mlp_core import playground as core
from mlp_fast import playground_worker
from mlp_ui import playground_component as component
from mlp_ui import playground_share as share

PATH = "/api/playground/frames"
TICKET_SECONDS = 30.0
IN_FLIGHT = 2  # frames sent and not yet acknowledged by the browser, at most
MIN_INTERVAL = 1 / 60  # a screen redraws 60 times a second: no frame sooner than that
IDLE_POLL = 0.02  # seconds between looks at a paused playground
MAX_WAIT = 0.1  # seconds a session waits for training time before it looks again
MAX_EPOCHS = 50  # per frame, on the live channel and the fragment's timer alike
FRAME_RATE = 10.0  # frames a second each session should get, however many play
REFUSED = 4403  # close code: the ticket is unknown, used or expired
MAGIC = 25.0  # a frame's first number (format version)
EPOCH_SPLIT = 2**20  # the epoch travels as two float32s, exact to 2**44
HEADER = 10  # numbers before the layer sizes

TRAINER = share.Turns(3, share.SHARE, "playground-live")  # three: one slice trains, two wait
WORKER_CORES = 0.85  # the training share with a worker: most of its core (the rest: the
# slices' copying in and out); without one, playground_share's default share of the server
RETRY_AFTER = 10.0  # seconds before a worker that could not start is tried again


def _worker() -> playground_worker.Worker | None:
    """The worker process's handle (None: slices train in this process)."""
    if os.environ.get("MLP_LAB_PLAYGROUND_WORKER", "1").strip() == "0" or os.name != "posix":
        return None
    return playground_worker.Worker()


WORKER = _worker()
_worker_failed_at = -1e9  # when the worker last could not start


@dataclass
class Tickets:
    """One-use tickets, each bound to one session's playground (thread-safe)."""

    seconds: float = TICKET_SECONDS
    _open: dict[str, tuple[weakref.ref, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def issue(self, pg, now: float) -> str:
        """A new ticket for `pg`, valid until now + seconds."""
        token = secrets.token_urlsafe(24)
        with self._lock:
            for old in [t for t, (_, until) in self._open.items() if until < now]:
                del self._open[old]
            self._open[token] = (weakref.ref(pg), now + self.seconds)
        return token

    def redeem(self, token: object, now: float):
        """The playground `token` was issued for, once; None if unknown, used or expired."""
        if not isinstance(token, str):
            return None
        with self._lock:
            ref, until = self._open.pop(token, (None, 0.0))
        return ref() if ref is not None and now <= until else None


TICKETS = Tickets()
_served = False  # routes() was called: this server has the live channel


def routes() -> list[WebSocketRoute]:
    """The live channel's route, for st.App (serve.py)."""
    global _served
    _served = True
    return [WebSocketRoute(PATH, frames)]


def available(pg) -> bool:
    """Whether `pg`'s frames come through the live channel (served by serve.py, and the
    browser has not reported that it could not open it)."""
    return _served and not pg.no_live


def channel(pg) -> dict | None:
    """What the component needs to open the live channel for `pg`: the path and a new
    ticket (None: no channel, the fragment's timer brings the frames)."""
    if not available(pg):
        return None
    return {"path": PATH, "ticket": TICKETS.issue(pg, time.monotonic())}


def encode(run: core.PlaygroundRun, stopped: bool = False) -> bytes:
    """One frame, float32 little-endian: MAGIC, run tag, epoch (high, low), training and
    test loss, test accuracy (NaN: none), stopped (1: playing stopped here), number of
    weight layers L, classes k in the confusion matrix (0: none); then the L + 1 layer
    sizes, the L gradient sizes, the k x k confusion matrix, and per layer W (fan_in,
    fan_out) row by row, then b."""
    model, curves = run.model, run.curves
    confusion = run.confusion()
    k = 0 if confusion is None else len(confusion)
    accuracy = float(np.trace(confusion) / confusion.sum()) if k and confusion.sum() else np.nan
    epoch = run.epoch
    head = [MAGIC, component.run_tag(run), epoch // EPOCH_SPLIT, epoch % EPOCH_SPLIT]
    head += [curves.train_loss[-1], curves.test_loss[-1], accuracy, float(stopped)]
    head += [len(model.W), k]
    parts = [np.asarray(head), np.asarray(model.sizes), np.asarray(curves.grad_rms[-1])]
    parts += [np.ravel(confusion)] if k else []
    for W, b in zip(model.W, model.b, strict=True):
        parts += [np.ravel(W), b]
    return np.concatenate(parts).astype("<f4").tobytes()


def decode(frame: bytes) -> dict:
    """A frame back as numbers (the benchmark's and the tests' reader; live.ts is the
    browser's)."""
    a = np.frombuffer(frame, dtype="<f4").astype(np.float64)
    if a[0] != MAGIC:
        raise ValueError(f"not a Playground frame (first number {a[0]})")
    L, k = int(a[8]), int(a[9])
    sizes = a[HEADER : HEADER + L + 1].astype(int).tolist()
    at = HEADER + L + 1
    grad, at = a[at : at + L], at + L
    confusion, at = a[at : at + k * k].reshape(k, k) if k else None, at + k * k
    W, b = [], []
    for i, o in zip(sizes, sizes[1:], strict=False):
        W.append(a[at : at + i * o].reshape(i, o))
        b.append(a[at + i * o : at + i * o + o])
        at += i * o + o
    return {
        "tag": int(a[1]),
        "epoch": int(a[2]) * EPOCH_SPLIT + int(a[3]),
        "train_loss": a[4],
        "test_loss": a[5],
        "accuracy": None if np.isnan(a[6]) else a[6],
        "stopped": bool(a[7]),
        "sizes": sizes,
        "grad": grad,
        "confusion": confusion,
        "W": W,
        "b": b,
    }


def stop_reason(run: core.PlaygroundRun, loss: float, epochs: int, seconds: float = 0.0) -> str:
    """Why playing stops here ('' to go on): the stop condition set under the picture, or
    a challenge's limit of training seconds, which `run.train` kept to."""
    if loss and run.curves.test_loss[-1] <= loss:
        return f"Stopped: the test loss reached {run.curves.test_loss[-1]:.4f} (at most {loss:g})."
    if epochs and run.epoch >= epochs:
        return f"Stopped after {run.epoch:,} epochs, as set."
    if seconds and run.out_of_time:
        return (
            f"Stopped after {run.epoch:,} epochs and {run.seconds:.2f} training seconds: "
            f"another epoch would have gone past the challenge's limit of {seconds:g} s."
        )
    return ""


def play_slice(pg, remote: bool = False) -> int:
    """Train `pg`'s playing run (its lock held by the caller) for the slice its session
    has earned, and stop it where it diverged or its stop condition says (`pg.message`
    says why; `pg.stopped_at` marks a stop condition, which a challenge may submit).
    Returns the minibatches trained. The live channel and the fragment's timer both play
    by it (`remote`: the live channel's, through the worker process when there is one).
    Crowded (`crowded`), a slice may end inside an epoch: the next one goes on
    with it, and a run that stops here finishes it first (a paused run is between epochs)."""
    run = pg.run
    loss, limit, seconds = pg.stop_when
    epochs = max(min(MAX_EPOCHS, limit - run.epoch), 0) if limit else MAX_EPOCHS
    before, whole = run.steps, not crowded(run)
    limits = {"epochs": epochs, "budget": seconds, "whole": whole}
    train = partial(_in_worker if remote else _here, run, limits)
    pg.message = share.train_slice(id(pg), train) if epochs else ""
    if stop := pg.message or stop_reason(run, loss, limit, seconds):
        if not pg.message:  # stopped by its stop condition, not by diverging
            run.finish_epoch(seconds)
            pg.stopped_at = (run, run.epoch)
        pg.playing, pg.message = False, stop
    return run.steps - before


def _here(run: core.PlaygroundRun, limits: dict, seconds: float) -> str:
    """One slice of `run` in this process."""
    return run.train(seconds=seconds, **limits)


def _in_worker(run: core.PlaygroundRun, limits: dict, seconds: float) -> tuple[str, float]:
    """One slice of `run` in the worker process: (why it stopped or '', the worker's CPU
    seconds, which the session is charged); in this process if there is no worker, or it
    died (its next slice starts a new one), or it could not start (tried again later)."""
    global _worker_failed_at
    if WORKER is not None and time.monotonic() - _worker_failed_at > RETRY_AFTER:
        share.SHARE.cores = WORKER_CORES
        try:
            return WORKER.train(run, component.run_tag(run), seconds=seconds, **limits)
        except playground_worker.NoWorker:
            _worker_failed_at = time.monotonic()
        except (playground_worker.WorkerDied, RuntimeError):
            pass  # this slice here; the next one in a new worker
    share.SHARE.cores = share.Share.cores
    return _here(run, limits, seconds), 0.0


def crowded(run: core.PlaygroundRun) -> bool:
    """Whether a frame of `run` trains some minibatches rather than whole epochs: when
    the training time each playing session earns for a frame at FRAME_RATE frames a
    second is less than one epoch of this run takes (measured on its own epochs)."""
    if not run.steps:
        return False
    batches = -(-len(run.F_train) // min(run.config.batch_size, len(run.F_train)))
    return share.SHARE.per_frame(FRAME_RATE) < run.seconds / run.steps * batches


def train_frame(pg) -> bytes | None:
    """Train `pg`'s run for the slice its session has earned and encode the frame; None
    when there is nothing to send now (paused, no time earned, or the page holds the run)."""
    if not pg.lock.acquire(blocking=False):  # a button's script run is changing it
        return None
    try:
        run = pg.run
        if run is None or not pg.playing:
            return None
        trained = play_slice(pg, remote=True)
        if pg.playing and not trained:
            return None  # no training time earned yet: no new picture
        if pg.progress is not None:  # a class challenge: how far, for the teacher's view
            pg.progress(run.epoch)
        # stopped: the browser asks the page to show Play again
        return encode(run, stopped=not pg.playing)
    finally:
        pg.lock.release()


async def frames(ws: WebSocket) -> None:
    """The route: a ticket first, then frames while the session plays."""
    await ws.accept()
    try:
        first = await asyncio.wait_for(ws.receive_text(), 10)
        token = json.loads(first).get("ticket")
    except (TimeoutError, ValueError, AttributeError, WebSocketDisconnect, KeyError):
        token = None
    pg = TICKETS.redeem(token, time.monotonic())
    if pg is None:
        await _close(ws, REFUSED, "ticket refused: unknown, used or expired")
        return
    await Stream(ws, weakref.ref(pg)).run()


async def _close(ws: WebSocket, code: int = 1000, reason: str = "") -> None:
    """Close the socket unless the browser has gone already (closing then raises)."""
    if ws.application_state != WebSocketState.CONNECTED:
        return
    if ws.client_state == WebSocketState.DISCONNECTED:
        return
    with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
        await ws.close(code=code, reason=reason)  # (it may go while we close)


@dataclass
class Stream:
    """One socket's frames: sent while its playground plays, IN_FLIGHT at most unacked."""

    ws: WebSocket
    pg: weakref.ref
    in_flight: int = 0
    acked: asyncio.Event = field(default_factory=asyncio.Event)
    closed: bool = False

    async def run(self) -> None:
        reader = asyncio.create_task(self._acks())
        try:
            await self._send_frames()
        except (WebSocketDisconnect, RuntimeError, OSError):
            pass  # the browser went away mid-send
        finally:
            reader.cancel()
            await _close(self.ws)

    async def _acks(self) -> None:
        try:
            while True:
                await self.ws.receive_text()
                self.in_flight = max(self.in_flight - 1, 0)
                self.acked.set()
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            self.closed = True
            self.acked.set()

    async def _send_frames(self) -> None:
        last = 0.0
        while not self.closed:
            if self.in_flight >= IN_FLIGHT:
                self.acked.clear()
                await self.acked.wait()
                continue
            pg = self.pg()
            if pg is None:  # the session has ended
                return
            if not pg.playing:
                del pg
                await asyncio.sleep(IDLE_POLL)
                continue
            owed = share.SHARE.wait(id(pg), time.monotonic())
            if owed > 0:  # its training time is spent: no turn on the trainer until earned
                del pg
                await asyncio.sleep(min(owed, MAX_WAIT))
                continue
            frame = await asyncio.wrap_future(TRAINER.submit(id(pg), partial(train_frame, pg)))
            del pg  # hold no session alive while waiting
            if frame is None:
                await asyncio.sleep(IDLE_POLL / 4)
                continue
            # trained first, then held to the screen's pace: the next slice trains while
            # this frame waits its turn, not after
            await asyncio.sleep(max(0.0, last + MIN_INTERVAL - time.monotonic()))
            last = time.monotonic()
            self.in_flight += 1
            await self.ws.send_bytes(frame)
