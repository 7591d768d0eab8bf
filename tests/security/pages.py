"""Attacks through the pages, in Streamlit's AppTest: what a browser sends (its cookie,
the query string, widget values, even of a locked widget, an uploaded file) to the same
page code a server runs. The browser's cookie `mlp_lab_key` is what `saved.me()` reads
into the session; here the session starts with it (`_as`), as a browser's would.

An uploaded file goes where the Train page's uploader sends its bytes
(`model_upload._load_upload`), and Submit to the board calls `class_train.submit` on the
current run, as its button does; both run inside a script run (`AppTest.from_function`).
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

from mlp_core.challenge import Rules
from mlp_core.config import TrainConfig
from mlp_core.playground_config import PlaygroundConfig
from mlp_core.serialize import SavedModel, model_to_bytes
from mlp_core.training import new_model
from mlp_ui import board_view, class_train, saved
from mlp_ui.model_upload import MAX_UPLOAD_MB
from tests.security.attacks import Attack, Got, attack
from tests.security.lab import Lab, Student, entry
from tests.store.helpers import history

PAGE: list[Attack] = []
APP = Path(__file__).resolve().parents[2] / "app.py"
SMALL = {"epochs": "2", "n": "1000", "hidden": "20", "seed": "1"}
"""A run that keeps the lab's rules, and trains in a second."""


@contextmanager
def app_on(lab: Lab) -> Iterator[None]:
    """The app's pages on the lab's database, with fresh shared caches."""
    before = os.environ.get("MLP_LAB_DATABASE_URL")
    os.environ["MLP_LAB_DATABASE_URL"] = lab.url
    for cached in (class_train.challenge_data, board_view.board_version, board_view.board_data):
        cached.clear()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("MLP_LAB_DATABASE_URL", None)
        else:
            os.environ["MLP_LAB_DATABASE_URL"] = before


def _as(at: AppTest, student: Student) -> AppTest:
    """The session of a browser whose cookie holds `student`'s secret."""
    at.session_state[saved.ME_KEY] = saved.Me(student.secret, in_browser=True)
    return at


def _ok(at: AppTest) -> AppTest:
    if at.exception:
        raise AssertionError(f"the page failed: {[e.value for e in at.exception]}")
    return at


def _texts(elements) -> str:
    return " | ".join(str(e.value) for e in elements)


# -- uploaded model files ------------------------------------------------------------
def _upload_and_submit(name: str, content: bytes, code: str, cid: int) -> None:
    """A script run: the uploader's bytes, then Submit to the board on the current run."""
    import streamlit as st

    from mlp_ui import class_train, state
    from mlp_ui.model_upload import _load_upload

    loaded, line = _load_upload(name, content)
    st.text(line)
    if loaded:
        st.text(class_train.submit(state.current_run()))


def upload(lab: Lab, name: str, content: bytes) -> list[str]:
    """What the page said to Eve's upload of `content` and her Submit (a line each)."""
    with app_on(lab):
        at = AppTest.from_function(
            _upload_and_submit, args=(name, content, lab.code, lab.challenge), default_timeout=60
        )
        at.query_params = {"class": lab.code, "challenge": str(lab.challenge)}
        _ok(_as(at, lab.eve).run())
    return [str(t.value) for t in at.text]


def _model_file(metadata: dict, config: TrainConfig | None = None) -> bytes:
    config = config or TrainConfig(hidden=20, epochs=2, n_train=1000, seed=1)
    model = new_model(config, 784, 10)
    return model_to_bytes(SavedModel(model, config, metadata))


def _not_on_board(lab: Lab) -> bool:
    return "Eve" not in lab.board_names()


@attack(
    "uploaded model submitted as a trained run",
    "a model file whose metadata says 'trained in this session' with a history and training "
    "digits; then Submit to the board",
    "the file's model scored on the board",
    into=PAGE,
)
def uploaded_as_trained(lab: Lab) -> Got:
    lies = {
        "source": "trained in this session",
        "trained_on": {"kind": "sample", "start": 0, "stop": 1000},
        "history": history(2).to_dict(),
    }
    said = upload(lab, "mine.npz", _model_file(lies))
    return Got(said[-1], said[-1].startswith("Refused") and _not_on_board(lab))


