"""The playground: small networks on 2-D data, as in TensorFlow Playground, on our MLP.

Data sets are generated here with NumPy (TensorFlow Playground's circle, XOR, Gaussian
and spiral recipes, and the moons of mlp_core.moons) in the square [-6, 6]^2, from
`np.random.default_rng(seed)`: the same seed gives the same points on any machine and
any scikit-learn version, and the core keeps to NumPy. Inputs go through a feature map
(x1, x2, x1^2, ...). The network is mlp_core's MLP: one sigmoid output unit with binary
cross-entropy for two classes (labels 0 and 1), k softmax units with cross-entropy for
k = 3 or 4 classes, one identity unit with squared error for the regression set. The
"own" set has no generator: its points come from the student (clicked or uploaded). One
epoch is one pass over the training points in shuffled minibatches, as one step of
TensorFlow Playground.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from mlp_core.config import DTYPE
from mlp_core.losses import LOSSES
from mlp_core.moons import make_moons_np, mesh
from mlp_core.network import MLP
from mlp_core.optimizers import SGD
from mlp_core.playground_config import PlaygroundConfig

DOMAIN = (-6.0, 6.0)
"""Both inputs' range: the data and the heatmaps cover DOMAIN x DOMAIN."""

# --- data sets ---------------------------------------------------------------------------


