"""The Libraries page's widgets and its training loop: the same network in scikit-learn and
PyTorch beside mlp_core, the code for each, and the one-step proof.

The side-by-side runs (mlp_compare.runs.Comparison) train inside the page's own script,
like the Train page's runs: `train_comparison` steps them in slices of half a second and
redraws the curves in between; a click or a page switch ends the script run between two
slices. Every slice and every change of status happens under the comparison's lock.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from mlp_compare import codegen, notes, one_step
from mlp_compare import conversions as cv
from mlp_compare.runs import Comparison, seconds_per_epoch
from mlp_core.config import TrainConfig
from mlp_core.history import Status
from mlp_core.losses import LOSSES
from mlp_core.training import new_model
from mlp_ui import chart_text, classroom, library_figures, saved_libraries, state
from mlp_ui import data as ui_data
from mlp_ui.slices import train_in_slices

PICK_KEY = "lib_pick"  # the libraries beside mlp_core (a multiselect)


@dataclass(frozen=True)
class Pace:
    """Seconds per slice; `max_slices` (tests only) ends a script run with the runs going on."""

    seconds: float = 0.5
    max_slices: int | None = None


PACE = Pace()
CHART_CONFIG = {"displaylogo": False}


@dataclass
class View:
    """Placeholders the training loop redraws."""

    status: DeltaGenerator
    chart: DeltaGenerator
    table: DeltaGenerator


# -- settings --------------------------------------------------------------------------


def current() -> TrainConfig:
    """The settings this page trains: the Train page's, this page's URL keys over them,
    with no more training digits than there are."""
    base = state.train_settings() or TrainConfig()
    config = TrainConfig.from_query(classroom.page_query(), base)
    available = len(ui_data.dataset(config.scaling, config.dtype).y_train)
    return config.replace(n_train=min(config.n_train, available))


def settings() -> TrainConfig | None:
    """The settings (`current`), shown with where they come from; None with a message
    if they cannot train."""
    config = current()
    if classroom.page_query():
        origin = "from this page's address"
    else:
        origin = "from the Train page" if state.train_settings() else "(the Train page's defaults)"
    st.markdown(f"**Settings** {origin}: {describe(config)}.")
    if config.batch_size > config.n_train:
        st.error(
            f"The batch size ({config.batch_size}) is larger than the {config.n_train:,} "
            "training digits: lower it on the Train page."
        )
        return None
    return config


def start_now() -> None:
    """Start the libraries picked on the current settings (a "Try this" action)."""
    config = current()
    if config.batch_size <= config.n_train:
        _start(config)


def describe(c: TrainConfig) -> str:
    """The settings in one line, with the Train page's names for the choices."""
    arch = "-".join(map(str, (784, *c.hidden_sizes, 10)))
    pixels = {"01": "[0, 1]", "pm1": "[-1, 1]"}[c.scaling]
    return (
        f"{arch} {c.activation}, {LOSSES[c.loss].label}, lr {c.lr:g} ({c.reduction} over "
        f"the batch), momentum {c.momentum:g}, L2 {c.l2:g}, batch {c.batch_size}, "
        f"{c.epochs} epochs, seed {c.seed}, {c.n_train:,} training digits, {c.init} init, "
        f"pixels in {pixels}"
    )


# -- the side-by-side runs -------------------------------------------------------------


def run_controls(config: TrainConfig | None) -> View:
    """Library choice, Start and Stop, then the status line, the curves and the table."""
    has_torch = cv.torch_available()
    pick, start, stop = st.columns([2.2, 1, 1], vertical_alignment="bottom")
    options = ["scikit-learn", "PyTorch"] if has_torch else ["scikit-learn"]
    pick.multiselect("Beside mlp_core", options, default=options, key=PICK_KEY)
    running = (c := state.comparison()) is not None and c.status is Status.RUNNING
    start.button(
        "Start",
        key="lib_start",
        type="primary",
        width="stretch",
        disabled=config is None or running,
        on_click=_start,
        args=(config,),
    )
    stop.button("Stop", key="lib_stop", width="stretch", disabled=not running, on_click=_stop)
    if not has_torch:
        st.info(
            f"PyTorch is not installed here. `{cv.TORCH_INSTALL}` adds its run beside these "
            "and its line in the one-step proof below (a CPU build)."
        )
    view = View(st.empty(), st.empty(), st.empty())
    draw(view)
    return view


