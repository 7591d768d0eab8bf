"""Shared helpers of the toy figures: plain tick labels and play/pause animation controls."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

SUPERSCRIPT = str.maketrans(
    "-0123456789", "\u207b\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079"
)


def plain_number(v: float) -> str:
    """A tick label a student reads: 0.001, 0.5, 3, 12,755, 1,000,000 (never 1k, 1m, 100u)."""
    if v == 0:
        return "0"
    if abs(v) >= 1:
        return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}".rstrip("0").rstrip(".")
    return f"{v:.6f}".rstrip("0")


def decade_label(k: int) -> str:
    """10**k written plainly: a decimal from 0.001 to 1,000,000, else 10 with a superscript."""
    if -3 <= k <= 6:
        return plain_number(10.0**k)
    return "10" + str(k).translate(SUPERSCRIPT)


def log_ticks(lo: float, hi: float, most: int = 6) -> dict:
    """Tick values and plain labels for a log axis whose range is [lo, hi] in decades."""
    first, last = int(np.ceil(lo)), int(np.floor(hi))
    step = max(1, -(-(last - first + 1) // most))
    ks = list(range(first, last + 1, step)) or [first]
    return {
        "tickmode": "array",
        "tickvals": [10.0**k for k in ks],
        "ticktext": [decade_label(k) for k in ks],
    }


def log_range(values: Sequence[float | None], pad: float = 0.3) -> list[float]:
    """A log axis range (in decades) holding every finite positive value, `pad` decades
    either side; [-1, 1] when there is none."""
    v = np.array([x for x in values if x is not None], dtype=np.float64)
    v = v[np.isfinite(v) & (v > 0)]
    if v.size == 0:
        return [-1.0, 1.0]
    return [float(np.log10(v.min()) - pad), float(np.log10(v.max()) + pad)]


def frame_epochs(epochs: int, n: int = 150, spacing: str = "log") -> np.ndarray:
    """Which epochs (1-based) become animation frames: at most n of them, always 1 and last.

    ``"log"`` keeps every early epoch (where lr = 0.1 oscillates) and thins out later;
    ``"uniform"`` spreads them evenly.
    """
    if spacing not in ("log", "uniform"):
        raise ValueError(f"spacing must be 'log' or 'uniform', got {spacing!r}")
    if epochs <= n:
        return np.arange(1, epochs + 1)
    grid = np.geomspace(1, epochs, n) if spacing == "log" else np.linspace(1, epochs, n)
    return np.unique(np.round(grid).astype(int))


PLAY, PAUSE, REPLAY = "\u25b6 Play", "\u275a\u275a Pause", "\u21ba Replay"
"""The labels of the animation menu's buttons (mlp_ui.animation presses them by label)."""


def play_controls(
    labels: Sequence[str],
    names: Sequence[str],
    duration: int,
    redraw: bool,
    y: float,
    from_start: bool = False,
    size: int | None = None,
    menu_hidden: bool = False,
):
    """A play/pause menu and a slider driving frames ``names``, at height y (paper units).

    Play resumes from the current frame, or replays from the first with ``from_start``.
    The slider's current-value label ("Epoch 12") sits at its right end, clear of the
    buttons. ``size``: the buttons' and label's text in px, for buttons a room can read
    (the slider then starts further right, after the bigger buttons). ``menu_hidden``: the
    page hides the menu and presses it with buttons of its own (mlp_ui.animation), so the
    slider takes the whole width. The menu also holds a Replay (from the first frame).
    """
    play = {
        "frame": {"duration": duration, "redraw": redraw},
        "fromcurrent": not from_start,
        "transition": {"duration": 0},
        "mode": "immediate",
    }
    pause = {
        "frame": {"duration": 0, "redraw": False},
        "mode": "immediate",
        "transition": {"duration": 0},
    }
    menu = dict(
        type="buttons",
        direction="left",
        x=0.0,
        y=y,
        xanchor="left",
        yanchor="top",
        pad={"r": 8, "t": 8},
        showactive=False,
        buttons=[
            dict(label=PLAY, method="animate", args=[None, play]),
            dict(label=PAUSE, method="animate", args=[[None], pause]),
            dict(label=REPLAY, method="animate", args=[None, {**play, "fromcurrent": False}]),
        ],
    )
    steps = [
        dict(
            label=lab,
            method="animate",
            args=[
                [name],
                {
                    "frame": {"duration": 0, "redraw": redraw},
                    "mode": "immediate",
                    "transition": {"duration": 0},
                },
            ],
        )
        for lab, name in zip(labels, names, strict=True)
    ]
    slider = dict(
        active=0,
        steps=steps,
        x=0.0085 * size if size else 0.16,
        len=1 - 0.0085 * size if size else 0.84,
        y=y,
        yanchor="top",
        pad={"t": 8},
        currentvalue={"prefix": "Epoch ", "font": {"size": size or 14}, "xanchor": "right"},
    )
    if menu_hidden:  # not drawn (no room kept for them): the page's own controls use them
        slider.update(x=0.0, len=1.0, visible=False)
        menu.update(visible=False)
    if size:
        menu.update(font={"size": size, "color": "#111111"}, bgcolor="#e8eaf0")
        menu.update(bordercolor="#555555", pad={"r": 12, "t": 8})
        slider["font"] = {"size": size - 6}
    return [menu], [slider]
