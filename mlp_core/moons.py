"""The moons toy of Denny Britz's WildML tutorial "Implementing a Neural Network from Scratch".

200 noisy points in two interleaved half-moons; a 2-h-2 network (tanh hidden layer,
softmax output, cross-entropy) trained by full-batch gradient descent for 20,000 passes.
Everything follows the tutorial, so the boundaries match its pictures:

* data: scikit-learn's ``make_moons(200, noise=0.20)`` right after ``np.random.seed(3)``,
  re-implemented with NumPy only (``make_moons_np``);
* init: ``W = randn(fan_in, fan_out) / sqrt(fan_in)`` from a NumPy legacy generator seeded
  with 0, W1 drawn before W2; biases 0. (The legacy ``RandomState`` is needed to
  reproduce the tutorial's numbers; it is a local generator, never the global one.)
* gradients *summed* over the 200 points, plus ``reg * W`` on the weights only;
  learning rate 0.01, reg 0.01, float64;
* reported loss = (summed cross-entropy + reg / 2 * sum(W^2)) / n.

``train_moons_many`` trains several hidden sizes at once by stacking them into one wide
network with a block-diagonal output layer: the gallery of seven sizes takes about 3 s
of CPU, a third of the time of seven separate loops.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

GALLERY_HIDDEN = (1, 2, 3, 4, 5, 20, 50)
"""The hidden-layer sizes the tutorial compares."""

HIDDEN_MAX = 1000
"""Largest hidden layer for one run (the gallery's largest is 50)."""
PASSES_MAX = 200_000
"""Most passes for one run (ten times the tutorial's 20,000)."""
WORK_MAX = 20_000_000
"""Most hidden units x passes: the tutorial's 20,000 passes at 1,000 units, about a
minute on one core (the cost of a pass grows with the hidden size)."""

Params = dict[str, np.ndarray]


def check_moons_size(hidden: int, passes: int) -> None:
    """Raise ValueError, naming the allowed range, for a run the machine should not do."""
    if not 1 <= hidden <= HIDDEN_MAX:
        raise ValueError(f"hidden must be between 1 and {HIDDEN_MAX:,}; got {hidden:,}")
    if not 1 <= passes <= PASSES_MAX:
        raise ValueError(f"passes must be between 1 and {PASSES_MAX:,}; got {passes:,}")
    if hidden * passes > WORK_MAX:
        raise ValueError(
            f"hidden x passes must be at most {WORK_MAX:,} (about a minute); got "
            f"{hidden:,} x {passes:,}: use fewer passes or fewer units"
        )


# --- data ----------------------------------------------------------------------------
def make_moons_np(n: int = 200, noise: float = 0.2, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved half-circles, as scikit-learn's ``make_moons`` (shuffled, noisy).

    Equals ``make_moons(n, noise=noise, random_state=seed)``, and ``make_moons(n,
    noise=noise)`` called right after ``np.random.seed(seed)`` (a freshly seeded global
    generator is a ``RandomState(seed)``). Returns X (n, 2) float64, y (n,) int in {0, 1}.
    """
    rng = np.random.RandomState(seed)
    n_out, n_in = n // 2, n - n // 2
    t_out, t_in = np.linspace(0, np.pi, n_out), np.linspace(0, np.pi, n_in)
    X = np.column_stack(
        [
            np.append(np.cos(t_out), 1 - np.cos(t_in)),
            np.append(np.sin(t_out), 1 - np.sin(t_in) - 0.5),
        ]
    )
    y = np.repeat(np.array([0, 1], dtype=np.intp), [n_out, n_in])
    order = np.arange(n)
    rng.shuffle(order)  # same draws, in the same order, as sklearn.utils.shuffle
    X, y = X[order], y[order]
    return X + rng.normal(scale=noise, size=X.shape), y


def grid_limits(X: np.ndarray, pad: float = 0.5) -> tuple[tuple[float, float], tuple[float, float]]:
    """Plot limits around the data, padded as in the tutorial. X (n, 2) -> (xlim, ylim)."""
    lo, hi = X.min(axis=0) - pad, X.max(axis=0) + pad
    return (float(lo[0]), float(hi[0])), (float(lo[1]), float(hi[1]))


# --- one network ---------------------------------------------------------------------


def init_moons_params(hidden: int, seed: int = 0) -> Params:
    """Tutorial init: W1 (2, h), W2 (h, 2) = randn / sqrt(fan_in); b1 (h,), b2 (2,) zeros."""
    rng = np.random.RandomState(seed)
    W1 = rng.randn(2, hidden) / np.sqrt(2)
    W2 = rng.randn(hidden, 2) / np.sqrt(hidden)
    return {"W1": W1, "b1": np.zeros(hidden), "W2": W2, "b2": np.zeros(2)}


def _softmax(Z: np.ndarray) -> np.ndarray:
    """Softmax over a last axis of length 2, shifted by the larger score so exp cannot overflow.

    Z (..., 2) -> P (..., 2). Written with the two columns instead of ``max``/``sum``
    over the last axis: same numbers, but NumPy reductions over a length-2 axis are slow,
    and this runs 20,000 times per training.
    """
    E = np.exp(Z - np.maximum(Z[..., 0], Z[..., 1])[..., None])
    return E / (E[..., 0] + E[..., 1])[..., None]


def _net_proba(params: Params, X: np.ndarray) -> np.ndarray:
    """Tanh net. X (n, 2) -> A1 = tanh(X @ W1 + b1) (n, h) -> P = softmax(A1 @ W2 + b2) (n, 2)."""
    A1 = np.tanh(X @ params["W1"] + params["b1"])
    return _softmax(A1 @ params["W2"] + params["b2"])


def _logistic_proba(params: Params, X: np.ndarray) -> np.ndarray:
    """Logistic regression. X (n, 2), w (2,), b (1,) -> P (n, 2), columns P(0), P(1)."""
    p1 = np.exp(-np.logaddexp(0, -(X @ params["w"] + params["b"])))  # 1 / (1 + e^-z), no overflow
    return np.column_stack([1 - p1, p1])


def moons_proba(params: Params, X: np.ndarray) -> np.ndarray:
    """Class probabilities of a moons model. X (n, 2) -> P (n, 2).

    ``params`` is either a tanh net (W1, b1, W2, b2) or a logistic regression (w, b).
    """
    proba = _net_proba if "W1" in params else _logistic_proba
    return proba(params, np.asarray(X, dtype=np.float64))


def moons_loss(params: Params, X: np.ndarray, y: np.ndarray, reg: float = 0.01) -> float:
    """The tutorial's loss: (summed cross-entropy + reg / 2 * sum(W^2)) / n. X (n, 2), y (n,)."""
    P = _net_proba(params, X)
    data = -np.sum(np.log(P[np.arange(len(y)), y]))
    penalty = reg / 2 * (np.sum(np.square(params["W1"])) + np.sum(np.square(params["W2"])))
    return float((data + penalty) / len(y))


def moons_accuracy(params: Params, X: np.ndarray, y: np.ndarray) -> float:
    """Fraction of points whose most probable class is the label. X (n, 2), y (n,)."""
    return float(np.mean(np.argmax(moons_proba(params, X), axis=1) == y))


@dataclass(frozen=True, eq=False)
class MoonsRun:
    """A trained moons network.

    ``params``: W1 (2, h), b1 (h,), W2 (h, 2), b2 (2,), float64. ``loss[i]`` is the loss
    after ``loss_passes[i]`` passes (0 = initial, last = all passes). ``accuracy``:
    training accuracy of the final parameters. ``snapshots[i]``: a parameter copy after
    ``snapshot_passes[i]`` passes (empty unless requested).
    """

    hidden: int
    params: Params
    loss_passes: np.ndarray
    loss: np.ndarray
    accuracy: float
    snapshot_passes: np.ndarray
    snapshots: tuple[Params, ...]


def _checkpoints(
    passes: int, log_every: int, snapshots: int | Sequence[int]
) -> tuple[np.ndarray, np.ndarray]:
    """Passes at which to log the loss (every log_every, and the end) and to snapshot.

    ``snapshots``: a count (evenly spaced from 0 to passes) or the pass numbers themselves
    (those outside 0..passes are dropped).
    """
    log = np.unique(np.append(np.arange(0, passes, max(1, log_every)), passes))
    if np.ndim(snapshots) == 0:
        snap = np.unique(np.linspace(0, passes, int(snapshots)).round().astype(int))
    else:
        snap = np.unique(np.asarray(snapshots, dtype=int))
        snap = snap[(snap >= 0) & (snap <= passes)]
    return log, snap


def _is_due(passes: np.ndarray) -> Callable[[int], bool]:
    """Fast membership test for a loop counter (a set, not an array scan per pass)."""
    return set(passes.tolist()).__contains__


def _step(params: Params, X: np.ndarray, Y: np.ndarray, lr: float, reg: float) -> Params:
    """One full-batch step of the tutorial: gradients summed over the batch, L2 on weights.

    X (n, 2), Y (n, 2) one-hot; dZ2 = P - Y (n, 2), dZ1 = dZ2 @ W2.T * (1 - A1^2) (n, h).
    """
    A1 = np.tanh(X @ params["W1"] + params["b1"])
    dZ2 = _softmax(A1 @ params["W2"] + params["b2"]) - Y
    dZ1 = (dZ2 @ params["W2"].T) * (1 - A1**2)
    grads = {
        "W1": X.T @ dZ1 + reg * params["W1"],
        "b1": dZ1.sum(axis=0),
        "W2": A1.T @ dZ2 + reg * params["W2"],
        "b2": dZ2.sum(axis=0),
    }
    return {name: P - lr * grads[name] for name, P in params.items()}


def train_moons(
    X: np.ndarray,
    y: np.ndarray,
    hidden: int,
    passes: int = 20000,
    lr: float = 0.01,
    reg: float = 0.01,
    snapshots: int | Sequence[int] = 0,
    log_every: int = 100,
) -> MoonsRun:
    """Train one 2-h-2 tanh network on the moons with the tutorial's gradient descent.

    Parameters
    ----------
    X (n, 2), y (n,) : the data (``make_moons_np()``).
    hidden : hidden-layer size h.
    passes, lr, reg : full-batch steps, learning rate, L2 strength (tutorial: 20000,
        0.01, 0.01). Gradients are summed over the n points.
    snapshots : number of parameter copies, evenly spaced from pass 0 to the end, to
        animate the boundary (0 = none); or a sequence of the pass numbers to copy at.
    log_every : the loss is recorded every ``log_every`` passes, and at the end.

    Returns
    -------
    MoonsRun. ``train_moons_many`` gives the same result for several sizes at once.
    """
    check_moons_size(hidden, passes)
    X = np.asarray(X, dtype=np.float64)
    Y = np.eye(2)[y]
    log, snap = _checkpoints(passes, log_every, snapshots)
    params, losses, copies = init_moons_params(hidden), [], []
    log_due, snap_due = _is_due(log), _is_due(snap)
    for i in range(passes + 1):
        if log_due(i):
            losses.append(moons_loss(params, X, y, reg))
        if snap_due(i):
            copies.append({k: v.copy() for k, v in params.items()})
        if i < passes:
            params = _step(params, X, Y, lr, reg)
    accuracy = moons_accuracy(params, X, y)
    return MoonsRun(hidden, params, log, np.array(losses), accuracy, snap, tuple(copies))


# --- many networks at once -----------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Stack:
    """K networks side by side: hidden units concatenated, output pairs concatenated.

    W1 (2, H), b1 (H,), W2 (H, 2K) block-diagonal, b2 (2K,), with H = sum of the sizes;
    ``mask`` (H, 2K) is 1 on the diagonal blocks. Net k owns hidden units
    ``starts[k]:starts[k + 1]`` and outputs ``2k, 2k + 1``. ``work`` holds scratch
    buffers (n, H) and (n, 2K) reused by every pass.
    """

    hiddens: tuple[int, ...]
    starts: np.ndarray
    mask: np.ndarray
    work: dict[str, np.ndarray]


def _make_stack(hiddens: tuple[int, ...], n_points: int) -> tuple[_Stack, Params]:
    """Stack each net's own tutorial init into one wide parameter set."""
    starts = np.concatenate([[0], np.cumsum(hiddens)])
    mask = np.zeros((starts[-1], 2 * len(hiddens)))
    for k, (lo, hi) in enumerate(zip(starts[:-1], starts[1:], strict=True)):
        mask[lo:hi, 2 * k : 2 * k + 2] = 1
    inits = [init_moons_params(h) for h in hiddens]
    W2 = mask.copy()
    W2[mask == 1] = np.concatenate([p["W2"].ravel() for p in inits])  # row-major blocks
    params = {
        "W1": np.concatenate([p["W1"] for p in inits], axis=1),
        "b1": np.zeros(starts[-1]),
        "W2": W2,
        "b2": np.zeros(2 * len(hiddens)),
    }
    H, n = starts[-1], n_points
    work = {name: np.empty((n, H)) for name in ("A1", "dZ1", "dtanh")}
    work["Z2"] = np.empty((n, 2 * len(hiddens)))
    return _Stack(tuple(hiddens), starts, mask, work), params


def _unstack(stack: _Stack, params: Params, k: int) -> Params:
    """Net k's own parameters (copies): W1 (2, h), b1 (h,), W2 (h, 2), b2 (2,)."""
    units = slice(stack.starts[k], stack.starts[k + 1])
    outs = slice(2 * k, 2 * k + 2)
    return {
        "W1": params["W1"][:, units].copy(),
        "b1": params["b1"][units].copy(),
        "W2": params["W2"][units, outs].copy(),
        "b2": params["b2"][outs].copy(),
    }


def _stack_step(stack: _Stack, params: Params, X, Y, lr: float, reg: float) -> None:
    """One tutorial step for all K nets, in place. X (n, 2), Y (n, 2K) one-hot per net.

    The zero blocks of W2 keep the nets apart in the forward pass and in dA1; masking
    dW2 keeps them zero. Each net's numbers are those of training it alone, up to the
    order of floating-point sums. The (n, H) arrays live in preallocated buffers: fresh
    130 kB temporaries on every pass cost more than the arithmetic itself.
    """
    n, K = len(X), len(stack.hiddens)
    A1, dZ1, Z2 = stack.work["A1"], stack.work["dZ1"], stack.work["Z2"]
    np.tanh(np.add(np.matmul(X, params["W1"], out=A1), params["b1"], out=A1), out=A1)
    np.add(np.matmul(A1, params["W2"], out=Z2), params["b2"], out=Z2)
    dZ2 = np.subtract(_softmax(Z2.reshape(n, K, 2)).reshape(n, 2 * K), Y, out=Z2)
    dtanh = np.subtract(1, np.square(A1, out=stack.work["dtanh"]), out=stack.work["dtanh"])
    np.multiply(np.matmul(dZ2, params["W2"].T, out=dZ1), dtanh, out=dZ1)
    grads = {
        "W1": X.T @ dZ1 + reg * params["W1"],
        "b1": dZ1.sum(axis=0),
        "W2": (A1.T @ dZ2) * stack.mask + reg * params["W2"],
        "b2": dZ2.sum(axis=0),
    }
    for name, P in params.items():
        P -= lr * grads[name]


def _stack_losses(stack: _Stack, params: Params, X, y, reg: float) -> np.ndarray:
    """Tutorial loss of each of the K nets, shape (K,)."""
    n, K = len(X), len(stack.hiddens)
    A1 = np.tanh(X @ params["W1"] + params["b1"])
    P = _softmax((A1 @ params["W2"] + params["b2"]).reshape(n, K, 2))
    data = -np.log(P[np.arange(n), :, y]).sum(axis=0)  # (K,)
    sq_W1 = np.add.reduceat(np.square(params["W1"]).sum(axis=0), stack.starts[:-1])
    sq_W2 = np.square(params["W2"]).sum(axis=0).reshape(K, 2).sum(axis=1)
    return (data + reg / 2 * (sq_W1 + sq_W2)) / n


def train_moons_many(
    X: np.ndarray,
    y: np.ndarray,
    hiddens: tuple[int, ...] = GALLERY_HIDDEN,
    passes: int = 20000,
    lr: float = 0.01,
    reg: float = 0.01,
    snapshots: int | Sequence[int] = 0,
    log_every: int = 100,
) -> dict[int, MoonsRun]:
    """Train one network per hidden size, all at once; same results as ``train_moons``.

    The nets are stacked into one wide network (hidden units side by side, a
    block-diagonal output layer), so every pass is a handful of larger matrix products
    instead of K small ones. Each net keeps its own init, loss and gradients; results
    agree with separate ``train_moons`` calls to about 1e-12.

    Parameters and returns: as ``train_moons``, with ``hiddens`` (distinct sizes) in
    place of ``hidden``; the result maps each hidden size to its ``MoonsRun``.
    """
    hiddens = tuple(int(h) for h in hiddens)
    if len(set(hiddens)) != len(hiddens):
        raise ValueError(f"hidden sizes must be distinct, got {hiddens}")
    X = np.asarray(X, dtype=np.float64)
    Y = np.tile(np.eye(2)[y], len(hiddens))
    stack, params = _make_stack(hiddens, len(X))
    log, snap = _checkpoints(passes, log_every, snapshots)
    losses, copies = [], []
    log_due, snap_due = _is_due(log), _is_due(snap)
    for i in range(passes + 1):
        if log_due(i):
            losses.append(_stack_losses(stack, params, X, y, reg))
        if snap_due(i):
            copies.append({k: v.copy() for k, v in params.items()})
        if i < passes:
            _stack_step(stack, params, X, Y, lr, reg)
    return _split_runs(stack, params, X, y, (log, np.array(losses)), (snap, copies))


def _split_runs(stack: _Stack, params: Params, X, y, logged, snapped) -> dict[int, MoonsRun]:
    """One MoonsRun per net. logged = (passes, losses (k, K)); snapped = (passes, copies)."""
    runs = {}
    for k, h in enumerate(stack.hiddens):
        own = _unstack(stack, params, k)
        copies = tuple(_unstack(stack, c, k) for c in snapped[1])
        accuracy = moons_accuracy(own, X, y)
        runs[h] = MoonsRun(h, own, logged[0], logged[1][:, k], accuracy, snapped[0], copies)
    return runs


# --- baseline and grid ---------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class LogisticRun:
    """A logistic-regression baseline: params w (2,), b (1,); loss (iters,) mean log-loss."""

    params: Params
    loss: np.ndarray
    accuracy: float


def logistic_regression(
    X: np.ndarray, y: np.ndarray, lr: float = 1.0, iters: int = 3000, reg: float = 0.0
) -> LogisticRun:
    """A straight-line classifier by full-batch gradient descent on the mean log-loss.

    X (n, 2), y (n,) -> w (2,), b (1,), float64. ``reg`` adds reg / 2 * |w|^2. This is
    the tutorial's baseline (it uses scikit-learn's LogisticRegressionCV): the line gets
    88.5 % of the 200 moons right (as does scikit-learn's fit) and cannot do better.
    """
    X = np.asarray(X, dtype=np.float64)
    params = {"w": np.zeros(2), "b": np.zeros(1)}
    losses = np.empty(iters)
    for i in range(iters):
        p1 = _logistic_proba(params, X)[:, 1]
        losses[i] = (
            -np.mean(np.log(np.where(y == 1, p1, 1 - p1))) + reg / 2 * params["w"] @ params["w"]
        )
        dz = (p1 - y) / len(y)
        params = {
            "w": params["w"] - lr * (X.T @ dz + reg * params["w"]),
            "b": params["b"] - lr * dz.sum(),
        }
    return LogisticRun(params, losses, moons_accuracy(params, X, y))


def predict_grid(
    params: Params,
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    steps: int = 200,
    proba: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A moons model evaluated over a mesh, for a decision-boundary heatmap.

    xx, yy (steps, steps) from ``np.meshgrid`` over xlim x ylim; Z (steps, steps) is
    P(class 1) if ``proba``, else the predicted class (0 or 1). Works for a tanh net
    (W1, b1, W2, b2) or a logistic regression (w, b).
    """
    xx, yy, points = mesh(xlim, ylim, steps)
    P = moons_proba(params, points)
    Z = P[:, 1] if proba else np.argmax(P, axis=1)
    return xx, yy, Z.reshape(xx.shape)


def mesh(
    xlim: tuple[float, float], ylim: tuple[float, float], steps: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A steps x steps mesh: xx, yy (steps, steps) from ``np.meshgrid``, and its points
    (steps * steps, 2) row by row (x fastest), float64. Shared with mlp_core.playground."""
    xx, yy = np.meshgrid(np.linspace(*xlim, steps), np.linspace(*ylim, steps))
    return xx, yy, np.column_stack([xx.ravel(), yy.ravel()])
