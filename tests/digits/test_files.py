"""Uploaded pictures: photos of ink on paper, transparent PNGs, and files that are not pictures."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from mlp_digits import MAX_BYTES, ImageFileError, mnist_like, read_image, to_grayscale
from mlp_digits.preprocess import paper_level
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
    with pytest.raises(ImageFileError, match=r"^notes.pdf is not a PNG or JPEG image"):
        read_image(b"%PDF-1.4 this is a pdf", "notes.pdf")


def test_empty_file_says_empty():
    with pytest.raises(ImageFileError, match=r"empty \(0 bytes\)"):
        read_image(b"", "nothing.png")


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
@pytest.mark.parametrize("keep", [0.5, 40])  # half the file; only the start of the header
def test_truncated_image_says_cut_short(fmt, keep):
    data = encode(paper_photo(), fmt)
    cut = data[: int(len(data) * keep) if keep < 1 else keep]
    with pytest.raises(ImageFileError, match="cut short.*incomplete") as info:
        read_image(cut, "half.png")
    assert "damaged" not in str(info.value)


@pytest.mark.parametrize(
    ("fmt", "called"), [("GIF", "GIF"), ("BMP", "BMP"), ("WEBP", "WebP"), ("TIFF", "TIFF")]
)
def test_other_formats_name_the_allowed_ones(fmt, called):
    with pytest.raises(ImageFileError, match=f"is a {called} image; .*PNG and JPEG only"):
        read_image(encode(paper_photo(), fmt), "digit.png")


def test_fully_transparent_png_says_transparent():
    with pytest.raises(ImageFileError, match=r"all one colour \(transparent\): no digit"):
        read_image(encode(Image.new("RGBA", (200, 200), (0, 0, 0, 0))), "layer.png")


def test_oversized_file_is_refused_before_decoding():
    with pytest.raises(ImageFileError, match=r"too large: 10\.1 MB, at most 10 MB"):
        read_image(b"\x89PNG" + bytes(MAX_BYTES + 10**5), "huge.png")


def test_a_file_just_over_the_limit_is_given_in_bytes():
    with pytest.raises(ImageFileError, match="10,000,004 bytes, at most 10,000,000"):
        read_image(b"\x89PNG" + bytes(MAX_BYTES), "huge.png")


@pytest.mark.parametrize(
    ("side", "megapixels"),
    [(8000, 64), (20000, 400)],  # ours refuses the first; Pillow's own bomb limit, the second
)
def test_too_many_pixels_is_too_large_with_the_size(side, megapixels):
    data = encode(Image.new("1", (side, side)), "PNG")  # a small file of many pixels
    assert len(data) < MAX_BYTES
    expected = f"too large: {side} x {side} pixels \\({megapixels} megapixels\\), at most 40"
    with pytest.raises(ImageFileError, match=expected):
        read_image(data, "bomb.png")


@pytest.mark.parametrize("size", [(1, 1), (4, 4), (300, 7)])
def test_tiny_image_says_too_small_and_the_minimum(size):
    with pytest.raises(
        ImageFileError, match=f"too small: {size[0]}x{size[1]} pixels, at least 8x8"
    ):
        read_image(encode(Image.new("L", size, 255)), "dot.png")


def test_smallest_allowed_picture_is_read():
    image = Image.new("L", (8, 8), 255)
    ImageDraw.Draw(image).line([(4, 1), (4, 6)], fill=0, width=2)
    assert mnist_like(read_image(encode(image), "eight.png")) is not None


@pytest.mark.parametrize(("fill", "colour"), [(255, "white"), (0, "black"), (128, "grey")])
@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_one_colour_picture_says_so(fill, colour, fmt):
    with pytest.raises(ImageFileError, match=f"all one colour \\({colour}\\): no digit"):
        read_image(encode(Image.new("RGB", (200, 200), (fill,) * 3), fmt), "page.png")


def test_faint_but_visible_digit_is_still_read():
    image = Image.new("L", (200, 200), 230)  # pale paper, pencil 60 levels darker
    ImageDraw.Draw(image).line([(100, 30), (100, 170)], fill=170, width=12)
    assert mnist_like(read_image(encode(image), "pencil.png")) is not None


def test_a_speck_of_ink_is_not_a_digit():
    image = Image.new("L", (400, 400), 235)
    ImageDraw.Draw(image).ellipse([200, 200, 205, 205], fill=20)  # a dot 6 px across
    with pytest.raises(ImageFileError, match=r"only \d+x\d+ pixels, a speck in a 400x400"):
        read_image(encode(image), "dust.png")


def test_a_small_digit_in_a_large_photo_is_still_read():
    image = Image.new("L", (1000, 1000), 235)  # a '1' 60 px tall: 1/17 of the picture
    ImageDraw.Draw(image).line([(500, 470), (500, 530)], fill=20, width=8)
    assert mnist_like(read_image(encode(image), "far.png")) is not None


def test_phone_jpeg_with_two_pictures_is_read_as_jpeg():
    """Phones save multi-picture JPEGs, which Pillow calls MPO: they are JPEGs to people."""
    photo = paper_photo()
    data = encode(photo, "MPO", save_all=True, append_images=[photo.resize((70, 70))])
    assert Image.open(io.BytesIO(data)).format == "MPO"
    assert np.corrcoef(mnist_like(read_image(data)).image.ravel(), reference().ravel())[0, 1] > 0.9


def lit_paper(low: float, high: float, vertical: bool = False) -> np.ndarray:
    """Blank paper (300x400) lit from one side: grey rising from `low` to `high`."""
    grey = np.linspace(low, high, 400, dtype=np.float32)[None, :].repeat(300, axis=0)
    return grey[:, ::-1].T[:300, :300] if vertical else grey


@pytest.mark.parametrize(("low", "high", "vertical"), [(200, 240, False), (150, 250, True)])
def test_blank_paper_lit_from_one_side_is_blank_not_a_digit(low, high, vertical):
    image = Image.fromarray(lit_paper(low, high, vertical).astype(np.uint8))
    with pytest.raises(ImageFileError, match=r"all one colour \(white\): no digit"):
        read_image(encode(image, "JPEG"), "page.jpg")


def test_a_digit_on_paper_lit_from_one_side_is_read():
    paper = np.asarray(Image.fromarray(lit_paper(130, 250)).resize((280, 280)), np.float32)
    ink = draw("seven", 40, 40, 200, 20)[:, :, 0].astype(np.float32) / 255
    photo = Image.fromarray((paper * (1 - ink) + 40 * ink).astype(np.uint8))
    digit = mnist_like(read_image(encode(photo.filter(ImageFilter.GaussianBlur(1.5)), "JPEG")))
    assert np.corrcoef(digit.image.ravel(), reference().ravel())[0, 1] > 0.95


def test_paper_level_follows_a_tilt_and_ignores_a_digit_on_one_side():
    rows, cols = np.mgrid[0:50, 0:80].astype(np.float32)
    tilted = 100 + 0.5 * cols + 0.25 * rows  # a plane: found exactly (float32 rounding)
    np.testing.assert_allclose(paper_level(tilted), tilted, rtol=4 * np.finfo(np.float32).eps)
    inked = tilted.copy()
    inked[20:30, 0:6] = 255  # a stroke along a fifth of the left side
    # Medians: the level moves by under 8 grey levels (3.75 here), far below the noise
    # floor that separates ink from paper (a quarter of white, 64 levels).
    assert np.abs(paper_level(inked) - tilted).max() < 8
