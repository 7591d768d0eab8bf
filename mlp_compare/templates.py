"""Source templates of the generated scripts ($NAME placeholders, see codegen.py).

Kept apart from the code that fills them, so each script can be read as the student
will see it.
"""

READ_IDX = '''def read_idx_folder(folder):
    """The four MNIST IDX files of a folder (gz or not) -> X, y, X_test, y_test (uint8)."""
    def read(stem):
        path = next(Path(folder).glob(stem + "*"))
        raw = (gzip.open if path.suffix == ".gz" else open)(path, "rb").read()
        shape = [int(n) for n in np.frombuffer(raw, ">u4", raw[3], 4)]  # byte 3: dimensions
        return np.frombuffer(raw, np.uint8, offset=4 + 4 * raw[3]).reshape(shape)

    return tuple(read(stem) for stem in (
        "train-images-idx3", "train-labels-idx1", "t10k-images-idx3", "t10k-labels-idx1"))'''

PREPARE = '''def prepare(X, y, X_test, y_test):
    """Pixels scaled as in MLP Lab; the last 1/12 of the training digits (5,000 of
    MNIST's 60,000) validate, the first N_TRAIN of the rest train."""
    def scale(X):
        X = X.reshape(len(X), -1).astype(np.$DTYPE)
        return $SCALE

    X, X_test, y, y_test = scale(X), scale(X_test), y.astype(np.int64), y_test.astype(np.int64)
    n_fit = len(X) - len(X) // 12
    train = X[:n_fit][:N_TRAIN], y[:n_fit][:N_TRAIN]
    return train, (X[n_fit:], y[n_fit:]), (X_test, y_test)'''

INIT = '''def initial_weights(sizes, seed):
    """MLP Lab's $INIT_NAME draw, in its order: the same first weights as its run."""
    rng = np.random.default_rng(seed)
    W = [$INIT_DRAW for i, o in zip(sizes, sizes[1:])]
    return [w.astype(np.$DTYPE) for w in W], [np.zeros(o, np.$DTYPE) for o in sizes[1:]]'''

ARGS = """if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="a folder with the four MNIST IDX files")
    main(parser.parse_args().data_dir)"""

SKLEARN = (
    '''"""MLP Lab's $ARCH $ACT network in scikit-learn, one partial_fit per epoch.

python mnist_sklearn.py [--data-dir DIR]   (without DIR: fetch_openml downloads MNIST)
"""
import argparse
import gzip
import time
from pathlib import Path

import numpy as np
from sklearn.neural_network import $ESTIMATOR

SIZES, SEED, EPOCHS, BATCH, N_TRAIN = $SIZES, $SEED, $EPOCHS, $BATCH, $N_TRAIN


def load_mnist(data_dir):
    if data_dir:
        return read_idx_folder(data_dir)
    from sklearn.datasets import fetch_openml  # 70,000 digits: 60,000 training, then test

    X, y = fetch_openml("mnist_784", version=1, return_X_y=True, as_frame=False)
    return X[:60000], y[:60000].astype(int), X[60000:], y[60000:].astype(int)


$READ_IDX


$PREPARE


$INIT


def accuracy(model, X, y):
    return float(np.mean(model.$SCORES(X).argmax(axis=1) == y))


def main(data_dir):
    (X, y), (X_valid, y_valid), (X_test, y_test) = prepare(*load_mnist(data_dir))
    # scikit-learn steps W -= learning_rate_init * (A.T @ dZ + alpha * W) / n; MLP Lab
    # $SK_NOTE
    model = $ESTIMATOR(
        hidden_layer_sizes=$HIDDEN, activation="$SK_ACT", solver="sgd", batch_size=BATCH,
        learning_rate="constant", learning_rate_init=$SK_LR, alpha=$ALPHA,
        momentum=$MOMENTUM, nesterovs_momentum=False,
        shuffle=True, random_state=np.random.RandomState(SEED),  # new order every epoch
    )
    targets = $TARGETS
    # scikit-learn draws its own first weights (Glorot-uniform, biases too) in the first
    # partial_fit, with no option to choose: let it, then overwrite them with MLP Lab's.
    model.partial_fit(X[:BATCH], targets[:BATCH]$CLASSES)
    W, b = initial_weights(SIZES, SEED)
    for l in range(len(W)):
        model.coefs_[l][...], model.intercepts_[l][...] = W[l], b[l]
    model._optimizer.velocities = [0 * v for v in model._optimizer.velocities]  # private
    for epoch in range(1, EPOCHS + 1):
        start = time.perf_counter()
        model.partial_fit(X, targets)  # one epoch
        seconds = time.perf_counter() - start
        print(f"epoch {epoch}: loss {model.loss_:.4f}, validation accuracy "
              f"{accuracy(model, X_valid, y_valid):.2%}, {seconds:.2f} s")
    print(f"test accuracy on the {len(y_test):,} test digits: "
          f"{accuracy(model, X_test, y_test):.2%}")


'''
    + ARGS
    + "\n"
)

