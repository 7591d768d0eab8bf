"""The Playground's figure and picture builders: valid plotly figures (validated in full,
since the builders skip plotly's validation for speed), no NaNs, PNGs of the right size
whose colours say what the numbers say."""

from __future__ import annotations

import io
import json

import numpy as np
import plotly.graph_objects as go
import pytest
from PIL import Image

from mlp_core import playground as core
from mlp_core.playground_config import PlaygroundConfig
from mlp_ui import playground_figures as figures
from mlp_ui import playground_raster as raster
from mlp_ui import playground_view as view


@pytest.fixture(scope="module")
def run():
    config = PlaygroundConfig(dataset="xor", hidden=(3, 2), features=("x1", "x2", "x1x2"))
    r = core.PlaygroundRun(config, core.make_points("xor", 200, 10, 1))
    r.train(30)
    return r


def _valid(fig: go.Figure) -> dict:
    """The figure through plotly's full validation, and through JSON with no NaN."""
    go.Figure(fig.to_dict())  # raises on any invalid property
    text = fig.to_json()
    assert "NaN" not in text
    return json.loads(text)


def _png(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img.convert("RGB")


def test_shade_and_levels_map_values_to_colour_steps():
    A = np.array([[-2.0, 0.0], [0.5, 4.0]])
    np.testing.assert_allclose(figures.shade(A, "relu"), A / 4)  # unbounded: by the largest
    np.testing.assert_allclose(figures.shade(np.array([[0.0, 1.0]]), "sigmoid"), [[-1, 1]])
    np.testing.assert_allclose(figures.shade(np.array([[0.3]]), "tanh"), [[0.3]])
    z = figures.levels(np.array([-1.5, -1.0, 0.0, 0.004, 0.5, 1.0]))
    assert z.dtype == np.int8 and z.tolist() == [-100, -100, 0, 0, 50, 100]


def test_palette_runs_orange_pale_blue():
    p = raster.palette()
    assert p.shape == (201, 3) and p.dtype == np.uint8
    assert tuple(p[0]) == raster.ORANGE and tuple(p[100]) == raster.PALE
    assert tuple(p[200]) == raster.BLUE


def test_network_picture_has_a_tile_per_unit_in_its_colours(run):
    grids = [g[:, :: view.TILE_EVERY, :: view.TILE_EVERY] for g in run.grids(view.GRID)]
    picture = figures.network_picture(grids, run.model.W, "tanh", "sigmoid")
    assert picture.sizes == (3, 3, 2, 1)
    img = _png(picture.png)
    assert img.size == raster.canvas_size(picture.sizes)
    # The x1 input tile: orange on its left edge (x1 = -6), blue on its right (x1 = +6).
    (x, y) = raster.centres(picture.sizes)[0][0]
    half = raster.TILE // 2 - 2
    left, right = img.getpixel((int(x - half), int(y))), img.getpixel((int(x + half), int(y)))
    assert left[0] > left[2] and right[2] > right[0]


def test_network_figure_puts_a_clickable_marker_on_every_unit(run):
    grids = [g[:, ::3, ::3] for g in run.grids(61)]
    picture = figures.network_picture(grids, run.model.W, "tanh", "sigmoid")
    names = view.unit_names(run)
    data = _valid(figures.network_figure(picture, names, selected=(1, 2)))
    markers = data["data"][0]
    assert len(markers["x"]) == 3 + 3 + 2 + 1
    assert markers["customdata"][3] == [1, 0] and markers["text"][3] == "layer 1, neuron 1"
    assert data["layout"]["images"][0]["source"].startswith("data:image/png;base64,")
    assert len(data["layout"]["shapes"]) == 1  # the frame around the selected unit


def test_boundary_picture_shows_the_classes_where_the_network_puts_them(run):
    output = run.grids(61)[-1][0]
    data = figures.boundary_picture(output, (run.X_train, run.y_train), None, run.task)
    img = _png(data)
    assert img.size == (360 + 40 + 14, 360 + 40 + 8)
    # XOR: class 1 (blue) where x1 * x2 > 0. (5, 5) is at the top right of the plane.
    px = 40 + int((5 + 6) / 12 * 360), 8 + int((6 - 5) / 12 * 360)
    r, _, b = img.getpixel(px)
    assert b > r


def test_boundary_picture_with_test_points_and_regression_targets():
    config = PlaygroundConfig(dataset="wave", show_test=True)
    r = core.PlaygroundRun(config, core.make_points("wave", 100, 0, 1))
    out = figures.boundary_picture(
        r.grids(21)[-1][0], (r.X_train, r.y_train), (r.X_test, r.y_test), r.task
    )
    assert _png(out).size[0] > 300
    colours = raster.colours_of(np.array([-1.0, 0.0, 1.0]), "regress")
    assert tuple(colours[0]) == raster.ORANGE and tuple(colours[2]) == raster.BLUE


def test_loss_figure_overlays_snapshots(run):
    snap = run.snapshot("#1 xor")
    data = _valid(figures.loss_figure([("now", run.curves), (snap.name, snap.curves)]))
    names = [t["name"] for t in data["data"]]
    assert names == ["now: train", "now: test", "#1 xor: train", "#1 xor: test"]
    assert data["layout"]["yaxis"]["rangemode"] == "tozero"
    assert not data["layout"].get("annotations")


def test_loss_figure_thins_long_runs_and_says_when_empty():
    curves = core.Curves(list(range(5000)), [1.0] * 5000, [1.0] * 5000, [])
    data = _valid(figures.loss_figure([("now", curves)]))
    assert len(data["data"][0]["x"]) <= 401 and data["data"][0]["x"][-1] == 4999
    empty = _valid(figures.loss_figure([("now", core.Curves([0], [0.7], [0.7], []))]))
    assert "grow" in empty["layout"]["annotations"][0]["text"]


def test_gradient_figure_has_a_bar_per_weight_layer(run):
    data = _valid(figures.gradient_figure(run.curves.grad_rms[-1]))
    assert data["data"][0]["x"] == ["in→1", "1→2", "2→out"]
    zero = _valid(figures.gradient_figure(np.zeros(3)))
    assert "No gradients yet" in zero["layout"]["annotations"][0]["text"]


def test_neuron_figure_shows_the_unit_and_its_incoming_weights(run):
    grids = run.grids(31)
    W, b = run.model.W[0][:, 1], float(run.model.b[0][1])
    data = _valid(figures.neuron_figure(grids[1][1], "tanh", W, b, ["x₁", "x₂", "x₁x₂"]))
    heat, bars = data["data"]
    assert bars["y"] == ["x₁", "x₂", "x₁x₂", "bias"]
    np.testing.assert_allclose(bars["x"], [*W, b], rtol=1e-6)
