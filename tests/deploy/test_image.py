"""The Docker image and compose.yaml, checked without a Docker daemon (the development
machine has none, and Docker's compose plugin is not installed either).

- The image ships every module the app imports: the list is built by walking the
  imports from app.py and the pages (AST, local modules only, function-level imports
  too), and the image's files by applying .dockerignore and the Dockerfile's COPY lines
  to the repository's files, so a new package cannot be forgotten again (mlp_compare
  was: the Libraries page failed in the image with ModuleNotFoundError).
- Every third-party module the app imports at module level is pinned in the lock file
  the image installs.
- The server runs as an unprivileged user; the entry point names MNIST_DIR only when a
  folder of MNIST files is mounted.
- compose.yaml: a PostgreSQL service with a health check that every replica waits for,
  the replicas on it, the MNIST cache and the data folder on volumes, no MNIST_DIR set
  for every page to complain about, one HAProxy `server` line per replica.
"""

from __future__ import annotations

import ast
import importlib.metadata
import os
import re
import shlex
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SKIPPED_DIRS = {".git", "__pycache__", ".pytest_cache", ".ruff_cache", ".venv", "artifacts"}


# --- what the app imports -------------------------------------------------------------


def _module_file(name: str) -> Path | None:
    """The repository file of module `name` (a.b -> a/b.py or a/b/__init__.py), if any."""
    path = ROOT.joinpath(*name.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imported_names(tree: ast.AST, file: Path) -> list[tuple[str, bool]]:
    """(module name, imported at module level?) for every import in a file."""
    top_level = {id(node) for node in getattr(tree, "body", [])}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, id(node) in top_level) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from the file's package upwards
                package = file.parent.relative_to(ROOT).parts
                base = ".".join([*package[: len(package) - node.level + 1], node.module or ""])
                base = base.strip(".")
            else:
                base = node.module or ""
            found.append((base, id(node) in top_level))
            found += [(f"{base}.{alias.name}", id(node) in top_level) for alias in node.names]
    return found


def _entry_files() -> list[Path]:
    """app.py, every page file it names (st.Page("views/x.py")), and the page folders'
    files (pages/ before the move to views/)."""
    tree = ast.parse((ROOT / "app.py").read_text())
    named = [
        ROOT / node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value.endswith(".py")
        and (ROOT / node.value).is_file()
    ]
    folders = [ROOT / "pages", ROOT / "views"]
    return [ROOT / "app.py", *named, *(f for d in folders for f in sorted(d.glob("*.py")))]


@cache
def app_imports() -> tuple[frozenset[Path], frozenset[str]]:
    """(every repository file the app runs, top-level third-party modules it imports at
    module level). Function-level imports of other libraries are optional features
    (PyTorch on the Libraries page) and are not counted as requirements."""
    files, third_party, todo = set(), set(), _entry_files()
    while todo:
        file = todo.pop()
        if file in files:
            continue
        files.add(file)
        tree = ast.parse(file.read_text(), filename=str(file))
        for name, module_level in _imported_names(tree, file):
            parts = name.split(".")
            local = [_module_file(".".join(parts[:i])) for i in range(1, len(parts) + 1)]
            todo += [path for path in local if path is not None]
            if local[0] is None and parts[0] not in sys.stdlib_module_names and module_level:
                third_party.add(parts[0])
    return frozenset(files), frozenset(third_party)


# --- what the image holds -------------------------------------------------------------


def _pattern_regex(pattern: str) -> re.Pattern:
    """A .dockerignore pattern (Go's filepath.Match plus `**`) as a regex on a path."""
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out)


def dockerignore_rules() -> list[tuple[re.Pattern, bool]]:
    """(pattern, excludes?) in order; the last rule that matches a path decides."""
    rules = []
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        pattern = os.path.normpath(line.lstrip("!").strip().lstrip("/"))
        rules.append((_pattern_regex(pattern), not negated))
    return rules


def ignored(relative: str, rules: list[tuple[re.Pattern, bool]]) -> bool:
    """Docker's rule: a pattern matching a path or any folder above it excludes it."""
    parts = relative.split("/")
    prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    verdict = False
    for regex, excludes in rules:
        if any(regex.fullmatch(prefix) for prefix in prefixes):
            verdict = excludes
    return verdict


