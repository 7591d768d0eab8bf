"""Short runnable scripts that train the configured network in each library.

`script(library, config)` returns Python source. Each script loads MNIST the way that
library's users do (scikit-learn's fetch_openml, torchvision, keras.datasets, mlp_core's
own loader), or reads the four IDX files from a folder given with `--data-dir` (how the
tests run them offline). Every conversion in them is the exact one of
`mlp_compare.conversions`; the comments say which setting it stands for.
"""

from __future__ import annotations

from string import Template

from mlp_compare import conversions as cv
from mlp_compare import templates
from mlp_core.config import TrainConfig

LIBRARIES = ("scikit-learn", "PyTorch", "Keras", "mlp_core")
FILE_NAMES = {
    "scikit-learn": "mnist_sklearn.py",
    "PyTorch": "mnist_torch.py",
    "Keras": "mnist_keras.py",
    "mlp_core": "mnist_mlp_core.py",
}

INIT_DRAW = {
    "he": "rng.normal(0.0, np.sqrt(2.0 / i), (i, o))",
    "normal": "rng.normal(0.0, 0.1, (i, o))",
    "xavier": "rng.uniform(-np.sqrt(6.0 / (i + o)), np.sqrt(6.0 / (i + o)), (i, o))",
}
INIT_NAME = {"he": "He-normal", "normal": "normal(0, 0.1)", "xavier": "Xavier-uniform"}
SCALE = {"01": "X / 255", "pm1": "(X / 255 - 0.5) * 2"}


def script(library: str, config: TrainConfig) -> str:
    """The script for `library` (one of LIBRARIES) that trains `config`'s network."""
    if library not in LIBRARIES:
        raise ValueError(f"library must be one of {', '.join(LIBRARIES)}; got {library!r}")
    body = {
        "scikit-learn": templates.SKLEARN,
        "PyTorch": templates.TORCH,
        "Keras": templates.KERAS,
        "mlp_core": templates.MLP_CORE,
    }[library]
    values = {**_common(config), **_specific(library, config)}
    return Template(body).substitute(values)


def _common(config: TrainConfig) -> dict[str, str]:
    """Placeholders every script shares: the settings and the helper functions."""
    sizes = f"(784, {', '.join(map(str, config.hidden_sizes))}, 10)"
    values = {
        "ARCH": "-".join(map(str, (784, *config.hidden_sizes, 10))),
        "ACT": config.activation,
        "SIZES": sizes,
        "HIDDEN": repr(config.hidden_sizes),
        "LR": _num(config.lr),
        "L2": _num(config.l2),
        "MOMENTUM": _num(config.momentum),
        "BATCH": str(config.batch_size),
        "EPOCHS": str(config.epochs),
        "SEED": str(config.seed),
        "N_TRAIN": str(config.n_train),
        "DTYPE": config.dtype,
        "SCALE": SCALE[config.scaling],
        "INIT_NAME": INIT_NAME[config.init],
        "INIT_DRAW": INIT_DRAW[config.init],
        "REDUCTION": config.reduction,
    }
    values["READ_IDX"] = Template(templates.READ_IDX).substitute(values)
    values["PREPARE"] = Template(templates.PREPARE).substitute(values)
    values["INIT"] = Template(templates.INIT).substitute(values)
    return values


def _specific(library: str, config: TrainConfig) -> dict[str, str]:
    if library == "scikit-learn":
        return _sklearn(config)
    if library == "PyTorch":
        return _torch(config)
    if library == "Keras":
        return _keras(config)
    return {"CONFIG": _config_call(config)}


def _num(x: float) -> str:
    """A float as Python source, short but exact."""
    short = f"{x:g}"
    if float(short) != x:
        return repr(x)
    return short + ".0" if short.lstrip("-").isdigit() else short


