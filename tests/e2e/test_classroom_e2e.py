"""A class on one real server: sessions that train at once each get their own run.

Three sessions (Streamlit's own websocket protocol, tests/e2e/st_ws.py, as three browser
tabs) press Start within a few milliseconds of each other, each with its own number of
epochs. Each page reports its own first run (#1) with its own epochs, never another
session's; no page shows an exception; and while one run trains, the others take the
plain one-thread step (mlp_fast.choose: one helper process per server at most), which
their pages name.
"""

from __future__ import annotations

import asyncio

from tests.e2e.st_ws import Session, int_value, trigger

ANOTHER = "another run was training in this server process"


async def _student(url: str) -> Session:
    session = Session(url, keep=True)
    await session.open()
    await session.rerun()
    await session.run_finished(timeout=120)
    return session


async def _train(session: Session, epochs: int) -> str:
    """Press Start with `epochs` and 2,000 training digits; the page's finished line."""
    ids = session.seen.widgets
    waiting = asyncio.ensure_future(session.text(r"Run #\d+ finished \d+ epochs?", 240))
    await session.rerun(
        [
            int_value(ids["Epochs"], epochs),
            int_value(ids["Training examples"], 2000),
            trigger(ids["Start"]),
        ]
    )
    return (await waiting).group(0).decode()


async def _class(url: str) -> list[Session]:
    epochs = (2, 3, 4)
    students = await asyncio.gather(*(_student(url) for _ in epochs))
    finished = await asyncio.gather(*(_train(s, e) for s, e in zip(students, epochs, strict=True)))
    assert finished == [f"Run #1 finished {e} epochs" for e in epochs]
    for s in students:
        await s.close()
    return students


def test_sessions_training_at_once_each_get_their_own_run(app_url):
    students = asyncio.run(asyncio.wait_for(_class(app_url), 300))
    assert not any(s.seen.errors for s in students), [s.seen.errors for s in students]
    assert sum(s.seen.shown(ANOTHER) for s in students) >= 1
