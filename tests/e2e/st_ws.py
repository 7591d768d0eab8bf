"""One browser tab's worth of Streamlit, spoken through its own websocket protocol.

A `Session` connects to `/_stcore/stream` (subprotocol "streamlit", as the browser's
client does), asks for script runs with `rerun` (a `BackMsg.rerun_script` carrying the
widget states, the page name and the query string) and reads the `ForwardMsg`s the
server sends back: the widgets drawn (their ids by label), exceptions shown on the page,
finished script runs, and any text the page shows. No browser, so thirty of them fit in
one Python process (benchmarks/classroom.py, tests/deploy/).

Used only against servers on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import re
import time
import urllib.request
from dataclasses import dataclass, field

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from tests.waiting import wait_until

FINISHED_OK = ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY
FRAGMENT_OK = ForwardMsg.ScriptFinishedStatus.FINISHED_FRAGMENT_RUN_SUCCESSFULLY
REPLICA_HEADER = "X-MLP-Lab-Replica"
"""Set by deploy/haproxy.cfg on every answer: the name of the replica that gave it."""


def run_in_own_loop(coro, timeout: float):
    """Run a coroutine to its end on an event loop of its own thread, with a time limit:
    a browser test earlier in the session (Playwright's sync API) keeps an event loop
    running in the main thread, where `asyncio.run` refuses to start another."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, asyncio.wait_for(coro, timeout)).result()


def first_visit(url: str, cookie: str = "", timeout: float = 10.0) -> tuple[str, str]:
    """GET the page as a browser's first request does: (the cookie to keep, the replica
    that answered). Behind deploy/haproxy.cfg the cookie names the replica; without a
    load balancer both are ''."""
    headers = {"Cookie": cookie} if cookie else {}
    request = urllib.request.Request(url.rstrip("/") + "/", headers=headers)
    with urllib.request.urlopen(request, timeout=timeout) as answer:
        answer.read()
        set_cookie = answer.headers.get_all("Set-Cookie") or []
        replica = answer.headers.get(REPLICA_HEADER, "")
    kept = [c.split(";", 1)[0] for c in set_cookie if c.startswith("MLPLAB_SERVER=")]
    return (kept[0] if kept else cookie), replica


def wait_balanced(url: str, replicas: int, timeout: float = 60.0) -> None:
    """Wait until a load balancer at `url` sends new visitors to `replicas` replicas.

    HAProxy marks a replica up only after two good health checks, so right after the
    replicas start some may still be down for a few seconds, and every new session would
    land on the others."""
    seen: set[str] = set()

    def all_seen() -> bool:
        seen.add(first_visit(url)[1])
        return len(seen) >= replicas

    try:
        wait_until(all_seen, timeout, poll=0.2)
    except TimeoutError:
        raise RuntimeError(
            f"the proxy sent visitors only to {sorted(seen)} in {timeout:.0f} s"
        ) from None


class PageError(RuntimeError):
    """The page showed an exception."""


def trigger(widget_id: str) -> WidgetState:
    """A button press (the browser's trigger value)."""
    return WidgetState(id=widget_id, trigger_value=True)


def int_value(widget_id: str, value: int) -> WidgetState:
    """A whole-number widget's value (st.number_input with int bounds)."""
    return WidgetState(id=widget_id, int_value=value)


def text_value(widget_id: str, text: str) -> WidgetState:
    """A text field's value (st.text_input)."""
    return WidgetState(id=widget_id, string_value=text)


def json_value(widget_id: str, text: str) -> WidgetState:
    """A JSON widget value (custom components v2 send their state this way)."""
    return WidgetState(id=widget_id, json_value=text)


_DRAW_ANSWER = re.compile(r'class="mlp-answer-digit">(\d)<')
"""The digit in the Draw page's answer block (mlp_ui.draw_view.answer_html)."""


@dataclass
class Seen:
    """What a session has read so far."""

    widgets: dict[str, str] = field(default_factory=dict)  # label -> id (latest)
    components: list[str] = field(default_factory=list)  # custom component ids, in order
    fragment_of: dict[str, str] = field(default_factory=dict)  # element id -> its fragment
    metrics: dict[str, str] = field(default_factory=dict)  # metric label -> body (latest)
    errors: list[str] = field(default_factory=list)  # exceptions the page showed
    fragments: dict[str, float] = field(default_factory=dict)  # timed fragment -> its s
    runs_finished: int = 0  # script runs that finished successfully
    messages: int = 0
    bytes: int = 0
    raw: list[bytes] = field(default_factory=list)  # every message, when asked to keep them

    def shown(self, text: str) -> bool:
        """Whether any kept message carried `text`."""
        return any(text.encode() in data for data in self.raw)


class Session:
    """A browser tab's session on the server at `url` (http://127.0.0.1:port[/base])."""

    def __init__(
        self,
        url: str,
        cookie: str = "",
        keep: bool = False,
        source: str = "",
        headers: dict[str, str] | None = None,
        query: str = "",
    ) -> None:
        """`source`: the local address to connect from (127.0.0.2 etc.: another machine,
        as a proxy on 127.0.0.1 sees it), the system's choice when ''; `headers`: more
        headers for the websocket's request; `query`: the page address's query string
        (without '?'), sent with every script run unless one is named."""
        self.url, self.cookie, self.keep = url.rstrip("/"), cookie, keep
        self.source, self.headers, self.query = source, dict(headers or {}), query
        self.seen = Seen()
        self.closed: asyncio.Event | None = None
        self.close_code: int | None = None
        self.replica = ""  # behind deploy/haproxy.cfg: the replica the websocket went to
        self.page_hash = ""  # the script hash of the page shown (from `navigation`)
        self._ws = None
        self._reader: asyncio.Task | None = None
        self._waiters: list[tuple[re.Pattern[bytes], asyncio.Future]] = []
        self._run_done: asyncio.Event | None = None
        self._fragment_done: asyncio.Event | None = None

    async def open(self, timeout: float = 30.0) -> None:
        """Connect the websocket and start reading what the server sends."""
        ws_url = "ws" + self.url.removeprefix("http") + "/_stcore/stream"
        headers = {"Cookie": self.cookie} if self.cookie else {}
        self._ws = await connect(
            ws_url,
            subprotocols=[Subprotocol("streamlit")],
            additional_headers={**headers, **self.headers},
            max_size=None,
            open_timeout=timeout,
            **({"local_addr": (self.source, 0)} if self.source else {}),
        )
        self.closed, self._run_done = asyncio.Event(), asyncio.Event()
        self._fragment_done = asyncio.Event()
        self._reader = asyncio.create_task(self._read())
        self.replica = self._ws.response.headers.get(REPLICA_HEADER, "")

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            await asyncio.wait([self._reader], timeout=5)

    async def rerun(
        self,
        widgets: list[WidgetState] = (),
        page: str = "",
        query: str | None = None,
        fragment: str = "",
        timed: bool = True,
    ) -> None:
        """Ask for a script run of `page` ('' = the default page) with these widget states
        and this query string (without '?'); with `fragment`, a run of that fragment only,
        as the browser asks for when its timer fires (`Seen.fragments`), or, not `timed`,
        when a widget inside it changes (`Seen.fragment_of`)."""
        msg = BackMsg()
        msg.rerun_script.query_string = self.query if query is None else query
        msg.rerun_script.page_name = page
        msg.rerun_script.widget_states.widgets.extend(widgets)
        if fragment:  # as the browser: with the page it shows (st.navigation's hash),
            # which a full rerun the fragment asks for (st.rerun()) keeps
            msg.rerun_script.page_script_hash = self.page_hash
            msg.rerun_script.fragment_id = fragment
            msg.rerun_script.is_auto_rerun = timed
        self._run_done.clear()
        self._fragment_done.clear()
        await self._ws.send(msg.SerializeToString())

    async def change(self, widgets: list[WidgetState], page: str = "") -> bool:
        """Send a change of these widgets as the browser does: a rerun of the fragment the
        first one sits in (`Seen.fragment_of`), else of the whole `page`. Whether it was a
        fragment's (for `run_finished`)."""
        fragment = self.seen.fragment_of.get(widgets[0].id, "")
        await self.rerun(widgets, page, fragment=fragment, timed=False)
        return bool(fragment)

    async def run_finished(self, timeout: float, fragment: bool = False) -> None:
        """Wait until a script run finishes successfully (or the connection closes); with
        `fragment`, a run of one fragment (`rerun(fragment=...)`)."""
        finished = self._fragment_done if fragment else self._run_done
        done = asyncio.create_task(finished.wait())
        gone = asyncio.create_task(self.closed.wait())
        await asyncio.wait([done, gone], timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        for task in (done, gone):
            task.cancel()
        if not finished.is_set():
            raise TimeoutError(self._why_not("no finished script run", timeout))

    async def text(self, pattern: str, timeout: float) -> re.Match[bytes]:
        """Wait for a message whose bytes match `pattern` (text the page shows)."""
        future = asyncio.get_running_loop().create_future()
        self._waiters.append((re.compile(pattern.encode()), future))
        try:
            return await asyncio.wait_for(future, timeout)
        except asyncio.TimeoutError:
            raise TimeoutError(self._why_not(f"no {pattern!r}", timeout)) from None

    def _why_not(self, what: str, timeout: float) -> str:
        closed = f", connection closed ({self.close_code})" if self.closed.is_set() else ""
        return f"{what} within {timeout:.0f} s{closed}"

    async def _read(self) -> None:
        try:
            async for data in self._ws:
                self._take(data)
        except Exception:  # noqa: BLE001 - a dropped connection is an outcome here
            pass
        finally:
            self.close_code = self._ws.close_code
            self.closed.set()
            self._fail(ConnectionError(f"closed ({self.close_code})"))

    def _take(self, data: bytes) -> None:
        self.seen.messages += 1
        self.seen.bytes += len(data)
        if self.keep:
            self.seen.raw.append(data)
        msg = ForwardMsg()
        msg.ParseFromString(data)
        kind = msg.WhichOneof("type")
        if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            self._element(msg.delta.new_element, msg.delta.fragment_id)
        elif kind == "new_session" and not msg.metadata.run.fragment_ids:
            self.seen.fragments.clear()  # a full run: the browser drops the old timers
        elif kind == "navigation":
            self.page_hash = msg.navigation.page_script_hash  # the page this run shows
        elif kind == "auto_rerun":
            self.seen.fragments[msg.auto_rerun.fragment_id] = msg.auto_rerun.interval
        elif kind == "script_finished" and msg.script_finished == FINISHED_OK:
            self.seen.runs_finished += 1
            self._run_done.set()
        elif kind == "script_finished" and msg.script_finished == FRAGMENT_OK:
            self._fragment_done.set()
        for pattern, future in list(self._waiters):
            if not future.done() and (match := pattern.search(data)):
                future.set_result(match)
                self._waiters.remove((pattern, future))

    def _element(self, el, fragment: str) -> None:
        kind = el.WhichOneof("type")
        if kind in (
            "button",
            "download_button",
            "checkbox",
            "slider",
            "number_input",
            "text_input",
        ):
            widget = getattr(el, kind)
            self.seen.widgets[widget.label] = widget.id
            if fragment:
                self.seen.fragment_of[widget.id] = fragment
        elif kind == "bidi_component":
            self.seen.components.append(el.bidi_component.id)
            if fragment:
                self.seen.fragment_of[el.bidi_component.id] = fragment
        elif kind == "metric":
            self.seen.metrics[el.metric.label] = el.metric.body
        elif kind == "html" and (answer := _DRAW_ANSWER.search(el.html.body)):
            self.seen.metrics["Prediction"] = answer.group(1)  # Draw's answer, our own HTML
        elif kind == "exception":
            self.seen.errors.append(f"{el.exception.type}: {el.exception.message}")
            self._fail(PageError(self.seen.errors[-1]))

    def _fail(self, exc: Exception) -> None:
        """Nothing awaited will come: the page failed or the connection closed."""
        for _, future in self._waiters:
            if not future.done():
                future.set_exception(exc)
        self._waiters.clear()


def now() -> float:
    return time.monotonic()
