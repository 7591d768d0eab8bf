"""Which test digits a model gets wrong: its predictions, the confusion matrix, and the
selection and paging of the mistakes (pure NumPy, tested without Streamlit). The page
that browses them is mlp_ui.mistakes_view.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from mlp_core.network import MLP


@dataclass(frozen=True)
class Predictions:
    """What a model says about a test set. y_true (n,), y_pred (n,), proba (n, k)."""

    y_true: np.ndarray
    y_pred: np.ndarray
    proba: np.ndarray

    @property
    def confidence(self) -> np.ndarray:
        """Probability the model gave its own answer, (n,)."""
        return self.proba[np.arange(len(self.y_pred)), self.y_pred]

    @property
    def accuracy(self) -> float:
        return float(np.mean(self.y_pred == self.y_true)) if len(self.y_true) else float("nan")


def predict_all(model: MLP, X: np.ndarray, y: np.ndarray) -> Predictions:
    """Run the model on every digit. X (n, 784) already scaled, y (n,) labels."""
    proba = model.predict_proba(X)
    return Predictions(np.asarray(y), proba.argmax(axis=1), proba)


def fingerprint(model: MLP) -> str:
    """A short hash of the architecture and every weight: equal models, equal prints."""
    h = hashlib.blake2b(digest_size=12)
    h.update(f"{model.sizes}{model.activation}{model.loss}{model.dtype}".encode())
    for p in model.parameters():
        h.update(np.ascontiguousarray(p).data)
    return h.hexdigest()


def confusion(y_true: np.ndarray, y_pred: np.ndarray, k: int = 10) -> np.ndarray:
    """Counts (k, k): row = true class, column = predicted class."""
    return np.bincount(np.asarray(y_true) * k + y_pred, minlength=k * k).reshape(k, k)


def class_accuracy(cm: np.ndarray) -> np.ndarray:
    """Fraction of each true class classified right, (k,); NaN for a class never seen."""
    totals = cm.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, np.diag(cm) / totals, np.nan)


def select_mistakes(
    pred: Predictions,
    true_class: int | None = None,
    pred_class: int | None = None,
    order: str = "confidence",
) -> np.ndarray:
    """Indices of the misclassified digits, optionally of one true and/or predicted class.

    order "confidence": most confidently wrong first (ties by index); "index": ascending.
    Choosing a confusion-matrix cell (t, p) with t != p gives exactly that cell's digits.
    """
    keep = pred.y_pred != pred.y_true
    if true_class is not None:
        keep &= pred.y_true == true_class
    if pred_class is not None:
        keep &= pred.y_pred == pred_class
    idx = np.flatnonzero(keep)
    if order == "confidence":
        idx = idx[np.argsort(-pred.confidence[idx], kind="stable")]
    elif order != "index":
        raise ValueError(f"order must be 'confidence' or 'index', got {order!r}")
    return idx


def page_slice(n: int, page: int, per_page: int) -> slice:
    """Items of `page` (1-based) when n items are shown per_page at a time."""
    pages = max(1, -(-n // per_page))
    page = min(max(page, 1), pages)
    return slice((page - 1) * per_page, min(page * per_page, n))


def n_pages(n: int, per_page: int) -> int:
    return max(1, -(-n // per_page))


def runner_up(proba: np.ndarray) -> tuple[int, float]:
    """The second most probable class of one digit and its probability. proba (k,)."""
    second = int(np.argsort(proba)[-2])
    return second, float(proba[second])


def first_of(y: np.ndarray, k: int) -> int:
    """Index of the first example of class k in labels y (n,)."""
    return int(np.flatnonzero(np.asarray(y) == k)[0])


def examples_of(y: np.ndarray, k: int, n: int = 25) -> np.ndarray:
    """Indices of the first n examples of class k in labels y (n,)."""
    return np.flatnonzero(np.asarray(y) == k)[:n]
