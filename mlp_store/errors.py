"""What the store refuses or cannot do, each with a one-line message a page can show."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import exc as sa_exc


class StoreError(Exception):
    """Something the store could not do; `str(error)` is one line for the page."""


class Unavailable(StoreError):
    """The database cannot be reached, or is full: the work is kept in the session."""


class LimitReached(StoreError):
    """A student's limit (kept runs, bytes) would be exceeded."""


class NotFound(StoreError):
    """No such item among this identity's own (another identity's ids look the same)."""


class Refused(StoreError, ValueError):
    """A malformed or oversized save, a bad secret or transfer code."""


_FULL = ("database or disk is full", "disk full", "no space left", "could not extend file")


@contextmanager
def translated() -> Iterator[None]:
    """Database driver errors as `Unavailable`, with the reason in one line."""
    try:
        yield
    except sa_exc.OperationalError as exc:
        text = str(exc.orig or exc).strip().splitlines()[0] if str(exc.orig or exc) else ""
        if any(word in text.lower() for word in _FULL):
            raise Unavailable(f"the database is full ({text}); your work is kept here") from exc
        raise Unavailable(f"the database cannot be reached ({text})") from exc
    except (sa_exc.InterfaceError, sa_exc.DisconnectionError, sa_exc.TimeoutError) as exc:
        raise Unavailable(f"the database cannot be reached ({type(exc).__name__})") from exc
