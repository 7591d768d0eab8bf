"""mlp_core's settings in scikit-learn's and PyTorch's terms, and weights moved between them.

The exact conversions, derived from the update each library makes for one minibatch of n
examples with output delta dZ = A_L - Y (scikit-learn's `_backprop` and
`SGDOptimizer`, PyTorch's `torch.optim.SGD`, mlp_core's `SGD`):

- mlp_core, mean reduction:  W -= lr * (A.T @ dZ / n + l2 * W)
- mlp_core, sum reduction:   W -= lr * (A.T @ dZ + l2 * W)
- scikit-learn:              W -= lr_s * (A.T @ dZ + alpha * W) / n   (always the mean)
- PyTorch:                   W -= lr * (dLoss/dW + weight_decay * W)

So scikit-learn's learning_rate_init and alpha are (lr, l2 * n) for the mean and
(lr * n, l2) for the sum; PyTorch takes lr and l2 as they are, with the loss summed over
the batch (and divided by n for the mean) and weight decay on the weights only. Momentum
is the same recursion in all three (v = m * v - lr * g; PyTorch keeps g's sum and
multiplies by lr at the end, which is equal while lr is constant).
"""

from __future__ import annotations

import importlib.util
from typing import Any

import numpy as np

from mlp_core.config import TrainConfig
from mlp_core.network import MLP

SKLEARN_ACTIVATION = {"sigmoid": "logistic", "tanh": "tanh", "relu": "relu"}
TORCH_ACTIVATION = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "ReLU"}
TORCH_INSTALL = "pip install torch==2.13.0"


def torch_available() -> bool:
    """Whether PyTorch can be imported (without importing it: that takes a second)."""
    return importlib.util.find_spec("torch") is not None


# -- scikit-learn ----------------------------------------------------------------------


def sklearn_rates(config: TrainConfig) -> tuple[float, float]:
    """(learning_rate_init, alpha) that give mlp_core's step for a full minibatch."""
    n = config.batch_size
    if config.reduction == "sum":
        return config.lr * n, config.l2
    return config.lr, config.l2 * n


def sklearn_estimator_name(config: TrainConfig) -> str:
    """MLPRegressor for squared error (MLPClassifier has none), else MLPClassifier."""
    return "MLPRegressor" if config.loss == "identity_mse" else "MLPClassifier"


def sklearn_targets(config: TrainConfig) -> str:
    """'labels' (softmax + log-loss, multiclass) or 'one-hot' (sigmoid or identity outputs).

    MLPClassifier picks its output from the targets: integer labels give softmax with
    log-loss; a one-hot indicator matrix (multi-label) gives sigmoid outputs with binary
    log-loss, our sigmoid_bce. MLPRegressor on one-hot targets is our identity_mse.
    """
    return "labels" if config.loss == "softmax_ce" else "one-hot"


def sklearn_params(config: TrainConfig) -> dict[str, Any]:
    """Keyword arguments of the scikit-learn estimator for `config` (plain SGD, no tricks)."""
    lr, alpha = sklearn_rates(config)
    return {
        "hidden_layer_sizes": config.hidden_sizes,
        "activation": SKLEARN_ACTIVATION[config.activation],
        "solver": "sgd",
        "learning_rate": "constant",
        "learning_rate_init": lr,
        "alpha": alpha,
        "momentum": config.momentum,
        "nesterovs_momentum": False,
        "batch_size": config.batch_size,
    }


def sklearn_estimator(config: TrainConfig, **extra: Any):
    """A fresh MLPClassifier or MLPRegressor for `config`; `extra` overrides parameters."""
    from sklearn import neural_network

    params = {**sklearn_params(config), "shuffle": False, "random_state": config.seed, **extra}
    return getattr(neural_network, sklearn_estimator_name(config))(**params)


def sklearn_y(config: TrainConfig, y: np.ndarray, k: int = 10) -> np.ndarray:
    """Targets in the form the estimator needs: labels (n,), or one-hot (n, k) in X's dtype."""
    if sklearn_targets(config) == "labels":
        return np.asarray(y)
    return np.eye(k, dtype=config.np_dtype)[np.asarray(y)]


