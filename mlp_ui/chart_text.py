"""Charts in words (pure: no Streamlit): each chart's text alternative, a sentence that
names the chart and says what it shows now, built from its numbers, and its numbers as a
table. Shown under the chart by `classroom.chart(fig, alt=..., table=...)`.

Covered here: Backprop's network and loss, the Libraries curves, the Train page's network
diagram and first-layer weights, Draw's probabilities, picture and hidden units, the
Mistakes gallery and close-up picture, the Board's spread and top curves, and Decision
boundary's baseline. (Train's curves, Mistakes' matrix and bars, Learning rate and the
boundary have theirs in train_text, mistakes_text, lr_toy_text and moons_view.)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from mlp_core.challenge import Measure
from mlp_core.history import History
from mlp_ui.board_figures import ACCURACY, VALID, Curve
from mlp_ui.model_figures import ACTIVATION_NAMES, OUTPUT_UNITS, weights_title

WEIGHT_NAMES = ("w11", "w12", "w13", "w21", "w22", "w23", "v1", "v2", "v3")
"""The 2-3-1 toy's weights: input i to hidden j (w_ij), then hidden j to the output (v_j)."""


def _minus(v: float, digits: int) -> str:
    return f"{v:+.{digits}f}".replace("-", "\u2212")


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


# -- Backprop ---------------------------------------------------------------------------
def backprop_net_alt(params: dict, forward: dict, epoch: int) -> str:
    """The 2-3-1 network after `epoch` updates: its activations, output and largest weight."""
    w = _weights(params)
    name = max(w, key=lambda k: abs(w[k]))
    a = ", ".join(f"{v:.3f}" for v in np.asarray(forward["a_h"], float).ravel())
    out = float(np.asarray(forward["output"]).ravel()[0])
    return (
        f"Network diagram after {_count(epoch, 'epoch')}: inputs 1 and 1, hidden activations "
        f"{a}, output \u0177 = {_minus(out, 4)}; the largest weight is {name} = "
        f"{_minus(w[name], 3)} (blue edges positive, red negative, thicker is larger)."
    )


def backprop_net_table(params: dict) -> pd.DataFrame:
    """Every weight and bias of the toy, by name."""
    rows = [{"parameter": k, "value": round(v, 4)} for k, v in _weights(params).items()]
    bh = np.asarray(params["b_hidden"], float).ravel()
    rows += [{"parameter": f"b{j + 1}", "value": round(float(b), 4)} for j, b in enumerate(bh)]
    c = float(np.asarray(params["b_out"], float).ravel()[0])
    return pd.DataFrame([*rows, {"parameter": "c", "value": round(c, 4)}])


def _weights(params: dict) -> dict[str, float]:
    values = [*np.asarray(params["W_hidden"], float).ravel()]
    values += [*np.asarray(params["W_out"], float).ravel()]
    return dict(zip(WEIGHT_NAMES, map(float, values), strict=True))


def loss_so_far_alt(losses: Sequence[float], epoch: int) -> str:
    """The loss chart up to `epoch` (losses[k]: the loss after k updates)."""
    done = min(max(epoch, 0), len(losses) - 1)
    if done == 0:
        return f"Loss chart (log scale): {losses[0]:.4g} before the first epoch."
    return (
        f"Loss chart (log scale): from {losses[0]:.4g} to {losses[done]:.4g} "
        f"after {_count(done, 'epoch')}."
    )


def loss_so_far_table(losses: Sequence[float], epoch: int) -> pd.DataFrame:
    done = min(max(epoch, 0), len(losses) - 1)
    return pd.DataFrame({"epochs done": range(done + 1), "loss": list(losses[: done + 1])})


# -- Libraries ---------------------------------------------------------------------------
def library_curves_alt(runs: Sequence[tuple[str, History]]) -> str:
    """Each library's loss and validation accuracy at its last epoch so far."""
    done = [(name, h.epochs[-1]) for name, h in runs if h.epochs]
    if not done:
        return "Chart of each library's loss and accuracy per epoch: no epoch yet."
    parts = [
        f"{name}: loss {e.loss:.3g}, validation accuracy {e.valid_acc:.1%} after epoch {e.epoch}"
        for name, e in done
    ]
    return "Chart of each library's loss and accuracy per epoch. " + "; ".join(parts) + "."


def library_curves_table(runs: Sequence[tuple[str, History]]) -> pd.DataFrame:
    rows = [
        {
            "library": name,
            "epoch": e.epoch,
            "loss": round(e.loss, 4),
            "training accuracy (%)": round(100 * e.train_acc, 2),
            "validation accuracy (%)": round(100 * e.valid_acc, 2),
        }
        for name, h in runs
        for e in h.epochs
    ]
    columns = ["library", "epoch", "loss", "training accuracy (%)", "validation accuracy (%)"]
    return pd.DataFrame(rows, columns=columns)


# -- Train -------------------------------------------------------------------------------
def diagram_alt(sizes: Sequence[int], activation: str, loss: str) -> str:
    """The network diagram: its layers' sizes and units, in the diagram's own words."""
    hidden = ", ".join(f"{n:,}" for n in sizes[1:-1]) or "no"
    layers = "layer" if len(sizes) == 3 else "layers"
    units = ACTIVATION_NAMES.get(activation, activation)
    return (
        f"Network diagram: {sizes[0]:,} inputs, {hidden} hidden units ({len(sizes) - 2} "
        f"{layers}, {units}), {sizes[-1]:,} outputs ({OUTPUT_UNITS.get(loss, loss)})."
    )