def build_context() -> set[str]:
    """The repository's files (relative paths) that .dockerignore lets into the build."""
    rules, found = dockerignore_rules(), set()
    for folder, dirs, names in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS]
        for name in names:
            relative = Path(folder, name).relative_to(ROOT).as_posix()
            if not ignored(relative, rules):
                found.add(relative)
    return found


def dockerfile_instructions(dockerfile: str | None = None) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined."""
    text = dockerfile if dockerfile is not None else (ROOT / "Dockerfile").read_text()
    text = re.sub(r"\\\n", " ", text)
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
        for line in lines
        if line and not line.startswith("#")
    ]


def image_files(dockerfile: str | None = None) -> set[str]:
    """The files of the build context that the Dockerfile's COPY lines put in /app."""
    context, shipped = build_context(), set()
    for instruction, args in dockerfile_instructions(dockerfile):
        if instruction != "COPY":
            continue
        words = [word for word in shlex.split(args) if not word.startswith("--")]
        for source in words[:-1]:
            source = os.path.normpath(source)
            shipped |= {
                f for f in context if source == "." or f == source or f.startswith(source + "/")
            }
    return shipped


# --- tests ------------------------------------------------------------------------------


def test_the_import_walk_finds_every_package_and_page() -> None:
    files, third_party = app_imports()
    tops = {f.relative_to(ROOT).parts[0] for f in files}
    assert {"app.py", "mlp_core", "mlp_ui", "mlp_fast", "mlp_compare", "mlp_store"} <= tops
    pages = [f for f in files if f.parent.name in ("pages", "views")]
    assert "libraries.py" in {f.name for f in pages} and len(pages) >= 8
    assert {"streamlit", "numpy"} <= third_party
    assert "torch" not in third_party, "PyTorch is imported inside functions: optional"


def test_the_dockerignore_reading_follows_dockers_rules() -> None:
    rules = [(_pattern_regex(p), True) for p in ("tests", "**/__pycache__", "*.md")]
    rules.append((_pattern_regex("docs/keep.md"), False))
    assert ignored("tests/deploy/x.py", rules)
    assert ignored("mlp_ui/__pycache__/a.pyc", rules)
    assert ignored("README.md", rules) and not ignored("assets/README.md", rules)
    assert not ignored("mlp_ui/tests.py", rules) and not ignored("testsuite/a", rules)
    assert not ignored("docs/keep.md", rules)


def test_the_image_ships_every_module_the_app_runs() -> None:
    files, _ = app_imports()
    shipped = image_files()
    missing = sorted({f.relative_to(ROOT).as_posix() for f in files} - shipped)
    assert not missing, f"the Dockerfile/.dockerignore leave out {missing}"
    # The files beside the code: package data (templates, migrations), the server's
    # settings, the icon and the default model.
    packages = {f.relative_to(ROOT).parts[0] for f in files if len(f.relative_to(ROOT).parts) > 1}
    beside = {
        f.relative_to(ROOT).as_posix()
        for package in packages
        for f in (ROOT / package).rglob("*")
        if f.is_file() and "__pycache__" not in f.parts
    }
    needed = beside | {".streamlit/config.toml", "assets/favicon.png", "assets/default_model.npz"}
    assert not sorted(needed - shipped), f"not in the image: {sorted(needed - shipped)}"
    assert "deploy/docker-entrypoint.sh" in shipped


def test_a_package_left_out_of_the_copy_lines_is_found() -> None:
    """The Dockerfile as it was before: one COPY per package, mlp_compare forgotten."""
    lines = ["app.py", ".streamlit", "assets", "pages", "mlp_core", "mlp_digits", "mlp_ui"]
    old = "FROM python:3.11-slim\n" + "".join(f"COPY {name} {name}\n" for name in lines)
    files, _ = app_imports()
    missing = {f.relative_to(ROOT).parts[0] for f in files} - {
        Path(f).parts[0] for f in image_files(old)
    }
    assert {"mlp_compare", "mlp_fast"} <= missing


def test_the_image_leaves_out_tests_caches_and_data() -> None:
    shipped = image_files()
    assert not [f for f in shipped if f.startswith(("tests/", "benchmarks/", ".git/"))]
    assert not [f for f in shipped if "__pycache__" in f or f.endswith("-ubyte.gz")]
    assert ".streamlit/secrets.toml" not in shipped


