"""Training speed: mlp_core against scikit-learn, PyTorch and the matrix-product floor.

Every runner trains the same network on the same float32 digits: sigmoid hidden layers,
softmax + cross-entropy output (mean over the batch), plain minibatch SGD (lr 0.1, no
momentum, no L2). One epoch is one shuffled pass over the training set, the running
training loss and accuracy, and the accuracy on the validation set, which is what
mlp_core's Trainer does by default (`exact_eval` off).

The runners take turns, one epoch each, in an order that rotates every round, so a
burst of load from elsewhere on the machine hits them alike, with a short rest before
each epoch so that the previous runner's idle threads have gone to sleep. The first
epoch of each is a warm-up: seconds per epoch is the median of the others, with their
min and max.

mlp_core runs twice: with the fast back-end (mlp_fast.FastBackend, as the app and the
CLI use it for a run alone on its server) and with the plain readable step on one BLAS
thread (mlp_core.training.PlainStep), the code students read.

The GEMM floor times only the matrix products such an epoch needs, with the same
shapes and dtype and the operands already in place; its best BLAS thread count is used.

scikit-learn and PyTorch are optional and imported only here, only when asked for;
`pip install torch==2.13.0` adds the PyTorch column.
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable, Iterator
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
SETTLE = 0.3
"""Seconds of rest before each timed epoch. OpenBLAS's and PyTorch's idle worker threads
spin for up to about 0.1 s after a multithreaded product before they sleep; without the
rest they take the second core from whichever runner comes next (mlp_core's two-thread
epoch measured 0.30 s instead of 0.23 s right after the two-thread GEMM floor)."""
TARGETS = {"torch": 0.5, "torch_loader": 0.5, "gemm": 1.3}
"""mlp_core's time (fast back-end) over the runner's that counts as on target (issues 7
and 13). The issue's PyTorch figure (0.8-1.0 s an epoch at batch 100) is what the
DataLoader loop takes here; the tuned loop takes less than half of that, so both are
held to the target."""
PLAIN_TARGETS = {"torch": 1.0}
"""The plain step on one thread over the runner's: not slower than PyTorch's tuned loop."""


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


# -- the run --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Timing:
    """One runner's epochs in one case: seconds of every epoch, last validation accuracy."""

    runner: Runner
    seconds: tuple[float, ...]
    valid_acc: float

    @property
    def counted(self) -> tuple[float, ...]:
        return self.seconds[1:] or self.seconds

    @property
    def median(self) -> float:
        return statistics.median(self.counted)


def time_case(runners: list[Runner], epochs: int) -> list[Timing]:
    """Run every runner `epochs` times, taking turns in a rotating order."""
    seconds: dict[str, list[float]] = {r.name: [] for r in runners}
    acc: dict[str, float] = {}
    for e in range(epochs):
        k = e % len(runners)
        for r in runners[k:] + runners[:k]:
            time.sleep(SETTLE)
            t0 = time.perf_counter()
            acc[r.name] = r.epoch()
            seconds[r.name].append(time.perf_counter() - t0)
    return [Timing(r, tuple(seconds[r.name]), acc[r.name]) for r in runners]


def floor_of(timings: list[Timing]) -> Timing | None:
    """The fastest GEMM-floor timing (over BLAS thread counts)."""
    gemms = [t for t in timings if t.runner.name.startswith("gemm")]
    return min(gemms, key=lambda t: t.median) if gemms else None


# -- reports --------------------------------------------------------------------------------
def machine() -> dict[str, Any]:
    """CPU model, core count, Python, NumPy and its BLAS (with threads, when known)."""
    lib = np.show_config(mode="dicts").get("Build Dependencies", {}).get("blas", {})
    info = {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": f"{lib.get('name', '?')} {lib.get('version', '')}".strip(),
    }

    if blas_threads() is not None:
        info["blas_threads"] = blas_threads()
    return info


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def case_records(case: Case, timings: list[Timing], n_train: int) -> list[dict[str, Any]]:
    """One record per runner, then the case's summary (mlp_core's time over each peer's)."""
    ours = next((t.median for t in timings if t.runner.name == "mlp_core"), None)
    records = [_record(case, t, n_train, ours) for t in timings]
    peers = {t.runner.name: t.median for t in timings if not t.runner.name.startswith("gemm")}
    if (floor := floor_of(timings)) is not None:
        peers["gemm"] = floor.median
    summary = {"case": case.key, "summary": True, "label": case.label()}
    for who, key, targets in (
        ("mlp_core", "", TARGETS),
        ("mlp_core_plain", "plain_", PLAIN_TARGETS),
    ):
        mine = peers.get(who)
        ratios = {} if mine is None else {k: mine / v for k, v in peers.items() if k != who}
        summary[f"{key}ratios"] = ratios
        summary[f"on_target{'_plain' if key else ''}"] = {
            k: ratios[k] <= _target(case, k, targets) for k in targets if k in ratios
        }
    return [*records, summary]


