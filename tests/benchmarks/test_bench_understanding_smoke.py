"""bench_understanding still runs end to end against today's core and prints every figure (a
change of what the core takes once broke only its last line, which nothing ran)."""

from __future__ import annotations

import re

import pytest

from benchmarks import bench_understanding

pytestmark = pytest.mark.slow  # a benchmark run


def test_every_figure_is_printed(capsys: pytest.CaptureFixture[str]) -> None:
    bench_understanding.main(["--rounds", "1"])
    text = capsys.readouterr().out
    for name in ("floor: one regex pass", "parse (understanding)", "step (whole turn)"):
        assert re.search(rf"^{re.escape(name)}\s+p50\s+[0-9.]+ us\s+p99", text, re.M), name
    assert re.search(r"^hostile inputs, worst whole turn: [0-9.]+ ms", text, re.M)
