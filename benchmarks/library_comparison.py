"""Benchmark, not a test: the Libraries page's side-by-side runs on full MNIST.

Trains the configured network in mlp_core, scikit-learn and PyTorch (when installed)
exactly as the page does (mlp_compare.runs.Comparison: same first weights, same
minibatch order, one thread each), then prints per library the seconds per epoch
(median), its ratio to mlp_core's in the same run, the validation and test accuracy,
and the one-step differences of the proof for every activation with L2 off and on.

    MNIST_DIR=../shared/data/mnist python benchmarks/library_comparison.py [--epochs 5]
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mlp_compare import conversions as cv  # noqa: E402
from mlp_compare import one_step  # noqa: E402
from mlp_compare.runs import Comparison, seconds_per_epoch  # noqa: E402
from mlp_core.config import TrainConfig  # noqa: E402
from mlp_core.data import prepare
from mlp_core.mnist import load_mnist  # noqa: E402
from mlp_core.training import new_model  # noqa: E402


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--activation", default="relu")
    return parser.parse_args()


def runs(config: TrainConfig, data) -> None:
    libraries = ("scikit-learn", "PyTorch") if cv.torch_available() else ("scikit-learn",)
    found = Comparison.start(config, data, libraries)
    while not found.finished:
        found.step(0.5)
    base = seconds_per_epoch(found.runs["mlp_core"].history)
    print(f"{config.epochs} epochs of {data.source}, {len(data.y_train):,} training digits")
    for name, run in found.runs.items():
        spe = seconds_per_epoch(run.history)
        test = run.accuracy(data.X_test, data.y_test)
        valid = run.history.epochs[-1].valid_acc
        print(
            f"  {name:13s} {spe:.3f} s/epoch ({spe / base:.2f} x mlp_core)  "
            f"validation {valid:.2%}  test {test:.2%} ({len(data.y_test):,} test digits)"
        )


def steps(data) -> None:
    print("one SGD step on the first 100 training digits, largest difference from mlp_core:")
    for activation in ("sigmoid", "tanh", "relu"):
        for l2 in (0.0, 0.01):
            config = TrainConfig(activation=activation, l2=l2)
            X, y = np.array(data.X_train[:100]), np.array(data.y_train[:100])
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                found = one_step.compare(new_model(config), X, y, config)
            text = ", ".join(f"{r.library} {r.max_diff:.1e}" for r in found)
            print(f"  {activation:7s} L2 {l2:<4g}: {text} (allowed {found[0].tolerance:.1e})")


def main() -> None:
    args = _parse()
    data = prepare(load_mnist(download=False), scaling="01")
    runs(TrainConfig(epochs=args.epochs, activation=args.activation), data)
    steps(data)


if __name__ == "__main__":
    main()
