"""What saving a training run after every slice costs, on SQLite (the default).

One run of the app's default network (784-100-10, float32, momentum 0.9) trains on
MNIST-shaped random digits in slices of `--batches` minibatches, one process alone, as
the Train page does for one student. Each slice is followed by the page's save: the
run's record (model file, history, and since issue 23 the training checkpoint:
momentum, place in the epoch, the epoch's first weights) written with
`mlp_store.save_run` to a SQLite file in WAL mode. Prints the median time of a slice,
of building the record and of the save, and the save's share of the slice.

    python benchmarks/save_per_slice.py --slices 40
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import mlp_store as ms  # noqa: E402
from mlp_core.config import TrainConfig  # noqa: E402
from mlp_core.serialize import SavedModel, checkpoint_to_bytes, model_to_bytes  # noqa: E402
from mlp_core.training import Trainer  # noqa: E402
from tests.splits import Split  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slices", type=int, default=40)
    parser.add_argument("--batches", type=int, default=30, help="minibatches a slice")
    parser.add_argument("--checkpoint", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    X = rng.random((12_000, 784), dtype=np.float32)
    y = rng.integers(0, 10, 12_000)
    data = Split(X[:10_000], y[:10_000], X[10_000:], y[10_000:])
    config = TrainConfig(n_train=10_000, momentum=0.9, epochs=50)
    trainer = Trainer(config, data)
    with tempfile.TemporaryDirectory() as folder:
        store = ms.open_store(f"sqlite:///{Path(folder) / 'lab.sqlite3'}")
        who = ms.identity_for(store, ms.new_secret(), create=True)
        run_id, slices, records, saves, sizes = None, [], [], [], []
        for _ in range(args.slices):
            t0 = time.perf_counter()
            trainer.step(max_batches=args.batches)
            t1 = time.perf_counter()
            record = ms.RunRecord(
                name="bench",
                status=trainer.history.status.value,
                history=trainer.history.to_dict(),
                model=model_to_bytes(SavedModel(trainer.model, config), compressed=False),
                settings=config.to_dict(),
                checkpoint=checkpoint_to_bytes(trainer.checkpoint()) if args.checkpoint else None,
            )
            t2 = time.perf_counter()
            run_id = ms.save_run(store, who, record, run_id).run.id
            t3 = time.perf_counter()
            slices.append(t1 - t0)
            records.append(t2 - t1)
            saves.append(t3 - t2)
            sizes.append(len(record.model) + len(record.checkpoint or b""))
        ms.close_stores()
    med = statistics.median
    print(f"slices: {args.slices} of {args.batches} minibatches, checkpoint {args.checkpoint}")
    print(f"bytes saved per slice: {med(sizes):,.0f}")
    print(f"slice  median {med(slices) * 1e3:7.1f} ms")
    print(f"record median {med(records) * 1e3:7.1f} ms")
    print(f"save   median {med(saves) * 1e3:7.1f} ms, p95 {np.percentile(saves, 95) * 1e3:.1f} ms")
    share = (med(records) + med(saves)) / med(slices)
    print(f"record + save / slice: {share:.2f}")


if __name__ == "__main__":
    main()
