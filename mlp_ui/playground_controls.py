"""The Playground page's settings: widgets <-> PlaygroundConfig <-> URL, and the buttons.

Every setting is a widget keyed `pg_<field>`, except the hidden layers, a tuple kept
under `pg_hidden` and changed by the +/- buttons. On a first visit the widgets are
seeded from the URL (a bad value is reported with the value used instead), on a return
from the session's last settings; every run writes the settings back to the URL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import streamlit as st

from mlp_core import playground as core
from mlp_core.playground_config import FEATURES, SCHEMA, PlaygroundConfig
from mlp_ui import animation, classroom
from mlp_ui import playground_challenge as challenge
from mlp_ui import playground_points as own
from mlp_ui import playground_state as state
from mlp_ui.playground_table import draw, key

HIDDEN = SCHEMA["hidden"]
"""Neurons per layer from HIDDEN.low to HIDDEN.high, at most HIDDEN.most layers."""

POINTS_KEY = "pts"
"""The own points in a link: x1,x2,label;... (at most playground_points.URL_POINTS)."""


@st.cache_resource(max_entries=256, show_spinner=False)
def points(name: str, n: int, noise: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A data set, made once per server and shared read-only by every session."""
    return core.make_points(name, n, noise, seed)


# -- seeding and reading the widgets --------------------------------------------------


def seed_widgets() -> None:
    """Before any widget is drawn: on a first visit (or a return from another page) set
    every widget from the URL, else from this session's last settings."""
    if key("dataset") in st.session_state:
        return
    pg = state.playground()
    query = classroom.page_query()
    if query or pg.config is None:
        config, problems = PlaygroundConfig.read_query(query)
        problems = [*problems, *_own_from_link(pg, query)]
        pg.link_problems = (problems, config)
    else:
        config = pg.config
    _set_widgets(config)


def _own_from_link(pg: state.Playground, query: dict[str, Any]) -> list[str]:
    """The own points a link carries (`pts=x1,x2,label;...`), or the starter points."""
    raw = query.get(POINTS_KEY)
    raw = raw[-1] if isinstance(raw, list) else raw
    if not raw:
        if not pg.own_version:
            pg.set_own(list(own.STARTER), undoable=False)
        return []
    try:
        pg.set_own(own.from_query(str(raw)), undoable=False)
    except ValueError as exc:
        if not pg.own_version:
            pg.set_own(list(own.STARTER), undoable=False)
        return [f"{POINTS_KEY}= in the link: {exc}. Using the starter points."]
    return []


def widget_values(config: PlaygroundConfig) -> dict[str, Any]:
    """The settings widgets' session-state values for `config`."""
    values = {key(name): getattr(config, name) for name in SCHEMA}
    values[key("features")] = list(config.features)
    return values


def _set_widgets(config: PlaygroundConfig) -> None:
    st.session_state.update(widget_values(config))


def lock_challenge() -> None:
    """In a class challenge, after `seed_widgets` and before any widget is drawn: its fixed
    settings over whatever the widgets (or a hand-made message) said."""
    rules = challenge.rules()
    if rules is None:
        return
    fixed = widget_values(rules.apply(PlaygroundConfig()))
    st.session_state.update({key(n): fixed[key(n)] for n in rules.fixed})


def link_problems() -> None:
    """Bad values in the link this page was opened with, until the settings change."""
    problems, seeded = state.playground().link_problems
    if problems and seeded == state.playground().config:
        st.warning("  \n".join(problems), icon=":material/link_off:")


def config() -> PlaygroundConfig | None:
    """The settings the widgets describe, written to the URL; None (with why) if invalid."""
    values = {name: st.session_state[key(name)] for name in SCHEMA}
    values["features"] = tuple(f for f in FEATURES if f in (values["features"] or ()))
    try:
        cfg = PlaygroundConfig(**values)
    except ValueError as exc:
        st.error(f"These settings cannot train: {exc}")
        return None
    query = cfg.to_query()
    pts = own.to_query(state.playground().own) if cfg.dataset == "own" else None
    if pts:
        query[POINTS_KEY] = pts
    classroom.write_query({**query, **challenge.query()})  # a link reproduces these settings
    return cfg


# -- the panels -----------------------------------------------------------------------


