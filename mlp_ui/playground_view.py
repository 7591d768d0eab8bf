"""The Playground page's live part: one fragment, and the frames that keep it moving.

Served by serve.py, the live channel (mlp_ui.playground_live) brings the frames: the
fragment hands the component a ticket and the component opens a WebSocket on which the
server trains a slice with mlp_core's NumPy step and sends the weights, over and over,
while the session plays. Run with plain `streamlit run app.py` (or in AppTest), or
where the browser cannot open the socket, `_frame` reruns every FRAME_SECONDS instead
(only it, not the page) and does the same through Streamlit: trains for the time this
session has earned (mlp_ui.playground_share: the server's training time is shared
evenly by the sessions playing, whatever their frame rates) and hands the new weights,
the losses and the epoch to the component (mlp_ui.playground_component), which
computes and draws every picture itself. The points travel once per data set. Paused,
the fragment draws once per page run.
"""

from __future__ import annotations

import streamlit as st

from mlp_core import playground as core
from mlp_ui import classroom, playground_live
from mlp_ui import playground_challenge as challenge
from mlp_ui import playground_component as component
from mlp_ui import playground_points as own
from mlp_ui import playground_state as state
from mlp_ui.playground_table import key

FRAME_SECONDS = 0.015  # the timer starts when a frame has reached the browser
STOP_LOSS_KEY, STOP_EPOCHS_KEY = "pg_stop_loss", "pg_stop_epochs"


def live() -> None:
    """The fragment, in the page where it is called."""
    pg = state.playground()
    pg.sent_data = None  # a page run may draw the component anew: send the points with it
    # the stop condition, where the live channel's frames read it too
    rules = challenge.rules()
    pg.stop_when = (
        float(st.session_state.get(STOP_LOSS_KEY) or 0.0),
        int((rules.max_epochs if rules else 0) or st.session_state.get(STOP_EPOCHS_KEY) or 0),
        float(rules.max_seconds if rules else 0.0),
    )
    # Whether the live channel brings the frames, decided once per page run (the
    # fragment's runs read it). In a class challenge too: the frames note the run's
    # progress for the teacher through what the page hands them (pg.progress), and a
    # frame that stops the run has the page rerun, which submits it if the teacher chose.
    pg.live_ok = playground_live.available(pg)
    pg.progress = challenge.reporter() if rules is not None and pg.live_ok else None
    timer = pg.playing and not pg.live_ok
    st.fragment(run_every=FRAME_SECONDS if timer else None, key="pg_frame")(_frame)()


def _frame() -> None:
    pg = state.playground()
    live = playground_live.channel(pg) if pg.live_ok else None
    with pg.lock:
        run = pg.run
        if run is not None and pg.playing and live is None:
            playground_live.play_slice(pg)
            challenge.progress(run)  # in a class challenge only: the teacher's view
            if not pg.playing:  # diverged or done: rerun the page to show Play again
                st.rerun(scope="app")
        data = _payload(pg, run, live)
    if pg.message and not pg.playing:
        st.error(pg.message) if "infinite" in pg.message else st.info(pg.message)
    result = component.show(data)
    _events(pg, result)


def _payload(pg: state.Playground, run: core.PlaygroundRun | None, live: dict | None) -> dict:
    big = classroom.projector()
    edit = pg.config is not None and pg.config.dataset == "own"
    snaps = [(s.name.split(" ")[0], s.curves) for s in pg.snapshots]  # "#2", as the table
    if run is None:
        rows = [[x1, x2, c] for x1, x2, c in pg.own]
        ident = f"own-{pg.own_version}"
        return component.payload(
            None,
            send_data=True,
            selected=None,
            big=big,
            touch=classroom.touch(),
            edit=edit,
            empty=(ident, {"train": rows, "test": []}),
            note="Add points of at least two classes: choose a class, then click (tap) the plane.",
            live=live,
        )
    ident = component.data_id(run)
    send = pg.sent_data != ident
    pg.sent_data = ident
    if pg.selected not in units(run):
        pg.selected = units(run)[0]
    return component.payload(
        run,
        send_data=send,
        selected=pg.selected,
        snapshots=snaps,
        big=big,
        edit=edit,
        touch=classroom.touch(),
        live=live,
    )