TORCH = (
    '''"""MLP Lab's $ARCH $ACT network in PyTorch: nn.Sequential and a training loop.

python mnist_torch.py [--data-dir DIR]   (without DIR: torchvision downloads MNIST)
"""
import argparse
import gzip
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

SIZES, SEED, EPOCHS, BATCH, N_TRAIN = $SIZES, $SEED, $EPOCHS, $BATCH, $N_TRAIN
LR, L2, MOMENTUM = $LR, $L2, $MOMENTUM


def load_mnist(data_dir):
    if data_dir:
        return read_idx_folder(data_dir)
    from torchvision import datasets  # pip install torchvision

    train, test = (datasets.MNIST("data", train=t, download=True) for t in (True, False))
    return train.data.numpy(), train.targets.numpy(), test.data.numpy(), test.targets.numpy()


$READ_IDX


$PREPARE


$INIT


def batch_loss(Z, t):
    """The minibatch's loss ($REDUCTION over its examples) from the output layer's
    pre-activations Z (n, 10) and labels t (n,): the loss applies the output function."""
    $TORCH_LOSS


def accuracy(net, X, y):
    with torch.no_grad():
        return float((net(X).argmax(dim=1) == y).float().mean())


def main(data_dir):
    torch.manual_seed(SEED)
    data = prepare(*load_mnist(data_dir))
    (X, y), (X_valid, y_valid), (X_test, y_test) = [
        (torch.from_numpy(X), torch.from_numpy(y)) for X, y in data]
    net = nn.Sequential(
        $LAYERS
    ).to($TORCH_DTYPE)
    W, b = initial_weights(SIZES, SEED)  # nn.Linear draws its own: use MLP Lab's
    with torch.no_grad():
        for layer, W_l, b_l in zip(net[::2], W, b):
            layer.weight.copy_(torch.from_numpy(W_l.T))  # Linear keeps W as (out, in)
            layer.bias.copy_(torch.from_numpy(b_l))
    # weight_decay adds L2 * p to the gradient of every parameter it is given: weights
    # only, as MLP Lab never decays biases.
    optimizer = torch.optim.SGD([
        {"params": [layer.weight for layer in net[::2]], "weight_decay": L2},
        {"params": [layer.bias for layer in net[::2]], "weight_decay": 0.0},
    ], lr=LR, momentum=MOMENTUM)
    for epoch in range(1, EPOCHS + 1):
        start, total = time.perf_counter(), 0.0
        for idx in torch.randperm(len(X)).split(BATCH):
            Z, t = net(X[idx]), y[idx]  # Z: the output layer's pre-activation
            loss = batch_loss(Z, t)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += $TOTAL
        seconds = time.perf_counter() - start
        print(f"epoch {epoch}: loss {total / len(X):.4f}, validation accuracy "
              f"{accuracy(net, X_valid, y_valid):.2%}, {seconds:.2f} s")
    print(f"test accuracy on the {len(y_test):,} test digits: "
          f"{accuracy(net, X_test, y_test):.2%}")


'''
    + ARGS
    + "\n"
)

