"""A teacher's link opened first on a freshly started server still gets the whole app.

Streamlit runs a `pages/` folder in its legacy mode until the first st.navigation call
after the server starts; without mlp_ui.shell.through_app() this first visitor would
get the page alone, with no sidebar and raw file names in the menu.
"""

from __future__ import annotations

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
        assert hidden.input_value() == "300"  # the link's settings reached the widgets
        screenshot(page, "deep_link_first_visit")
