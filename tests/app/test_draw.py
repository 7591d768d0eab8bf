"""The Draw page in AppTest: the empty canvas, the upload path, and the model menu."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw
from streamlit.testing.v1 import AppTest

from mlp_core.network import MLP
from mlp_core.training import History
from mlp_ui import data as ui_data
from mlp_ui import draw_view as dv
from mlp_ui.state import Run
from tests.digits.drawing import draw

APP = Path(__file__).resolve().parents[2] / "app.py"
PAGE = "pages/draw.py"
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
        at.session_state["mlp_runs"] = {1: Run(1, "tiny", session_model, History())}
        at.session_state["mlp_current_run"] = 1
    if upload_tab:
        at.session_state["draw_source"] = UPLOAD_TAB
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _prediction(at: AppTest) -> str | None:
    return next((m.value for m in at.metric if m.label == "Prediction"), None)


@needs_default
def test_first_visit_shows_a_hint_not_a_guess():
    at = _open()
    assert at.title[0].value == "Draw"
    assert _prediction(at) is None
    assert "Draw a digit" in at.info[0].value
    assert not [s for s in at.selectbox if s.label == "Model"]  # only the default: no menu
    assert at.slider(key="draw_pen").value == dv.STROKE_DEFAULT
    (canvas,) = at.get("bidi_component")  # the drawable canvas, a components-v2 element
    assert canvas.proto.component_name.endswith("streamlit_drawable_canvas")


@needs_default
def test_uploaded_photo_of_ink_on_paper_is_classified():
    at = _open(upload_tab=True)
    assert "Upload a picture" in at.info[0].value
    at.file_uploader(key="draw_upload").set_value(("one.png", _paper_one(), "image/png")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert _prediction(at) == "1"
    assert any("sure" in c.value for c in at.caption)


@needs_default
def test_upload_that_is_not_a_picture_gets_a_clear_message():
    at = _open(upload_tab=True)
    at.file_uploader(key="draw_upload").set_value(("notes.png", b"hello", "image/png")).run()
    assert not at.exception
    assert "not a picture" in at.error[0].value
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


def test_percent_never_shows_a_misleading_zero():
    assert dv.percent(0.00001) == "<0.1%" and dv.percent(0.0) == "<0.1%"
    assert dv.percent(0.99999) == ">99.9%" and dv.percent(1.0) == ">99.9%"
    assert dv.percent(0.1234) == "12.3%"