def data_panel() -> None:
    """Data set, noise, split, size, seed and Regenerate; the input features."""
    locked = challenge.locked()
    for name in ("dataset", "noise", "train_pct", "n_points"):
        draw(name, locked=locked)
    seed_col, regen_col = st.columns([1.2, 1], vertical_alignment="bottom")
    draw("seed", seed_col, locked)
    regen_col.button(
        "New",
        icon=":material/refresh:",
        key="pg_regenerate",
        on_click=_regenerate,
        width="stretch",
        help="Regenerate: new points, from the next seed",
        disabled="seed" in locked,
    )
    if st.session_state[key("dataset")] == "own":
        own_panel()
    draw("show_test", locked=locked)
    draw("features", locked=locked)


def own_panel() -> None:
    """The own points: how to add them, a CSV file of them, what was wrong with one."""
    pg = state.playground()
    st.caption(
        f"{len(pg.own)} points. Choose a class under the plane and click (tap) the plane to "
        "add a point; or load a CSV file of x1,x2,label lines (x1, x2 from -6 to 6, "
        "label 0 to 3)."
    )
    upload = st.file_uploader("Points from a CSV file", key="pg_csv")
    if upload is not None and upload.file_id != pg.csv_read:
        try:
            points = own.parse_csv(upload.getvalue())
        except ValueError as exc:
            st.error(f"{upload.name}: {exc}.")
        else:
            pg.csv_read = upload.file_id  # read once, not again on every rerun
            pg.set_own(points)
            st.rerun()
    if pg.own_problem:
        st.warning(pg.own_problem)


def _regenerate() -> None:
    seeds = SCHEMA["seed"].high + 1
    st.session_state[key("seed")] = (st.session_state[key("seed")] + 1) % seeds


def hyper_bar(columns: list) -> None:
    """Learning rate, activation, regularisation and its rate, batch size, in a row."""
    locked = challenge.locked()
    for name, column in zip(
        ("lr", "activation", "regularizer", "reg_rate", "batch_size"), columns, strict=True
    ):
        draw(name, column, locked)


# -- hidden layers: +/- buttons -------------------------------------------------------


def _set_hidden(hidden: tuple[int, ...]) -> None:
    st.session_state[key("hidden")] = hidden


def _add_layer() -> None:
    hidden = st.session_state[key("hidden")]
    if len(hidden) < HIDDEN.most:
        _set_hidden((*hidden, hidden[-1] if hidden else HIDDEN.default[0]))


def _remove_layer() -> None:
    _set_hidden(st.session_state[key("hidden")][:-1])


def _resize(layer: int, change: int) -> None:
    hidden = list(st.session_state[key("hidden")])
    hidden[layer] = min(max(hidden[layer] + change, HIDDEN.low), HIDDEN.high)
    _set_hidden(tuple(hidden))


def layer_buttons() -> None:
    """'+'/'-' for the number of hidden layers, then one pair per layer (each pair a row,
    on a phone too)."""
    hidden = st.session_state[key("hidden")]
    fixed = "hidden" in challenge.locked()  # a class challenge fixes the network
    bar = st.container(horizontal=True, vertical_alignment="center")  # a row on a phone too
    row = [bar, bar, bar]
    row[0].button(
        "",
        icon=":material/add:",
        key="pg_add_layer",
        on_click=_add_layer,
        disabled=fixed or len(hidden) >= HIDDEN.most,
        help="Add a hidden layer",
    )
    row[1].button(
        "",
        icon=":material/remove:",
        key="pg_remove_layer",
        on_click=_remove_layer,
        disabled=fixed or not hidden,
        help="Remove the last hidden layer",
    )
    row[2].markdown(f"**{len(hidden)} hidden layer{'' if len(hidden) == 1 else 's'}**")
    if not hidden:
        return
    cols = st.columns(len(hidden) + 2, gap="xsmall")
    for l, n in enumerate(hidden):
        plus = minus = cols[l + 1].container(horizontal=True, gap="small")
        plus.button(
            "",
            icon=":material/add:",
            key=f"pg_more_{l}",
            on_click=_resize,
            args=(l, 1),
            disabled=fixed or n >= HIDDEN.high,
            help=f"A neuron more in layer {l + 1}",
        )
        minus.button(
            "",
            icon=":material/remove:",
            key=f"pg_fewer_{l}",
            on_click=_resize,
            args=(l, -1),
            disabled=fixed or n <= HIDDEN.low,
            help=f"A neuron fewer in layer {l + 1}",
        )
        cols[l + 1].caption(f"{n}" if len(hidden) > 3 else f"{n} neuron{'' if n == 1 else 's'}")


