"""Each page's main action in the browser (a run, Play, a drawing...), shared by the axe-core
test (tests/e2e/test_axe_e2e.py: before and after it), the keyboard walk
(tests/e2e/test_access_e2e.py: the control it starts from) and the screenshots
(tools/screens.py: the page before and after it).

`act(page)` does the action with the mouse, as a person would, and returns once its result
shows; it works at every width (Playwright scrolls the control into view). Class and
Board need a class and a challenge first (tests/e2e/class_steps.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from tests.e2e.playground_page import epoch
from tests.e2e.strokes import DIGITS
from tests.waiting import wait_until


@dataclass(frozen=True)
class MainAction:
    """path: the page's address from the app's root (settings small enough for a test);
    key: the Streamlit key of the control the keyboard walk goes to; act: the action."""

    path: str
    key: str
    act: Callable


def key_button(pg, key: str):
    """A button by its Streamlit key (the class `st-key-<key>` on its container)."""
    return pg.locator(f".st-key-{key}").get_by_role("button").first


def train(pg) -> None:
    key_button(pg, "train_start").click()
    pg.get_by_text(re.compile(r"2 of 2 epochs done")).wait_for(timeout=120_000)


def learning_rate(pg) -> None:
    key_button(pg, "toy_lr_chart_play").click()
    pg.wait_for_function(  # frames play in the browser: mid-animation
        """() => Number((document.querySelector('#toy_lr_chart_frame_out') || {})
                        .textContent?.replace(/[^0-9]/g, '') || 0) > 1""",
        timeout=20_000,
    )


def backprop(pg) -> None:
    key_button(pg, "toy_bp_all").click()
    pg.get_by_text(re.compile(r"100 / 100")).first.wait_for(timeout=60_000)


def boundary(pg) -> None:
    key_button(pg, "toy_moons_boundary_play").click()
    pg.locator(".js-plotly-plot .gtitle").filter(has_text="pass ").filter(
        has_not_text="pass 0:"
    ).first.wait_for(timeout=20_000)  # mid-animation: a later frame's title


def playground(pg) -> None:
    key_button(pg, "pg_play").click()
    wait_until(lambda: epoch(pg) > 0, 20, "the Playground trains")


def mistakes(pg) -> None:
    pg.locator(".st-key-try_mistakes_0").get_by_role("button").click()
    pg.get_by_text("Look for:").wait_for()


def draw(pg) -> None:
    """A 7 drawn with the mouse on our pad (Playwright pierces its shadow DOM)."""
    canvas = pg.locator("canvas.draw-pad").first
    canvas.wait_for()
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    for stroke in DIGITS["7"]:
        pg.mouse.move(box["x"] + stroke[0][0], box["y"] + stroke[0][1])
        pg.mouse.down()
        for x, y in stroke[1:]:
            pg.mouse.move(box["x"] + x, box["y"] + y, steps=5)
        pg.mouse.up()
    pg.locator(".st-key-draw_prediction .mlp-answer-digit").wait_for(timeout=30_000)


def libraries(pg) -> None:
    key_button(pg, "lib_start").click()
    pg.get_by_text(re.compile(r"finished|stopped|done", re.I)).first.wait_for(timeout=180_000)


PAGES: dict[str, MainAction] = {
    "Train": MainAction("/?epochs=2", "train_start", train),
    "Learning rate": MainAction("/learning_rate", "toy_lr_chart_play", learning_rate),
    "Backprop": MainAction("/backprop", "toy_bp_all", backprop),
    "Decision boundary": MainAction("/decision_boundary", "toy_moons_boundary_play", boundary),
    "Playground": MainAction("/playground", "pg_play", playground),
    "Mistakes": MainAction("/mistakes", "mistakes_true", mistakes),
    "Draw": MainAction("/draw", "try_draw_0", draw),
    "Libraries": MainAction("/libraries?epochs=1", "lib_start", libraries),
}
"""The pages a student opens without a class, in the app's order."""
CLASS_KEY, BOARD_KEY = "class_code", "board_open"
"""Class: the code a student types to join; Board: the menu that opens a run on Train."""
