"""bench_slack.py still runs end to end and prints its figure: tiny sizes, no timing checked.

It starts its own three servers (the Bolt floor, ours on Redis, ours in memory), its own
redis-server and the Web API stand-in; every signed slash command must be acked and its
reply posted (the run waits for them), and ours must have applied each one as a turn.
"""

from __future__ import annotations

import re

import pytest

from benchmarks import bench_slack

pytestmark = pytest.mark.slow  # benchmark runs

NUMBER = r"[0-9][0-9.,]*"


async def test_the_ack_figure_is_printed_for_ours_and_the_floor() -> None:
    lines: list[str] = []
    sizes = bench_slack.Sizes.tiny()
    figures = await bench_slack.run(sizes, out=lines.append)
    text = "\n".join(lines)

    assert re.search(r"^machine: .+, \d+ CPUs", text, re.M)
    for label in ("floor: bolt ack \\+ chat.postMessage", "ours: RedisStore", "ours: MemoryStore"):
        assert re.search(rf"acks \[{label}\s*\]\s+{NUMBER} acks/s\s+p50\s+{NUMBER} ms\s+"
                         rf"p99\s+{NUMBER} ms", text), label
    for label in ("ours: RedisStore", "ours: MemoryStore"):
        assert re.search(rf"ratio \[{label}\s*\]\s+{NUMBER} x the floor's acks/s, {NUMBER} x "
                         rf"its drained rate .+ p99 ack {NUMBER} ms .+ (PASS|MISS)", text), label
    timed = sizes.per_round * sizes.rounds
    assert {name: f.requests for name, f in figures.items()} == {
        "floor": timed, "redis": timed, "memory": timed}
    for name in ("redis", "memory"):  # every command became a turn, none failed on the store
        assert figures[name].outcomes == {"ok": timed + sizes.warmup}, name
    assert figures["floor"].outcomes is None
