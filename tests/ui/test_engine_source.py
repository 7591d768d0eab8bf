"""The Train page's code view reads the engine's own source: the lines it cites are the
lines in the file, for every activation and loss the page can train."""

from __future__ import annotations

import itertools
import textwrap

import pytest

from mlp_core.config import HIDDEN_ACTIVATIONS, LOSS_NAMES
from mlp_ui.engine_source import ROOT, pieces


@pytest.mark.parametrize(
    ("activation", "loss"), list(itertools.product(HIDDEN_ACTIVATIONS, LOSS_NAMES))
)
def test_every_piece_is_the_file_s_own_lines(activation, loss):
    found = pieces(activation, loss)
    assert [p.name for p in found][:2] == ["train_batch", "MLP.forward"]
    assert {"Loss.delta", "MLP.backward", "SGD.step"} <= {p.name for p in found}
    for p in found:
        path, _, span = p.where.split(", ")
        first, last = (int(n) for n in span.removeprefix("lines ").split("-"))
        lines = (ROOT / path).read_text(encoding="utf-8").splitlines()[first - 1 : last]
        assert p.source == textwrap.dedent("\n".join(lines) + "\n")
        assert p.source.startswith("def ") and p.equation


def test_the_run_s_own_activation_is_shown():
    names = {p.name for p in pieces("tanh", "sigmoid_bce")}
    assert {"tanh", "tanh_backward", "sigmoid"} <= names
