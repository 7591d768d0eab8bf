"""The two chapter-1 toys of *Modern Computer Vision with PyTorch*: learning rate and backprop.

Both toys follow the book's procedure exactly, including its number types, because the
story the book tells depends on them:

* Parameters are stored as float32 (the book's ``np.array(..., dtype=np.float32)``).
* The data are integer arrays (the book's Python int lists and ``np.array([[1, 1]])``).
  NumPy promotes ``int64 @ float32`` to float64, so every loss, and every gradient, is
  computed in float64 from float32 parameters. With float32 losses the 2-3-1 toy ends
  about 1e-5 away from the weights the book prints; with float64 it matches them to the
  printed digits.
* The finite-difference nudge is done on the stored float32 value (``w + 0.0001`` is
  rounded to float32), and each update ``w - lr * grad`` is computed in float64 and then
  rounded back to float32. That rounding is why lr = 1 gets stuck: once ``|w|`` is large,
  ``w + 0.0001`` rounds back to ``w``, the loss difference is exactly 0 and so is the
  gradient. (This is NumPy 2's rule for ``float32 + 0.0001``; NumPy 1 added in float64
  and then rounded. That moves one hidden bias of the 2-3-1 toy by one float32 step
  for five middle epochs; the 1-D runs and all final weights are identical.)

All gradients of an epoch are taken at that epoch's original parameters, and then every
parameter is updated at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from mlp_core.config import DTYPE

STEP = 0.0001
"""The book's finite-difference nudge."""

GRADIENT_MODES = ("forward", "exact")
"""1-D toy: the book's forward difference, or the analytic MSE gradient."""

BACKPROP_MODES = ("forward", "chain")
"""2-3-1 toy: the book's forward difference, or backpropagation (chain rule)."""

LR_MAX = 10.0
"""Largest learning rate the toys take (ten times the book's largest, 1, at which the
1-D toy already freezes; 0 and below, inf and nan are refused too)."""
EPOCHS_MAX = 100_000
"""Most epochs: 100,000 take about 4 s (1-D toy) and 25 s (2-3-1 toy) on one core."""

LR_TOY_RATES = (0.01, 0.1, 1.0)
"""The three learning rates the book compares."""

# The 1-D toy: y = 3x. Integer data, as the book's lists of ints.
X_LR = np.array([1, 2, 3, 4], dtype=np.int64)
Y_LR = np.array([3, 6, 9, 12], dtype=np.int64)

# The 2-3-1 toy: one example, input (1, 1), target 0.
X_TOY = np.array([[1, 1]], dtype=np.int64)
Y_TOY = np.array([[0]], dtype=np.int64)

Params = dict[str, np.ndarray]
LossFn = Callable[[Params], float]


# --- shared machinery: forward difference and the float32 update ----------------------


def check_toy_args(lr: float, epochs: int, least: int = 0) -> None:
    """Raise ValueError, naming the allowed range, for a learning rate or epoch count the
    toys cannot use (NaN fails every comparison, so it is refused as well). 0 epochs is
    an empty run; the command line asks for `least` = 1."""
    if not 0.0 < lr <= LR_MAX:
        raise ValueError(f"learning rate must be above 0 and at most {LR_MAX:g}; got {lr:g}")
    if not least <= epochs <= EPOCHS_MAX:
        raise ValueError(f"epochs must be between {least} and {EPOCHS_MAX:,}; got {epochs:,}")


def _forward_difference(loss_fn: LossFn, params: Params) -> tuple[float, Params, Params]:
    """Book's gradient: nudge each parameter alone by +STEP (in float32) at the same point.

    Returns the original loss, the loss after each nudge and the gradient, both shaped
    like the parameters (float64).
    """
    loss = loss_fn(params)
    loss_plus = {name: np.empty(P.shape) for name, P in params.items()}
    for name, P in params.items():
        for idx in np.ndindex(P.shape):
            nudged = P.copy()
            nudged[idx] += DTYPE(STEP)  # float32 + float32: the sum is rounded to float32
            loss_plus[name][idx] = loss_fn({**params, name: nudged})
    grads = {name: (L - loss) / STEP for name, L in loss_plus.items()}
    return loss, loss_plus, grads


