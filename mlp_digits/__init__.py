"""Digits from the outside world: drawings and picture files, made to look like MNIST.

NumPy and Pillow only (no Streamlit), so every step is testable on its own:

    grey = to_grayscale(canvas_rgba)            # or read_image(uploaded_bytes)
    digit = mnist_like(grey)                    # None when nothing was drawn
    X = digit.model_input(scaling)              # (1, 784), scaled like the training data
"""

from mlp_digits.files import MAX_BYTES, MAX_PIXELS, ImageFileError, open_image, read_image
from mlp_digits.preprocess import (
    BOX,
    CENTRE,
    FIELD,
    Digit,
    centre_of_mass,
    ink_box,
    ink_bright,
    ink_too_small,
    is_empty,
    mnist_like,
    to_grayscale,
    to_model_input,
)

__all__ = [
    "BOX",
    "CENTRE",
    "FIELD",
    "MAX_BYTES",
    "MAX_PIXELS",
    "Digit",
    "ImageFileError",
    "centre_of_mass",
    "ink_box",
    "ink_bright",
    "ink_too_small",
    "is_empty",
    "mnist_like",
    "open_image",
    "read_image",
    "to_grayscale",
    "to_model_input",
]