@attack(
    "model trained on other data",
    "a model trained at home on the test digits (whose private half the board scores), "
    "uploaded and submitted",
    "a model that saw the test digits scored on the board",
    into=PAGE,
)
def trained_on_test(lab: Lab) -> Got:
    claims = {
        "trained_on": {"kind": "full", "start": 60000, "stop": 70000},
        "data": "MNIST test digits",
        "history": history(2).to_dict(),
    }
    said = upload(lab, "test_set.npz", _model_file(claims))
    return Got(said[-1], said[-1].startswith("Refused") and _not_on_board(lab))


@attack(
    "uploaded model with NaN weights",
    "a model file (784-20-10) whose W0 holds NaN",
    "the model loaded or submitted",
    into=PAGE,
)
def nan_weights(lab: Lab) -> Got:
    arrays = np.load(io.BytesIO(_model_file({})), allow_pickle=False)
    arrays = {k: arrays[k] for k in arrays.files}
    arrays["W0"] = arrays["W0"].copy()
    arrays["W0"][3, 4] = np.nan
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    said = upload(lab, "nan.npz", buf.getvalue())
    return Got(said[0], len(said) == 1 and "NaN" in said[0] and _not_on_board(lab))


class _Payload:
    """A pickle that makes a folder when loaded (proof that it ran)."""

    def __init__(self, where: str) -> None:
        self.where = where

    def __reduce__(self):
        return (os.mkdir, (self.where,))


@attack(
    "pickle-carrying .npz",
    "a model file whose W0 is an object array holding a pickle that runs os.mkdir when loaded",
    "the pickle runs on the server (the folder appears)",
    into=PAGE,
)
def pickled(lab: Lab) -> Got:
    proof = Path(os.environ.get("TMPDIR", "/tmp")) / f"mlp_attack_pickle_{os.getpid()}"
    arrays = dict(np.load(io.BytesIO(_model_file({})), allow_pickle=False))
    arrays["W0"] = np.array([_Payload(str(proof))], dtype=object)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    said = upload(lab, "pickle.npz", buf.getvalue())
    ran = proof.exists()
    if ran:
        proof.rmdir()
    return Got(said[0] + ("; THE PICKLE RAN" if ran else ""), not ran and len(said) == 1)


BOMBS = {
    "512 MB": (512, False),
    "384 MB (under the 400 MB bound)": (384, False),
    "512 MB, its zip directory saying 64 KB": (512, True),
}