def _descend(params: Params, grads: Params, lr: float) -> Params:
    """One gradient-descent step: float64 arithmetic, result stored back as float32."""
    return {name: np.asarray(P - grads[name] * lr).astype(DTYPE) for name, P in params.items()}


# --- 1. the 1-D learning-rate toy -------------------------------------------------------


@dataclass(frozen=True, eq=False)
class LrToyRun:
    """One run of the 1-D toy; every array has one entry per epoch (epoch 1 first).

    ``w_before``, ``b_before``, ``w``, ``b`` are float32 (the stored parameters before and
    after the update); losses and gradients are float64. ``loss`` is the loss before the
    update; ``loss_plus_w`` / ``loss_plus_b`` the loss after nudging only w / only b. For
    lr = 1 with the exact gradient the values overflow to inf and then nan: those are
    kept as data.
    """

    lr: float
    gradient: str
    w_before: np.ndarray
    b_before: np.ndarray
    loss: np.ndarray
    loss_plus_w: np.ndarray
    loss_plus_b: np.ndarray
    grad_w: np.ndarray
    grad_b: np.ndarray
    w: np.ndarray
    b: np.ndarray

    @property
    def epochs(self) -> np.ndarray:
        """Epoch numbers 1..n, shape (n,)."""
        return np.arange(1, len(self.loss) + 1)


def _lr_loss(params: Params) -> float:
    """MSE of y_hat = w x + b on the 1-D toy, in float64 (int data times float32 w)."""
    y_hat = X_LR * np.float64(params["w"]) + np.float64(params["b"])
    return float(np.mean(np.square(y_hat - Y_LR)))


def _lr_exact_gradient(params: Params) -> Params:
    """Analytic MSE gradient at float32 w, b, in float64: dL/dw = 2 mean(r x), dL/db = 2 mean(r)."""
    r = X_LR * np.float64(params["w"]) + np.float64(params["b"]) - Y_LR
    return {"w": np.float64(2 * np.mean(r * X_LR)), "b": np.float64(2 * np.mean(r))}


def lr_toy(lr: float, epochs: int = 1000, gradient: str = "forward") -> LrToyRun:
    """Fit y = w x + b to x = 1..4, y = 3x from w = b = 0 (float32), as the book does.

    Parameters
    ----------
    lr : learning rate (the book uses 0.01, 0.1 and 1).
    epochs : number of full-batch updates.
    gradient : ``"forward"`` is the book's forward difference (nudge by +0.0001 in
        float32). ``"exact"`` uses the analytic gradient ``2 mean((w x + b - y) x)``
        with the same float32 storage. For lr 0.01 and 0.1 the two runs end within
        3e-4 of each other (the forward difference is biased by step * curvature / 2,
        which moves its resting point slightly off w = 3). For lr = 1 they tell
        different stories. The exact gradient never vanishes, so the weight overshoots
        by a factor of about |1 - lr * 16.7| = 15.7 per epoch (16.7 is the largest
        curvature of the loss, so any lr above 2 / 16.7 = 0.12 diverges) until it
        overflows float32 to inf at epoch 32 and then turns nan (inf - inf). The book's
        forward difference instead *freezes*: after 3 epochs w = 12755.16 and
        b = 3765.97, where half the float32 spacing (0.0005 and 0.00012) exceeds the
        nudge, so ``w + 0.0001 == w``, the loss difference is exactly 0 and the weights
        never move again. The book's "stuck" is this rounding, not a flat loss.

    Returns
    -------
    LrToyRun with one entry per epoch. Overflow is silent (no warnings): inf and nan are
    kept as data.
    """
    if gradient not in GRADIENT_MODES:
        raise ValueError(f"gradient must be one of {GRADIENT_MODES}, got {gradient!r}")
    check_toy_args(lr, epochs)
    params = {"w": np.zeros((), DTYPE), "b": np.zeros((), DTYPE)}
    rows = []
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(epochs):
            loss, loss_plus, grads = _forward_difference(_lr_loss, params)
            if gradient == "exact":
                grads = _lr_exact_gradient(params)
            new = _descend(params, grads, lr)
            before = (params["w"], params["b"], loss, loss_plus["w"], loss_plus["b"])
            rows.append(before + (grads["w"], grads["b"], new["w"], new["b"]))
            params = new
    return _lr_run(lr, gradient, rows)


