"""The four arrays a Trainer needs, for tests that make their own data (a helper module)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Split:
    """X_train, y_train, X_valid, y_valid (mlp_core.data.Dataset has them too)."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_valid: np.ndarray
    y_valid: np.ndarray