def _record(case: Case, t: Timing, n_train: int, ours: float | None) -> dict[str, Any]:
    return {
        "case": case.key,
        "runner": t.runner.name,
        "label": t.runner.label,
        "backend": t.runner.backend() if t.runner.backend else None,
        "seconds_per_epoch": t.median,
        "min": min(t.counted),
        "max": max(t.counted),
        "epoch_seconds": list(t.seconds),
        "examples_per_second": n_train / t.median,
        "valid_acc": None if np.isnan(t.valid_acc) else t.valid_acc,
        "mlp_core_ratio": None if ours is None else ours / t.median,
    }


def _target(case: Case, peer: str, targets: dict[str, float] = TARGETS) -> float:
    """For the fast back-end, batch 1000 need only not be slower than PyTorch; elsewhere
    half its time."""
    if targets is TARGETS and peer.startswith("torch") and case.batch >= 1000:
        return 1.0
    return targets[peer]


def case_text(case: Case, records: list[dict[str, Any]], notes: list[str]) -> str:
    """A small table: seconds per epoch (min-max), examples per second, mlp_core / this."""
    lines = [f"\n{case.label()}  [{case.key}]"]
    lines.append(
        f"  {'runner':34s} {'s/epoch':>8s}  {'min-max':>13s}  {'examples/s':>10s}"
        f"  {'mlp_core/this':>13s}  {'valid acc':>9s}"
    )
    for r in records[:-1]:
        ratio = "" if r["mlp_core_ratio"] is None else f"{r['mlp_core_ratio']:.2f}"
        acc = "" if r["valid_acc"] is None else f"{r['valid_acc']:.2%}"
        lines.append(
            f"  {r['label']:34s} {r['seconds_per_epoch']:8.3f}  "
            f"{r['min']:6.3f}-{r['max']:<6.3f}  {r['examples_per_second']:10,.0f}"
            f"  {ratio:>13s}  {acc:>9s}"
        )
    summary = records[-1]
    lines += _verdicts(case, summary, "on_target", "ratios", "target", TARGETS)
    lines += _verdicts(
        case, summary, "on_target_plain", "plain_ratios", "plain step target", PLAIN_TARGETS
    )
    lines += [f"  trained by: {r['backend']}" for r in records[:-1] if r["backend"]]
    lines += [f"  note: {n}" for n in notes]
    return "\n".join(lines)


def _verdicts(case: Case, summary: dict, key: str, ratios: str, title: str, targets) -> list[str]:
    verdicts = [
        f"{'not slower than' if _target(case, k, targets) == 1.0 else '<='} "
        f"{_target(case, k, targets):g}x {k}: {'yes' if ok else 'NO'} "
        f"({summary[ratios][k]:.2f})"
        for k, ok in summary[key].items()
    ]
    return [f"  {title} " + "; ".join(verdicts)] if verdicts else []


def run_bench(data: Split, options: BenchOptions) -> Iterator[tuple[dict[str, Any], str]]:
    """(record, text) pairs: the machine, then for each case its runners and summary."""
    n = len(data.X_train)
    info = {
        "machine": machine(),
        "n_train": n,
        "n_valid": len(data.X_valid),
        "epochs": options.epochs,
    }
    yield info, _header(info)
    for key in options.cases:
        case = CASES[key]
        runners, notes = make_runners(case, data, options)
        records = case_records(case, time_case(runners, options.epochs), n)
        for r in records:
            r["notes"] = notes
        yield from ((r, "") for r in records[:-1])
        yield records[-1], case_text(case, records, notes)


def _header(info: dict[str, Any]) -> str:
    m = info["machine"]
    threads = f", {m['blas_threads']} threads" if "blas_threads" in m else ""
    return (
        f"machine: {m['cpu']}, {m['cores']} cores; Python {m['python']}; NumPy {m['numpy']} "
        f"({m['blas']}{threads})\n"
        f"{info['n_train']:,} training and {info['n_valid']:,} validation digits, float32; "
        f"plain SGD lr {LR:g}; {info['epochs']} epochs each, the first not counted"
    )
