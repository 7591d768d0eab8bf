"""Phones and keyboards in a real browser: a swipe over a chart scrolls the page, a
keyboard walk from the page's title reaches its main action with the focus drawn, and
Play pressed by keyboard keeps the focus on the button (now Pause).

The walks of all ten pages (Tabs from the title to the main action of
tests/e2e/main_actions.py, what the focus looks like and its ring's contrast with what is
around it) are written to artifacts/keyboard_walk.json for people to read.
"""

from __future__ import annotations

import contextlib
import json
import re

import pytest
from playwright.sync_api import expect

from tests.e2e import class_steps as steps
from tests.e2e.conftest import ARTIFACTS, charts_settled, settled_box, wait_for_app
from tests.e2e.main_actions import BOARD_KEY, CLASS_KEY, PAGES
from tests.e2e.playground_page import open_playground
from tests.waiting import wait_until

PHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)
MAIN_ACTION = {name: (a.path, a.key) for name, a in PAGES.items()} | {
    "Class": ("/class", CLASS_KEY)
}
"""Board's walk is in the class test: its menu needs a challenge with an entry."""
WALKS = ARTIFACTS / "keyboard_walk.json"
MOST_TABS = 12
"""From the page's title to its main action: the sidebar's links come before the title."""
SCROLLER = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  return Math.max(window.scrollY, main ? main.scrollTop : 0,
                  document.scrollingElement.scrollTop);
}"""
ROOM_BELOW = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const rooms = [main, document.scrollingElement].filter(Boolean)
    .map((el) => el.scrollHeight - el.clientHeight - el.scrollTop);
  return Math.max(...rooms);
}"""
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const key = [...el.closest('[class*="st-key-"]')?.classList || []]
    .find(c => c.startsWith('st-key-'));
  const s = getComputedStyle(el);
  let around = el.parentElement;  // the ring is drawn outside the control (offset 2px)
  const clear = (e) => ['rgba(0, 0, 0, 0)', 'transparent']
    .includes(getComputedStyle(e).backgroundColor);
  while (around && clear(around)) around = around.parentElement;
  const named = el.getAttribute('aria-label') || (el.labels && el.labels[0] || {}).innerText;
  return {key: key ? key.slice(7) : null, tag: el.tagName, text: (el.innerText || '').trim(),
          name: (named || '').trim(),
          outline: s.outlineStyle + ' ' + s.outlineWidth + ' ' + s.outlineColor,
          ring: s.outlineColor,
          around: around ? getComputedStyle(around).backgroundColor : 'rgb(255, 255, 255)'};
}"""
FOCUSED_ELEMENT = """() => {
  const el = document.activeElement, s = getComputedStyle(el);
  return {id: el.id, tag: el.tagName, outline: s.outlineStyle + ' ' + s.outlineWidth};
}"""


def _open(pg, app_url: str, path: str) -> None:
    """The page at its own address (tests/e2e/test_deep_link_e2e.py: the whole app)."""
    pg.goto(app_url + path)
    wait_for_app(pg)


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        has_touch=True,
        is_mobile=True,
        device_scale_factor=2,
        user_agent=PHONE_UA,
    )
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    yield pg
    context.close()


def _swipe(pg, x: float, y: float, dy: float, steps: int = 10) -> None:
    """A finger put down at (x, y), moved dy pixels in `steps`, lifted (real touch events)."""
    cdp = pg.context.new_cdp_session(pg)
    touch = "Input.dispatchTouchEvent"
    cdp.send(touch, {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    for k in range(1, steps + 1):
        cdp.send(touch, {"type": "touchMove", "touchPoints": [{"x": x, "y": y + dy * k / steps}]})
        pg.wait_for_timeout(16)  # a finger's pace, one move a frame: the gesture under test
    cdp.send(touch, {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


ON_THE_CHART = "(chart, [x, y]) => chart.contains(document.elementFromPoint(x, y))"
"""Whether the point (x, y) of the viewport is on `chart` (not off the screen, not on
something drawn over it)."""


@pytest.mark.parametrize(
    ("path", "chart"),
    [("/mistakes", ".st-key-mistakes_gallery .js-plotly-plot"), ("/?epochs=2", ".js-plotly-plot")],
)
def test_a_swipe_over_a_chart_scrolls_the_page(phone, app_url, path, chart):
    """The chart is named, and the one element is scrolled to, measured and swiped over:
    Plotly draws a page's charts one by one after the script run (on Mistakes, under load,
    the matrix up to 0.7 s before the gallery above it), so "the first chart" scrolled
    to (the matrix, page scrolled to 1563) was not the first chart measured a moment
    later (the gallery, then 535 px above the screen): the finger went down off the
    screen and nothing moved (three full runs of the suite, load 4-12)."""
    _open(phone, app_url, path)
    phone.locator(chart).first.wait_for()
    charts_settled(phone)  # every chart drawn at its width: none is redrawn under the finger
    plot = phone.locator(chart).first.element_handle()
    plot.scroll_into_view_if_needed()
    box = settled_box(phone, plot)  # the scroll has ended
    before, room = phone.evaluate(SCROLLER), phone.evaluate(ROOM_BELOW)
    # A finger moving up scrolls down; at the page's foot (no room below) it moves down.
    top, bottom = max(box["y"], 0) + 10, min(box["y"] + box["height"], 844) - 10
    if room > 150:
        y = bottom
        dy = -min(300, y - 10)
    else:
        y = top
        dy = min(300, 834 - y)
    x = box["x"] + box["width"] / 2
    assert plot.evaluate(ON_THE_CHART, [x, y]), f"the finger ({x}, {y}) is not on {chart}: {box}"

    def moved() -> float:
        return (phone.evaluate(SCROLLER) - before) * (-1 if dy > 0 else 1)

    _swipe(phone, x, y, dy)
    with contextlib.suppress(TimeoutError):  # the page scrolls on after the finger lifts
        wait_until(lambda: moved() > 100, 5)
    assert moved() > 100, f"the page did not scroll under the swipe: {before} moved {moved()}"
    assert not phone.get_by_text("Double-click to zoom back out").count()


def test_touch_devices_are_told_to_tap(phone, app_url):
    _open(phone, app_url, "/")
    phone.get_by_text("choose settings below and tap Start").wait_for()
    _open(phone, app_url, "/mistakes")
    phone.get_by_text("Pick a cell in the menus").wait_for()
    assert not phone.get_by_text("Click a cell").count()


def test_the_playground_tells_phones_to_tap_a_unit_and_laptops_to_click(phone, page, app_url):
    """The component's own words (drawn in the browser) follow the device too."""
    for pg, word in ((phone, "Tap"), (page, "Click")):
        open_playground(pg, app_url, "/playground?data=xor&layers=2")
        pg.get_by_text(f"{word} a unit to see its formula.").wait_for()