def weights_alt(W0: np.ndarray, shown: int) -> str:
    """The first layer's weights as pictures: how many, and their range."""
    W0 = np.asarray(W0, float)
    return (
        f"{weights_title(shown, W0.shape[1])}, each drawn as a 28x28 picture: weights "
        f"from {W0.min():.2f} to {W0.max():.2f}."
    )


def weights_table(W0: np.ndarray, shown: int) -> pd.DataFrame:
    """Per hidden unit drawn: its smallest, largest and mean absolute incoming weight."""
    W = np.asarray(W0, float)[:, :shown]
    return pd.DataFrame(
        {
            "hidden unit": np.arange(1, W.shape[1] + 1),
            "smallest": W.min(axis=0).round(3),
            "largest": W.max(axis=0).round(3),
            "mean |w|": np.abs(W).mean(axis=0).round(4),
        }
    )


# -- Draw and digits ---------------------------------------------------------------------
def picture_alt(image: np.ndarray, what: str) -> str:
    """A 28x28 digit picture: how much of it is ink."""
    img = np.asarray(image, float).reshape(-1)
    ink = int((img > 0.5 * max(float(img.max()), 1e-9)).sum())
    return f"{what}: a {28}x{28} grey picture, {ink} of {img.size} pixels dark with ink."


def hidden_alt(layers: Sequence[np.ndarray]) -> str:
    """Every hidden layer's activations for one picture: how many units switch on."""
    parts = []
    for k, a in enumerate(layers, start=1):
        a = np.asarray(a, float).ravel()
        on = int((a > 0.5 * max(float(a.max()), 1e-9)).sum())
        parts.append(f"layer {k}: {on} of {a.size} units above half the strongest ({a.max():.2f})")
    return "Hidden units' activations for this picture, " + "; ".join(parts) + "."


def hidden_table(layers: Sequence[np.ndarray]) -> pd.DataFrame:
    rows = [
        {"layer": k, "unit": i + 1, "activation": round(float(v), 4)}
        for k, a in enumerate(layers, start=1)
        for i, v in enumerate(np.asarray(a, float).ravel())
    ]
    return pd.DataFrame(rows, columns=["layer", "unit", "activation"])


def gallery_table(
    indices: Sequence[int], said: Sequence[int], truth: Sequence[int]
) -> pd.DataFrame:
    """The gallery's digits: test index, the network's answer, the label."""
    return pd.DataFrame(
        {"test digit": list(indices), "network said": list(said), "label": list(truth)}
    )


# -- Board -------------------------------------------------------------------------------
def spread_alt(n_entries: int, best: Sequence, axis_title: str, measure: Measure = ACCURACY) -> str:
    """Every entry against parameters or seconds: the leader's numbers."""
    what = "private-half accuracy" if measure.percent else "test loss on the private points"
    if not best:
        return f"Chart of every entry's {what}: no entry yet."
    top = best[0]
    return (
        f"Chart of every entry's {what} against {axis_title.lower()}: "
        f"{_count(n_entries, 'submission')} by {_count(len(best), 'student')}; the best, "
        f"{top.name}, {measure.text(top.score)} with {top.params:,} parameters in "
        f"{top.seconds:.1f} s."
    )


def spread_table(entries: Sequence, measure: Measure = ACCURACY) -> pd.DataFrame:
    column = "private half (%)" if measure.percent else "private test loss"
    rows = [
        {
            "name": e.name,
            column: measure.shown(e.score),
            "parameters": e.params,
            "seconds": round(e.seconds, 1),
        }
        for e in entries
        if e.removed is None
    ]
    return pd.DataFrame(rows, columns=["name", column, "parameters", "seconds"])


def top_curves_alt(top: Sequence, curve: Curve = VALID) -> str:
    """The top entries' validation accuracy (or test loss) per epoch: where each ended."""
    ends = []
    for k, e in enumerate(top):
        epochs = e.history.get("epochs", [])
        if epochs:
            last = epochs[-1]
            value = f"{last[curve.key]:.1%}" if curve.scale == 100 else f"{last[curve.key]:.4f}"
            ends.append(f"{k + 1}. {e.name} {value} at epoch {last['epoch']}")
    if not ends:
        return f"Chart of the top five's {curve.what} per epoch: no curve yet."
    return f"Chart of the top five's {curve.what} per epoch, at the end: " + "; ".join(ends)


def top_curves_table(top: Sequence, curve: Curve = VALID) -> pd.DataFrame:
    column = curve.title.lower()  # "validation accuracy (%)", "test loss"
    rows = [
        {
            "name": e.name,
            "epoch": r["epoch"],
            column: round(curve.scale * r[curve.key], 2 if curve.scale == 100 else 4),
        }
        for e in top
        for r in e.history.get("epochs", [])
    ]
    return pd.DataFrame(rows, columns=["name", "epoch", column])


# -- Decision boundary -------------------------------------------------------------------
def baseline_alt(accuracy: float) -> str:
    return (
        "Chart of the baseline, logistic regression, on the moons: one straight line splits "
        f"the plane, {accuracy:.1%} of the points on the right side."
    )
