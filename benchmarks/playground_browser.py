"""Benchmark, not a test: how many Playground frames a real browser draws a second.

A real server of this checkout (serve.py, on 127.0.0.1) and Debian's headless Chromium
(Playwright): the Playground at the spiral with three layers of eight, Play pressed,
then for `--seconds`: the frames the live channel brought (binary messages on the
page's WebSocket to /api/playground/frames), the frames the component drew with new
weights (its `data-live-draws` counter: a frame counts once the network, the plane,
every unit's picture and the curves were drawn from it), and the browser's own
requestAnimationFrame callbacks (the screen's pace, the most it can show), and the
same count on a bare page in the same browser before and after (the pace headless
Chromium keeps here with nothing to draw). `--profile`: where the page's main thread
spends its time while playing (Chrome's sampling profiler, self time). The
component draws the newest frame at the next animation frame and acks every frame it
replaced, so frames received may exceed frames drawn; a draw is never counted without
new weights. The machine's load average is printed with the figures: the browser runs
on the server's two cores here, which a class's browsers would not.

    python benchmarks/playground_browser.py [--seconds 15] [--link data=spiral&layers=8,8,8]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.e2e import server  # noqa: E402
from tests.e2e.playground_page import TALL, open_playground  # noqa: E402

LINK = "data=spiral&layers=8,8,8"
PATH = "/api/playground/frames"
COUNT_RAF = """() => { window.__raf = 0; const tick = () => { window.__raf += 1;
  requestAnimationFrame(tick); }; requestAnimationFrame(tick); }"""
DRAWS = """() => { const el = [...document.querySelectorAll('*')].map((e) => e.shadowRoot)
  .filter(Boolean).map((r) => r.querySelector('.pg')).find(Boolean);
  return el ? Number(el.dataset.liveDraws ?? 0) : -1; }"""


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def bare_raf(browser, seconds: float) -> float:
    """Animation frames a second on a page with nothing on it, in `browser`: the pace
    this headless browser keeps on this machine when nothing is drawn."""
    page = browser.new_page(viewport=TALL)
    page.set_content("<!doctype html><title>bare</title><p>nothing drawn here</p>")
    page.evaluate(COUNT_RAF)
    page.wait_for_timeout(500)
    r0, t0 = page.evaluate("window.__raf"), time.monotonic()
    page.wait_for_timeout(seconds * 1000)
    rate = (page.evaluate("window.__raf") - r0) / (time.monotonic() - t0)
    page.close()
    return rate


def profile(page, seconds: float) -> list[tuple[float, str]]:
    """The page's main thread over `seconds` (Chrome's sampling profiler): the share of
    the time in each function (self time), the largest first."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Profiler.enable")
    cdp.send("Profiler.start")
    page.wait_for_timeout(seconds * 1000)
    prof = cdp.send("Profiler.stop")["profile"]
    nodes = {n["id"]: n for n in prof["nodes"]}
    steps = dict.fromkeys(nodes, 0.0)
    for sample, dt in zip(prof["samples"], prof["timeDeltas"], strict=True):
        steps[sample] += dt
    total = sum(steps.values()) or 1.0
    by_name: dict[str, float] = {}
    for i, t in steps.items():
        f = nodes[i]["callFrame"]
        where = f"{f['url'].rsplit('/', 1)[-1]}:{f['lineNumber']}"
        name = f"{f['functionName'] or '(anonymous)'} {where}"
        by_name[name] = by_name.get(name, 0.0) + t
    return sorted(((t / total, n) for n, t in by_name.items()), reverse=True)


def measure(url: str, seconds: float, link: str, profiled: bool = False) -> dict:
    received = [0]

    def opened(ws) -> None:
        if urlparse(ws.url).path == PATH:
            ws.on("framereceived", lambda p: received.__setitem__(0, received[0] + 1))

    with sync_playwright() as pw:
        browser = server.launch_chromium(pw)
        bare_before = bare_raf(browser, min(seconds, 5.0))
        page = browser.new_page(viewport=TALL)
        page.set_default_timeout(60_000)
        page.on("websocket", opened)
        open_playground(page, url, "/playground?" + link)
        page.get_by_role("button", name="Play").click()
        page.wait_for_function(f"({DRAWS})() > 10")
        page.evaluate(COUNT_RAF)
        page.wait_for_timeout(1000)
        d0, r0, f0 = page.evaluate(DRAWS), page.evaluate("window.__raf"), received[0]
        t0 = time.monotonic()
        page.wait_for_timeout(seconds * 1000)  # events are handed over inside this call
        d1, r1, f1 = page.evaluate(DRAWS), page.evaluate("window.__raf"), received[0]
        dt = time.monotonic() - t0
        top = profile(page, min(seconds, 5.0)) if profiled else []
        page.get_by_role("button", name="Pause").click()
        bare_after = bare_raf(browser, min(seconds, 5.0))
        browser.close()
    return {
        "drawn": (d1 - d0) / dt,
        "received": (f1 - f0) / dt,
        "raf": (r1 - r0) / dt,
        "bare": (bare_before, bare_after),
        "profile": top,
        "load": load(),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=15.0)
    p.add_argument("--link", default=LINK)
    p.add_argument("--profile", action="store_true", help="print where the page's time goes")
    args = p.parse_args()
    work = Path(tempfile.mkdtemp(prefix="pg_browser_"))
    env = {**os.environ, "MLP_LAB_CACHE": str(work / "cache")}
    proc, url = server.start_app(ROOT, work / "streamlit.log", env)
    try:
        r = measure(url, args.seconds, args.link, args.profile)
    finally:
        server.stop(proc)
    print(
        f"one session, {args.link}, {args.seconds:g} s: frames received {r['received']:.1f}/s, "
        f"drawn {r['drawn']:.1f}/s, animation frames {r['raf']:.1f}/s; a bare page in the "
        f"same browser: {r['bare'][0]:.1f} / {r['bare'][1]:.1f} animation frames/s (before "
        f"/ after) (load {r['load']})"
    )
    for share, name in r["profile"][:25]:
        print(f"  {100 * share:5.1f} %  {name}")


if __name__ == "__main__":
    main()