def _lr_run(lr: float, gradient: str, rows: list[tuple]) -> LrToyRun:
    """Stack per-epoch rows into read-only column arrays."""
    dtypes = (DTYPE, DTYPE) + (np.float64,) * 5 + (DTYPE, DTYPE)
    columns = [np.array([row[j] for row in rows], dtype=dt) for j, dt in enumerate(dtypes)]
    for col in columns:
        col.flags.writeable = False
    return LrToyRun(lr, gradient, *columns)


def lr_toy_table(run: LrToyRun, n: int = 10) -> list[dict[str, float]]:
    """The book's table for the first n epochs: one dict per epoch.

    Keys: ``epoch``, ``weight`` (at the start of the epoch), ``loss`` (original loss),
    ``loss_plus`` (after the +0.0001 nudge of w), ``gradient`` (of w) and
    ``updated_weight``. Values are unrounded; the book prints them rounded to 2 decimals.
    """
    return [
        {
            "epoch": i + 1,
            "weight": float(run.w_before[i]),
            "loss": float(run.loss[i]),
            "loss_plus": float(run.loss_plus_w[i]),
            "gradient": float(run.grad_w[i]),
            "updated_weight": float(run.w[i]),
        }
        for i in range(min(n, len(run.loss)))
    ]


def lr_toy_loss_curve(w_values: np.ndarray, b: float = 0.0) -> np.ndarray:
    """Loss of the 1-D toy as a function of w at fixed b. w_values (k,) -> loss (k,), float64.

    Infinite or nan inputs (an overflowed exact-gradient run) give inf or nan, silently.
    """
    W = np.asarray(w_values, dtype=np.float64)[..., None]
    with np.errstate(over="ignore", invalid="ignore"):
        return np.mean(np.square(X_LR * W + np.float64(b) - Y_LR), axis=-1)


# --- 2. the 2-3-1 backprop toy ---------------------------------------------------------


def initial_toy_params() -> Params:
    """The book's starting parameters (float32, fresh copies).

    W_hidden (2, 3), b_hidden (3,), W_out (3, 1), b_out (1,). The book writes the weight
    matrices as (fan_out, fan_in) and transposes them.
    """
    W_hidden = np.array([[-0.0053, 0.3793], [-0.5820, -0.5204], [-0.2723, 0.1896]], DTYPE).T
    return {
        "W_hidden": W_hidden.copy(),
        "b_hidden": np.array([-0.0140, 0.5607, -0.0628], DTYPE),
        "W_out": np.array([[0.1528, -0.1745, -0.1135]], DTYPE).T.copy(),
        "b_out": np.array([-0.5516], DTYPE),
    }


def toy_forward(params: Params) -> dict:
    """Forward pass of the 2-3-1 toy with every intermediate value, for display.

    x (1, 2) int -> z_h (1, 3) = x @ W_hidden + b_hidden, a_h (1, 3) = sigmoid(z_h),
    output (1, 1) = a_h @ W_out + b_out, loss = mean((output - y)^2). All float64.
    """
    z_h = X_TOY @ params["W_hidden"] + params["b_hidden"]
    a_h = 1 / (1 + np.exp(-z_h))
    output = a_h @ params["W_out"] + params["b_out"]
    loss = float(np.mean(np.square(output - Y_TOY)))
    return {"x": X_TOY, "y": Y_TOY, "z_h": z_h, "a_h": a_h, "output": output, "loss": loss}


def _toy_loss(params: Params) -> float:
    """MSE of the 2-3-1 toy at the given parameters (float64)."""
    return toy_forward(params)["loss"]


