"""The Train page's curves grow while an epoch trains, in Debian's Chromium against
`streamlit run`: the loss curve gains points at fractional epochs frame after frame."""

from __future__ import annotations

import time

from tests.e2e.conftest import screenshot, wait_for_app
from tests.waiting import wait_until

CURVE_JS = """() => {
  const chart = document.querySelectorAll('.js-plotly-plot')[0];
  return chart && chart.data && chart.data.length ? Array.from(chart.data[0].x) : [];
}"""
"""The x values (epochs) of the loss curve, the first trace of the page's first chart."""


def _button(pg, key: str):
    return pg.locator(f".st-key-{key}").get_by_role("button")


def test_the_loss_curve_grows_at_fractional_epochs_while_it_trains(app_url, page):
    page.goto(f"{app_url}/train?epochs=1000")  # minutes of training: Stop comes first
    wait_for_app(page)
    page.get_by_text("No run yet").wait_for()
    assert page.evaluate(CURVE_JS) == []
    _button(page, "train_start").click()
    started, frames = time.monotonic(), []  # (seconds since the click, x values)

    def four_frames() -> bool:
        """the curve is drawn four times, each with more points"""
        x = page.evaluate(CURVE_JS)
        if x and (not frames or len(x) != len(frames[-1][1])):
            frames.append((round(time.monotonic() - started, 2), x))
        return len(frames) >= 4

    wait_until(four_frames, 60)
    print("frames (s after Start, points):", [(t, len(x)) for t, x in frames])
    counts = [len(x) for _, x in frames]
    assert counts == sorted(counts), "points never disappear while a run trains"
    last = frames[-1][1]
    assert last == sorted(last) and len(set(last)) == len(last)
    assert any(v != int(v) for v in last), f"no point between two epochs: {last}"
    screenshot(page, "train_live_growing")
    _button(page, "train_stop").click()
    page.get_by_text("Stopped by you at epoch").first.wait_for(timeout=10_000)
