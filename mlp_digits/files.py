"""Read an uploaded picture of a digit (PNG, JPEG, ...) into grey levels, ink bright.

A photo of dark ink on light paper is inverted, the paper's grey is removed and the
ink stretched to full white, so `mlp_digits.mnist_like` can take it from there.
Anything that is not a picture, or is too large, raises ImageFileError with a message
meant for the person who uploaded it.
"""

from __future__ import annotations

import io
import warnings

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from mlp_digits.preprocess import clean_background, ink_bright, to_grayscale

MAX_BYTES = 10 * 2**20
"""Largest file accepted (10 MB: a phone photo fits)."""
MAX_PIXELS = 40_000_000
"""Largest picture accepted, in pixels (decoding more would use too much memory)."""
WORK_SIDE = 512
"""Pictures are shrunk so their longer side is at most this before any other step."""
FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP", "TIFF")
NOISE_FLOOR = 0.25
"""After cleaning, grey levels below this fraction of white are paper, not ink."""


class ImageFileError(ValueError):
    """The upload is not a usable picture; the message says why, in plain words."""


def read_image(data: bytes, name: str = "the file") -> np.ndarray:
    """The bytes of an image file -> grey levels (H, W) float32 0..255, ink bright."""
    image = open_image(data, name)
    grey = ink_bright(to_grayscale(image, background=_fill_for(image)))
    cleaned = clean_background(grey)
    cleaned[cleaned < NOISE_FLOOR * 255.0] = 0.0
    return cleaned


def open_image(data: bytes, name: str = "the file") -> Image.Image:
    """Decode and check an upload; a shrunk copy upright as the camera held it."""
    if len(data) > MAX_BYTES:
        raise ImageFileError(
            f"{name} is {len(data) / 2**20:.1f} MB; pictures up to "
            f"{MAX_BYTES // 2**20} MB are accepted. Crop it or save it smaller."
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            _check_header(image, name)
            image = ImageOps.exif_transpose(image)
            image.thumbnail((WORK_SIDE, WORK_SIDE), Image.Resampling.LANCZOS)
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageFileError(
            f"{name} is not a picture this page can read: upload a PNG or JPEG of a digit."
        ) from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageFileError(f"{name} looks damaged and cannot be read ({exc}).") from None
    return image


def _check_header(image: Image.Image, name: str) -> None:
    if image.format not in FORMATS:
        raise ImageFileError(f"{name} is a {image.format} file: upload a PNG or JPEG of a digit.")
    w, h = image.size
    if w * h > MAX_PIXELS:
        raise ImageFileError(
            f"{name} is {w}x{h} pixels; pictures up to {MAX_PIXELS // 1_000_000} megapixels "
            "are accepted. Crop it or save it smaller."
        )
    if min(w, h) < 8:
        raise ImageFileError(f"{name} is only {w}x{h} pixels: too small to hold a digit.")


def _fill_for(image: Image.Image) -> str:
    """For a picture with transparency: lay it on the background that contrasts its ink."""
    if "A" not in image.mode and "transparency" not in image.info:
        return "dark"
    rgba = np.asarray(image.convert("RGBA"), dtype=np.float32)
    opaque = rgba[:, :, 3] > 127
    if not opaque.any():
        return "dark"
    luma = rgba[:, :, :3][opaque] @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    return "light" if luma.mean() < 127.5 else "dark"
