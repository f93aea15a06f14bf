"""The lock files say exactly what gets installed: every dependency pyproject.toml declares is
pinned there, with hashes, at a version its range allows, and the runtime lock agrees with the
test lock on every package they share. Refresh both with the command in README when this fails."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9_.\-]+(?:\[[^\]]*\])?)==([^\s;\\]+)(?:\s*;[^\\]*)?\s*\\?$")


def pins(lock: str) -> dict[str, str]:
    """name -> version, and every pin carries at least one hash."""
    lines = (ROOT / "requirements" / lock).read_text().splitlines()
    found: dict[str, str] = {}
    for i, line in enumerate(lines):
        match = PIN.match(line)
        if match is None:
            continue
        name = canonicalize_name(Requirement(match.group(1)).name)
        assert "--hash=sha256:" in lines[i + 1], f"{lock}: {name} is pinned without a hash"
        found[name] = match.group(2)
    assert found, f"{lock} pins nothing"
    return found


def declared(extra: str | None) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    found = [Requirement(r) for r in project["dependencies"]]
    if extra is not None:
        found += [Requirement(r) for r in project["optional-dependencies"][extra]]
    return found


@pytest.mark.parametrize(("lock", "extra"), [("runtime.lock", None), ("test.lock", "test")])
def test_every_declared_dependency_is_pinned_within_its_range(lock: str, extra: str | None):
    pinned = pins(lock)
    for requirement in declared(extra):
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{requirement} is in pyproject.toml but not in {lock}"
        assert requirement.specifier.contains(pinned[name], prereleases=True), (
            f"{lock} pins {name}=={pinned[name]}, outside pyproject's {requirement.specifier}")
        for extra_name in requirement.extras:  # redis[hiredis] needs hiredis pinned too
            assert extra_name in pinned or canonicalize_name(extra_name) in pinned, (
                f"{requirement}: the extra's package {extra_name} is not in {lock}")


def test_the_runtime_and_test_locks_agree_on_what_they_share():
    runtime, test = pins("runtime.lock"), pins("test.lock")
    assert runtime.keys() <= test.keys()
    assert {n: v for n, v in test.items() if n in runtime} == runtime


def imported_packages(*folders: str) -> set[str]:
    """Top-level names imported under `folders`, less the standard library's and ours."""
    import ast
    import sys

    names: set[str] = set()
    for folder in folders:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    names.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names.add(node.module.split(".")[0])
    ours = {"knowledge", "dialogs", "bot", "tests", "testsupport", "benchmarks", "__future__"}
    return {n for n in names if n not in sys.stdlib_module_names and n not in ours}


@pytest.mark.parametrize(("folders", "extra"), [
    (("knowledge", "dialogs", "bot"), None),
    (("knowledge", "dialogs", "bot", "tests", "testsupport", "benchmarks"), "test"),
])
def test_every_package_the_code_imports_is_declared(folders: tuple[str, ...], extra: str | None):
    from importlib.metadata import packages_distributions

    providers = packages_distributions()
    names = {canonicalize_name(r.name) for r in declared(extra)}
    for package in sorted(imported_packages(*folders)):
        distributions = {canonicalize_name(d) for d in providers.get(package, [])}
        assert distributions & names, (
            f"{package} is imported under {'/'.join(folders)} but no distribution providing it "
            f"({sorted(distributions) or 'none installed'}) is declared in pyproject.toml")
