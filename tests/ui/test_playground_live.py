"""The Playground's live channel (mlp_ui/playground_live.py) without a server: tickets
(one use, expiring, bound to one playground), the frame's encoding (the numbers the
browser gets are the run's), a frame trained only while playing and stopped by the stop
condition, and the route itself driven through a stand-in socket: a refused ticket, a
replayed one, frames only while playing, at most two unacknowledged, and several
sessions' networks advancing evenly (the fair share)."""

from __future__ import annotations

import asyncio
import gc
import json
import threading
import time

import numpy as np
import pytest
from starlette.websockets import WebSocketDisconnect, WebSocketState

from mlp_core import playground as core
from mlp_core.playground_config import PlaygroundConfig
from mlp_ui import playground_component as component
from mlp_ui import playground_live as live
from mlp_ui.playground_state import Playground
from tests.e2e.st_ws import run_in_own_loop  # a browser test may hold a loop in this thread
from tests.waiting import wait_until


def _run(query: str = "data=spiral&layers=8,8,8") -> core.PlaygroundRun:
    from urllib.parse import parse_qsl

    config, problems = PlaygroundConfig.read_query(dict(parse_qsl(query)))
    assert not problems
    return core.PlaygroundRun(
        config, core.make_points(config.dataset, config.n_points, config.noise, config.seed)
    )


def _playground(query: str = "data=spiral&layers=8,8,8", playing: bool = True) -> Playground:
    pg = Playground(run=_run(query), playing=playing)
    pg.config = pg.run.config
    return pg


# --- tickets ----------------------------------------------------------------------------


def test_a_ticket_opens_its_own_playground_once():
    tickets, a, b = live.Tickets(), Playground(), Playground()
    ta, tb = tickets.issue(a, now=0.0), tickets.issue(b, now=0.0)
    assert ta != tb and len(ta) >= 32  # random, unguessable
    assert tickets.redeem(tb, now=1.0) is b
    assert tickets.redeem(ta, now=1.0) is a
    assert tickets.redeem(ta, now=1.0) is None, "a ticket works once"


def test_a_ticket_expires_after_30_seconds():
    tickets, pg = live.Tickets(), Playground()
    late, fresh = tickets.issue(pg, now=0.0), tickets.issue(pg, now=0.0)
    assert live.TICKET_SECONDS == 30
    assert tickets.redeem(fresh, now=29.9) is pg
    assert tickets.redeem(late, now=30.1) is None


def test_unknown_and_malformed_tickets_are_refused_and_expired_ones_forgotten():
    tickets, pg = live.Tickets(), Playground()
    tickets.issue(pg, now=0.0)
    for bad in ("", "x" * 32, None, 12, ["a"], {"ticket": "a"}):
        assert tickets.redeem(bad, now=1.0) is None
    tickets.issue(pg, now=100.0)  # issuing sweeps the expired
    assert len(tickets._open) == 1


def test_a_ticket_does_not_keep_an_ended_session_alive():
    tickets, pg = live.Tickets(), Playground()
    token = tickets.issue(pg, now=0.0)
    del pg
    gc.collect()
    assert tickets.redeem(token, now=1.0) is None


def test_no_channel_without_the_route_or_when_the_browser_could_not_open_it(monkeypatch):
    pg = Playground()
    monkeypatch.setattr(live, "_served", False)
    assert live.channel(pg) is None  # streamlit run app.py, AppTest: the fragment's timer
    monkeypatch.setattr(live, "_served", True)
    first, second = live.channel(pg), live.channel(pg)
    assert first["path"] == live.PATH == "/api/playground/frames"
    assert first["ticket"] != second["ticket"]
    pg.no_live = True
    assert live.channel(pg) is None


# --- frames -----------------------------------------------------------------------------


