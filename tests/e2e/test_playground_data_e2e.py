"""The Playground's own data and more classes in a real browser: a click (tap) on the
plane adds a point of the chosen class (and it goes in the link), Undo takes it back, a
CSV file replaces the points and a bad one is named in one line; a 3-class spiral
trains a softmax output whose regions and confusion matrix show three classes. Then
screenshots of the page at 390, 1400 and 1920 (projector) pixels."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from tests.e2e.conftest import screenshot, wait_for_app
from tests.e2e.playground_page import PLANE, TALL, epoch, open_playground, pixels
from tests.waiting import wait_until

pytestmark = pytest.mark.e2e

GREENISH = """c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) n += d[i + 1] > d[i] + 25 && d[i + 1] > d[i + 2] + 10;
  return n; }"""


def _points_shown(page) -> str:
    return (
        page.locator("[data-testid='stCaptionContainer']")
        .filter(has_text="points.")
        .first.text_content()
    )


def _click_plane(page, x1: float, x2: float) -> None:
    """Click the plane at (x1, x2): the plot square starts 34 px from the canvas's left
    and 6 px from its top, and spans [-6, 6] both ways."""
    box = page.locator(PLANE).first.bounding_box()
    side = box["width"] - 34 - 8
    page.mouse.click(box["x"] + 34 + (x1 + 6) / 12 * side, box["y"] + 6 + (6 - x2) / 12 * side)


def test_a_click_adds_a_point_of_the_chosen_class_and_undo_removes_it(page, app_url):
    page.set_viewport_size(TALL)
    open_playground(page, app_url, "/playground?data=own")
    assert _points_shown(page).startswith("8 points")
    before = pixels(page)
    page.locator("label", has_text="class 2").first.click()  # in the component
    _click_plane(page, 1.0, 4.0)
    wait_until(lambda: _points_shown(page).startswith("9 points"), 20)
    wait_for_app(page)
    x1, x2, label = parse_qs(urlparse(page.url).query)["pts"][0].split(";")[-1].split(",")
    assert (float(x1), float(x2), label) == (
        pytest.approx(1, abs=0.1),
        pytest.approx(4, abs=0.1),
        "2",
    )
    wait_until(lambda: pixels(page) != before, 10)  # drawn, and a new network
    screenshot(page, "playground_own_point")
    page.get_by_role("button", name="Undo").click()
    wait_until(lambda: _points_shown(page).startswith("8 points"), 20)


def test_a_csv_file_gives_the_points_and_a_bad_one_is_named(page, app_url, tmp_path):
    page.set_viewport_size(TALL)
    open_playground(page, app_url, "/playground?data=own")
    uploader = page.locator(".st-key-pg_csv input[type='file']").first
    bad = tmp_path / "bad.csv"
    bad.write_text("x1,x2,label\n1,1,0\n1,x,1\n")
    uploader.set_input_files(str(bad))
    page.get_by_text("line 3: x2 is not a number ('x')").wait_for(timeout=20_000)
    assert _points_shown(page).startswith("8 points")  # nothing taken from a bad file
    good = tmp_path / "good.csv"
    rows = [f"{x / 2:g},{(-1) ** x * 2:g},{x % 3}" for x in range(-10, 11)]
    good.write_text("x1,x2,label\n" + "\n".join(rows) + "\n")
    uploader.set_input_files(str(good))
    wait_until(lambda: _points_shown(page).startswith("21 points"), 20)
    wait_for_app(page)
    assert page.locator("[data-k='accval']").first.text_content().strip() != ""


def test_three_classes_train_with_three_coloured_regions_and_a_3x3_matrix(page, app_url):
    page.set_viewport_size(TALL)
    open_playground(page, app_url, "/playground?data=spiral3&layers=8,8&lr=0.1")
    page.get_by_role("button", name="Play").click()
    wait_until(lambda: epoch(page) >= 30, 60)
    page.get_by_role("button", name="Pause").click()
    wait_for_app(page)
    rows = page.locator(".acc table tbody tr")
    assert rows.count() == 3 and rows.first.locator("td").count() == 3
    assert page.locator(PLANE).first.evaluate(GREENISH) > 100  # class 2's region (green)
    assert "class 2 green triangle" in page.locator("[data-k='outcap']").first.text_content()
    screenshot(page, "playground_three_classes")


@pytest.mark.parametrize(
    "width,query", [(390, ""), (1400, ""), (1920, "&projector=1")], ids=["390", "1400", "1920"]
)
def test_screenshots(browser, app_url, width, query):
    phone = width < 500
    context = browser.new_context(
        viewport={"width": width, "height": 3200 if phone else 2400},
        is_mobile=phone,
        has_touch=phone,
    )
    page = context.new_page()
    try:
        open_playground(page, app_url, f"/playground?data=spiral&layers=8,8,8{query}")
        page.get_by_role("button", name="Play").click()
        wait_until(lambda: epoch(page) >= 10, 30)
        page.get_by_role("button", name="Pause").click()
        wait_for_app(page)
        play = page.get_by_role("button", name="Play").bounding_box()
        plane = page.locator(PLANE).first.bounding_box()
        assert plane["y"] - play["y"] < 300  # Play sits right above the pictures
        assert plane["x"] + plane["width"] <= width  # nothing cut at the right edge
        screenshot(page, f"playground_{width}")
    finally:
        context.close()
