"""A class in Debian's Chromium against `streamlit run`: a teacher creates a class and a
challenge; three students (separate browser contexts, so separate identities) join, train
and submit; the board, open on a fourth context, ranks them by itself; a run that breaks
a rule is refused; the teacher removes one entry and exports the CSV. Screenshots of the
board and the teacher's view in projector mode go to artifacts/."""

from __future__ import annotations

import csv
import io
import re
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from tests.e2e.conftest import screenshot, wait_for_app

SMALL = "&hidden=20&epochs=2&n=1000"
PROJECTOR = {"width": 1920, "height": 1080}


def _context(browser, size=None):
    context = browser.new_context(viewport=size or {"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    return context, pg


def _key(pg, key: str, role: str = "textbox"):
    return pg.locator(f".st-key-{key}").get_by_role(role).first


def _teacher(pg, app_url: str) -> tuple[str, str]:
    """Create a class and a challenge (at most 50 hidden units, 2 epochs): the code, and
    the challenge's board address."""
    pg.goto(f"{app_url}/class?projector=1")
    wait_for_app(pg)
    pg.get_by_role("tab", name="Teach a class").click()
    _key(pg, "class_title").fill("Period 3")
    _key(pg, "class_create_go", "button").click()
    heading = pg.get_by_text(re.compile(r"class code [2-9A-Z]{4}-[2-9A-Z]{4}"))
    code = re.search(r"[2-9A-Z]{4}-[2-9A-Z]{4}", heading.inner_text()).group(0)
    for name, value in (("max_hidden", "50"), ("max_epochs", "2")):
        field = _key(pg, f"class_rule_{name}", "spinbutton")
        field.fill(value)
        field.press("Tab")
    _key(pg, "class_challenge_go", "button").click()
    board = pg.get_by_role("link", name=re.compile("Its board")).first
    board.wait_for()
    return code, board.get_attribute("href")


def _start(pg) -> None:
    """Press Start until the run is under way (a script run still finishing can replace
    the button while it is clicked: the page is redrawn, the click lost)."""
    started = pg.get_by_text(re.compile(r"Training run #1|Run #1 finished"))
    for _ in range(5):
        wait_for_app(pg)
        try:
            pg.locator(".st-key-train_start").get_by_role("button").first.click(timeout=60_000)
            started.first.wait_for(timeout=30_000)
            return
        except Exception:
            continue
    started.first.wait_for()


def _student(browser, app_url: str, code: str, name: str, hidden: int = 20):
    """Join, open the challenge on Train, train a tiny run, submit: the page and its line."""
    context, pg = _context(browser)
    pg.goto(f"{app_url}/class")
    wait_for_app(pg)
    _key(pg, "class_code").fill(code.lower().replace("-", " "))
    _key(pg, "class_name").fill(name)
    _key(pg, "class_join_go", "button").click()
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
    pg.locator('[class*="st-key-class_submit_"]').get_by_role("button").first.click()
    said = pg.get_by_text(re.compile("^(Submitted|Refused)")).first
    said.wait_for()
    return context, pg, said.inner_text()


def test_three_students_a_board_a_refusal_a_removal_and_the_csv(app_url, browser):
    teacher_ctx, teacher = _context(browser, PROJECTOR)
    code, board_href = _teacher(teacher, app_url)
    board_ctx, board = _context(browser, PROJECTOR)
    board.goto(f"{app_url}/{board_href.lstrip('/').split('/')[-1]}&projector=1")
    wait_for_app(board)
    board.get_by_text("No submission yet").wait_for()

    students = []
    for name in ("Ada", "Bob", "Cy <b>3</b>"):
        context, pg, said = _student(browser, app_url, code, name)
        assert said.startswith("Submitted"), said
        submitted = time.monotonic()
        # the board, untouched since it opened, shows the new name by itself
        board.get_by_text(re.compile(re.escape(name.split(" ")[0]))).first.wait_for(timeout=15_000)
        print(f"{name}: on the board {time.monotonic() - submitted:.1f} s after 'Submitted'")
        students.append((context, pg))
    leading = board.locator("h3, p", has_text=re.compile("^Leading:")).inner_text()
    assert leading.count("%") == 3 and "Cy <b>3</b>" in leading  # a name is plain text
    board.mouse.move(1, 1)
    screenshot(board, "class_board_projector")

    context, pg, said = _student(browser, app_url, code, "Eve", hidden=60)
    assert "60 hidden units in a layer: the rule is at most 50" in said, said
    context.close()

    teacher.reload()
    wait_for_app(teacher)
    teacher.get_by_role("tab", name="Teach a class").click()
    reason = teacher.locator('[class*="st-key-class_reason_"] input').first
    reason.fill("trained twice with the same seed")
    teacher.locator('[class*="st-key-class_remove_go_"]').get_by_role("button").first.click()
    board.locator("h3, p", has_text=re.compile("^Leading:")).filter(has_not_text="3.").wait_for()
    teacher.get_by_text(re.compile(r"4 joined; 1 not submitted yet")).first.wait_for()
    teacher.mouse.move(1, 1)
    screenshot(teacher, "class_teacher_projector")

    with teacher.expect_download() as download:
        teacher.get_by_role("button", name="Every submission (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    assert len(rows) == 3 and sum(bool(r["removed"]) for r in rows) == 1
    assert {r["name"] for r in rows} == {"Ada", "Bob", "Cy <b>3</b>"}
    for context, _ in students:
        context.close()
    board_ctx.close()
    teacher_ctx.close()
