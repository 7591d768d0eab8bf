"""A process that saves runs from many threads at once and says which saves were
acknowledged: `python -m tests.store.saver URL THREADS` prints, for each thread, `SAVING
<thread> <sha256 of the weights>` before a save and `ACK <thread> <run id> <sha256>` once
its transaction has committed, then saves again, forever (tests/store/test_faults.py
kills it with SIGKILL mid-way)."""

from __future__ import annotations

import hashlib
import sys
import threading

import mlp_store as ms
from tests.store.helpers import record

_PRINT = threading.Lock()


def _saver(store: ms.Store, who: ms.Identity, seed: int) -> None:
    run_id = None
    for epochs in range(1, 10**6):
        saved = record(name=f"thread {seed}", seed=seed * 1000 + epochs, epochs=epochs % 20 + 1)
        digest = hashlib.sha256(saved.model).hexdigest()
        with _PRINT:
            print(f"SAVING {seed} {digest}", flush=True)
        run_id = ms.save_run(store, who, saved, run_id).run.id
        with _PRINT:
            print(f"ACK {seed} {run_id} {digest}", flush=True)


def main() -> None:
    url, threads = sys.argv[1], int(sys.argv[2])
    store = ms.open_store(url)
    who = ms.identity_for(store, ms.new_secret(), create=True)
    print(f"IDENTITY {who.id}", flush=True)
    workers = [threading.Thread(target=_saver, args=(store, who, i)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()


if __name__ == "__main__":
    main()
