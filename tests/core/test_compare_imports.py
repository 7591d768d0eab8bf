"""mlp_compare stays pure: no Streamlit or plotly, and PyTorch only inside functions.

So the page's conversions and runs are testable without a Streamlit runtime, and the
app works without PyTorch (it is optional). Same AST walk as the mlp_core import guard.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.core.test_import_guard import _imports

PACKAGE = Path(__file__).resolve().parents[2] / "mlp_compare"
FILES = sorted(PACKAGE.glob("*.py"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_no_ui_and_no_torch_at_module_level(path):
    import ast

    found = _imports(ast.parse(path.read_text()))
    assert not [f for f in found if f[0] in ("streamlit", "plotly")]
    assert not [f for f in found if f[0] == "torch" and not f[1]], "import torch inside functions"


def test_importing_mlp_compare_loads_no_torch():
    code = (
        "import sys, mlp_compare.runs, mlp_compare.one_step, mlp_compare.codegen; "
        "print('torch' in sys.modules, 'streamlit' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=PACKAGE.parent, check=True
    ).stdout.split()
    assert out == ["False", "False"]
