"""The Train page's code view: the source that trains the current run, with its
equations. The pieces come from mlp_ui.engine_source (read from the running code)."""

from __future__ import annotations

import re

import streamlit as st

from mlp_core.config import TrainConfig
from mlp_ui import state
from mlp_ui.engine_source import pieces


def code_panel(config: TrainConfig | None) -> None:
    """Every piece of one minibatch step, for the current run (else the settings)."""
    run = state.current_run()
    if run is not None:
        activation, loss = run.model.activation, run.model.loss
        st.markdown(
            f"The code that trains run **#{run.id}** ({run.architecture}, "
            f"{activation} hidden units). {_backend(run)}"
        )
    else:
        config = config or TrainConfig()
        activation, loss = config.activation, config.loss
        st.markdown("The code that will train your network when you press **Start**.")
    st.caption(
        "Read from the running engine (`mlp_core/`), not a copy. Every minibatch goes "
        "through `train_batch`: the forward pass, the loss and its output delta, the "
        "backward pass, the update. Rows are examples: X is (n, 784), W is (inputs, units)."
    )
    for p in pieces(activation, loss):
        with st.container(border=True, key=f"code_{_slug(p.title)}"):
            st.markdown(f"**{p.title}**")
            st.latex(p.equation)
            st.code(p.source, language="python", wrap_lines=True)
            st.caption(p.where)


def _slug(title: str) -> str:
    """'Backward pass' -> 'backward_pass': a widget key (titles are unique, names not:
    sigmoid is both a hidden and an output activation)."""
    return re.sub(r"\W+", "_", title).strip("_").lower()


def _backend(run: state.Run) -> str:
    if run.trainer is None:
        return "It was loaded from a file; this is the step that trains a network here."
    if not run.trainer.epoch and not run.trainer.progress:
        return ""
    used = run.trainer.backend_used
    if run.exact:
        return f"It trained on the {used}: exactly this code."
    return (
        f"It trained on the {used}: the same step, with the first layer's units split "
        "between two processes (`mlp_fast/`), equal to this code up to rounding."
    )