def test_every_library_the_app_imports_is_pinned_in_the_lock_the_image_installs() -> None:
    installs = [args for instruction, args in dockerfile_instructions() if instruction == "RUN"]
    assert any("pip install -r requirements.lock" in args for args in installs)
    locked = {
        re.split(r"[=<>!~ ;\[]", line, maxsplit=1)[0].lower().replace("_", "-")
        for line in (ROOT / "requirements.lock").read_text().splitlines()
        if line and not line.startswith((" ", "#", "-"))
    }
    distributions = importlib.metadata.packages_distributions()
    _, third_party = app_imports()
    for module in sorted(third_party):
        names = {d.lower().replace("_", "-") for d in distributions.get(module, [])}
        assert names & locked, f"`import {module}` ({names or 'not installed'}) is not locked"


def test_the_server_in_the_image_is_not_root() -> None:
    instructions = dockerfile_instructions()
    users = [args.split(":")[0] for instruction, args in instructions if instruction == "USER"]
    assert users and users[-1] not in ("root", "0")
    last_user = max(i for i, (instruction, _) in enumerate(instructions) if instruction == "USER")
    starts = [i for i, (instruction, _) in enumerate(instructions) if instruction == "CMD"]
    assert starts and last_user < starts[-1]


@pytest.mark.parametrize("mounted", [[], ["README"], ["train-images-idx3-ubyte.gz"]])
def test_the_entry_point_names_mnist_dir_only_for_a_folder_of_mnist_files(
    tmp_path, mounted
) -> None:
    for name in mounted:
        (tmp_path / name).write_bytes(b"")
    env = {"PATH": os.environ["PATH"], "MNIST_MOUNT": str(tmp_path)}
    shown = subprocess.run(
        ["sh", str(ROOT / "deploy" / "docker-entrypoint.sh"), "sh", "-c", 'echo "[$MNIST_DIR]"'],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    has_mnist = any("ubyte" in name for name in mounted)
    assert shown == (f"[{tmp_path}]" if has_mnist else "[]")


# --- compose.yaml ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict:
    """compose.yaml as YAML (anchors resolved). PyYAML is not a requirement of ours (it
    comes with other tools here): without it these tests skip."""
    yaml = pytest.importorskip("yaml", reason="PyYAML is not installed (pip install pyyaml)")
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def _replicas(compose: dict) -> dict[str, dict]:
    return {name: s for name, s in compose["services"].items() if re.fullmatch(r"app\d+", name)}


def test_compose_replicas_wait_for_a_healthy_postgres_and_use_it(compose) -> None:
    postgres = compose["services"]["postgres"]
    assert postgres["image"].startswith("postgres:")
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert any(v.endswith(":/var/lib/postgresql/data") for v in postgres["volumes"])
    replicas = _replicas(compose)
    assert len(replicas) == 3
    for service in replicas.values():
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
        url = service["environment"]["MLP_LAB_DATABASE_URL"]
        assert url.startswith("postgresql+psycopg://mlp_lab:") and "@postgres:5432/" in url


def test_compose_keeps_the_cache_and_data_on_volumes_and_sets_no_mnist_dir(compose) -> None:
    env = dict(
        arg.split("=", 1)
        for instruction, args in dockerfile_instructions()
        if instruction == "ENV"
        for arg in shlex.split(args)
    )
    for service in _replicas(compose).values():
        assert "MNIST_DIR" not in service["environment"]
        mounts = {v.split(":")[1]: v.split(":")[0] for v in service["volumes"]}
        for folder in (env["MLP_LAB_CACHE"], env["MLP_LAB_DATA"]):
            assert mounts[folder] in compose["volumes"], f"{folder} is not on a named volume"


def test_haproxy_has_a_server_line_for_every_compose_replica(compose) -> None:
    config = (ROOT / "deploy" / "haproxy.cfg").read_text()
    servers = re.findall(r"^\s*server (app\d+) \"\$\{(APP\d+)_HOST\}", config, re.MULTILINE)
    haproxy = compose["services"]["haproxy"]
    assert {name for name, _ in servers} == set(_replicas(compose))
    for name, prefix in servers:
        assert haproxy["environment"][f"{prefix}_HOST"] == name
    # Started, not healthy: one replica down must not keep HAProxy from starting.
    assert set(haproxy["depends_on"]) == set(_replicas(compose))