def test_a_frame_carries_the_runs_weights_epoch_losses_and_gradients():
    run = _run()
    run.train(30)
    frame = live.encode(run)
    assert len(frame) < 1000  # 2-8-8-8-1: 177 weights and biases, ~0.8 kB in all
    f = live.decode(frame)
    assert f["tag"] == component.run_tag(run) and f["epoch"] == 30 and not f["stopped"]
    assert f["sizes"] == list(run.model.sizes) == [2, 8, 8, 8, 1]
    for W, b, W2, b2 in zip(run.model.W, run.model.b, f["W"], f["b"], strict=True):
        np.testing.assert_allclose(W2, W, rtol=1e-6)
        np.testing.assert_allclose(b2, b, rtol=1e-6, atol=1e-30)
    assert f["train_loss"] == pytest.approx(run.curves.train_loss[-1], rel=1e-6)
    assert f["test_loss"] == pytest.approx(run.curves.test_loss[-1], rel=1e-6)
    np.testing.assert_allclose(f["grad"], run.curves.grad_rms[-1], rtol=1e-6)
    confusion = run.confusion()
    np.testing.assert_array_equal(f["confusion"], confusion)
    assert f["accuracy"] == pytest.approx(np.trace(confusion) / confusion.sum(), rel=1e-6)


def test_three_classes_regression_and_large_epochs_travel_exactly():
    run = _run("data=spiral3&layers=6")
    run.epoch = 123_456_789  # past float32's 2**24: sent in two parts
    f = live.decode(live.encode(run, stopped=True))
    assert f["epoch"] == 123_456_789 and f["stopped"]
    assert f["confusion"].shape == (3, 3) and f["sizes"][-1] == 3
    reg = _run("data=wave&layers=4")
    f = live.decode(live.encode(reg))
    assert f["confusion"] is None and f["accuracy"] is None and f["sizes"][-1] == 1


def test_a_run_keeps_its_tag_and_a_new_run_gets_another():
    a, b = _run(), _run()
    assert component.run_tag(a) == component.run_tag(a) != component.run_tag(b)


def test_a_frame_is_trained_only_while_playing():
    pg = _playground(playing=False)
    assert live.train_frame(pg) is None and pg.run.epoch == 0
    pg.playing = True
    frame = live.train_frame(pg)
    assert frame is not None and live.decode(frame)["epoch"] == pg.run.epoch > 0


def test_a_frame_waits_while_a_button_holds_the_run():
    pg = _playground()
    held, release = threading.Event(), threading.Event()

    def button() -> None:
        with pg.lock:
            held.set()
            release.wait(5)

    t = threading.Thread(target=button)
    t.start()
    held.wait(5)
    try:
        assert live.train_frame(pg) is None and pg.run.epoch == 0
    finally:
        release.set()
        t.join()


def test_the_stop_condition_stops_playing_and_says_so_in_the_frame():
    pg = _playground()
    pg.stop_when = (0.0, 5, 0.0)

    def stopped_frame():  # frames as the socket asks for them (none while none is earned)
        frame = live.train_frame(pg)
        return frame if frame is not None and live.decode(frame)["stopped"] else None

    last = live.decode(wait_until(stopped_frame, 30, "the frame that says it stopped"))
    assert last["epoch"] == pg.run.epoch == 5
    assert not pg.playing and pg.message == "Stopped after 5 epochs, as set."
    assert live.train_frame(pg) is None


def test_a_challenges_training_seconds_stop_playing_inside_the_limit_and_say_so():
    pg = _playground()
    pg.stop_when = (0.0, 0, 0.1)
    deadline = time.monotonic() + 30
    while pg.playing and time.monotonic() < deadline:
        live.play_slice(pg)
        time.sleep(0.002)  # the fair share pays a session as time passes
    run = pg.run
    assert not pg.playing and run.out_of_time and 0.0 < run.seconds <= 0.1
    assert pg.stopped_at == (run, run.epoch)  # a stop condition: a challenge may submit it
    assert pg.message == (
        f"Stopped after {run.epoch:,} epochs and {run.seconds:.2f} training seconds: "
        "another epoch would have gone past the challenge's limit of 0.1 s."
    )
    pg.playing = True  # Play again: not one epoch more
    assert live.play_slice(pg) == 0 and not pg.playing and run.seconds <= 0.1


# --- the route, through a stand-in socket -----------------------------------------------


