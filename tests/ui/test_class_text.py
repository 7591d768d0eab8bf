"""Typed text inside markdown stays text: no emphasis, link, HTML, LaTeX or emoji code."""

from __future__ import annotations

import pytest

from mlp_ui.class_text import plain


@pytest.mark.parametrize(
    "typed, shown",
    [
        ("**bold**", r"\*\*bold\*\*"),
        ("[x](http://evil)", r"\[x\]\(http\:\/\/evil\)"),
        ("<img src=x onerror=alert(1)>", r"\<img src\=x onerror\=alert\(1\)\>"),
        ("$x^2$ :smile:", r"\$x^2\$ \:smile\:".replace("^", r"\^")),
        ("two\nlines", "two lines"),
        ("Ada", "Ada"),
    ],
)
def test_plain_escapes_every_markup_character(typed: str, shown: str) -> None:
    assert plain(typed) == shown
