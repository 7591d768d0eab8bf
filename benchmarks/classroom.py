"""Benchmark, not a test: a class of N students on one `streamlit run app.py`.

A real server on 127.0.0.1 (headless, a free port, full MNIST from $MNIST_DIR) and N
sessions driven through Streamlit's own websocket protocol (tests/e2e/st_ws.py), each a
separate session as a browser tab is: each opens the Train page, and then all press
Start with the default settings (784-100-10 ReLU, 10 epochs) within a second, and wait
for the page's "Run #1 finished 10 epochs in ..." status. Meanwhile one more session
draws a digit on the Draw page every few seconds: the canvas's value (the drawing's
PNG, as the canvas component sends it) goes to the server in a rerun of the pad's
fragment only, as Chromium sends it (checked by capturing its websocket frames), and
the answer latency is the time until the page's "Prediction" arrives.

Printed, with the machine's load average before and after:
- all done: from the first Start press to the last finished run; per-run finish times
  (median, last, last / median);
- the CPU floor measured in the same invocation: one run's one-thread training time
  (`python -m mlp_lab train --epochs 10` in a separate process, the fast back-end off,
  before and after the class), times N, divided by the cores the server may use;
- server memory: the peak of the summed RSS (and PSS, which counts shared pages once) of
  the server process and all its children, sampled from /proc every 0.5 s; the most
  processes seen; the server's CPU seconds;
- draw latency median / p95 / max, and whether each answer was the digit drawn;
- errors: exceptions shown on a page, runs that did not finish, dropped connections.

    MNIST_DIR=/work/shared/data/mnist python benchmarks/classroom.py --sessions 10 30
    python benchmarks/classroom.py --app /tmp/before --sessions 10   # another checkout
    python benchmarks/classroom.py --cpus 0 --sessions 10            # taskset -c 0

`--url` drives an already running server (or a load balancer) instead; memory, processes
and the floor are then not measured.

`--board`: the class is a class challenge, as in a lesson with the board on the
projector. A teacher's class and challenge (no limits, MNIST, test accuracy) are made
through mlp_class's API on the server's database (the teacher is not what is measured;
with --url name it with --database-url); each student is a browser identity (the
saved-work cookie) that joined it, opens Train from the challenge link, trains the
defaults and presses "Submit to the board" as soon as its run has finished; one more
session keeps the challenge's Board open as a projector does (its timed fragment rerun
every second, as the browser's timer asks). Printed besides: submissions acknowledged
("Submitted": scored by the server) and refused, entries shown on the board, and the
time from each "Submitted" (and from each press) to the student's name on the board,
p50 / p95 / max. The class-load figures are the same as without --board (the runs'
finish times; the submissions come after them).

`--board --play N`: N of the students (the last N) play a Playground challenge of the same
class instead (the spiral, noise 10 %, 500 points, seed 1, the page's default network;
at most --play-epochs epochs and, with --play-seconds, training seconds; ranked by test
loss; every finished run submitted by itself). Each opens the Playground from the
challenge link and presses Play with the MNIST students' Start; the page's fragment is
rerun whenever its timer asks, as the browser does (or, where the page hands its
component a ticket for the live channel, that channel's frames are taken and each
acknowledged, as the component does), until the page says Play stopped and the run was
submitted. A second board session shows the Playground challenge's board. The class-load
figure counts them: a Playground student's run ends when Play stops, and the CPU floor
adds, per Playground student, one such run on one thread in a process of its own (the
challenge's epochs on its points, timed like the MNIST run before and after the class;
with --play-seconds, at most those seconds).

    MNIST_DIR=/work/shared/data/mnist python benchmarks/classroom.py --board --sessions 30
    python benchmarks/classroom.py --board --deploy 3 --sessions 30   # board on 3 replicas
    python benchmarks/classroom.py --board --sessions 30 --play 15     # half of them play
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import math
import os
import re
import resource
import statistics
import struct
import subprocess
import sys
import threading
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.server import free_port, streamlit_command, wait_healthy  # noqa: E402
from tests.e2e.st_ws import (  # noqa: E402
    PageError,
    Session,
    first_visit,
    json_value,
    now,
    trigger,
    wait_balanced,
)
from tests.e2e.strokes import DIGITS, png  # noqa: E402

FINISHED = r"Run #(\d+) finished (\d+) epochs? in ([\d.]+) s of training: test accuracy ([\d.]+)"
MNIST = os.environ.get("MNIST_DIR", str(ROOT.parent / "shared" / "data" / "mnist"))


def _parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--app", type=Path, default=ROOT, help="folder with the app.py to serve")
    p.add_argument("--script", default="", help="app.py or serve.py (default: serve.py if any)")
    p.add_argument("--floor-app", type=Path, help="checkout whose CLI runs the floor (--app)")
    p.add_argument("--sessions", type=int, nargs="+", default=[10], help="class sizes")
    p.add_argument("--cpus", default="", help="taskset CPU list for the server, e.g. 0 or 0,1")
    p.add_argument("--draw-every", type=float, default=3.0, help="seconds between drawings")
    p.add_argument("--timeout", type=float, default=900.0, help="seconds a class may take")
    p.add_argument("--browsers", type=int, default=0, help="of the sessions, real Chromium pages")
    p.add_argument("--deploy", type=int, default=0, help="replicas behind deploy/run_local.sh")
    p.add_argument("--url", default="", help="drive this server instead of starting one")
    p.add_argument("--no-floor", action="store_true", help="skip the one-thread runs")
    p.add_argument("--label", default="", help="name of this configuration in the table row")
    p.add_argument("--board", action="store_true", help="a class challenge, its board open")
    p.add_argument("--database-url", default="", help="with --url --board: the server's database")
    p.add_argument("--play", type=int, default=0, help="with --board: students on the Playground")
    p.add_argument("--play-epochs", type=int, default=500, help="the Playground challenge's epochs")
    p.add_argument("--play-seconds", type=int, default=0, help="and its training seconds (0: any)")
    args = p.parse_args()
    if args.board and args.url and not args.database_url:
        p.error("--board with --url needs --database-url (where the class is made)")
    if args.play and not args.board:
        p.error("--play needs --board: the Playground students are in a class challenge")
    if args.play and not (args.play_epochs or args.play_seconds):
        p.error("a Playground challenge of the benchmark needs --play-epochs or --play-seconds")
    if args.play and args.browsers + args.play > min(args.sessions):
        p.error("--play and --browsers (MNIST only) are more than the class")
    return args


# -- the machine: load, the server's processes, memory and CPU from /proc ----------------


def load() -> str:
    return "load " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            kids.setdefault(ppid, []).append(int(entry.name))
    return kids


def process_tree(pid: int) -> list[int]:
    """`pid` and all its descendants."""
    kids, out, todo = _children(), [], [pid]
    while todo:
        out.append(p := todo.pop())
        todo.extend(kids.get(p, []))
    return out


def _kib(path: Path, key: str) -> int:
    try:
        for line in path.read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _cpu_seconds(stat: Path) -> float:
    try:
        fields = stat.read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu_parts(server: int, pid: int) -> dict[str, tuple[str, float]]:
    """'key' -> (part of the server, CPU seconds so far) for process `pid` of the server's
    tree: the server's main thread (CPython 3.11 does not name OS threads) and the rest of
    the server, from the process's own total (which keeps the CPU of script threads that
    have ended: Streamlit starts one per script run), or a child process as a whole."""
    total = _cpu_seconds(Path(f"/proc/{pid}/stat"))
    if pid != server:
        return {str(pid): ("child processes", total)}
    main = _cpu_seconds(Path(f"/proc/{pid}/task/{pid}/stat"))
    return {
        f"{pid}/main": ("main thread (event loop, websockets)", main),
        f"{pid}/rest": ("other threads", total - main),
    }


def machine_busy() -> float:
    """CPU seconds the whole machine has been busy (all cores: /proc/stat less idle and
    iowait)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    busy = sum(fields[:8]) - fields[3] - fields[4]  # user .. steal, less idle and iowait
    return busy / os.sysconf("SC_CLK_TCK")


