"""The Draw page's logic: from a drawing or an uploaded picture to the network's answer.

`analyse` is pure (no Streamlit): picture in, what the network sees and says out. The
rest wraps the canvas and the uploader so the page stays a list of calls.
"""

from __future__ import annotations

import base64
import io
import zlib
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import streamlit as st
from PIL import Image

from mlp_core.network import MLP
from mlp_digits import (
    MAX_BYTES,
    Digit,
    ImageFileError,
    ink_too_small,
    mnist_like,
    read_image,
    to_grayscale,
)
from mlp_ui import classroom, draw_examples

CANVAS_PX = 280
"""Side of the drawing canvas: ten canvas pixels per MNIST pixel."""
SHOWN_PX = (CANVAS_PX, 440)
"""The pad's size on the page in CSS pixels: normal mode, projector mode (seen from the
back of a room; the picture stays CANVAS_PX square and the pen width scales with it)."""
STROKE_DEFAULT = 20
"""Default pen width. After scaling into the 20x20 box a stroke is about 2 pixels wide,
like MNIST's pen strokes."""
CANVAS_KEY, CANVAS_GEN = "draw_canvas", "draw_canvas_generation"
UPLOAD_MB = 2 * MAX_BYTES // 10**6
"""The uploader's own limit. Streamlit refuses a larger file, or one of a type listed
in `type=`, with a red icon whose reason shows only on hover; so it takes any type and
twice MAX_BYTES, and `read_image` says what is wrong in words on the page."""


@dataclass(frozen=True)
class Answer:
    """What the network makes of one picture.

    digit: the 28x28 image it receives (and where the ink was found); proba (k,) the
    output probabilities; hidden: one (units,) array per hidden layer.
    """

    digit: Digit
    proba: np.ndarray
    hidden: list[np.ndarray]

    @property
    def predicted(self) -> int:
        return int(np.argmax(self.proba))

    @property
    def confidence(self) -> float:
        return float(self.proba[self.predicted])

    @property
    def runner_up(self) -> tuple[int, float]:
        second = int(np.argsort(self.proba)[-2])
        return second, float(self.proba[second])


@dataclass(frozen=True)
class Picture:
    """What the person gave: grey levels (H, W), ink bright, or None; and, when a picture
    was given but cannot be read, why (a one-line message for the page to show)."""

    grey: np.ndarray | None = None
    problem: str | None = None


def analyse(grey: np.ndarray | None, model: MLP, scaling: str) -> Answer | None:
    """A picture (H, W), ink bright, 0..255 -> the network's answer; None if it is blank."""
    digit = mnist_like(grey) if grey is not None else None
    if digit is None:
        return None
    A = model.forward(digit.model_input(scaling).astype(model.dtype, copy=False))
    return Answer(digit, A[-1][0], [a[0] for a in A[1:-1]])


def dot_message(grey: np.ndarray | None, pen: int) -> str | None:
    """What to say when the drawing (H, W) is only a dot: its ink spans less than two pen
    widths, too little to have a digit's shape (a single dab is one pen width across).
    None for a blank canvas or a drawing large enough to read."""
    small = ink_too_small(grey, 2 * pen) if grey is not None else None
    if small is None:
        return None
    return (
        f"That is only a dot ({small[1]}x{small[0]} pixels): write the digit larger, "
        f"at least {2 * pen} pixels tall or wide (twice the pen width)."
    )


def canvas_grey(rgba: np.ndarray | None) -> np.ndarray | None:
    """The canvas's RGBA pixels (H, W, 4) -> grey levels, ink bright (transparent = black)."""
    return None if rgba is None else to_grayscale(rgba, background="dark")


def percent(p: float) -> str:
    """A probability for people: one decimal, never a misleading 0.0% or 100.0%."""
    if p < 0.0005:
        return "<0.1%"
    return ">99.9%" if p > 0.9995 else f"{p:.1%}"


def hidden_notes(answer: Answer) -> str:
    """A few sentences (Markdown) on the hidden layers' activations for this picture."""
    lines = [
        "Each square is one hidden unit; its colour is how strongly this picture switches "
        "it on. The output layer weighs these activations to score each digit."
    ]
    for l, a in enumerate(answer.hidden, start=1):
        active = int(np.count_nonzero(a > 1e-6))
        top = ", ".join(str(u) for u in np.argsort(a)[::-1][:3])
        lines.append(
            f"- Layer {l}: {active} of {a.size} units above zero; the strongest are units {top}."
        )
    return "\n".join(lines)