def _toy_chain_rule(params: Params) -> Params:
    """Backpropagation for the 2-3-1 toy; gradients (float64) shaped like the parameters."""
    f = toy_forward(params)
    dY = 2 * (f["output"] - Y_TOY) / Y_TOY.size  # dC/dy_hat, (1, 1)
    dA_h = dY @ params["W_out"].T  # (1, 3)
    dZ_h = dA_h * f["a_h"] * (1 - f["a_h"])  # sigmoid' written with its output
    return {
        "W_hidden": X_TOY.T @ dZ_h,
        "b_hidden": dZ_h.sum(axis=0),
        "W_out": f["a_h"].T @ dY,
        "b_out": dY.sum(axis=0),
    }


def toy_gradients(params: Params) -> tuple[Params, Params]:
    """Gradient of every parameter, both ways, at the given parameters.

    Returns ``(forward_diff, chain_rule)``: two dicts with the keys and shapes of
    ``params``, float64. The forward difference is the book's (nudge +0.0001 in
    float32), so it differs from the chain rule by about 1e-4 (step size times curvature)
    plus float32 rounding of the nudge.
    """
    return _forward_difference(_toy_loss, params)[2], _toy_chain_rule(params)


def chain_rule_w11(params: Params) -> dict[str, float]:
    """The four chain-rule factors of dC/dw11 (input 1 -> hidden 1) and their product.

    dC/dw11 = dC/dy_hat * dy_hat/da_h1 * da_h1/dz_h1 * dz_h1/dw11
            = 2 (y_hat - y) * W_out[0, 0] * a_h1 (1 - a_h1) * x1.
    """
    f = toy_forward(params)
    a_h1 = float(f["a_h"][0, 0])
    factors = {
        "dC_dyhat": 2 * float(f["output"][0, 0] - Y_TOY[0, 0]),
        "dyhat_da_h1": float(params["W_out"][0, 0]),
        "da_h1_dz_h1": a_h1 * (1 - a_h1),
        "dz_h1_dw11": float(X_TOY[0, 0]),
    }
    factors["product"] = float(np.prod(list(factors.values())))
    return factors


@dataclass(frozen=True, eq=False)
class BackpropRun:
    """One training run of the 2-3-1 toy.

    ``loss`` (epochs,): loss before each epoch's update (the book's ``losses`` list).
    ``history[name]`` (epochs + 1, *shape): float32 parameters after each epoch, index 0
    the initial ones. ``params``: final parameters. ``prediction``, ``final_loss``: output
    and loss of the final parameters.
    """

    gradient: str
    lr: float
    loss: np.ndarray
    history: dict[str, np.ndarray]
    params: Params
    prediction: float
    final_loss: float


_TOY_GRADIENTS: dict[str, Callable[[Params], Params]] = {
    "forward": lambda params: _forward_difference(_toy_loss, params)[2],
    "chain": _toy_chain_rule,
}


def backprop_toy(epochs: int = 100, lr: float = 0.01, gradient: str = "forward") -> BackpropRun:
    """Train the book's 2-3-1 network on x = (1, 1), y = 0 from its initial weights.

    Parameters
    ----------
    epochs, lr : the book uses 100 and 0.01.
    gradient : ``"forward"`` is the book's forward difference (every parameter nudged
        separately by +0.0001 at the epoch's original weights); ``"chain"`` is
        backpropagation. Both store parameters as float32 after each update.

    Returns
    -------
    BackpropRun. With the defaults the final weights equal the book's printed ones, the
    loss goes from 0.3346 to 0.0003 and the final prediction is -0.0175.
    """
    if gradient not in _TOY_GRADIENTS:
        raise ValueError(f"gradient must be one of {BACKPROP_MODES}, got {gradient!r}")
    check_toy_args(lr, epochs)
    params = initial_toy_params()
    history, losses = [params], []
    with np.errstate(over="ignore"):  # large rates saturate the sigmoid: exp overflows to inf
        for _ in range(epochs):
            losses.append(_toy_loss(params))
            params = _descend(params, _TOY_GRADIENTS[gradient](params), lr)
            history.append(params)
        final = toy_forward(params)
    return BackpropRun(
        gradient=gradient,
        lr=lr,
        loss=np.array(losses),
        history={name: np.stack([h[name] for h in history]) for name in params},
        params=params,
        prediction=float(final["output"][0, 0]),
        final_loss=final["loss"],
    )