def _events(pg: state.Playground, result) -> None:
    """A unit clicked, a point added, Undo, Clear, points asked for again, playing
    stopped by a live frame (show Play again), or the live channel failed (use the
    fragment's timer from now on)."""
    if result is None:
        return
    if result.get("live"):
        pg.no_live = True
        st.rerun(scope="app")
    if result.get("stopped"):
        st.rerun(scope="app")
    need, unit, point = result.get("need"), result.get("unit"), result.get("point")
    if need:
        pg.sent_data = None  # the next frame sends the points
        st.rerun(scope="fragment")
    if unit and pg.run is not None and tuple(unit) in units(pg.run):
        pg.selected = (int(unit[0]), int(unit[1]))
        st.rerun(scope="app")  # the picker under the picture follows
    if point:
        with pg.lock:
            if point.get("op") == "undo":
                pg.undo_own()
            else:
                try:
                    pg.set_own(own.edit(pg.own, point))
                except (ValueError, KeyError, TypeError) as exc:
                    pg.own_problem = f"That point was not added: {exc}."
        st.rerun(scope="app")


def unit_names(run: core.PlaygroundRun) -> list[list[str]]:
    """names[c][j]: input features, then 'layer c, neuron j', then the output(s)."""
    sizes = run.model.sizes
    names = [[core.FEATURES[f][0] for f in run.config.features]]
    names += [
        [f"layer {c}, neuron {j + 1}" for j in range(n)] for c, n in enumerate(sizes[1:-1], 1)
    ]
    k = sizes[-1]
    return [*names, [f"output {j + 1} (class {j})" for j in range(k)] if k > 1 else ["output"]]


def units(run: core.PlaygroundRun) -> list[tuple[int, int]]:
    """(column, unit) of every unit that can be shown large: hidden and output."""
    return [(c, j) for c, n in enumerate(run.model.sizes) if c for j in range(n)]


def unit_picker() -> None:
    """'What a neuron computes': pick the unit shown large (as a click on it does)."""
    pg = state.playground()
    run = pg.run
    if run is None:
        return
    names, options = unit_names(run), units(run)
    if pg.selected not in options:
        pg.selected = options[0]
    picked = st.selectbox(
        "What a neuron computes",
        options,
        index=options.index(pg.selected),
        format_func=lambda cj: names[cj[0]][cj[1]],
        key=f"pg_unit_{pg.selected}",
        help="Or click a unit in the network picture (arrow keys and Enter there too).",
    )
    if picked != pg.selected:
        pg.selected = picked
        st.rerun()


def stop_inputs(columns) -> None:
    """The stop condition: a test loss to stop at, or a number of epochs (0: none); in a
    challenge with an epoch limit, that limit, locked."""
    rules = challenge.rules()
    limit = rules.max_epochs if rules else 0
    if limit:
        st.session_state[STOP_EPOCHS_KEY] = limit
    columns[0].number_input(
        "Stop at test loss (0: never)",
        min_value=0.0,
        max_value=10.0,
        step=0.01,
        format="%.3f",
        key=STOP_LOSS_KEY,
    )
    columns[1].number_input(
        "Stop after epochs (0: never)",
        min_value=0,
        max_value=1_000_000,
        step=100,
        key=STOP_EPOCHS_KEY,
        disabled=bool(limit),
        help=f"The challenge's limit: at most {limit:,} epochs" if limit else None,
    )


def snapshots_panel() -> None:
    """The snapshots kept so far, and a way to drop them."""
    pg = state.playground()
    if not pg.snapshots:
        st.caption(
            "Snapshot keeps the current network and its curves; they are then drawn "
            "beside the live run's (dashed = test loss)."
        )
        return
    rows = [
        {
            "run": s.name,
            "training loss": s.curves.train_loss[-1],
            "test loss": s.curves.test_loss[-1],
        }
        for s in pg.snapshots
    ]
    st.dataframe(
        rows,
        hide_index=True,
        column_config={
            "training loss": st.column_config.NumberColumn(format="%.4f"),
            "test loss": st.column_config.NumberColumn(format="%.4f"),
        },
    )
    st.button("Forget the snapshots", key="pg_forget", on_click=pg.forget_snapshots)
    kept = [s.name for s in pg.snapshots if s.name in pg.snapshot_points]
    if kept:
        pick, use = st.columns([3, 1], vertical_alignment="bottom")
        name = pick.selectbox("Own points kept in a snapshot", kept, key="pg_snap_points")
        use.button("Use these points", key="pg_use_points", on_click=_use_points, args=(name,))


def _use_points(name: str) -> None:
    """Put a snapshot's own points back on the plane (a new network trains on them)."""
    pg = state.playground()
    with pg.lock:
        pg.set_own(pg.snapshot_points[name])
    st.session_state[key("dataset")] = "own"
