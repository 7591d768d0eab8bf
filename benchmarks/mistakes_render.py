"""Benchmark, not a test: how long the Mistakes page takes to render, with a real server.

A `streamlit run app.py` on 127.0.0.1 (full MNIST when shared/data/mnist or MNIST_DIR is
there) driven by headless Chromium, with the pretrained default model:

- cold: the first visit after the server started: MNIST is read and scaled, the model
  classifies the 10,000 test digits, the page is drawn;
- page switch: Draw -> Mistakes again, caches warm (what "after the model is chosen"
  costs once its predictions are cached);
- filter: choosing a true class in the gallery's menu (one rerun of the page);
- predict: in this process, classifying the test digits once (what a newly trained
  model costs the first time the page sees it).

Times run from the click until the gallery shows the new digits and Streamlit reports
the script finished; medians and maxima are printed.

    python benchmarks/mistakes_render.py [--repeats 8]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.e2e.server import launch_chromium, running_app  # noqa: E402

DONE = "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"


def _settled(page) -> None:
    page.wait_for_function(DONE, timeout=120_000)


def _to_mistakes(page) -> float:
    """Click Mistakes in the menu; seconds until its gallery is drawn and the run ended."""
    start = time.perf_counter()
    page.get_by_role("link", name="Mistakes", exact=True).click()
    page.locator(".st-key-mistakes_gallery .main-svg").first.wait_for(timeout=120_000)
    _settled(page)
    return time.perf_counter() - start


def _filter(page, value: str) -> float:
    """Choose a true class; seconds until every gallery title shows that class."""
    start = time.perf_counter()
    page.locator(".st-key-mistakes_true").click()
    page.get_by_role("option", name=value, exact=True).click()
    page.wait_for_function(
        "(v) => { const t = [...document.querySelectorAll("
        "'.st-key-mistakes_gallery .annotation-text')].map(e => e.textContent);"
        " return t.length > 0 && t.every(s => s.startsWith(`a ${v},`)); }",
        arg=value,
        timeout=60_000,
    )
    _settled(page)
    return time.perf_counter() - start


def _predict_seconds() -> float:
    from mlp_core.data import prepare
    from mlp_core.mnist import load_mnist
    from mlp_core.serialize import load_model
    from mlp_ui.mistakes_select import predict_all

    saved = load_model(ROOT / "assets" / "default_model.npz")
    data = prepare(load_mnist(download=False), scaling=saved.config.scaling)
    times = []
    for _ in range(5):
        start = time.perf_counter()
        predict_all(saved.model, data.X_test, data.y_test)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _report(name: str, seconds: list[float]) -> None:
    print(f"{name:>12}: median {statistics.median(seconds):.3f} s   max {max(seconds):.3f} s"
          f"   (n={len(seconds)})")  # fmt: skip


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=8)
    args = p.parse_args()
    from playwright.sync_api import sync_playwright

    with (
        tempfile.TemporaryDirectory() as workdir,
        running_app(Path(workdir)) as server,
        sync_playwright() as pw,
    ):
        browser = launch_chromium(pw)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(server.url)
        _settled(page)
        cold = _to_mistakes(page)
        switch, filters = [], []
        for i in range(args.repeats):
            page.get_by_role("link", name="Draw", exact=True).click()
            page.get_by_text("Pen width").wait_for()
            _settled(page)
            switch.append(_to_mistakes(page))
            filters.append(_filter(page, str(i % 10)))
        browser.close()
    print(f"{'cold':>12}: {cold:.3f} s (first visit: data loaded, 10,000 digits classified)")
    _report("page switch", switch)
    _report("filter", filters)
    print(f"{'predict':>12}: {_predict_seconds():.3f} s (10,000 test digits, in-process)")


if __name__ == "__main__":
    main()
