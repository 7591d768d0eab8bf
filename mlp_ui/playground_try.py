"""The Playground page's "Try this": three experiments, each a click that sets every
setting (the defaults, with what the experiment is about changed) and presses Play.

The numbers in the texts were measured with these settings (seed 1):
XOR without a hidden layer keeps its test loss at 0.693 and 48-52 % right after 500
epochs (4-2 tanh: 90 % after 50); the spiral reaches 92 % after 1,000 epochs with three
layers of 8 and 69 % with one; the circle with learning rate 10 ends 100 epochs near
55 % with its loss rising (0.03: 100 % after 50). tests/app/test_playground_try.py
checks them.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from mlp_core.playground_config import PlaygroundConfig
from mlp_ui import classroom
from mlp_ui import playground_state as state
from mlp_ui.playground_controls import widget_values


def settings(**changed: Any) -> dict[str, Any]:
    """Every Playground widget's session-state value: the defaults with `changed`."""
    return widget_values(dataclasses.replace(PlaygroundConfig(), **changed))


def play() -> None:
    """Press Play (the page then starts the new network the settings describe)."""
    pg = state.playground()
    with pg.lock:
        pg.message = ""
        pg.playing = True


EXPERIMENTS = (
    classroom.Experiment(
        "XOR, no hidden",
        "The test loss stays at 0.693 and about half the test points are right, however "
        "long it plays. Then add a layer (+) and watch it solve it.",
        "With no hidden layer the output is sigmoid(w\u2081x\u2081 + w\u2082x\u2082 + b): "
        "its boundary is one straight line, and no line puts XOR's opposite corners on the "
        "same side. 0.693 = ln 2 is the loss of answering 50/50 everywhere.",
        settings(dataset="xor", hidden=()),
        play,
    ),
    classroom.Experiment(
        "Spiral needs depth",
        "Three layers of 8 wind the boundary along the arms: about 90 % right after 1,000 "
        "epochs. Remove two layers (\u2212) and the same time gives about 70 %.",
        "Each layer bends and folds what the layer before drew; a spiral needs many folds, "
        "and stacking layers gives them with few neurons.",
        settings(dataset="spiral", hidden=(8, 8, 8)),
        play,
    ),
    classroom.Experiment(
        "Learning rate 10",
        "Learning rate 10: the loss curve jumps up instead of falling and the colours "
        "flicker; it stays near half right. Set 0.03 and it learns the circle in 50 epochs.",
        "Each step moves the weights by the learning rate times the gradient: too big a "
        "step jumps across the valley of the loss, to a higher point on the other side.",
        settings(lr=10.0),
        play,
    ),
)
