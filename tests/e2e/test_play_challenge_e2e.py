"""A Playground challenge in Debian's Chromium against `streamlit run serve.py`: a
teacher makes one (the spiral, at most 4 neurons a layer, 30 epochs, ranked by test loss)
in projector mode; two students (separate browser contexts, so separate identities) join,
open its Play link (the data locked), play (the frames through the live channel) and
submit; the board, open on a third context, ranks them by itself, the lowest test loss
first; a run with a neuron too many is refused with the rule. A second challenge, of at
most 2 training seconds with every finished run submitted by itself: Play stops by itself
inside the limit, says why, and the run is on the board. Screenshots of the teacher's
form and the board in projector mode go to artifacts/."""

from __future__ import annotations

import contextlib
import re
import time

from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.e2e.class_pages import (
    PROJECTOR,
    board_address,
    create_play_challenge,
    join_and_play,
    new_page,
    press,
)
from tests.e2e.conftest import screenshot, wait_for_app
from tests.e2e.playground_page import epoch
from tests.e2e.test_playground_live_e2e import Sockets
from tests.waiting import wait_until


def _submit(pg, expected: str = "Submitted") -> str:
    """Press Submit; the page's line once it starts with `expected` (a line of the run
    before may still be on the page for a moment), else the line it says."""
    press(pg, "pg_class_submit")
    said = pg.get_by_text(re.compile("^(Submitted|Refused)")).first
    with contextlib.suppress(PlaywrightTimeout):  # the assertion names the line said instead
        pg.get_by_text(re.compile("^" + expected)).first.wait_for(timeout=15_000)
    return said.inner_text()


def _ranking(board) -> list[tuple[str, float]]:
    """(name, test loss) of each row of the projector's ranking table."""
    rows = board.locator("table.mlp-board-ranking tbody tr")
    return [
        (cells[1], float(cells[2]))
        for cells in (r.locator("td").all_inner_texts() for r in rows.all())
    ]


def test_a_playground_challenge_two_students_a_board_and_a_refusal(app_url, browser):
    teacher_ctx, teacher = new_page(browser, PROJECTOR)
    code, board_href = create_play_challenge(teacher, app_url)
    board_ctx, board = new_page(browser, PROJECTOR)
    board.goto(board_address(app_url, board_href))
    wait_for_app(board)
    board.get_by_text("No submission yet").wait_for()
    assert board.get_by_text(re.compile("1,000 private points")).count()

    # Ada plays: the challenge's 30 epochs stop her run, locked in the stop field
    ada_ctx, ada = join_and_play(browser, app_url, code, "Ada")
    assert ada.locator(".st-key-pg_seed input").is_disabled()  # the data is locked
    assert ada.locator(".st-key-pg_stop_epochs input").input_value() == "30"
    sockets = Sockets(ada)
    press(ada, "pg_play")
    ada.get_by_text(re.compile("Stopped after 30 epochs")).wait_for(timeout=120_000)
    assert epoch(ada) == 30
    assert sockets.count(ada) > 0, "the challenge's frames came through the live channel"
    said = _submit(ada)
    assert said.startswith("Submitted") and "private points" in said, said
    ada.mouse.move(1, 1)
    screenshot(ada, "play_challenge_student")
    board.locator("table.mlp-board-ranking").get_by_text("Ada").wait_for(timeout=15_000)

    # Bob steps twice and submits; the board, untouched, shows him by itself
    bob_ctx, bob = join_and_play(browser, app_url, code, "Bob")
    for _ in range(2):
        press(bob, "pg_step")
    wait_until(lambda: epoch(bob) == 2, 30, "Bob's run at epoch 2")
    said = _submit(bob)
    assert said.startswith("Submitted"), said
    submitted = time.monotonic()
    board.locator("table.mlp-board-ranking").get_by_text("Bob").wait_for(timeout=15_000)
    print(f"Bob on the board {time.monotonic() - submitted:.1f} s after 'Submitted'")
    ranked = _ranking(board)
    assert sorted(n for n, _ in ranked) == ["Ada", "Bob"]
    assert [loss for _, loss in ranked] == sorted(loss for _, loss in ranked)  # lowest first
    board.mouse.move(1, 1)
    screenshot(board, "play_challenge_board_projector")
    board.locator(".js-plotly-plot").last.scroll_into_view_if_needed()
    screenshot(board, "play_challenge_board_charts_projector")

    # a neuron more than the rule allows: refused, naming the rule
    press(bob, "pg_more_0")
    bob.get_by_text("5 neurons").wait_for()  # a new network: 5 and 2
    press(bob, "pg_step")
    wait_until(lambda: epoch(bob) == 1, 30, "Bob's new run at epoch 1")
    said = _submit(bob, "Refused")
    assert "Refused: 5 hidden units in a layer: the rule is at most 4" in said, said
    teacher.get_by_text(re.compile(r"2 joined; 0 not submitted yet")).first.wait_for()
    teacher.mouse.move(1, 1)
    screenshot(teacher, "play_challenge_teacher_projector")
    for context in (ada_ctx, bob_ctx, board_ctx, teacher_ctx):
        context.close()


def test_a_challenge_of_training_seconds_stops_play_by_itself_and_submits_it(app_url, browser):
    """At most 2 training seconds, every finished run submitted by itself: Play stops
    inside the limit with the line saying why, and the run is on the board with nobody
    pressing Submit."""
    teacher_ctx, teacher = new_page(browser, PROJECTOR)
    code, board_href = create_play_challenge(teacher, app_url, (("max_seconds", "2"),), auto=True)
    board_ctx, board = new_page(browser, PROJECTOR)
    board.goto(board_address(app_url, board_href))
    wait_for_app(board)
    board.get_by_text("No submission yet").wait_for()
    cy_ctx, cy = join_and_play(browser, app_url, code, "Cy")
    assert cy.get_by_text(re.compile("at most 2 training seconds")).count()
    assert cy.get_by_text(re.compile("the clock stops while it is paused")).count()
    sockets = Sockets(cy)
    press(cy, "pg_play")
    started = time.monotonic()
    line = cy.get_by_text(re.compile(r"^Stopped after [\d,]+ epochs and [\d.]+ training seconds"))
    line.wait_for(timeout=120_000)
    said = line.inner_text()
    seconds = float(re.search(r"and ([\d.]+) training seconds", said).group(1))
    assert 0.0 < seconds <= 2.0 and "limit of 2 s" in said, said
    print(f"Cy stopped at {seconds} training seconds, {time.monotonic() - started:.1f} s of clock")
    cy.get_by_text(re.compile("^Submitted")).first.wait_for(timeout=15_000)
    assert cy.locator(".st-key-pg_play").count()  # Play is back: it stopped
    (epochs,) = re.search(r"Stopped after ([\d,]+) epochs", said).groups()
    assert epoch(cy) == int(epochs.replace(",", ""))
    board.locator("table.mlp-board-ranking").get_by_text("Cy").wait_for(timeout=15_000)
    assert [n for n, _ in _ranking(board)] == ["Cy"]
    assert sockets.count(cy) > 0, "its frames came through the live channel"
    cy.mouse.move(1, 1)
    screenshot(cy, "play_challenge_seconds_stopped")
    for context in (cy_ctx, board_ctx, teacher_ctx):
        context.close()
