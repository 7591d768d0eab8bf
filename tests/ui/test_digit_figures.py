"""Figure builders of the Mistakes and Draw pages: traces, axes, no NaN where it matters."""

from __future__ import annotations

import base64
import io
import json

import numpy as np
import plotly.graph_objects as go
import pytest
from PIL import Image

from mlp_ui import digit_figures as figs

RNG = np.random.default_rng(0)
IMAGES = RNG.integers(0, 256, size=(7, 28, 28)).astype(np.float32)


def _roundtrip(fig: go.Figure) -> dict:
    assert isinstance(fig, go.Figure)
    return json.loads(fig.to_json())


def _png(fig: go.Figure) -> np.ndarray:
    source = fig.data[0].source
    assert source.startswith("data:image/png;base64,")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(source.split(",", 1)[1]))))


@pytest.mark.parametrize("network_view", [False, True])
def test_digit_image_is_a_28x28_heatmap_in_0_255(network_view):
    fig = figs.digit_image(IMAGES[0], "a title", as_network_sees=network_view)
    _roundtrip(fig)
    (trace,) = fig.data
    assert isinstance(trace, go.Heatmap) and np.asarray(trace.z).shape == (28, 28)
    assert (trace.zmin, trace.zmax) == (0, 255)
    assert fig.layout.yaxis.range[0] > fig.layout.yaxis.range[1]  # row 0 at the top
    assert fig.layout.title.text == "a title"


def test_probability_bars_colour_the_answer_and_the_truth():
    proba = np.full(10, 0.02)
    proba[3], proba[5] = 0.7, 0.12
    fig = figs.probability_bars(proba / proba.sum(), predicted=3, true_class=5)
    _roundtrip(fig)
    (bar,) = fig.data
    assert list(bar.x) == [str(k) for k in range(10)] and not np.isnan(bar.y).any()
    assert bar.marker.color[3] == figs.PRED_COLOUR and bar.marker.color[5] == figs.TRUE_COLOUR
    assert fig.layout.xaxis.title.text == "class" and fig.layout.yaxis.title.text


def test_hidden_activations_one_grid_per_layer_padding_only_at_the_end():
    layers = [RNG.random(256), RNG.random(31)]
    fig = figs.hidden_activations(layers)
    _roundtrip(fig)
    assert len(fig.data) == 2
    first, second = (np.asarray(t.z, dtype=float) for t in fig.data)
    assert first.shape == (16, 16) and not np.isnan(first).any()
    assert second.shape == (6, 6) and np.isnan(second[-1, 1:]).all() and np.isnan(second).sum() == 5
    np.testing.assert_allclose(first.ravel(), layers[0])
    assert fig.data[0].coloraxis == fig.data[1].coloraxis == "coloraxis"  # one scale
    assert fig.layout.coloraxis.cmax == pytest.approx(max(a.max() for a in layers))
    assert fig.layout.width > 0


def test_mosaic_tiles_digits_dark_on_light_in_reading_order():
    sheet = figs.mosaic(IMAGES[:3], cols=2, pad=2, band=0, zoom=1)
    assert sheet.shape == (2 * 30, 2 * 30) and sheet.dtype == np.uint8
    np.testing.assert_array_equal(sheet[1:29, 31:59], 255 - IMAGES[1].astype(np.uint8))
    assert (sheet[31:59, 31:59] == 255).all()  # no fourth digit: blank


def test_digit_grid_is_one_image_plus_clickable_markers_and_titles():
    titles = [f"{i}) t: 1 p: 2<br>90.0% sure" for i in range(len(IMAGES))]
    fig = figs.digit_grid(IMAGES, titles, cols=3, hover=[str(i) for i in range(7)])
    _roundtrip(fig)
    image, markers = fig.data
    assert isinstance(image, go.Image) and isinstance(markers, go.Scatter)
    assert len(markers.x) == len(IMAGES) and len(fig.layout.annotations) == len(IMAGES)
    assert [a.text for a in fig.layout.annotations] == titles
    png = _png(fig)
    assert png.shape[1] == 3 * 32 * 4  # three tiles of 28 + 4 pixels, zoomed 4x
    assert fig.layout.width == 3 * 110 and fig.layout.height > 0


def test_digit_grid_handles_no_digits():
    fig = figs.digit_grid(np.zeros((0, 28, 28)), cols=5)
    _roundtrip(fig)
    assert len(fig.data[1].x) == 0


def test_confusion_matrix_colours_mistakes_and_marks_the_selected_cell():
    cm = np.arange(100).reshape(10, 10)
    fig = figs.confusion_matrix(cm, selected=(3, 5))
    _roundtrip(fig)
    heat, cells = fig.data
    z = np.asarray(heat.z, dtype=float)
    assert np.isnan(np.diag(z)).all() and not np.isnan(z[~np.eye(10, dtype=bool)]).any()
    assert len(cells.x) == 100
    assert [list(c) for c in cells.customdata[:3]] == [[0, 0], [0, 1], [0, 2]]
    assert fig.layout.xaxis.title.text == "network's answer"
    assert fig.layout.yaxis.title.text == "true digit"
    (shape,) = fig.layout.shapes
    assert (shape.x0, shape.y0) == (4.5, 2.5)
    assert [a.text for a in fig.layout.annotations] == [str(cm[i, i]) for i in range(10)]


def test_class_accuracy_bars():
    fig = figs.class_accuracy(np.linspace(0.9, 1.0, 10), np.full(10, 1000))
    _roundtrip(fig)
    assert len(fig.data[0].x) == 10 and fig.layout.yaxis.tickformat == ".0%"


@pytest.mark.parametrize("title_px", [11, 15, 20])
def test_digit_grid_leaves_room_for_its_titles_at_any_size(title_px):
    titles = ["a 7, read as 2<br>99.9% sure"] * 4
    fig = figs.digit_grid(IMAGES[:4], titles, cols=2, tile_px=150, title_px=title_px)
    assert {a.font.size for a in fig.layout.annotations} == {title_px}
    tile_h = fig.layout.height / 2  # figure pixels per row
    image_h = 150 * 28 / 32  # the digit itself
    assert tile_h - image_h >= 2 * 1.3 * title_px  # two lines of title above each digit


def test_confusion_matrix_is_large_and_projector_sized():
    from mlp_ui import classroom

    fig = figs.confusion_matrix(np.arange(100).reshape(10, 10), size=560)
    assert fig.layout.width == fig.layout.height == 560
    fig = classroom.style(fig, True)
    assert fig.layout.xaxis.tickfont.size >= 18 and fig.layout.yaxis.tickfont.size >= 18
    assert fig.layout.xaxis.title.font.size >= 18
    assert min(a.font.size for a in fig.layout.annotations) >= 18  # the diagonal's counts
    assert fig.layout.font.size >= 18  # the cells' counts follow the layout's font
