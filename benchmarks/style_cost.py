"""What styling a chart for the screen costs, with plotly's checks (public) and without
(`go.Figure(spec, _validate=False)`, private, as mlp_ui used until December 2026).

    PYTHONPATH=. python benchmarks/style_cost.py

Prints milliseconds per figure (best of 5). Say the load average next to the figures.
"""

import time

import plotly.graph_objects as go

from mlp_core import toys
from mlp_core.training import EpochStats, History
from mlp_ui import figures, screen_style
from mlp_ui.lr_toy import lr_toy_figure
from mlp_ui.toy_common import frame_epochs


def hist(n):
    h = History(
        [EpochStats(i, 2.3 / i, 0.8 + i / 100, 0.78 + i / 120, 0.3) for i in range(1, n + 1)],
        "running",
        "",
        None,
    )
    return h


def t(fn, n=20):
    fn()
    best = []
    for _ in range(5):
        s = time.perf_counter()
        for _ in range(n):
            fn()
        best.append((time.perf_counter() - s) / n)
    return min(best) * 1e3


H = [(f"#{i}", hist(10)) for i in range(2)]
C = ["#111", "#222"]


def old():  # builder, then style through go.Figure(spec, _validate=False)
    f = figures.training_curves(H, C, 10, True, False)
    return go.Figure(screen_spec(f.to_dict(), False), _validate=False)


screen_spec = screen_style.screen_spec


def public_style():
    return screen_style.style(figures.training_curves(H, C, 10, True, False), False)


def built_styled():
    return figures.training_curves(H, C, 10, True, False, styled=True)


print("Train page redraw, curves of 2 runs x 10 epochs:")
print(f"  before: builder + style with _validate=False: {t(old):.1f} ms")
print(f"  builder + public style (validated twice):    {t(public_style):.1f} ms")
print(f"  after: builder styles its dict, validated once: {t(built_styled):.1f} ms")
VIEW = "bowl"
runs = [toys.lr_toy(lr, 200, "exact") for lr in (0.01, 0.1, 0.5, 1.0)]
frames = frame_epochs(200, n=150, spacing="log")
fig = lr_toy_figure(runs, frames, True, VIEW, False)
print("Learning-rate toy animation (4 rates, 150 frames), styling once per cache miss:")
unchecked = t(lambda: go.Figure(screen_spec(fig.to_dict(), False), _validate=False), 3)
print(f"  _validate=False: {unchecked:.0f} ms")
print(f"  public style:    {t(lambda: screen_style.style(fig, False), 3):.0f} ms")
print(f"  building it:     {t(lambda: lr_toy_figure(runs, frames, True, VIEW, False), 3):.0f} ms")
