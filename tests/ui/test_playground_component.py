"""What the Playground hands its browser component, and the own-points helpers.

Oracles: the run's own arrays (the payload must carry exactly its weights, rounded to
4 decimals, its epoch, losses and confusion matrix), a forward pass in NumPy for the
formula's numbers, and hand-written CSV files and links for the points.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from mlp_core import playground as core
from mlp_core.playground_config import PlaygroundConfig
from mlp_ui import playground_component as component
from mlp_ui import playground_points as points


def _run(**settings) -> core.PlaygroundRun:
    config = PlaygroundConfig(**settings)
    return core.PlaygroundRun(
        config, core.make_points(config.dataset, config.n_points, config.noise, config.seed)
    )


def test_the_payload_carries_the_weights_the_losses_and_the_data_once():
    run = _run(dataset="spiral", hidden=(8, 8, 8))
    run.train(3)
    data = component.payload(run, send_data=True, selected=(2, 1))
    json.dumps(data)  # travels as JSON
    for W, sent in zip(run.model.W, data["net"]["W"], strict=True):
        np.testing.assert_allclose(sent, W, atol=5e-5)
    assert data["epoch"] == 3 and data["train_loss"] == pytest.approx(run.curves.train_loss[-1])
    assert data["net"]["output"] == "sigmoid" and data["classes"] == 2
    assert len(data["data"]["train"]) == 250 and data["data"]["train"][0][2] in (0, 1)
    assert data["selected"] == [2, 1] and data["curves"][0]["epoch"] == [0, 1, 2, 3]
    numbers = sum(W.size + b.size for W, b in zip(run.model.W, run.model.b, strict=True))
    assert numbers < 300  # "a few hundred floats"
    frame = component.payload(run, send_data=False, selected=(2, 1))
    assert frame["data"] is None and frame["data_id"] == data["data_id"]
    assert len(json.dumps(frame)) < len(json.dumps(data)) / 2  # a frame is mostly weights


def test_the_data_id_changes_with_the_points_only():
    a, b = _run(dataset="xor"), _run(dataset="xor")
    b.train(2)
    assert component.data_id(a) == component.data_id(b)
    assert component.data_id(_run(dataset="xor", seed=2)) != component.data_id(a)


def test_three_classes_give_a_softmax_output_and_a_3x3_matrix():
    run = _run(dataset="spiral3", hidden=(8,))
    data = component.payload(run, send_data=False, selected=None)
    assert data["net"]["output"] == "softmax" and data["classes"] == 3
    assert np.array(data["confusion"]).shape == (3, 3)
    assert sum(map(sum, data["confusion"])) == len(run.y_test)


def test_regression_sends_targets_and_no_accuracy():
    run = _run(dataset="wave")
    data = component.payload(run, send_data=True, selected=None)
    assert data["net"]["output"] == "linear" and data["classes"] == 0
    assert data["accuracy"] is None and data["confusion"] is None
    assert isinstance(data["data"]["train"][0][2], float)


def test_long_curves_are_thinned_and_keep_their_last_epoch():
    curves = core.Curves(list(range(5001)), [1.0] * 5001, [2.0] * 5001, [])
    sent = component.curve("now", curves)
    assert len(sent["epoch"]) <= component.CURVE_POINTS and sent["epoch"][-1] == 5000


def test_without_a_run_the_plane_and_its_points_are_drawn_alone():
    data = component.payload(
        None,
        send_data=True,
        selected=None,
        edit=True,
        empty=("own-3", {"train": [[1, 2, 0]], "test": []}),
        note="Add points",
    )
    assert data["net"] is None and data["edit"] and data["data"]["train"] == [[1, 2, 0]]


# -- own points -----------------------------------------------------------------------------


def test_a_csv_file_becomes_points_with_or_without_a_header():
    assert points.parse_csv(b"x1,x2,label\n1,2,0\n-3.5,4,3\n") == [(1.0, 2.0, 0), (-3.5, 4.0, 3)]
    assert points.parse_csv(b"\xef\xbb\xbf0,0,1\r\n\r\n6,-6,2\r\n") == [
        (0.0, 0.0, 1),
        (6.0, -6.0, 2),
    ]


@pytest.mark.parametrize(
    "text,message",
    [
        (b"", "the file has no points: one line per point, x1,x2,label"),
        (b"x1,x2,label\n1,2\n", "line 2: 2 values; expected 3 (x1,x2,label)"),
        (b"1,2,0\n1,abc,1\n", "line 2: x2 is not a number ('abc')"),
        (b"1,2,0\n7,0,1\n", "line 2: x1 = 7 is outside the plane (-6 to 6)"),
        (b"1,2,5\n", "line 1: label 5 must be 0, 1, 2 or 3"),
        (b"1,2,0.5\n", "line 1: label 0.5 must be 0, 1, 2 or 3"),
        (b"1,nan,0\n", "line 1: x2 must be a finite number, got 'nan'"),
        (b"\xff\xfe1\x00", "the file is not text (UTF-8): save it as CSV"),
    ],
)
def test_a_bad_csv_file_is_named_in_one_line(text, message):
    with pytest.raises(ValueError) as exc:
        points.parse_csv(text)
    assert str(exc.value) == message and "\n" not in str(exc.value)


def test_too_many_points_or_bytes_are_refused_with_the_limit():
    many = b"".join(b"1,1,0\n" for _ in range(points.MAX_POINTS + 1))
    with pytest.raises(ValueError, match="at most 1,000"):
        points.parse_csv(many)
    with pytest.raises(ValueError, match="at most 200,000"):
        points.parse_csv(b"1" * (points.MAX_CSV_BYTES + 1))


def test_few_points_go_in_a_link_and_come_back():
    pts = [(1.5, -2.0, 0), (3.0, 4.25, 3)]
    text = points.to_query(pts)
    assert text == "1.5,-2,0;3,4.25,3"
    assert points.from_query(text) == pts
    assert points.to_query([(0.0, 0.0, 1)] * (points.URL_POINTS + 1)) is None  # session only
    with pytest.raises(ValueError, match="point 1"):
        points.from_query("1,2")


def test_edits_add_a_checked_point_or_clear():
    start = [(0.0, 0.0, 1)]
    assert points.edit(start, {"op": "add", "x1": 1.234, "x2": -2, "label": 2}) == [
        (0.0, 0.0, 1),
        (1.234, -2.0, 2),
    ]
    assert points.edit(start, {"op": "clear"}) == []
    with pytest.raises(ValueError, match="outside the plane"):
        points.edit(start, {"op": "add", "x1": 9, "x2": 0, "label": 0})
