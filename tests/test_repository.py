"""The repository stands on its own: the design it cites is docs/architecture.md, and nothing in
it points at a file outside the repository (a design kept elsewhere, a sibling checkout)."""

from __future__ import annotations

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
