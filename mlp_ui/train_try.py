"""The Train page's "Try this": three runs that each show one thing, a click each.

A click sets every settings widget to the defaults with one or two changes (so an
experiment does not inherit the previous one's learning rate), then starts the run.
The numbers in the texts were measured on the offline sample (3,500 training digits,
validation on 500) and hold in kind on full MNIST.
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
            "The diagram shrinks to 10 hidden units and the run ends in a fraction of the "
            "time, but its validation accuracy levels off a few points below the 100-unit "
            "network's: overlay the two runs (Overlay other runs) to compare.",
            "Ten hidden units are ten features for telling all ten digits apart: 7,960 "
            "weights and biases instead of 79,510. Fewer weights train faster and fit less.",
            hidden=10,
        ),
        _experiment(
            "Huge learning rate",
            "Learning rate 5: within the first epoch the loss jumps up instead of falling, a "
            "red line marks where, and the status says the run diverged.",
            "Each step moves the weights by the learning rate times the gradient. At 5 a step "
            "overshoots the valley it should go down, lands higher up the other side, and the "
            "next gradient is steeper still: the weights grow hundreds of times over.",
            lr=5.0,
        ),
        _experiment(
            "Few digits",
            "Only 500 training digits, 40 epochs: training accuracy (solid) reaches 100 % "
            "within a few epochs, while validation accuracy (dashed) stays around 89 %.",
            "500 examples are few enough to learn one by one. Validation digits were never "
            "trained on, so they show how well the network does on new digits: the gap is "
            "what memorising costs. More digits or some L2 narrow it.",
            n_train=500,
            epochs=40,
        ),
    )


def try_this() -> None:
    """The row of "Try this" buttons and what the last one clicked shows."""
    classroom.try_this("train", experiments())