class Socket:
    """Starlette's WebSocket as the route uses it, driven by the test."""

    def __init__(self, first: str, ack: bool = True) -> None:
        self.incoming: asyncio.Queue = asyncio.Queue()
        self.incoming.put_nowait(first)
        self.frames: list[bytes] = []
        self.ack, self.closed_with = ack, None
        self.application_state = self.client_state = WebSocketState.CONNECTING

    async def accept(self) -> None:
        self.application_state = self.client_state = WebSocketState.CONNECTED

    async def receive_text(self) -> str:
        text = await self.incoming.get()
        if text is None:
            raise WebSocketDisconnect(1000)
        return text

    async def send_bytes(self, data: bytes) -> None:
        self.frames.append(data)
        if self.ack:
            self.incoming.put_nowait("a")

    async def close(self, code: int = 1000, reason: str = "") -> None:
        if self.client_state == WebSocketState.DISCONNECTED:
            raise WebSocketDisconnect(1006)  # as Starlette's, when the browser has gone
        self.closed_with = (code, reason)
        self.application_state = WebSocketState.DISCONNECTED

    def hang_up(self) -> None:
        self.incoming.put_nowait(None)
        self.client_state = WebSocketState.DISCONNECTED


def _first(ticket) -> str:
    return json.dumps({"ticket": ticket})


async def _until(condition, timeout: float = 10.0) -> None:
    """Until `condition()` holds (a busy machine may be slow to train a frame)."""
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "timed out"
        await asyncio.sleep(0.02)


def test_a_bad_or_replayed_ticket_is_refused_with_its_code():
    pg = _playground()
    token = live.TICKETS.issue(pg, time.monotonic())

    async def scenario() -> list:
        closed = []
        for first in (_first("forged"), "not json", _first(None)):
            ws = Socket(first)
            await live.frames(ws)
            closed.append(ws.closed_with[0])
        ws = Socket(_first(token))
        task = asyncio.create_task(live.frames(ws))
        await asyncio.sleep(0.3)
        ws.hang_up()
        await asyncio.wait_for(task, 5)
        assert ws.frames, "the good ticket brings frames"
        again = Socket(_first(token))
        await live.frames(again)
        closed.append(again.closed_with[0])
        return closed

    assert run_in_own_loop(scenario(), 60) == [live.REFUSED] * 4


def test_frames_come_only_while_playing_and_two_at_most_wait_for_their_ack():
    pg = _playground(playing=False)

    async def scenario() -> None:
        ws = Socket(_first(live.TICKETS.issue(pg, time.monotonic())), ack=False)
        task = asyncio.create_task(live.frames(ws))
        await asyncio.sleep(0.3)
        assert ws.frames == [], "paused: no frames"
        pg.playing = True
        await _until(lambda: len(ws.frames) == 2)
        await asyncio.sleep(0.3)
        assert len(ws.frames) == live.IN_FLIGHT == 2, "no ack: two frames and no more"
        for _ in range(2):
            ws.incoming.put_nowait("a")
        await _until(lambda: len(ws.frames) == 4)
        await asyncio.sleep(0.3)
        assert len(ws.frames) == 4, "two acks: two more frames"
        ws.ack = True
        for _ in range(2):
            ws.incoming.put_nowait("a")
        await _until(lambda: len(ws.frames) > 10)
        pg.playing = False  # Pause
        await asyncio.sleep(0.1)
        paused = len(ws.frames)
        await asyncio.sleep(0.4)
        assert len(ws.frames) == paused, "paused: frames stop"
        epochs = [live.decode(f)["epoch"] for f in ws.frames]
        assert epochs == sorted(epochs) and epochs[-1] == pg.run.epoch
        ws.hang_up()
        await asyncio.wait_for(task, 5)

    run_in_own_loop(scenario(), 60)


def _epochs_together(acks: float, median: int = 60) -> list[int]:
    """Six sockets playing at once, the first acknowledging `acks` frames a second (a slow
    tablet), the others each frame at once: the epochs each network trained from when all
    had a frame until the median network had trained `median` more (however long a busy
    machine takes)."""
    pgs = [_playground() for _ in range(6)]

    async def scenario() -> list[int]:
        sockets = [Socket(_first(live.TICKETS.issue(pg, time.monotonic()))) for pg in pgs]
        slow = sockets[0]
        slow.ack = False
        tasks = [asyncio.create_task(live.frames(ws)) for ws in sockets]

        async def slow_acks() -> None:
            while True:
                await asyncio.sleep(1 / acks)
                slow.incoming.put_nowait("a")

        acker = asyncio.create_task(slow_acks())
        await _until(lambda: all(ws.frames for ws in sockets), 60)
        start = [pg.run.epoch for pg in pgs]
        trained = lambda: [pg.run.epoch - s for pg, s in zip(pgs, start, strict=True)]  # noqa: E731
        await _until(lambda: np.median(trained()) >= median, 120)
        epochs = trained()
        acker.cancel()
        for ws in sockets:
            ws.hang_up()
        await asyncio.wait_for(asyncio.gather(*tasks), 10)
        return epochs

    return run_in_own_loop(scenario(), 200)