# -- run buttons ----------------------------------------------------------------------


def sync(cfg: PlaygroundConfig) -> state.Playground:
    """Make the session's run follow the settings: a new run when the data or the network
    changed (it keeps playing if it was), the new training settings otherwise."""
    pg = state.playground()
    with pg.lock:
        stale_own = cfg.dataset == "own" and pg.run_own_version != pg.own_version
        if pg.run is None or pg.run.config.structure() != cfg.structure() or stale_own:
            _new_run(pg, cfg)
        elif pg.run.config != cfg:
            pg.run.retune(cfg)
            pg.message = ""  # it spoke of the old settings
        pg.config = cfg
    return pg


def own_points(pg: state.Playground, seed: int) -> tuple[np.ndarray, np.ndarray] | None:
    """The own points in an order shuffled by the seed (so the split into training and
    test points takes from every click), or None with fewer than 2 points."""
    if len(pg.own) < 2:
        return None
    order = np.random.default_rng(seed).permutation(len(pg.own))
    return core.own_points([pg.own[i] for i in order])


def _new_run(pg: state.Playground, cfg: PlaygroundConfig) -> None:
    if cfg.dataset == "own":
        pts = own_points(pg, cfg.seed)
        pg.run_own_version = pg.own_version
    else:
        pts = points(cfg.dataset, cfg.n_points, cfg.noise, cfg.seed)
    pg.run = None if pts is None else core.PlaygroundRun(cfg, pts)
    if pg.run is None:
        pg.playing = False
    pg.message = ""
    if pg.run is not None and pg.selected:
        sizes = pg.run.model.sizes
        if pg.selected[0] >= len(sizes) or pg.selected[1] >= sizes[pg.selected[0]]:
            pg.selected = None


def _act(action: Callable[[state.Playground], Any]) -> Callable[[], None]:
    def callback() -> None:
        pg = state.playground()
        with pg.lock:
            pg.message = ""
            action(pg)

    return callback


_PRESSES, _PRESSED = "pg_play_presses", "pg_play_pressed"
"""Session keys: Play/Pause presses so far; the press this run answers (then dropped)."""


def _playing(on: bool) -> Callable[[state.Playground], None]:
    """Play's (on) or Pause's action: two buttons in one place (one key whose label
    changed lost a press now and then); the press is counted for the focus script."""

    def action(pg: state.Playground) -> None:
        if on:
            pg.playing = True
        else:
            pg.halt()  # between epochs
        n = st.session_state[_PRESSES] = st.session_state.get(_PRESSES, 0) + 1
        st.session_state[_PRESSED] = n

    return action


def _step(pg: state.Playground) -> None:
    pg.playing = False
    if pg.run is not None:
        pg.message = pg.run.train(1)


def _reset(pg: state.Playground) -> None:
    pg.playing = False
    if pg.config is not None:
        _new_run(pg, pg.config)


def run_buttons(columns: list) -> None:
    """Play/Pause, Step, Reset, Snapshot."""
    pg = state.playground()
    c_play, c_step, c_reset, c_snap = columns
    if pg.playing:
        c_play.button(
            "Pause",
            icon=":material/pause:",
            key="pg_pause",
            type="primary",
            on_click=_act(_playing(False)),
            width="stretch",
        )
    else:
        c_play.button(
            "Play",
            icon=":material/play_arrow:",
            key="pg_play",
            type="primary",
            on_click=_act(_playing(True)),
            width="stretch",
        )
    if (presses := st.session_state.pop(_PRESSED, None)) is not None:
        js = animation.keep_focus_js("pg_pause" if pg.playing else "pg_play")
        st.html(f"<script>/* {presses} */{js}</script>", unsafe_allow_javascript=True)
    c_step.button(
        "Step",
        icon=":material/skip_next:",
        key="pg_step",
        on_click=_act(_step),
        width="stretch",
        help="Train one epoch, then pause",
    )
    c_reset.button(
        "Reset",
        icon=":material/replay:",
        key="pg_reset",
        on_click=_act(_reset),
        width="stretch",
        help="Back to epoch 0: the same starting weights (the "
        "seed decides them; Regenerate or another seed gives others)",
    )
    c_snap.button(
        "Snapshot",
        icon=":material/photo_camera:",
        key="pg_snapshot",
        on_click=_act(state.Playground.snapshot),
        width="stretch",
        help="Keep this network and its curves to compare with the next run",
    )