def sklearn_start(config: TrainConfig, model: MLP, X: np.ndarray, y: np.ndarray, est=None):
    """An estimator holding `model`'s weights, ready for `partial_fit`, nothing learned.

    scikit-learn has no way to choose its first weights: it draws them in the first
    `partial_fit`. So that call runs on (X, y), then the weights are overwritten in place
    and the momentum velocities cleared (`_optimizer.velocities`, a private attribute).
    """
    est = est if est is not None else sklearn_estimator(config)
    fit_kwargs = {"classes": np.arange(model.sizes[-1])} if _is_classifier(est) else {}
    est.partial_fit(X, sklearn_y(config, y, model.sizes[-1]), **fit_kwargs)
    set_sklearn_weights(est, model)
    est._optimizer.velocities = [np.zeros_like(v) for v in est._optimizer.velocities]
    return est


def _is_classifier(est) -> bool:
    from sklearn.base import is_classifier

    return is_classifier(est)


def set_sklearn_weights(est, model: MLP) -> None:
    """Copy `model`'s W and b into the estimator's coefs_ and intercepts_ (same layout)."""
    for coef, intercept, W, b in zip(est.coefs_, est.intercepts_, model.W, model.b, strict=True):
        coef[...] = W
        intercept[...] = b


def sklearn_weights(est) -> list[np.ndarray]:
    """[W0, b0, W1, b1, ...] of a fitted estimator, like `MLP.parameters()`."""
    return [p for Wb in zip(est.coefs_, est.intercepts_, strict=True) for p in Wb]


# -- PyTorch ---------------------------------------------------------------------------


def torch_dtype(config: TrainConfig):
    import torch

    return torch.float64 if config.dtype == "float64" else torch.float32


def torch_network(model: MLP):
    """nn.Sequential of Linear layers and the hidden activation, holding `model`'s weights.

    nn.Linear keeps its weight as (fan_out, fan_in) and computes x @ weight.T + bias, so
    weight is W.T. The output layer gives the pre-activation Z_L: the loss applies the
    output function (softmax, sigmoid or none) itself.
    """
    import torch

    layers: list[Any] = []
    for l, (W, b) in enumerate(zip(model.W, model.b, strict=True)):
        linear = torch.nn.Linear(*W.shape, dtype=torch.from_numpy(W).dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(np.ascontiguousarray(W.T)))
            linear.bias.copy_(torch.from_numpy(b))
        layers.append(linear)
        if l < len(model.W) - 1:
            layers.append(getattr(torch.nn, TORCH_ACTIVATION[model.activation])())
    return torch.nn.Sequential(*layers)


def torch_weights(net) -> list[np.ndarray]:
    """[W0, b0, W1, b1, ...] of a torch network, in mlp_core's layout (W = weight.T)."""
    out = []
    for layer in net:
        if hasattr(layer, "weight"):
            out += [layer.weight.detach().numpy().T.copy(), layer.bias.detach().numpy().copy()]
    return out


def torch_optimizer(net, config: TrainConfig):
    """torch.optim.SGD with weight decay on the weights only (mlp_core never decays biases)."""
    import torch

    weights = [p for name, p in net.named_parameters() if name.endswith("weight")]
    biases = [p for name, p in net.named_parameters() if name.endswith("bias")]
    groups = [{"params": weights, "weight_decay": config.l2}, {"params": biases, "weight_decay": 0}]
    return torch.optim.SGD(groups, lr=config.lr, momentum=config.momentum)


def torch_loss(config: TrainConfig, Z, y, Y):
    """The batch's loss from the output pre-activations Z (n, k): labels y or one-hot Y.

    Summed over the batch (and the outputs), then divided by n for the mean reduction, so
    its gradient with respect to Z is (A_L - Y), or (A_L - Y) / n, as in mlp_core.
    """
    import torch.nn.functional as F

    if config.loss == "softmax_ce":
        total = F.cross_entropy(Z, y, reduction="sum")
    elif config.loss == "sigmoid_bce":
        total = F.binary_cross_entropy_with_logits(Z, Y, reduction="sum")
    else:
        total = 0.5 * ((Z - Y) ** 2).sum()
    return total / len(Z) if config.reduction == "mean" else total


def torch_output(config: TrainConfig, Z):
    """Output activations A_L from Z (no gradient needed)."""
    import torch

    if config.loss == "softmax_ce":
        return torch.softmax(Z, dim=1)
    return torch.sigmoid(Z) if config.loss == "sigmoid_bce" else Z
