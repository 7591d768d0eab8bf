"""Waiting on a condition, never for a fixed time.

`wait_until(predicate, timeout)` polls `predicate` until it returns something truthy
(returned) or `timeout` seconds pass (TimeoutError naming what was awaited); the short
pause between two polls is the only sleep, and it never decides an outcome.
`await_until` is the same for asyncio code.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")
POLL = 0.02
"""Seconds between two polls: short against every wait here (a server start, a worker
reaching a point), long enough not to take a core from what is awaited."""


def wait_until(
    predicate: Callable[[], T],
    timeout: float = 30.0,
    what: str = "",
    errors: tuple[type[BaseException], ...] = (),
    poll: float = POLL,
) -> T:
    """predicate()'s first truthy result, polled until `timeout` s have passed.

    Exceptions of the `errors` types count as "not yet" (the last is chained to the
    TimeoutError). `what` names the condition in the error (else the predicate's
    docstring)."""
    deadline = time.monotonic() + timeout
    last: BaseException | None = None
    while True:
        try:
            if result := predicate():
                return result
        except errors as exc:
            last = exc
        if time.monotonic() >= deadline:
            raise TimeoutError(_message(predicate, timeout, what)) from last
        time.sleep(poll)


async def await_until(
    predicate: Callable[[], T | Awaitable[T]], timeout: float = 30.0, what: str = ""
) -> T:
    """`wait_until` for asyncio: the loop runs other tasks between two polls; a
    predicate may be a coroutine function."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if time.monotonic() >= deadline:
            raise TimeoutError(_message(predicate, timeout, what))
        await asyncio.sleep(POLL)


def _message(predicate: Callable, timeout: float, what: str) -> str:
    said = what or (predicate.__doc__ or "").strip() or getattr(predicate, "__name__", "")
    return f"not within {timeout:g} s: {said}"