def _even(epochs: list[int]) -> bool:
    median = float(np.median(epochs))
    return min(epochs) / median > 1 / 1.3 and max(epochs) / median < 1.3


def test_sessions_playing_together_train_evenly():
    """Six sockets at once, one of them acknowledging a third as often as a screen
    refreshes (a slow tablet): every network within 1.3x of the median's epochs."""
    epochs = _epochs_together(acks=20)
    assert _even(epochs), epochs


def test_sessions_train_evenly_when_the_trainer_cannot_keep_up(monkeypatch):
    """Overloaded: the share grants far more training than the machine can do (as on a
    machine busy with other work), so every session always has time earned, slices
    queue for the trainer and the order of its turns is all that shares it (the fewest
    turns first): every network within 1.3x of the median's epochs."""
    monkeypatch.setattr(live, "WORKER_CORES", 8.0)
    monkeypatch.setattr(live.share.Share, "cores", 8.0)
    monkeypatch.setattr(live.share.SHARE, "cores", 8.0)
    epochs = _epochs_together(acks=30)
    assert _even(epochs), epochs


# --- a class challenge over the socket, and the worker process -------------------------


def test_a_challenge_over_the_socket_stops_at_its_epochs_and_notes_progress():
    """A class challenge's run plays on the live channel: the frames stop it at the
    challenge's epochs (the last frame says stopped; the stop is marked for the page's
    auto-submit), and the teacher's progress note is called with the epochs as it goes."""
    pg = _playground()
    pg.stop_when = (0.0, 40, 0.0)
    notes: list[int] = []
    pg.progress = notes.append

    async def scenario() -> list[bytes]:
        ws = Socket(_first(live.TICKETS.issue(pg, time.monotonic())))
        task = asyncio.create_task(live.frames(ws))
        await _until(lambda: not pg.playing, 60)
        await asyncio.sleep(0.2)
        ws.hang_up()
        await asyncio.wait_for(task, 5)
        return ws.frames

    frames = [live.decode(f) for f in run_in_own_loop(scenario(), 90)]
    run = pg.run
    assert run.epoch == 40 and run.partial is None and pg.stopped_at == (run, 40)
    assert frames[-1]["stopped"] and frames[-1]["epoch"] == 40
    assert not any(f["stopped"] for f in frames[:-1])
    assert notes and notes == sorted(notes) and 0 < notes[-1] <= 40


@pytest.mark.skipif(live.WORKER is None, reason="no worker process here")
def test_a_worker_killed_while_playing_loses_nothing_and_play_goes_on():
    """The worker process killed mid-play: frames keep coming (that slice trains in the
    server, the next in a new worker), the epochs never go back, and the run in the
    session is the one on the frames."""
    import os
    import signal

    pg = _playground()

    async def scenario() -> list[dict]:
        ws = Socket(_first(live.TICKETS.issue(pg, time.monotonic())))
        task = asyncio.create_task(live.frames(ws))
        await _until(lambda: len(ws.frames) >= 5 and live.WORKER.pid is not None, 60)
        first = live.WORKER.pid
        os.kill(first, signal.SIGKILL)
        killed_at = len(ws.frames)
        await _until(lambda: len(ws.frames) >= killed_at + 10, 60)
        await _until(lambda: live.WORKER.pid not in (None, first), 60)
        pg.playing = False
        await asyncio.sleep(0.3)
        ws.hang_up()
        await asyncio.wait_for(task, 5)
        return [live.decode(f) for f in ws.frames]

    frames = run_in_own_loop(scenario(), 120)
    epochs = [f["epoch"] for f in frames]
    assert epochs == sorted(epochs) and epochs[-1] > 0
    last = frames[-1]
    for W, b, W_run, b_run in zip(
        last["W"], last["b"], pg.run.model.W, pg.run.model.b, strict=True
    ):
        np.testing.assert_array_equal(W, W_run)
        np.testing.assert_array_equal(b, b_run)
