"""The Mistakes page's "Try this" (from the model's own confusion matrix) and "Why?"."""

from __future__ import annotations

import numpy as np

from mlp_ui import classroom
from mlp_ui.mistakes_select import class_accuracy
from mlp_ui.mistakes_view import (
    ALL,
    GALLERY_TAB,
    ORDER_KEY,
    ORDERS,
    PAGE_KEY,
    PRED_KEY,
    TAB_KEY,
    TRUE_KEY,
)


def _filters(true: int | None, said: int | None) -> dict:
    """Session values that show the gallery's mistakes of (true, said), surest first."""
    return {
        TAB_KEY: GALLERY_TAB,
        TRUE_KEY: ALL if true is None else str(true),
        PRED_KEY: ALL if said is None else str(said),
        ORDER_KEY: next(iter(ORDERS)),
        PAGE_KEY: 1,
    }


def experiments(cm: np.ndarray) -> list[classroom.Experiment]:
    """The Mistakes page's experiments, from this model's confusion matrix (k, k)."""
    off = np.where(np.eye(len(cm), dtype=bool), -1, cm)
    t, p = (int(v) for v in np.unravel_index(off.argmax(), cm.shape))
    worst = int(np.nanargmin(class_accuracy(cm)))
    return [
        classroom.Experiment(
            "Most common mix-up",
            f"The {cm[t, p]:,} test {t}s it read as {p} (the outlined cell). Which strokes "
            f"make these {t}s look like a {p}?",
            f"The network adds up evidence pixel by pixel. A {t} and a {p} share much of "
            "their ink, so a slightly unusual stroke in the right place tips the sum.",
            _filters(t, p),
        ),
        classroom.Experiment(
            "Surest mistakes",
            "Digits it got wrong while more than 99% sure. Many look odd to us too; for "
            "some, the label itself looks doubtful.",
            "Softmax shares out 100% over ten digits: the network has no 'I don't know'. "
            "Its confidence says how far one score beats the others, not how often it is right "
            "on a strange digit.",
            _filters(None, None),
        ),
        classroom.Experiment(
            "The hardest digit",
            f"All the {worst}s it got wrong: the row of {worst} in the matrix shows what "
            "they are taken for.",
            f"{worst} is the digit it reads right least often on these test digits. The digits "
            "it is confused with share strokes with it.",
            _filters(worst, None),
        ),
    ]


WHY_MATRIX = """
**The confusion matrix** counts every test digit once: its row is the digit's true label,
its column the network's answer. The diagonal holds the right answers (grey numbers);
every coloured cell is a kind of mistake, darker for more. Clicking a cell fills the
gallery with exactly those digits.

**The gallery** shows the test digits the network got wrong: "a 2, read as 8" means the
label says 2 and the network answered 8, then how sure it was (the softmax probability of
its answer). Ordered surest first, the top of the gallery is where the network is most
wrong while most sure of itself.

**These test digits were never used in training**, so the mistakes are the ones the
network would make on new handwriting, not ones it could have memorised.
"""
