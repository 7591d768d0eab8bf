"""Screenshots of every page at a phone's 390 px (touch), a tablet's 768 px, a laptop's
1400 px and the projector's 1920 px (`?projector=1`), before and after the page's main
action (tests/e2e/main_actions.py: a run, Play, a drawing...), into artifacts/screens/,
for people to look at (issue 26: no overlaps, no cut labels, text big enough for the
back row).

    python -m tools.screens                 # starts its own server (tests/e2e/server.py)
    python -m tools.screens --url http://127.0.0.1:8501 --pages Train Class --sizes phone
    python -m tools.screens --before-only   # as a student first meets each page

Pages are opened as a student first meets them (Board without a challenge: its note);
after: Class with a class made, Board with a challenge one student has submitted to
(made once, before the pictures).
"""

from __future__ import annotations

import argparse
import tempfile
from contextlib import nullcontext
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.e2e import class_steps
from tests.e2e.conftest import ARTIFACTS, charts_settled, wait_for_app
from tests.e2e.main_actions import PAGES as ACTIONS
from tests.e2e.server import launch_chromium, running_app

OUT = ARTIFACTS / "screens"
PAGES = {
    "Train": "/",
    "Learning rate": "/learning_rate",
    "Backprop": "/backprop",
    "Decision boundary": "/decision_boundary",
    "Playground": "/playground",
    "Mistakes": "/mistakes",
    "Draw": "/draw",
    "Libraries": "/libraries",
    "Class": "/class",
    "Board": "/board",
}
PHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)
SIZES = {
    "phone": dict(
        viewport={"width": 390, "height": 844},
        has_touch=True,
        is_mobile=True,
        device_scale_factor=2,
        user_agent=PHONE_UA,
    ),
    "tablet": dict(viewport={"width": 768, "height": 1024}, has_touch=True),
    "laptop": dict(viewport={"width": 1400, "height": 1000}),
    "projector": dict(viewport={"width": 1920, "height": 1080}),
}


def slug(name: str) -> str:
    return name.lower().replace(" ", "_")


TALLEST = 9000
"""px: the tallest page photographed whole (a longer one is cut at this height)."""


def drawn(pg) -> None:
    """The script has finished, no placeholder is left, every chart is drawn."""
    wait_for_app(pg)
    pg.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stSkeleton\"]')", timeout=60_000
    )
    charts_settled(pg)


def whole_page(pg, viewport: dict, shot: Path) -> None:
    """The whole page in one picture: Streamlit scrolls its main area, not the document,
    so the window is made as tall as the page for the picture, then put back."""
    tall = pg.evaluate(
        """() => { const m = document.querySelector('[data-testid="stMain"]');
                   return m ? m.scrollHeight : document.body.scrollHeight; }"""
    )
    pg.set_viewport_size({"width": viewport["width"], "height": min(TALLEST, max(tall, 1))})
    drawn(pg)
    pg.screenshot(path=str(shot))
    pg.set_viewport_size(viewport)


def open_page(pg, url: str, path: str, size: str) -> None:
    sep = "&" if "?" in path else "?"
    pg.goto(url + path + (f"{sep}projector=1" if size == "projector" else ""))
    wait_for_app(pg)
    pg.locator("[data-testid='stMain'] h1").first.wait_for()
    drawn(pg)


def photograph(pg, size: str, name: str) -> Path:
    pg.mouse.move(1, 1)  # no hover: the tooltip of the button just pressed goes away
    pg.wait_for_function("() => !document.querySelector('[role=\"tooltip\"]')", timeout=5_000)
    OUT.mkdir(parents=True, exist_ok=True)
    shot = OUT / f"{name}.png"
    whole_page(pg, SIZES[size]["viewport"], shot)
    print(shot.relative_to(ARTIFACTS.parent))
    return shot


def act(pg, url: str, name: str, size: str, board: str | None) -> bool:
    """The page's main action (Class: a class made; Board: the board with an entry)."""
    if name == "Class":
        class_steps.create_class(pg)
    elif name == "Board":
        if board is None:
            return False
        open_page(pg, url, board, size)
        pg.get_by_text("Leading:").first.wait_for()
    else:
        ACTIONS[name].act(pg)
    drawn(pg)
    return True


def board_with_an_entry(browser, url: str) -> str:
    """A class, a challenge and one student's tiny run submitted to it: the board's path."""
    context = browser.new_context(**SIZES["laptop"])
    pg = context.new_page()
    pg.set_default_timeout(120_000)
    pg.goto(url)
    wait_for_app(pg)
    open_page(pg, url, "/class", "laptop")
    code, board = class_steps.create_class(pg), class_steps.board_path(pg)
    open_page(pg, url, "/class", "laptop")
    class_steps.train_and_submit(pg, url, class_steps.join(pg, code, "Ada"))
    context.close()
    return board


def shoot(browser, url: str, size: str, pages: list[str], after: bool, board: str | None):
    """One browser context (one session) per size; each page photographed as first met,
    then (`after`) once its main action has shown its result."""
    context = browser.new_context(**SIZES[size])
    pg = context.new_page()
    pg.set_default_timeout(120_000)
    pg.goto(url)  # through app.py first: a cold deep link may miss st.navigation
    wait_for_app(pg)
    shots = []
    for name in pages:
        path = ACTIONS[name].path if name in ACTIONS else PAGES[name]
        open_page(pg, url, path, size)
        shots.append(photograph(pg, size, f"{slug(name)}-{size}-before"))
        if after and act(pg, url, name, size, board):
            shots.append(photograph(pg, size, f"{slug(name)}-{size}-after"))
    context.close()
    return shots


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running app (default: start one)")
    parser.add_argument("--pages", nargs="*", default=list(PAGES), choices=list(PAGES))
    parser.add_argument("--sizes", nargs="*", default=list(SIZES), choices=list(SIZES))
    parser.add_argument("--before-only", action="store_true", help="no main actions")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = nullcontext(None) if args.url else running_app(Path(tmp))
        with server as started, sync_playwright() as p:
            url = args.url or started.url
            browser = launch_chromium(p)
            after = not args.before_only
            board = board_with_an_entry(browser, url) if after and "Board" in args.pages else None
            for size in args.sizes:
                shoot(browser, url, size, args.pages, after, board)
            browser.close()


if __name__ == "__main__":
    main()
