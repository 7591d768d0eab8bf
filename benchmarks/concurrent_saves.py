"""Benchmark, not a test: a class saving at once. N students (30) each save a run at the
same moment, as when a teacher's "now press Start" ends in thirty runs finishing
together, and every save's time to acknowledge is measured: from the call to
`mlp_store.save_run` to its commit returning (what the Train page waits for before it
says the run is saved).

Set-ups, each measured in the same invocation:
- `sqlite`: one server (one process, a thread per session, as Streamlit runs sessions)
  on the default SQLite file (WAL);
- `postgres`: three replicas (three processes, N/3 sessions each) on one PostgreSQL
  (a throwaway cluster from deploy/postgres.sh, or --postgres-url);
- `postgres-1`: one server on that PostgreSQL, to separate the database from the split.

The saved run is a real one: a 784-100-10 network trained 9 epochs and a few minibatches
on the offline sample (its model file as the app saves it while training, uncompressed,
its history with the sub-epoch points, and its training checkpoint: momentum and the
epoch's first weights, ~0.96 MB in all). Each session saves it `--waves` times at once: the
first wave inserts the run, the later ones update it (as the saves after each slice
do). Printed: median, p95 and max per set-up, the saved bytes, the load average before
and after (the machine is shared: read every figure beside it).

    python benchmarks/concurrent_saves.py                     # 30 sessions, 5 waves
    python benchmarks/concurrent_saves.py --sessions 30 --waves 3 --setups sqlite
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mlp_core.config import TrainConfig  # noqa: E402
from mlp_core.data import prepare  # noqa: E402
from mlp_core.mnist import load_mnist  # noqa: E402
from mlp_core.serialize import SavedModel, checkpoint_to_bytes, model_to_bytes  # noqa: E402
from mlp_core.training import Trainer  # noqa: E402

SETUPS = {"sqlite": 1, "postgres": 3, "postgres-1": 1}  # set-up -> server processes


def a_real_run():
    """The record the app saves of a real run in its tenth epoch, mid-way: model file
    bytes, history dict, settings and the training checkpoint (momentum, the epoch's
    first weights), as every save while a run trains carries it."""
    import mlp_store as ms

    config = TrainConfig(epochs=10, n_train=2000)
    data = prepare(load_mnist(download=False), n_train=config.n_train)
    trainer = Trainer(config, data)
    while trainer.epoch < 9:
        trainer.train_epoch()
    trainer.step(max_batches=10)  # mid-epoch
    history = trainer.history
    blob = model_to_bytes(SavedModel(trainer.model, config, {}), compressed=False)
    record = ms.RunRecord(
        name="784-100-10 relu lr 0.1",
        status=history.status.value,
        history=history.to_dict(),
        model=blob,
        settings=config.to_dict(),
        provenance={"source": "benchmarks/concurrent_saves.py"},
        backend="plain",
        seconds=float(sum(e.seconds for e in history.epochs)),
        checkpoint=checkpoint_to_bytes(trainer.checkpoint()),
    )
    return record


def server(url: str, sessions: int, waves: int, barrier, results, record) -> None:
    """One server process: `sessions` threads, each saving `record` at every wave."""
    import mlp_store as ms

    store = ms.open_store(url)
    students = [ms.identity_for(store, ms.new_secret(), create=True) for _ in range(sessions)]
    times: list[tuple[int, float]] = []
    lock = threading.Lock()

    def student(who) -> None:
        run_id = None
        for wave in range(waves):
            barrier.wait()
            start = time.perf_counter()
            saved = ms.save_run(store, who, record, run_id)
            took = time.perf_counter() - start
            run_id = saved.run.id
            with lock:
                times.append((wave, took))

    threads = [threading.Thread(target=student, args=(who,)) for who in students]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results.put(times)
    store.close()


def measure(url: str, processes: int, sessions: int, waves: int, record) -> list[float]:
    """Every save's seconds to acknowledge, `sessions` sessions over `processes` servers."""
    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(sessions), ctx.Queue()
    import mlp_store as ms

    ms.open_store(url).close()  # migrated once, before the clock matters
    ms.close_stores()
    shares = [sessions // processes + (i < sessions % processes) for i in range(processes)]
    workers = [
        ctx.Process(target=server, args=(url, n, waves, barrier, results, record)) for n in shares
    ]
    for w in workers:
        w.start()
    times = [took for _ in workers for _, took in results.get(timeout=600)]
    for w in workers:
        w.join(60)
    return times


def summary(times: list[float]) -> str:
    ms_ = sorted(t * 1000 for t in times)
    p95 = ms_[min(len(ms_) - 1, round(0.95 * (len(ms_) - 1)))]
    return (
        f"median {statistics.median(ms_):7.1f} ms   p95 {p95:7.1f} ms   "
        f"max {ms_[-1]:7.1f} ms   ({len(ms_)} saves)"
    )


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


POSTGRES = ROOT / "deploy" / "postgres.sh"


def start_postgres(folder: Path) -> str:
    started = subprocess.run(
        ["sh", str(POSTGRES), "start", str(folder)], capture_output=True, text=True, check=True
    )
    return started.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--waves", type=int, default=5)
    parser.add_argument("--setups", nargs="+", choices=list(SETUPS), default=list(SETUPS))
    parser.add_argument("--postgres-url", help="an existing database (else a throwaway one)")
    args = parser.parse_args()
    if not 1 <= args.sessions <= 300 or not 1 <= args.waves <= 50:
        parser.error("--sessions must be 1..300 and --waves 1..50")
    record = a_real_run()
    size = len(record.model) + len(record.checkpoint or b"")
    print(f"{args.sessions} sessions, {args.waves} waves; a save is {size:,} bytes")
    print(f"  of model file and training checkpoint plus its history; cores: {os.cpu_count()}")
    with tempfile.TemporaryDirectory(prefix="mlp-saves-") as tmp:
        pg_folder, pg_url = Path(tmp) / "pg", args.postgres_url
        try:
            for setup in args.setups:
                if setup == "sqlite":
                    url = f"sqlite:///{Path(tmp) / 'lab.sqlite3'}"
                else:
                    pg_url = pg_url or start_postgres(pg_folder)
                    url = pg_url
                before = loadavg()
                times = measure(url, SETUPS[setup], args.sessions, args.waves, record)
                print(f"{setup:10s} {SETUPS[setup]} server(s): {summary(times)}")
                print(f"{'':10s} load average before {before}, after {loadavg()}")
        finally:
            if not args.postgres_url and (pg_folder / "url").exists():
                subprocess.run(["sh", str(POSTGRES), "remove", str(pg_folder)])


if __name__ == "__main__":
    main()
