"""Benchmark, not a test: what N viewers of one class board cost the server.

A real `streamlit run app.py` on 127.0.0.1 (this checkout, or another with `--app`, e.g.
the code before a change) and N board viewers spoken through Streamlit's own websocket
protocol (tests/e2e/st_ws.py): each opens the Board page of one challenge and then does
what a browser tab does with a `st.fragment(run_every=...)`: when the server sends an
`auto_rerun` (interval, fragment id), it asks for that fragment's rerun every interval.
The class (a challenge, STUDENTS students with a submission each) is written straight
into the server's SQLite file before it starts, through mlp_class.api, as the Class page
would write it.

Two phases, each `--seconds` long, the server's CPU read from /proc/PID/stat:
- quiet: nobody submits; the board's periodic checks are all the work;
- submitting: one new submission every SUBMIT_EVERY s (a new student's name): the time
  until each viewer receives that name (its board redrawn by itself) is the update
  latency, and the redraws are in the CPU.

Printed: CPU milliseconds per viewer-second in each phase, the script runs (full or
fragment) the viewers asked for, the update latency median / p95 / max, and the load.

    python benchmarks/board_viewers.py --viewers 3 --seconds 10
    python benchmarks/board_viewers.py --app /tmp/before --viewers 30   # another checkout
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mlp_class.api import ClassStore, NewEntry  # noqa: E402
from mlp_core.challenge import Rules  # noqa: E402
from mlp_store import identity_for, new_secret, open_store  # noqa: E402
from tests.e2e.server import free_port, wait_healthy  # noqa: E402
from tests.e2e.st_ws import Session  # noqa: E402

STUDENTS = 12
SUBMIT_EVERY = 3.0


def _parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--viewers", type=int, default=30)
    p.add_argument("--seconds", type=float, default=20.0, help="length of each phase")
    p.add_argument("--app", type=Path, default=ROOT, help="the checkout whose app runs")
    return p.parse_args()


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# -- the class, written where the server will read it ------------------------------------
def entry(k: int) -> NewEntry:
    """A submission as the board shows it (the model bytes are not read by the board)."""
    epochs = [
        {"epoch": e, "loss": 1 / e, "train_acc": 0.9, "valid_acc": 0.85 + e / 100, "seconds": 1}
        for e in range(1, 11)
    ]
    return NewEntry(
        model=f"model {k} {time.time()}".encode(),
        score=0.9 + k / 1000,
        params=79_510 - k,
        seconds=10.0 + k,
        epochs=10,
        config={"hidden": 100, "seed": 1},
        history={"epochs": epochs, "points": [], "status": "done", "message": ""},
    )


def make_class(url: str) -> tuple[ClassStore, str, int]:
    store = open_store(url)
    classes = ClassStore(store)
    code, key = classes.create_class("Period 3", identity_for(store, new_secret(), create=True))
    challenge = classes.add_challenge(code, key, "Best test accuracy", Rules(max_hidden=100))
    for k in range(STUDENTS):
        submit(classes, code, challenge, f"Student {k:02d}", k)
    return classes, code, challenge


def submit(classes: ClassStore, code: str, challenge: int, name: str, k: int) -> None:
    who = identity_for(classes.store, new_secret(), create=True)
    classes.join(code, who, name)
    classes.submit(code, challenge, who, entry(k))


# -- a viewer: a browser tab on the board ---------------------------------------------------
class Viewer(Session):
    """A board's tab: reruns the page's timed fragments as the browser does (its
    timers start again with every full run, and do not catch up when late)."""

    def __init__(self, url: str, query: str) -> None:
        super().__init__(url, query=query)
        self.asked = 0
        self._runs_seen = 0
        self._ticker: asyncio.Task | None = None

    async def open_board(self) -> None:
        await self.open()
        self._ticker = asyncio.create_task(self._tick())
        await self.rerun(page="board")
        await self.run_finished(timeout=120)

    async def _tick(self) -> None:
        due: dict[str, float] = {}
        while not self.closed.is_set():
            await asyncio.sleep(0.05)
            for fragment, interval in list(self.seen.fragments.items()):
                at = due.setdefault(fragment, time.monotonic() + interval)
                if time.monotonic() >= at:
                    due[fragment] = max(at + interval, time.monotonic())
                    self.asked += 1
                    await self.rerun(page="board", fragment=fragment)
            for gone in set(due) - set(self.seen.fragments):
                del due[gone]

    async def close(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
        await super().close()


@dataclass
class Phase:
    cpu: float = 0.0
    asked: int = 0
    latency: list[float] = field(default_factory=list)
    missed: int = 0
    why: str = ""


async def phase(pid: int, viewers: list[Viewer], seconds: float, submits) -> Phase:
    out = Phase()
    asked, cpu0, end = sum(v.asked for v in viewers), cpu_seconds(pid), time.monotonic() + seconds
    k = 0
    while time.monotonic() < end:
        if submits is None:
            await asyncio.sleep(min(0.5, end - time.monotonic()))
            continue
        name = f"Newcomer {k:03d}"
        waits = [asyncio.ensure_future(v.text(name, 30)) for v in viewers]
        start = time.monotonic()
        await asyncio.to_thread(submits, name, 100 + k)
        k += 1
        for v, w in zip(viewers, waits, strict=True):
            try:
                await w
                out.latency.append(time.monotonic() - start)
            except (TimeoutError, ConnectionError, OSError) as exc:
                out.missed += 1
                out.why = f"{exc} (its timers: {v.fragments}, asked {v.asked})"
        await asyncio.sleep(max(0.0, start + SUBMIT_EVERY - time.monotonic()))
    out.cpu = cpu_seconds(pid) - cpu0
    out.asked = sum(v.asked for v in viewers) - asked
    return out


def report(name: str, p: Phase, n: int, seconds: float) -> None:
    per = 1000 * p.cpu / (n * seconds)
    print(
        f"{name:>10}: server CPU {p.cpu:.2f} s in {seconds:.0f} s = {per:.2f} ms per "
        f"viewer-second ({100 * p.cpu / seconds:.0f} % of a core); "
        f"{p.asked / (n * seconds):.2f} script runs asked per viewer-second"
    )
    if p.missed:
        print(f"{'':>10}  {p.missed} views never showed a new submission: {p.why}")
    if p.latency:
        lat = sorted(p.latency)
        p95 = lat[min(len(lat) - 1, int(0.95 * len(lat)))]
        print(
            f"{'':>10}  submit -> on every board: median {statistics.median(lat):.2f} s, "
            f"p95 {p95:.2f} s, max {lat[-1]:.2f} s ({len(lat)} views, {p.missed} missed)"
        )


async def main_async(args, url: str, pid: int, classes, code: str, challenge: int) -> None:
    query = f"class={code}&challenge={challenge}"
    viewers = [Viewer(url, query) for _ in range(args.viewers)]
    await asyncio.gather(*(v.open_board() for v in viewers))
    await asyncio.sleep(2.0)  # every tab's first redraw over
    quiet = await phase(pid, viewers, args.seconds, None)
    busy = await phase(
        pid,
        viewers,
        args.seconds,
        lambda name, k: submit(classes, code, challenge, name, k),
    )
    errors = [e for v in viewers for e in v.seen.errors]
    await asyncio.gather(*(v.close() for v in viewers))
    print(f"{args.viewers} board viewers, {args.app}; load {load()}")
    report("quiet", quiet, args.viewers, args.seconds)
    report("submitting", busy, args.viewers, args.seconds)
    if errors:
        print(f"errors on pages: {errors[:3]}")


def main() -> None:
    args = _parse()
    with tempfile.TemporaryDirectory(prefix="board-viewers-") as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        classes, code, challenge = make_class(f"sqlite:///{data / 'lab.sqlite3'}")
        env = {**os.environ, "MLP_LAB_DATA": str(data), "MLP_LAB_CACHE": str(Path(tmp) / "c")}
        env.pop("MLP_LAB_DATABASE_URL", None)
        port = free_port()
        cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless=true"]
        cmd += ["--server.address=127.0.0.1", f"--server.port={port}"]
        cmd += ["--browser.gatherUsageStats=false", "--server.fileWatcherType=none"]
        with (Path(tmp) / "streamlit.log").open("w") as log:
            proc = subprocess.Popen(cmd, cwd=args.app, env=env, stdout=log, stderr=log)
        try:
            url = f"http://127.0.0.1:{port}"
            wait_healthy(url, proc, timeout=120)
            asyncio.run(main_async(args, url, proc.pid, classes, code, challenge))
        finally:
            proc.terminate()
            proc.wait(15)


if __name__ == "__main__":
    main()
