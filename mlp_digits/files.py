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
from PIL import (
    Image,
    ImageOps,
    JpegImagePlugin,
    PngImagePlugin,
    UnidentifiedImageError,
)

from mlp_digits.preprocess import (
    clean_background,
    ink_bright,
    ink_too_small,
    remove_paper,
    to_grayscale,
)

MAX_BYTES = 10_000_000
"""Largest file accepted (10 MB: a phone photo fits). Decimal megabytes, the unit
Streamlit's uploader shows beside the file."""
MAX_PIXELS = 40_000_000
"""Largest picture accepted, in pixels (decoding more would use too much memory: 40
megapixels in RGBA are 160 MB, for each of a class's thirty sessions)."""
MIN_SIDE = 8
"""Smallest picture accepted, in pixels per side (scikit-learn's digits are 8x8)."""
WORK_SIDE = 512
"""Pictures are shrunk so their longer side is at most this before any other step."""
FORMATS = {"PNG": "PNG", "JPEG": "JPEG", "MPO": "JPEG"}
"""Pillow's format -> what a person calls it (phones save JPEGs as multi-picture MPO)."""
NAMES = {"WEBP": "WebP", "MPO": "JPEG"}
"""Pillow's format names that people spell otherwise."""
SIGNATURES = {b"\x89PNG\r\n\x1a\n": "PNG", b"\xff\xd8\xff": "JPEG"}
"""How the files this page reads begin, to tell a cut-short file from a stranger."""
NOISE_FLOOR = 0.25
"""After cleaning, grey levels below this fraction of white are paper, not ink."""
MIN_CONTRAST = 255.0 / 8
"""A picture where nothing stands this far above the paper is all one colour: nothing
drawn (the same 1/8 of white that `ink_box` asks of the brightest ink)."""
SPECK_FRACTION = 1 / 20
"""Ink whose longer side is under this fraction of the picture's is a speck, not a digit."""
ASK = "upload a PNG or JPEG of one digit"


class ImageFileError(ValueError):
    """The upload is not a usable picture; the message says why, in plain words."""


def read_image(data: bytes, name: str = "the file") -> np.ndarray:
    """The bytes of an image file -> grey levels (H, W) float32 0..255, ink bright."""
    image = open_image(data, name)
    grey = to_grayscale(image, background=_fill_for(image))
    ink = ink_bright(grey)
    _check_contrast(grey, remove_paper(ink), name, _fully_transparent(image))
    cleaned = clean_background(ink)
    cleaned[cleaned < NOISE_FLOOR * 255.0] = 0.0
    _check_ink_size(cleaned, name)
    return cleaned


def open_image(data: bytes, name: str = "the file") -> Image.Image:
    """Decode and check an upload; a shrunk copy upright as the camera held it."""
    if not data:
        raise ImageFileError(f"{name} is empty (0 bytes): {ASK}.")
    if len(data) > MAX_BYTES:
        raise ImageFileError(
            f"{name} is too large: {_size_text(len(data))}. Crop it or save it smaller."
        )
    image = _open_header(data, name)
    _check_header(image, name)
    try:
        image = ImageOps.exif_transpose(image)
        image.thumbnail((WORK_SIDE, WORK_SIDE), Image.Resampling.LANCZOS)
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise _undecodable(name, exc, FORMATS[image.format]) from None
    return image


def _size_text(n: int) -> str:
    """'12.3 MB, at most 10 MB'; in bytes when one decimal would hide the excess."""
    if round(n / 1e6, 1) > MAX_BYTES / 1e6:
        return f"{n / 1e6:.1f} MB, at most {MAX_BYTES / 1e6:g} MB"
    return f"{n:,} bytes, at most {MAX_BYTES:,}"


