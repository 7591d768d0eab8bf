"""mlp_store stands below the UI: the standard library, SQLAlchemy, Alembic, mlp_core
and itself (psycopg is loaded by SQLAlchemy from the URL), never Streamlit or plotly."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "mlp_store"
ALLOWED = {"sqlalchemy", "alembic", "mlp_core", "mlp_store", "__future__"}
FILES = sorted(PACKAGE.rglob("*.py"))


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def test_the_store_and_its_migrations_are_found():
    names = {p.name for p in FILES}
    assert {"__init__.py", "runs.py", "identity.py", "env.py"} <= names


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_mlp_store_imports_only_its_layer(path):
    extra = _imports(path) - ALLOWED - set(sys.stdlib_module_names)
    assert not extra, f"{path.name} imports {sorted(extra)}"
