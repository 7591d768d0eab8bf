"""Text people typed (names, titles, reasons), shown as plain text inside markdown."""

from __future__ import annotations

import re

_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
"""Every ASCII punctuation character: CommonMark lets a backslash escape any of them."""


def plain(text: str) -> str:
    """`text` for st.markdown (and st.info, st.error...) with no markup taking effect: no
    emphasis, links, HTML, LaTeX or emoji codes; line breaks become spaces."""
    return _PUNCTUATION.sub(r"\\\1", " ".join(str(text).split()))
