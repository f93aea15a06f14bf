"""Two `serve` processes on one Redis, one conversation's turns spread across both (each turn
goes to the other replica than the one before): nothing lost, nothing doubled. Then every
event delivered twice at once, once to each replica (Slack's retry with the same event_id or
click, Teams' redelivery with the same activity id): each applied exactly once (the state
version counts applied turns, so a doubled one would show)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reliability.test_load_small import assert_clean
from testsupport.load.report import describe
from testsupport.load.run import run_load
from testsupport.load.scripts import TURNS
from testsupport.redis_server import RedisServer

pytestmark = pytest.mark.slow  # two serve replicas


async def test_turns_alternating_between_two_replicas_lose_nothing(
        durable_redis: RedisServer, tmp_path: Path) -> None:
    report = await run_load(durable_redis, conversations=24, replicas=2, workdir=tmp_path)
    lines: list[str] = []
    describe(report, lines.append)
    assert_clean(report, lines)
    assert report.turns == 24 * TURNS


async def test_every_event_delivered_twice_to_two_replicas_is_applied_once(
        durable_redis: RedisServer, tmp_path: Path) -> None:
    report = await run_load(durable_redis, conversations=24, replicas=2, duplicates=True,
                            workdir=tmp_path)
    lines: list[str] = []
    describe(report, lines.append)
    assert_clean(report, lines)
    # Both deliveries of every turn were answered 200.
    assert sum(report.stats.statuses.values()) == 2 * 24 * TURNS
