"""Benchmark, not a test: how long the Draw page's server takes to answer one drawing.

What the server does after each stroke, timed step by step on drawings of the digits in
tests/e2e/strokes.py (rendered at 280x280 like the canvas, pen width 20):

- decode: the canvas arrives as a PNG (the component's `image_data`); decode to RGBA;
- preprocess: grey levels, crop to the ink, 20x20 box, centre of mass (mlp_digits);
- predict: the forward pass with every layer's activations (mlp_ui.draw_view.analyse
  minus preprocessing), on the pretrained default model;
- charts: the three charts the page draws with the answer (probability bars, what the
  network sees, the hidden units), built, styled for the screen (classroom.chart) and
  turned into JSON as st.plotly_chart does: most of the server's work for an answer
  (timed on fewer repeats: --chart-repeats).

Prints median and 95th percentile per step and for the total; the target is under
20 ms for preprocessing plus prediction.

With --browser, the whole way as a student sees it: a real server on 127.0.0.1 and
Debian's Chromium draw the digits with the mouse, and the time from each stroke's
mouse-up to the page's answer changing (the "... sure" line of the answer block under
the prediction) is read in the page (performance.now at the pointerup, and at the DOM
change). With --load N, N websocket sessions play the Playground on the same server
meanwhile (as benchmarks/playground_speed.py's sessions do, through the live channel
when the app has it: a class at work). Targets: 150 ms median
idle, 300 ms p95 under a class's load. The load average is printed with the figures.
The pad also sends the picture while the pen moves (every 250 ms at most): a long stroke
may have its answer on the page before the lift, and then nothing changes after it.

    python benchmarks/draw_latency.py [--repeats 300] [--threads 1]
    python benchmarks/draw_latency.py --browser [--drawings 20] [--load 30] [--rev REV]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=300, help="timed answers per digit shape")
    p.add_argument("--threads", type=int, default=0, help="BLAS threads (0: library default)")
    p.add_argument("--chart-repeats", type=int, default=20, help="timed charts per digit")
    p.add_argument("--browser", action="store_true", help="mouse-up to answer in Chromium")
    p.add_argument("--drawings", type=int, default=20, help="digits drawn (--browser)")
    p.add_argument("--load", type=int, default=0, help="Playground sessions playing meanwhile")
    p.add_argument("--rev", default="", help="git revision of the app to run (--browser)")
    return p.parse_args()


PAD = "canvas.draw-pad, canvas.upper-canvas"
"""The drawing surface: our pad, or (revisions before it) the drawable canvas's."""
WATCH = """() => {
  window.__up = 0; window.__answer = 0; window.__text = '';
  document.addEventListener('pointerup', () => { window.__up = performance.now(); }, true);
  const read = () => {
    // how sure and the runner-up: our answer block, or (revisions before it) the metric's
    const e = document.querySelector('.mlp-answer-sure, .st-key-draw_confidence');
    return e ? e.innerText : '';
  };
  new MutationObserver(() => {
    const t = read();
    if (t !== window.__text) { window.__text = t; window.__answer = performance.now(); }
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


def _class_load(url: str, n: int, stop) -> None:
    """N Playground sessions playing until `stop` is set (run in its own thread)."""
    import asyncio

    from benchmarks.playground_speed import opened

    async def run() -> None:
        players = await opened(url, n)
        done = asyncio.Event()
        tasks = [asyncio.create_task(p.play(done)) for p in players]
        await asyncio.to_thread(stop.wait)  # until the drawings are done
        done.set()
        await asyncio.wait(tasks, timeout=30)
        for p in players:
            await p.close()

    asyncio.run(run())


def browser(args: argparse.Namespace) -> None:
    import tempfile
    import threading

    from playwright.sync_api import sync_playwright

    from benchmarks.playground_speed import load, start_server
    from tests.e2e import server
    from tests.e2e.conftest import settled_box, wait_for_app
    from tests.e2e.server import app_at, launch_chromium
    from tests.e2e.strokes import DIGITS, mouse_stroke

    work = Path(tempfile.mkdtemp(prefix="draw_latency_"))
    proc, url = start_server(app_at(args.rev, work), "", work / "streamlit.log")
    stop = threading.Event()
    loader = None
    try:
        if args.load:
            loader = threading.Thread(target=_class_load, args=(url, args.load, stop))
            loader.start()
        with sync_playwright() as p:
            b = launch_chromium(p)
            page = b.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url)
            wait_for_app(page)
            page.goto(url + "/draw")
            wait_for_app(page)
            page.locator(PAD).first.wait_for(timeout=60_000)
            page.evaluate(WATCH)
            ms, missed, loads = [], 0, []
            digits = list(DIGITS)
            for i in range(args.drawings):
                if i:
                    page.get_by_role("button", name="Clear").click()
                    wait_for_app(page)
                fresh = page.locator(PAD).first
                fresh.wait_for(timeout=60_000)
                box = settled_box(page, fresh)  # the new canvas, mounted and laid out
                for points in DIGITS[digits[i % len(digits)]]:
                    page.evaluate("() => { window.__up = 0; window.__answer = 0; }")
                    mouse_stroke(page, box, points)
                    try:
                        page.wait_for_function(
                            "() => window.__answer > window.__up", timeout=10_000
                        )
                    except Exception:  # noqa: BLE001 - no answer change: counted, not timed
                        missed += 1
                        continue
                    ms.append(page.evaluate("() => window.__answer - window.__up"))
                    wait_for_app(page)
                loads.append(load())
            b.close()
    finally:
        stop.set()
        if loader is not None:
            loader.join(60)
        server.stop(proc)
    print(
        f"app: {args.rev or 'this checkout'}; {args.load} Playground sessions playing; "
        f"{len(ms)} strokes answered, {missed} without a change after the lift in 10 s (the "
        "answer shown while the pen moved was already the final one, or none came)"
    )
    print(f"mouse-up -> answer: {_percentiles(ms)}   max {max(ms, default=0):.0f} ms")
    print(f"load average during the drawings: first {loads[0]}, last {loads[-1]}")


def _drawings() -> dict[str, bytes]:
    """Each stroke digit as the PNG bytes the canvas would send."""
    from tests.e2e.strokes import DIGITS, png

    return {digit: png(strokes) for digit, strokes in DIGITS.items()}


def _percentiles(ms: list[float]) -> str:
    ms = sorted(ms)
    return f"median {statistics.median(ms):6.2f} ms   p95 {ms[int(0.95 * (len(ms) - 1))]:6.2f} ms"


def main() -> None:
    args = _parse()
    if args.browser:
        sys.path.insert(0, str(ROOT))
        browser(args)
        return
    if args.threads:
        for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[name] = str(args.threads)
    sys.path.insert(0, str(ROOT))
    import numpy as np  # after the BLAS thread count is set
    from PIL import Image

    from mlp_core.serialize import load_model
    from mlp_digits import mnist_like, to_grayscale

    saved = load_model(ROOT / "assets" / "default_model.npz")
    model, scaling = saved.model, saved.config.scaling
    steps: dict[str, list[float]] = {"decode": [], "preprocess": [], "predict": [], "total": []}
    answers = {}
    for digit, png in _drawings().items():
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            rgba = np.asarray(Image.open(io.BytesIO(png)))
            t1 = time.perf_counter()
            X = mnist_like(to_grayscale(rgba)).model_input(scaling)
            t2 = time.perf_counter()
            A = model.forward(X)
            t3 = time.perf_counter()
            for name, dt in zip(steps, (t1 - t0, t2 - t1, t3 - t2, t3 - t0), strict=True):
                steps[name].append(dt * 1000)
        answers[digit] = int(A[-1].argmax())
    print(f"{model!r}, {args.repeats} answers for each of {len(answers)} drawn digits")
    print("drawn -> answered:", ", ".join(f"{d}->{a}" for d, a in answers.items()))
    for name, ms in steps.items():
        print(f"{name:>10}: {_percentiles(ms)}")
    both = [p + q for p, q in zip(steps["preprocess"], steps["predict"], strict=True)]
    print(f"{'prep+pred':>10}: {_percentiles(both)}   (target: under 20 ms)")
    print(f"{'charts':>10}: {_percentiles(_charts(model, scaling, args.chart_repeats))}")


def _charts(model, scaling: str, repeats: int) -> list[float]:
    """Milliseconds to build, style and serialise the Draw page's three charts for one
    answer (what classroom.chart and st.plotly_chart do), per drawn digit."""
    import numpy as np
    import plotly.io as pio
    from PIL import Image

    from mlp_digits import to_grayscale
    from mlp_ui import digit_figures as figs
    from mlp_ui import draw_view
    from mlp_ui.screen_style import SCREENS, style

    ms = []
    for png in _drawings().values():
        rgba = np.asarray(Image.open(io.BytesIO(png)))
        answer = draw_view.analyse(to_grayscale(rgba), model, scaling)
        for _ in range(repeats):
            t = time.perf_counter()
            for fig in (
                figs.probability_bars(answer.proba, answer.predicted, height=280),
                figs.digit_image(answer.digit.image, "", True, 250),
                figs.hidden_activations(answer.hidden, 320, SCREENS[False].text),
            ):
                pio.to_json(style(fig, False).to_dict(), validate=False)
            ms.append(1000 * (time.perf_counter() - t))
    return ms


if __name__ == "__main__":
    main()
