"""Preprocessing of drawings: MNIST's own recipe, checked property by property."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from mlp_digits import (
    BOX,
    CENTRE,
    FIELD,
    centre_of_mass,
    ink_box,
    ink_bright,
    ink_too_small,
    is_empty,
    mnist_like,
    to_grayscale,
    to_model_input,
)
from tests.digits.drawing import CANVAS, SHAPES, draw


def prepared(shape="seven", left=40.0, top=30.0, size=200.0, width=20.0) -> np.ndarray:
    digit = mnist_like(to_grayscale(draw(shape, left, top, size, width)))
    assert digit is not None
    return digit.image


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_result_is_a_28x28_float_image_in_0_255(shape):
    image = prepared(shape)
    assert image.shape == (FIELD, FIELD) and image.dtype == np.float32
    assert image.min() >= 0 and image.max() == pytest.approx(255, abs=1e-3)


@settings(max_examples=40, deadline=None)
@given(
    shape=st.sampled_from(sorted(SHAPES)),
    left=st.floats(0, 150),
    top=st.floats(0, 150),
    size=st.floats(60, 260),
    width=st.floats(6, 30),
)
def test_centre_of_mass_is_at_the_centre_within_half_a_pixel(shape, left, top, size, width):
    image = prepared(shape, left, top, min(size, CANVAS - 10 - max(left, top)), width)
    row, col = centre_of_mass(image)
    t, l, b, r = ink_box(image, threshold=0)
    # A very lopsided digit (a thin 7 is mostly its bar) would need to leave the field to
    # get its centre of mass to the centre: it is moved as far as it goes, ink intact.
    assert abs(row - CENTRE[0]) <= 0.5 or (t == 0 and row > CENTRE[0]) or b == FIELD
    assert abs(col - CENTRE[1]) <= 0.5 or (l == 0 and col > CENTRE[1]) or r == FIELD
    assert abs(row - CENTRE[0]) <= 2 and abs(col - CENTRE[1]) <= 2


@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("width", [12, 20, 28])
def test_centre_of_mass_of_ordinary_drawings_is_within_half_a_pixel(shape, width):
    row, col = centre_of_mass(prepared(shape, 40, 30, 200, width))
    assert abs(row - CENTRE[0]) <= 0.5 and abs(col - CENTRE[1]) <= 0.5


@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("size", [60, 120, 250])
def test_ink_fits_the_20x20_box_and_fills_it_along_the_longer_side(shape, size):
    top, left, bottom, right = ink_box(prepared(shape, 10, 10, size, 12))
    assert bottom - top <= BOX and right - left <= BOX
    assert max(bottom - top, right - left) >= BOX - 1


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_where_on_the_canvas_it_was_drawn_does_not_matter(shape):
    here = prepared(shape, left=20, top=20, size=140)  # whole-pixel vertices
    there = prepared(shape, left=120, top=111, size=140)
    np.testing.assert_array_equal(here, there)


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_how_large_it_was_drawn_barely_matters(shape):
    small = prepared(shape, left=100, top=100, size=100, width=10)
    large = prepared(shape, left=10, top=10, size=250, width=25)
    assert np.abs(small - large).mean() < 8  # grey levels out of 255
    assert np.corrcoef(small.ravel(), large.ravel())[0, 1] > 0.95


def test_blank_canvas_is_empty():
    black = np.zeros((CANVAS, CANVAS, 4), np.uint8)
    black[..., 3] = 255
    assert is_empty(to_grayscale(black))
    assert mnist_like(to_grayscale(black)) is None
    transparent = np.zeros((CANVAS, CANVAS, 4), np.uint8)
    assert mnist_like(to_grayscale(transparent)) is None


def test_faint_specks_are_not_a_digit():
    grey = np.zeros((CANVAS, CANVAS), np.float32)
    grey[100:103, 50:53] = 20.0  # well below visible ink
    assert is_empty(grey)


def test_a_single_dot_is_not_empty():
    grey = np.zeros((CANVAS, CANVAS), np.float32)
    grey[100:110, 50:60] = 255.0
    digit = mnist_like(grey)
    assert digit is not None and digit.box == (100, 50, 110, 60)


def test_box_reports_where_the_ink_was():
    digit = mnist_like(to_grayscale(draw("one", 100, 40, 200, 20)))
    top, left, bottom, right = digit.box
    assert 30 <= top <= 40 and 240 <= bottom <= 250 and 185 <= left < right <= 215


def test_grayscale_conventions():
    rgb = np.zeros((4, 4, 3), np.uint8)
    rgb[0, 0] = (255, 255, 255)
    grey = to_grayscale(rgb)
    assert grey.shape == (4, 4) and grey[0, 0] == pytest.approx(255, abs=0.01)
    rgba = np.zeros((4, 4, 4), np.uint8)  # fully transparent
    assert to_grayscale(rgba, background="light").min() == 255
    assert to_grayscale(Image.fromarray(rgb)).shape == (4, 4)
    with pytest.raises(ValueError, match="image"):
        to_grayscale(np.zeros((4, 4, 2)))


def test_light_pictures_are_inverted_dark_ones_are_not():
    paper = np.full((50, 50), 230.0)
    paper[20:30, 20:30] = 10.0
    assert ink_bright(paper)[25, 25] == pytest.approx(245.0)
    canvas = 255.0 - paper
    np.testing.assert_array_equal(ink_bright(canvas), canvas)


@pytest.mark.parametrize(("scaling", "low", "high"), [("pm1", -1.0, 1.0), ("01", 0.0, 1.0)])
def test_model_input_uses_the_training_scaling(scaling, low, high):
    X = to_model_input(prepared(), scaling)
    assert X.shape == (1, FIELD * FIELD) and X.dtype == np.float32
    assert X.min() == pytest.approx(low) and X.max() == pytest.approx(high)


def test_mnist_digits_come_back_nearly_unchanged():
    """An MNIST digit is already in MNIST form: the recipe must (almost) be a no-op."""
    from mlp_core.mnist import load_mnist

    X = load_mnist(download=False).X_test[:200].reshape(-1, FIELD, FIELD).astype(np.float32)
    diffs, shifted = [], 0
    for x in X:
        out = mnist_like(x).image
        diffs.append(np.abs(out - x).mean())
        shifted += not np.allclose(centre_of_mass(out), centre_of_mass(x), atol=1.0)
    assert np.median(diffs) < 12 and shifted <= 10


def _dot(diameter: int) -> np.ndarray:
    """A round dab of the pen on the black canvas, as grey levels."""
    image = Image.new("L", (CANVAS, CANVAS), 0)
    ImageDraw.Draw(image).ellipse([140, 140, 140 + diameter, 140 + diameter], fill=255)
    return np.asarray(image, dtype=np.float32)


@pytest.mark.parametrize("pen", [8, 20, 40])
def test_a_dab_of_the_pen_is_too_small_and_its_size_is_given(pen):
    h, w = ink_too_small(_dot(pen), 2 * pen)
    assert pen <= h <= pen + 2 and pen <= w <= pen + 2  # antialiasing may add a pixel


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_a_digit_drawn_at_a_usual_size_is_not_too_small(shape):
    grey = to_grayscale(draw(shape, 40, 40, 200, 20))
    assert ink_too_small(grey, 2 * 40) is None  # even against the widest pen


def test_a_blank_picture_is_blank_not_too_small():
    assert ink_too_small(np.zeros((CANVAS, CANVAS), np.float32), 40) is None
