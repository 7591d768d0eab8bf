"""The Playground's pictures, drawn in the browser by a component of ours.

The component (mlp_ui/components/playground: TypeScript, bundled by esbuild into
static/playground.js, committed; `npm run build` in its frontend/ folder rebuilds it) is
given numbers only: the points once per data set, then on every frame the weights, the
epoch, the losses and the curves. It computes every unit's picture over the plane and
draws the network, the output, the curves, the gradient bars and the unit shown large
with its formula. Nothing comes from a CDN: the bundle is served by this app's own
server (Streamlit's static file serving, .streamlit/config.toml) and fetched once per
page load; what the element
carries on every frame is a loader of a few lines that imports it. Inline, the 21 kB
bundle travelled with every frame: three quarters of a frame's bytes.

`payload` is pure (arrays in, a JSON-ready dict out); `show` mounts the component.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
import weakref
from pathlib import Path
from typing import Any

import numpy as np
import streamlit as st

from mlp_core import playground as core

BUNDLE = Path(__file__).resolve().parents[1] / "static" / "playground.js"
CURVE_POINTS = 200  # the loss curves are thinned to about this many epochs
DIGITS = 4  # weights travel with 4 decimals: far below what the pictures can show


def bundle_url() -> str:
    """The bundle's path on this server (under its base URL path, if any), with the
    bundle's digest as a version: a new bundle is never taken from a browser's cache."""
    version = hashlib.blake2b(BUNDLE.read_bytes(), digest_size=6).hexdigest()
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    return f"{'/' + base if base else ''}/app/static/{BUNDLE.name}?v={version}"


def loader(url: str) -> str:
    """The component's inline module: imports the bundle (the browser fetches it once;
    later frames find the module loaded) and hands it each frame. The leading comment
    line keeps it from ever looking like a file path to Streamlit (a string with a
    newline is inline code)."""
    return (
        "// MLP Lab's Playground: the bundle is served by the app (static/playground.js)\n"
        f"const url = new URL({json.dumps(url)}, window.location.origin).href;\n"
        "export default async function (component) {\n"
        "  const bundle = await import(url);\n"
        "  return bundle.default(component);\n"
        "}\n"
    )


_component = st.components.v2.component(
    "mlp_lab_playground", html="", js=loader(bundle_url()), isolate_styles=True
)


_tags: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_tag_lock = threading.Lock()
_next_tag = itertools.count(1)


def run_tag(run: core.PlaygroundRun) -> int:
    """A number naming `run` (a frame of another run is never drawn over this one's)."""
    with _tag_lock:
        if run not in _tags:
            _tags[run] = next(_next_tag) % 2**24  # exact in a float32
        return _tags[run]


def _picks(length: int, n: int = CURVE_POINTS) -> list[int] | None:
    """Indices of at most n evenly spaced values of `length`, the first and the last
    among them (spaced more than 1 apart, so no index twice); None: keep them all."""
    if length <= n:
        return None
    return np.linspace(0, length - 1, n).round().astype(int).tolist()


def _floats(values, digits: int = DIGITS) -> list:
    return np.round(np.asarray(values, dtype=np.float64), digits).tolist()


def curve(name: str, curves: core.Curves) -> dict[str, Any]:
    """One run's loss curves, thinned, for the component."""
    idx = _picks(len(curves.epoch))

    def thin(values: list) -> list:
        return list(values) if idx is None else [values[i] for i in idx]

    return {
        "name": name,
        "epoch": thin(curves.epoch),
        "train": _floats(thin(curves.train_loss)),
        "test": _floats(thin(curves.test_loss)),
    }


def data_id(run: core.PlaygroundRun) -> str:
    """Names the run's points: equal ids, equal points (the component caches them)."""
    digest = hashlib.blake2b(digest_size=8)
    for a in (run.X_train, run.y_train, run.X_test, run.y_test):
        digest.update(np.ascontiguousarray(a).tobytes())
    return digest.hexdigest()


def points(run: core.PlaygroundRun) -> dict[str, list]:
    """The run's training and test points as [x1, x2, label or target] rows."""

    def rows(X: np.ndarray, y: np.ndarray) -> list:
        y = y.astype(int) if run.task == "classify" else np.round(y, 3)
        return [[*map(float, np.round(x, 3)), v] for x, v in zip(X, y.tolist(), strict=True)]

    return {"train": rows(run.X_train, run.y_train), "test": rows(run.X_test, run.y_test)}


def output_kind(run: core.PlaygroundRun) -> str:
    if run.task != "classify":
        return "linear"
    return "softmax" if run.classes > 2 else "sigmoid"


def payload(
    run: core.PlaygroundRun | None,
    *,
    send_data: bool,
    selected: tuple[int, int] | None,
    snapshots: list[tuple[str, core.Curves]] = (),
    big: bool = False,
    touch: bool = False,
    edit: bool = False,
    empty: tuple[str, dict[str, list]] = ("", {"train": [], "test": []}),
    note: str = "",
    live: dict[str, str] | None = None,
) -> dict[str, Any]:
    """What the component draws. Without a run (own data with too few points) the plane
    `empty` = (id, points) is drawn alone, with `note` in place of the network. `live`
    (mlp_ui.playground_live.channel): where and with which ticket the component opens
    the live channel that brings the frames while it plays (None: the page's fragment
    timer brings them)."""
    if run is None:
        ident, pts = empty
        return {
            "data_id": ident,
            "data": pts,
            "net": None,
            "classes": 2,
            "epoch": 0,
            "train_loss": None,
            "test_loss": None,
            "accuracy": None,
            "confusion": None,
            "curves": [],
            "grad": [],
            "selected": None,
            "show_test": True,
            "big": big,
            "touch": touch,
            "edit": edit,
            "note": note,
            "run_tag": 0,
            "live": live,
        }
    model = run.model
    confusion = run.confusion()
    return {
        "data_id": data_id(run),
        "data": points(run) if send_data else None,
        "net": {
            "features": list(run.config.features),
            "activation": run.config.activation,
            "output": output_kind(run),
            "W": [_floats(W) for W in model.W],
            "b": [_floats(b) for b in model.b],
        },
        "classes": run.classes,
        "epoch": run.epoch,
        "train_loss": float(run.curves.train_loss[-1]),
        "test_loss": float(run.curves.test_loss[-1]),
        "accuracy": float(np.trace(confusion) / confusion.sum())
        if confusion is not None and confusion.sum()
        else None,
        "confusion": None if confusion is None else confusion.tolist(),
        "curves": [curve("now", run.curves), *(curve(n, c) for n, c in snapshots)],
        "grad": _floats(run.curves.grad_rms[-1], 8),
        "selected": list(selected) if selected else None,
        "show_test": run.config.show_test,
        "big": big,
        "touch": touch,
        "edit": edit,
        "note": note,
        "run_tag": run_tag(run),
        "live": live,
    }


def show(data: dict[str, Any], key: str = "pg_live") -> Any:
    """Mount (or update) the component; its result carries the events of this run:
    `unit` [column, unit] clicked, `point` {op: add/undo/clear, ...}, `need` a data id,
    `stopped` (a live frame said playing stopped), `live` (why the live channel failed)."""
    return _component(
        key=key,
        data=data,
        on_unit_change=_noop,
        on_point_change=_noop,
        on_need_change=_noop,
        on_stopped_change=_noop,
        on_live_change=_noop,
    )


def _noop() -> None:
    """Events are read from the result after mounting; the callbacks only declare them."""
