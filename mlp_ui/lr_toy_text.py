"""The learning-rate toy's tables and words: pure functions of the core's runs (pandas,
no Streamlit), so they are tested without a running app.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mlp_core import toys

TARGET_W = 3.0
"""The weight the 1-D toy should find (y = 3x)."""


def lr_table(run: toys.LrToyRun, n: int = 10) -> pd.DataFrame:
    """The book's first-n-epochs table: weight, loss, loss after the nudge, gradient, update.

    Values are the core's, unrounded (the page formats them). With the exact gradient
    the forward-difference slope the book would have measured is added for comparison.
    """
    rows = toys.lr_toy_table(run, n)
    table = pd.DataFrame(rows).set_index("epoch")
    table.columns = ["weight", "loss", "loss after +0.0001", "gradient", "updated weight"]
    if run.gradient == "exact":
        m = len(table)
        table["book's slope"] = (run.loss_plus_w[:m] - run.loss[:m]) / toys.STEP
    return table


def _float32_gap(w: float) -> float:
    """Distance from w to the next float32 number: the smallest change w can take."""
    return float(np.spacing(np.float32(abs(w))))


def lr_outcome(run: toys.LrToyRun) -> str:
    """One line on what this run did: converged, crept, stuck (and why) or overflowed."""
    w = run.w.astype(np.float64)
    bad = np.flatnonzero(~np.isfinite(w))
    if bad.size:
        return f"overflowed: w reached \u00b1inf at epoch {bad[0] + 1}, then nan"
    final = float(w[-1])
    moving = np.flatnonzero(w != w[-1])
    frozen_from = int(moving[-1]) + 2 if moving.size else 1
    if abs(final - TARGET_W) < 0.01:
        return f"reached w = {final:.4f} (the answer is 3)"
    if frozen_from < len(w) and run.grad_w[-1] == 0:
        gap = _float32_gap(final)
        return (
            f"stuck since epoch {frozen_from} at w = {final:,.2f}: float32 numbers there "
            f"are {gap:.5f} apart, so w + 0.0001 rounds back to w and the slope reads 0"
        )
    gap = np.abs(w - TARGET_W)  # oscillations alternate: compare envelopes
    if len(w) >= 20 and gap[-10:].max() > gap[len(w) // 2 - 5 : len(w) // 2 + 5].max():
        return f"moving away from 3: w = {final:.4f} after {len(w)} epochs, and |w \u2212 3| grows"
    return f"still on its way: w = {final:.4f} after {len(w)} epochs"


SUPERSCRIPT = str.maketrans(
    "-0123456789", "\u207b\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079"
)


def show_number(v: float, digits: int = 4) -> str:
    """A number for a table cell, as a student reads it: fixed decimals when moderate,
    whole numbers with commas when large (1,473,935,828), and 5.25 × 10⁻⁸ when tiny or
    beyond a trillion; nan and inf spelled out (a dataframe would show an empty 'None')."""
    if not np.isfinite(v):
        return "nan" if np.isnan(v) else ("\u2212inf" if v < 0 else "inf")
    if v != 0 and not 1e-3 <= abs(v) < 1e12:
        k = int(np.floor(np.log10(abs(v))))
        return f"{v / 10**k:.2f} \u00d7 10" + str(k).translate(SUPERSCRIPT)
    return f"{v:,.0f}" if abs(v) >= 1e6 else f"{v:,.{digits}f}"


def lr_summary(runs: list[toys.LrToyRun]) -> pd.DataFrame:
    """Where each run ended: final w, b and the loss there, one row per learning rate.

    Cells are text (see ``show_number``): with the exact gradient lr = 1 ends at nan.
    """
    rows = []
    for run in runs:
        with np.errstate(over="ignore", invalid="ignore"):
            final_loss = toys.lr_toy_loss_curve(np.array([run.w[-1]]), run.b[-1])[0]
        rows.append(
            {
                "learning rate": f"{run.lr:g}",
                "w at the end": show_number(float(run.w[-1])),
                "b at the end": show_number(float(run.b[-1])),
                "loss at the end": show_number(float(final_loss)),
            }
        )
    return pd.DataFrame(rows).set_index("learning rate")


def lr_outcomes(runs: list[toys.LrToyRun]) -> str:
    """A markdown list: what each run did."""
    return "\n".join(f"- **lr = {run.lr:g}**: {lr_outcome(run)}" for run in runs)


def lr_verdict(runs: list[toys.LrToyRun], guess: str | None) -> str:
    """A paragraph on the student's guess ("lr = 0.1" or "none of them"), or ""."""
    if guess is None:
        return ""
    reached = [f"lr = {r.lr:g}" for r in runs if abs(float(r.w[-1]) - TARGET_W) < 0.01]
    right = guess in reached or (guess == "none of them" and not reached)
    which = " and ".join(reached) or "none of them"
    verdict = "right" if right else "not this time"
    return f"\n\nYou guessed **{guess}**: {verdict}. Reached w = 3: {which}."


