"""The test digits in two halves: a public one every page reports, a private one only a
class board scores on.

A student who tries settings until the Train page's test accuracy peaks has tuned them to
those test digits: the accuracy overstates what the model does on new ones ("overfitting
to the test set"). A challenge board that ranked on the same digits would reward that.
So the test digits are split once, in a fixed and documented way:

- for each digit 0..9, its test indices are shuffled with `default_rng(SEED)` and the
  first half of them (rounded up) is **public**, the rest **private**; each half keeps
  the test set's order;
- **public**: the Train page's test accuracy is measured on these, and says so;
- **private**: the server scores a class's submissions on these; no page shows a student
  a score on them.

By digit, not even/odd or the first and second 5,000: MNIST's test set is not in random
order (even/odd indices give 451 and 529 zeros), and each half should hold every digit
as often as the other (here within one).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

Half = Literal["public", "private"]
SEED = 2024
"""Seed of the split: fixed, so every server and every lesson splits the same way."""


def indices(y: np.ndarray, half: Half) -> np.ndarray:
    """The sorted indices of `half` in a test set with labels y (n,)."""
    rng = np.random.default_rng(SEED)
    chosen = []
    for label in np.unique(y):
        where = rng.permutation(np.flatnonzero(y == label))
        cut = (len(where) + 1) // 2
        chosen.append(where[:cut] if half == "public" else where[cut:])
    return np.sort(np.concatenate(chosen)) if chosen else np.zeros(0, np.intp)


def take(X: np.ndarray, y: np.ndarray, half: Half) -> tuple[np.ndarray, np.ndarray]:
    """The rows of `half` of a test set X (n, d), y (n,)."""
    idx = indices(np.asarray(y), half)
    return X[idx], np.asarray(y)[idx]


def describe(half: Half, whole: str, y: np.ndarray) -> str:
    """Name of a half of the test set called `whole` ('10,000 MNIST test digits')."""
    count = len(indices(np.asarray(y), half))
    kind = whole.split(" ", 1)[1] if " " in whole else whole
    return f"{count:,} {kind} (the {half} half)"
