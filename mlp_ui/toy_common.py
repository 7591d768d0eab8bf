"""Shared helpers of the toy figures: symlog axes and play/pause animation controls."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def symlog(values: np.ndarray) -> np.ndarray:
    """Signed log: sign(v) * log10(1 + |v|). Linear near 0, logarithmic for large |v|."""
    v = np.asarray(values, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return np.sign(v) * np.log10(1 + np.abs(v))


def symlog_inverse(values: np.ndarray) -> np.ndarray:
    """Inverse of ``symlog``."""
    v = np.asarray(values, dtype=np.float64)
    return np.sign(v) * (10 ** np.abs(v) - 1)


def symlog_ticks(lo: float, hi: float) -> tuple[list[float], list[str]]:
    """Tick positions (in symlog units) and labels 0, ±10, ±1e3, ... covering [lo, hi]."""
    top = int(np.floor(max(abs(lo), abs(hi), 1.0)))  # largest decade inside the range
    step = max(1, -(-top // 3))  # at most 3 ticks each side of 0
    values = [0.0]
    for k in range(top, 0, -step):
        values += [10.0**k, -(10.0**k)]
    ticks = sorted(v for v in values if lo <= symlog(v) <= hi)
    return [float(symlog(v)) for v in ticks], [_power_label(v) for v in ticks]


def _power_label(v: float) -> str:
    """0, 10, 100, 1e3 ... with a proper minus sign."""
    if v == 0:
        return "0"
    k = int(round(np.log10(abs(v))))
    text = f"{abs(v):.0f}" if k <= 2 else f"1e{k}"
    return ("\u2212" if v < 0 else "") + text


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


def play_controls(
    labels: Sequence[str],
    names: Sequence[str],
    duration: int,
    redraw: bool,
    y: float,
    from_start: bool = False,
):
    """A play/pause menu and a slider driving frames ``names``, at height y (paper units).

    Play resumes from the current frame, or replays from the first with ``from_start``.
    The slider's current-value label ("Epoch 12") sits at its right end, clear of the
    buttons.
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
            dict(label="\u25b6 Play", method="animate", args=[None, play]),
            dict(label="\u275a\u275a Pause", method="animate", args=[[None], pause]),
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
        x=0.16,
        len=0.84,
        y=y,
        yanchor="top",
        pad={"t": 8},
        currentvalue={"prefix": "Epoch ", "font": {"size": 14}, "xanchor": "right"},
    )
    return [menu], [slider]