WHY_INPUT = """
The network was trained on MNIST digits, and it only knows their format: 28x28 grey
pixels, the digit shrunk into a 20x20 box (keeping its shape) and placed so that its
centre of mass sits at the centre of the square. So your drawing goes through the same
steps before the network sees it: crop to the ink, shrink into 20x20, centre in 28x28.

The network itself has no idea of "shape" or "position": each of the 784 pixels is one
input with its own weights. A digit drawn in another place or size, without these steps,
would light up pixels whose weights never saw ink in training.
"""


# -- Streamlit side -------------------------------------------------------------------
EXAMPLE_KEY = "draw_example"
"""Session key: the name of the stored drawing on the canvas, if a "Try this" put one."""
SOURCE_KEY = "draw_source"  # the page's Draw / Upload a picture switch
PAD_JS = Path(__file__).parent / "components" / "playground" / "dist" / "draw_canvas.js"
"""Our drawing pad (source: components/playground/frontend/src/draw_canvas.ts). It sends
the picture at every pen lift, at once: streamlit-drawable-canvas 0.13 waited 200 ms
after each stroke before sending it."""
# The leading comment line keeps the one-line bundle from looking like a file path to
# Streamlit (a string with a newline is inline code).
_pad = st.components.v2.component(
    "mlp_lab_draw_canvas",
    html="",
    js="// MLP Lab's drawing pad\n" + PAD_JS.read_text(encoding="utf-8"),
    isolate_styles=True,
)


def png_data_uri(rgba: np.ndarray) -> str:
    """RGBA pixels (H, W, 4) uint8 as a PNG data URL, as the pad sends its picture."""
    buffer = io.BytesIO()
    Image.fromarray(rgba).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def pad_pixels(drawing: dict | None) -> np.ndarray | None:
    """The pad's state value {'data': PNG data URL} -> RGBA pixels (H, W, 4), or None."""
    url = (drawing or {}).get("data")
    if not url or ";base64," not in url:
        return None
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(";base64,", 1)[1]))))


def canvas(stroke_width: int, big: bool = False) -> Picture:
    """Draw the pad (white pen on black), larger on the page in projector mode (`big`);
    the drawing, or why it cannot be read."""
    generation = st.session_state.setdefault(CANVAS_GEN, 0)
    example = draw_examples.EXAMPLES.get(st.session_state.get(EXAMPLE_KEY))
    start = draw_examples.rasterise(example, CANVAS_PX) if example else None
    key = f"{CANVAS_KEY}_{generation}"  # Clear: a new key, a new empty pad
    result = _pad(
        key=key,
        data={
            "size": CANVAS_PX,
            "shown": SHOWN_PX[big],
            "pen": stroke_width,
            "image": None if start is None else png_data_uri(start),
            "label": "Drawing pad: draw one digit with the mouse, a finger or a pen",
            "answered": _answered(key),
        },
        width=SHOWN_PX[big],
        on_drawing_change=_noop,
    )
    rgba = pad_pixels(result.get("drawing") if result is not None else None)
    if rgba is None:
        rgba = start  # shown, but not sent until a new stroke
    grey = canvas_grey(rgba)
    message = dot_message(grey, stroke_width)
    return Picture(None, message) if message else Picture(grey)


def _answered(key: str) -> int:
    """Names the picture this run answers (0: none yet). The pad sends no new picture
    while the pen moves until this changes: one picture in flight at a time, so the
    answer at the lift never waits behind answers to pictures already drawn over."""
    state = st.session_state.get(key) or {}
    url = (state.get("drawing") or {}).get("data") or ""
    return zlib.crc32(url.encode()) if url else 0


def _noop() -> None:
    """The pad's state is read from its result; the callback only declares `drawing`."""


def clear_canvas() -> None:
    """Callback of the Clear button: a new canvas key gives an empty canvas."""
    st.session_state.pop(EXAMPLE_KEY, None)
    st.session_state[CANVAS_GEN] = st.session_state.get(CANVAS_GEN, 0) + 1


def show_example(name: str) -> None:
    """A "Try this" action: a fresh canvas with the stored drawing `name` on it."""
    clear_canvas()
    st.session_state[EXAMPLE_KEY] = name


