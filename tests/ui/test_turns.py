"""Turns for heavy page work (mlp_ui.turns): at most AT_ONCE threads inside, a turn given
back on every way out, and no thread ever waiting for a turn it holds itself."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from mlp_ui import turns
from tests.waiting import wait_until


@contextmanager
def _held_by_other_pages(n: int) -> Iterator[None]:
    """`n` turns taken by other script threads (heavy pages) until the block ends."""
    release = threading.Event()

    def page() -> None:
        with turns.taken(True):
            release.wait()

    threads = [threading.Thread(target=page) for _ in range(n)]
    for t in threads:
        t.start()
    try:
        wait_until(lambda: turns.free() == turns.AT_ONCE - n, 10, "each page holds its turn")
        yield
    finally:
        release.set()
        for t in threads:
            t.join()


def test_at_most_at_once_threads_hold_a_turn() -> None:
    inside, most, lock, release = [0], [0], threading.Lock(), threading.Event()

    def page() -> None:
        with turns.taken(True):
            with lock:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            release.wait()  # the first pages in hold their turns until released
            with lock:
                inside[0] -= 1

    threads = [threading.Thread(target=page) for _ in range(12)]
    for t in threads:
        t.start()
    wait_until(lambda: inside[0] >= turns.AT_ONCE, 10, "the turns are all taken")
    release.set()
    for t in threads:
        t.join()
    assert most[0] == turns.AT_ONCE and turns.free() == turns.AT_ONCE


def test_a_light_page_takes_no_turn_and_never_waits() -> None:
    with _held_by_other_pages(turns.AT_ONCE):  # every turn taken
        done = threading.Event()
        thread = threading.Thread(target=lambda: (turns.taken(False).__enter__(), done.set()))
        thread.start()
        assert done.wait(2.0)


def test_a_turn_is_given_back_early_once_and_on_an_exception() -> None:
    with turns.taken(True):
        assert turns.free() == turns.AT_ONCE - 1
        turns.give_back()  # before the training loop
        assert turns.free() == turns.AT_ONCE
        with turns.heavy():  # a redraw takes a turn of its own
            assert turns.free() == turns.AT_ONCE - 1
        assert turns.free() == turns.AT_ONCE
    assert turns.free() == turns.AT_ONCE  # not given back twice
    with pytest.raises(RuntimeError), turns.taken(True):
        raise RuntimeError("a rerun or a stop inside the page")
    assert turns.free() == turns.AT_ONCE
    turns.give_back()  # without a turn: nothing happens
    assert turns.free() == turns.AT_ONCE


def test_heavy_work_inside_a_page_that_holds_a_turn_does_not_wait() -> None:
    with _held_by_other_pages(turns.AT_ONCE - 1):  # one turn left
        with turns.taken(True), turns.heavy(), turns.taken(True):
            assert turns.free() == 0
        assert turns.free() == 1
