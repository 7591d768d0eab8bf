"""Uploaded pictures: photos of ink on paper, transparent PNGs, and files that are not pictures."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from mlp_digits import MAX_BYTES, ImageFileError, mnist_like, read_image, to_grayscale
from tests.digits.drawing import draw


def encode(image: Image.Image, fmt: str = "PNG", **kwargs) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


def reference() -> np.ndarray:
    """The canvas version of the digit used in the photos below."""
    return mnist_like(to_grayscale(draw("seven", 40, 40, 200, 20))).image


def paper_photo() -> Image.Image:
    """Dark-grey ink on off-white paper with a lighting gradient and some blur."""
    rgba = draw("seven", 40, 40, 200, 20)
    ink = rgba[:, :, 0].astype(np.float32) / 255
    paper = np.linspace(215, 240, 280, dtype=np.float32)[None, :].repeat(280, axis=0)
    grey = paper * (1 - ink) + 40 * ink
    rgb = np.stack([grey, grey * 0.98, grey * 0.95], axis=2).clip(0, 255).astype(np.uint8)
    return Image.fromarray(rgb).filter(ImageFilter.GaussianBlur(1.5))


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_photo_of_dark_ink_on_paper_is_inverted_and_cleaned(fmt):
    grey = read_image(encode(paper_photo(), fmt))
    assert grey[5, 5] == 0  # paper became black
    assert grey.max() == pytest.approx(255)
    digit = mnist_like(grey).image
    assert np.corrcoef(digit.ravel(), reference().ravel())[0, 1] > 0.9


def test_canvas_export_passes_through():
    grey = read_image(encode(Image.fromarray(draw("seven", 40, 40, 200, 20))))
    np.testing.assert_allclose(mnist_like(grey).image, reference(), atol=1.0)


def test_transparent_png_with_black_ink_is_read_as_ink():
    image = Image.new("RGBA", (200, 200), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(100, 20), (100, 180)], fill=(0, 0, 0, 255), width=16)
    grey = read_image(encode(image))
    assert grey[100, 100] == pytest.approx(255) and grey[100, 20] == 0


def test_large_photo_is_shrunk_first():
    big = paper_photo().resize((3000, 3000))
    grey = read_image(encode(big, "JPEG", quality=80))
    assert max(grey.shape) <= 512


def test_not_an_image_gets_a_clear_message():
    with pytest.raises(ImageFileError, match="not a picture"):
        read_image(b"%PDF-1.4 this is a pdf", "notes.pdf")


def test_truncated_image_gets_a_clear_message():
    data = encode(paper_photo(), "PNG")
    with pytest.raises(ImageFileError, match="damaged|not a picture"):
        read_image(data[: len(data) // 2], "half.png")


def test_oversized_file_is_refused_before_decoding():
    with pytest.raises(ImageFileError, match="MB"):
        read_image(b"\x89PNG" + bytes(MAX_BYTES), "huge.png")


def test_too_many_pixels_is_refused():
    data = encode(Image.new("1", (8000, 8000)), "PNG")  # tiny file, 64 megapixels
    assert len(data) < MAX_BYTES
    with pytest.raises(ImageFileError, match="megapixels"):
        read_image(data, "bomb.png")


def test_tiny_image_is_refused():
    with pytest.raises(ImageFileError, match="too small"):
        read_image(encode(Image.new("L", (4, 4))), "dot.png")
