"""Benchmark, not a test: how many Playground frames a server gives 1, 10 and 30 sessions.

Each session does what a browser tab does, over Streamlit's own websocket protocol
(tests/e2e/st_ws.py): it opens the Playground with a teacher's link (the spiral, three
layers of eight) and presses Play. Served by serve.py (this checkout), the page hands
the component a ticket for the live channel (mlp_ui/playground_live.py): the session
opens that WebSocket as the component does, sends the ticket, and acknowledges every
frame as it arrives (a browser acks once it has drawn it, within a screen refresh; the
server sends at most 60 a second). A frame is one binary message: the server trained a
slice and sent the weights. An app without the channel (`--rev` of an older revision,
or `--plain`: `streamlit run app.py`) is driven as before: the session asks for the
playing fragment's next run whenever the server's auto-rerun timer says so (the
browser keeps that timer), and a frame is one finished fragment run. Per session: frames
a second and epochs a second; over all: the slowest session's epochs against the
median's (fairness), epochs per frame, and the server's CPU per frame, read from
/proc/<pid>/stat, with its child processes' (the Playground's worker, which trains the
slices: its own column "worker cores"); it includes the frame's training slice (the time
mlp_ui.playground_share grants the session). "Beyond training" is that CPU per frame
less the training's own: the CPU the worker spent inside the runs' `train` (it keeps
the total, `time.thread_time` around each slice's `train`, in the file named by
$MLP_LAB_PLAYGROUND_STATS, read before and after the window), per frame. So it is what a
redraw costs server and worker besides training (the frame's encoding, the socket's
messages, the turns on the trainer, the slice's copying to the worker and back), both
sides measured on the same epochs. ("Server beyond" and "worker beyond" split it.) An
app without those totals (`--rev` of an older revision, `--plain`, or a slice that
trained in the server) falls back to the old estimate: the frame's epochs at the CPU
time one epoch takes in this process, measured first, which moved 4.4-8.0 ms between
runs on a loaded machine, more than the 5 ms it is judged against. The payload and its
JSON alone are timed in this process. The bytes a session receives per frame are counted too.

The browser's own drawing is not on the server and is not measured here. The sessions
all run in this one process: its CPU ("client cores") is printed, since a client near a
whole core slows the frames it asks for, not the server. The machine's
load average is printed with every row: the machine is shared, and the figures fall
on a busy one.

    python benchmarks/playground_speed.py [--sessions 1,10,30] [--seconds 20]
        [--rev REV]   # run the app as it was at git revision REV (e.g. the one before)
        [--plain]     # streamlit run app.py: no live channel, the fragment's frames
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import websockets

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402

from tests.e2e import server, st_ws  # noqa: E402
from tests.waiting import await_until  # noqa: E402

LINK = "data=spiral&layers=8,8,8"
FRAGMENT_DONE = ForwardMsg.ScriptFinishedStatus.FINISHED_FRAGMENT_RUN_SUCCESSFULLY


def _parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sessions", default="1,10,30", help="session counts, comma-separated")
    p.add_argument("--seconds", type=float, default=20.0, help="playing time per count")
    p.add_argument("--rev", default="", help="git revision of the app to run (default: this)")
    p.add_argument("--cpus", default="", help="taskset CPU list for the server, e.g. 0,1")
    p.add_argument("--plain", action="store_true", help="streamlit run app.py (no live channel)")
    p.add_argument(
        "--link",
        default=LINK,
        help="the Playground link each session opens; 'data=xor&layers=0&n=50' trains so "
        "little that the server's CPU per frame is nearly all frame overhead",
    )
    return p.parse_args()


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu(pid: int) -> dict[int, float]:
    """CPU seconds of each child process of `pid` (the Playground's worker)."""
    found = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            kids = (task / "children").read_text().split()
        except OSError:
            continue
        for kid in map(int, kids):
            with contextlib.suppress(OSError):  # it ended meanwhile
                found[kid] = cpu_seconds(kid)
    return found


class Player(st_ws.Session):
    """A tab on the Playground: the fragments' timers, the epoch each frame shows."""

    def __init__(self, url: str, link: str = LINK) -> None:
        super().__init__(url)
        self.link = link
        self.timers: dict[str, float] = {}  # fragment id -> seconds between runs
        self.epoch = 0
        self.frames = 0
        self.channel: dict | None = None  # the live channel's path and latest ticket

    def _take(self, data: bytes) -> None:
        super()._take(data)
        msg = ForwardMsg()
        msg.ParseFromString(data)
        kind = msg.WhichOneof("type")
        if kind == "script_finished" and msg.script_finished == FRAGMENT_DONE:
            self._run_done.set()  # a fragment's run finished
        elif kind == "auto_rerun":
            self.timers[msg.auto_rerun.fragment_id] = msg.auto_rerun.interval
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            el = msg.delta.new_element
            if el.WhichOneof("type") == "bidi_component" and el.bidi_component.json:
                data = json.loads(el.bidi_component.json)
                self.epoch = data.get("epoch", self.epoch)
                self.channel = data.get("live") or self.channel
            elif el.WhichOneof("type") == "metric" and el.metric.label == "Epoch":
                self.epoch = int(el.metric.body.replace(",", ""))

    async def send(self, fragment: str = "", widgets=(), query: str = "") -> None:
        from streamlit.proto.BackMsg_pb2 import BackMsg

        msg = BackMsg()
        msg.rerun_script.query_string = query
        msg.rerun_script.page_name = "playground"
        msg.rerun_script.widget_states.widgets.extend(widgets)
        if fragment:
            msg.rerun_script.fragment_id = fragment
            msg.rerun_script.is_auto_rerun = True
        self._run_done.clear()
        await self._ws.send(msg.SerializeToString())

    async def play(self, stop: asyncio.Event) -> None:
        """Press Play, then run the fastest fragment whenever its timer is due."""
        await self.send(widgets=[st_ws.trigger(self.seen.widgets["Play"])], query=self.link)
        await self.run_finished(60)
        if self.channel:
            await self.play_live(stop)
            return
        fastest = min(self.timers, key=self.timers.get)
        due = {f: time.monotonic() + t for f, t in self.timers.items()}
        while not stop.is_set():
            frag = min(due, key=due.get)
            # the fragment's own timer, as the browser keeps it: the pace being measured
            await asyncio.sleep(max(0.0, due[frag] - time.monotonic()))
            await self.send(fragment=frag)
            await self.run_finished(60)
            due[frag] = time.monotonic() + self.timers[frag]
            if frag == fastest:
                self.frames += 1

    async def play_live(self, stop: asyncio.Event) -> None:
        """The component's part: open the live channel with the page's ticket, then take
        frames and acknowledge each one."""
        url = self.url.replace("http", "ws", 1) + self.channel["path"]
        async with websockets.connect(url, max_size=None) as ws:
            await ws.send(json.dumps({"ticket": self.channel["ticket"]}))
            while not stop.is_set():
                try:
                    frame = await asyncio.wait_for(ws.recv(), 0.5)
                except TimeoutError:
                    continue
                high, low = np.frombuffer(frame, dtype="<f4", count=4)[2:4]
                self.epoch = int(high) * 2**20 + int(low)  # playground_live.encode
                self.frames += 1
                self.seen.bytes += len(frame)
                await ws.send("a")


async def opened(url: str, n: int, link: str = LINK) -> list[Player]:
    """`n` sessions that have loaded the Playground at `link` (not playing yet)."""
    players = [Player(url, link) for _ in range(n)]
    for p in players:
        await p.open()
        await p.send(query=link)
        await p.run_finished(120)
    return players


def worker_totals(path: Path) -> tuple[float, int, int]:
    """The worker's training CPU seconds, slices and epochs so far (zeros: none kept)."""
    try:
        cpu, slices, epochs = path.read_text().split()
    except (OSError, ValueError):
        return 0.0, 0, 0
    return float(cpu), int(slices), int(epochs)


async def _measure(url: str, pid: int, n: int, seconds: float, link: str, stats: Path) -> dict:
    players = await opened(url, n, link)
    stop = asyncio.Event()
    tasks = [asyncio.create_task(p.play(stop)) for p in players]
    await await_until(lambda: all(p.frames for p in players), 120, "every session plays")
    start_frames = [p.frames for p in players]
    start_epochs = [p.epoch for p in players]
    start_bytes = sum(p.seen.bytes for p in players)
    cpu0, t0, own0 = cpu_seconds(pid), time.monotonic(), time.process_time()
    kids0, trained0 = children_cpu(pid), worker_totals(stats)
    await asyncio.sleep(seconds)  # the measured window
    cpu1, t1, own1 = cpu_seconds(pid), time.monotonic(), time.process_time()
    kids1, trained1 = children_cpu(pid), worker_totals(stats)
    worker = sum(kids1[k] - kids0.get(k, 0.0) for k in kids1)
    frames = [p.frames - f for p, f in zip(players, start_frames, strict=True)]
    received = sum(p.seen.bytes for p in players) - start_bytes
    epochs = [p.epoch - e for p, e in zip(players, start_epochs, strict=True)]
    stop.set()
    await asyncio.wait(tasks, timeout=30)
    for p in players:
        await p.close()
    dt = t1 - t0
    frames_all = max(sum(frames), 1)
    trained, slices, worker_epochs = (b - a for a, b in zip(trained0, trained1, strict=True))
    return {
        "server_ms": 1000 * (cpu1 - cpu0) / frames_all,
        "worker_ms": 1000 * worker / frames_all,
        "training_ms": 1000 * trained / frames_all if slices else None,
        "worker_epoch_ms": 1000 * trained / worker_epochs if worker_epochs else None,
        "sessions": n,
        "frames_per_s": [f / dt for f in frames],
        "epochs_per_s": [e / dt for e in epochs],
        "cpu_per_frame_ms": 1000 * (cpu1 - cpu0 + worker) / max(sum(frames), 1),
        "server_cores": (cpu1 - cpu0) / dt,
        "worker_cores": worker / dt,
        "client_cores": (own1 - own0) / dt,
        "bytes_per_frame": received / max(sum(frames), 1),
        "load": load(),
    }


def epoch_ms(link: str) -> float:
    """This machine's CPU time for one epoch of the link's network (CPU time, as the
    server's is read: a loaded machine stretches the wall time, far less the CPU time)."""
    from urllib.parse import parse_qsl

    from mlp_core import playground as core
    from mlp_core.playground_config import PlaygroundConfig

    config, _ = PlaygroundConfig.read_query(dict(parse_qsl(link)))
    run = core.PlaygroundRun(
        config, core.make_points(config.dataset, config.n_points, config.noise, config.seed)
    )
    run.train(20)
    t = time.thread_time()
    run.train(200)
    return 1000 * (time.thread_time() - t) / 200


def payload_ms(link: str, repeats: int = 200) -> float | None:
    """This checkout's own part of a frame beyond training, in this process: building
    what the component is sent (weights, losses, curves, confusion matrix) and its JSON.
    None for an app without the component (an older revision)."""
    from urllib.parse import parse_qsl

    from mlp_core import playground as core
    from mlp_core.playground_config import PlaygroundConfig

    try:
        from mlp_ui import playground_component as component
    except ImportError:
        return None
    config, _ = PlaygroundConfig.read_query(dict(parse_qsl(link)))
    run = core.PlaygroundRun(
        config, core.make_points(config.dataset, config.n_points, config.noise, config.seed)
    )
    run.train(300)
    t = time.perf_counter()
    for _ in range(repeats):
        json.dumps(component.payload(run, send_data=False, selected=(1, 0)))
    return 1000 * (time.perf_counter() - t) / repeats


def start_server(
    app_dir: Path, cpus: str, log: Path, script: str = "", stats: Path | None = None
) -> tuple[subprocess.Popen, str]:
    """The app's server with a cache of its own beside `log`: (process, URL); its
    Playground worker keeps its training totals in `stats`."""
    env = {**os.environ, "MLP_LAB_CACHE": str(log.parent / "cache")}
    if stats is not None:
        env["MLP_LAB_PLAYGROUND_STATS"] = str(stats)
    return server.start_app(app_dir, log, env, cpus, script)


def row(n: int, r: dict, per_epoch: float) -> str:
    """One table row of `_measure`'s figures for n sessions (`per_epoch`: this process's
    epoch, the fallback when the worker kept no totals)."""
    fps, eps = r["frames_per_s"], r["epochs_per_s"]
    med_e = statistics.median(eps)
    frames_total = sum(fps)
    per_frame = sum(eps) / frames_total if frames_total else float("nan")
    training = r["training_ms"]
    if training is None:  # no totals: the old estimate, marked so
        beyond = f"~{r['cpu_per_frame_ms'] - per_frame * per_epoch:.1f} ms (estimate)"
        split, training_cell, epoch_cell = "-", "-", "-"
    else:
        beyond = f"**{r['cpu_per_frame_ms'] - training:.2f} ms**"
        split = f"{r['server_ms']:.2f} / {r['worker_ms'] - training:.2f} ms"
        training_cell = f"{training:.2f} ms"
        epoch_cell = f"{r['worker_epoch_ms']:.2f} ms" if r["worker_epoch_ms"] else "-"
    return (
        f"| {n} | {min(fps):.1f} / {statistics.median(fps):.1f} | "
        f"{min(eps):.0f} / {med_e:.0f} / {max(eps):.0f} | "
        f"{min(eps) / med_e if med_e else 0:.2f} | {per_frame:.2f} | "
        f"{r['cpu_per_frame_ms']:.2f} ms | {training_cell} | {beyond} | {split} | "
        f"{epoch_cell} | {r['bytes_per_frame'] / 1000:.1f} | {r['server_cores']:.2f} | "
        f"{r['worker_cores']:.2f} | {r['client_cores']:.2f} | {r['load']} |"
    )


def main() -> None:
    args = _parse()
    work = Path(tempfile.mkdtemp(prefix="pg_speed_"))
    app_dir = server.app_at(args.rev, work)
    per_epoch = epoch_ms(args.link)
    own = payload_ms(args.link) if not args.rev else None
    if own is not None:
        print(f"a frame's payload and its JSON, built in this process: {own:.2f} ms ({load()})")
    script = "app.py" if args.plain else ""
    plain = args.plain or not (app_dir / "serve.py").exists()
    served = "streamlit run app.py" if plain else "serve.py"
    print(
        f"app: {args.rev or 'this checkout'} ({served}); {args.link}; one epoch in this "
        f"process: {per_epoch:.2f} ms CPU (the fallback estimate's); {os.cpu_count()} cores"
    )
    print(
        "| sessions | frames/s each (min / median) | epochs/s each (min / median / max) | "
        "slowest vs median | epochs per frame | CPU per frame (server + worker) | "
        "training per frame (worker's) | beyond training | beyond: server / worker | "
        "epoch in the worker | kB per frame | server cores | worker cores | client cores | "
        "load |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    stats = work / "worker_stats"
    proc, url = start_server(app_dir, args.cpus, work / "streamlit.log", script, stats)
    try:
        for n in (int(s) for s in args.sessions.split(",")):
            r = asyncio.run(_measure(url, proc.pid, n, args.seconds, args.link, stats))
            print(row(n, r, per_epoch), flush=True)
    finally:
        server.stop(proc)


if __name__ == "__main__":
    main()
