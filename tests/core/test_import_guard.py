"""The core stands alone: mlp_core imports only NumPy and the standard library.

An AST walk over every mlp_core/*.py: streamlit and plotly may not be imported anywhere,
not even inside a function. Every other package besides NumPy (pandas, sklearn, PIL,
torch, ...) is kept out of module level, so `import mlp_core` never needs it; a function
may import one for an optional feature (cli.py's `predict` uses mlp_digits, which needs
Pillow).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[2] / "mlp_core"
FILES = sorted(CORE.glob("*.py"))
NOWHERE = {"streamlit", "plotly"}
ALLOWED_AT_MODULE_LEVEL = {"numpy", "mlp_core", "__future__"} | set(sys.stdlib_module_names)


def _imports(tree: ast.Module) -> list[tuple[str, bool, int]]:
    """(top-level package, inside a function?, line) for every import in the module."""
    found = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = in_function or isinstance(
                child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
            )
            if isinstance(child, ast.Import):
                found.extend((a.name.split(".")[0], in_function, child.lineno) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                module = "mlp_core" if child.level else (child.module or "").split(".")[0]
                found.append((module, in_function, child.lineno))
            elif _dynamic_import(child):
                found.append((child.args[0].value.split(".")[0], in_function, child.lineno))
            visit(child, inner)

    visit(tree, False)
    return found


def _dynamic_import(node: ast.AST) -> bool:
    """importlib.import_module("x") or __import__("x") with a literal name."""
    if not isinstance(node, ast.Call) or not node.args:
        return False
    if not isinstance(node.args[0], ast.Constant) or not isinstance(node.args[0].value, str):
        return False
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name in ("import_module", "__import__")


def test_the_core_files_are_found():
    names = {p.name for p in FILES}
    assert {"network.py", "training.py", "cli.py", "__init__.py"} <= names


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_no_streamlit_or_plotly_anywhere(path):
    imports = _imports(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
    bad = [(name, line) for name, _, line in imports if name in NOWHERE]
    assert not bad, f"{path.name} imports {bad}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_only_numpy_and_the_standard_library_at_module_level(path):
    imports = _imports(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
    bad = [
        (name, line)
        for name, in_function, line in imports
        if not in_function and name not in ALLOWED_AT_MODULE_LEVEL
    ]
    assert not bad, f"{path.name} imports {bad} at module level"


TEACHING = ("activations", "losses", "network", "optimizers", "training")


@pytest.mark.parametrize("name", TEACHING)
def test_the_teaching_modules_never_import_the_fast_back_end(name):
    """What students read stands alone: the fast back-end (mlp_fast) is chosen outside."""
    path = CORE / f"{name}.py"
    imports = _imports(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
    assert "mlp_fast" not in {module for module, _, _ in imports}


def test_the_walk_sees_every_kind_of_import():
    """Guard for the walker itself: it must find imports wherever they hide."""
    source = (
        "import plotly.express as px\n"
        "from streamlit import session_state\n"
        "try:\n    import pandas\nexcept ImportError:\n    pass\n"
        "class A:\n    import sklearn\n"
        "def f():\n    from PIL import Image\n    importlib.import_module('torch')\n"
        "from . import network\n"
    )
    found = {(name, inside) for name, inside, _ in _imports(ast.parse(source))}
    assert found == {
        ("plotly", False),
        ("streamlit", False),
        ("pandas", False),
        ("sklearn", False),  # a class body runs at import time
        ("PIL", True),
        ("torch", True),
        ("mlp_core", False),
    }


def test_importing_the_core_loads_no_ui_or_heavy_packages():
    """The same rule, observed: import every core module in a fresh interpreter."""
    modules = ", ".join(f"mlp_core.{p.stem}" for p in FILES if p.stem != "__main__")
    code = (
        f"import sys, {modules}\n"
        "bad = {'streamlit', 'plotly', 'pandas', 'sklearn', 'PIL', 'torch', 'matplotlib'}\n"
        "print(sorted(bad & {m.split('.')[0] for m in sys.modules}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=CORE.parent,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == "[]"
