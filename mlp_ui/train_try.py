"""The Train page's "Try this": three runs that each show one thing, a click each.

A click sets every settings widget to the defaults with one or two changes (so an
experiment does not inherit the previous one's learning rate), then starts the run.
The numbers in the texts hold on the offline sample (3,500 training digits, validation
on 500) and on full MNIST (measured: 10 hidden units 91 % / 94 % validation accuracy
against 95 % / 98 % for 100; learning rate 5 diverges in epoch 1 on both, weights grown
300-400-fold; 500 digits reach 100 % training and 89 % / 87 % validation accuracy).
"""

from __future__ import annotations

from mlp_core.config import TrainConfig
from mlp_ui import classroom
from mlp_ui.train_runs import start
from mlp_ui.train_settings import widget_values


def _experiment(label: str, look_for: str, why: str, **changes) -> classroom.Experiment:
    settings = widget_values(TrainConfig(**changes))
    return classroom.Experiment(label, look_for, why, settings=settings, action=start)


def experiments() -> tuple[classroom.Experiment, ...]:
    """The experiments (their settings fitted to the loaded data, so built per call)."""
    return (
        _experiment(
            "Tiny network",
            "Ten hidden units: the run takes a fraction of the time, and validation accuracy "
            "levels off a few points below the 100-unit network's (overlay the runs to compare).",
            "7,960 weights and biases instead of 79,510: ten features must tell all ten digits "
            "apart. Fewer weights train faster and fit less.",
            hidden=10,
        ),
        _experiment(
            "Huge learning rate",
            "Learning rate 5: the loss jumps far above the 2.3 it starts from and training "
            "accuracy sinks to chance (10 %); at the end of the epoch a red line marks the "
            "run as diverged, and the status says why.",
            "Each step moves the weights by the learning rate times the gradient. At 5 a step "
            "overshoots the valley it should go down and lands higher up the other side; the "
            "next gradient is steeper still, and the weights grow hundreds of times over.",
            lr=5.0,
        ),
        _experiment(
            "Few digits",
            "Only 500 training digits, 40 epochs: training accuracy (solid) climbs to 100 %, "
            "while validation accuracy (dashed) stalls below 90 %.",
            "500 examples are few enough to learn one by one. Validation digits are never "
            "trained on, so they show how the network does on new digits: the gap is what "
            "memorising costs. More digits or some L2 narrow it.",
            n_train=500,
            epochs=40,
        ),
    )


def try_this() -> None:
    """The row of "Try this" buttons and what the last one clicked shows."""
    classroom.try_this("train", experiments(), why_after=True)
