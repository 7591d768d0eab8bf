"""Benchmark, not a test: how long the Draw page's server takes to answer one drawing.

What the server does after each stroke, timed step by step on drawings of the digits in
tests/e2e/strokes.py (rendered at 280x280 like the canvas, pen width 20):

- decode: the canvas arrives as a PNG (the component's `image_data`); decode to RGBA;
- preprocess: grey levels, crop to the ink, 20x20 box, centre of mass (mlp_digits);
- predict: the forward pass with every layer's activations (mlp_ui.draw_view.analyse
  minus preprocessing), on the pretrained default model.

Prints median and 95th percentile per step and for the total; the target is under
20 ms for preprocessing plus prediction.

    python benchmarks/draw_latency.py [--repeats 300] [--threads 1]
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
    return p.parse_args()


def _drawings() -> dict[str, bytes]:
    """Each stroke digit as the PNG bytes the canvas would send."""
    from PIL import Image, ImageDraw

    from tests.e2e.strokes import DIGITS

    out = {}
    for digit, strokes in DIGITS.items():
        image = Image.new("RGBA", (280, 280), (0, 0, 0, 255))
        pen = ImageDraw.Draw(image)
        for points in strokes:
            pen.line(points, fill=(255, 255, 255, 255), width=20, joint="curve")
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        out[digit] = buffer.getvalue()
    return out


def _percentiles(ms: list[float]) -> str:
    ms = sorted(ms)
    return f"median {statistics.median(ms):6.2f} ms   p95 {ms[int(0.95 * (len(ms) - 1))]:6.2f} ms"


def main() -> None:
    args = _parse()
    if args.threads:
        for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[name] = str(args.threads)
    sys.path.insert(0, str(ROOT))
    import numpy as np
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


if __name__ == "__main__":
    main()
