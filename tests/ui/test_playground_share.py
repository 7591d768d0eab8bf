"""The Playground's training share: sessions earn training time at the same rate,
whatever their frame rates, and a frame spends at most what its session earned; when
slices queue for the trainer, the least served session's goes first."""

from __future__ import annotations

import math
import threading

import pytest

from mlp_ui.playground_share import Share, Turns


def _play(share: Share, frames: dict[int, float], seconds: float, cost: float) -> dict:
    """Sessions asking for frames every frames[who] seconds for `seconds`; each frame
    trains epochs of `cost` seconds until its slice is used up (PlaygroundRun.train
    stops after the epoch that ends past it).
    Returns the seconds of training each session got."""
    trained = dict.fromkeys(frames, 0.0)
    due = dict.fromkeys(frames, 0.0)
    while True:
        who = min(due, key=due.get)
        now = due[who]
        if now > seconds:
            return trained
        budget = share.slice(who, now)
        if budget > 0:
            spent = cost * math.ceil(budget / cost)
            share.spend(who, spent)
            trained[who] += spent
        due[who] = now + frames[who]


def test_in_a_class_a_session_with_three_times_the_frames_trains_as_long_as_the_others():
    share = Share(cores=0.5, max_slice=0.008, max_credit=0.03)
    frames = {who: 0.1 for who in range(30)}  # thirty at 10 frames a second,
    frames[0] = 0.3  # but session 0's browser asks a third as often
    trained = _play(share, frames, seconds=20.0, cost=0.0019)
    assert min(trained.values()) / max(trained.values()) > 0.9
    # all together: about half a core, as set (the first frames are a free start)
    assert sum(trained.values()) / 20.0 == pytest.approx(0.5, rel=0.1)


def test_alone_a_frame_trains_at_most_max_slice():
    share = Share(cores=0.5, max_slice=0.008)
    assert share.slice(1, 0.0) == 0.008  # the first frame starts at once
    share.spend(1, 0.008)
    assert share.slice(1, 1.0) == 0.008  # a second's earnings: still one slice


def test_an_epoch_longer_than_the_slice_is_paid_back_by_later_frames():
    share = Share(cores=0.5, max_slice=0.008)
    share.slice(1, 0.0)
    share.spend(1, 0.02)  # one long epoch: 12 ms over
    assert share.slice(1, 0.01) == 0.0  # 5 ms earned, 7 ms still owed
    assert share.slice(1, 0.03) > 0.0  # paid back


def test_thirty_sessions_share_the_cores_and_a_paused_one_leaves_the_count():
    share = Share(cores=0.6, max_slice=0.008, idle_after=1.0)
    for who in range(30):
        share.slice(who, 0.0)
        share.spend(who, 0.008)
    # 0.1 s later each of the thirty has earned 0.1 * 0.6 / 30 = 2 ms (the first frame
    # was a free start)
    assert share.slice(0, 0.1) == pytest.approx(0.002)
    share.spend(0, 0.002)
    for who in range(1, 30):  # all but session 0 stop asking for frames (paused)
        share.slice(who, 0.1)
    assert share.slice(0, 2.0) == 0.008  # alone now: a whole slice again


def test_a_session_that_spent_its_time_is_told_how_long_until_it_has_earned_more():
    share = Share(cores=0.5, max_slice=0.008, max_credit=0.03)
    assert share.wait(1, now=0.0) == 0.0  # never seen: a first frame at once
    share.slice(1, now=0.0)
    share.slice(2, now=0.0)  # two playing: each earns 0.25 s a second
    share.spend(1, 0.008 + 0.005)  # 5 ms more than its first slice
    assert share.wait(1, now=0.0) == pytest.approx(0.005 / 0.25)
    assert share.wait(1, now=0.02 + 1e-9) == 0.0
    assert share.wait(2, now=0.0) == 0.0  # the other has its first slice still


def test_served_counts_a_sessions_turns_and_a_newcomer_starts_level_with_the_least():
    share = Share(cores=0.5, idle_after=1.0)
    for _ in range(5):
        share.slice(1, 0.0)
    share.slice(2, 0.0)  # joins when 1 has had 5 turns: starts there
    share.slice(2, 0.1)
    assert (share.served(1), share.served(2)) == (5, 7)
    assert share.served(3) == 5  # not playing yet: level with the least served
    share.slice(3, 0.5)
    assert share.served(3) == 6  # owed nothing for the turns before it came
    share.slice(1, 2.0)  # 2 and 3 stopped playing a second ago: they leave the count
    assert share.served(2) == 6  # back later: level with the least served, session 1


def test_waiting_slices_take_turns_by_fewest_turns_not_by_arrival():
    """One trainer thread, held busy while sessions 1, 2, 3, 4 ask in that order: they
    are served 2 (fewest turns), 4 (new: level with the least, after 2, who came first),
    3, then 1 (most turns)."""
    share = Share()
    for who in (1, 2, 3, 1, 1, 1, 3):
        share.slice(who, 0.0)
    assert [share.served(who) for who in (1, 2, 3, 4)] == [4, 2, 3, 2]
    turns, busy, order = Turns(1, share), threading.Event(), []
    first = turns.submit(0, busy.wait)
    futures = [turns.submit(who, lambda who=who: order.append(who)) for who in (1, 2, 3, 4)]
    busy.set()
    for f in (first, *futures):
        f.result(timeout=10)
    assert order == [2, 4, 3, 1]


def test_a_turn_passes_its_result_or_its_error_to_the_caller():
    turns = Turns(2, Share())
    assert turns.submit(1, lambda: 42).result(timeout=10) == 42
    with pytest.raises(ZeroDivisionError):
        turns.submit(1, lambda: 1 / 0).result(timeout=10)
