"""One line per setting that a library spells differently, with the conversion used.

`differences(config)` lists them for the current settings; the numbers in each line are
the ones the generated scripts and the side-by-side runs use (mlp_compare.conversions).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mlp_compare import conversions as cv
from mlp_core.config import TrainConfig

INIT_LABEL = {"he": "He-normal", "normal": "normal(0, 0.1)", "xavier": "Xavier-uniform"}


@dataclass(frozen=True)
class Difference:
    """A setting, the libraries it concerns, and what the code does about it."""

    setting: str
    libraries: str
    text: str


def _g(x: float) -> str:
    return f"{x:g}"


def _rates(c: TrainConfig) -> Difference:
    lr, alpha = cv.sklearn_rates(c)
    n = c.batch_size
    if c.reduction == "mean":
        text = (
            f"scikit-learn's alpha is an L2 penalty divided by the batch size (its gradient "
            f"adds alpha·W/n): alpha = L2 × batch = {_g(c.l2)} × {n} = {_g(alpha)}; "
            f"learning_rate_init = lr = {_g(lr)}."
        )
    else:
        text = (
            f"scikit-learn always averages the gradient over the batch; mlp_core here sums "
            f"it: learning_rate_init = lr × batch = {_g(c.lr)} × {n} = {_g(lr)}, and then "
            f"alpha = L2 = {_g(alpha)} exactly."
        )
    return Difference("learning rate, L2, reduction", "scikit-learn", text)


def _short_batch(c: TrainConfig) -> Difference | None:
    n, r = c.batch_size, c.n_train % c.batch_size
    if not r or (c.reduction == "mean" and not c.l2):
        return None
    what = "L2 term" if c.reduction == "mean" else "step"
    return Difference(
        "last minibatch",
        "scikit-learn",
        f"The epoch's last minibatch has {r} digits, not {n}: scikit-learn divides by {r} "
        f"there, so on that one minibatch its {what} is {n / r:.3g}× mlp_core's.",
    )


def _weight_decay(c: TrainConfig) -> list[Difference]:
    if not c.l2:
        return []
    return [
        Difference(
            "L2",
            "PyTorch",
            f"torch.optim.SGD's weight_decay adds weight_decay·p to every parameter's "
            f"gradient, biases too; mlp_core never decays biases: two parameter groups, "
            f"weight_decay = L2 = {_g(c.l2)} on the weights, 0 on the biases.",
        ),
        Difference(
            "L2",
            "Keras",
            f"keras.regularizers.L2(c) adds c·ΣW² to the loss, whose gradient is 2c·W: "
            f"c = L2 / 2 = {_g(c.l2 / 2)}, on the kernels only.",
        ),
    ]


def _losses(c: TrainConfig) -> list[Difference]:
    out = [_sklearn_loss(c)]
    how = "divide by the batch size" if c.reduction == "mean" else "leave the sum"
    if c.loss != "softmax_ce" or c.reduction == "sum":
        out.append(
            Difference(
                "output / loss, reduction",
                "PyTorch, Keras",
                f"Their built-in mean losses for sigmoid outputs and squared error also "
                f"average over the 10 outputs: the scripts sum over outputs and examples, "
                f"then {how} ({c.reduction} over the batch, as mlp_core).",
            )
        )
    return out


def _sklearn_loss(c: TrainConfig) -> Difference:
    if c.loss == "softmax_ce":
        text = (
            "MLPClassifier on integer labels uses softmax outputs with log-loss: our "
            "softmax + cross-entropy exactly."
        )
    elif c.loss == "sigmoid_bce":
        text = (
            "MLPClassifier picks sigmoid outputs with binary log-loss only for multi-label "
            "targets, so the code passes one-hot targets (an indicator matrix)."
        )
    else:
        text = (
            "MLPClassifier has no squared-error loss: MLPRegressor on one-hot targets "
            "(identity outputs, squared error), the class by argmax. Its reported loss_ "
            "also averages over the 10 outputs."
        )
    return Difference("output / loss", "scikit-learn", text)


def _momentum(c: TrainConfig) -> Difference | None:
    if not c.momentum:
        return None
    return Difference(
        "momentum",
        "scikit-learn, PyTorch",
        f"momentum = {_g(c.momentum)} everywhere; scikit-learn needs "
        "nesterovs_momentum=False (Nesterov's is its default). PyTorch's buffer sums "
        "gradients and multiplies by lr at the step: equal to mlp_core's velocity of "
        "steps while lr is constant.",
    )


def _init(c: TrainConfig) -> Difference:
    return Difference(
        "initialisation",
        "all three",
        f"mlp_core draws {INIT_LABEL[c.init]} weights and zero biases. scikit-learn always "
        "draws Glorot-uniform weights and biases (no option), nn.Linear Kaiming-uniform "
        "ones, Keras' Dense Glorot-uniform: the code overwrites them with mlp_core's draw "
        "(same seed, the same numbers).",
    )


def _reported_loss(c: TrainConfig) -> Difference | None:
    if not c.l2:
        return None
    here = "½·L2·ΣW²" if c.reduction == "mean" else "½·L2·ΣW²/batch"
    return Difference(
        "reported loss",
        "scikit-learn",
        f"scikit-learn's loss_ adds 0.5·alpha·ΣW²/n (= {here} here); mlp_core's reported "
        "loss adds L2·ΣW², as the book does. The training is the same; the printed loss "
        "is not.",
    )


def _patience(c: TrainConfig) -> Difference | None:
    if not c.patience:
        return None
    return Difference(
        "early stopping",
        "scikit-learn, PyTorch, Keras",
        f"Patience {c.patience} is mlp_core's only: scikit-learn's early_stopping holds out "
        "its own validation_fraction and cannot be used with partial_fit; the other runs "
        "and scripts train every epoch.",
    )


NOTES: tuple[Callable[[TrainConfig], object], ...] = (
    _rates,
    _short_batch,
    _weight_decay,
    _losses,
    _momentum,
    _init,
    _reported_loss,
    _patience,
)


def differences(config: TrainConfig) -> list[Difference]:
    """One line per setting without an exact counterpart, in a fixed order."""
    out: list[Difference] = []
    for note in NOTES:
        found = note(config)
        out += found if isinstance(found, list) else [found] if found else []
    return out
