"""The Playground page's live part: three fragments that rerun on their own while it plays.

`_frame` reruns every FRAME_SECONDS (only it, not the page): it trains for at most
TRAIN_SECONDS, evaluates every unit over the plane in one forward pass, and redraws the
epoch counter, the network and the output, as images. `_curves` redraws the loss curves
every CURVE_SECONDS, `_below` the gradient sizes and the unit shown large every
BELOW_SECONDS: each plotly chart costs the browser tens of milliseconds per redraw
(benchmarks/playground_speed.py), which would hold the frames back. Paused, all three
draw once per page run.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from mlp_core import playground as core
from mlp_ui import classroom
from mlp_ui import playground_figures as figures
from mlp_ui import playground_raster as raster
from mlp_ui import playground_state as state

FRAME_SECONDS = 0.05  # the timer starts when a redraw has reached the browser
CURVE_SECONDS = 1.0
BELOW_SECONDS = 3.0
TRAIN_SECONDS = 0.02  # training per redraw, at most (the rest is drawing)
MAX_EPOCHS = 50  # per redraw
GRID = 61  # the output and the large unit: 61 x 61 points over [-6, 6]^2
TILE_EVERY = 3  # the small tiles take every 3rd point: 21 x 21
CHART = {"displayModeBar": False}
# Images go to the browser inline, as data URIs: given as bytes, st.image serves each from
# a URL that the next frame deletes, and a browser still fetching it showed a broken image.


def live(slots: dict) -> None:
    """The three fragments. `slots` are containers made by the page run: 'status',
    'network', 'output' (all three drawn by `_frame`), 'curves', 'below'."""
    every = {True: (FRAME_SECONDS, CURVE_SECONDS, BELOW_SECONDS), False: (None,) * 3}
    frame, curves, below = every[state.playground().playing]
    # Only _frame writes into containers made outside it; the other two are called inside
    # theirs. (With several fragments writing outside, a click on the network chart was
    # lost.) Each has its own key, so a click reruns the fragment that drew the chart.
    st.fragment(run_every=frame, key="pg_frame")(_frame)(slots)
    with slots["curves"]:
        st.fragment(run_every=curves, key="pg_curves")(_curves)()
    with slots["below"]:
        st.fragment(run_every=below, key="pg_below")(_below)()


def _frame(slots: dict) -> None:
    pg = state.playground()
    with pg.lock:
        if pg.run is None:
            return
        if pg.playing:
            pg.message = pg.run.train(MAX_EPOCHS, TRAIN_SECONDS)
            if pg.message:  # diverged: stop, and rerun the page to show Play again
                pg.playing = False
                st.rerun()
        run = pg.run
        grids = run.grids(GRID)
        with slots["status"]:
            _status(pg, run)
        with slots["network"]:
            _network(pg, run, grids)
        with slots["output"]:
            _output(run, grids[-1][0])


def _curves() -> None:
    pg = state.playground()
    with pg.lock:
        if pg.run is None:
            return
        snaps = [(s.name.split(" ")[0], s.curves) for s in pg.snapshots]  # "#2", as the table
        curves = [("now", pg.run.curves), *snaps]
        classroom.chart(figures.loss_figure(curves), key="pg_loss", config=CHART)


def _below() -> None:
    pg = state.playground()
    with pg.lock:
        if pg.run is None:
            return
        _gradients_and_unit(pg, pg.run, pg.run.grids(GRID))


def _status(pg: state.Playground, run: core.PlaygroundRun) -> None:
    train, test = run.curves.train_loss[-1], run.curves.test_loss[-1]
    c_epoch, c_train, c_test, c_acc = st.columns([1, 1, 1, 1.2])
    c_epoch.metric("Epoch", f"{run.epoch:,}")
    c_train.metric("Training loss", f"{train:.3f}")
    c_test.metric("Test loss", f"{test:.3f}")
    acc = run.accuracy()
    c_acc.metric(
        "Test accuracy" if acc is not None else "Test points",
        f"{acc:.1%}" if acc is not None else f"{len(run.y_test)}",
        help=f"On the {len(run.y_test)} test points, which the network never trains on.",
    )
    if pg.message:
        st.error(pg.message)


def unit_names(run: core.PlaygroundRun) -> list[list[str]]:
    """names[c][j]: input features, then 'layer c, neuron j', then 'output'."""
    sizes = run.model.sizes
    names = [[core.FEATURES[f][0] for f in run.config.features]]
    names += [
        [f"layer {c}, neuron {j + 1}" for j in range(n)] for c, n in enumerate(sizes[1:-1], 1)
    ]
    return [*names, ["output"]]


def _output_kind(run: core.PlaygroundRun) -> str:
    return "sigmoid" if run.task == "classify" else "linear"


def _units(run: core.PlaygroundRun) -> list[tuple[int, int]]:
    """(column, unit) of every unit that can be shown large: hidden and output."""
    return [(c, j) for c, n in enumerate(run.model.sizes) if c for j in range(n)]


def _network(pg: state.Playground, run: core.PlaygroundRun, grids: list[np.ndarray]) -> None:
    """While playing, the picture alone (an image costs the browser least); paused, as a
    chart whose units can be hovered and clicked. The unit shown large is settled first:
    the chart frames it, and a chart that changes between two runs loses its click."""
    if pg.selected not in _units(run):
        pg.selected = _units(run)[0]
    tiles = [g[:, ::TILE_EVERY, ::TILE_EVERY] for g in grids]
    picture = figures.network_picture(tiles, run.model.W, run.config.activation, _output_kind(run))
    if pg.playing:
        st.image(raster.data_uri(picture.png), width="content")
        hint = "Pause to click a unit and see it large."
    else:
        fig = figures.network_figure(picture, unit_names(run), pg.selected)
        event = classroom.chart(
            fig, key="pg_network", on_select="rerun", selection_mode="points", config=CHART
        )
        _clicked(pg, event.selection.points if event else [])
        hint = "Click a unit to see it large below."
    st.caption(
        "Each square is a unit's output over the whole input plane (blue positive, orange "
        f"negative); lines are weights, thicker for larger ones. {hint}"
    )


def _clicked(pg: state.Playground, points: list) -> None:
    """Select the unit of a new click (not an input; a click is applied only once), and
    rerun the page: the unit shown large is drawn by another fragment."""
    click = tuple(points[0].get("customdata", ())) if points else None
    new = click and click != pg.clicked and click[0] > 0
    pg.clicked = click
    if new:
        pg.selected = (int(click[0]), int(click[1]))
        st.rerun()


def _output(run: core.PlaygroundRun, output: np.ndarray) -> None:
    test = (run.X_test, run.y_test) if run.config.show_test else None
    picture = figures.boundary_picture(output, (run.X_train, run.y_train), test, run.task)
    st.container(key="pg_boundary").image(raster.data_uri(picture))
    what = (
        "blue where it says class 1, orange class 0, pale on the boundary"
        if run.task == "classify"
        else "its value from -1 (orange) to 1 (blue); the points are coloured by their targets"
    )
    st.caption(
        f"The output over the plane: {what}. Training points have a white edge, test "
        "points a black one."
    )


def _gradients_and_unit(
    pg: state.Playground, run: core.PlaygroundRun, grids: list[np.ndarray]
) -> None:
    grad_col, unit_col = st.columns([1, 1.6], gap="large")
    with grad_col:
        st.markdown("**Gradient size per layer** (last epoch)")
        classroom.chart(
            figures.gradient_figure(run.curves.grad_rms[-1]), key="pg_grad", config=CHART
        )
        st.caption(
            "With sigmoid and many layers the bars on the left shrink by orders of "
            "magnitude: those layers barely learn (vanishing gradients)."
        )
    with unit_col:
        _unit(pg, run, grids)


def _unit(pg: state.Playground, run: core.PlaygroundRun, grids: list[np.ndarray]) -> None:
    """'What a neuron sees': one unit large, with its incoming weights."""
    names = unit_names(run)
    options = _units(run)
    picked = st.selectbox(
        "What a neuron sees",
        options,
        index=options.index(pg.selected),
        format_func=lambda cj: names[cj[0]][cj[1]],
        key=f"pg_unit_{pg.selected}",
    )
    if picked != pg.selected:  # the network figure (another fragment) frames the unit
        pg.selected = picked
        st.rerun()
    c, j = picked
    kind = _output_kind(run) if c == len(names) - 1 else run.config.activation
    below = c - 1  # the layer the weights come from
    sources = names[0] if below == 0 else [f"neuron {k + 1}" for k in range(len(names[below]))]
    W, b = run.model.W[below][:, j], float(run.model.b[below][j])
    where = "the inputs" if below == 0 else f"layer {below}"
    fig = figures.neuron_figure(grids[c][j], kind, W, b, sources, where)
    classroom.chart(fig, key="pg_unit_fig", config=CHART)


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