def _walk(pg, target: str) -> tuple[int, dict]:
    """Tab from the page's title until `target` (a Streamlit key) has the focus."""
    control = pg.locator(f".st-key-{target} button, .st-key-{target} input").first
    expect(control).to_be_enabled(timeout=60_000)  # widgets take no focus while a run redraws
    wait_for_app(pg)
    trails = []
    for _ in range(2):  # a second walk from the title if a redraw took the focus away
        pg.locator("h1").first.click()  # the page's start: the sidebar's links come before it
        trail = []
        for tabs in range(1, 40):
            pg.keyboard.press("Tab")
            focused = pg.evaluate(FOCUSED)
            if focused and focused["key"] == target:
                return tabs, focused
            trail.append(focused and (focused["key"] or f"{focused['tag']} {focused['text'][:20]}"))
        trails.append(trail)
        wait_for_app(pg)
    raise AssertionError(f"{target} not reached in two walks of 40 Tabs; the focus went {trails}")


def _rgb(css: str) -> tuple[float, ...]:
    return tuple(float(v) for v in re.findall(r"[\d.]+", css)[:3])


def contrast(a: str, b: str) -> float:
    """WCAG's contrast ratio of two CSS colours ('rgb(r, g, b)')."""

    def luminance(rgb: tuple[float, ...]) -> float:
        c = [v / 255 for v in rgb]
        c = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in c]
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]

    hi, lo = sorted((luminance(_rgb(a)), luminance(_rgb(b))), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _record(name: str, tabs: int, focused: dict) -> dict:
    """A walk's entry for artifacts/keyboard_walk.json (merged with the other tests')."""
    ring = round(contrast(focused["ring"], focused["around"]), 1)
    shown = focused["text"].split("\n")[-1] or focused["name"]
    walk = {
        "tabs": tabs,
        "control": f"{focused['tag'].lower()} {shown[:40]}".strip(),
        "focus": focused["outline"],
        "ring_contrast": ring,
    }
    ARTIFACTS.mkdir(exist_ok=True)
    walks = json.loads(WALKS.read_text()) if WALKS.exists() else {}
    walks[name] = walk
    order = [*MAIN_ACTION, "Board"]
    walks = {k: walks[k] for k in sorted(walks, key=lambda k: order.index(k) if k in order else 99)}
    WALKS.write_text(json.dumps(walks, indent=1) + "\n")
    return walk


def _drawn(name: str, tabs: int, focused: dict) -> None:
    """Within MOST_TABS, a solid 3 px ring at least 3:1 against what is around it."""
    walk = _record(name, tabs, focused)
    assert tabs <= MOST_TABS, (name, tabs)
    assert "solid" in focused["outline"] and "3px" in focused["outline"], (name, focused)
    assert walk["ring_contrast"] >= 3, (name, walk, focused)


def test_a_keyboard_walk_reaches_each_main_action_with_the_focus_drawn(page, app_url):
    """Nine pages here (Board in the class test): from the page's title, Tabs to the main
    action; the focus ring drawn there. The browser's first visit (its identity cookie
    set, mlp_ui.saved) comes before the walks: in a full run on two busy cores the ring
    was once missing on Start when the Train page was that first visit."""
    _open(page, app_url, "/")
    for name, (path, target) in MAIN_ACTION.items():
        _open(page, app_url, path)
        page.locator(f".st-key-{target}").first.wait_for()
        tabs, focused = _walk(page, target)
        _drawn(name, tabs, focused)
    print(WALKS.read_text())


def test_a_class_is_joined_and_its_board_turned_by_keyboard(page, browser, app_url):
    """A student joins with the keyboard alone (Tabs from the title to the code, typing,
    Enter); on the board (with an entry) the menu opens the winner's settings on Train and
    the "Against" choice turns by arrow keys, all by keyboard."""
    _open(page, app_url, "/class")
    code = steps.create_class(page)  # the teacher, with the mouse
    board = steps.board_path(page)
    student = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    student.set_default_timeout(60_000)
    _open(student, app_url, "/class")
    tabs, focused = _walk(student, CLASS_KEY)
    _drawn("Class", tabs, focused)
    student.keyboard.type(code.lower())
    student.keyboard.press("Tab")
    student.keyboard.type("Ada")
    student.keyboard.press("Enter")  # a form's text field: Enter submits the form
    student.get_by_text("You are in").wait_for()
    steps.train_and_submit(student, app_url, steps.train_link(student))
    student.context.close()

    _open(page, app_url, board)
    page.get_by_text(re.compile(r"^Leading:")).first.wait_for()
    _learn_from_the_winner_by_keyboard(page, app_url, board)
    title = "text.gtitle"
    expect(page.locator(title, has_text="Every entry vs parameters")).to_have_count(1)
    tabs, focused = _walk(page, "board_axis")
    assert tabs <= MOST_TABS and "3px" in focused["outline"], (tabs, focused)
    page.keyboard.press("ArrowRight")
    expect(page.locator(title, has_text="Every entry vs training time")).to_have_count(1)


def _learn_from_the_winner_by_keyboard(page, app_url: str, board: str) -> None:
    """Tabs from the title to the menu, Arrow down opens it, Enter picks the first run; two
    Tabs on (past the menu's Clear) the link to its settings, Enter opens Train with them."""
    tabs, focused = _walk(page, BOARD_KEY)
    _drawn("Board", tabs, focused)
    page.keyboard.press("ArrowDown")  # the menu opens, its first run highlighted
    page.get_by_role("option").first.wait_for()
    page.keyboard.press("Enter")
    link = page.get_by_role("link", name=re.compile(r"Open the settings of Ada's run"))
    link.wait_for()
    wait_for_app(page)
    for _ in range(2):  # the menu's Clear button, then the link
        page.keyboard.press("Tab")
    expect(link).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/(train)?\?.*hidden=20&"))  # Train is the front page
    wait_for_app(page)
    page.get_by_text(re.compile(r"Class challenge \(open\)")).wait_for()
    _open(page, app_url, board)
    page.get_by_text(re.compile(r"^Leading:")).first.wait_for()


FRAME_SLIDERS = {
    "Learning rate": ("/learning_rate", "toy_lr_chart", "Epoch "),
    "Decision boundary": ("/decision_boundary", "toy_moons_boundary", "Pass "),
}


@pytest.mark.parametrize("name", list(FRAME_SLIDERS))
def test_the_animation_frame_slider_is_ours_and_turns_by_keyboard(page, app_url, name):
    """The Tab after Replay is the frame slider (drawn focused); arrow keys, Home and End
    move the chart to that frame (its picture changes each time)."""
    path, key, prefix = FRAME_SLIDERS[name]
    _open(page, app_url, path)
    slider, shown = page.locator(f"#{key}_frame"), page.locator(f"#{key}_frame_out")
    expect(shown).to_have_text(re.compile("^" + prefix), timeout=30_000)
    drawn = page.locator(f".st-key-{key} .js-plotly-plot svg.main-svg").first
    tabs, _ = _walk(page, f"{key}_replay")
    page.keyboard.press("Tab")
    focused = page.evaluate(FOCUSED_ELEMENT)
    assert focused["id"] == f"{key}_frame", (name, tabs, focused)
    assert "solid" in focused["outline"] and "3px" in focused["outline"], focused
    page.keyboard.press("Home")
    first, picture = shown.inner_text(), drawn.inner_html()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    expect(slider).to_have_value("3")
    third = slider.get_attribute("aria-valuetext")
    assert third != first and third.startswith(prefix)
    expect(shown).to_have_text(third)
    page.wait_for_function(
        "([el, before]) => el.innerHTML !== before", arg=[drawn.element_handle(), picture]
    )
    picture = drawn.inner_html()  # the chart went to that frame
    page.keyboard.press("End")
    expect(slider).to_have_value(slider.get_attribute("max"))
    page.wait_for_function(
        "([el, before]) => el.innerHTML !== before", arg=[drawn.element_handle(), picture]
    )


FOCUS_ON = """([key, label]) => {
  const el = document.activeElement;
  return !!el && !!el.closest('.st-key-' + key) && (el.innerText || '').includes(label);
}"""


FRAME_NUMBER = """(id) => Number((document.querySelector('#' + id) || {})
                                 .textContent?.replace(/[^0-9]/g, '') || 0)"""
"""The number in our frame slider's label ("Epoch 4", "Pass 12"): it follows the animation."""


@pytest.mark.parametrize("name", ["Learning rate", "Decision boundary"])
def test_play_and_pause_by_keyboard_keep_the_focus_press_after_press(page, app_url, name):
    """Twenty presses in a row, Enter and Space alternately, as fast as the page answers:
    after each the focus is on the button, under its new label, by the time the label
    shows (it was lost now and then: the press's script focused the button only once
    the chart was ready, and only once). The first press, Enter, plays the animation: its
    frame moves on three before the next press."""
    path, key = {
        "Learning rate": ("/learning_rate", "toy_lr_chart_play"),
        "Decision boundary": ("/decision_boundary", "toy_moons_boundary_play"),
    }[name]
    _open(page, app_url, path)
    _walk(page, key)
    frame = key.removesuffix("_play") + "_frame_out"
    start = page.evaluate(FRAME_NUMBER, frame)
    label = "Play"
    for n in range(20):
        label = "Pause" if label == "Play" else "Play"
        page.keyboard.press("Enter" if n % 2 == 0 else "Space")
        page.locator(f".st-key-{key} button", has_text=label).first.wait_for()
        try:
            page.wait_for_function(FOCUS_ON, arg=[key, label], timeout=1_000)
        except Exception as exc:
            focused = page.evaluate(FOCUSED)
            raise AssertionError(f"press {n + 1}: the focus is on {focused}") from exc
        if n == 0:  # played by keyboard: the frames move (and the focus stays, below)
            page.wait_for_function(
                f"(id) => ({FRAME_NUMBER})(id) >= {start + 3}", arg=frame, timeout=20_000
            )
            assert page.evaluate(FOCUS_ON, [key, label]), page.evaluate(FOCUSED)
    wait_for_app(page)
    assert page.evaluate(FOCUS_ON, [key, label]), page.evaluate(FOCUSED)
