"""mlp_digits stays usable without a UI: NumPy, Pillow, the standard library and mlp_core."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "mlp_digits"
ALLOWED = {"numpy", "PIL", "mlp_core", "mlp_digits", "__future__"}
STDLIB = {"dataclasses", "io", "warnings", "math", "typing", "collections"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda p: p.name)
def test_no_streamlit_or_plotly_in_mlp_digits(path):
    assert _imports(path) <= ALLOWED | STDLIB, _imports(path) - ALLOWED - STDLIB
