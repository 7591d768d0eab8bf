"""Sub-epoch points: what the Trainer records between epoch ends, so the curves can grow
while an epoch trains."""

from __future__ import annotations

import numpy as np
import pytest

from mlp_core.config import TrainConfig
from mlp_core.history import History, Point
from mlp_core.training import POINTS_PER_EPOCH, PlainStep, Trainer, l2_penalty
from tests.splits import Split

EPS32 = float(np.finfo(np.float32).eps)


def _split(n: int, d: int = 6, seed: int = 0) -> Split:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n + 40, d)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5).astype(int)
    return Split(X[:n], y[:n], X[n:], y[n:])


def _config(**kw) -> TrainConfig:
    base = {"hidden": 8, "epochs": 2, "batch_size": 10, "n_train": 200, "lr": 0.1, "seed": 3}
    return TrainConfig(**{**base, **kw})


class Recording(PlainStep):
    """The plain step, remembering every batch's summed loss, correct count and size."""

    def __init__(self) -> None:
        self.batches: list[tuple[float, int, int]] = []

    def run(self, job, after_batch):
        def noted(i, loss, correct):
            self.batches.append((loss, correct, len(job.batches[i])))
            return after_batch(i, loss, correct)

        return super().run(job, noted)


def test_ten_points_per_epoch_at_increasing_fractional_epochs():
    trainer = Trainer(_config(), _split(200))  # 20 minibatches an epoch
    trainer.run()
    points = trainer.history.points
    assert len(points) == 2 * POINTS_PER_EPOCH == 20
    at = [p.at for p in points]
    assert at == sorted(at) and len(set(at)) == len(at)
    assert at[:3] == pytest.approx([0.1, 0.2, 0.3]) and at[9] == 1.0 and at[-1] == 2.0
    assert sum(a != int(a) for a in at) == 18  # all but the two epoch ends


def test_an_epoch_of_few_minibatches_gets_a_point_per_minibatch():
    trainer = Trainer(_config(batch_size=50), _split(200))  # 4 minibatches an epoch
    trainer.train_epoch()
    assert [p.at for p in trainer.history.points] == [0.25, 0.5, 0.75, 1.0]


def test_a_point_holds_the_mean_loss_and_accuracy_of_its_minibatches():
    """The loss is computed here from the same float64 batch sums the Trainer adds up,
    in the same order: equal up to float64 rounding."""
    backend = Recording()
    trainer = Trainer(_config(epochs=1), _split(200), backend=backend)
    trainer.run()
    for k, point in enumerate(trainer.history.points):
        mine = backend.batches[2 * k : 2 * k + 2]  # 20 batches, 10 points: two each
        losses = [loss / n for loss, _, n in mine]
        assert point.loss == pytest.approx(np.mean(losses), rel=1e-12)
        assert point.train_acc == sum(c for _, c, _ in mine) / sum(n for *_, n in mine)


def test_points_stay_on_the_epoch_loss_scale_with_l2_and_summed_losses():
    """One point per epoch (batch = all examples): then it saw what the epoch saw. The
    epoch's L2 term is computed after the update, like the point's: float32 weights
    summed in float64, equal to a few float32 epsilons."""
    for reduction in ("mean", "sum"):
        config = _config(batch_size=200, l2=0.01, reduction=reduction, lr=0.001, epochs=3)
        trainer = Trainer(config, _split(200))
        trainer.run()
        assert len(trainer.history.points) == 3
        for point, epoch in zip(trainer.history.points, trainer.history.epochs, strict=True):
            assert point.at == epoch.epoch
            assert point.loss == pytest.approx(epoch.loss, rel=8 * EPS32)
            assert point.train_acc == epoch.train_acc
        assert l2_penalty(trainer.model, 0.01) > 0


def test_points_survive_slices_and_a_resumed_run_matches_one_in_a_go():
    whole = Trainer(_config(), _split(200))
    whole.run()
    sliced = Trainer(_config(), _split(200))
    while not sliced.finished:
        sliced.step(max_batches=3)
    assert sliced.history.points == whole.history.points


def test_points_round_trip_through_a_dict_and_old_files_load_without_them():
    trainer = Trainer(_config(), _split(200))
    trainer.run()
    data = trainer.history.to_dict()
    assert data["points"][0] == {
        "at": 0.1,
        "loss": trainer.history.points[0].loss,
        "train_acc": trainer.history.points[0].train_acc,
    }
    again = History.from_dict(data)
    assert again == trainer.history and isinstance(again.points[0], Point)
    old = {k: v for k, v in data.items() if k != "points"}  # a model file from before points
    loaded = History.from_dict(old)
    assert loaded.points == [] and loaded.epochs == trainer.history.epochs
