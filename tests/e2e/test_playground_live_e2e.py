"""The Playground's live channel in a real browser: the app served as the README starts it
(serve.py: st.App with the channel's WebSocket route) on 127.0.0.1, Debian's Chromium.

Play moves the pictures through the socket (binary frames arrive on
/api/playground/frames and the canvases' pixels change), the ticket travels in the
socket's first message and never in a URL, nothing leaves 127.0.0.1, Pause stops the
frames, a forged or replayed ticket is refused (close code 4403), and a page whose
socket is refused plays through Streamlit's messages instead. Plain
`streamlit run app.py` has no route: the page hands no ticket and the fragment's timer
still plays it.
"""

from __future__ import annotations

import json
from urllib.parse import urlparse

import pytest

from tests.e2e.conftest import screenshot, wait_for_app
from tests.e2e.playground_page import NETWORK, TALL, epoch, open_playground, pixels
from tests.e2e.server import running_app
from tests.waiting import wait_until

pytestmark = pytest.mark.e2e

LINK = "/playground?data=spiral&layers=8,8,8"
PATH = "/api/playground/frames"

TRY_TICKET = """async ([path, ticket]) => {
  const url = new URL(path, location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  const ws = new WebSocket(url.href);
  ws.binaryType = "arraybuffer";
  return await new Promise((done) => {
    let frames = 0;
    ws.onopen = () => ws.send(JSON.stringify({ ticket }));
    ws.onmessage = () => { frames += 1; };
    ws.onclose = (e) => done({ code: e.code, reason: e.reason, frames });
    setTimeout(() => { done({ code: 0, reason: "still open", frames }); ws.close(); }, 5000);
  });
}"""


DRAWN = """() => [...document.querySelectorAll('*')].map((e) => e.shadowRoot)
  .filter(Boolean).map((r) => r.querySelector('.pg')).filter(Boolean)
  .reduce((n, el) => n + Number(el.dataset.liveDraws ?? 0), 0)"""


class Sockets:
    """The page's WebSockets: the live channel's frames and what the page sent on it."""

    def __init__(self, page) -> None:
        self.urls: list[str] = []
        self.frames = 0
        self.sent: list[list[str]] = []  # per live socket, what the page sent on it
        self.open = 0  # live sockets open now
        page.on("websocket", self._opened)

    def _opened(self, ws) -> None:
        self.urls.append(ws.url)
        if urlparse(ws.url).path == PATH:
            sent: list[str] = []
            self.sent.append(sent)
            self.open += 1
            ws.on("framereceived", self._frame)
            ws.on("framesent", lambda payload: sent.append(payload))
            ws.on("close", self._closed)

    def _closed(self, _ws) -> None:
        self.open -= 1

    def _frame(self, payload) -> None:
        if isinstance(payload, bytes):
            self.frames += 1

    def count(self, page) -> int:
        """Frames so far (sync Playwright hands over events only inside its own calls)."""
        page.wait_for_timeout(20)
        return self.frames


def _outside(context) -> list[str]:
    """Route every request: any not to 127.0.0.1 is refused and listed."""
    outside: list[str] = []

    def route(r):
        url = r.request.url
        if urlparse(url).hostname == "127.0.0.1" or url.startswith(("data:", "blob:")):
            r.continue_()
        else:
            outside.append(url)
            r.abort()

    context.route("**/*", route)
    return outside


