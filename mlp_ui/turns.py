"""Turns for the Train page's heavy work, so that a light page never waits behind a class.

A server is one Python process, and its sessions' script threads share one interpreter
lock, handed round all the threads that want it in 5 ms slices. When a class presses
Start together, thirty Train pages rerun at once (about 65 ms of Python each): a drawn
digit's script run on the Draw page then gets a thirty-first of the interpreter, and the
answer takes a second or two instead of a few tens of milliseconds
(benchmarks/classroom.md).

So a script run of the Train page takes a turn here before it draws anything (app.py,
`taken`) and gives it back before its training loop (`give_back`); each redraw of the
curves while a run trains takes a turn of its own (`heavy`). At most `AT_ONCE` script
threads hold a turn at a time; the others wait off the interpreter lock, roughly in
arrival order. A light page competes with those few only. The work done is the same,
and so is the class's time: the interpreter ran one thread at a time anyway. Training
itself runs in the worker pool (mlp_fast.pool) and needs no turn.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

AT_ONCE = 1
"""Script threads holding a turn at a time. One: a drawing then competes with one page's
Python (30 sessions: draw p95 0.26 s; with two at a time 0.51-0.55 s). A page waiting
for a run's lock in its turn (Stop waits for the slice in progress) holds the others
up for at most a slice (`train_live.Pace.longest`, 0.3 s)."""

_TURNS = threading.BoundedSemaphore(AT_ONCE)
_HELD = threading.local()  # .held: whether this script thread holds a turn


def _holds() -> bool:
    return getattr(_HELD, "held", False)


@contextmanager
def taken(heavy_page: bool) -> Iterator[None]:
    """Around a page's script run: a turn for a heavy page (none for a light one),
    given back at the end unless the page gave it back earlier."""
    if not heavy_page or _holds():
        yield
        return
    _TURNS.acquire()
    _HELD.held = True
    try:
        yield
    finally:
        give_back()


def give_back() -> None:
    """End this thread's turn early, if it holds one (before a page's training loop)."""
    if _holds():
        _HELD.held = False
        _TURNS.release()


@contextmanager
def heavy() -> Iterator[None]:
    """A turn for one piece of heavy work (a redraw); inside a turn already: no wait."""
    with taken(True):
        yield


def free() -> int:
    """How many turns nobody holds now (tests check that no script run keeps one)."""
    got = 0
    while _TURNS.acquire(blocking=False):
        got += 1
    for _ in range(got):
        _TURNS.release()
    return got
