"""The class board on three replicas behind deploy/'s HAProxy, on one PostgreSQL
(deploy/run_local.sh, started here through tests/deploy/deployment.py):

- in Chromium, a teacher creates a class and a challenge, a student joins, trains and
  submits on one replica, and a board viewer pinned to another replica (HAProxy's sticky
  cookie names it) shows the entry by itself. The delay from the student's "Submitted"
  to the name on the other replica's board is measured in the pages (each records the
  moment its text appears) and printed, and written to artifacts/board_replicas.txt
  with a screenshot of the board (board_replicas.png). The test waits up to 30 s; the
  target is 2 s, read from the printed figure (a shared test machine's load changes it).
- the same for a Playground challenge: the student opens its Play link on one replica,
  steps twice and submits (the server scores the run on private points); the other
  replica's board shows it by itself (artifacts/board_replicas_playground.txt).
- wrong class codes are counted per client address through the proxy: HAProxy's
  `option forwardfor` tells the replicas each browser's address (connections from
  127.0.0.2 and 127.0.0.3 here are two machines to it), and a browser's own
  X-Forwarded-For header is not believed.

Skips without haproxy, PostgreSQL or Chromium.
"""

from __future__ import annotations

import asyncio
import os
import re

import pytest

from mlp_ui.board_table import RANKING_CLASS
from tests.deploy.deployment import WHY_NOT, run_local
from tests.e2e.st_ws import Session, first_visit, run_in_own_loop, text_value, trigger

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.slow,
    pytest.mark.skipif(WHY_NOT is not None, reason=str(WHY_NOT)),
]
WAIT = 120_000  # ms: three servers and a browser on two shared cores
ON_BOARD = 30_000  # ms the test waits for the entry (the target is 2 s: printed, not asserted)
REPLICAS = ("app1", "app2", "app3")

# Records in the page the time (Date.now(), the machine's clock) at which `text` is first
# in an element matching `selector`; `window.__seen_at`.
_WATCH = """([selector, text]) => {
    window.__seen_at = null;
    const look = () => {
        if (window.__seen_at !== null) return;
        for (const el of document.querySelectorAll(selector)) {
            if (el.innerText.includes(text)) { window.__seen_at = Date.now(); return; }
        }
    };
    new MutationObserver(look).observe(document.body,
        {subtree: true, childList: true, characterData: true});
    look();
}"""


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    with run_local(tmp_path_factory.mktemp("board"), replicas=3) as running:
        yield running


def _replica(context) -> str:
    return {c["name"]: c["value"] for c in context.cookies()}.get("MLPLAB_SERVER", "")


def _seen_at(pg) -> float:
    """When the watched text appeared (s since the epoch)."""
    pg.wait_for_function("() => window.__seen_at !== null")
    return pg.evaluate("() => window.__seen_at") / 1000


def _board_elsewhere(browser, deployment, student_ctx, board_href: str):
    """The board in projector mode on a replica other than the student's, pinned there
    by HAProxy's cookie (as a browser that came before would be), showing no entry."""
    from tests.e2e.class_pages import PROJECTOR, board_address, new_page
    from tests.e2e.conftest import wait_for_app

    other = next(r for r in REPLICAS if r != _replica(student_ctx))
    board_ctx, board = new_page(browser, PROJECTOR, WAIT)
    board_ctx.add_cookies([{"name": "MLPLAB_SERVER", "value": other, "url": deployment.url}])
    answer = board.goto(board_address(deployment.url, board_href))
    assert answer.headers.get("x-mlp-lab-replica") == other
    wait_for_app(board)
    board.get_by_text("No submission yet").wait_for()
    return board


