"""MNIST test digits drawn onto a blank canvas, elsewhere and larger, still get the same answer.

This is the Draw page's promise: a digit put through the MNIST recipe (crop, 20x20 box,
centre of mass) looks to the pretrained network like the digits it learned from.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mlp_core.data import scale_pixels
from mlp_core.mnist import load_mnist
from mlp_core.serialize import load_model
from mlp_digits import mnist_like
from tests.data_sources import FULL_MNIST, WHY_NO_MNIST

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "assets" / "default_model.npz"
CANVAS, SAMPLE = 280, 1000

pytestmark = [
    pytest.mark.mnist,
    pytest.mark.skipif(FULL_MNIST is None, reason=WHY_NO_MNIST),
    pytest.mark.skipif(not MODEL.exists(), reason="assets/default_model.npz is missing"),
]


def paste(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A 28x28 digit enlarged 4x to 9.6x and put at a random place on a black canvas."""
    side = int(rng.integers(112, 270))
    big = Image.fromarray(x.reshape(28, 28)).resize((side, side), Image.Resampling.BILINEAR)
    canvas = np.zeros((CANVAS, CANVAS), np.float32)
    top, left = rng.integers(0, CANVAS - side + 1, size=2)
    canvas[top : top + side, left : left + side] = np.asarray(big, np.float32)
    return canvas


def test_pasted_digits_are_classified_like_the_originals():
    saved = load_model(MODEL)
    data = load_mnist(FULL_MNIST, download=False)
    rng = np.random.default_rng(2026)
    idx = rng.choice(len(data.y_test), SAMPLE, replace=False)
    originals = saved.model.predict(scale_pixels(data.X_test[idx], saved.config.scaling))
    pasted = np.stack(
        [mnist_like(paste(x, rng)).model_input(saved.config.scaling)[0] for x in data.X_test[idx]]
    )
    same = float(np.mean(saved.model.predict(pasted) == originals))
    print(f"{same:.1%} of {SAMPLE} pasted digits get the original's answer")
    assert same >= 0.97
