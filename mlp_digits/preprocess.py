"""Turn a drawing or a picture into what an MNIST digit looks like.

MNIST's digits were made like this (LeCun et al.'s description of the data set): the
digit was scaled to fit a 20x20 box keeping its aspect ratio, with anti-aliasing giving
grey levels, then placed in a 28x28 field so that its centre of mass sits at the centre
of the field. A drawn digit goes through the same steps here, or the network sees
something it never learned.

Images are 2-D float arrays of grey levels 0..255 with the ink bright, as in MNIST:
`to_grayscale` brings any picture to that convention first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from mlp_core.data import scale_pixels

FIELD = 28
"""Side of the image the network receives, in pixels."""
BOX = 20
"""Side of the box the digit is scaled into, keeping its aspect ratio."""
CENTRE = (14.0, 14.0)
"""Where MNIST's digits have their centre of mass, as (row, column) pixel indices.

Measured on the 10,000 test digits: mean 13.99, 14.01 (standard deviation 0.29, as
whole-pixel shifts give). That is half a pixel off the geometric centre 13.5, and the
network learned MNIST's convention, so it is the one used here.
"""
INK_THRESHOLD = 0.1
"""Grey levels below this fraction of the brightest pixel do not count as ink when
looking for the digit's bounding box (they are anti-aliasing halo or paper noise)."""


@dataclass(frozen=True)
class Digit:
    """A digit ready for the network. image (28, 28) float32 in 0..255, ink bright.

    `box` is (top, left, bottom, right) of the ink in the source image, bottom and right
    exclusive, so a page can show where the digit was found.
    """

    image: np.ndarray
    box: tuple[int, int, int, int]

    def model_input(self, scaling: str = "pm1") -> np.ndarray:
        """The image as one row of the model's input, (1, 784), in `scaling`."""
        return to_model_input(self.image, scaling)


def to_model_input(image: np.ndarray, scaling: str = "pm1") -> np.ndarray:
    """A 28x28 grey image (0..255) -> (1, 784) float32, scaled like the training data."""
    return scale_pixels(np.asarray(image).reshape(1, FIELD * FIELD), scaling)


def to_grayscale(image: np.ndarray | Image.Image, background: str = "dark") -> np.ndarray:
    """Any picture (H, W), (H, W, 3) or (H, W, 4) -> grey levels (H, W) float32 0..255.

    Transparent pixels are laid over a `background` of "dark" (black, as the canvas) or
    "light" (white). The polarity is not changed here: see `ink_bright`.
    """
    if isinstance(image, Image.Image):
        keep_alpha = "A" in image.mode or "transparency" in image.info
        image = np.asarray(image.convert("RGBA" if keep_alpha else "L"))
    a = np.asarray(image, dtype=np.float32)
    if a.ndim == 2:
        return a
    if a.ndim != 3 or a.shape[2] not in (1, 3, 4):
        raise ValueError(f"expected an (H, W), (H, W, 3) or (H, W, 4) image, got {a.shape}")
    if a.shape[2] == 1:
        return a[:, :, 0]
    # ITU-R 601 luma, the weights Pillow's convert("L") uses.
    grey = a[:, :, 0] * 0.299 + a[:, :, 1] * 0.587 + a[:, :, 2] * 0.114
    if a.shape[2] == 4:
        alpha = a[:, :, 3] / 255.0
        fill = 0.0 if background == "dark" else 255.0
        grey = grey * alpha + fill * (1.0 - alpha)
    return grey


def ink_bright(grey: np.ndarray) -> np.ndarray:
    """Make the ink bright: a picture whose border is mostly light is inverted.

    grey (H, W) 0..255 -> (H, W). A photo of dark ink on paper has a light border; the
    canvas (white strokes on black) and MNIST itself have a dark one.
    """
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    return 255.0 - grey if np.median(border) > 127.5 else grey


def paper_level(grey: np.ndarray) -> np.ndarray:
    """The paper's grey level under every pixel of grey (H, W) -> (H, W) float32.

    A flat level tilted by the light: the border's median, sloping from the left
    column's median to the right one's and from the top row's to the bottom one's.
    Medians, so a digit touching one side does not move it. (The canvas: all 0.)
    """
    h, w = grey.shape
    level = np.median(np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]]))
    across = (np.median(grey[:, -1]) - np.median(grey[:, 0])) / max(w - 1, 1)
    down = (np.median(grey[-1]) - np.median(grey[0])) / max(h - 1, 1)
    rows = (np.arange(h, dtype=np.float32) - (h - 1) / 2) * np.float32(down)
    cols = (np.arange(w, dtype=np.float32) - (w - 1) / 2) * np.float32(across)
    return (np.float32(level) + rows[:, None] + cols[None, :]).astype(np.float32)


