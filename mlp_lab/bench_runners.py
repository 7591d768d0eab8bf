"""What `python -m mlp_lab bench` times: the cases (network and batch sizes) and the
runners, each training the same network on the same float32 digits one epoch per call
(mlp_lab.bench runs them in turns and reports).

mlp_core runs twice: with the fast back-end (mlp_fast.FastBackend, as the app and the
CLI use it for a run alone on its server) and with the plain readable step on one BLAS
thread (mlp_core.training.PlainStep), the code students read. The GEMM floor times only
the matrix products such an epoch needs. scikit-learn and PyTorch are optional and
imported only inside their runners.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from mlp_core.config import TrainConfig
from mlp_core.training import PlainStep, Split, Trainer
from mlp_fast import FastBackend
from mlp_fast.threads import blas_threads, one_blas_thread

LR = 0.1
SEED = 1
RUNNERS = ("mlp_core", "mlp_core_plain", "gemm", "torch", "torch_loader", "sklearn")


@dataclass(frozen=True)
class Case:
    """One benchmark configuration: hidden layer sizes and batch size."""

    key: str
    hidden: tuple[int, ...]
    batch: int

    def label(self, n_in: int = 784, n_out: int = 10) -> str:
        arch = "-".join(map(str, (n_in, *self.hidden, n_out)))
        return f"{arch} sigmoid, batch {self.batch}"


CASES = {
    "b100": Case("b100", (100,), 100),  # the headline
    "b1000": Case("b1000", (100,), 1000),
    "h300": Case("h300", (300,), 100),
    "h100x2": Case("h100x2", (100, 100), 100),
}


@dataclass(frozen=True)
class BenchOptions:
    """What to run: case keys, runner names, epochs per runner (the first is warm-up)."""

    cases: tuple[str, ...] = tuple(CASES)
    runners: tuple[str, ...] = RUNNERS
    epochs: int = 6


@dataclass
class Runner:
    """A named thing that trains one epoch per call and returns validation accuracy."""

    name: str
    label: str
    epoch: Callable[[], float]
    backend: Callable[[], str] | None = None  # which back-end trained, after the epochs


# -- runners ------------------------------------------------------------------------------
def mlp_core_runner(case: Case, data: Split, epochs: int, plain: bool = False) -> Runner:
    """mlp_core's Trainer with the fast back-end, as the app and `python -m mlp_lab train`
    use it for a run alone on its server; with `plain`, the readable step on one thread."""
    config = TrainConfig(
        hidden=case.hidden[0],
        layers=len(case.hidden),
        activation="sigmoid",
        loss="softmax_ce",
        lr=LR,
        momentum=0.0,
        batch_size=case.batch,
        epochs=epochs,
        seed=SEED,
        n_train=len(data.X_train),
        init="xavier",
    )

    if plain:
        trainer = Trainer(config, data, backend=PlainStep())

        def epoch() -> float:
            with one_blas_thread():
                return trainer.train_epoch().valid_acc

        return Runner("mlp_core_plain", "mlp_core, plain step, 1 thread", epoch)
    trainer = Trainer(config, data, backend=FastBackend())
    return Runner(
        "mlp_core", "mlp_core, fast back-end", lambda: trainer.train_epoch().valid_acc,
        trainer.backend.describe,
    )  # fmt: skip


def gemm_runners(case: Case, data: Split) -> list[Runner]:
    """The matrix products of one epoch, once per BLAS thread count worth trying."""

    default = blas_threads()
    if default is None:  # no BLAS threadpoolctl can limit: its threads cannot be set here
        return [Runner("gemm", "GEMM floor", _gemm_epoch(case, data, None))]
    return [
        Runner(f"gemm{t}", f"GEMM floor, {_threads(t)}", _gemm_epoch(case, data, t))
        for t in sorted({1, default})
    ]


def _threads(n: int | None) -> str:
    return f"{n} BLAS thread{'s' * (n != 1)}" if n is not None else "NumPy's BLAS threads"


def _gemm_epoch(case: Case, data: Split, threads: int | None) -> Callable[[], float]:
    """Forward A @ W, backward A.T @ dZ and dZ @ W.T per batch, then validation A @ W."""
    X, B = data.X_train, case.batch
    sizes = (X.shape[1], *case.hidden, 10)
    rng = np.random.default_rng(SEED)
    W = [
        rng.normal(0, 0.05, (i, o)).astype(X.dtype) for i, o in zip(sizes, sizes[1:], strict=False)
    ]
    Z = [np.empty((B, o), X.dtype) for o in sizes[1:]]
    dA = [np.empty((B, i), X.dtype) for i in sizes[:-1]]
    dW = [np.empty_like(w) for w in W]

    def epoch() -> float:
        with threadpool_limits(limits=threads, user_api="blas"):
            for s in range(0, len(X) - B + 1, B):
                A = [X[s : s + B]]
                for l, w in enumerate(W):
                    A.append(np.matmul(A[l], w, out=Z[l]))
                for l in range(len(W) - 1, -1, -1):
                    np.matmul(A[l].T, Z[l], out=dW[l])
                    if l:
                        np.matmul(Z[l], W[l].T, out=dA[l])
            A = data.X_valid
            for w in W:
                A = A @ w
        return float("nan")

    return epoch


def _torch_net(case: Case, data: Split) -> tuple[Any, Any, Any]:
    """nn.Sequential of Linear and Sigmoid, its torch.optim.SGD and CrossEntropyLoss."""
    import torch

    torch.manual_seed(SEED)
    sizes = (data.X_train.shape[1], *case.hidden, 10)
    layers: list[Any] = []
    for i, o in zip(sizes, sizes[1:], strict=False):
        layers += [torch.nn.Linear(i, o), torch.nn.Sigmoid()]
    model = torch.nn.Sequential(*layers[:-1])
    return model, torch.optim.SGD(model.parameters(), lr=LR), torch.nn.CrossEntropyLoss()


def _torch_label(what: str) -> str:
    import torch

    version = torch.__version__.split("+")[0]
    return f"PyTorch {version}, {what}, {torch.get_num_threads()} thr"


def torch_runner(case: Case, data: Split) -> Runner:
    """A tuned PyTorch loop: each minibatch indexed straight out of one tensor."""
    import torch

    model, opt, loss_fn = _torch_net(case, data)
    X, y = torch.from_numpy(data.X_train), torch.from_numpy(data.y_train.astype(np.int64))
    Xv, yv = torch.from_numpy(data.X_valid), torch.from_numpy(data.y_valid.astype(np.int64))

    def epoch() -> float:
        loss_sum, correct = torch.zeros(()), torch.zeros((), dtype=torch.int64)
        perm = torch.randperm(len(X))
        for s in range(0, len(X), case.batch):
            idx = perm[s : s + case.batch]
            xb, yb = X[idx], y[idx]
            out = model(xb)
            loss = loss_fn(out, yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            with torch.no_grad():  # the running loss and accuracy, as mlp_core keeps them
                loss_sum += loss.detach() * len(yb)
                correct += (out.argmax(dim=1) == yb).sum()
        with torch.no_grad():
            loss_sum.item()
            return float((model(Xv).argmax(dim=1) == yv).double().mean())

    return Runner("torch", _torch_label("tuned loop"), epoch)


def torch_loader_runner(case: Case, data: Split) -> Runner:
    """PyTorch as its tutorials write it: a shuffling DataLoader over a TensorDataset."""
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    model, opt, loss_fn = _torch_net(case, data)
    y = torch.from_numpy(data.y_train.astype(np.int64))
    loader = DataLoader(
        TensorDataset(torch.from_numpy(data.X_train), y), batch_size=case.batch, shuffle=True
    )
    Xv, yv = torch.from_numpy(data.X_valid), torch.from_numpy(data.y_valid.astype(np.int64))

    def epoch() -> float:
        loss_sum, correct = 0.0, 0
        for xb, yb in loader:
            out = model(xb)
            loss = loss_fn(out, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            loss_sum += loss.item() * len(yb)
            correct += (out.argmax(dim=1) == yb).sum().item()
        with torch.no_grad():
            return float((model(Xv).argmax(dim=1) == yv).double().mean())

    return Runner("torch_loader", _torch_label("DataLoader"), epoch)


def sklearn_runner(case: Case, data: Split) -> Runner:
    """MLPClassifier, solver sgd without momentum, one partial_fit per epoch."""
    import sklearn
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(
        hidden_layer_sizes=case.hidden,
        activation="logistic",
        solver="sgd",
        alpha=0.0,
        batch_size=case.batch,
        learning_rate_init=LR,
        momentum=0.0,
        nesterovs_momentum=False,
        shuffle=True,
        random_state=SEED,
    )
    classes = np.arange(10)

    def epoch() -> float:
        clf.partial_fit(data.X_train, data.y_train, classes=classes)
        return float(np.mean(clf.predict(data.X_valid) == data.y_valid))

    return Runner("sklearn", f"scikit-learn {sklearn.__version__}", epoch)


def make_runners(case: Case, data: Split, options: BenchOptions) -> tuple[list[Runner], list[str]]:
    """The runners asked for that can run here, and notes on those that cannot."""
    runners, notes = [], []
    for name in options.runners:
        try:
            if name == "mlp_core":
                runners.append(mlp_core_runner(case, data, options.epochs))
            elif name == "mlp_core_plain":
                runners.append(mlp_core_runner(case, data, options.epochs, plain=True))
            elif name == "gemm":
                runners.extend(gemm_runners(case, data))
            elif name == "torch":
                runners.append(torch_runner(case, data))
            elif name == "torch_loader":
                runners.append(torch_loader_runner(case, data))
            elif name == "sklearn":
                runners.append(sklearn_runner(case, data))
        except ImportError as exc:
            notes.append(f"{name} skipped: {exc}")
    return runners, notes
