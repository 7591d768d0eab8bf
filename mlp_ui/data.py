"""Data and the pretrained model, loaded once per server process and shared by sessions.

`st.cache_resource`, not `st.cache_data`: the arrays are read-only and large (MNIST is
~200 MB as float32); cache_data would copy them on every rerun of every session.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import streamlit as st

from mlp_core import holdout, provenance
from mlp_core.config import scaling_of
from mlp_core.data import Dataset, prepare
from mlp_core.mnist import MnistData, fetch_mnist, load_mnist
from mlp_core.network import MLP
from mlp_core.serialize import SavedModel, load_model

ASSETS = Path(__file__).resolve().parent.parent / "assets"
DEFAULT_MODEL = ASSETS / "default_model.npz"


@st.cache_resource(show_spinner="Loading MNIST...")
def mnist() -> MnistData:
    """Full MNIST from MNIST_DIR or the cache, else the offline sample. Never downloads.

    A bad MNIST_DIR does not stop the app: it runs on what else there is, and the sidebar
    says why the folder was not used (`bad_folder`)."""
    return load_mnist(download=False, named_must_work=False)


def bad_folder(data: MnistData) -> str | None:
    """Why the folder named by MNIST_DIR was not used, if it was named and skipped."""
    return next((n for n in data.notes if n.startswith("MNIST_DIR skipped: ")), None)


@st.cache_resource(show_spinner="Preparing the data...")
def dataset(scaling: str = "pm1", dtype: str = "float32") -> Dataset:
    """The 55,000 / 5,000 / 10,000 split (or the sample's), scaled, read-only."""
    data = prepare(mnist(), scaling=scaling, dtype=np.dtype(dtype))
    for name in ("X_train", "y_train", "X_valid", "y_valid", "X_test", "y_test"):
        getattr(data, name).setflags(write=False)
    return data


def fetch_full_mnist(progress=None) -> MnistData:
    """Download full MNIST into the cache, then reload the shared data for every session."""
    fetch_mnist(progress=progress)
    mnist.clear()
    dataset.clear()
    test_half.clear()
    public_images.clear()
    public_index.clear()
    default_model_score.clear()
    return mnist()


@st.cache_resource(show_spinner=False)
def default_model() -> SavedModel | None:
    """The pretrained model shipped in assets/, or None when it is missing."""
    return load_model(DEFAULT_MODEL) if DEFAULT_MODEL.exists() else None


@st.cache_resource(show_spinner=False)
def test_half(scaling: str, half: holdout.Half) -> tuple[np.ndarray, np.ndarray, str]:
    """`half` of the test digits (mlp_core.holdout), read-only, and its name."""
    data = dataset(scaling, "float32")
    X, y = holdout.take(data.X_test, data.y_test, half)
    X.setflags(write=False)
    y.setflags(write=False)
    whole = provenance.name_test_set(data.kind, len(data.y_test))
    return X, y, holdout.describe(half, whole, data.y_test)


def public_test(scaling: str) -> tuple[np.ndarray, np.ndarray, str]:
    """The test digits every page reports on: the public half, X (n, 784), y (n,), and
    their name ("5,001 MNIST test digits (the public half)"). The private half is a class
    board's alone: a page that scored on it would let students tune to it."""
    return test_half(scaling, "public")


@st.cache_resource(show_spinner=False)
def public_index() -> np.ndarray:
    """Each public test digit's number in the whole test set, in public_test's order."""
    found = holdout.indices(mnist().y_test, "public")
    found.setflags(write=False)
    return found


@st.cache_resource(show_spinner=False)
def public_images() -> np.ndarray:
    """The raw pictures (n, 28, 28) uint8 of the public half, in public_test's order."""
    return mnist().X_test[public_index()].reshape(-1, 28, 28)


def test_score(
    model: MLP, scaling: str, trained_on: provenance.TrainedOn | None
) -> tuple[float | None, str]:
    """Accuracy on the public half of the test digits and their name; (None, why) when the
    model trained on them (the offline sample is made of MNIST training images) or cannot
    be scored. The private half is a class board's (mlp_core.holdout)."""
    data = dataset(scaling, "float32")
    X_test, y_test, digits = public_test(scaling)
    if model.sizes[0] != data.X_test.shape[1]:
        return None, f"not measured: the model takes {model.sizes[0]} inputs, not digits"
    if provenance.unseen(trained_on, data.kind) is False:
        return None, (
            f"not measured: this model trained on {trained_on.describe()}, which include "
            f"the {digits} (fetch full MNIST to test it on digits it never saw)"
        )
    acc = float(np.mean(model.predict(X_test) == y_test))
    if trained_on is None:
        digits += " (the model file does not say which digits it trained on)"
    return acc, digits


@st.cache_resource(show_spinner=False)
def default_model_score() -> tuple[float | None, str]:
    """The pretrained default's accuracy on the public half (its file's own number is on
    all 10,000 test digits, the private half included: never shown)."""
    saved = default_model()
    if saved is None:
        return None, "no pretrained model"
    return test_score(saved.model, scaling_of(saved.config), saved_trained_on(saved))


def saved_trained_on(saved: SavedModel) -> provenance.TrainedOn | None:
    """What a saved model (the pretrained default, an upload) says it trained on."""
    n_train = saved.config.n_train if saved.config else None
    return provenance.trained_on(saved.metadata, n_train)
