"""mlp_compare stays pure: importing it loads neither Streamlit nor PyTorch.

So the page's conversions and runs are testable without a Streamlit runtime, and the
app works without PyTorch (it is optional). The static rule (no UI library, optional
libraries only inside functions) is the import guard's table (test_import_guard.py).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "mlp_compare"


def test_importing_mlp_compare_loads_no_torch():
    code = (
        "import sys, mlp_compare.runs, mlp_compare.one_step, mlp_compare.codegen; "
        "print('torch' in sys.modules, 'streamlit' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=PACKAGE.parent, check=True
    ).stdout.split()
    assert out == ["False", "False"]