def _start(config: TrainConfig | None) -> None:
    """New runs of the libraries picked now (read here: a change just before the click
    may not have redrawn the button yet)."""
    if config is None:
        return
    _stop()
    data = ui_data.dataset(config.scaling, config.dtype)
    libraries = tuple(st.session_state.get(PICK_KEY, ()))
    state.set_comparison(Comparison.start(config, data, libraries))


def _stop() -> None:
    found = state.comparison()
    if found is not None:
        with found.lock:
            if found.status is Status.RUNNING:
                found.status = Status.STOPPED
        saved_libraries.keep(found, _kept_name(found))


def _kept_name(found: Comparison) -> str:
    return f"{' vs '.join(found.runs)}: {describe(found.config)}"


def draw(view: View) -> None:
    """Status line, curves and table of the current comparison (or the empty state)."""
    found = state.comparison()
    if found is None:
        view.status.info("Press **Start**: the curves of every library grow below, per epoch.")
        fig = library_figures.library_curves([], big=classroom.projector())
        with view.chart.container():
            classroom.chart(
                fig, width="stretch", config=CHART_CONFIG, alt=chart_text.library_curves_alt([])
            )
        return
    runs = [(name, run.history) for name, run in found.runs.items()]
    view.status.markdown(_status(found))
    fig = library_figures.library_curves(runs, found.config.epochs, classroom.projector())
    alt, numbers = chart_text.library_curves_alt(runs), chart_text.library_curves_table(runs)
    with view.chart.container():  # an st.empty holds one element: the chart and its words
        classroom.chart(fig, width="stretch", config=CHART_CONFIG, alt=alt, table=numbers)
    with view.table.container():
        st.dataframe(table(found), hide_index=True, width="stretch")
        st.caption(
            "Test accuracy: on the public half of the test digits, which none of the "
            "networks trained on (the other half is kept for class boards), "
            "once the runs stop. Seconds per epoch: the median, training plus one pass "
            "over the validation digits, every library on one thread (the Train page "
            "spreads mlp_core over two cores)."
        )


def _status(found: Comparison) -> str:
    """What the runs are doing, the epochs each has done, and why any of them ended early."""
    target = found.config.epochs
    parts = [f"{name} {len(run.history.epochs)} of {target}" for name, run in found.runs.items()]
    what = {Status.RUNNING: "Training", Status.STOPPED: "Stopped", Status.DONE: "Done"}[
        found.status
    ]
    ended = [
        run.history.message
        if run.history.message.startswith(name)
        else f"{name}: {run.history.message}"
        for name, run in found.runs.items()
        if run.history.status in (Status.DIVERGED, Status.EARLY_STOPPED)
    ]
    return f"**{what}.** Epochs done: " + ", ".join(parts) + ". " + " ".join(ended)


def table(found: Comparison) -> list[dict]:
    """One row per library: test accuracy (when not training), seconds per epoch, size."""
    digits = f"test accuracy ({ui_data.public_test(found.config.scaling)[2]})"
    rows = []
    for name, run in found.runs.items():
        spe = seconds_per_epoch(run.history)
        acc = _test_accuracy(found, name) if found.status is not Status.RUNNING else None
        last = run.history.epochs[-1] if run.history.epochs else None
        rows.append(
            {
                "library": name,
                "epochs": len(run.history.epochs),
                "validation accuracy": f"{last.valid_acc:.2%}" if last else "–",
                digits: f"{acc:.2%}" if acc is not None else "–",
                "seconds per epoch": f"{spe:.2f}" if spe is not None else "–",
                "parameters": f"{run.n_params:,}",
            }
        )
    return rows


