"""Packages by layer: each of ours imports only its allowed neighbours, the engine a leaf.

An AST walk over every module of every package in the repository (every folder with an
`__init__.py`), finding imports wherever they hide: at module level, inside functions
and class bodies, in try blocks, relative ones, and importlib.import_module("x") or
__import__("x") with a literal name. A package missing from NEIGHBOURS fails the test
with a message saying to add it.

- mlp_core, the engine, imports only NumPy and the standard library, anywhere: nothing
  of ours, no UI library, no torch or scikit-learn, not even inside a function.
- The layers below the UI name the libraries they use (mlp_store SQLAlchemy and Alembic,
  mlp_class NumPy and SQLAlchemy, mlp_digits NumPy and Pillow): nothing else.
- Streamlit and plotly belong to the UI (mlp_ui; the tests drive it).
- PyTorch, Keras and scikit-learn are optional: imported only inside the functions that
  need them, so the app and the engine run without them.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EVERYTHING = "*"


@dataclass(frozen=True)
class Layer:
    """What a package of ours may import: `ours` (package names, or EVERYTHING), the
    third-party packages it may use (`libraries`; None: any), and whether it is UI code
    (Streamlit, plotly)."""

    ours: frozenset[str] | str
    libraries: frozenset[str] | None = None
    ui: bool = False
    but: frozenset[str] = frozenset()  # with ours=EVERYTHING: except these
    optional_inside_functions: bool = True  # OPTIONAL libraries only inside functions


def only(*names: str, **kw) -> Layer:
    return Layer(frozenset(names), **kw)


def all_but(*names: str, **kw) -> Layer:
    return Layer(EVERYTHING, but=frozenset(names), **kw)


NEIGHBOURS: dict[str, Layer] = {
    "mlp_core": only(libraries=frozenset({"numpy"})),  # the engine
    "mlp_fast": only("mlp_core"),  # speed: a back-end behind mlp_core's Backend seam
    # image files and drawings -> MNIST-like digits, usable without a UI
    "mlp_digits": only("mlp_core", libraries=frozenset({"numpy", "PIL"})),
    # the Libraries page's engine; its runs train on one BLAS thread through mlp_fast's
    # counted limiter (mlp_fast.threads), as every run of a server must
    "mlp_compare": only("mlp_core", "mlp_fast"),
    # students' work on a database (psycopg is loaded by SQLAlchemy from the URL)
    "mlp_store": only("mlp_core", libraries=frozenset({"sqlalchemy", "alembic"})),
    # classes, challenges and the board's scores: the pages call it, not the reverse
    "mlp_class": only("mlp_core", "mlp_store", libraries=frozenset({"numpy", "sqlalchemy"})),
    "mlp_ui": all_but("mlp_lab", ui=True),  # the app's pages and widgets
    "mlp_lab": all_but(),  # the command line and benchmarks, on top of everything
    "tests": all_but(ui=True, optional_inside_functions=False),
}
"""Package -> what it may import. A new package gets a line here."""

UI_LIBRARIES = {"streamlit", "plotly"}
OPTIONAL = {"torch", "keras", "sklearn"}
"""Libraries the app runs without (the Libraries page and the benchmark use them when
installed): imported only inside the functions that need them."""
STDLIB = set(sys.stdlib_module_names) | {"__future__"}
PACKAGES = sorted(p.parent.name for p in ROOT.glob("*/__init__.py"))
OURS = set(PACKAGES)


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def imports(tree: ast.Module, package: str) -> list[tuple[str, int, bool]]:
    """(top-level name, line, inside a function?) of every import in a module."""
    found = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = in_function or isinstance(
                child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
            )
            if isinstance(child, ast.Import):
                found.extend((a.name.split(".")[0], child.lineno, in_function) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                name = package if child.level else (child.module or "").split(".")[0]
                found.append((name, child.lineno, in_function))
            elif _dynamic_import(child):
                found.append((child.args[0].value.split(".")[0], child.lineno, in_function))
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


def forbidden(package: str, name: str, in_function: bool = True) -> str:
    """Why `package` may not import `name` ('' if it may)."""
    layer = NEIGHBOURS[package]
    if name == package or name in STDLIB:
        return ""
    if name in OURS:
        allowed = name not in layer.but if layer.ours == EVERYTHING else name in layer.ours
        return "" if allowed else f"{package} may not import {name} (a package of ours)"
    if layer.libraries is not None and name not in layer.libraries:
        return (
            f"{package} imports only {', '.join(sorted(layer.libraries))} and the standard library"
        )
    if name in UI_LIBRARIES and not layer.ui:
        return f"{name} belongs to the UI (mlp_ui), not {package}"
    if name in OPTIONAL and not in_function and layer.optional_inside_functions:
        return f"{name} is optional: import it inside the function that needs it"
    return ""


def test_every_package_has_its_neighbours_in_the_table():
    unknown = [p for p in PACKAGES if p not in NEIGHBOURS]
    assert not unknown, (
        f"new package(s) {unknown}: add each to NEIGHBOURS in {Path(__file__).name} with "
        "the packages of ours it may import (e.g. only('mlp_core'))"
    )
    assert {"mlp_core", "mlp_fast", "mlp_lab", "mlp_ui"} <= set(PACKAGES)


@pytest.mark.parametrize("package", PACKAGES)
def test_each_package_imports_only_its_neighbours(package: str):
    if package not in NEIGHBOURS:
        pytest.fail(f"{package} is not in NEIGHBOURS: add it with what it may import")
    bad = []
    for path in modules(package):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for name, line, in_function in imports(tree, package):
            if why := forbidden(package, name, in_function):
                bad.append(f"{path.relative_to(ROOT)}:{line}: {why}")
    assert not bad, "\n".join(bad)


def test_the_engine_is_a_leaf():
    """The table's rule for mlp_core, spelled out: nothing of ours, no UI, no torch or
    scikit-learn, anywhere in it (the command line moved to mlp_lab)."""
    for name in [*OURS - {"mlp_core"}, "streamlit", "plotly", "torch", "sklearn", "PIL"]:
        assert forbidden("mlp_core", name), name
    assert not (ROOT / "mlp_core" / "cli.py").exists()


def test_the_layers_below_the_ui_name_their_libraries():
    assert forbidden("mlp_store", "streamlit") and forbidden("mlp_store", "numpy")
    assert not forbidden("mlp_store", "alembic") and not forbidden("mlp_digits", "PIL")
    assert forbidden("mlp_digits", "plotly") and forbidden("mlp_digits", "mlp_store")
    assert forbidden("mlp_class", "mlp_ui") and not forbidden("mlp_class", "sqlalchemy")


def test_the_walk_sees_every_kind_of_import():
    """Guard for the walker itself: it must find imports wherever they hide."""
    source = (
        "import plotly.express as px\n"
        "from streamlit import session_state\n"
        "try:\n    import pandas\nexcept ImportError:\n    pass\n"
        "class A:\n    import sklearn\n"
        "def f():\n    from PIL import Image\n    importlib.import_module('torch')\n"
        "    def g():\n        import mlp_fast.pool\n"
        "from . import network\n"
    )
    found = {(name, inside) for name, _, inside in imports(ast.parse(source), "mlp_core")}
    assert found == {
        ("plotly", False),
        ("streamlit", False),
        ("pandas", False),
        ("sklearn", False),  # a class body runs at import time
        ("PIL", True),
        ("torch", True),
        ("mlp_fast", True),
        ("mlp_core", False),
    }
    assert {n for n, inside in found if forbidden("mlp_core", n, inside)} == {
        "plotly", "streamlit", "pandas", "sklearn", "PIL", "torch", "mlp_fast"
    }  # fmt: skip
    assert forbidden("mlp_compare", "torch", in_function=False)
    assert not forbidden("mlp_compare", "torch", in_function=True)


def test_an_unknown_package_fails_with_a_message():
    """The table test, asked about a package nobody listed."""
    assert "mlp_new" not in NEIGHBOURS
    with pytest.raises(pytest.fail.Exception, match="add it with what it may import"):
        test_each_package_imports_only_its_neighbours("mlp_new")


def test_importing_the_engine_loads_nothing_else():
    """The same rule, observed: import every mlp_core module in a fresh interpreter."""
    names = [
        ".".join(p.relative_to(ROOT).with_suffix("").parts)
        for p in modules("mlp_core")
        if p.stem not in ("__main__", "__init__")
    ]
    code = (
        "import sys\n"
        "before = set(sys.modules)\n"  # what the interpreter loaded by itself (site, .pth)
        f"import {', '.join(names)}\n"
        "print(sorted({m.split('.')[0] for m in set(sys.modules) - before}"
        " - set(sys.stdlib_module_names) - {'numpy', 'mlp_core'}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_old_entry_point_imports_nothing_but_the_standard_library():
    """`python -m mlp_core` only says where the command line went."""
    path = ROOT / "mlp_core" / "__main__.py"
    found = {name for name, _, _ in imports(ast.parse(path.read_text()), "mlp_core")}
    assert found <= STDLIB