def _on_board_timed(student, board, submit, what: str, artifact: str) -> None:
    """Press `submit` on the student's page and wait for Ada on the untouched board; print
    the delay from the student's "Submitted" to the board (and write it to `artifact`)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    from tests.e2e.conftest import ARTIFACTS, press_until

    mine, other = _replica(student.context), _replica(board.context)
    board.evaluate(_WATCH, ["h3, p", "Leading:"])
    student.evaluate(_WATCH, ["[data-testid='stAlert'], p", "Submitted:"])
    seen = "() => window.__seen_at !== null"
    try:  # a press lost while the page redraws is pressed again
        clicked = press_until(
            student, submit, lambda ms: student.wait_for_function(seen, timeout=ms)
        )
    except PlaywrightTimeout as exc:
        said = student.locator("[data-testid='stAlert']").all_inner_texts()
        raise AssertionError(f"three presses, no 'Submitted:'; the page's alerts: {said}") from exc
    submitted = _seen_at(student)
    entry = board.locator("h3, p", has_text=re.compile(r"^Leading:.*Ada"))
    entry.wait_for(timeout=ON_BOARD)  # by itself: the board page is not touched
    shown = _seen_at(board)
    assert _replica(student.context) == mine and _replica(board.context) == other != mine
    line = (
        f"{what}student on {mine}, board on {other} (3 replicas, PostgreSQL): on the board "
        f"{shown - submitted:.2f} s after the page said 'Submitted' "
        f"({shown - clicked:.2f} s after the click); target 2 s; load average "
        + " ".join(f"{x:.1f}" for x in os.getloadavg())
    )
    print(line)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / artifact).write_text(line + "\n")


def test_a_submission_on_one_replica_is_on_the_board_of_another(browser, deployment):
    from tests.e2e.class_pages import (
        PROJECTOR,
        create_class,
        join_and_train,
        new_page,
    )
    from tests.e2e.conftest import screenshot

    _, teacher = new_page(browser, PROJECTOR, WAIT)
    code, board_href = create_class(teacher, deployment.url)
    student_ctx, student = join_and_train(browser, deployment.url, code, "Ada")
    board = _board_elsewhere(browser, deployment, student_ctx, board_href)
    submit = student.locator('[class*="st-key-class_submit_"]').get_by_role("button").first
    _on_board_timed(student, board, submit, "", "board_replicas.txt")
    board.locator(".js-plotly-plot .main-svg").nth(1).wait_for()  # the spread, the curves
    board.locator(f"table.{RANKING_CLASS}").get_by_text("Ada").wait_for()  # projector's table
    board.mouse.move(1, 1)
    screenshot(board, "board_replicas")


def test_a_playground_submission_on_one_replica_is_on_the_board_of_another(browser, deployment):
    from tests.e2e.class_pages import (
        PROJECTOR,
        create_play_challenge,
        join_and_play,
        new_page,
        press,
    )
    from tests.e2e.conftest import screenshot
    from tests.e2e.playground_page import epoch
    from tests.waiting import wait_until

    _, teacher = new_page(browser, PROJECTOR, WAIT)
    code, board_href = create_play_challenge(teacher, deployment.url)
    student_ctx, student = join_and_play(browser, deployment.url, code, "Ada", WAIT)
    for _ in range(2):
        press(student, "pg_step")
    wait_until(lambda: epoch(student) == 2, 60, "Ada's run at epoch 2")
    board = _board_elsewhere(browser, deployment, student_ctx, board_href)
    assert board.get_by_text(re.compile("1,000 private points")).count()
    submit = student.locator(".st-key-pg_class_submit").get_by_role("button").first
    _on_board_timed(
        student, board, submit, "Playground challenge: ", "board_replicas_playground.txt"
    )
    ranking = board.locator(f"table.{RANKING_CLASS}")
    ranking.get_by_text("Ada").wait_for()
    assert "test loss" in ranking.inner_text()  # ranked by the challenge's measure
    board.mouse.move(1, 1)
    screenshot(board, "board_replicas_playground")


WRONG = "ZZZZ-ZZZZ"
LIMIT = 10  # mlp_class.api.LIMITS["join"]


async def _join(url: str, source: str, forged: str = "") -> str:
    """A new browser (a new identity) at `source` tries a wrong code: the page's line."""
    cookie, _ = await asyncio.to_thread(first_visit, url)
    headers = {"X-Forwarded-For": forged} if forged else {}
    session = Session(url, cookie, source=source, headers=headers)
    await session.open()
    try:
        await session.rerun(page="class")
        await session.run_finished(timeout=60)
        w = session.seen.widgets
        said = asyncio.ensure_future(session.text(r"Not joined: [^.]*", 60))
        typed = [
            text_value(w["Class code"], WRONG),
            text_value(w["Your name on the board"], "Guess"),
            trigger(w["Join"]),
        ]
        await session.rerun(typed, page="class")
        return (await said).group(0).decode()
    finally:
        await session.close()


async def _guessing(url: str) -> None:
    for _ in range(LIMIT):
        assert await _join(url, "127.0.0.2") == "Not joined: that class code is wrong"
    too_many = "Not joined: too many wrong class codes from here: wait ten minutes"
    assert await _join(url, "127.0.0.2") == too_many  # a new browser, the same machine
    assert await _join(url, "127.0.0.2", forged="10.9.8.7") == too_many  # a forged header
    # another machine, even one claiming to be the first: only wrong
    assert await _join(url, "127.0.0.3", forged="127.0.0.2") == (
        "Not joined: that class code is wrong"
    )


def test_wrong_class_codes_count_per_client_address_through_the_proxy(deployment):
    run_in_own_loop(_guessing(deployment.url), 240)