KERAS = (
    '''"""MLP Lab's $ARCH $ACT network in Keras 3: Sequential, compile and fit.

python mnist_keras.py [--data-dir DIR]   (without DIR: keras.datasets downloads MNIST)
"""
import argparse
import gzip
from pathlib import Path

import keras
import numpy as np

SIZES, SEED, EPOCHS, BATCH, N_TRAIN = $SIZES, $SEED, $EPOCHS, $BATCH, $N_TRAIN
LR, L2, MOMENTUM = $LR, $L2, $MOMENTUM


def load_mnist(data_dir):
    if data_dir:
        return read_idx_folder(data_dir)
    (X, y), (X_test, y_test) = keras.datasets.mnist.load_data()
    return X, y, X_test, y_test


$READ_IDX


$PREPARE


$INIT


class BatchLoss(keras.losses.Loss):
    """Per example, summed over the 10 outputs as in MLP Lab; "$KERAS_REDUCTION" over the
    batch. Z is the output layer's pre-activation (from_logits)."""

    def call(self, Y, Z):
        return $KERAS_LOSS


def main(data_dir):
    keras.utils.set_random_seed(SEED)
    (X, y), (X_valid, y_valid), (X_test, y_test) = prepare(*load_mnist(data_dir))
    # keras' L2(c) adds c * sum(W**2) to the loss, whose gradient is 2c * W: c = L2 / 2.
    dense = [keras.layers.Dense(o, activation="$ACT" if l < len(SIZES) - 2 else None,
                                kernel_regularizer=keras.regularizers.L2($KERAS_L2))
             for l, o in enumerate(SIZES[1:])]
    model = keras.Sequential([keras.Input((SIZES[0],)), *dense])
    for layer, W_l, b_l in zip(dense, *initial_weights(SIZES, SEED)):
        layer.set_weights([W_l, b_l])  # Dense draws Glorot-uniform: use MLP Lab's
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=LR, momentum=MOMENTUM),
                  loss=BatchLoss(reduction="$KERAS_REDUCTION"), metrics=["categorical_accuracy"])
    one_hot = np.eye(10, dtype=X.dtype)
    model.fit(X, one_hot[y], batch_size=BATCH, epochs=EPOCHS, shuffle=True,
              validation_data=(X_valid, one_hot[y_valid]))
    test = float(np.mean(model.predict(X_test).argmax(axis=1) == y_test))
    print(f"test accuracy on the {len(y_test):,} test digits: {test:.2%}")


'''
    + ARGS
    + "\n"
)

MLP_CORE = (
    '''"""MLP Lab's $ARCH $ACT network with its own engine, mlp_core.

python mnist_mlp_core.py [--data-dir DIR]   (run from the MLP Lab folder; without DIR:
$$MNIST_DIR, the cache, a download, else the 5,000-digit offline sample)
"""
import argparse

from mlp_core.config import TrainConfig
from mlp_core.data import prepare
from mlp_core.mnist import load_mnist
from mlp_core.training import Trainer

CONFIG = $CONFIG


def main(data_dir):
    mnist = load_mnist(data_dir)
    print(f"data: {mnist.source}")
    data = prepare(mnist, scaling=CONFIG.scaling, dtype=CONFIG.np_dtype)
    trainer = Trainer(CONFIG, data)  # one minibatch: forward, output delta, backward, step
    while (stats := trainer.train_epoch()) is not None:
        print(f"epoch {stats.epoch}: loss {stats.loss:.4f}, validation accuracy "
              f"{stats.valid_acc:.2%}, {stats.seconds:.2f} s")
    print(trainer.history.message)
    test = trainer.accuracy(data.X_test, data.y_test)
    print(f"test accuracy on the {len(data.y_test):,} test digits: {test:.2%}")


'''
    + ARGS
    + "\n"
)
