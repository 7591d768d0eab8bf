"""Our frame slider for the animations (mlp_ui.animation.frame_slider): a labelled native
range input, its frame named beside it, larger on the projector."""

from __future__ import annotations

from mlp_ui.animation import frame_slider


def test_the_slider_is_a_labelled_range_input_with_its_frame_named():
    html = frame_slider("toy_lr_chart")
    assert '<label for="toy_lr_chart_frame">Frame</label>' in html
    assert '<input type="range" id="toy_lr_chart_frame"' in html
    assert '<output id="toy_lr_chart_frame_out" for="toy_lr_chart_frame"' in html
    assert "'.st-key-toy_lr_chart'" not in html and '".st-key-toy_lr_chart"' in html  # JSON
    assert "font-size: 1rem" in html and "font-size: 1.6rem" in frame_slider("k", big=True)
