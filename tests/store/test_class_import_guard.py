"""mlp_class stands below the UI: the standard library, NumPy, SQLAlchemy, mlp_core,
mlp_store and itself; never Streamlit or plotly (the pages call it, not the reverse)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.store.test_import_guard import _imports

PACKAGE = Path(__file__).resolve().parents[2] / "mlp_class"
ALLOWED = {"numpy", "sqlalchemy", "mlp_core", "mlp_store", "mlp_class", "__future__"}


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda p: p.name)
def test_mlp_class_imports_only_its_layer(path):
    extra = _imports(path) - ALLOWED - set(sys.stdlib_module_names)
    assert not extra, f"{path.name} imports {sorted(extra)}"