@dataclass
class Sampler:
    """Samples a process tree every `every` seconds in a thread: peaks and CPU time.

    PSS (smaps_rollup) is read only when the tree's RSS is within 2 % of its peak so far,
    at most every `pss_every` seconds: the kernel walks every page of the server's 1.3 GiB
    to answer it, and reading it every half second cost this client about 6 s of CPU in a
    class of 30 (py-spy, 5 December), taken from the class it measures; every 2 s it was
    still a quarter of the client's CPU. The tree's processes are looked up in all of
    /proc every `tree_every` seconds (every process's stat read: a sixth of the client's
    CPU when done at every sample), and at the last sample."""

    pid: int
    every: float = 0.5
    pss_every: float = 10.0
    tree_every: float = 5.0
    rss_peak: int = 0  # KiB
    pss_peak: int = 0  # KiB
    procs_peak: int = 0
    cpu: dict[str, float] = field(default_factory=dict)  # key -> CPU s (latest)
    base: dict[str, float] = field(default_factory=dict)  # key -> CPU s at the start
    part: dict[str, str] = field(default_factory=dict)  # key -> part of the server
    machine: list[float] = field(default_factory=list)  # machine_busy() at start and end
    _pss_at: float = -1e9
    _tree: tuple[float, list[int]] = (-1e9, [])  # when the tree was looked up, its pids
    _stop: threading.Event = field(default_factory=threading.Event)

    def sample(self, last: bool = False) -> None:
        if last or time.monotonic() - self._tree[0] >= self.tree_every:
            self._tree = (time.monotonic(), process_tree(self.pid))
        pids = self._tree[1]
        rss = sum(_kib(Path(f"/proc/{p}/status"), "VmRSS:") for p in pids)
        if rss >= 0.98 * self.rss_peak and time.monotonic() - self._pss_at >= self.pss_every:
            self._pss_at = time.monotonic()
            pss = sum(_kib(Path(f"/proc/{p}/smaps_rollup"), "Pss:") for p in pids)
            self.pss_peak = max(self.pss_peak, pss)
        self.rss_peak = max(self.rss_peak, rss)
        self.procs_peak = max(self.procs_peak, len(pids))
        for p in pids:
            for key, (part, cpu) in _cpu_parts(self.pid, p).items():
                self.cpu[key] = max(self.cpu.get(key, 0.0), cpu)
                self.part[key] = part

    @property
    def cpu_used(self) -> float:
        """CPU seconds the tree used while sampled (a child process that ended between
        samples loses its last half second)."""
        return sum(self.cpu_by_part().values())

    def cpu_by_part(self) -> dict[str, float]:
        parts: dict[str, float] = {}
        for key, cpu in self.cpu.items():
            part = self.part[key]
            parts[part] = parts.get(part, 0.0) + cpu - self.base.get(key, 0.0)
        return parts

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            self.sample()

    @contextmanager
    def running(self):
        self.sample()
        self.base = dict(self.cpu)
        self.machine = [machine_busy()]
        thread = threading.Thread(target=self._loop, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            thread.join(5)
            self.sample(last=True)
            self.machine.append(machine_busy())

    @property
    def machine_cpu(self) -> float:
        """CPU seconds the whole machine used while sampled (every process: ours and others)."""
        return self.machine[-1] - self.machine[0] if len(self.machine) == 2 else math.nan


# -- the server and the floor ------------------------------------------------------------


def _env(app: Path) -> dict[str, str]:
    cache = Path("/tmp") / f"classroom-cache-{os.getpid()}"
    env = {**os.environ, "MNIST_DIR": MNIST, "MLP_LAB_CACHE": str(cache), "PYTHONPATH": ""}
    # The students' work: a database of this run's own (SQLite in a temporary folder; a
    # throwaway PostgreSQL with --deploy), never the data folder of the machine's user.
    env["MLP_LAB_DATA"] = str(Path("/tmp") / f"classroom-data-{os.getpid()}")
    env.pop("MLP_LAB_DATABASE_URL", None)
    return env


def _taskset(cpus: str) -> list[str]:
    return ["taskset", "-c", cpus] if cpus else []


def _streamlit(
    app: Path, cpus: str, script: str = ""
) -> tuple[list[str], dict[str, str], list[str]]:
    """One `streamlit run serve.py` (or `script`) on a free loopback port: (command, env,
    health URLs)."""
    port = free_port()
    return streamlit_command(app, port, cpus, script), _env(app), [f"http://127.0.0.1:{port}"]


def _deployed(replicas: int, cpus: str) -> tuple[list[str], dict[str, str], list[str]]:
    """deploy/run_local.sh: HAProxy and `replicas` servers (proxy URL first)."""
    ports = [free_port() for _ in range(4)]
    env = {**_env(ROOT), "REPLICAS": str(replicas), "LB_PORT": str(ports[0])}
    env |= {f"APP{i}_PORT": str(port) for i, port in enumerate(ports[1:], start=1)}
    env |= {"PYTHON": sys.executable, "RUN_DIR": str(Path("/tmp") / f"classroom-{os.getpid()}")}
    env["PG_DIR"] = str(Path(env["RUN_DIR"]) / "pg")  # removed when the class ends
    Path(env["RUN_DIR"]).mkdir(exist_ok=True)
    urls = [f"http://127.0.0.1:{port}" for port in ports[: replicas + 1]]
    return [*_taskset(cpus), "sh", str(ROOT / "deploy" / "run_local.sh")], env, urls


@contextmanager
def server(args: argparse.Namespace, log: Path):
    """The server (or with --deploy, the proxy and its replicas) running: (url, pid, the
    URL of its database)."""
    if args.deploy:
        cmd, env, urls = _deployed(args.deploy, args.cpus)
    else:
        cmd, env, urls = _streamlit(args.app, args.cpus, args.script)
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, cwd=args.app, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        for url in reversed(urls):  # the replicas first, then the proxy
            wait_healthy(url, proc, timeout=120)
        if args.deploy:
            wait_balanced(urls[0], args.deploy)
            database = (Path(env["PG_DIR"]) / "url").read_text().strip()
        else:
            database = f"sqlite:///{Path(env['MLP_LAB_DATA']) / 'lab.sqlite3'}"
        yield urls[0], proc.pid, database
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        if args.deploy:  # run_local.sh stopped its PostgreSQL; its data goes too
            subprocess.run(["sh", str(ROOT / "deploy" / "postgres.sh"), "remove", env["PG_DIR"]])


def _train_cli(app: Path, cpus: str, epochs: int) -> tuple[float, float]:
    """`python -m mlp_lab train` on one thread: (its training seconds, its process CPU s)."""
    env = {**_env(app), "MLP_LAB_FAST": "0", "MLP_LAB_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    cmd = [*_taskset(cpus), sys.executable, "-m", "mlp_lab", "train", "--json"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        [*cmd, "--epochs", str(epochs)],
        cwd=app,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        raise RuntimeError(f"the floor run failed: {done.stderr.strip()[-500:]}")
    final = json.loads(done.stdout.strip().splitlines()[-1])
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return float(final["seconds"]), cpu


def one_run(app: Path, cpus: str) -> tuple[float, float]:
    """One default run (10 epochs) on one thread in a process of its own: its training
    seconds, and the CPU seconds of its training alone (the process's CPU minus a 1-epoch
    run's, which loads the same data, scaled by 10/9)."""
    seconds, cpu10 = _train_cli(app, cpus, 10)
    _, cpu1 = _train_cli(app, cpus, 1)
    return seconds, (cpu10 - cpu1) * 10 / 9


PLAY_DATA = {"dataset": "spiral", "noise": 10, "n_points": 500, "train_pct": 50, "seed": 1}
"""The benchmark's Playground challenge's data (the page's default network trains on it)."""

_ONE_PLAY = """
import sys, time
from mlp_core.playground import PlaygroundRun, make_points
from mlp_core.playground_config import PlaygroundConfig
c = PlaygroundConfig(**{data!r})
run = PlaygroundRun(c, make_points(c.dataset, c.n_points, c.noise, c.seed))
run.train({epochs}, budget={seconds})
print(run.seconds, time.process_time())
"""


def one_play(app: Path, cpus: str, epochs: int, seconds: float) -> float:
    """One Playground challenge run on one thread in a process of its own: its training
    seconds (the challenge's epochs, at most its seconds), as PlaygroundRun counts them."""
    env = {**_env(app), "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    code = _ONE_PLAY.format(data=PLAY_DATA, epochs=epochs or 10**9, seconds=float(seconds))
    done = subprocess.run(
        [*_taskset(cpus), sys.executable, "-c", code],
        cwd=app,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode:
        raise RuntimeError(f"the Playground floor run failed: {done.stderr.strip()[-500:]}")
    return float(done.stdout.split()[0])


def cores(cpus: str) -> int:
    if not cpus:
        return len(os.sched_getaffinity(0))
    return sum(
        int(b) - int(a) + 1 if "-" in part else 1
        for part in cpus.split(",")
        for a, _, b in [part.partition("-")]
    )


# -- the class ---------------------------------------------------------------------------


@dataclass
class Outcome:
    """What the class saw: per-run times (s from its Start press), draw latencies, errors."""

    pressed: float = 0.0  # first Start press (monotonic)
    finish: list[float] = field(default_factory=list)
    reported: list[float] = field(default_factory=list)  # the page's "s of training"
    results: list[tuple[str, str]] = field(default_factory=list)  # (run #, test accuracy)
    load_page: list[float] = field(default_factory=list)
    browser_finish: list[float] = field(default_factory=list)  # of the Chromium pages
    draw: list[float] = field(default_factory=list)
    draw_at: list[float] = field(default_factory=list)  # s after the Start press
    draw_right: int = 0
    errors: list[str] = field(default_factory=list)
    replicas: Counter = field(default_factory=Counter)  # behind a proxy: sessions per replica
    # --board: name -> (Submit pressed, "Submitted" read), refusals, name -> on the board
    submitted: dict[str, tuple[float, float]] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)
    on_board: dict[str, float] = field(default_factory=dict)
    in_challenge: int = 0  # students in the class challenge
    board_replica: str = ""  # behind a proxy: the replica the board's viewer is on
    boards: int = 0  # viewer sessions: one per challenge with students
    # --play: the Playground students' names, their runs' ends (s from the press), frames
    players: list[str] = field(default_factory=list)
    play_finish: list[float] = field(default_factory=list)
    play_frames: list[int] = field(default_factory=list)
    play_live: int = 0  # of them, played through the live channel


def canvas_value(digit: str) -> str:
    """The canvas component's state after drawing `digit` (its "drawing" key)."""
    raw = {"objects": [], "background": "#000000"}
    data = "data:image/png;base64," + base64.b64encode(png(DIGITS[digit])).decode()
    return json.dumps({"drawing": {"raw": raw, "data": data}})


async def open_page(
    url: str,
    out: Outcome,
    page: str = "",
    cookie: str = "",
    student: Student | None = None,
    kind: type[Session] = Session,
) -> Session:
    """A new session (a `kind`) that has loaded `page` once (its widgets are then known).
    As a browser, it first GETs the page (behind a load balancer: the sticky cookie). A
    `student` of a class challenge holds its identity's cookie and opens the challenge."""
    start = now()
    cookie, _ = await asyncio.to_thread(first_visit, url, cookie)
    query = ""
    if student is not None:
        cookie = "; ".join(c for c in (cookie, f"{IDENTITY_COOKIE}={student.secret}") if c)
        query = student.query
    session = kind(url, cookie, query=query)
    await session.open()
    await session.rerun(page=page)
    await session.run_finished(timeout=120)
    out.load_page.append(now() - start)
    return session


async def train(session: Session, out: Outcome, timeout: float, name: str = "") -> None:
    """Press Start (default settings) and wait for the page to say the run finished; a
    student of a class challenge (`name`) then submits it."""
    waiting = asyncio.ensure_future(session.text(FINISHED, timeout))
    await session.rerun([trigger(session.seen.widgets["Start"])])
    try:
        match = await waiting
    except PageError:
        return  # the page's exception is counted with the others at the end
    except (TimeoutError, ConnectionError) as exc:
        out.errors.append(f"a run did not finish: {exc}")
        return
    out.finish.append(now() - out.pressed)
    out.reported.append(float(match.group(3)))
    out.results.append((match.group(1).decode(), match.group(4).decode()))
    if name:
        await submit(session, name, out, timeout)


SUBMIT = "Submit to the board"
SAID = r"(Submitted|Refused)[^.]*"


async def submit(session: Session, name: str, out: Outcome, timeout: float) -> None:
    """Press "Submit to the board" under the finished run; note when the page says what
    became of it. (The button comes in the script run that drew the finished run: if it
    has not come yet, one more script run, as any widget a student touches asks for.)"""
    try:
        if SUBMIT not in session.seen.widgets:
            await session.rerun()
            await session.run_finished(timeout)
        said = asyncio.ensure_future(session.text(SAID, timeout))
        pressed = now()
        await session.change([trigger(session.seen.widgets[SUBMIT])])  # its fragment's run
        line = (await said).group(0).decode()
    except (KeyError, TimeoutError, ConnectionError, PageError) as exc:
        out.errors.append(f"a submission got no answer: {type(exc).__name__} {exc}")
        return
    if line.startswith("Submitted"):
        out.submitted[name] = (pressed, now())
    else:
        out.refused.append(line)


class Player(Session):
    """A student's tab on a Playground challenge: notes each finished script run (a frame
    of the page's timed fragment) and the live channel's ticket the page hands its
    component, if it does."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.ran = asyncio.Event()  # a script run (the fragment's, or the page's) ended
        self.channel: dict | None = None  # the live channel's path and latest ticket
        self.component = ("", "")  # the Playground component's (id, fragment id)
        self.frames = 0

    def _take(self, data: bytes) -> None:
        super()._take(data)
        msg = ForwardMsg()
        msg.ParseFromString(data)
        kind = msg.WhichOneof("type")
        if kind == "script_finished":
            self.ran.set()
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            el = msg.delta.new_element
            if el.WhichOneof("type") == "bidi_component" and el.bidi_component.json:
                self.channel = json.loads(el.bidi_component.json).get("live") or self.channel
                self.component = (el.bidi_component.id, msg.delta.fragment_id)

    def stopped_event(self, epoch: int) -> WidgetState:
        """The component's "stopped" trigger, as the browser sends it when a live frame
        says Play stopped (mlp_ui.playground_view._events reruns the page on it)."""
        from streamlit.components.v2.bidi_component.main import _make_trigger_id

        events = _make_trigger_id(self.component[0], "events")
        payload = json.dumps([{"event": "stopped", "value": epoch}])
        return WidgetState(id=events, json_trigger_value=payload)


STOPPED = r"Stopped[^.]*\."
"""The Playground's line when Play stops by itself (mlp_ui.playground_live.stop_reason)."""


async def play(session: Player, out: Outcome, timeout: float, name: str) -> None:
    """Press Play on the challenge's Playground and keep the frames coming, as the browser
    does, until the page says Play stopped and what became of the run it submitted."""
    seen: dict[str, float] = {}
    stopped = asyncio.ensure_future(session.text(STOPPED, timeout))
    said = asyncio.ensure_future(session.text(SAID, timeout))
    stopped.add_done_callback(lambda _: seen.setdefault("stopped", now()))
    said.add_done_callback(lambda _: seen.setdefault("said", now()))
    try:
        session.ran.clear()
        await session.rerun([trigger(session.seen.widgets["Play"])], page="playground")
        await session.run_finished(timeout)
        if session.channel:
            out.play_live += 1
            await _live_frames(session, stopped, timeout)
        else:
            await _timer_frames(session, stopped)
        await stopped
        line = (await said).group(0).decode()
    except PageError:
        return  # the page's exception is counted with the others at the end
    except (KeyError, TimeoutError, ConnectionError) as exc:
        out.errors.append(f"a Playground run got no end: {type(exc).__name__} {exc}")
        return
    finally:
        for future in (stopped, said):
            future.cancel()
        out.play_frames.append(session.frames)
    # (a callback may still be due when a future it watches is awaited: then it is now)
    stop_at, said_at = seen.setdefault("stopped", now()), seen.setdefault("said", now())
    out.finish.append(stop_at - out.pressed)
    out.play_finish.append(out.finish[-1])
    if line.startswith("Submitted"):
        # "pressed": Play's stop, the run's end (its line may come after "Submitted")
        out.submitted[name] = (min(stop_at, said_at), said_at)
    else:
        out.refused.append(line)


async def _timer_frames(session: Player, stopped: asyncio.Future) -> None:
    """Rerun the page's fastest timed fragment whenever its timer asks (the browser starts
    the timer when a frame has arrived) until Play stops (a full run then has no timer)."""
    while not stopped.done():
        timers = session.seen.fragments  # the frame's, while playing (and the page's slow ones)
        fragment, every = min(timers.items(), key=lambda kv: kv[1], default=("", 0.05))
        await asyncio.wait([stopped], timeout=every)  # with no frame timer: the page's
        if stopped.done() or not fragment:  # own run, showing the stop, is coming
            break
        session.ran.clear()
        await session.rerun(page="playground", fragment=fragment)
        ran = asyncio.ensure_future(session.ran.wait())
        await asyncio.wait([ran, stopped], timeout=60, return_when=asyncio.FIRST_COMPLETED)
        ran.cancel()
        session.frames += every < 1  # a frame: the playing fragment's run


async def _live_frames(session: Player, stopped: asyncio.Future, timeout: float) -> None:
    """The component's part: open the live channel with the page's ticket (the session's
    cookie keeps it on the session's replica), acknowledge every frame, and on the frame
    that says Play stopped send the component's "stopped" event, as the browser does (the
    fragment's run then reruns the page, which says why and submits the run)."""
    url = "ws" + session.url.removeprefix("http") + session.channel["path"]
    headers = {"Cookie": session.cookie} if session.cookie else {}
    head = None
    async with connect(url, max_size=None, additional_headers=headers) as ws:
        await ws.send(json.dumps({"ticket": session.channel["ticket"]}))
        while not stopped.done():
            frame = await asyncio.wait_for(ws.recv(), timeout)
            session.frames += 1
            await ws.send("a")
            head = struct.unpack_from("<8f", frame)  # playground_live.encode's first numbers
            if head[7]:  # stopped
                break
    if head is not None:
        epoch = int(head[2]) * 2**20 + int(head[3])
        event = session.stopped_event(epoch)
        await session.rerun([event], "playground", fragment=session.component[1])


async def draw_once(session: Session, canvas: str, digit: str, out: Outcome) -> None:
    answer = asyncio.ensure_future(session.text(r"Prediction", 60))
    start = now()
    # as the browser: the pad is inside the page's fragment, so a stroke reruns only that
    fragment = await session.change([json_value(canvas, canvas_value(digit))], page="draw")
    await answer
    out.draw.append(now() - start)
    out.draw_at.append(start - out.pressed)
    await session.run_finished(timeout=60, fragment=fragment)
    out.draw_right += session.seen.metrics.get("Prediction") == digit


async def keep_drawing(session: Session, every: float, stop: asyncio.Event, out: Outcome):
    """Draw a digit every `every` seconds until `stop` (at most 2000 drawings)."""
    if not session.seen.components:  # a revision whose canvas st_ws does not see
        out.errors.append("the Draw page showed no canvas: no drawings were made")
        return
    canvas, digits = session.seen.components[-1], sorted(DIGITS)
    for i in range(2000):
        tick = now()
        try:
            await draw_once(session, canvas, digits[i % len(digits)], out)
        except (TimeoutError, ConnectionError, PageError) as exc:
            out.errors.append(f"a drawing got no answer: {exc}")
        rest = every - (now() - tick)
        if stop.is_set() or await _stopped(stop, max(rest, 0.0)):
            return


async def _stopped(stop: asyncio.Event, seconds: float) -> bool:
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except asyncio.TimeoutError:
        return False
    return True


IDENTITY_COOKIE = "mlp_lab_key"  # mlp_ui.saved.COOKIE: the browser's saved-work identity
BOARD_WAIT = 60.0  # s the board is watched for the last entries after the last run


@dataclass
class Student:
    """A browser identity that joined the class: its cookie's secret, its name, and the
    challenge link's query (`play`: the Playground challenge's)."""

    secret: str
    name: str
    query: str
    play: bool = False


def a_class(database: str, n: int, args: argparse.Namespace) -> list[Student]:
    """A teacher's class with one challenge (no limits), and `n` students who joined it,
    made through mlp_class's API on the server's database; with --play, the last of them
    follow a Playground challenge of the same class instead."""
    import mlp_store as ms
    from mlp_class.api import ClassStore
    from mlp_core.challenge import Rules

    store = ms.open_store(database)
    classes = ClassStore(store)
    teacher = ms.identity_for(store, ms.new_secret(), create=True)
    code, key = classes.create_class("Benchmark class", teacher)
    challenge = classes.add_challenge(code, key, "Best test accuracy", Rules())
    if args.play:
        rules = Rules(
            max_epochs=args.play_epochs,
            max_seconds=float(args.play_seconds),
            fixed=PLAY_DATA,
            data="playground",
            measure="test loss",
        )
        played = classes.add_challenge(code, key, "The spiral", rules, auto_submit=True)
    students = []
    for i in range(n):
        secret = ms.new_secret()
        name = classes.join(code, ms.identity_for(store, secret, create=True), f"Student-{i:02d}")
        plays = i >= n - args.play
        query = f"class={code}&challenge={played if plays else challenge}"
        students.append(Student(secret, name, query, plays))
    ms.close_stores()
    return students


async def watch(board: Session, name: str, out: Outcome) -> None:
    """Note when `name` is first on the board (its ranking's cells carry it)."""
    try:
        await board.text(re.escape(name), 3600)
    except (TimeoutError, ConnectionError, PageError):
        return
    out.on_board[name] = now()


async def keep_board(board: Session, stop: asyncio.Event) -> None:
    """Rerun the board's timed fragments when their timers fire, as the browser does,
    until `stop`."""
    due: dict[str, float] = {}
    while not stop.is_set():
        for fragment, every in list(board.seen.fragments.items()):
            if now() >= due.setdefault(fragment, now() + every):
                due[fragment] = now() + every
                await board.rerun(page="board", fragment=fragment)
        wait = min(due.values(), default=now() + 1.0) - now()
        await _stopped(stop, max(wait, 0.01))


async def run_class(url: str, n: int, args: argparse.Namespace, database: str = "") -> Outcome:
    """N students open Train and press Start together; one more draws meanwhile (with
    --board: the students are in a class challenge and submit, its board open)."""
    if args.browsers:
        from playwright.async_api import async_playwright

        async with async_playwright() as pw:
            return await _run_class(url, n, args, pw, database)
    return await _run_class(url, n, args, None, database)


async def _run_class(url: str, n: int, args: argparse.Namespace, pw, database: str) -> Outcome:
    out, k = Outcome(), min(args.browsers, n)
    browser = await _chromium(pw) if k else None
    pages = await asyncio.gather(*(browser_page(browser, url) for _ in range(k)))
    drawer = await open_page(url, Outcome(), page="draw")  # the database is migrated by now
    klass = await asyncio.to_thread(a_class, database, n - k, args) if args.board else []
    students = await asyncio.gather(
        *(
            open_page(url, out, "playground", student=klass[i], kind=Player)
            if klass and klass[i].play
            else open_page(url, out, student=klass[i] if klass else None)
            for i in range(n - k)
        )
    )
    names = [s.name for s in klass] + [""] * (len(students) - len(klass))
    out.in_challenge = len(klass)
    out.players = [s.name for s in klass if s.play]
    # one board per challenge with students, as its projector shows it
    firsts = {s.play: s for s in reversed(klass)}
    boards = {
        play: await open_page(url, Outcome(), page="board", student=s)
        for play, s in sorted(firsts.items())
    }
    out.board_replica = ", ".join(b.replica for b in boards.values() if b.replica)
    out.boards = len(boards)
    watching = [asyncio.ensure_future(watch(boards[s.play], s.name, out)) for s in klass if s.name]
    out.replicas = Counter(s.replica for s in [*students, drawer] if s.replica)
    out.pressed, stop = now(), asyncio.Event()
    runs = asyncio.gather(
        *(
            play(s, out, args.timeout, name)
            if isinstance(s, Player)
            else train(s, out, args.timeout, name)
            for s, name in zip(students, names, strict=True)
        ),
        *(browser_train(pg, out, args.timeout) for pg in pages),
    )
    drawing = asyncio.create_task(keep_drawing(drawer, args.draw_every, stop, out))
    projectors = [asyncio.create_task(keep_board(b, stop)) for b in boards.values()]
    await runs
    if watching:  # every entry acknowledged is on the board within BOARD_WAIT, or missing
        await asyncio.wait(watching, timeout=BOARD_WAIT)
    stop.set()
    await asyncio.wait_for(drawing, 120)
    for projector in projectors:
        await asyncio.wait_for(projector, 60)
    for s in [*students, drawer, *boards.values()]:
        out.errors.extend(s.seen.errors)
        await s.close()
    if browser is not None:
        await browser.close()
    return out


async def _chromium(pw):
    from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS

    return await pw.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )


async def browser_page(browser, url: str):
    """A real Chromium tab on the Train page, its Start button visible."""
    page = await (await browser.new_context(viewport={"width": 1400, "height": 1000})).new_page()
    await page.goto(url, timeout=120_000)
    await page.get_by_role("button", name="Start").wait_for(timeout=120_000)
    return page


async def browser_train(page, out: Outcome, timeout: float) -> None:
    """Click Start in Chromium and wait for the page's "finished" status."""
    await page.get_by_role("button", name="Start").click()
    try:
        await page.get_by_text(re.compile(FINISHED)).wait_for(timeout=timeout * 1000)
    except Exception as exc:  # noqa: BLE001 - Playwright's timeout, reported as an error
        out.errors.append(f"a browser run did not finish: {type(exc).__name__}")
        return
    out.finish.append(now() - out.pressed)
    out.browser_finish.append(out.finish[-1])


# -- the report --------------------------------------------------------------------------


def _p95(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[round(0.95 * (len(xs) - 1))] if xs else math.nan


def _median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else math.nan


@dataclass
class Row:
    label: str
    n: int
    out: Outcome
    floor: float  # s: N one-thread runs / cores
    one_run: list[tuple[float, float]]  # (training s, process CPU s), before and after
    sampler: Sampler | None
    loads: tuple[str, str]
    client_cpu: float
    one_play: list[float] = field(default_factory=list)  # --play: its run's s, before/after
    played: int = 0  # --play: of the n, students on the Playground

    def training_cpu(self) -> float:
        """The class's training on one thread, in CPU s: each MNIST run's CPU and each
        Playground run's training seconds (one thread: the same, on an idle core)."""
        one_cpu = statistics.mean(c for _, c in self.one_run)
        play = statistics.mean(self.one_play) if self.one_play else 0.0
        return (self.n - self.played) * one_cpu + self.played * play

    @property
    def all_done(self) -> float:
        return max(self.out.finish, default=math.nan)

    def table_row(self) -> str:
        o, s = self.out, self.sampler
        mem = f"{s.rss_peak / 2**20:.2f} GiB ({s.pss_peak / 2**20:.2f})" if s else "-"
        procs = str(s.procs_peak) if s else "-"
        med = _median(o.finish)
        return (
            f"| {self.label} | {self.n} | {self.all_done:.0f} s | {self.floor:.0f} s | "
            f"{self.all_done / self.floor:.2f} | {med:.0f} s | {self.all_done / med:.2f} | "
            f"{mem} | {procs} | {_median(o.draw):.2f} / {_p95(o.draw):.2f} / "
            f"{max(o.draw, default=math.nan):.2f} s | {len(o.errors)} |"
        )


def to_board(o: Outcome) -> tuple[list[float], list[float]]:
    """Seconds from each "Submitted" (and from each press) to the name on the board."""
    seen = [(o.on_board[n], *o.submitted[n]) for n in o.submitted if n in o.on_board]
    return [t - acked for t, _, acked in seen], [t - pressed for t, pressed, _ in seen]


def board_lines(row: Row) -> list[str]:
    o = row.out
    acked, pressed = to_board(o)
    return [
        f"board: {o.in_challenge} students in the challenge; {len(o.submitted)} submissions "
        f"acknowledged ('Submitted': scored by the server), {len(o.refused)} refused; "
        f"{len(o.on_board)} of them shown on the board ({o.boards} viewer session(s), one "
        f"a challenge{' on ' + o.board_replica if o.board_replica else ''}, each fragment "
        f"rerun every second); {len(o.submitted) - len(acked)} acknowledged but not shown "
        f"within {BOARD_WAIT:.0f} s of the last run",
        f"submit to board: from 'Submitted' median {_median(acked):.2f} s, p95 "
        f"{_p95(acked):.2f} s, max {max(acked, default=math.nan):.2f} s; from the press "
        f"median {_median(pressed):.2f} s, p95 {_p95(pressed):.2f} s",
        *(_play_lines(o) if o.players else []),
        *(f"  refused: {line}" for line in o.refused[:5]),
    ]


def _play_lines(o: Outcome) -> list[str]:
    """The Playground students' part of the board's figures."""
    mine = {n: o.submitted[n] for n in o.players if n in o.submitted}
    acked = [o.on_board[n] - t for n, (_, t) in mine.items() if n in o.on_board]
    return [
        f"of them on the Playground: {len(o.players)}; Play stopped by itself for "
        f"{len(o.play_finish)} (median {_median(o.play_finish):.1f} s, last "
        f"{max(o.play_finish, default=math.nan):.1f} s after the press; "
        f"{_median(o.play_frames):.0f} frames each, median; {o.play_live} through the live "
        f"channel, the others by the fragment's timer); {len(mine)} submitted by themselves, "
        f"{len(acked)} shown on their board; from 'Submitted' median {_median(acked):.2f} s, "
        f"p95 {_p95(acked):.2f} s, max {max(acked, default=math.nan):.2f} s",
    ]


BOARD_HEADER = (
    "| code | sessions | submitted | refused | on the board | submit to board median / p95 "
    "/ max |\n| --- | ---: | ---: | ---: | ---: | --- |"
)


def board_row(row: Row) -> str:
    o = row.out
    acked, _ = to_board(o)
    return (
        f"| {row.label} | {row.n} | {len(o.submitted)} | {len(o.refused)} | "
        f"{len(o.on_board)} | {_median(acked):.2f} / {_p95(acked):.2f} / "
        f"{max(acked, default=math.nan):.2f} s |"
    )


HEADER = (
    "| code | sessions | all done | CPU floor | / floor | median run | last / median "
    "| server RSS peak (PSS) | processes | draw median / p95 / max | errors |\n"
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- | ---: |"
)


def report(row: Row) -> None:
    o, s = row.out, row.sampler
    print(f"\n== {row.label}: {row.n} sessions ({row.loads[0]} before, {row.loads[1]} after)")
    print(f"runs finished: {len(o.finish)} of {row.n}; errors: {len(o.errors)}")
    for e in o.errors[:10]:
        print(f"  error: {e}")
    plays = (
        f"; one Playground run {' / '.join(f'{t:.2f}' for t in row.one_play)} s, for "
        f"{row.played} of the {row.n}"
        if row.one_play
        else ""
    )
    print(
        f"all done {row.all_done:.1f} s; CPU floor {row.floor:.1f} s (one run on one thread "
        f"{' / '.join(f'{t:.2f}' for t, _ in row.one_run)} s{plays}) -> "
        f"{row.all_done / row.floor:.2f}x"
    )
    med = _median(o.finish)
    print(
        f"per run: median {med:.1f} s, last {row.all_done:.1f} s, last/median "
        f"{row.all_done / med:.2f}; the pages' own training seconds: median "
        f"{_median(o.reported):.1f} s; page loads median {_median(o.load_page):.1f} s, "
        f"max {max(o.load_page):.1f} s"
    )
    if o.replicas:
        print(f"sessions per replica: {dict(sorted(o.replicas.items()))}")
    if o.browser_finish:
        print(f"of which in Chromium: {', '.join(f'{t:.1f}' for t in o.browser_finish)} s")
    print(
        f"results: run numbers {sorted(set(r for r, _ in o.results))}, "
        f"test accuracies {sorted(set(a for _, a in o.results))}"
    )
    print(
        f"draw: {len(o.draw)} answers, median {_median(o.draw):.2f} s, p95 {_p95(o.draw):.2f} "
        f"s, max {max(o.draw, default=math.nan):.2f} s; {o.draw_right} read as drawn"
    )
    slow = sorted(zip(o.draw, o.draw_at, strict=True), reverse=True)[:3]
    print("slowest drawings: " + ", ".join(f"{d:.2f} s at {t:.0f} s" for d, t in slow))
    if o.in_challenge:
        print("\n".join(board_lines(row)))
    if s:
        cpu = s.cpu_used
        print(
            f"server: RSS peak {s.rss_peak / 2**20:.2f} GiB, PSS peak {s.pss_peak / 2**20:.2f} "
            f"GiB, {s.procs_peak} processes at most, {cpu:.0f} CPU s "
            f"({cpu / row.all_done:.2f} cores on average until all done)"
        )
        parts = ", ".join(f"{k} {v:.0f} s" for k, v in sorted(s.cpu_by_part().items()))
        print(f"server CPU by part: {parts}")
    if s and row.one_run:
        one_cpu = statistics.mean(c for _, c in row.one_run)
        print(
            f"server CPU / (N x one run's training CPU {one_cpu:.1f} s"
            f"{', a Playground run as its training seconds' if row.played else ''}): "
            f"{cpu / row.training_cpu():.2f} (1.0: no cost beyond training)"
        )
    print(f"client (this process) CPU: {row.client_cpu:.0f} s")
    if s and not math.isnan(s.machine_cpu):
        other = s.machine_cpu - s.cpu_used - row.client_cpu
        print(
            f"machine CPU while the server ran: {s.machine_cpu:.0f} s (this server and client "
            f"{s.cpu_used + row.client_cpu:.0f} s, the kernel's own work and other programs "
            f"about {other:.0f} s)"
        )


def _client_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def measure(args: argparse.Namespace, n: int, log: Path) -> Row:
    """One class of `n` on a fresh server (or on --url), with the floor around it."""
    label = args.label or args.app.name
    loads = [load()]
    floor = not (args.url or args.no_floor)
    floor_app = args.floor_app or args.app
    singles = [one_run(floor_app, args.cpus)] if floor else []
    played = args.play if args.board else 0
    plays = []
    if floor and played:
        plays.append(one_play(floor_app, args.cpus, args.play_epochs, args.play_seconds))
    cpu0 = _client_cpu()
    if args.url:
        out, sampler = asyncio.run(run_class(args.url, n, args, args.database_url)), None
    else:
        with server(args, log) as (url, pid, database), Sampler(pid).running() as sampler:
            out = asyncio.run(run_class(url, n, args, database))
        if floor:
            singles.append(one_run(floor_app, args.cpus))
        if plays:
            plays.append(one_play(floor_app, args.cpus, args.play_epochs, args.play_seconds))
    loads.append(load())
    floor = math.nan
    if singles:
        work = (n - played) * statistics.mean(t for t, _ in singles)
        work += played * statistics.mean(plays) if played else 0.0
        floor = work / cores(args.cpus)
    return Row(
        label, n, out, floor, singles, sampler, tuple(loads), _client_cpu() - cpu0, plays, played
    )


def main() -> None:
    args = _parse()
    args.app = args.app.resolve()
    args.floor_app = args.floor_app.resolve() if args.floor_app else None
    script = args.script or "serve.py if any"
    print(f"app: {args.app} ({script}); floor: {args.floor_app or args.app}; MNIST: {MNIST}")
    print(f"cpus: {args.cpus or 'all'} ({cores(args.cpus)})")
    rows = []
    for n in args.sessions:
        rows.append(measure(args, n, Path("/tmp") / f"classroom-{os.getpid()}-{n}.log"))
        report(rows[-1])
    print("\n" + HEADER)
    for row in rows:
        print(row.table_row())
    if args.board:
        print("\n" + BOARD_HEADER)
        for row in rows:
            print(board_row(row))


if __name__ == "__main__":
    main()
