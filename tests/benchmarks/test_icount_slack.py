"""icount_slack.py reads the instruction count from a callgrind dump. (The whole script needs
valgrind, which the suite does not install; its figures are in benchmarks/RESULTS-http.md.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.icount_slack import callgrind_total

pytestmark = pytest.mark.slow  # benchmark runs

# The head of a dump taken with `callgrind_control -d`: every event arrives as totals.
DUMP = """# callgrind format
version: 1
creator: callgrind-3.19.0
pid: 9343
cmd:  python bench_slack.py --serve floor
part: 1

events: Ir
summary: 0
totals: 567950171
"""


def test_the_count_is_the_totals_line_when_summary_is_zero(tmp_path: Path) -> None:
    dump = tmp_path / "callgrind.out.1"
    dump.write_text(DUMP)
    assert callgrind_total(dump) == 567_950_171
    dump.write_text(DUMP.replace("summary: 0", "summary: 600000000"))
    assert callgrind_total(dump) == 600_000_000


def test_a_file_without_counts_is_an_error_not_zero(tmp_path: Path) -> None:
    dump = tmp_path / "callgrind.out.1"
    dump.write_text("events: Ir\n")
    with pytest.raises(RuntimeError):
        callgrind_total(dump)
