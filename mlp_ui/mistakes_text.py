"""The Mistakes page's charts in words and tables: pure functions of the confusion matrix
and the predictions (no Streamlit), beside the figure builders of mlp_ui.digit_figures.
Each says what its chart shows now, for a screen reader and for anyone who wants the
numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n:,} times"


def matrix_alt(cm: np.ndarray) -> str:
    """The confusion matrix (k, k) in a sentence: how many wrong, the commonest mix-up."""
    total, right = int(cm.sum()), int(np.trace(cm))
    wrong = total - right
    text = f"Confusion matrix: {wrong:,} of {total:,} test digits wrong"
    if wrong == 0:
        return text + "."
    off = np.where(np.eye(len(cm), dtype=bool), -1, cm)
    t, p = (int(v) for v in np.unravel_index(off.argmax(), cm.shape))
    return text + f", most often a {t} read as {p} ({_times(int(cm[t, p]))})."


def matrix_table(cm: np.ndarray) -> pd.DataFrame:
    """The matrix as a table: one row per true digit, one column per answer."""
    k = len(cm)
    table = pd.DataFrame(cm, columns=[f"read as {j}" for j in range(k)])
    table.insert(0, "true digit", list(range(k)))
    return table


def class_accuracy_alt(accuracy: np.ndarray, counts: np.ndarray) -> str:
    """The per-digit accuracy bars in a sentence: the best and the worst digit."""
    acc = np.asarray(accuracy, dtype=float)
    if not np.isfinite(acc).any():
        return "Bar chart of each digit's accuracy: no test digits."
    best, worst = int(np.nanargmax(acc)), int(np.nanargmin(acc))
    return (
        f"Bar chart of each digit's accuracy, from 0 to 100 %: best {best} "
        f"({acc[best]:.1%} of {int(counts[best]):,}), worst {worst} "
        f"({acc[worst]:.1%} of {int(counts[worst]):,})."
    )


def class_accuracy_table(accuracy: np.ndarray, counts: np.ndarray) -> pd.DataFrame:
    """Each digit's accuracy and how many test digits it was measured on."""
    return pd.DataFrame(
        {
            "digit": list(range(len(accuracy))),
            "accuracy": [f"{a:.2%}" if np.isfinite(a) else "–" for a in accuracy],
            "test digits": [int(c) for c in counts],
        }
    )


def probability_alt(proba: np.ndarray, predicted: int, true_class: int | None) -> str:
    """One digit's probability bars in a sentence: the answer, and the label's share."""
    text = "Bar chart of the probability of each digit: "
    text += f"the answer {predicted} at {proba[predicted]:.0%}"
    if true_class is not None and true_class != predicted:
        text += f", the label {true_class} at {proba[true_class]:.0%}"
    return text + "."


def probability_table(proba: np.ndarray) -> pd.DataFrame:
    """Each digit's probability."""
    return pd.DataFrame(
        {"digit": list(range(len(proba))), "probability": [f"{p:.2%}" for p in proba]}
    )


def gallery_alt(n: int, true_class: int | None, said: int | None) -> str:
    """What the gallery of mistakes shows."""
    which = "mistakes"
    if true_class is not None:
        which += f" on {true_class}s"
    if said is not None:
        which += f" read as {said}"
    return (
        f"Gallery of {n:,} {which}, each titled with its label, the answer and how sure "
        "the network was. Pick one in the Digit menu below to see it up close."
    )
