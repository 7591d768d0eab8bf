"""The server's training time for the Playground, shared fairly by the sessions playing.

A frame trains a slice, but how long is decided here, not by how often the session's
browser asks for frames: every playing session earns training time at the same rate,
`cores / (sessions playing)` seconds a second, and a frame spends what its session has
earned, at most `max_slice` (a frame's training delays its picture). A tab that gets
more frames trains no longer than one that gets fewer, so thirty networks advance at
about the same pace; and however many play, training takes at most `cores` of the
server, the rest is left to send the frames. (A tab gets its whole share as long as it
has at least cores / (sessions x max_slice) frames a second: 2.7 with thirty playing. A
few sessions, each asking for fewer, all train max_slice a frame.)

`cores` is 0.65: thirty sessions at ten frames a second, each frame at least one epoch
of the spiral's 2-8-8-8-1 network (1.6-1.9 ms), need 0.5-0.6 of a core of training;
through the live channel (mlp_ui.playground_live) a frame costs the server well under a
millisecond besides, so training and frames together stay under one core (the one the
interpreter lock lets a server's Python use). A session waiting for its next turn asks
`wait` how long, instead of asking for a slice again and again.

When the trainer cannot keep up (a crowded or busy machine), every session has time
earned and their slices queue: `Turns` then trains first the slice of the session that
has had the fewest turns (`Share.served`), so turns go round evenly and one that missed
some (a tab slow to acknowledge its frames) goes ahead when it is back; each turn's slice
is the time its session earned since its last, so even turns are even training too.
(Least training seconds first was tried: a session whose slice was long then waited
long, earned a long slice again, and got a third of the others' frames.)

The time spent is the training thread's CPU time (`time.thread_time`), not the wall time a
busy server stretches: a session is not charged for waiting for the others.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Share:
    """Training time earned and spent per playing session (thread-safe)."""

    cores: float = 0.65  # of the server's time, for all sessions' training together
    max_slice: float = 0.008  # seconds of training in one frame, at most
    max_credit: float = 0.03  # earned time kept for later frames, at most
    # A frame trains at most what its session earned since its last frame, or its share
    # of 1 / frame_rate s if that is more: when the server is the limit, time saved up
    # goes into more frames rather than longer ones, and a tab asking for fewer frames
    # still spends all it earns.
    frame_rate: float = 15.0
    idle_after: float = 1.0  # seconds without a frame: no longer counted as playing
    _last: dict[int, float] = field(default_factory=dict)
    _credit: dict[int, float] = field(default_factory=dict)
    _served: dict[int, int] = field(default_factory=dict)  # turns (slices) while playing
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def slice(self, who: int, now: float) -> float:
        """Seconds session `who` may train in this frame (0: none this time)."""
        with self._lock:
            for other, t in list(self._last.items()):
                if now - t > self.idle_after and other != who:
                    del self._last[other], self._credit[other], self._served[other]
            last = self._last.get(who)
            if last is None:  # joins level with the least served: owed nothing for before
                self._served[who] = min(self._served.values(), default=0)
            self._served[who] += 1
            playing = len(self._last) + (last is None)
            earned = self.max_slice if last is None else (now - last) * self.cores / playing
            credit = min(self._credit.get(who, 0.0) + earned, self.max_credit)
            self._last[who], self._credit[who] = now, credit
            cap = min(self.max_slice, max(self.cores / (playing * self.frame_rate), earned))
            return min(max(credit, 0.0), cap)

    def per_frame(self, rate: float = 10.0) -> float:
        """Seconds of training each playing session earns per frame at `rate` frames a
        second, with as many playing as now."""
        with self._lock:
            return self.cores / max(len(self._last), 1) / rate

    def wait(self, who: int, now: float) -> float:
        """Seconds until session `who` has earned some training time (0: it has now), at
        the rate it earns while as many play as now; asking changes nothing."""
        with self._lock:
            last = self._last.get(who)
            if last is None:
                return 0.0
            rate = self.cores / max(len(self._last), 1)
            credit = self._credit.get(who, 0.0) + (now - last) * rate
            return 0.0 if credit > 0 else -credit / rate

    def spend(self, who: int, seconds: float) -> None:
        """Charge session `who` for training it did (the debt is paid by later frames)."""
        with self._lock:
            if who in self._credit:
                self._credit[who] -= seconds

    def served(self, who: int) -> int:
        """Turns (slices) session `who` has had since it began playing, counted from the
        least served's when it began (one not playing yet: the least served's)."""
        with self._lock:
            if who in self._served:
                return self._served[who]
            return min(self._served.values(), default=0)


SHARE = Share()
"""The server's one share: every session's frames draw on it."""


class Turns:
    """A few threads that run the sessions' slices, taking next the waiting session that
    has had the fewest turns (`Share.served`), not the first come. While the trainer
    keeps up, nobody waits long and the order matters little; when it cannot (a crowded
    or loaded machine: every session has earned time, and a queue forms), the turns go
    round evenly, a session back from a pause or a slow tab's wait first."""

    def __init__(self, threads: int, share: Share, name: str = "turns") -> None:
        self.threads, self.share, self.name = threads, share, name
        self._waiting: list[tuple[int, int, Callable[[], Any], Future]] = []
        self._ready = threading.Condition()
        self._started = 0
        self._order = itertools.count()  # ties: the first come

    def submit(self, who: int, fn: Callable[[], Any]) -> Future:
        """Run fn() for session `who` when its turn comes; its result as a Future."""
        future: Future = Future()
        with self._ready:
            self._waiting.append((who, next(self._order), fn, future))
            if self._started < self.threads:
                self._started += 1
                name = f"{self.name}-{self._started}"
                threading.Thread(target=self._serve, name=name, daemon=True).start()
            self._ready.notify()
        return future

    def _next(self) -> tuple[int, int, Callable[[], Any], Future]:
        with self._ready:
            while not self._waiting:
                self._ready.wait()
            job = min(self._waiting, key=lambda j: (self.share.served(j[0]), j[1]))
            self._waiting.remove(job)
            return job

    def _serve(self) -> None:
        while True:
            _, _, fn, future = self._next()
            if not future.set_running_or_notify_cancel():
                continue  # its socket went while it waited
            try:
                result = fn()
            except BaseException as exc:  # noqa: BLE001  the caller's to handle
                future.set_exception(exc)
            else:
                future.set_result(result)


def train_slice(who: int, train) -> str:
    """Run `train(seconds)` for the time session `who` has earned (nothing if none);
    its answer ('' or why training stopped) is returned. The session is charged this
    thread's CPU time, plus, if `train` answers (why, seconds), the CPU seconds it says
    it spent elsewhere (a worker process's)."""
    seconds = SHARE.slice(who, time.monotonic())
    if seconds <= 0:
        return ""
    start, elsewhere = time.thread_time(), 0.0
    try:
        answer = train(seconds)
        if isinstance(answer, tuple):
            answer, elsewhere = answer
        return answer
    finally:
        SHARE.spend(who, time.thread_time() - start + elsewhere)
