"""The repository stands on its own: the design it cites is docs/architecture.md, and nothing in
it points at a file outside the repository (a design kept elsewhere, a sibling checkout)."""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Spelt in pieces so this file does not match itself.
OUTSIDE = ("DESIGN" + ".md", "../" + "shared", "/work" + "/")


def test_nothing_refers_to_a_file_outside_the_repository():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.split()
    found = []
    for name in tracked:
        path = ROOT / name
        if path.suffix in {".png", ".zip", ".lock"} or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        found += [f"{name}: {word}" for word in OUTSIDE if word in text]
    assert found == []
    assert (ROOT / "docs" / "architecture.md").is_file()


def test_readme_commands_install_from_files_that_exist_and_ci_runs_the_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = [line for line in readme.splitlines() if line.startswith("python3 -m venv .venv")]
    assert len(commands) == 2, commands  # one starts the chat, one runs the tests
    chat, tests = sorted(commands, key=lambda c: "pytest" in c)
    assert chat.endswith("which-approach chat") and tests.endswith("-m pytest")
    for command in commands:
        for lock in re.findall(r"-r (\S+)", command):
            assert (ROOT / lock).is_file(), lock
        assert "$" not in command  # nothing the shell would expand
    assert tests in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def _python_files(*folders: str) -> list[Path]:
    return sorted(path for folder in folders for path in (ROOT / folder).rglob("*.py")
                  if ".venv" not in path.parts)


def test_no_test_or_benchmark_edits_the_import_path():
    """pytest (tests/ is a package) and `python -m benchmarks.<name>` both import from the
    repository root; a module that edits sys.path instead hides an import that only works by
    accident (how benchmarks once reached into tests/)."""
    found = []
    for path in _python_files("tests", "testsupport", "benchmarks"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            uses_path = (isinstance(node, ast.Attribute) and node.attr == "path"
                         and isinstance(node.value, ast.Name) and node.value.id == "sys") or (
                isinstance(node, ast.ImportFrom) and node.module == "sys"
                and any(alias.name == "path" for alias in node.names))
            if uses_path:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []


def test_benchmarks_and_test_support_never_import_the_tests():
    """Imports run one way: tests -> testsupport and benchmarks -> testsupport (tests may also
    import a benchmark to smoke-test it); anything both need lives in testsupport/."""
    found = []
    for path in _python_files("testsupport", "benchmarks"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            found += [f"{path.relative_to(ROOT)}:{node.lineno} {name}"
                      for name in names if name.split(".")[0] == "tests"]
    assert found == []
