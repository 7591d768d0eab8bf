"""Private points for a Playground challenge: what the board scores a run on, which no
page ever shows.

A Playground page's points come from `make_points(name, n, noise, seed)`, that is from
`default_rng(seed)`. The private points of the same data set come from another random
stream, `default_rng([STREAM, seed])` (a different seed sequence: no draw of the page's
stream reappears in it), made by the same generator with the same noise, and any point
that equals one of the page's points is left out (at noise 0 some data sets, such as the
spirals, put points at fixed places: there a page point could come back). Then the first
N_PRIVATE points of a shuffle are kept. The same challenge gives the same points on every
server.

`score` computes a model's mean loss (as the page's test loss) and accuracy on them, from
the model and its settings alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mlp_core.losses import LOSSES
from mlp_core.network import MLP
from mlp_core.playground import DATASETS, DOMAIN, feature_map, make_points
from mlp_core.playground_config import PlaygroundConfig

N_PRIVATE = 1000
STREAM = 0x9A7E5  # the private stream's first seed word (any fixed number but a page seed)
_DRAW = 4 * N_PRIVATE  # points drawn before the page's are left out


def private_points(config: PlaygroundConfig) -> tuple[np.ndarray, np.ndarray]:
    """N_PRIVATE points X (N, 2), y (N,) of the config's data set and noise, none of them
    one of the page's (its n_points from its seed). Read-only; ValueError for own points."""
    make = DATASETS[config.dataset].make
    if make is None:
        raise ValueError("own points have no private points: a challenge uses a data set")
    rng = np.random.default_rng([STREAM, config.seed])
    X, y = make(_DRAW, config.noise / 100, rng)
    X = np.clip(X, *DOMAIN)
    page, _ = make_points(config.dataset, config.n_points, config.noise, config.seed)
    fresh = ~_rows_in(X, page)
    X, y = X[fresh], y[fresh]
    keep = rng.permutation(len(X))[:N_PRIVATE]
    X, y = X[keep], y[keep]
    X.flags.writeable = y.flags.writeable = False
    return X, y


def _rows_in(X: np.ndarray, page: np.ndarray) -> np.ndarray:
    """For each row of X (n, 2): whether it is a row of `page` (m, 2), to the bit."""
    seen = {row.tobytes() for row in np.ascontiguousarray(page, np.float64)}
    return np.array([row.tobytes() in seen for row in np.ascontiguousarray(X, np.float64)])


@dataclass(frozen=True)
class Scores:
    """A model on the private points: mean loss per point, and accuracy (None: regression)."""

    loss: float
    accuracy: float | None
    n: int


def score(model: MLP, config: PlaygroundConfig) -> Scores:
    """`model`, trained with `config`, on the config's private points. ValueError if the
    model does not take the config's features or give its data set's outputs."""
    X, y = private_points(config)
    data = DATASETS[config.dataset]
    outputs = data.classes if data.classes > 2 else 1
    if model.sizes[0] != len(config.features) or model.sizes[-1] != outputs:
        raise ValueError("the model does not fit the challenge's data and its features")
    A = model.forward(feature_map(X, config.features, model.dtype))[-1]
    if data.task != "classify":
        Y, predicted = y[:, None].astype(A.dtype), None
    elif outputs > 1:
        Y, predicted = np.eye(outputs, dtype=A.dtype)[y], np.argmax(A, axis=1)
    else:
        Y, predicted = y[:, None].astype(A.dtype), (A[:, 0] > 0.5).astype(np.intp)
    loss = float(LOSSES[model.loss].value(A, Y)) / len(Y)
    accuracy = None if predicted is None else float(np.mean(predicted == y))
    return Scores(loss, accuracy, len(y))
