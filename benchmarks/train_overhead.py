"""Benchmark, not a test: what the Train page's live updates cost, as a share of training.

The same run is trained two ways:

- core: `Trainer(config, data).run()` in a fresh process, as `python -m mlp_lab train`
  does (the data is loaded and BLAS warmed up before the clock starts);
- page: a real `streamlit run app.py` on 127.0.0.1 driven by headless Chromium: open the
  Train page with the settings in its URL, click Start, stop the clock when the page
  says "Run #1 finished". This includes everything a user waits for: the Start
  callback, the half-second training slices, the redraws of the curves and the progress
  bar, the websocket, and Chromium drawing it all on the same machine.

And in-process, with AppTest (no websocket, no browser): the page script's own time in
`Trainer.step` against its time redrawing (curves and progress bar), which isolates the
cost of the live updates on the server from everything else on the machine.

Figures per pair of runs:

- wall overhead = page wall time / core wall time - 1: what a user feels. On a busy
  machine it mostly measures how much CPU each side happened to get;
- server CPU overhead = CPU seconds of the streamlit process from the click to
  "finished" / CPU seconds of the core run - 1: the work the live page adds on the
  server, nearly independent of load;
- browser CPU: CPU seconds Chromium spent meanwhile, as a share of the core's CPU time.
  It runs on the client; when client and server share a 2-core machine it competes
  with training.

Core and page runs alternate, after one unmeasured warm-up each; medians and spreads
are printed. CPU times come from /proc (Linux).

    python benchmarks/train_overhead.py [--epochs 10] [--repeats 5] [--threads 1]

`--threads N` sets the BLAS thread count for both (OPENBLAS/OMP/MKL_NUM_THREADS). Needs
Debian's Chromium at /usr/bin/chromium (or $CHROMIUM) and the playwright package.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.data_sources import SHARED_MNIST  # noqa: E402
from tests.e2e.conftest import next_frame, wait_for_app  # noqa: E402
from tests.e2e.server import launch_chromium, running_app  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")

CORE = """
import json, sys, time
from mlp_core.config import TrainConfig
from mlp_core.data import prepare
from mlp_core.mnist import load_mnist
from mlp_core.training import Trainer
config = TrainConfig.from_query(json.loads(sys.argv[1]))
data = prepare(load_mnist(download=False), scaling=config.scaling)
Trainer(config.replace(epochs=1, n_train=2000), data).run()  # warm up BLAS and caches
wall, cpu = time.perf_counter(), time.process_time()
history = Trainer(config, data).run()
print(json.dumps({"seconds": time.perf_counter() - wall, "cpu": time.process_time() - cpu,
                  "valid_acc": history.epochs[-1].valid_acc}))
"""


APPTEST = """
import json, sys, time
from streamlit.testing.v1 import AppTest
from mlp_core.training import Trainer
from mlp_ui import train_live as tc

spent = {"step": 0.0, "draw": 0.0}

def timed(fn, key):
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[key] += time.perf_counter() - start
    return wrapper

Trainer.step = timed(Trainer.step, "step")
tc.draw_curves, tc.draw_progress = timed(tc.draw_curves, "draw"), timed(tc.draw_progress, "draw")
query = json.loads(sys.argv[1])
at = AppTest.from_file(sys.argv[2], default_timeout=900)
at.query_params = {**query, "epochs": "1"}
at.run().button(key="train_start").click().run()  # warm-up run
at.number_input(key="train_epochs").set_value(int(query["epochs"])).run()
spent.update(step=0.0, draw=0.0)
wall = time.perf_counter()
at.button(key="train_start").click().run()
wall = time.perf_counter() - wall
assert not at.exception, at.exception
print(json.dumps({"seconds": wall, **spent}))
"""


def _env(threads: int | None, cache: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MLP_LAB_CACHE": cache}
    if "MNIST_DIR" not in env and SHARED_MNIST.is_dir():
        env["MNIST_DIR"] = str(SHARED_MNIST)
    if threads:
        for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[name] = str(threads)
    return env


def cpu_seconds(pids: set[int]) -> float:
    """User + system CPU seconds of these processes so far (those still alive)."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / TICK
    return total