def _circles(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Class 1 inside radius 2.5, class 0 on a ring from 3.5 to 5; noise moves points."""
    inner = n // 2
    r = np.concatenate([rng.uniform(0, 2.5, inner), rng.uniform(3.5, 5.0, n - inner)])
    t = rng.uniform(0, 2 * np.pi, n)
    X = np.column_stack([r * np.cos(t), r * np.sin(t)])
    X += rng.uniform(-5, 5, (n, 2)) * noise
    y = (np.hypot(X[:, 0], X[:, 1]) < 3.0).astype(np.intp)  # labelled after the noise
    return X, y


def _xor(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Uniform in [-5, 5]^2, pushed 0.3 off the axes; class 1 where x1 * x2 > 0."""
    X = rng.uniform(-5, 5, (n, 2))
    X += np.where(X > 0, 0.3, -0.3)
    y = (X[:, 0] * X[:, 1] > 0).astype(np.intp)  # labelled before the noise
    return X + rng.uniform(-5, 5, (n, 2)) * noise, y


def _blobs(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two Gaussian blobs at (2, 2) (class 1) and (-2, -2); noise widens them."""
    y = (np.arange(n) < n // 2).astype(np.intp)
    centre = np.where(y[:, None] == 1, 2.0, -2.0)
    return centre + rng.normal(0, 0.5 + 3.5 * noise, (n, 2)), y


def _spiral(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two arms winding 1.75 turns out to radius 5; class 0 is class 1 turned by pi."""
    half = n // 2
    i = np.concatenate([np.arange(half), np.arange(n - half)]) / max(half, 1)
    y = (np.arange(n) < half).astype(np.intp)
    r = 5 * i
    t = 1.75 * 2 * np.pi * i + np.where(y == 1, 0.0, np.pi)
    X = np.column_stack([r * np.sin(t), r * np.cos(t)])
    return X + rng.uniform(-1, 1, (n, 2)) * noise * 5, y


def _moons(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The half-moons of mlp_core.moons, scaled by 3 and centred: about [-4.5, 4.5]."""
    X, y = make_moons_np(n, noise, seed=int(rng.integers(2**31)))
    return (X - [0.5, 0.25]) * 3.0, y


def _wave(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Regression: target sin(x1 / 2) * cos(x2 / 3) in [-1, 1], plus noise, at uniform points."""
    X = rng.uniform(-6, 6, (n, 2))
    t = np.sin(X[:, 0] / 2) * np.cos(X[:, 1] / 3)
    return X, t + rng.normal(0, noise, n)


def _spiral_arms(k: int):
    """k arms winding 1.25 turns out to radius 5, arm c turned by 2 pi c / k."""

    def make(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        y = np.arange(n) % k
        i = (np.arange(n) // k) / max((n - 1) // k, 1)
        r = 0.3 + 4.7 * i
        t = 1.25 * 2 * np.pi * i + 2 * np.pi * y / k
        X = np.column_stack([r * np.sin(t), r * np.cos(t)])
        return X + rng.uniform(-1, 1, (n, 2)) * noise * 3, y.astype(np.intp)

    return make


def _blob_ring(k: int):
    """k Gaussian blobs at radius 3.5, at angles 2 pi c / k (+ pi / 4); noise widens them."""

    def make(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        y = np.arange(n) % k
        angle = 2 * np.pi * y / k + np.pi / 4
        centre = 3.5 * np.column_stack([np.cos(angle), np.sin(angle)])
        return centre + rng.normal(0, 0.5 + 2.5 * noise, (n, 2)), y.astype(np.intp)

    return make


@dataclass(frozen=True)
class Dataset:
    """A generator make(n, noise in [0, 0.5], rng) -> X (n, 2), y (n,); its task and its
    number of classes (labels 0 .. classes - 1). `make` None: the student's own points,
    whose classes are those they used."""

    label: str
    task: str  # "classify" (y in {0, ..., classes - 1}) or "regress" (y real)
    make: Callable[[int, float, np.random.Generator], tuple[np.ndarray, np.ndarray]] | None
    classes: int = 2


DATASETS: dict[str, Dataset] = {
    "circles": Dataset("Circle", "classify", _circles),
    "xor": Dataset("XOR", "classify", _xor),
    "blobs": Dataset("Two blobs", "classify", _blobs),
    "spiral": Dataset("Spiral", "classify", _spiral),
    "moons": Dataset("Moons", "classify", _moons),
    "wave": Dataset("Wave (regression)", "regress", _wave, classes=0),
    "spiral3": Dataset("Spiral, 3 classes", "classify", _spiral_arms(3), classes=3),
    "spiral4": Dataset("Spiral, 4 classes", "classify", _spiral_arms(4), classes=4),
    "blobs3": Dataset("Blobs, 3 classes", "classify", _blob_ring(3), classes=3),
    "blobs4": Dataset("Blobs, 4 classes", "classify", _blob_ring(4), classes=4),
    "own": Dataset("Your own points", "classify", None, classes=0),
}
MAX_CLASSES = 4

TASK_LOSS = {"classify": "sigmoid_bce", "regress": "identity_mse"}
"""The output unit and loss of each task (keys of mlp_core.losses.LOSSES); classification
with more than two classes uses softmax_ce."""


def own_points(
    points: Sequence[Sequence[float]], n_max: int = 1000
) -> tuple[np.ndarray, np.ndarray]:
    """The student's points [(x1, x2, label), ...] as X (n, 2) float64 and y (n,), read-only,
    in the order given. Raises ValueError naming the first bad point."""
    rows = list(points)
    if len(rows) > n_max:
        raise ValueError(f"at most {n_max} points; got {len(rows)}")
    X = np.zeros((len(rows), 2))
    y = np.zeros(len(rows), dtype=np.intp)
    for i, row in enumerate(rows):
        x1, x2, label = row
        if not (DOMAIN[0] <= x1 <= DOMAIN[1] and DOMAIN[0] <= x2 <= DOMAIN[1]):
            raise ValueError(f"point {i + 1}: x1 and x2 must be between -6 and 6")
        if label not in range(MAX_CLASSES):
            raise ValueError(f"point {i + 1}: the label must be 0, 1, 2 or 3; got {label}")
        X[i], y[i] = (x1, x2), label
    X.flags.writeable = y.flags.writeable = False
    return X, y


def make_points(name: str, n: int, noise_pct: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Data set `name`: n points in random order, X (n, 2) float64 and y (n,).

    The same (name, n, noise_pct, seed) gives the same points. Read-only arrays, so one
    copy can be shared by every session.
    """
    rng = np.random.default_rng(seed)
    make = DATASETS[name].make
    if make is None:
        raise ValueError(f"{name!r} has no generator: its points come from the student")
    X, y = make(n, noise_pct / 100, rng)
    order = rng.permutation(n)
    X, y = np.clip(X[order], *DOMAIN), y[order]
    X.flags.writeable = y.flags.writeable = False
    return X, y


# --- features ----------------------------------------------------------------------------

FEATURES: dict[str, tuple[str, Callable[[np.ndarray, np.ndarray], np.ndarray]]] = {
    "x1": ("x₁", lambda x1, x2: x1),
    "x2": ("x₂", lambda x1, x2: x2),
    "x1sq": ("x₁²", lambda x1, x2: x1 * x1),
    "x2sq": ("x₂²", lambda x1, x2: x2 * x2),
    "x1x2": ("x₁x₂", lambda x1, x2: x1 * x2),
    "sinx1": ("sin x₁", lambda x1, x2: np.sin(x1)),
    "sinx2": ("sin x₂", lambda x1, x2: np.sin(x2)),
}
"""name -> (label, f(x1, x2)): the input features a network can be given."""


def feature_map(X: np.ndarray, names: tuple[str, ...], dtype=DTYPE) -> np.ndarray:
    """Points X (n, 2) -> features F (n, len(names)), in the given order and dtype."""
    x1, x2 = X[:, 0], X[:, 1]
    return np.column_stack([FEATURES[name][1](x1, x2) for name in names]).astype(dtype)


# --- the network and one training step ---------------------------------------------------


def new_network(config: PlaygroundConfig, dtype=DTYPE, classes: int | None = None) -> MLP:
    """The config's network: len(features) inputs, its hidden layers, the output: one unit
    (two classes, or regression) or `classes` softmax units (3 or 4 classes; by default
    the data set's).

    Xavier initialisation (as TensorFlow Playground's), from the config's seed.
    """
    k = DATASETS[config.dataset].classes if classes is None else classes
    sizes = (len(config.features), *config.hidden, k if k > 2 else 1)
    loss = "softmax_ce" if k > 2 else TASK_LOSS[DATASETS[config.dataset].task]
    return MLP.create(sizes, config.activation, loss, init="xavier", seed=config.seed, dtype=dtype)


def sgd_step(model: MLP, opt: SGD, X: np.ndarray, Y: np.ndarray) -> list[float]:
    """One minibatch: forward -> loss and output delta -> backward -> optimizer step.

    X (n, d_in), Y (n, 1); the delta is (A_L - Y) / n (the mean reduction); L1 and L2
    are the optimizer's. Returns each layer's root-mean-square weight gradient (data loss
    only), to show vanishing gradients.
    """
    A = model.forward(X)
    _, dZ = LOSSES[model.loss].delta(A[-1], Y)
    dW, db = model.backward(A, dZ)
    opt.step(dW, db)
    return [float(np.sqrt(np.mean(d * d))) for d in dW]


def epoch_batches(n: int, batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """An epoch's minibatches: the indices 0 .. n - 1 shuffled, cut into batch_size pieces."""
    order = rng.permutation(n)
    batch = min(batch_size, n)
    return np.array_split(order, range(batch, n, batch))


def optimizer(model: MLP, config: PlaygroundConfig) -> SGD:
    """Plain SGD on the model's own arrays (no momentum: it keeps nothing between steps)."""
    return SGD(model.W, model.b, config.lr, l2=config.l2, l1=config.l1)


def train_epoch(model: MLP, X, Y, config: PlaygroundConfig, rng) -> np.ndarray:
    """One pass over X (n, d_in), Y (n, 1) in shuffled minibatches; the epoch's mean
    per-layer gradient RMS (L,)."""
    opt = optimizer(model, config)
    batches = epoch_batches(len(X), config.batch_size, rng)
    return np.mean([sgd_step(model, opt, X[i], Y[i]) for i in batches], axis=0)


@dataclass
class Epoch:
    """An epoch begun and not finished (`PlaygroundRun.train(..., whole=False)`): its
    shuffled indices cut into minibatches of `size` (as epoch_batches cuts them), each
    done one's gradient RMS, and the network as it was before the epoch (put back if the
    epoch goes infinite). Its steps are train_epoch's, in pieces. (One index array, not
    a list of minibatches: it travels to the worker process and back every frame.)"""

    order: np.ndarray
    size: int
    before: MLP
    shuffle: dict  # the generator's state before this epoch's shuffle
    began: float  # the run's training seconds when it began
    grads: list[list[float]] = field(default_factory=list)

    def batch(self, i: int) -> np.ndarray:
        return self.order[i * self.size : (i + 1) * self.size]

    @property
    def done(self) -> bool:
        return len(self.grads) * self.size >= len(self.order)


# --- a run: data, network and curves of one playground -----------------------------------


@dataclass
class Curves:
    """Per epoch: mean train and test loss, and each layer's gradient RMS (L,)."""

    epoch: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    test_loss: list[float] = field(default_factory=list)
    grad_rms: list[np.ndarray] = field(default_factory=list)

    def copy(self) -> Curves:
        return Curves(
            list(self.epoch), list(self.train_loss), list(self.test_loss), list(self.grad_rms)
        )

    def since(self, n: int) -> Curves:
        """The entries after the first n."""
        return Curves(self.epoch[n:], self.train_loss[n:], self.test_loss[n:], self.grad_rms[n:])

    def extend(self, more: Curves) -> None:
        self.epoch += more.epoch
        self.train_loss += more.train_loss
        self.test_loss += more.test_loss
        self.grad_rms += more.grad_rms


@dataclass(frozen=True, eq=False)
class Snapshot:
    """A run kept for comparison: its settings, network and curves at `epoch`."""

    name: str
    config: PlaygroundConfig
    model: MLP
    curves: Curves
    epoch: int


@dataclass
class TrainState:
    """What training changes in a run (PlaygroundRun.state, .load): enough, with the run's
    points and settings, to go on training it in another process."""

    config: PlaygroundConfig
    model: MLP
    rng: np.random.Generator
    epoch: int
    seconds: float
    out_of_time: bool
    spent: float
    undone: int
    steps: int
    partial: Epoch | None


class PlaygroundRun:
    """One playground: the split data with its features, the network, the epoch count.

    points: X (n, 2), y (n,) from `make_points` (or `own_points`); the first
    train_pct % train (at least one, and at least one left to test), the rest test.
    `train` runs whole epochs, or (whole=False) stops after any minibatch once its time
    is up: the epoch then stays in progress (`partial`) and the next `train` finishes it;
    `epoch` counts finished epochs. An epoch that makes the weights or the loss
    non-finite is undone and reported instead.
    """

    def __init__(
        self, config: PlaygroundConfig, points: tuple[np.ndarray, np.ndarray], dtype=DTYPE
    ) -> None:
        self.config = config
        self.task = DATASETS[config.dataset].task
        X, y = points
        n = len(X)  # config.n_points, or the number of the student's own points
        k = min(max(1, round(n * config.train_pct / 100)), n - 1)
        self.X_train, self.y_train, self.X_test, self.y_test = X[:k], y[:k], X[k:], y[k:]
        self.F_train = feature_map(self.X_train, config.features, dtype)
        self.F_test = feature_map(self.X_test, config.features, dtype)
        known = DATASETS[config.dataset].classes
        self.classes = (
            (known or max(int(y.max(initial=1)) + 1, 2)) if self.task == "classify" else 0
        )
        self.Y_train, self.Y_test = self._targets(self.y_train), self._targets(self.y_test)
        self.model = new_network(config, dtype, self.classes)
        self.rng = np.random.default_rng(config.seed)
        self.epoch = 0
        self.seconds = 0.0  # spent training (the epochs kept), for a challenge's time limit
        self.out_of_time = False  # the last `train` stopped at its budget of seconds
        self.spent = 0.0  # a budget an epoch was undone at: no epoch starts under it again
        self.retuned = False  # trained with other training settings before `config`'s
        self.undone = 0  # epochs undone (their shuffles drawn all the same)
        self.steps = 0  # minibatches trained (those of an epoch undone for diverging too)
        self.partial: Epoch | None = None  # the epoch in progress, if one is
        self.curves = Curves()
        self._record(np.zeros(len(self.model.W)))

    def train(
        self, epochs: int, seconds: float = float("inf"), budget: float = 0.0, whole: bool = True
    ) -> str:
        """Up to `epochs` epochs (an epoch in progress counts as one), stopping early after
        `seconds`: at the end of an epoch, or (whole=False) of any minibatch, at least one
        trained; '' or why it stopped.

        `budget` (0: none) is a limit on the run's training seconds (`self.seconds`: the
        clock runs only while this method trains, as a Trainer's does): no epoch starts
        once they are spent, and an epoch that would end past the limit is undone, its
        shuffle with it and its time not counted, so the epochs kept are what the same
        settings train again; after that none starts under that budget (a faster try
        might fit, and the run would then depend on the machine's load). `out_of_time`
        says whether this call stopped there."""
        start, base = time.perf_counter(), self.seconds
        self.out_of_time = False

        def clock() -> float:  # the run's training seconds so far
            return base + time.perf_counter() - start

        stop = ""
        for _ in range(epochs):
            if budget and self.partial is None and (clock() >= budget or self.spent == budget):
                self.out_of_time = True
                break
            stop = self._epoch(clock, start + seconds, budget, whole)
            if stop or self.out_of_time or time.perf_counter() - start >= seconds:
                break
        return stop

    def finish_epoch(self, budget: float = 0.0) -> str:
        """Finish the epoch in progress, if one is (a paused run is between epochs)."""
        return self.train(1, budget=budget) if self.partial is not None else ""

    def _epoch(self, clock, until: float, budget: float, whole: bool) -> str:
        """Go on with the epoch (begin one if none is in progress), to its end or, unless
        `whole`, until perf_counter reads `until`; '' or why it stopped."""
        if self.partial is None:
            began, shuffle = clock(), self.rng.bit_generator.state
            n = len(self.F_train)
            order = self.rng.permutation(n)  # the shuffle of epoch_batches
            self.partial = Epoch(
                order, min(self.config.batch_size, n), self.model.copy(), shuffle, began
            )
        p, opt = self.partial, optimizer(self.model, self.config)
        with np.errstate(over="ignore", invalid="ignore"):  # checked just below
            while not p.done:
                i = p.batch(len(p.grads))
                p.grads.append(sgd_step(self.model, opt, self.F_train[i], self.Y_train[i]))
                self.steps += 1
                if not whole and time.perf_counter() >= until:
                    break
            losses = self.losses() if p.done else (0.0, 0.0)
        now = clock()  # read once: the time kept is the time checked against the limit
        if not (self.model.is_finite() and np.isfinite(losses).all()):
            self.seconds = now
            return self._undo(p)
        if budget and now > budget:  # past the limit: as if never begun
            self.model, self.partial, self.rng.bit_generator.state = p.before, None, p.shuffle
            self.seconds, self.out_of_time, self.spent = p.began, True, budget
            self.steps -= len(p.grads)
            return ""
        self.seconds = now
        if p.done:
            self.partial = None
            self.epoch += 1
            self._record(np.mean(p.grads, axis=0), losses)
        return ""

    def _undo(self, p: Epoch) -> str:
        self.model, self.partial = p.before, None
        self.undone += 1
        return (
            f"Epoch {self.epoch + 1} made the weights or the loss infinite, so it "
            f"was undone: lower the learning rate (now {self.config.lr:g})."
        )

    def state(self) -> TrainState:
        """The run's training state (its own objects, not copies)."""
        return TrainState(**{name: getattr(self, name) for name in TrainState.__annotations__})

    def load(self, state: TrainState) -> None:
        """Take `state` (from a run of the same points and structure) as this run's."""
        if state.config.structure() != self.config.structure():
            raise ValueError("a training state of another data set or network")
        for name in TrainState.__annotations__:
            setattr(self, name, getattr(state, name))

    def _targets(self, y: np.ndarray) -> np.ndarray:
        """Labels or values (n,) -> targets (n, 1), or one-hot (n, k) for k > 2 classes."""
        if self.classes > 2:
            return np.eye(self.classes, dtype=self.F_train.dtype)[y]
        return y[:, None].astype(self.F_train.dtype)

    def losses(self) -> tuple[float, float]:
        """Mean data loss per point on the training and the test points."""
        return self.loss(self.F_train, self.Y_train), self.loss(self.F_test, self.Y_test)

    def loss(self, F: np.ndarray, Y: np.ndarray) -> float:
        """Mean loss per point (cross-entropy, or half squared error), F (n, k), Y (n, 1)."""
        return LOSSES[self.model.loss].value(self.model.forward(F)[-1], Y) / max(len(Y), 1)

    def accuracy(self, train: bool = False) -> float | None:
        """Share of test (or training) points on the right side; None for regression."""
        if self.task != "classify":
            return None
        F, y = (self.F_train, self.y_train) if train else (self.F_test, self.y_test)
        return float(np.mean(self.predict(F) == y)) if len(y) else None

    def predict(self, F: np.ndarray) -> np.ndarray:
        """Class of each row of features F (n, k): P > 0.5, or the most probable class."""
        A = self.model.forward(F)[-1]
        return np.argmax(A, axis=1) if self.classes > 2 else (A[:, 0] > 0.5).astype(np.intp)

    def confusion(self, train: bool = False) -> np.ndarray | None:
        """Test (or training) points counted by (true class, predicted class), (k, k);
        None for regression."""
        if self.task != "classify":
            return None
        F, y = (self.F_train, self.y_train) if train else (self.F_test, self.y_test)
        k = max(self.classes, 2)
        return np.bincount(y * k + self.predict(F), minlength=k * k).reshape(k, k)

    def retune(self, config: PlaygroundConfig) -> None:
        """Take new learning rate, regularisation, batch size (same structure only)."""
        if config.structure() != self.config.structure():
            raise ValueError("a new data set, features or network needs a new run")
        trains = lambda c: (c.lr, c.l1, c.l2, c.batch_size)  # noqa: E731 - what training uses
        self.retuned = self.retuned or (self.epoch > 0 and trains(config) != trains(self.config))
        self.config = config

    def grids(self, steps: int) -> list[np.ndarray]:
        """Every unit over the input plane: [features (k, s, s), layer 1 (h1, s, s), ...,
        output (1, s, s)], from one forward pass over a steps x steps mesh of DOMAIN."""
        return neuron_grids(self.model, self.config.features, steps)

    def snapshot(self, name: str) -> Snapshot:
        return Snapshot(name, self.config, self.model.copy(), self.curves.copy(), self.epoch)

    def _record(self, grads: np.ndarray, losses: tuple[float, float] | None = None) -> None:
        train, test = losses or self.losses()
        self.curves.epoch.append(self.epoch)
        self.curves.train_loss.append(train)
        self.curves.test_loss.append(test)
        self.curves.grad_rms.append(grads)


def neuron_grids(model: MLP, features: tuple[str, ...], steps: int) -> list[np.ndarray]:
    """`model` over a steps x steps mesh of DOMAIN^2: every layer's activations, inputs
    first, as (units, steps, steps) arrays (row = x2, column = x1)."""
    _, _, points = mesh(DOMAIN, DOMAIN, steps)
    A = model.forward(feature_map(points, features, model.dtype))
    return [a.T.reshape(-1, steps, steps) for a in A]
