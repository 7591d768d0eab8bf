"""The Draw page in AppTest: the empty canvas, the upload path, and the model menu."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw
from streamlit.testing.v1 import AppTest

from mlp_core.history import History
from mlp_core.network import MLP
from mlp_ui import data as ui_data
from mlp_ui import draw_view as dv
from mlp_ui import state
from mlp_ui.state import Run
from tests.digits.drawing import draw

APP = Path(__file__).resolve().parents[2] / "app.py"
PAGE = "views/draw.py"
UPLOAD_TAB = "Upload a picture"

needs_default = pytest.mark.skipif(
    not (Path(APP).parent / "assets" / "default_model.npz").exists(),
    reason="assets/default_model.npz is missing",
)


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _paper_one() -> bytes:
    """A photo-like '1': dark ink on light paper."""
    image = Image.new("L", (300, 400), 225)
    ImageDraw.Draw(image).line([(150, 60), (150, 340)], fill=30, width=24)
    return _png(image)


def _open(session_model: MLP | None = None, upload_tab: bool = False) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    if session_model is not None:
        at.session_state[state.RUNS_KEY] = {1: Run(1, "tiny", session_model, History())}
        at.session_state[state.CURRENT_KEY] = 1
    if upload_tab:
        at.session_state[dv.SOURCE_KEY] = UPLOAD_TAB
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _prediction(at: AppTest) -> str | None:
    """The digit in our answer's HTML (mlp_ui.draw_view.answer_html), if one is shown."""
    digit = re.compile(rf'class="{dv.ANSWER_CLASS}-digit">(\d)<')
    found = [m.group(1) for h in at.get("html") if (m := digit.search(h.proto.body))]
    return found[0] if found else None


@needs_default
def test_first_visit_shows_a_hint_not_a_guess():
    at = _open()
    assert at.title[0].value == "Draw"
    assert _prediction(at) is None
    assert "Draw a digit" in at.info[0].value
    assert not [s for s in at.selectbox if s.label == "Model"]  # only the default: no menu
    assert at.slider(key="draw_pen").value == dv.STROKE_DEFAULT
    # our drawing pad, a components-v2 element (beside the identity cookie's, mlp_ui.saved)
    (canvas,) = [
        c for c in at.get("bidi_component") if c.proto.component_name == "mlp_lab_draw_canvas"
    ]
    assert json.loads(canvas.proto.json)["pen"] == dv.STROKE_DEFAULT


