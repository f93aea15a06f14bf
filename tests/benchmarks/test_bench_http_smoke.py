"""bench_http.py still runs end to end against `python -m bot serve` and prints its figure:
tiny sizes, no timing checked.

The run starts the server (configured by environment only), its own redis-server, the Slack
Web API and Bot Connector stand-ins, and the 200-only floor. Every Slack turn must reach the
stand-in (the run waits for each reply; a changed dialog path raises) and every turn must be
applied by the server.
"""

from __future__ import annotations

import re

import pytest

from benchmarks import bench_http

pytestmark = pytest.mark.slow  # benchmark runs

NUMBER = r"[0-9][0-9.,]*"


async def test_turns_per_second_and_p99_are_printed_per_platform() -> None:
    lines: list[str] = []
    sizes = bench_http.Sizes.tiny()
    figures = await bench_http.run(sizes, out=lines.append)
    text = "\n".join(lines)

    assert re.search(r"^machine: .+, \d+ CPUs", text, re.M)
    for platform in ("slack", "teams"):
        assert re.search(rf"{platform} \[[^]]+\] ours\s+{NUMBER} turns/s\s+p50\s+{NUMBER} ms\s+"
                         rf"p99\s+{NUMBER} ms", text), platform
    assert len(re.findall(rf"floor\s+{NUMBER} turns/s\s+p50\s+{NUMBER} ms\s+p99\s+{NUMBER} ms",
                          text)) == 2
    assert len(re.findall(rf"ratio {NUMBER} x the floor's turns/s", text)) == 2

    turns = sizes.conversations * bench_http.TURNS
    for platform in ("slack", "teams"):
        assert len(figures.ours[platform].latencies) == turns * sizes.rounds
        assert len(figures.floor[platform].latencies) == turns * sizes.rounds
        # warm-up round included; none failed on the store or anywhere else
        assert figures.outcomes[platform] == {"ok": turns * (sizes.rounds + 1)}, platform
