"""What mlp_core's textbook sigmoid and softmax cost against mlp_fast's faster forms.

    MNIST_DIR=... python benchmarks/plain_forms.py [ROUNDS]

The plain step (`PlainStep`, one BLAS thread) trains 784-100-10 sigmoid, softmax +
cross-entropy, batch 100, lr 0.1, on the book's 55,000 digits, twice: once with
mlp_core's own functions, once with mlp_fast.layers' sigmoid and softmax put in their
place in the tables. The two runs take turns epoch by epoch (the order alternating), so
load from elsewhere hits both alike; the first round is a warm-up. Prints wall and CPU
seconds per epoch (CPU time says more on a loaded machine) and the load average.
"""

from __future__ import annotations

import dataclasses
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mlp_core import activations, losses  # noqa: E402
from mlp_core.config import TrainConfig  # noqa: E402
from mlp_core.data import prepare  # noqa: E402
from mlp_core.mnist import load_mnist  # noqa: E402
from mlp_core.training import PlainStep, Trainer  # noqa: E402
from mlp_fast import layers  # noqa: E402
from mlp_fast.threads import one_blas_thread  # noqa: E402

TEXTBOOK = (activations.ACTIVATIONS["sigmoid"], losses.LOSSES["softmax_ce"])
FASTER = (
    dataclasses.replace(TEXTBOOK[0], forward=layers.sigmoid),
    dataclasses.replace(TEXTBOOK[1], output=layers.softmax),
)
FORMS = {"textbook": TEXTBOOK, "faster": FASTER}


def main(rounds: int) -> None:
    data = prepare(load_mnist(download=False), scaling="01")
    config = TrainConfig(hidden=100, activation="sigmoid", loss="softmax_ce", lr=0.1,
                         momentum=0.0, batch_size=100, epochs=rounds + 1, seed=1,
                         n_train=len(data.X_train), init="xavier")  # fmt: skip
    trainers = {name: Trainer(config, data, backend=PlainStep()) for name in FORMS}
    wall: dict[str, list[float]] = {name: [] for name in FORMS}
    cpu: dict[str, list[float]] = {name: [] for name in FORMS}
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    with one_blas_thread():
        for r in range(rounds + 1):
            for name in list(FORMS)[:: 1 if r % 2 else -1]:
                activations.ACTIVATIONS["sigmoid"], losses.LOSSES["softmax_ce"] = FORMS[name]
                t0, c0 = time.perf_counter(), time.process_time()
                trainers[name].train_epoch()
                if r:  # the first round warms up
                    wall[name].append(time.perf_counter() - t0)
                    cpu[name].append(time.process_time() - c0)
    activations.ACTIVATIONS["sigmoid"], losses.LOSSES["softmax_ce"] = TEXTBOOK
    for name in FORMS:
        w, c = wall[name], cpu[name]
        acc = trainers[name].history.epochs[-1].valid_acc
        print(f"{name:8s} wall {statistics.median(w):.3f} s/epoch ({min(w):.3f}-{max(w):.3f}), "
              f"CPU {statistics.median(c):.3f} ({min(c):.3f}-{max(c):.3f}), "
              f"valid acc {acc:.2%} on the 5,000 validation digits")  # fmt: skip
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
