"""Benchmark, not a test: how fast the Playground trains and redraws.

Server side (no Streamlit), for 2-8-8-1 and for six hidden layers of eight, tanh, on the
spiral (x1, x2 in):

- step: one epoch (a pass over 500 training points in minibatches of 10), and one
  minibatch alone (mlp_core.playground.sgd_step);
- redraw: everything the live fragment computes per frame: every unit over a 61 x 61
  mesh (one forward pass), the network picture (PNG) and the output picture (PNG); and
  the network as the clickable chart shown when paused (figure to JSON).

Browser: a real server on 127.0.0.1 and Debian's Chromium; the page opened with the
network in the URL, Play pressed, then for 10 s the frames actually shown are counted
(distinct epoch counter values, and distinct output images), with the time the page's
main thread spent in long tasks, and the server process's CPU time. The target is at
least 5 redraws a second. The machine's load average is printed beside: the figures
fall on a busy machine.

    python benchmarks/playground_speed.py [--repeats 30] [--no-browser]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from mlp_core import playground as core  # noqa: E402
from mlp_core.playground_config import PlaygroundConfig  # noqa: E402
from mlp_ui import playground_figures as figures  # noqa: E402
from mlp_ui import playground_view as view  # noqa: E402

NETWORKS = {"2-8-8-1": (8, 8), "2-8x6-1": (8,) * 6}
TARGET_FPS = 5.0
COUNT_FRAMES = """(seconds) => new Promise(done => {
  const epochs = new Set(), images = new Set(); let long = 0;
  new PerformanceObserver(list => list.getEntries().forEach(e => long += e.duration))
    .observe({entryTypes: ['longtask']});
  const t0 = performance.now();
  function tick() {
    const m = document.querySelector("[data-testid='stMetricValue']");
    if (m) epochs.add(m.textContent);
    document.querySelectorAll("[data-testid='stImage'] img").forEach(i => images.add(i.src));
    if (performance.now() - t0 < seconds * 1000) requestAnimationFrame(tick);
    else done([epochs.size, images.size, long]);
  }
  requestAnimationFrame(tick);
})"""


def _parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=30, help="timed repeats per measurement")
    p.add_argument("--no-browser", action="store_true", help="server-side figures only")
    return p.parse_args()


def _ms(fn, repeats: int) -> float:
    """Median wall time of fn() in milliseconds, after one warm-up call."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def _run(hidden: tuple[int, ...]) -> core.PlaygroundRun:
    """A spiral run with 500 training points (train share 50 % of 1000)."""
    config = PlaygroundConfig(dataset="spiral", hidden=hidden, n_points=1000, train_pct=50)
    run = core.PlaygroundRun(config, core.make_points("spiral", 1000, 0, 1))
    run.train(20)
    return run


def _redraw(run: core.PlaygroundRun) -> figures.NetworkPicture:
    """What the live fragment computes per frame."""
    grids = run.grids(view.GRID)
    tiles = [g[:, :: view.TILE_EVERY, :: view.TILE_EVERY] for g in grids]
    picture = figures.network_picture(tiles, run.model.W, "tanh", "sigmoid")
    figures.boundary_picture(grids[-1][0], (run.X_train, run.y_train), None, run.task)
    return picture


def _server_times(run: core.PlaygroundRun, repeats: int) -> tuple[float, ...]:
    """Median ms of an epoch, a minibatch, a redraw, and the paused network chart."""
    rng = np.random.default_rng(0)
    epoch = _ms(
        lambda: core.train_epoch(run.model, run.F_train, run.Y_train, run.config, rng), repeats
    )
    opt = core.SGD(run.model.W, run.model.b, run.config.lr)
    X, Y = run.F_train[:10], run.Y_train[:10]
    batch = _ms(lambda: core.sgd_step(run.model, opt, X, Y), repeats * 10)
    redraw = _ms(lambda: _redraw(run), repeats)
    picture, names = _redraw(run), view.unit_names(run)
    chart = _ms(lambda: figures.network_figure(picture, names).to_json(), repeats)
    return epoch, batch, redraw, chart


def server_side(repeats: int) -> None:
    print("Server side, median of", repeats, "(ms):")
    print(
        f"  {'network':10} {'epoch':>7} {'batch':>7} {'redraw':>7} {'paused chart':>13}"
        f" {'frame':>7} {'of 200 ms':>9}"
    )
    for name, hidden in NETWORKS.items():
        epoch, batch, redraw, chart = _server_times(_run(hidden), repeats)
        frame = view.TRAIN_SECONDS * 1000 + redraw
        print(
            f"  {name:10} {epoch:7.2f} {batch:7.3f} {redraw:7.1f} {chart:13.1f}"
            f" {frame:7.1f} {frame / 200:9.2f}"
        )
    print(
        f"  (frame = the training budget per redraw, {view.TRAIN_SECONDS * 1000:.0f} ms, "
        "plus the redraw; 200 ms is the 5-a-second budget)"
    )


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def browser(seconds: float = 10.0) -> None:
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import wait_for_app
    from tests.e2e.server import CHROMIUM, launch_chromium, running_app

    if not CHROMIUM.exists():
        print(f"No Chromium at {CHROMIUM}: browser part skipped")
        return
    print(f"Browser (Chromium, {seconds:.0f} s of play):")
    with running_app(Path(tempfile.mkdtemp())) as server, sync_playwright() as p:
        b = launch_chromium(p)
        page = b.new_page(viewport={"width": 1400, "height": 1400})
        page.goto(server.url)
        wait_for_app(page)
        for name, hidden in NETWORKS.items():
            layers = ",".join(map(str, hidden))
            page.goto(f"{server.url}/playground?data=spiral&layers={layers}")
            wait_for_app(page)
            page.get_by_role("button", name="Play").click()
            page.wait_for_timeout(1500)
            load, cpu = os.getloadavg()[0], _cpu_seconds(server.pid)
            epochs, images, long_ms = page.evaluate(COUNT_FRAMES, seconds)
            server_cpu = (_cpu_seconds(server.pid) - cpu) / seconds
            page.get_by_role("button", name="Pause").click()
            fps = epochs / seconds
            print(
                f"  {name:10} {epochs:4d} frames shown ({fps:.1f}/s, {fps / TARGET_FPS:.2f} of "
                f"the target), {images} distinct output images, main thread busy "
                f"{long_ms / 1000 / seconds:.0%} in long tasks; the server used "
                f"{server_cpu:.0%} of a core; load average {load:.1f} on {os.cpu_count()} CPUs"
            )
        b.close()


def main() -> None:
    args = _parse()
    server_side(args.repeats)
    if not args.no_browser:
        browser()


if __name__ == "__main__":
    main()
