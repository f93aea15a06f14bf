"""The pictures benchmark still runs and prints every figure (never how fast anything is)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # a benchmark run in a subprocess

ROOT = Path(__file__).resolve().parents[2]


def test_every_picture_is_measured_against_the_floor() -> None:
    result = subprocess.run([sys.executable, "-m", "benchmarks.bench_pictures", "--quick"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    measured = [line for line in lines if " ratio " in line]
    assert len(measured) == 8
    assert all("floor (empty figure)" in line and "bytes" in line for line in measured)
    assert any(line.startswith("cached draw:") for line in lines)
