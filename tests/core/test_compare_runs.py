"""Side-by-side runs: mlp_core, scikit-learn and PyTorch on the same digits, epoch by epoch.

On the offline 5,000-digit sample. The runs start from the same weights and see the same
minibatch order, so their curves agree closely: float rounding differs at 1e-7 per step
and grows through training, hence loose tolerances on the curves (stated per test).
"""

from __future__ import annotations

import numpy as np
import pytest

from mlp_compare import conversions as cv
from mlp_compare.runs import Comparison, MlpCoreRun, SklearnRun, seconds_per_epoch
from mlp_core.config import TrainConfig
from mlp_core.data import prepare
from mlp_core.history import Status
from mlp_core.mnist import load_mnist

CONFIG = TrainConfig(epochs=2, n_train=1000, seed=3)
LIBRARIES = ("scikit-learn", "PyTorch") if cv.torch_available() else ("scikit-learn",)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.delenv("MNIST_DIR", raising=False)
    mp.setenv("MLP_LAB_CACHE", str(tmp_path_factory.mktemp("empty_cache")))
    sample = load_mnist(download=False)
    mp.undo()
    return prepare(sample, scaling="01")


def _finish(comparison: Comparison) -> Comparison:
    for _ in range(1000):
        if comparison.finished:
            return comparison
        comparison.step(0.2)
    raise AssertionError("the runs did not finish")


def test_every_library_trains_the_same_curves(data):
    found = _finish(Comparison.start(CONFIG, data, LIBRARIES))
    assert list(found.runs) == ["mlp_core", *LIBRARIES] and found.status is Status.DONE
    ours = found.runs["mlp_core"].history
    for name in LIBRARIES:
        run = found.runs[name]
        assert run.n_params == 784 * 100 + 100 + 100 * 10 + 10
        theirs = run.history
        assert [e.epoch for e in theirs.epochs] == [1, 2] and theirs.status is Status.DONE
        # 20 minibatches of float32 rounding apart: curves within 1 % of each other
        np.testing.assert_allclose(theirs.column("loss"), ours.column("loss"), rtol=0.01)
        np.testing.assert_allclose(theirs.column("train_acc"), ours.column("train_acc"), atol=0.01)
        np.testing.assert_allclose(theirs.column("valid_acc"), ours.column("valid_acc"), atol=0.01)
        acc = run.accuracy(data.X_test, data.y_test)
        assert abs(acc - found.runs["mlp_core"].accuracy(data.X_test, data.y_test)) < 0.01
        assert seconds_per_epoch(theirs) > 0


def test_sklearn_tally_is_sklearns_own_loss(data):
    """The loss counted per minibatch (as mlp_core counts it) is scikit-learn's loss_."""
    run = SklearnRun(CONFIG.replace(momentum=0.0), data)
    idx = np.arange(300)
    loss, correct = run.train_chunk(idx)
    assert loss / len(idx) == pytest.approx(run.est.loss_, rel=1e-5)
    assert 0 <= correct <= len(idx)


def test_a_time_slice_stops_between_chunks_and_goes_on(data):
    run = SklearnRun(CONFIG, data)
    run.step(0.0)  # one chunk at least, never a whole epoch at once
    assert run.history.status is Status.RUNNING and 0 < run.progress < 1
    progress = run.progress
    run.step(0.01)
    assert run.progress > progress or run.history.epochs


def test_mlp_core_runs_on_one_thread_like_the_others(data):
    run = MlpCoreRun(CONFIG, data)
    assert "(1 thread)" in run.trainer.backend.describe()
    run.step(0.0)  # at least one minibatch
    assert run.trainer.epoch + run.trainer.progress > 0


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # overflow on the way to inf
def test_a_diverging_library_run_says_so(data):
    blown = CONFIG.replace(loss="identity_mse", lr=10.0, reduction="sum", epochs=1)
    run = SklearnRun(blown, data)
    for _ in range(200):
        if run.finished:
            break
        run.step(0.2)
    assert run.history.status is Status.DIVERGED and not run.history.epochs
    assert run.history.message.startswith("scikit-learn diverged at epoch 0.")