@cache
def _bomb(mb: int, lie: bool) -> bytes:
    """An .npz of an `mb` MB zero array (784 rows), ~1/1000 of that compressed; with
    `lie`, its zip directory says the member is 64 KB."""
    header = io.BytesIO()
    shape = (784, mb * 2**20 // (4 * 784))
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f4", "fortran_order": False, "shape": shape}
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z, z.open("W0.npy", "w") as f:
        f.write(header.getvalue())
        chunk = bytes(2**20)
        for _ in range(mb):
            f.write(chunk)
    data = buf.getvalue()
    if lie:  # the central directory's uncompressed size (offset 24 of its entry)
        at = data.rindex(b"PK\x01\x02") + 24
        data = data[:at] + (2**16).to_bytes(4, "little") + data[at + 4 :]
    return data


def _peak_rss_growth(call) -> tuple[object, float]:
    """call() -> its result and how far the process's peak memory rose, in MB (Linux)."""

    def status(field: str) -> int:
        text = Path("/proc/self/status").read_text()
        return int(re.search(rf"{field}:\s+(\d+) kB", text).group(1))

    Path("/proc/self/clear_refs").write_text("5")  # the peak starts again from now
    before = status("VmRSS")
    result = call()
    return result, (status("VmHWM") - before) / 1024


@attack(
    "zip bomb",
    "uploads of about 0.5 MB unpacking to " + "; ".join(BOMBS),
    "the server unpacks one (its memory grows by hundreds of MB)",
    into=PAGE,
)
def zip_bomb(lab: Lab) -> Got:
    from mlp_ui.model_upload import _load_upload

    lines, grown = [], []
    for what, (mb, lie) in BOMBS.items():
        data = _bomb(mb, lie)
        (ok, line), rise = _peak_rss_growth(lambda d=data: _load_upload("bomb.npz", d))
        lines.append(f"{what}: {line.split(': ', 1)[-1]} (memory +{rise:.0f} MB)")
        grown.append(rise if not ok else float("inf"))
    said = upload(lab, "bomb.npz", _bomb(512, False))  # and through a page: refused the same
    held = max(grown) < 100 and len(said) == 1 and _not_on_board(lab)
    return Got(" / ".join(lines), held)


@attack(
    "oversized model file",
    f"an upload of {MAX_UPLOAD_MB + 1} MB",
    "the file read as a model",
    into=PAGE,
)
def oversized_upload(lab: Lab) -> Got:
    said = upload(lab, "huge.npz", b"PK" + bytes((MAX_UPLOAD_MB + 1) * 2**20))
    return Got(said[0], len(said) == 1 and "larger than" in said[0])


# -- rule-breaking runs, through the Train page -------------------------------------
def train_and_submit(lab: Lab, query: dict[str, str], forge: dict | None = None) -> tuple:
    """Eve opens the challenge's Train link with `query`, sets `forge` (widget key ->
    value, locked widgets too) with the Start click, trains, submits: (the line, the run)."""
    from mlp_ui import state

    with app_on(lab):
        at = AppTest.from_file(APP, default_timeout=90)
        at.query_params = {**SMALL, **query, "class": lab.code, "challenge": str(lab.challenge)}
        _as(at, lab.eve).switch_page("views/train.py")
        _ok(at.run())
        for key, value in (forge or {}).items():
            # set_value refuses a disabled widget (the browser's own page would); a
            # hand-made websocket message sends the value all the same
            at.number_input(key=key)._value = value
        _ok(at.button(key="train_start").click().run())
        run = list(at.session_state[state.RUNS_KEY].values())[-1]
        _ok(next(b for b in at.button if b.label == "Submit to the board").click().run())
    said = [str(e.value) for e in [*at.success, *at.error]]
    return next(s for s in said if s.startswith(("Submitted", "Refused"))), run


def _rule(query: dict[str, str], breaks: str):
    def act(lab: Lab) -> Got:
        line, _ = train_and_submit(lab, query)
        return Got(line, line.startswith("Refused") and breaks in line and _not_on_board(lab))

    return act


for _name, _query, _breaks in (
    ("units", {"hidden": "60"}, "60 hidden units in a layer: the rule is at most 50"),
    ("layers", {"layers": "2"}, "2 hidden layers: the rule is at most 1"),
    ("epochs", {"epochs": "3"}, "3 epochs: the rule is at most 2"),
):
    attack(
        f"rule-breaking run: {_name}",
        f"the challenge's Train link with {'&'.join(f'{k}={v}' for k, v in _query.items())}; "
        "train, Submit",
        "the run on the board",
        into=PAGE,
    )(_rule(_query, _breaks))


@attack(
    "locked setting changed in the query string",
    "the challenge's Train link with seed=7 (the challenge fixes seed 1); train, Submit",
    "a run with seed 7 trained or on the board",
    into=PAGE,
)
def locked_query(lab: Lab) -> Got:
    line, run = train_and_submit(lab, {"seed": "7"})
    seeds = {e.config.get("seed") for e in lab.classes.entries(lab.code, lab.challenge)}
    return Got(
        f"trained with seed {run.config.seed}; {line}", run.config.seed == 1 and 7 not in seeds
    )


@attack(
    "locked widget forged",
    "the disabled Seed widget's value sent as 7 together with the Start click (as a "
    "hand-made websocket message would); train, Submit",
    "a run with seed 7 trained or on the board",
    into=PAGE,
)
def locked_widget(lab: Lab) -> Got:
    line, run = train_and_submit(lab, {}, forge={"train_seed": 7})
    seeds = {e.config.get("seed") for e in lab.classes.entries(lab.code, lab.challenge)}
    got = f"trained with seed {run.config.seed}; {line}"
    return Got(got, run.config.seed == 1 and 7 not in seeds)


# -- the Board with hostile query strings and names ---------------------------------
def board(lab: Lab, query: dict[str, str]) -> AppTest:
    with app_on(lab):
        at = AppTest.from_file(APP, default_timeout=60)
        at.query_params = query
        at.switch_page("views/board.py")
        return _ok(at.run())


@attack(
    "hostile query string on the Board",
    "board?class=' OR 1=1 --&challenge=1; and the class's code with the club's challenge id",
    "a board shown for either",
    into=PAGE,
)
def board_query(lab: Lab) -> Got:
    found = [
        board(lab, {"class": "' OR 1=1 --", "challenge": str(lab.challenge)}),
        board(lab, {"class": lab.code, "challenge": str(lab.club_challenge)}),
    ]
    said = sorted({_texts(at.warning) for at in found})
    shown = any(at.dataframe or at.get("plotly_chart") for at in found)
    return Got(" / ".join(said), not shown and all("not found" in s for s in said))


@attack(
    "names with HTML and markdown on the projected Board",
    "students named '<img src=x onerror=a()>' and '**[win](http://e.vil)**' lead the board; "
    "board?projector=1",
    "a tag or link rendered (unescaped in the page's HTML or markdown)",
    into=PAGE,
)
def board_names(lab: Lab) -> Got:
    for k, name in enumerate(("<img src=x onerror=a()>", "**[win](http://e.vil)**")):
        who = lab.student()
        lab.classes.join(lab.code, who.who, name)
        lab.classes.submit(lab.code, lab.challenge, who.who, entry(f"n{k}", 0.99 - k / 100))
    at = board(lab, {"class": lab.code, "challenge": str(lab.challenge), "projector": "1"})
    html = " ".join(h.proto.body for h in at.get("html"))
    leading = next(m.value for m in at.markdown if "Leading" in m.value)
    held = "<img" not in html and "&lt;img" in html and "](http" not in leading
    cell = html[html.index("&lt;img") :].split("</td>")[0]
    return Got(f"the table's cell: '{cell}'; the markdown: '{leading[:72]}...'", held)


# -- a Playground challenge, through the Playground page ----------------------------
PLAY_DATA = dict(dataset="circles", noise=10, n_points=200, train_pct=50, seed=4)
PLAY_RULES = Rules(data="playground", measure="test loss", max_hidden=4, fixed=PLAY_DATA)
"""A Playground challenge: circles, noise 10, 200 points, seed 4; at most 4 neurons."""


def play_and_submit(lab: Lab, query: dict[str, str], forge=None, more: bool = False) -> tuple:
    """Eve opens a Playground challenge's Play link with `query` added, sets `forge` (a
    function of the page: locked widgets too) with each Step click, steps twice (after a
    neuron more with `more`), submits: (the line, the run, the challenge's id)."""
    from mlp_ui import playground_state

    cid = lab.classes.add_challenge(lab.code, lab.key, "Circle", PLAY_RULES)
    link = PLAY_RULES.apply(PlaygroundConfig()).to_query()
    with app_on(lab):
        at = AppTest.from_file(APP, default_timeout=60)
        at.query_params = {**link, **query, "class": lab.code, "challenge": str(cid)}
        _as(at, lab.eve).switch_page("views/playground.py")
        _ok(at.run())
        if more:
            _ok(at.button(key="pg_more_0").click().run())
        for _ in range(2):
            if forge:  # sent with each click, as a hand-made websocket message would
                forge(at)
            _ok(at.button(key="pg_step").click().run())
        run = at.session_state[playground_state.KEY].run
        _ok(at.button(key="pg_class_submit").click().run())
    said = [str(e.value) for e in [*at.success, *at.error]]
    return next(s for s in said if s.startswith(("Submitted", "Refused"))), run, cid


def _play_data(lab: Lab, cid: int) -> set:
    """(data set, noise, seed) of every entry of the Playground challenge."""
    entries = lab.classes.entries(lab.code, cid)
    return {(e.config["dataset"], e.config["noise"], e.config["seed"]) for e in entries}


@attack(
    "Playground challenge: locked data changed in the link",
    "the challenge's Play link with data=own, noise=40, seed=9, n=1000 (it fixes circles, "
    "noise 10, seed 4, 200 points); play, Submit",
    "a run on other points trained or on the board",
    into=PAGE,
)
def play_locked_query(lab: Lab) -> Got:
    line, run, cid = play_and_submit(lab, {"data": "own", "noise": "40", "seed": "9", "n": "1000"})
    c = run.config
    got = f"played {c.dataset}, noise {c.noise}, seed {c.seed}, {c.n_points} points; {line}"
    return Got(got, (c.dataset, c.noise, c.seed, c.n_points) == ("circles", 10, 4, 200)
               and _play_data(lab, cid) <= {("circles", 10, 4)})  # fmt: skip


def _forge_play(at: AppTest) -> None:
    at.number_input(key="pg_seed")._value = 9  # set_value refuses a disabled widget
    at.slider(key="pg_noise")._value = 40
    at.pills(key="pg_dataset")._value = "own"


@attack(
    "Playground challenge: locked widgets forged",
    "the disabled Seed, Noise and Data widgets' values sent as 9, 40 and 'own' (the "
    "student's own points) with each Step click; play, Submit",
    "a run on other points trained or on the board",
    into=PAGE,
)
def play_locked_widget(lab: Lab) -> Got:
    line, run, cid = play_and_submit(lab, {}, forge=_forge_play)
    c = run.config
    got = f"played {c.dataset}, noise {c.noise}, seed {c.seed}; {line}"
    held = (c.dataset, c.noise, c.seed) == ("circles", 10, 4)
    return Got(got, held and _play_data(lab, cid) <= {("circles", 10, 4)})


@attack(
    "Playground challenge: a neuron too many",
    "a neuron more in the first layer (5; the rule is at most 4); play, Submit",
    "the run on the board",
    into=PAGE,
)
def play_rule(lab: Lab) -> Got:
    line, _, cid = play_and_submit(lab, {}, more=True)
    breaks = "5 hidden units in a layer: the rule is at most 4"
    return Got(line, breaks in line and not lab.classes.entries(lab.code, cid))


def _play_submit_script() -> None:
    """A script run: a Playground run of 2 epochs, then the Playground's Submit."""
    import streamlit as st

    from mlp_core.playground import PlaygroundRun, make_points
    from mlp_core.playground_config import PlaygroundConfig
    from mlp_ui import playground_challenge, playground_state

    pg = playground_state.playground()
    c = PlaygroundConfig()
    pg.run = PlaygroundRun(c, make_points(c.dataset, c.n_points, c.noise, c.seed))
    pg.run.train(2)
    st.text(playground_challenge.submit(pg))


@attack(
    "Playground run submitted to an MNIST challenge",
    "the Playground's Submit called with the MNIST challenge's link (class=...&challenge=...)",
    "a 2-D network on the digits' board",
    into=PAGE,
)
def play_to_mnist(lab: Lab) -> Got:
    with app_on(lab):
        at = AppTest.from_function(_play_submit_script, default_timeout=60)
        at.query_params = {"class": lab.code, "challenge": str(lab.challenge)}
        _ok(_as(at, lab.eve).run())
    said = _texts(at.text)
    return Got(said, said.startswith("No challenge") and _not_on_board(lab))