def test_play_moves_the_pictures_through_the_socket_and_pause_stops_it(browser, app_url):
    context = browser.new_context(viewport=TALL)
    outside = _outside(context)
    page = context.new_page()
    page.set_default_timeout(60_000)
    sockets = Sockets(page)
    try:
        open_playground(page, app_url, LINK)
        plane0, net0 = pixels(page), pixels(page, NETWORK)
        page.get_by_role("button", name="Play").click()
        wait_until(lambda: sockets.count(page) >= 5, 30, "frames arrive on the live channel")
        wait_until(lambda: pixels(page) != plane0 and pixels(page, NETWORK) != net0, 20)
        seen = set()

        def moving() -> bool:
            """the epoch and the picture change frame after frame"""
            seen.add((epoch(page), pixels(page)))
            return len({s[0] for s in seen}) >= 4 and len({s[1] for s in seen}) >= 4

        wait_until(moving, 20)
        screenshot(page, "playground_live_playing")
        # the component counts the frames it drew with new weights: never more than came
        drawn = page.evaluate(DRAWN)
        assert 0 < drawn <= sockets.count(page), (drawn, sockets.frames)

        page.get_by_role("button", name="Pause").click()
        page.get_by_role("button", name="Play").wait_for()
        wait_for_app(page)
        page.wait_for_timeout(300)  # a frame already on its way may still land
        frames, shown, picture = sockets.frames, epoch(page), pixels(page)
        page.wait_for_timeout(1500)  # the behaviour under test: nothing comes for a while
        assert sockets.frames == frames, "frames after Pause"
        assert epoch(page) == shown and pixels(page) == picture

        # each socket's first message is its ticket, then only acks; no ticket in a URL
        # (a page run that mounts the component anew opens a socket with the new ticket)
        tickets = [json.loads(first)["ticket"] for first, *_ in sockets.sent]
        assert all(len(t) >= 32 for t in tickets) and len(set(tickets)) == len(tickets)
        assert all(set(acks) <= {"a"} for _, *acks in sockets.sent)
        assert not any(t in u for t in tickets for u in sockets.urls)
        assert all(urlparse(u).hostname == "127.0.0.1" for u in sockets.urls)
        wait_until(lambda: sockets.count(page) is not None and sockets.open == 1, 5, "one open")
        ticket = tickets[-1]

        replayed = page.evaluate(TRY_TICKET, [PATH, ticket])
        forged = page.evaluate(TRY_TICKET, [PATH, "A" * len(ticket)])
        assert replayed["code"] == forged["code"] == 4403, (replayed, forged)
        assert replayed["frames"] == forged["frames"] == 0
    finally:
        context.close()
    assert outside == []


def test_the_stop_condition_met_on_the_socket_shows_play_again_and_says_why(page, app_url):
    """A frame that stops playing (here: after 120 epochs, as set) brings the page back:
    Play shown again, the reason under the buttons, the epoch where it stopped."""
    page.set_viewport_size(TALL)
    sockets = Sockets(page)
    open_playground(page, app_url, "/playground?data=xor&layers=4")
    stop_after = page.locator(".st-key-pg_stop_epochs input")
    stop_after.fill("120")
    stop_after.press("Enter")
    wait_for_app(page)
    page.get_by_role("button", name="Play").click()
    page.get_by_role("button", name="Pause").wait_for()
    page.get_by_text("Stopped after 120 epochs, as set.").wait_for(timeout=60_000)
    page.get_by_role("button", name="Play").wait_for()
    wait_until(lambda: epoch(page) == 120, 10, "the epoch where it stopped")
    assert sockets.count(page) > 0, "the epochs came on the live channel"


def test_a_page_whose_socket_is_refused_plays_by_the_timer(browser, app_url):
    """A proxy that refuses the live socket (here the browser's own route, closing it
    with 4403 before it reaches the server): the component says so, and Play moves the
    pictures through Streamlit's own messages instead."""
    context = browser.new_context(viewport=TALL)
    refused: list[str] = []

    def refuse(ws) -> None:
        refused.append(ws.url)
        ws.close(code=4403, reason="refused by the test")

    context.route_web_socket(f"**{PATH}", refuse)
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        open_playground(page, app_url, LINK)
        plane0 = pixels(page)
        page.get_by_role("button", name="Play").click()
        wait_until(lambda: epoch(page) > 5 and pixels(page) != plane0, 30, "played by the timer")
        assert len(refused) == 1, "refused once, then no more tries"
        page.get_by_role("button", name="Pause").click()
        page.get_by_role("button", name="Play").wait_for()
    finally:
        context.close()


def test_plain_streamlit_run_has_no_channel_and_the_timer_plays(browser, tmp_path):
    """`streamlit run app.py` (the fallback): no ticket, no socket of ours, and Play still
    moves the pictures through Streamlit's own messages."""
    with running_app(tmp_path, script="app.py") as server:
        context = browser.new_context(viewport=TALL)
        page = context.new_page()
        page.set_default_timeout(60_000)
        sockets = Sockets(page)
        try:
            open_playground(page, server.url, LINK)
            plane0 = pixels(page)
            page.get_by_role("button", name="Play").click()
            wait_until(lambda: epoch(page) > 5 and pixels(page) != plane0, 30)
            page.get_by_role("button", name="Pause").click()
            page.get_by_role("button", name="Play").wait_for()
        finally:
            context.close()
    assert not any(urlparse(u).path == PATH for u in sockets.urls)