@needs_default
def test_uploaded_photo_of_ink_on_paper_is_classified():
    at = _open(upload_tab=True)
    assert "Upload a picture" in at.info[0].value
    at.file_uploader(key="draw_upload").set_value(("one.png", _paper_one(), "image/png")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert _prediction(at) == "1"
    assert any("sure.</strong><br>Runner-up" in h.proto.body for h in at.get("html"))


def _bomb() -> bytes:
    """400 megapixels in 49 kB: more than Pillow itself will open."""
    return _png(Image.new("1", (20000, 20000)))


def _gif() -> bytes:
    buffer = io.BytesIO()
    Image.open(io.BytesIO(_paper_one())).save(buffer, format="GIF")
    return buffer.getvalue()


BAD_UPLOADS = {  # file name, its bytes -> the words the page must show
    "notes.png": (b"hello", "notes.png is not a PNG or JPEG image"),
    "white.png": (_png(Image.new("L", (300, 300), 255)), "all one colour (white): no digit"),
    "black.png": (_png(Image.new("RGB", (300, 300))), "all one colour (black): no digit"),
    "pixel.png": (_png(Image.new("L", (1, 1))), "too small: 1x1 pixels, at least 8x8"),
    "bomb.png": (_bomb(), "too large: 20000 x 20000 pixels (400 megapixels), at most 40"),
    "half.png": (_paper_one()[:40], "cut short: the PNG file is incomplete"),
    "empty.png": (b"", "empty.png is empty (0 bytes)"),
    "huge.png": (b"\x89PNG\r\n\x1a\n" + bytes(11 * 10**6), "too large: 11.0 MB, at most 10 MB"),
    "layer.png": (_png(Image.new("RGBA", (99, 99), (0, 0, 0, 0))), "all one colour (transparent)"),
    "gif.png": (_gif(), "gif.png is a GIF image; this page reads PNG and JPEG only"),
}


@needs_default
@pytest.mark.parametrize("name", sorted(BAD_UPLOADS))
def test_bad_upload_says_what_is_wrong(name):
    data, words = BAD_UPLOADS[name]
    at = _open(upload_tab=True)
    hint = at.info[0].value
    at.file_uploader(key="draw_upload").set_value((name, data, "image/png")).run()
    assert not at.exception, [e.value for e in at.exception]
    (error,) = at.error
    assert words in error.value and "\n" not in error.value
    assert "damaged" not in error.value and "not a picture" not in error.value
    assert error.value != hint and not at.info  # the message replaces the hint
    assert _prediction(at) is None


@needs_default
def test_clear_button_gives_a_new_empty_canvas():
    at = _open()
    before = at.session_state[dv.CANVAS_GEN]
    next(b for b in at.button if b.label == "Clear").click().run()
    assert at.session_state[dv.CANVAS_GEN] == before + 1
    assert _prediction(at) is None


def test_session_model_gets_a_menu_next_to_the_default():
    model = MLP.create((784, 16, 10), seed=3)
    at = _open(model, upload_tab=True)
    if ui_data.default_model() is not None:
        menu = at.selectbox(key="draw_model")
        assert menu.value.startswith("Your model") and len(menu.options) == 2
    at.file_uploader(key="draw_upload").set_value(("one.png", _paper_one(), "image/png")).run()
    assert _prediction(at) is not None  # an untrained net still answers something


def test_analyse_is_pure_and_says_none_for_a_blank_picture():
    model = MLP.create((784, 16, 8, 10), seed=0)
    assert dv.analyse(np.zeros((280, 280)), model, "pm1") is None
    assert dv.analyse(None, model, "pm1") is None
    grey = dv.canvas_grey(draw("seven", 40, 40, 200, 20))
    answer = dv.analyse(grey, model, "pm1")
    assert answer.digit.image.shape == (28, 28)
    assert answer.proba.shape == (10,) and answer.proba.sum() == pytest.approx(1, abs=1e-5)
    assert [a.shape for a in answer.hidden] == [(16,), (8,)]
    assert answer.runner_up[0] != answer.predicted
    assert "Layer 2" in dv.hidden_notes(answer)


@pytest.mark.parametrize("pen", [8, dv.STROKE_DEFAULT, 40])
def test_a_dot_on_the_canvas_is_too_small_to_read(pen):
    dab = Image.new("RGBA", (dv.CANVAS_PX, dv.CANVAS_PX), (0, 0, 0, 255))  # pen down, up
    ImageDraw.Draw(dab).ellipse([140, 140, 140 + pen, 140 + pen], fill=(255, 255, 255, 255))
    message = dv.dot_message(dv.canvas_grey(np.asarray(dab)), pen)
    assert message.startswith(f"That is only a dot ({pen + 1}x{pen + 1} pixels)")
    assert f"at least {2 * pen} pixels" in message
    assert dv.dot_message(dv.canvas_grey(draw("seven", 40, 40, 200, pen)), pen) is None
    assert dv.dot_message(np.zeros((280, 280), np.float32), pen) is None  # blank: the hint
    assert dv.dot_message(None, pen) is None


def test_percent_never_shows_a_misleading_zero():
    assert dv.percent(0.00001) == "<0.1%" and dv.percent(0.0) == "<0.1%"
    assert dv.percent(0.99999) == ">99.9%" and dv.percent(1.0) == ">99.9%"
    assert dv.percent(0.1234) == "12.3%"


# -- "Try this" and projector mode ---------------------------------------------------------
def _open_projector() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["projector"] = "1"  # a teacher's link
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _styles(at: AppTest) -> str:
    return " ".join(e.proto.body for e in at.get("html"))


@needs_default
def test_projector_mode_from_the_url_makes_the_prediction_huge():
    at = _open_projector()
    assert at.sidebar.toggle(key="projector_switch").value is True
    next(b for b in at.button if b.label == "A 7 with a bar").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert _prediction(at) is not None
    assert f"font-size: {dv.ANSWER_PX[True]}px" in _styles(at) and dv.ANSWER_PX[True] >= 120
    assert dv.ANSWER_PX[False] >= 80


@needs_default
@pytest.mark.parametrize("label, name, pen", [("Very thin pen", "thin one", 8),
                                              ("Tiny, in a corner", "corner three", 10),
                                              ("A 7 with a bar", "barred seven", 20)])  # fmt: skip
def test_try_this_puts_a_stored_drawing_on_a_fresh_canvas(label, name, pen):
    at = _open()
    before = at.session_state[dv.CANVAS_GEN]
    next(b for b in at.button if b.label == label).click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state[dv.EXAMPLE_KEY] == name
    assert at.slider(key=dv.PEN_KEY).value == pen  # the pen the drawing was made with
    assert at.session_state[dv.CANVAS_GEN] == before + 1  # a new canvas shows the strokes
    assert _prediction(at) is not None  # read before the canvas sends anything back
    assert "Look for:" in at.info[0].value and "Why:" in at.info[0].value
    next(b for b in at.button if b.label == "Clear").click().run()
    assert dv.EXAMPLE_KEY not in at.session_state and _prediction(at) is None


@needs_default
def test_the_corner_three_is_read_as_a_three_like_a_centred_one():
    """What the 'Tiny, in a corner' experiment says: preprocessing centres the digit."""
    from mlp_core.config import scaling_of
    from mlp_ui import draw_examples as de

    saved = ui_data.default_model()
    scaling = scaling_of(saved.config)
    corner = dv.analyse(dv.canvas_grey(de.rasterise(de.EXAMPLES["corner three"])),
                        saved.model, scaling)  # fmt: skip
    centred = dv.analyse(dv.canvas_grey(de.rasterise(de.Example((de.THREE,), 20))),
                         saved.model, scaling)  # fmt: skip
    assert corner.predicted == centred.predicted == 3
    ink = dv.canvas_grey(de.rasterise(de.EXAMPLES["corner three"])) > 0
    rows, cols = np.nonzero(ink)
    assert rows.max() < 140 and cols.max() < 140  # drawn in the top-left quarter
    assert corner.digit.image.shape == (28, 28)
    r, c = np.nonzero(corner.digit.image > 0)
    assert 10 <= r.mean() <= 18 and 10 <= c.mean() <= 18  # ... and seen in the middle


def test_stored_drawings_become_canvas_paths_at_their_own_place():
    from mlp_ui import draw_examples as de

    example = de.EXAMPLES["barred seven"]
    drawing = de.fabric_drawing(example)
    assert len(drawing["objects"]) == len(example.strokes)
    first = drawing["objects"][0]
    assert first["type"] == "Path" and first["strokeWidth"] == example.pen
    assert first["path"][0] == ["M", *example.strokes[0][0]]
    rgba = de.rasterise(example)
    assert rgba.shape == (dv.CANVAS_PX, dv.CANVAS_PX, 4) and rgba.dtype == np.uint8
    x, y = (round(v) for v in example.strokes[0][0])
    assert rgba[y, x, 0] == 255 and rgba[5, 5, 0] == 0  # ink on the stroke, black elsewhere


def test_the_pads_picture_is_read_as_the_canvas_picture_was():
    """A PNG data URL, as the pad sends at a pen lift, gives back its pixels exactly."""
    rgba = draw("seven", 40, 40, 200, 20)
    assert (dv.pad_pixels({"data": dv.png_data_uri(rgba)}) == rgba).all()
    assert dv.pad_pixels(None) is None and dv.pad_pixels({"data": "nonsense"}) is None
