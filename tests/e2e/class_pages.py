"""A class driven in Chromium, as a teacher and students do it: create a class and a
challenge (on MNIST, or on Playground data), join it, train a tiny run from the challenge
link (or open its Play link), submit it. Shared by tests/e2e/test_class_e2e.py and
tests/e2e/test_play_challenge_e2e.py (one server) and tests/deploy/test_board_replicas.py
(three replicas behind HAProxy)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

from tests.e2e.conftest import press_until, screenshot, wait_for_app
from tests.e2e.playground_page import PLANE

SMALL = "&hidden=20&epochs=2&n=1000"
PROJECTOR = {"width": 1920, "height": 1080}


def new_page(browser, size=None, timeout: float = 60_000):
    """A new browser context (a separate browser: its own cookies) and its page."""
    context = browser.new_context(viewport=size or {"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(timeout)
    return context, pg


def by_key(pg, key: str, role: str = "textbox"):
    return pg.locator(f".st-key-{key}").get_by_role(role).first


def create_class(pg, app_url: str) -> tuple[str, str]:
    """Create a class and a challenge (at most 50 hidden units, 2 epochs): the code, and
    the challenge's board address."""
    pg.goto(f"{app_url}/class?projector=1")
    wait_for_app(pg)
    pg.get_by_role("tab", name="Teach a class").click()
    by_key(pg, "class_title").fill("Period 3")
    by_key(pg, "class_create_go", "button").click()
    heading = pg.get_by_text(re.compile(r"class code [2-9A-Z]{4}-[2-9A-Z]{4}"))
    code = re.search(r"[2-9A-Z]{4}-[2-9A-Z]{4}", heading.inner_text()).group(0)
    for name, value in (("max_hidden", "50"), ("max_epochs", "2")):
        field = by_key(pg, f"class_rule_{name}", "spinbutton")
        field.fill(value)
        field.press("Tab")
    by_key(pg, "class_challenge_go", "button").click()
    board = pg.get_by_role("link", name=re.compile("Its board")).first
    board.wait_for()
    return code, board.get_attribute("href")


def board_address(app_url: str, board_href: str) -> str:
    """The board's page in projector mode, from the Class page's link."""
    return f"{app_url}/{board_href.lstrip('/').split('/')[-1]}&projector=1"


def _start(pg) -> None:
    """Press Start until the run is under way (a script run still finishing can replace
    the button while it is clicked: the page is redrawn, the click lost)."""
    started = pg.get_by_text(re.compile(r"Training run #1|Run #1 finished")).first
    button = pg.locator(".st-key-train_start").get_by_role("button").first
    press_until(pg, button, lambda ms: started.wait_for(timeout=ms), tries=5, click_ms=60_000)


def join_and_train(browser, app_url: str, code: str, name: str, hidden: int = 20):
    """Join as `name`, open the challenge on Train, train a tiny run: (context, page)."""
    context, pg = new_page(browser)
    pg.goto(f"{app_url}/class")
    wait_for_app(pg)
    by_key(pg, "class_code").fill(code.lower().replace("-", " "))
    by_key(pg, "class_name").fill(name)
    by_key(pg, "class_join_go", "button").click()
    link = pg.get_by_role("link", name=re.compile("Train for it")).first
    href = link.get_attribute("href")
    query = parse_qs(urlparse(href).query)
    assert query["class"] == [code] and "challenge" in query
    pg.goto(f"{app_url}/train?{urlparse(href).query}{SMALL.replace('20', str(hidden))}")
    wait_for_app(pg)
    try:
        pg.get_by_text(re.compile("Class challenge \\(open\\)")).wait_for()
        _start(pg)
    except Exception:
        screenshot(pg, f"class_e2e_failed_{hidden}")
        raise
    pg.get_by_text(re.compile("finished 2 epochs")).first.wait_for(timeout=120_000)
    return context, pg


def submit(pg) -> str:
    """Press "Submit to the board" under the run: the line the page says."""
    pg.locator('[class*="st-key-class_submit_"]').get_by_role("button").first.click()
    said = pg.get_by_text(re.compile("^(Submitted|Refused)")).first
    said.wait_for()
    return said.inner_text()


def student(browser, app_url: str, code: str, name: str, hidden: int = 20):
    """Join, train a tiny run, submit: (context, page, the page's line)."""
    context, pg = join_and_train(browser, app_url, code, name, hidden)
    return context, pg, submit(pg)


PLAY_LIMITS = (("max_hidden", "4"), ("max_epochs", "30"))


def create_play_challenge(
    pg, app_url: str, limits: tuple = PLAY_LIMITS, auto: bool = False
) -> tuple[str, str]:
    """A class and its Playground challenge (the form's spiral) with `limits`, through the
    teacher's form (`auto`: every finished run submitted by itself): the class code and
    the board's link. Without `auto`, a screenshot of the form."""
    pg.goto(f"{app_url}/class?projector=1")
    wait_for_app(pg)
    pg.get_by_role("tab", name="Teach a class").click()
    by_key(pg, "class_title").fill("Period 5")
    by_key(pg, "class_create_go", "button").click()
    heading = pg.get_by_text(re.compile(r"class code [2-9A-Z]{4}-[2-9A-Z]{4}"))
    code = re.search(r"[2-9A-Z]{4}-[2-9A-Z]{4}", heading.inner_text()).group(0)
    pg.locator(".st-key-class_new_data").get_by_text("Playground data").click()
    by_key(pg, "class_play_seed", "spinbutton").wait_for()
    wait_for_app(pg)
    for name, value in limits:
        field = by_key(pg, f"class_rule_{name}", "spinbutton")
        field.fill(value)
        field.press("Tab")
    if auto:
        pg.get_by_text("Submit every finished run by itself").click()
    pg.mouse.move(1, 1)
    if not auto:
        screenshot(pg, "play_challenge_teacher_form_projector")
    by_key(pg, "class_challenge_go", "button").click()
    board = pg.get_by_role("link", name=re.compile("Its board")).first
    board.wait_for()
    return code, board.get_attribute("href")


def join_and_play(browser, app_url: str, code: str, name: str, timeout: float = 60_000):
    """Join as `name` and open the challenge's Play link: (context, page)."""
    context, pg = new_page(browser, timeout=timeout)
    pg.goto(f"{app_url}/class")
    wait_for_app(pg)
    by_key(pg, "class_code").fill(code)
    by_key(pg, "class_name").fill(name)
    by_key(pg, "class_join_go", "button").click()
    link = pg.get_by_role("link", name=re.compile("Play for it")).first
    href = link.get_attribute("href")
    assert f"class={code}" in href and "data=spiral" in href, href
    pg.goto(f"{app_url}/playground?{href.split('?', 1)[1]}")
    wait_for_app(pg)
    pg.get_by_text(re.compile(r"Class challenge \(open\)")).wait_for()
    pg.locator(PLANE).first.wait_for()
    return context, pg


def press(pg, key: str) -> None:
    """Click the button of widget `key`, between two waits for the app."""
    wait_for_app(pg)
    pg.locator(f".st-key-{key}").get_by_role("button").first.click()
    wait_for_app(pg)