def lr_alt(rates: tuple[float, ...], epochs: int, view: str) -> str:
    """The chart's text alternative: what it shows (the ending is for the student to see)."""
    what = {"w": "the weight w after each epoch", "loss": "the loss before each update"}
    names = ", ".join(f"{lr:g}" for lr in rates)
    return (
        f"Chart: {what.get(view, 'the loss bowl and each step on it')} for learning "
        f"rate{'s' if len(rates) > 1 else ''} {names}, over {epochs:,} epochs, one panel "
        "each. Play draws it epoch by epoch; the table below it gives where each rate ends."
    )


EXACT_EXPLANATION = """
**Why lr = 1 freezes with the book's gradient.** The book never differentiates. It adds
0.0001 to the weight, reruns the model and divides the change in loss by 0.0001. The
weight is a 32-bit float, which holds about seven significant digits. Three epochs in,
at lr = 1, the weight is 12,755.16, and the float32 numbers around it are about 0.001
apart: 12,755.16 + 0.0001 rounds straight back to 12,755.16. The nudged loss equals the
original loss, the measured slope is exactly 0, and the update leaves the weight where
it is, for good, while the loss sits at about 1.5 billion. The bias freezes the same way
at 3,765.97.

**With the exact gradient** (the derivative of the MSE, 2 · mean((w·x + b − y) · x))
nothing rounds away: at w = 12,755 the slope is enormous. With lr = 1 each step jumps
past the minimum and lands about 16 times farther away on the other side (lr times the
loss's curvature of 16.7, minus 1), so w flips sign and grows every epoch until it
passes the largest float32 (3.4 × 10³⁸) at epoch 32. It becomes −inf, and then nan
(inf − inf). Any lr above 2 / 16.7 ≈ 0.12 diverges this way. For lr 0.01 and 0.1 the
switch changes next to nothing: the nudge of 0.0001 only biases the slope by a hair.
"""

HOW_IT_STEPS = """
Four points lie on the line y = 3x, and the model y = w·x + b starts at w = b = 0. The
loss is the mean squared error over the four points. Every epoch the book measures the
slope of the loss for each parameter without any calculus: it adds 0.0001 to that
parameter, runs the model again, and divides the change in loss by 0.0001. Then it moves
each parameter downhill by *learning rate × slope*.

The learning rate is the only thing that differs between the panels. Too small, and the
steps shrink to nothing before w reaches 3. Too big, and every step jumps past the bottom
of the bowl to a point higher up the other side. In between, the steps overshoot but
land a little closer each time. For this bowl the limit is about 0.12: any rate above
2 / 16.7 makes the jumps grow (16.7 is how sharply the loss curves along its steepest
direction).
"""

TABLE_INTRO = (
    "Weight at the start of the epoch, the loss there, the loss after nudging w by "
    "+0.0001, the slope that gives, and the weight after the update. The book prints "
    "them rounded to two decimals."
)
TABLE_EXACT = (
    " With the exact gradient, the last column is the slope the book would have measured instead."
)