def _open_header(data: bytes, name: str) -> Image.Image:
    """Read the header only (format and size); Pillow decodes the pixels later."""
    kind = next((k for sig, k in SIGNATURES.items() if data.startswith(sig)), None)
    try:
        with warnings.catch_warnings():  # our own MAX_PIXELS is lower than Pillow's limit
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data))
    except Image.DecompressionBombError:
        raise _too_large(name, _header_size(data)) from None
    except UnidentifiedImageError:
        if kind is None:
            raise ImageFileError(f"{name} is not a PNG or JPEG image: {ASK}.") from None
        raise ImageFileError(_cut_short(name, kind)) from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise _undecodable(name, exc, kind or "picture") from None


def _check_header(image: Image.Image, name: str) -> None:
    if image.format not in FORMATS:
        raise ImageFileError(
            f"{name} is a {NAMES.get(image.format, image.format)} image; this page reads "
            "PNG and JPEG only: save it as PNG or JPEG."
        )
    w, h = image.size
    if w * h > MAX_PIXELS:
        raise _too_large(name, (w, h))
    if min(w, h) < MIN_SIDE:
        raise ImageFileError(
            f"{name} is too small: {w}x{h} pixels, at least {MIN_SIDE}x{MIN_SIDE}."
        )


def _too_large(name: str, size: tuple[int, int] | None) -> ImageFileError:
    limit = f"at most {MAX_PIXELS // 1_000_000} megapixels. Crop it or save it smaller."
    if size is None:
        return ImageFileError(f"{name} is too large: {limit}")
    w, h = size
    return ImageFileError(
        f"{name} is too large: {w} x {h} pixels ({w * h / 1e6:,.0f} megapixels), {limit}"
    )


def _header_size(data: bytes) -> tuple[int, int] | None:
    """(w, h) from a PNG or JPEG header, without Pillow's decompression-bomb refusal."""
    for plugin in (PngImagePlugin.PngImageFile, JpegImagePlugin.JpegImageFile):
        try:
            return plugin(io.BytesIO(data)).size
        except (OSError, SyntaxError, ValueError, EOFError):
            continue
    return None


def _cut_short(name: str, kind: str) -> str:
    return (
        f"{name} is cut short: the {kind} file is incomplete (it ends before the picture "
        "does). Upload it again, or save it anew."
    )


def _undecodable(name: str, exc: Exception, kind: str) -> ImageFileError:
    if "truncat" in str(exc).lower():
        return ImageFileError(_cut_short(name, kind))
    return ImageFileError(f"{name} is damaged: its picture data cannot be decoded ({exc}).")


def _check_contrast(grey: np.ndarray, ink: np.ndarray, name: str, clear: bool) -> None:
    """Refuse a picture with nothing on it: no pixel stands MIN_CONTRAST above the paper.

    grey (H, W) the picture as it is, ink (H, W) what stands out from its paper (the
    light's slope removed, so a blank page lit from one side is blank too).
    """
    if float(ink.max()) >= MIN_CONTRAST:
        return
    mean = float(grey.mean())
    colour = "white" if mean >= 170 else "black" if mean <= 85 else "grey"
    raise ImageFileError(
        f"{name} is all one colour ({'transparent' if clear else colour}): no digit to "
        "read. Draw a dark digit on light paper (or a light one on dark) and upload that."
    )


def _check_ink_size(cleaned: np.ndarray, name: str) -> None:
    """cleaned (H, W), ink bright: refuse a speck of ink far too small to be a digit."""
    small = ink_too_small(cleaned, SPECK_FRACTION * max(cleaned.shape))
    if small is not None:
        h, w = cleaned.shape
        raise ImageFileError(
            f"the ink in {name} is only {small[1]}x{small[0]} pixels, a speck in a {w}x{h} "
            "picture: crop the picture to the digit, or write the digit larger."
        )


def _fully_transparent(image: Image.Image) -> bool:
    """True for a picture whose every pixel is see-through (an empty layer, say)."""
    if "A" not in image.mode and "transparency" not in image.info:
        return False
    return not np.asarray(image.convert("RGBA"))[:, :, 3].any()


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
