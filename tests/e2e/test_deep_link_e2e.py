"""A teacher's link opened first on a freshly started server still gets the whole app.

Streamlit runs a `pages/` folder in its legacy mode until the first st.navigation call
after the server starts, so the page files live in views/: a first visitor to a page's
own address gets app.py's sidebar and menu, not the page alone with raw file names.
"""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import screenshot, wait_for_app
from tests.e2e.server import running_app

MENU = [
    "Train",
    "Learning rate",
    "Backprop",
    "Decision boundary",
    "Playground",
    "Mistakes",
    "Draw",
    "Libraries",
    "Class",
    "Board",
]


def test_first_visit_by_deep_link_goes_through_the_app(page, tmp_path):
    with running_app(tmp_path) as server:
        page.goto(f"{server.url}/train?hidden=300&lr=0.05")
        page.get_by_text("Current model").first.wait_for()  # the sidebar drawn by app.py
        page.get_by_role("button", name="Start").wait_for()
        wait_for_app(page)  # the widgets hold their values once the run has ended
        links = page.locator("[data-testid='stSidebarNavLink']").all_inner_texts()
        assert [text.split("\n")[-1] for text in links] == MENU
        assert page.locator("h1").first.inner_text() == "Train a network"
        hidden = page.get_by_role("spinbutton", name="Hidden units per layer")
        expect(hidden).to_have_value(
            "300", timeout=30_000
        )  # the link's settings reached the widgets
        screenshot(page, "deep_link_first_visit")


ICONS_JS = "() => [...document.querySelectorAll('link[rel*=icon]')].map(l => l.href)"
ADDRESSES = {
    "train?hidden=300": "Train a network",
    "learning_rate": "Learning rate",
    "backprop": "Backprop",
    "decision_boundary": "Decision boundary",
    "playground": "Playground",
    "mistakes": "Mistakes",
    "draw": "Draw",
    "libraries": "The same network in scikit-learn and PyTorch",
}


def test_every_page_opens_cleanly_at_its_own_address(app_url, page):
    """Each page's own address opens that page, with no "Page not found" box over it."""
    for address, heading in ADDRESSES.items():
        page.goto(f"{app_url}/{address}")
        wait_for_app(page)
        page.locator("h1").first.wait_for()
        assert page.locator("h1").first.inner_text() == heading, address
        assert page.get_by_text("Page not found").count() == 0, address
        assert page.locator("[role='dialog']").count() == 0, address
        icons = page.evaluate(ICONS_JS)
        # the app's own icon, in the page (a data URL) or from the app: no font CDN
        ours = ("data:image/png;base64,", app_url)
        assert icons and all(href.startswith(ours) for href in icons), icons
        if address.startswith("train"):
            hidden = page.get_by_role("spinbutton", name="Hidden units per layer")
            expect(hidden).to_have_value(
                "300", timeout=30_000
            )  # a fresh server's first run may lag a moment
            screenshot(page, "train_own_address")
