"""Screenshots of every page at a phone's 390 px (touch), a tablet's 768 px, a laptop's
1400 px and the projector's 1920 px (`?projector=1`), into artifacts/screens/, for people
to look at (issue 26: no overlaps, no cut labels, text big enough for the back row).

    python -m tools.screens                 # starts its own server (tests/e2e/server.py)
    python -m tools.screens --url http://127.0.0.1:8501 --pages Train Class --sizes phone

Pages are opened as a student first meets them (Board without a challenge: its note).
"""

from __future__ import annotations

import argparse
import tempfile
from contextlib import nullcontext
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.e2e.conftest import ARTIFACTS, charts_settled, wait_for_app
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


def shoot(browser, url: str, size: str, pages: list[str]) -> list[Path]:
    """One browser context (one session) per size; each page opened and photographed."""
    context = browser.new_context(**SIZES[size])
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    pg.goto(url)  # through app.py first: a cold deep link may miss st.navigation
    wait_for_app(pg)
    shots = []
    for name in pages:
        path = PAGES[name] + ("?projector=1" if size == "projector" else "")
        pg.goto(url + path)
        wait_for_app(pg)
        pg.locator("[data-testid='stMain'] h1").first.wait_for()
        drawn(pg)
        pg.mouse.move(1, 1)
        OUT.mkdir(parents=True, exist_ok=True)
        shot = OUT / f"{slug(name)}-{size}.png"
        whole_page(pg, SIZES[size]["viewport"], shot)
        shots.append(shot)
        print(shot.relative_to(ARTIFACTS.parent))
    context.close()
    return shots


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running app (default: start one)")
    parser.add_argument("--pages", nargs="*", default=list(PAGES), choices=list(PAGES))
    parser.add_argument("--sizes", nargs="*", default=list(SIZES), choices=list(SIZES))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = nullcontext(None) if args.url else running_app(Path(tmp))
        with server as started, sync_playwright() as p:
            url = args.url or started.url
            browser = launch_chromium(p)
            for size in args.sizes:
                shoot(browser, url, size, args.pages)
            browser.close()


if __name__ == "__main__":
    main()