def _sklearn(config: TrainConfig) -> dict[str, str]:
    lr, alpha = cv.sklearn_rates(config)
    n = config.batch_size
    if config.reduction == "mean":
        note = (
            f"W -= lr * (A.T @ dZ / n + L2 * W): same lr, alpha = L2 x batch = "
            f"{_num(config.l2)} x {n}"
        )
    else:
        note = (
            f"W -= lr * (A.T @ dZ + L2 * W): learning_rate_init = lr x batch = "
            f"{_num(config.lr)} x {n}, alpha = L2"
        )
    labels = cv.sklearn_targets(config) == "labels"
    return {
        "ESTIMATOR": cv.sklearn_estimator_name(config),
        "SK_ACT": cv.SKLEARN_ACTIVATION[config.activation],
        "SK_LR": _num(lr),
        "SK_NOTE": note,
        "ALPHA": _num(alpha),
        "TARGETS": "y" if labels else "np.eye(10, dtype=X.dtype)[y]",
        "CLASSES": ", classes=np.arange(10)" if config.loss != "identity_mse" else "",
        "SCORES": "predict_proba" if config.loss != "identity_mse" else "predict",
    }


ONE_HOT = "Y = F.one_hot(t, 10).to(Z.dtype)\n    "
TORCH_LOSS = {
    "softmax_ce": 'return F.cross_entropy(Z, t, reduction="sum")',
    "sigmoid_bce": ONE_HOT + 'return F.binary_cross_entropy_with_logits(Z, Y, reduction="sum")',
    "identity_mse": ONE_HOT + "return 0.5 * ((Z - Y) ** 2).sum()",
}


def _torch(config: TrainConfig) -> dict[str, str]:
    layers = []
    sizes = (784, *config.hidden_sizes, 10)
    act = cv.TORCH_ACTIVATION[config.activation]
    for l, (i, o) in enumerate(zip(sizes, sizes[1:], strict=False)):
        layers.append(f"nn.Linear({i}, {o})")
        if l < len(sizes) - 2:
            layers.append(f"nn.{act}()")
    divide = " / len(t)" if config.reduction == "mean" else ""
    return {
        "LAYERS": ",\n        ".join(layers),
        "TORCH_LOSS": TORCH_LOSS[config.loss] + divide,
        "TOTAL": "float(loss) * len(idx)" if config.reduction == "mean" else "float(loss)",
        "TORCH_DTYPE": "torch.float64" if config.dtype == "float64" else "torch.float32",
    }


KERAS_LOSS = {
    "softmax_ce": "keras.ops.categorical_crossentropy(Y, Z, from_logits=True)",
    "sigmoid_bce": "keras.ops.sum(keras.ops.binary_crossentropy(Y, Z, from_logits=True), axis=-1)",
    "identity_mse": "0.5 * keras.ops.sum(keras.ops.square(Z - Y), axis=-1)",
}
KERAS_OUTPUT = {"softmax_ce": "softmax", "sigmoid_bce": "sigmoid", "identity_mse": "linear"}


def _keras(config: TrainConfig) -> dict[str, str]:
    return {
        "KERAS_LOSS": KERAS_LOSS[config.loss],
        "KERAS_REDUCTION": "sum_over_batch_size" if config.reduction == "mean" else "sum",
        "KERAS_L2": _num(config.l2 / 2),
    }


CONFIG_FIELDS = [
    "hidden",
    "layers",
    "activation",
    "loss",
    "lr",
    "l2",
    "momentum",
    "batch_size",
    "epochs",
    "seed",
    "n_train",
    "init",
    "reduction",
    "scaling",
    "dtype",
]


def _config_call(config: TrainConfig) -> str:
    """TrainConfig(...) with every training setting spelled out, four to a line."""
    parts = [f"{name}={getattr(config, name)!r}" for name in CONFIG_FIELDS]
    lines = [", ".join(parts[i : i + 4]) for i in range(0, len(parts), 4)]
    return "TrainConfig(\n    " + ",\n    ".join(lines) + ",\n)"