def descendants(root: int) -> set[int]:
    """All processes below `root` (here: the Chromium that Playwright started)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int(
                    (entry / "stat").read_text().rsplit(")", 1)[1].split()[1]
                )
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _is_chromium(pid: int) -> bool:
    try:
        return b"chrom" in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
    except OSError:
        return False


def core_run(query: dict[str, str], env: dict[str, str]) -> dict:
    """One core run in a fresh process: wall and CPU seconds of `Trainer.run()`."""
    out = subprocess.run(
        [sys.executable, "-c", CORE, json.dumps(query)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def apptest_run(query: dict[str, str], env: dict[str, str]) -> dict:
    """One run through the page script in AppTest: wall, step and redraw seconds."""
    cmd = [sys.executable, "-c", APPTEST, json.dumps(query), str(ROOT / "app.py")]
    out = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def page_run(browser, url: str, query: dict[str, str], server: int) -> dict:
    """One run through the page in a fresh session: click Start, wait for 'finished'."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(600_000)
    page.goto(f"{url}/?" + "&".join(f"{k}={v}" for k, v in query.items()))
    page.get_by_text("No run yet").wait_for()
    wait_for_app(page)  # settled: the click is not delayed by a re-render
    next_frame(page)
    start = page.locator(".st-key-train_start").get_by_role("button")
    start.wait_for()
    chromium = {pid for pid in descendants(os.getpid()) if _is_chromium(pid)}
    cpu0, browser0, wall = cpu_seconds({server}), cpu_seconds(chromium), time.perf_counter()
    start.click()
    status = page.get_by_text(re.compile(r"Run #1 finished"))
    status.wait_for()
    result = {
        "seconds": time.perf_counter() - wall,
        "cpu": cpu_seconds({server}) - cpu0,
        "browser_cpu": cpu_seconds(chromium) - browser0,
    }
    context.close()
    return result


def measure(args: argparse.Namespace) -> list[tuple[dict, dict]]:
    from playwright.sync_api import sync_playwright

    query = {"epochs": str(args.epochs), "hidden": str(args.hidden)}
    tmp = Path(tempfile.mkdtemp(prefix="train_overhead_"))
    env = _env(args.threads, str(tmp / "cache"))
    pairs = []
    with running_app(tmp, env) as server, sync_playwright() as p:
        browser = launch_chromium(p)
        page_run(browser, server.url, {**query, "epochs": "1"}, server.pid)  # warm-up
        for i in range(args.repeats):
            core, page = core_run(query, env), page_run(browser, server.url, query, server.pid)
            page["apptest"] = apptest_run(query, env)
            pairs.append((core, page))
            _print_pair(i + 1, core, page)
        browser.close()
    return pairs


def _print_pair(i: int, core: dict, page: dict) -> None:
    inside = page["apptest"]
    print(
        f"  pair {i}: wall core {core['seconds']:.2f} s, page {page['seconds']:.2f} s; "
        f"CPU core {core['cpu']:.2f} s, server {page['cpu']:.2f} s, browser "
        f"{page['browser_cpu']:.2f} s; AppTest: {inside['step']:.2f} s in steps, "
        f"{inside['draw']:.3f} s redrawing, {inside['seconds']:.2f} s in all",
        flush=True,
    )


def _line(name: str, values: list[float], sign: str = "+") -> str:
    median, low, high = statistics.median(values), min(values), max(values)
    return f"{name:<22} median {median:{sign}7.1%}   (min {low:{sign}.1%}, max {high:{sign}.1%})"


def report(pairs: list[tuple[dict, dict]], args: argparse.Namespace) -> None:
    load = os.getloadavg()[0]
    data = os.environ.get("MNIST_DIR") or (SHARED_MNIST if SHARED_MNIST.is_dir() else "sample")
    print(
        f"\n{args.epochs} epochs of 784-{args.hidden}-10 on {data}; {len(pairs)} pairs; BLAS "
        f"threads: {args.threads or 'default'}; {os.cpu_count()} CPUs, load {load:.1f}"
    )
    wall = [p["seconds"] for _, p in pairs]
    core = [c["seconds"] for c, _ in pairs]
    print(
        f"core wall median {statistics.median(core):.2f} s, page wall median "
        f"{statistics.median(wall):.2f} s"
    )
    print(_line("wall overhead", [p["seconds"] / c["seconds"] - 1 for c, p in pairs]))
    print(_line("server CPU overhead", [p["cpu"] / c["cpu"] - 1 for c, p in pairs]))
    print(_line("browser CPU / core", [p["browser_cpu"] / c["cpu"] for c, p in pairs], "-"))
    inside = [p["apptest"] for _, p in pairs]
    print(_line("redraws / steps", [a["draw"] / a["step"] for a in inside]))
    print(
        _line(
            "AppTest page / core",
            [a["seconds"] / c["seconds"] - 1 for a, (c, _) in zip(inside, pairs, strict=True)],
        )
    )
    print("target: page overhead under +10 %")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--hidden", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None, help="BLAS threads (default: as is)")
    args = parser.parse_args()
    report(measure(args), args)


if __name__ == "__main__":
    main()