def uploaded_picture() -> Picture:
    """The uploader; the picture (ink bright), or why it cannot be read."""
    upload = st.file_uploader(
        "A picture of one digit (PNG or JPEG). Dark ink on light paper is fine: it is "
        "inverted automatically.",
        key="draw_upload",
        max_upload_size=UPLOAD_MB,
    )
    if upload is None:
        return Picture()
    try:
        return Picture(read_image(upload.getvalue(), upload.name))
    except ImageFileError as exc:
        return Picture(None, str(exc))


# -- the answer, big enough for the back of a room ------------------------------------------
ANSWER_KEY = "draw_prediction"
ANSWER_PX = {False: 84, True: 150}
"""Font size of the predicted digit: normal mode, projector mode (at least 120 px)."""
CONFIDENCE_PX = {False: 20, True: 28}
ANSWER_CLASS = "mlp-answer"


def answer_css(big: bool) -> str:
    """CSS for our answer's HTML (classes of ours only: divs, so projector mode's rules
    for paragraphs leave it alone)."""
    a = ANSWER_CLASS
    return f"""
.{a} {{ color: #000; line-height: 1.3; }}
.{a}-label {{ font-size: 1rem; color: #111; }}
.{a}-digit {{ font-size: {ANSWER_PX[big]}px; font-weight: 700; line-height: 1; margin: 0.1em 0; }}
.{a}-sure {{ font-size: {CONFIDENCE_PX[big]}px; color: #111; }}
"""


def answer_html(answer: Answer) -> str:
    """The predicted digit, very large; under it how sure, and the runner-up. One block
    a screen reader reads as a sentence ("Prediction: 7, 98.1% sure; runner-up ...")."""
    second, p2 = answer.runner_up
    a, sure = ANSWER_CLASS, percent(answer.confidence)
    return (
        f'<div class="{a}" role="status">'
        f'<div class="{a}-label">Prediction</div>'
        f'<div class="{a}-digit">{answer.predicted}</div>'
        f'<div class="{a}-sure"><strong>{sure} sure.</strong><br>'
        f"Runner-up: <strong>{second}</strong> ({percent(p2)}).</div></div>"
    )


def show_answer(answer: Answer, model_label: str, big: bool) -> None:
    """The answer as our own HTML (not a restyled st.metric: its look is Streamlit's)."""
    st.html(f"<style>{answer_css(big)}</style>")
    st.container(key=ANSWER_KEY).html(answer_html(answer))
    st.markdown(f"Model: {model_label}.")


# -- "Try this" ----------------------------------------------------------------------------
PEN_KEY = "draw_pen"


def experiments() -> list[classroom.Experiment]:
    """The Draw page's experiments: each puts a stored drawing on a fresh canvas."""
    return [
        classroom.Experiment(
            "A 7 with a bar",
            "Does the bar across the middle change the answer? Watch how sure it is of the "
            "7, and the runner-up.",
            "The network does not look for strokes: each pixel adds its weight to every "
            "digit's score. The bar is a little extra ink in the middle; the top line and "
            "the long diagonal, which most 7s share, still push the 7's score up most.",
            {PEN_KEY: 20},
            partial(show_example, "barred seven"),
        ),
        classroom.Experiment(
            "Tiny, in a corner",
            "'What the network sees': the tiny 3 fills the middle of the 28x28 square, "
            "as a big centred 3 would, and the answer is the same.",
            "Before the network sees it, a drawing is cropped to its ink, shrunk into a "
            "20x20 box and centred by its centre of mass, as MNIST's digits were. The "
            "network itself cannot shift anything: every pixel has its own weights.",
            {PEN_KEY: 10},
            partial(show_example, "corner three"),
        ),
        classroom.Experiment(
            "Very thin pen",
            "Faint strokes in the 28x28 image, and a much less sure answer (maybe a wrong "
            "one). Then set the pen to 20, press Clear and draw the same 1.",
            "Shrinking a 200-pixel drawing into 20 pixels makes an 8-pixel line less than "
            "one pixel wide: a few grey pixels, where MNIST's strokes are about 2 pixels of "
            "full ink. Faint pixels add little to any digit's score.",
            {PEN_KEY: 8},
            partial(show_example, "thin one"),
        ),
    ]