def _test_accuracy(found: Comparison, name: str) -> float | None:
    """The run's accuracy on the test digits, once per number of epochs (None before one)."""
    run = found.runs[name]
    if not run.history.epochs:
        return None
    key = (name, len(run.history.epochs))
    if key not in found.test_scores:
        X, y, _ = ui_data.public_test(found.config.scaling)  # the private half: boards only
        X = X.astype(found.config.np_dtype, copy=False)
        with found.lock:
            found.test_scores[key] = run.accuracy(X, y)
    return found.test_scores[key]


def train_comparison(view: View) -> None:
    """Step the running comparison slice by slice, redrawing the view after an epoch ends;
    call it last. When it is finished or stopped the page reruns (the table gets test
    accuracy)."""
    found = state.comparison()
    if found is None or found.status is not Status.RUNNING:
        return
    shown = _epochs(found)

    def train_slice() -> bool:
        with found.lock:
            if found.status is not Status.RUNNING:
                return False
            found.step(PACE.seconds)
        if found.status is not Status.RUNNING:
            saved_libraries.keep(found, _kept_name(found))  # done: kept for this browser
        return found.status is Status.RUNNING

    def redraw() -> None:
        nonlocal shown
        if (now := _epochs(found)) != shown:
            shown = now
            draw(view)

    train_in_slices(train_slice, redraw, PACE.max_slices)


def _epochs(found: Comparison) -> tuple[int, ...]:
    return tuple(len(run.history.epochs) for run in found.runs.values())


# -- the proof: one step -----------------------------------------------------------------


@st.cache_data(show_spinner="One step in every library...", max_entries=64)
def one_step_results(config: TrainConfig, torch_too: bool) -> list[one_step.StepResult]:
    """One SGD step from mlp_core's first weights on the first minibatch (cached per config)."""
    data = ui_data.dataset(config.scaling, config.dtype)
    X, y = data.X_train[: config.batch_size], np.asarray(data.y_train[: config.batch_size])
    model = new_model(config, X.shape[1], 10)
    return one_step.compare(model, np.array(X), y, config)


def proof(config: TrainConfig) -> None:
    results = one_step_results(config, cv.torch_available())
    worst = max(r.max_diff for r in results)
    st.markdown(
        f"From mlp_core's first weights, one SGD step on the first {config.batch_size} "
        f"training digits: **after one step the largest difference is {worst:.1e}** "
        f"(the step itself moved a weight by up to {results[0].max_step:.1e})."
    )
    st.dataframe(
        [
            {
                "library": r.library,
                "largest difference from mlp_core": f"{r.max_diff:.1e}",
                "float32 rounding allows": f"{r.tolerance:.1e}",
                "same network": "yes" if r.agrees else "NO",
            }
            for r in results
        ],
        hide_index=True,
    )
    with classroom.why("Why a difference at all, and how much is allowed?"):
        st.markdown(
            f"The allowance is {one_step.ULPS} units in the last place (np.finfo eps) of "
            "the largest weight plus the largest step: each library sums the same products "
            "in its own order. Momentum does nothing on a first step, so this is plain SGD."
        )


# -- the code ----------------------------------------------------------------------------


def code(config: TrainConfig) -> None:
    """One tab per library with its script (st.code has a copy button), then the notes."""
    tabs = st.tabs(list(codegen.LIBRARIES))
    for tab, library in zip(tabs, codegen.LIBRARIES, strict=True):
        with tab:
            st.caption(_run_hint(library))
            # the whole script, lines wrapped: a scrolling box is out of reach of the keyboard
            st.code(codegen.script(library, config), language="python", wrap_lines=True)
    st.markdown("**Where the libraries differ, and what the code does about it**")
    st.markdown(
        "\n".join(f"- **{d.setting}** ({d.libraries}): {d.text}" for d in notes.differences(config))
    )


def _run_hint(library: str) -> str:
    name = codegen.FILE_NAMES[library]
    if library == "Keras":
        return (
            f"Save as `{name}`. Shown, not run here: Keras and TensorFlow are not "
            "installed in MLP Lab (written for Keras 3)."
        )
    if library == "mlp_core":
        return f"Save as `{name}` in the MLP Lab folder and run `python {name}`."
    return f"Save as `{name}` and run `python {name}` (`--data-dir DIR` for local IDX files)."
