"""A class's steps in the browser for the accessibility tests: tests/e2e/class_pages.py's
steps, split where axe-core or the keyboard looks between them, and on the page as it is
(normal or projector mode): a teacher creates a class and a challenge on the open Class
page, a student joins, trains a tiny run for it and submits."""

from __future__ import annotations

import re

from tests.e2e.class_pages import SMALL, submit
from tests.e2e.class_pages import by_key as field
from tests.e2e.conftest import wait_for_app


def create_class(pg) -> str:
    """On the Class page: a class and a challenge (at most 2 epochs), made in the Teach
    tab; the class's code."""
    pg.get_by_role("tab", name="Teach a class").click()
    field(pg, "class_title").fill("Period 3")
    field(pg, "class_create_go", "button").click()
    heading = pg.get_by_text(re.compile(r"class code [2-9A-Z]{4}-[2-9A-Z]{4}"))
    code = re.search(r"[2-9A-Z]{4}-[2-9A-Z]{4}", heading.inner_text()).group(0)
    rule = field(pg, "class_rule_max_epochs", "spinbutton")
    rule.fill("2")
    rule.press("Tab")
    field(pg, "class_challenge_go", "button").click()
    board_link(pg).wait_for()
    return code


def board_link(pg):
    """The teacher's link to the challenge's board."""
    return pg.get_by_role("link", name=re.compile("Its board")).first


def board_path(pg) -> str:
    """The board's address (from the app's root) as the teacher's link gives it."""
    return "/" + board_link(pg).get_attribute("href").lstrip("/").split("/")[-1]


def join(pg, code: str, name: str) -> str:
    """On the Class page's Join tab: join `code` as `name`; the challenge's Train link."""
    pg.get_by_role("tab", name="Join a class").click()
    field(pg, "class_code").fill(code)
    field(pg, "class_name").fill(name)
    field(pg, "class_join_go", "button").click()
    return train_link(pg)


def train_link(pg) -> str:
    """The joined student's "Train for it" link."""
    link = pg.get_by_role("link", name=re.compile("Train for it")).first
    link.wait_for()
    return link.get_attribute("href")


def train_and_submit(pg, app_url: str, train_href: str) -> None:
    """Open the challenge on Train, train the tiny run, submit it."""
    pg.goto(f"{app_url}/train?{train_href.split('?', 1)[1]}{SMALL}")
    wait_for_app(pg)
    pg.get_by_text(re.compile(r"Class challenge \(open\)")).wait_for()
    pg.locator(".st-key-train_start").get_by_role("button").first.click()
    pg.get_by_text(re.compile(r"2 of 2 epochs done")).wait_for(timeout=120_000)
    said = submit(pg)
    assert said.startswith("Submitted"), said
