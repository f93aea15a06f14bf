"""The repository stands on its own: the design it cites is docs/architecture.md, and nothing in
it points at a file outside the repository (a design kept elsewhere, a sibling checkout)."""

from __future__ import annotations

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