def remove_paper(grey: np.ndarray) -> np.ndarray:
    """What stands out above the paper: grey (H, W) minus its `paper_level`, clipped at 0."""
    return np.clip(grey - paper_level(grey), 0.0, None).astype(np.float32)


def clean_background(grey: np.ndarray) -> np.ndarray:
    """Remove the paper (and the light's slope across it), stretch the ink to 0..255.

    grey (H, W), ink bright -> (H, W) float32. Drawings (a black border) pass through
    unchanged apart from the stretch.
    """
    out = remove_paper(grey)
    top = out.max()
    return out * np.float32(255.0 / top) if top > 0 else out


def ink_box(grey: np.ndarray, threshold: float = INK_THRESHOLD) -> tuple[int, int, int, int] | None:
    """Bounding box (top, left, bottom, right) of the ink in grey (H, W), or None if blank.

    Ink is any pixel above `threshold` times the brightest one, and the brightest must
    itself be visible (above 1/8 of full white) for the picture to count as drawn on.
    """
    top = float(grey.max()) if grey.size else 0.0
    if top < 255.0 / 8:
        return None
    rows = np.flatnonzero((grey > threshold * top).any(axis=1))
    cols = np.flatnonzero((grey > threshold * top).any(axis=0))
    return int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1


def ink_too_small(grey: np.ndarray, min_side: float) -> tuple[int, int] | None:
    """(height, width) of the ink in grey (H, W) when its longer side is under `min_side`
    pixels: a dot or a speck, too little to be read as a digit. None otherwise (blank too)."""
    box = ink_box(grey)
    if box is None:
        return None
    top, left, bottom, right = box
    size = (bottom - top, right - left)
    return size if max(size) < min_side else None


def is_empty(grey: np.ndarray) -> bool:
    """True when the picture (H, W) has no ink: nothing for the network to classify."""
    return ink_box(grey) is None


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    """Intensity-weighted mean (row, column) of image (H, W); the middle if it is blank."""
    total = float(image.sum())
    if total <= 0:
        return (image.shape[0] - 1) / 2, (image.shape[1] - 1) / 2
    rows = float(image.sum(axis=1) @ np.arange(image.shape[0])) / total
    cols = float(image.sum(axis=0) @ np.arange(image.shape[1])) / total
    return rows, cols


def fit_box(crop: np.ndarray, box: int = BOX) -> np.ndarray:
    """Scale crop (h, w) so its longer side is `box`, keeping the aspect ratio.

    Pillow's Lanczos filter averages over the source pixels when shrinking (that is the
    anti-aliasing that gives MNIST its grey edges). Returns (h', w') float32 in 0..255.
    """
    h, w = crop.shape
    scale = box / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))  # Pillow wants (w, h)
    resized = Image.fromarray(crop.astype(np.float32), mode="F").resize(
        size, Image.Resampling.LANCZOS
    )
    return np.clip(np.asarray(resized, dtype=np.float32), 0.0, 255.0)


def centre_in_field(digit: np.ndarray, field: int = FIELD) -> np.ndarray:
    """Place digit (h, w) in a field x field image so its centre of mass is at CENTRE.

    The shift is in whole pixels, as MNIST's was, so the centre of mass ends within
    half a pixel of CENTRE (unless the digit is so lopsided that it would leave the field).
    """
    out = np.zeros((field, field), dtype=np.float32)
    h, w = digit.shape
    com_r, com_c = centre_of_mass(digit)
    top = int(np.clip(round(CENTRE[0] - com_r), 0, field - h))
    left = int(np.clip(round(CENTRE[1] - com_c), 0, field - w))
    out[top : top + h, left : left + w] = digit
    return out


def mnist_like(grey: np.ndarray) -> Digit | None:
    """A picture (H, W), ink bright, 0..255 -> the 28x28 digit MNIST would have made.

    Crop to the ink, scale into a 20x20 box keeping the aspect ratio, stretch the
    brightest pixel to 255, place it so the centre of mass is at the centre. None when
    the picture is blank.
    """
    box = ink_box(grey)
    if box is None:
        return None
    top, left, bottom, right = box
    digit = fit_box(np.asarray(grey, dtype=np.float32)[top:bottom, left:right])
    peak = digit.max()
    if peak > 0:
        digit *= np.float32(255.0 / peak)
    return Digit(centre_in_field(digit), box)
