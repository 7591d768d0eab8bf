"""The locks the README installs agree with the ranges people install into their own
environments: every requirement is locked, inside its range, and the app's lock and the
developers' lock pin the same versions of what they share."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._\-\[\],]*)==([^\s;]+)\s*(?:;\s*(.+))?$")


def _name(raw: str) -> str:
    return re.sub(r"[-_.]+", "-", raw.split("[")[0]).lower()


def ranges(path: Path) -> dict[str, Requirement]:
    """Top-level requirements of a requirements file, following `-r` includes."""
    found: dict[str, Requirement] = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r "):
            found |= ranges(path.parent / line[3:].strip())
        elif line:
            req = Requirement(line)
            found[_name(req.name)] = req
    return found


def pins(path: Path) -> dict[str, list[tuple[Version, str | None]]]:
    """Locked versions by package, each with the marker it applies under (if any)."""
    found: dict[str, list[tuple[Version, str | None]]] = {}
    for line in path.read_text().splitlines():
        m = PIN.match(line.strip())
        if m:
            found.setdefault(_name(m.group(1)), []).append((Version(m.group(2)), m.group(3)))
    return found


@pytest.mark.parametrize(
    ("ranges_file", "lock_file"),
    [("requirements.txt", "requirements.lock"), ("requirements-dev.txt", "requirements-dev.lock")],
)
def test_every_requirement_is_locked_inside_its_range(ranges_file, lock_file):
    locked = pins(ROOT / lock_file)
    for name, req in ranges(ROOT / ranges_file).items():
        assert name in locked, (
            f"{name} is in {ranges_file} but not in {lock_file}: run tools/lock.sh"
        )
        for version, _marker in locked[name]:
            assert req.specifier.contains(version, prereleases=True), (
                f"{lock_file} pins {name}=={version}, outside {ranges_file}'s {req.specifier}:"
                " run tools/lock.sh"
            )


def test_the_two_locks_pin_the_same_versions_of_what_they_share():
    app, dev = pins(ROOT / "requirements.lock"), pins(ROOT / "requirements-dev.lock")
    for name, versions in app.items():
        assert dev.get(name) == versions, f"{name}: {versions} against {dev.get(name)}"


def test_this_python_gets_exactly_one_version_of_each_locked_package():
    for name, versions in pins(ROOT / "requirements-dev.lock").items():
        chosen = [v for v, marker in versions if marker is None or Marker(marker).evaluate()]
        assert len(chosen) <= 1, f"{name}: {chosen} all apply to Python {sys.version}"


def test_the_python_the_readme_states_is_the_one_pyproject_requires():
    readme = (ROOT / "README.md").read_text()
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'requires-python = ">=3.11"' in pyproject
    assert "Python 3.11 or 3.12" in readme
    assert sys.version_info >= (3, 11)
