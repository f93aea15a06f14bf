"""The load run, small: 40 conversations of 8 turns (half Slack, half Teams; typed in words
and numbers, and by buttons and card submits) at once against one `python -m bot serve` on a
real Redis. Every final state equals its script: each answer present once, in order (the last
turn changes an earlier answer), the state version counting exactly 8 applied turns. No timing
is asserted; the full run and its figures are benchmarks/load_run.py and docs/reliability.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from testsupport.load.report import describe
from testsupport.load.run import run_load
from testsupport.load.scripts import TURNS
from testsupport.redis_server import RedisServer

pytestmark = pytest.mark.slow  # load


def assert_clean(report, lines: list[str]) -> None:  # type: ignore[no-untyped-def]
    text = "\n".join(lines)
    assert report.stats.problems == [], text
    assert report.lost == 0, text
    assert report.non_200 == 0 and report.five_xx == 0, text
    assert report.exit_codes == [0] * report.replicas, text
    assert not any("Traceback" in log for log in report.server_logs), text


async def test_forty_conversations_end_exactly_as_scripted(durable_redis: RedisServer,
                                                           tmp_path: Path) -> None:
    report = await run_load(durable_redis, conversations=40, workdir=tmp_path)
    lines: list[str] = []
    describe(report, lines.append)
    assert_clean(report, lines)
    assert report.checked == 40
    assert report.turns == 40 * TURNS
    assert len(report.stats.slack_acks) >= 20 * TURNS
    assert len(report.stats.teams_requests) == 20 * TURNS
