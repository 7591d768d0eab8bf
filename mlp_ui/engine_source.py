"""The engine's own source, piece by piece, for the Train page's "The code" tab.

Pure: no Streamlit. Every piece is read from the running code with `inspect`, never
copied, so what a student reads is what trained their network. Each piece comes with
its equation (LaTeX), in the batch-first notation of the code: rows are examples.
"""

from __future__ import annotations

import functools
import inspect
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mlp_core.activations import ACTIVATIONS
from mlp_core.losses import LOSSES, Loss
from mlp_core.network import MLP
from mlp_core.optimizers import SGD
from mlp_core.training import train_batch

ROOT = Path(__file__).resolve().parents[1]

HIDDEN_EQUATIONS = {
    "sigmoid": r"f(Z) = \frac{1}{1 + e^{-Z}}, \qquad f'(Z) = A\,(1 - A)",
    "tanh": r"f(Z) = \tanh Z, \qquad f'(Z) = 1 - A^2",
    "relu": r"f(Z) = \max(Z, 0), \qquad f'(Z) = [A > 0]",
    "identity": r"f(Z) = Z, \qquad f'(Z) = 1",
    "linear": r"f(Z) = Z, \qquad f'(Z) = 1",
}
LOSS_EQUATIONS = {
    "softmax_ce": r"A_L = \operatorname{softmax}(Z_L), \qquad "
    r"\mathcal{L} = -\sum_{i,k} Y_{ik} \log A_{ik}",
    "sigmoid_bce": r"A_L = \sigma(Z_L), \qquad "
    r"\mathcal{L} = -\sum_{i,k} \big[Y_{ik} \log A_{ik} + (1 - Y_{ik}) \log(1 - A_{ik})\big]",
    "identity_mse": r"A_L = Z_L, \qquad \mathcal{L} = \tfrac12 \sum_{i,k} (A_{ik} - Y_{ik})^2",
}


@dataclass(frozen=True)
class Piece:
    """One piece of the engine: what it does, its equation, where it lives, its source."""

    title: str
    name: str  # the function's qualified name, "MLP.forward"
    equation: str
    where: str  # "mlp_core/network.py, MLP.forward, lines 109-119"
    source: str


def piece(title: str, equation: str, fn: Callable) -> Piece:
    """The piece for function or method `fn`, its source read from the running code."""
    fn = inspect.unwrap(fn)
    lines, first = inspect.getsourcelines(fn)
    path = Path(inspect.getsourcefile(fn)).resolve()
    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
    span = f"lines {first}-{first + len(lines) - 1}"
    source = textwrap.dedent(inspect.getsource(fn))  # a method without its class's indent
    name = fn.__qualname__
    return Piece(title, name, equation, f"{where}, {name}, {span}", source)


@functools.cache
def pieces(activation: str, loss: str) -> tuple[Piece, ...]:
    """The minibatch step and the functions it calls, for a network with this hidden
    `activation` and output/`loss` pair (keys of ACTIVATIONS and LOSSES). Read once per
    pair and kept: the code running does not change, and `inspect` tokenising ten
    functions' files at every Train page run cost a class of 30 about a second."""
    act, out = ACTIVATIONS[activation], LOSSES[loss]
    return (
        piece("One minibatch", r"\text{forward} \to \text{loss and } \delta_L \to "
              r"\text{backward} \to \text{update}", train_batch),
        piece("Forward pass", r"Z = A_{\text{in}} W + b, \qquad A_{\text{out}} = f(Z)",
              MLP.forward),
        piece("Each layer's activation", r"A = f(Z) \text{ (hidden)}, \qquad A_L = g(Z_L)"
              r" \text{ (output)}", MLP.activate),
        piece(f"Hidden activation: {activation}", HIDDEN_EQUATIONS[activation], act.forward),
        piece(f"Output: {out.label}", LOSS_EQUATIONS[loss], out.output),
        piece("Loss and output delta", r"\delta_L = \frac{\partial \mathcal{L}}{\partial Z_L}"
              r" = A_L - Y \quad (\div\, n \text{ for the mean})", Loss.delta),
        piece("Backward pass", r"\frac{\partial \mathcal{L}}{\partial W} = A_{\text{in}}^\top"
              r" \delta, \quad \frac{\partial \mathcal{L}}{\partial b} = \sum_{\text{rows}}"
              r" \delta, \quad \delta_{\text{below}} = (\delta\, W^\top) \odot f'", MLP.backward),
        piece(f"Derivative of {activation}, from its output", HIDDEN_EQUATIONS[activation],
              act.backward),
        piece("Update", r"W \leftarrow W - \eta\,(\nabla_W + \lambda_2 W + \lambda_1"
              r" \operatorname{sign} W), \qquad b \leftarrow b - \eta\, \nabla_b", SGD.step),
        piece("With momentum", r"v \leftarrow \mu v - \eta\, g, \qquad W \leftarrow W + v",
              SGD.update),
    )  # fmt: skip
